/*
 * engine: runstate accounting, affinity, work conservation and determinism,
 * driven through the public API with the rr scheduler (the credit scheduler
 * has its own tests).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numasched/engine.h"
#include "numasched/trace.h"

#define HOST_2NODE "pack:2 [numa(memory=6GiB)] core:4 pu:2"

struct dom_def {
    const char *name, *workload;
    unsigned vcpus;
    const char *hard;      /* NULL: all pCPUs; else "lo-hi" range */
    int mem_node;          /* -1: striped over all nodes */
};

static void range_mask(struct ns_mask *m, const char *r)
{
    unsigned lo, hi;
    if (!r) {
        ns_mask_fill(m);
        return;
    }
    cr_assert_eq(sscanf(r, "%u-%u", &lo, &hi), 2);
    for (unsigned c = lo; c <= hi; c++)
        ns_mask_set(m, c);
}

static void make_domain(struct ns_domain_spec *d, const struct ns_topo *t, const struct dom_def *def)
{
    struct ns_err err;

    d->name = ns_xstrdup(def->name);
    d->file = ns_xstrdup("test");
    d->nr_vcpus = d->max_vcpus = def->vcpus;
    d->memory_kb = 512 * 1024;
    d->weight = 256;
    d->hard = ns_xcalloc(def->vcpus, sizeof(*d->hard));
    d->soft = ns_xcalloc(def->vcpus, sizeof(*d->soft));
    for (unsigned i = 0; i < def->vcpus; i++) {
        ns_mask_init(&d->hard[i], t->nr_pcpus);
        range_mask(&d->hard[i], def->hard);
        ns_mask_init(&d->soft[i], t->nr_pcpus);
        ns_mask_fill(&d->soft[i]);
    }
    ns_mask_init(&d->node_affinity, t->nr_nodes);
    d->memory_kb_per_node = ns_xcalloc(t->nr_nodes, sizeof(uint64_t));
    for (unsigned n = 0; n < t->nr_nodes; n++)
        if (def->mem_node < 0 || (unsigned)def->mem_node == n)
            d->memory_kb_per_node[n] = d->memory_kb / (def->mem_node < 0 ? t->nr_nodes : 1);
    d->workload = ns_workload_parse(def->workload, NULL, &err);
    cr_assert_not_null(d->workload, "%s", err.msg);
}

static void make_spec(struct ns_sim_spec *s, const char *host, const char *sched,
                      const struct dom_def *defs, size_t n, double seconds, uint64_t seed)
{
    struct ns_err err;

    memset(s, 0, sizeof(*s));
    s->topo = ns_topo_load(host, NULL, &err);
    cr_assert_not_null(s->topo, "%s", err.msg);
    ns_host_params_default(&s->host);
    s->duration = (ns_time_t)(seconds * NS_S);
    s->seed = seed;
    s->check = true;
    s->nr_pools = 1;
    s->pool = ns_xcalloc(1, sizeof(*s->pool));
    s->pool[0].name = ns_xstrdup("Pool-0");
    s->pool[0].sched = ns_xstrdup(sched);
    ns_sched_params_default(&s->pool[0].params);
    ns_mask_init(&s->pool[0].cpus, s->topo->nr_pcpus);
    ns_mask_fill(&s->pool[0].cpus);
    s->nr_dom = n;
    s->dom = ns_xcalloc(n, sizeof(*s->dom));
    for (size_t i = 0; i < n; i++)
        make_domain(&s->dom[i], s->topo, &defs[i]);
}

static struct ns_engine *run(struct ns_sim_spec *s)
{
    struct ns_err err;
    struct ns_engine *e = ns_engine_create(s, &err);
    cr_assert_not_null(e, "%s", err.msg);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    return e;
}

static double run_share(const struct ns_vcpu_result *v, ns_time_t duration)
{
    return (double)v->runstate_ns[NS_RUNSTATE_RUNNING] / (double)duration;
}

