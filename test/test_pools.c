/*
 * cpupools (facts 5): xlcpupool.cfg files and cpupool-numa-split in
 * scenarios, domains in pools, and the engine running one scheduler
 * instance per pool. Errors must name the file, the line and the key.
 *
 * The host is the 2013 one: 2 nodes, pCPUs 0-7 on node 0, 8-15 on node 1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/place.h"
#include "numasched/trace.h"

#define HOST_2NODE "host = \"pack:2 [numa(memory=6GiB)] core:4 pu:2\"\n"

TestSuite(pools, .init = suite_dir_make, .fini = suite_dir_drop);

/* A file of the test's folder, printf-style. */
#define put(...) write_filef(suite_dir, __VA_ARGS__)

static int try_load(struct ns_sim_spec *s, struct ns_err *err)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/scn.cfg", suite_dir);
    memset(s, 0, sizeof(*s));
    return ns_config_load(path, NULL, s, err);
}

static void load(struct ns_sim_spec *s)
{
    struct ns_err err = {{0}};
    cr_assert_eq(try_load(s, &err), 0, "%s", err.msg);
}

/* Loading must fail with a message holding @where ("a.pool:3: cpus:") and @what. */
static void load_fails(const char *where, const char *what)
{
    struct ns_sim_spec s;
    struct ns_err err = {{0}};

    cr_expect_eq(try_load(&s, &err), -1, "loaded, expected \"%s\"", what);
    cr_expect(strstr(err.msg, where), "message \"%s\" lacks \"%s\"", err.msg, where);
    cr_expect(strstr(err.msg, what), "message \"%s\" lacks \"%s\"", err.msg, what);
    cr_expect_null(s.pool);
}

static void expect_mask(const struct ns_mask *m, const char *expected)
{
    char *got = ns_mask_format(m);
    cr_expect_str_eq(got, expected);
    free(got);
}

/* A scenario with @pools (the inside of pools = [ ... ]) and guests vm1.cfg... */
static void scenario(const char *pools, const char *domains)
{
    put("scn.cfg", HOST_2NODE "sched = \"credit\"\nduration = 1\npools = [ %s ]\n"
        "domains = [ %s ]\n", pools, domains);
}

static void guest(const char *file, const char *name, unsigned vcpus, const char *extra)
{
    put(file, "name = \"%s\"\nvcpus = %u\nmemory = 512\nworkload = \"cpu\"\n%s\n", name, vcpus,
        extra);
}

/* ---- pool files ----------------------------------------------------------------------- */

Test(pools, pool_file_forms)
{
    struct ns_sim_spec s;

    guest("vm1.cfg", "vm1", 1, "");
    /* nodes: the free pCPUs of node 1; name and scheduler as given. */
    put("a.pool", "name = \"a\"\nsched = \"rr\"\nnodes = [ 1 ]\ntslice_ms = 10\n");
    scenario("\"a.pool\"", "\"vm1.cfg\"");
    load(&s);
    cr_assert_eq(s.nr_pools, 2);
    cr_expect_str_eq(s.pool[0].name, "Pool-0");
    expect_mask(&s.pool[0].cpus, "0-7");
    cr_expect_str_eq(s.pool[1].name, "a");
    cr_expect_str_eq(s.pool[1].sched, "rr");
    expect_mask(&s.pool[1].cpus, "8-15");
    cr_expect_eq(s.pool[1].params.tslice_ms, 10);       /* its own */
    cr_expect_eq(s.pool[0].params.tslice_ms, 30);
    cr_expect_eq(s.pool[1].params.compat, s.pool[0].params.compat);
    ns_sim_spec_free(&s);

    /* nodes = [ 0 ]: node 0 without CPU 0, which stays in Pool-0. */
    put("a.pool", "nodes = [ 0 ]\n");
    load(&s);
    cr_expect_str_eq(s.pool[1].name, "a.pool");          /* xl: the file's name */
    cr_expect_str_eq(s.pool[1].sched, "credit");         /* Pool-0's */
    expect_mask(&s.pool[1].cpus, "1-7");
    expect_mask(&s.pool[0].cpus, "0,8-15");
    ns_sim_spec_free(&s);

    /* cpus as a cpu-list string and as a list; two pools in list order. */
    put("a.pool", "name = \"a\"\ncpus = \"8-11,^9\"\n");
    put("b.pool", "name = \"b\"\ncpus = [ 9, \"12\", 13 ]\n");
    scenario("\"a.pool\", \"b.pool\"", "\"vm1.cfg\"");
    load(&s);
    cr_assert_eq(s.nr_pools, 3);
    expect_mask(&s.pool[1].cpus, "8,10-11");
    expect_mask(&s.pool[2].cpus, "9,12-13");
    expect_mask(&s.pool[0].cpus, "0-7,14-15");
    ns_sim_spec_free(&s);

    /* Neither cpus nor nodes: a pool without pCPUs (xl 4.22's code). */
    put("a.pool", "name = \"empty\"\n");
    scenario("\"a.pool\"", "\"vm1.cfg\"");
    load(&s);
    cr_expect(ns_mask_empty(&s.pool[1].cpus));
    expect_mask(&s.pool[0].cpus, "0-15");
    ns_sim_spec_free(&s);
}

Test(pools, pool_file_errors)
{
    guest("vm1.cfg", "vm1", 1, "");
    scenario("\"a.pool\", \"b.pool\"", "\"vm1.cfg\"");
    put("a.pool", "name = \"a\"\ncpus = \"8-11\"\n");

    put("b.pool", "name = \"b\"\ncpus = \"10-15\"\n");
    load_fails("b.pool:2: cpus:", "pCPU 10 is already in cpupool a");
    put("b.pool", "name = \"b\"\n\ncpus = \"0-3\"\n");
    load_fails("b.pool:3: cpus:", "pCPU 0 belongs to Pool-0 and can never leave it");
    put("b.pool", "name = \"b\"\ncpus = \"99\"\n");
    load_fails("b.pool:2: cpus:", "pCPU 99 does not exist (the host has pCPUs 0-15)");
    put("b.pool", "name = \"b\"\ncpus = [ \"12\", \"16\" ]\n");
    load_fails("b.pool:2: cpus:", "pCPU 16 does not exist");
    put("b.pool", "name = \"b\"\nnodes = [ 5 ]\n");
    load_fails("b.pool:2: nodes:", "node 5 does not exist (the host has nodes 0-1)");
    put("b.pool", "name = \"b\"\nnodes = [ \"1\", \"2\" ]\n");
    load_fails("b.pool:2: nodes:", "node 2 does not exist");
    /*
     * xl reads nodes only as a list (a single value: an empty pool there)
     * and every item of either list with atoi(): [ "8-15" ] would be pCPU
     * 8 alone, [ "^8" ] pCPU 0. Neither meaning is given here.
     */
    put("b.pool", "name = \"b\"\nnodes = 1\n");
    load_fails("b.pool:2: nodes:", "must be a list, nodes = [ N, ... ] (xl ignores a single");
    put("b.pool", "name = \"b\"\nnodes = [ \"0-1\" ]\n");
    load_fails("b.pool:2: nodes:", "\"0-1\" is not a node number (xl reads each item with atoi)");
    put("b.pool", "name = \"b\"\ncpus = [ 12, \"13-15\" ]\n");
    load_fails("b.pool:2: cpus:", "\"13-15\" is not a pCPU number");
    put("b.pool", "name = \"b\"\ncpus = [ \"^12\" ]\n");
    load_fails("b.pool:2: cpus:", "\"^12\" is not a pCPU number");
    put("b.pool", "name = \"b\"\ncpus = [ \"\" ]\n");
    load_fails("b.pool:2: cpus:", "\"\" is not a pCPU number");
    put("a.pool", "name = \"a\"\nnodes = [ 1 ]\n");
    put("b.pool", "name = \"b\"\nnodes = [ 1 ]\n");
    load_fails("b.pool:2: nodes:", "no free pCPU in node(s) 1");
    put("b.pool", "name = \"a\"\n");
    load_fails("b.pool:1: name:", "a cpupool named \"a\" exists already");
    put("b.pool", "name = \"Pool-0\"\n");
    load_fails("b.pool:1: name:", "a cpupool named \"Pool-0\" exists already");
    put("b.pool", "name = \"b\"\nsched = \"arinc653\"\n");
    load_fails("b.pool:2: sched:", "unknown scheduler \"arinc653\" (known: ");
    put("b.pool", "name = \"b\"\ntslice_ms = 0\n");
    load_fails("b.pool:2: tslice_ms:", "between 1 and 1000");
    scenario("\"a.pool\", \"nothere.pool\"", "\"vm1.cfg\"");
    load_fails("scn.cfg:4: pools:", "nothere.pool: cannot read");
}