Test(engine, runstates_add_up_to_the_duration)
{
    const struct dom_def defs[] = {
        {"busy", "specjbb", 2, NULL, -1},
        {"forks", "lmbench-proc", 2, NULL, 0},
        {"light", "idle", 4, NULL, 1},
        {"mem", "sysbench-memory", 2, NULL, -1},
    };
    struct ns_sim_spec s;
    make_spec(&s, HOST_2NODE, "rr", defs, 4, 0.5, 3);
    s.warmup = 100 * NS_MS;
    struct ns_engine *e = run(&s);
    const struct ns_results *r = ns_engine_results(e);
    cr_assert_eq(r->duration_ns, 500 * NS_MS);
    for (size_t d = 0; d < r->nr_domains; d++)
        for (unsigned i = 0; i < r->dom[d].nr_vcpus; i++) {
            const struct ns_vcpu_result *v = &r->dom[d].vcpu[i];
            ns_time_t sum = 0;
            for (int st = 0; st < NS_RUNSTATES; st++)
                sum += v->runstate_ns[st];
            cr_assert_eq(sum, r->duration_ns, "d%zu v%u: %llu", d, i, (unsigned long long)sum);
            /* Run time splits into local and remote parts (rounding: 1 ns). */
            ns_time_t lr = v->local_run_ns + v->remote_run_ns;
            cr_assert(lr + 1 >= v->runstate_ns[NS_RUNSTATE_RUNNING] &&
                      lr <= v->runstate_ns[NS_RUNSTATE_RUNNING] + 1);
        }
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/*
 * Four CPU-bound vCPUs pinned to pCPUs 4-7 (cores 2 and 3 of socket 0) with
 * their memory on node 1: they never leave those pCPUs (the engine's checker
 * stops the run otherwise), never run on node 0, so all their run time is
 * remote; migrations stay inside the two cores.
 */
Test(engine, hard_affinity_is_never_violated)
{
    const struct dom_def defs[] = {
        {"pinned", "cpu", 4, "4-7", 1},
        {"free", "cpu", 8, NULL, -1},
    };
    struct ns_sim_spec s;
    make_spec(&s, HOST_2NODE, "rr", defs, 2, 1.0, 1);
    struct ns_engine *e = run(&s);
    const struct ns_results *r = ns_engine_results(e);
    for (unsigned i = 0; i < 4; i++) {
        const struct ns_vcpu_result *v = &r->dom[0].vcpu[i];
        cr_assert_eq(v->local_run_ns, 0);
        cr_assert_gt(v->remote_run_ns, 0);
        cr_assert_eq(v->migrations[NS_MOVE_NODE], 0);
    }
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/*
 * 16 pCPUs, 8 CPU-bound 1-vCPU domains: nobody has to share, so each runs all
 * the time but for the 3 us switch-in at the start (and rr never moves them:
 * each pCPU keeps its vCPU). 24 domains on 16 pCPUs: 16/24 = 2/3 each on
 * average, and no pCPU idles while work waits.
 */
Test(engine, rr_conserves_work)
{
    struct dom_def defs[24];
    char names[24][16];
    for (int i = 0; i < 24; i++) {
        snprintf(names[i], sizeof(names[i]), "vm%d", i);
        defs[i] = (struct dom_def){names[i], "cpu", 1, NULL, -1};
    }
    struct ns_sim_spec s;
    make_spec(&s, HOST_2NODE, "rr", defs, 8, 1.0, 1);
    struct ns_engine *e = run(&s);
    const struct ns_results *r = ns_engine_results(e);
    for (int i = 0; i < 8; i++)
        cr_assert_gt(run_share(&r->dom[i].vcpu[0], r->duration_ns), 0.999);
    ns_engine_free(e);
    ns_sim_spec_free(&s);

    make_spec(&s, HOST_2NODE, "rr", defs, 24, 3.0, 1);
    e = run(&s);
    r = ns_engine_results(e);
    double total = 0;
    for (int i = 0; i < 24; i++)
        total += run_share(&r->dom[i].vcpu[0], r->duration_ns);
    cr_assert_float_eq(total / 24, 2.0 / 3.0, 0.002);
    for (unsigned c = 0; c < 16; c++)
        cr_assert_gt((double)r->pcpu[c].busy_ns / (double)r->duration_ns, 0.999, "pCPU %u", c);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/*
 * One cpu-workload vCPU alone: local memory, idle sibling, no contention:
 * rate 1 / (0.99 + 0.01) = 1, so ops/s = 1000 (1 op = 1 ms nominal) less
 * the one switch-in (3 us) at the start: 999.997 with ops counted whole.
 */
Test(engine, an_idle_host_runs_at_nominal_speed)
{
    const struct dom_def defs[] = {{"solo", "cpu", 1, NULL, 0}};
    struct ns_sim_spec s;
    make_spec(&s, HOST_2NODE, "rr", defs, 1, 2.0, 1);
    struct ns_engine *e = run(&s);
    const struct ns_results *r = ns_engine_results(e);
    cr_assert_str_eq(r->dom[0].metric.unit, "ops/s");
    cr_assert_float_eq(r->dom[0].metric.value, 999.5, 0.5);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

static void results_equal(const struct ns_results *a, const struct ns_results *b, bool *same)
{
    *same = a->events == b->events;
    for (size_t d = 0; d < a->nr_domains && *same; d++) {
        *same = a->dom[d].metric.value == b->dom[d].metric.value;
        for (unsigned i = 0; i < a->dom[d].nr_vcpus && *same; i++)
            *same = memcmp(a->dom[d].vcpu[i].runstate_ns, b->dom[d].vcpu[i].runstate_ns,
                           sizeof(a->dom[d].vcpu[i].runstate_ns)) == 0;
    }
}

Test(engine, same_seed_same_run_other_seed_other_run)
{
    const struct dom_def defs[] = {
        {"forks", "lmbench-proc", 2, NULL, 0},
        {"light", "idle", 8, NULL, -1},
        {"busy", "specjbb", 2, NULL, 1},
    };
    struct ns_sim_spec s1, s2, s3;
    make_spec(&s1, HOST_2NODE, "rr", defs, 3, 0.5, 11);
    make_spec(&s2, HOST_2NODE, "rr", defs, 3, 0.5, 11);
    make_spec(&s3, HOST_2NODE, "rr", defs, 3, 0.5, 12);
    struct ns_engine *e1 = run(&s1), *e2 = run(&s2), *e3 = run(&s3);
    bool same;
    results_equal(ns_engine_results(e1), ns_engine_results(e2), &same);
    cr_assert(same);
    results_equal(ns_engine_results(e1), ns_engine_results(e3), &same);
    cr_assert_not(same);
    ns_engine_free(e1);
    ns_engine_free(e2);
    ns_engine_free(e3);
    ns_sim_spec_free(&s1);
    ns_sim_spec_free(&s2);
    ns_sim_spec_free(&s3);
}

/* A domain whose hard affinity misses every pCPU of its pool cannot start. */
Test(engine, empty_effective_affinity_is_an_error)
{
    const struct dom_def defs[] = {{"nowhere", "cpu", 1, "3-3", 0}};
    struct ns_sim_spec s;
    make_spec(&s, HOST_2NODE, "rr", defs, 1, 1.0, 1);
    ns_mask_clear(&s.pool[0].cpus, 3);
    struct ns_err err;
    cr_assert_null(ns_engine_create(&s, &err));
    cr_assert_not_null(strstr(err.msg, "nowhere"), "%s", err.msg);
    ns_sim_spec_free(&s);
}

/*
 * Warm-up ending exactly when other events fire (credit's 30 ms accounting
 * and 10 ms ticks): whichever runs first at that instant, the checker must
 * count runstates from the end of warm-up only once it has been reached.
 */
Test(engine, warmup_ending_on_a_busy_instant)
{
    const struct dom_def defs[] = {
        {"busy", "specjbb", 4, NULL, -1},
        {"forks", "lmbench-proc", 2, NULL, 0},
    };
    struct ns_sim_spec s;
    make_spec(&s, HOST_2NODE, "credit", defs, 2, 0.2, 5);
    s.warmup = 30 * NS_MS;
    struct ns_engine *e = run(&s);
    const struct ns_results *r = ns_engine_results(e);
    ns_time_t sum = 0;
    for (int st = 0; st < NS_RUNSTATES; st++)
        sum += r->dom[0].vcpu[0].runstate_ns[st];
    cr_assert_eq(sum, 200 * NS_MS);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/* ---- where new vCPUs start (facts 1.3) ---------------------------------------------------- */

struct first_cpus {
    unsigned cpu[3][3];         /* [domain id - 1][vCPU] */
};

static void note_first_cpu(void *ctx, ns_time_t t, struct ns_trace_vcpu v, unsigned runstate,
                           unsigned processor, unsigned last_cpu, ns_time_t woke_at)
{
    struct first_cpus *f = ctx;
    (void)t, (void)runstate, (void)last_cpu, (void)woke_at;
    cr_assert(v.dom >= 1 && v.dom <= 3 && v.vcpu < 3);
    f->cpu[v.dom - 1][v.vcpu] = processor;
}

/*
 * Xen 4.3 (credit, no placement): vCPU 0 of a new domain goes to the least
 * loaded pCPU, counting the vCPUs already placed, starting from CPU 0's
 * second thread and looking at one thread per core (the second; CPU 0's core
 * excluded), ties to the higher CPU; vCPU i goes to the pool CPU after vCPU
 * i-1's. On 2 sockets x 2 cores x 2 threads (PUs 0-7, cores {0,1} {2,3}
 * {4,5} {6,7}):
 *   A (2 vCPUs): all loads 0: 1, then 3, 5, 7 tie upwards -> 7; then 0.
 *   B (3 vCPUs): loads 7:1 0:1: 1 (0), 3 (0) ties, 5 (0) ties, 7 (1) does
 *                not -> 5; then 6, 7.
 *   C (1 vCPU):  loads 0:1 5:1 6:1 7:2: 1 (0), 3 (0) ties, 5 and 7 do
 *                not -> 3.
 * With no warm-up the trace starts before any vCPU has run or moved: its
 * view of each vCPU there is where it was put.
 */
Test(engine, xen_43_starts_vcpus_on_the_least_loaded_core)
{
    const struct dom_def defs[] = {
        {"a", "idle", 2, NULL, -1}, {"b", "idle", 3, NULL, -1}, {"c", "idle", 1, NULL, -1}};
    static const struct ns_trace_sink_ops ops = {.vcpu_start = note_first_cpu};
    struct first_cpus f;
    struct ns_trace_sink sink = {&ops, &f};
    struct ns_sim_spec s;
    struct ns_err err;

    memset(&f, 0xff, sizeof(f));
    make_spec(&s, "pack:2 [numa(memory=2GiB)] core:2 pu:2", "credit", defs, 3, 0.001, 1);
    s.pool[0].params.compat = 403;
    struct ns_engine *e = ns_engine_create(&s, &err);
    cr_assert_not_null(e, "%s", err.msg);
    ns_engine_add_sink(e, &sink);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    cr_expect_eq(f.cpu[0][0], 7);
    cr_expect_eq(f.cpu[0][1], 0);
    cr_expect_eq(f.cpu[1][0], 5);
    cr_expect_eq(f.cpu[1][1], 6);
    cr_expect_eq(f.cpu[1][2], 7);
    cr_expect_eq(f.cpu[2][0], 3);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}