Test(pools, domains_in_pools)
{
    struct ns_sim_spec s;

    put("a.pool", "name = \"a\"\nsched = \"rr\"\nnodes = [ 1 ]\n");
    put("e.pool", "name = \"empty\"\n");
    scenario("\"a.pool\", \"e.pool\"", "\"vm1.cfg\", \"vm2.cfg\"");
    guest("vm1.cfg", "vm1", 2, "");
    guest("vm2.cfg", "vm2", 2, "pool = \"a\"");
    load(&s);
    cr_expect_null(s.dom[0].pool);                 /* Pool-0 */
    cr_expect_str_eq(s.dom[1].pool, "a");
    ns_sim_spec_free(&s);

    guest("vm2.cfg", "vm2", 2, "pool = \"nope\"");
    load_fails("vm2.cfg:5: pool:", "no cpupool named \"nope\" (cpupools: Pool-0, a, empty)");
    guest("vm2.cfg", "vm2", 2, "pool = \"empty\"");
    load_fails("vm2.cfg:5: pool:", "cpupool empty has no pCPUs: Xen cannot add vm2 to it");
    guest("vm2.cfg", "vm2", 2, "pool = \"a\"; cpus = \"0-3\"");
    load_fails("vm2.cfg:5: cpus:", "vCPU 0 may run on pCPUs 0-3, none of them in cpupool a "
               "(pCPUs 8-15)");
    /* Without pool= a domain is in Pool-0, which no longer has node 1. */
    guest("vm2.cfg", "vm2", 2, "cpus = [ \"0\", \"node:1\" ]");
    load_fails("vm2.cfg:5: cpus:", "vCPU 1 may run on pCPUs 8-15, none of them in cpupool "
               "Pool-0 (pCPUs 0-7)");

    /* Domain-0 never leaves Pool-0. */
    put("d0.cfg", "memory = 1024\npool = \"a\"\n");
    put("scn.cfg", HOST_2NODE "duration = 1\npools = [ \"a.pool\" ]\ndom0 = \"d0.cfg\"\ndom0_memory = \"striped\"\n"
        "domains = [ ]\n");
    load_fails("d0.cfg:2: pool:", "Domain-0 lives in Pool-0, the boot cpupool, not a");
}

/* ---- cpupool-numa-split -------------------------------------------------------------------- */

Test(pools, numa_split)
{
    /* Pool-0 shrinks to node 0 and becomes Pool-node0; node 1 gets
     * Pool-node1 with the same scheduler. Dom0's 16 vCPUs: those beyond
     * Pool-node0's 8 pCPUs go offline (8 online, 16 exist). Its memory was
     * allocated at boot over both nodes (1024 MiB each). vm1 in Pool-node1
     * can only be placed on node 1. */
    struct ns_sim_spec s;
    struct ns_place_report r = {0};
    struct ns_err err = {{0}};

    put("d0.cfg", "memory = 2048\n");
    guest("vm1.cfg", "vm1", 2, "pool = \"Pool-node1\"");
    put("scn.cfg", HOST_2NODE "duration = 1\ncpupool_numa_split = 1\ndom0 = \"d0.cfg\"\ndom0_memory = \"striped\"\n"
        "domains = [ \"vm1.cfg\" ]\n");
    load(&s);
    cr_assert_eq(s.nr_pools, 2);
    cr_expect_str_eq(s.pool[0].name, "Pool-node0");
    expect_mask(&s.pool[0].cpus, "0-7");
    cr_expect_str_eq(s.pool[1].name, "Pool-node1");
    cr_expect_str_eq(s.pool[1].sched, "credit");
    expect_mask(&s.pool[1].cpus, "8-15");
    cr_expect_eq(s.dom[0].nr_vcpus, 8);
    cr_expect_eq(s.dom[0].max_vcpus, 16);
    cr_assert_eq(ns_place_spec(&s, &r, &err), 0, "%s", err.msg);
    cr_expect_eq(s.dom[0].memory_kb_per_node[0], 1024 * 1024);
    cr_expect_eq(s.dom[0].memory_kb_per_node[1], 1024 * 1024);
    expect_mask(&r.dom[0].node_affinity, "0");       /* recomputed for its pool */
    cr_assert_eq(r.dom[1].nr_cand, 1);
    expect_mask(&s.dom[1].node_affinity, "1");
    /* Dom0's vCPUs do not count on node 1 (its node affinity is {0}): 0 + 2. */
    cr_expect_eq(r.dom[1].cand[0].nr_vcpus, 2);
    ns_place_report_free(&r);

    s.check = true;
    s.duration = 200 * NS_MS;
    struct ns_engine *e = ns_engine_create(&s, &err);
    cr_assert_not_null(e, "%s", err.msg);
    cr_expect_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    cr_expect_eq(ns_engine_results(e)->dom[0].nr_vcpus, 8);
    ns_engine_free(e);
    ns_sim_spec_free(&s);

    /* Pool-0 no longer exists by that name. */
    guest("vm1.cfg", "vm1", 2, "pool = \"Pool-0\"");
    load_fails("vm1.cfg:5: pool:", "no cpupool named \"Pool-0\" (cpupools: Pool-node0, "
               "Pool-node1)");
    /* Only while Pool-0 is alone. */
    put("a.pool", "name = \"a\"\ncpus = \"15\"\n");
    put("scn.cfg", HOST_2NODE "duration = 1\npools = [ \"a.pool\" ]\n"
        "cpupool_numa_split = 1\ndomains = [ \"vm1.cfg\" ]\n");
    load_fails("scn.cfg:4: cpupool_numa_split:", "only possible while Pool-0 is the only");
}

Test(pools, numa_split_four_nodes)
{
    const char *topo = getenv("TOPOLOGIES");
    struct ns_sim_spec s;

    guest("vm1.cfg", "vm1", 2, "pool = \"Pool-node3\"");
    put("scn.cfg", "host = \"%s/96em64t-4n4d3ca2co-pci.xml\"\nduration = 1\n"
        "cpupool_numa_split = 1\ndomains = [ \"vm1.cfg\" ]\n", topo ? topo : "topologies");
    load(&s);
    cr_assert_eq(s.nr_pools, 4);
    for (unsigned n = 0; n < 4; n++) {
        char name[32], cpus[32];
        snprintf(name, sizeof(name), "Pool-node%u", n);
        snprintf(cpus, sizeof(cpus), "%u-%u", 24 * n, 24 * n + 23);
        cr_expect_str_eq(s.pool[n].name, name);
        expect_mask(&s.pool[n].cpus, cpus);
    }
    ns_sim_spec_free(&s);
}

/* ---- the engine: one scheduler instance per pool ------------------------------------------ */

/* A trace sink that checks every vCPU runs only on its own pool's pCPUs. */
struct pool_watch {
    const struct ns_sim_spec *spec;
    unsigned first_dom_id;       /* id of spec->dom[0] */
    unsigned switches, strays;
};

static const struct ns_mask *pool_cpus_of(const struct pool_watch *w, unsigned dom)
{
    const struct ns_domain_spec *d = &w->spec->dom[dom - w->first_dom_id];

    for (size_t i = 0; d->pool && i < w->spec->nr_pools; i++)
        if (strcmp(w->spec->pool[i].name, d->pool) == 0)
            return &w->spec->pool[i].cpus;
    return &w->spec->pool[0].cpus;
}

static void watch_switch(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu prev,
                         ns_time_t ran, struct ns_trace_vcpu next, ns_time_t waited,
                         ns_time_t slice)
{
    struct pool_watch *w = ctx;

    (void)t, (void)prev, (void)ran, (void)waited, (void)slice;
    if (next.dom == NS_TRACE_IDLE_DOM)
        return;
    w->switches++;
    w->strays += !ns_mask_test(pool_cpus_of(w, next.dom), cpu);
}

static double running_share(const struct ns_domain_result *d, ns_time_t duration)
{
    ns_time_t run = 0;

    for (unsigned i = 0; i < d->nr_vcpus; i++)
        run += d->vcpu[i].runstate_ns[NS_RUNSTATE_RUNNING];
    return (double)run / (double)duration / d->nr_vcpus;
}

/* Load the scenario written, place it and run it for 2 s with the checker
 * on (and @sink, if any): the pools tests' common part. */
static struct ns_engine *run_pools(struct ns_sim_spec *s, const struct ns_trace_sink *sink)
{
    struct ns_err err = {{0}};

    load(s);
    cr_assert_eq(ns_place_spec(s, NULL, &err), 0, "%s", err.msg);
    s->check = true;
    s->duration = 2 * NS_S;
    struct ns_engine *e = ns_engine_create(s, &err);
    cr_assert_not_null(e, "%s", err.msg);
    if (sink)
        ns_engine_add_sink(e, sink);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    return e;
}

Test(pools, credit_and_rr_pools_stay_apart)
{
    /*
     * Pool-0 (credit) keeps node 0: heavy (weight 512) and light (256), 8
     * busy vCPUs each on 8 pCPUs: credit shares its 8 pCPUs 2:1, so a heavy
     * vCPU runs 8 x 2/3 / 8 = 2/3 of the time, a light one 1/3. The rr pool
     * has node 1 for batch alone: each of its 8 vCPUs runs all the time,
     * and its weight (65535) counts nowhere: credit's accounting only sees
     * Pool-0's domains. No vCPU ever runs on the other pool's pCPUs.
     */
    struct ns_sim_spec s;

    put("rr.pool", "name = \"rr-node1\"\nsched = \"rr\"\nnodes = [ 1 ]\n");
    guest("heavy.cfg", "heavy", 8, "cpu_weight = 512");
    guest("light.cfg", "light", 8, "");
    guest("batch.cfg", "batch", 8, "pool = \"rr-node1\"\ncpu_weight = 65535");
    scenario("\"rr.pool\"", "\"heavy.cfg\", \"light.cfg\", \"batch.cfg\"");
    struct pool_watch w = {&s, 1, 0, 0};
    static const struct ns_trace_sink_ops ops = {.switch_ = watch_switch};
    struct ns_trace_sink sink = {&ops, &w};
    struct ns_engine *e = run_pools(&s, &sink);

    const struct ns_results *r = ns_engine_results(e);
    cr_expect_gt(w.switches, 100);
    cr_expect_eq(w.strays, 0, "%u switches onto another pool's pCPU", w.strays);
    cr_expect_str_eq(r->dom[0].pool, "Pool-0");
    cr_expect_str_eq(r->dom[2].pool, "rr-node1");
    double heavy = running_share(&r->dom[0], r->duration_ns);
    double light = running_share(&r->dom[1], r->duration_ns);
    double batch = running_share(&r->dom[2], r->duration_ns);
    cr_expect(heavy > 0.62 && heavy < 0.71, "heavy %.3f, expected 2/3", heavy);
    cr_expect(light > 0.29 && light < 0.38, "light %.3f, expected 1/3", light);
    cr_expect(batch > 0.98, "batch %.3f, expected 1", batch);
    for (unsigned cpu = 0; cpu < 16; cpu++)
        cr_expect_gt(r->pcpu[cpu].busy_ns, r->duration_ns * 95 / 100, "pCPU %u", cpu);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

Test(pools, a_pcpu_in_no_pool_stays_idle)
{
    /* Take pCPUs 14 and 15 out of the rr pool: they belong to no pool (Xen's
     * "free" CPUs). Nothing runs there and nothing breaks. */
    struct ns_sim_spec s;
    struct ns_err err = {{0}};

    put("rr.pool", "name = \"rr-node1\"\nsched = \"rr\"\nnodes = [ 1 ]\n");
    guest("vm1.cfg", "vm1", 4, "");
    guest("vm2.cfg", "vm2", 8, "pool = \"rr-node1\"");
    scenario("\"rr.pool\"", "\"vm1.cfg\", \"vm2.cfg\"");
    load(&s);
    ns_mask_clear(&s.pool[1].cpus, 14);
    ns_mask_clear(&s.pool[1].cpus, 15);
    cr_assert_eq(ns_place_spec(&s, NULL, &err), 0, "%s", err.msg);
    s.check = true;
    s.duration = 300 * NS_MS;
    struct ns_engine *e = ns_engine_create(&s, &err);
    cr_assert_not_null(e, "%s", err.msg);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    const struct ns_results *r = ns_engine_results(e);
    cr_expect_eq(r->pcpu[14].busy_ns, 0);
    cr_expect_eq(r->pcpu[15].busy_ns, 0);
    cr_expect_gt(r->pcpu[13].busy_ns, 0);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

Test(pools, two_credit_pools_account_apart)
{
    /*
     * Two credit pools, one per node, each its own scheduler instance with
     * its own master pCPU and credit total. Pool-0 (node 0): heavy (512)
     * and light (256), 8 busy vCPUs each on 8 pCPUs: 2/3 and 1/3 of the
     * time. The other pool (node 1): even (256) and odd (768), 8 vCPUs each:
     * 1/4 and 3/4. Were the weights summed over both pools, or one pool's
     * credit handed out to the other's domains, neither split would hold.
     */
    struct ns_sim_spec s;

    put("c1.pool", "name = \"credit-node1\"\nsched = \"credit\"\nnodes = [ 1 ]\n");
    guest("heavy.cfg", "heavy", 8, "cpu_weight = 512");
    guest("light.cfg", "light", 8, "");
    guest("even.cfg", "even", 8, "pool = \"credit-node1\"");
    guest("odd.cfg", "odd", 8, "pool = \"credit-node1\"\ncpu_weight = 768");
    scenario("\"c1.pool\"", "\"heavy.cfg\", \"light.cfg\", \"even.cfg\", \"odd.cfg\"");
    struct ns_engine *e = run_pools(&s, NULL);
    const struct ns_results *r = ns_engine_results(e);
    double heavy = running_share(&r->dom[0], r->duration_ns);
    double light = running_share(&r->dom[1], r->duration_ns);
    double even = running_share(&r->dom[2], r->duration_ns);
    double odd = running_share(&r->dom[3], r->duration_ns);
    cr_expect(heavy > 0.62 && heavy < 0.71, "heavy %.3f, expected 2/3", heavy);
    cr_expect(light > 0.29 && light < 0.38, "light %.3f, expected 1/3", light);
    cr_expect(even > 0.21 && even < 0.29, "even %.3f, expected 1/4", even);
    cr_expect(odd > 0.71 && odd < 0.79, "odd %.3f, expected 3/4", odd);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}
