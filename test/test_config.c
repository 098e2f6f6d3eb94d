/*
 * Tests for config: the cpu-list syntax, durations and sizes, scenario and
 * domain files. Expected values are worked out by hand from the inputs:
 * masks from xl.cfg(5)'s cpu-list rules, memory per node from Xen's
 * allocator striping extents over the node affinity (facts 7.5; place/ has
 * the full tests, test_place.c), durations from the unit tables. cpupool
 * files have their own tests (test_pools.c).
 *
 * Files are written into a fresh temporary folder per test. Every bad input
 * must fail with a message that names the file, the line and the key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "config/internal.h"
#include "numasched/config.h"
#include "numasched/place.h"
#include "numasched/workload.h"

/* ---- a hand-built host: 4 nodes x 4 pCPUs ----------------------------------- */

static struct ns_topo *four_nodes(void)
{
    struct ns_topo *t = ns_xcalloc(1, sizeof(*t));

    t->nr_pcpus = 16;
    t->nr_nodes = 4;
    t->pcpu = ns_xcalloc(16, sizeof(*t->pcpu));
    t->node = ns_xcalloc(4, sizeof(*t->node));
    for (unsigned n = 0; n < 4; n++) {
        ns_mask_init(&t->node[n].cpus, 16);
        for (unsigned c = 4 * n; c < 4 * n + 4; c++) {
            ns_mask_set(&t->node[n].cpus, c);
            t->pcpu[c].node = n;
        }
    }
    return t;
}

static void free_four_nodes(struct ns_topo *t)
{
    for (unsigned n = 0; n < t->nr_nodes; n++)
        ns_mask_free(&t->node[n].cpus);
    free(t->node);
    free(t->pcpu);
    free(t);
}

/* Parse @list on the 4-node host and compare in "0-3,5" form. */
static void expect_cpus(const char *list, const char *expected)
{
    struct ns_topo *t = four_nodes();
    struct ns_mask m;
    struct ns_err err = {{0}};

    ns_mask_init(&m, t->nr_pcpus);
    cr_assert_eq(ns_cpulist_parse(list, t, &m, &err), 0, "\"%s\": %s", list, err.msg);
    char *got = ns_mask_format(&m);
    cr_expect_str_eq(got, expected, "\"%s\" gave %s, expected %s", list, got, expected);
    free(got);
    ns_mask_free(&m);
    free_four_nodes(t);
}

/* @list must be refused with a message containing @needle. */
static void expect_cpus_error(const char *list, const char *needle)
{
    struct ns_topo *t = four_nodes();
    struct ns_mask m;
    struct ns_err err = {{0}};

    ns_mask_init(&m, t->nr_pcpus);
    cr_expect_eq(ns_cpulist_parse(list, t, &m, &err), -1, "\"%s\" was accepted", list);
    cr_expect(strstr(err.msg, needle), "\"%s\": message \"%s\" lacks \"%s\"", list, err.msg,
              needle);
    ns_mask_free(&m);
    free_four_nodes(t);
}

Test(config, cpulist_forms)
{
    expect_cpus("5", "5");
    expect_cpus("2-4", "2-4");
    expect_cpus("3-3", "3");
    expect_cpus("all", "0-15");
    expect_cpus("node:1", "4-7");
    expect_cpus("nodes:1-2", "4-11");
    expect_cpus("node:0-1", "0-7");     /* xl takes a range after either prefix */
    expect_cpus("nodes:3", "12-15");
    expect_cpus("^1,2", "2");           /* removing from the empty mask is no error */
}

Test(config, cpulist_left_to_right)
{
    expect_cpus("0-3,5,^1", "0,2-3,5");
    expect_cpus("all,^node:1", "0-3,8-15");
    expect_cpus("nodes:0-3,^node:2", "0-7,12-15");
    expect_cpus("^1,0-3", "0-3");        /* order matters: the later add wins */
    expect_cpus("0-15,^3-12", "0-2,13-15");
}

Test(config, cpulist_blanks_around_items)
{
    expect_cpus(" 0-3 , 5 ", "0-3,5");
    expect_cpus("\t^node:0 ,all", "0-15");
}

Test(config, cpulist_errors)
{
    expect_cpus_error("16", "pCPU 16 does not exist (the host has pCPUs 0-15)");
    expect_cpus_error("10-16", "pCPUs 10-16 do not all exist");
    /* As written, not the ULONG_MAX the parser saturates it to. */
    expect_cpus_error("99999999999999999999999", "pCPU 99999999999999999999999 does not exist");
    expect_cpus_error("node:4", "node 4 does not exist (the host has nodes 0-3)");
    expect_cpus_error("nodes:2-4", "nodes 2-4 do not all exist");
    expect_cpus_error("3-1", "reversed range 3-1");
    expect_cpus_error("nodes:3-1", "reversed range 3-1");
    expect_cpus_error("1,,2", "empty item");
    expect_cpus_error("1,", "empty item");
    expect_cpus_error(",1", "empty item");
    expect_cpus_error("^", "empty item");
    expect_cpus_error("", "empty pCPU list");
    expect_cpus_error("  ", "empty pCPU list");
    expect_cpus_error("all,^all", "\"^all\" is not allowed");
    expect_cpus_error("x", "\"x\" is not N, N-M, node:N, nodes:N-M or all");
    expect_cpus_error("1-", "\"1-\" is not");
    expect_cpus_error("-1", "\"-1\" is not");
    expect_cpus_error("1 - 3", "\"1 - 3\" is not");
    expect_cpus_error("0x3", "\"0x3\" is not");
    expect_cpus_error("node:", "\"node:\" is not");
    expect_cpus_error("node1", "\"node1\" is not");
    expect_cpus_error("allx", "\"allx\" is not");
    expect_cpus_error("^^1", "\"^^1\" is not");
}

Test(config, nodelist)
{
    struct ns_topo *t = four_nodes();
    struct ns_mask m;
    struct ns_err err = {{0}};

    ns_mask_init(&m, t->nr_nodes);
    cr_assert_eq(cfg_nodelist_parse("0-3,^2", t, &m, &err), 0, "%s", err.msg);
    char *got = ns_mask_format(&m);
    cr_expect_str_eq(got, "0-1,3");
    free(got);
    cr_expect_eq(cfg_nodelist_parse("4", t, &m, &err), -1);
    cr_expect(strstr(err.msg, "node 4 does not exist"), "%s", err.msg);
    cr_expect_eq(cfg_nodelist_parse("node:1", t, &m, &err), -1);
    cr_expect(strstr(err.msg, "is not N, N-M or all"), "%s", err.msg);
    ns_mask_free(&m);
    free_four_nodes(t);
}

/* ---- durations and sizes --------------------------------------------------------- */

static void expect_duration(const char *s, ns_time_t expected)
{
    ns_time_t got = 12345;
    struct ns_err err = {{0}};

    cr_assert_eq(ns_duration_parse(s, &got, &err), 0, "\"%s\": %s", s, err.msg);
    cr_expect_eq(got, expected, "\"%s\" gave %llu ns, expected %llu", s,
                 (unsigned long long)got, (unsigned long long)expected);
}

static void expect_duration_error(const char *s, const char *needle)
{
    ns_time_t got;
    struct ns_err err = {{0}};

    cr_expect_eq(ns_duration_parse(s, &got, &err), -1, "\"%s\" was accepted", s);
    cr_expect(strstr(err.msg, needle), "\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, needle);
}

Test(config, durations)
{
    expect_duration("500ms", 500000000ULL);
    expect_duration("30s", 30000000000ULL);
    expect_duration("30", 30000000000ULL);
    expect_duration("2min", 120000000000ULL);
    expect_duration("1.5s", 1500000000ULL);
    expect_duration("0.1s", 100000000ULL);      /* exact, not 99999999 */
    expect_duration(".25s", 250000000ULL);
    expect_duration("100us", 100000ULL);
    expect_duration("10ns", 10ULL);
    expect_duration("1h", 3600000000000ULL);
    expect_duration("0", 0);
    expect_duration(" 20 ms ", 20000000ULL);
    expect_duration("1000000", 1000000ULL * 1000000000ULL);  /* the limit itself */
    expect_duration("1.0000000001s", 1000000000ULL);          /* rounded to the ns */
}

Test(config, duration_errors)
{
    expect_duration_error("5 parsecs", "unknown unit \"parsecs\"");
    expect_duration_error("5m", "unknown unit \"m\"");
    expect_duration_error("5S", "unknown unit \"S\"");
    expect_duration_error("", "is not a duration");
    expect_duration_error("abc", "is not a duration");
    expect_duration_error("1.", "is not a duration");
    expect_duration_error("-1s", "must not be negative");
    expect_duration_error("1000001", "longer than the limit of 1000000 s");
    expect_duration_error("20000min", "longer than the limit of 1000000 s");
    expect_duration_error("99999999999999999999999999s", "longer than the limit");
}

Test(config, sizes)
{
    struct ns_err err = {{0}};
    uint64_t b;

    cr_assert_eq(cfg_size_parse("6GiB", &b, &err), 0, "%s", err.msg);
    cr_expect_eq(b, 6ULL << 30);
    cr_assert_eq(cfg_size_parse("6144MiB", &b, &err), 0, "%s", err.msg);
    cr_expect_eq(b, 6ULL << 30);
    cr_assert_eq(cfg_size_parse("6144", &b, &err), 0, "%s", err.msg);
    cr_expect_eq(b, 6ULL << 30);
    cr_assert_eq(cfg_size_parse("6GB", &b, &err), 0, "%s", err.msg);
    cr_expect_eq(b, 6000000000ULL);
    cr_assert_eq(cfg_size_parse("1.5GiB", &b, &err), 0, "%s", err.msg);
    cr_expect_eq(b, 3ULL << 29);
    cr_expect_eq(cfg_size_parse("6 furlongs", &b, &err), -1);
    cr_expect(strstr(err.msg, "unknown unit \"furlongs\""), "%s", err.msg);
    cr_expect_eq(cfg_size_parse("-1GiB", &b, &err), -1);
    cr_expect_eq(cfg_size_parse("2048TiB", &b, &err), -1);
}

/* ---- files ------------------------------------------------------------------------ */

TestSuite(config, .init = suite_dir_make, .fini = suite_dir_drop);

/* Write @text to @name in the test folder (one level of subfolder allowed). */
static void put(const char *name, const char *text)
{
    char path[512];
    const char *slash = strchr(name, '/');

    if (slash) {
        snprintf(path, sizeof(path), "%s/%.*s", suite_dir, (int)(slash - name), name);
        mkdir(path, 0755);
    }
    write_file(suite_dir, name, text);
}

static int load(const char *scenario, struct ns_sim_spec *s, struct ns_err *err)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", suite_dir, scenario);
    memset(s, 0, sizeof(*s));
    return ns_config_load(path, NULL, s, err);
}

/* The scenario must load; the caller frees it. */
static void load_ok(const char *scenario, struct ns_sim_spec *s)
{
    struct ns_err err = {{0}};
    cr_assert_eq(load(scenario, s, &err), 0, "%s", err.msg);
}

/* The scenario must fail with a message containing @where (e.g.
 * "vm1.cfg:5: vcpus:") and @what. */
static void load_fails(const char *scenario, const char *where, const char *what)
{
    struct ns_sim_spec s;
    struct ns_err err = {{0}};

    cr_expect_eq(load(scenario, &s, &err), -1, "loaded, expected \"%s\"", where);
    cr_expect(strstr(err.msg, where), "message \"%s\" lacks \"%s\"", err.msg, where);
    if (what)
        cr_expect(strstr(err.msg, what), "message \"%s\" lacks \"%s\"", err.msg, what);
    /* A failed load leaves nothing to free. */
    cr_expect_null(s.topo);
    cr_expect_null(s.dom);
    cr_expect_null(s.pool);
}

static void expect_mask(const struct ns_mask *m, const char *expected)
{
    char *got = ns_mask_format(m);
    cr_expect_str_eq(got, expected);
    free(got);
}

#define HOST_2X4X2 "host = \"pack:2 [numa(memory=6GiB)] core:4 pu:2\"\n"

/*
 * A scenario with four lines and a fifth for the test, a domain file with
 * four lines and a fifth. A later assignment overrides an earlier one
 * (libxlutil keeps the last), so line 5 can change anything.
 */
static void scenario(const char *line5)
{
    char text[1024];
    snprintf(text, sizeof(text),
             HOST_2X4X2
             "sched = \"rr\"\n"
             "duration = 10\n"
             "domains = [ \"vm1.cfg\" ]\n"
             "%s\n", line5);
    put("scn.cfg", text);
}

static void domain(const char *file, const char *name, const char *line5)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "name = \"%s\"\n"
             "vcpus = 2\n"
             "memory = 960\n"
             "workload = \"specjbb\"\n"
             "%s\n", name, line5);
    put(file, text);
}

/* A good scenario, then @line5 in its domain file must fail at line 5 on @key. */
static void domain_fails(const char *line5, const char *key, const char *what)
{
    char where[128];

    scenario("");
    domain("vm1.cfg", "vm1", line5);
    snprintf(where, sizeof(where), "vm1.cfg:5: %s:", key);
    load_fails("scn.cfg", where, what);
}

/* @line5 in the scenario must fail at line 5 on @key. */
static void scenario_fails(const char *line5, const char *key, const char *what)
{
    char where[128];

    scenario(line5);
    domain("vm1.cfg", "vm1", "");
    snprintf(where, sizeof(where), "scn.cfg:5: %s:", key);
    load_fails("scn.cfg", where, what);
}

/* null's version reaches Pool-0's parameters: 4.22 unless null_compat says. */
Test(config, null_keys)
{
    struct ns_sim_spec s;

    scenario("sched = \"null\"");
    domain("vm1.cfg", "vm1", "");
    load_ok("scn.cfg", &s);
    cr_expect_str_eq(s.pool[0].sched, "null");
    cr_expect_eq(s.pool[0].params.null_compat, 422);
    ns_sim_spec_free(&s);

    scenario("sched = \"null\"\nnull_compat = \"4.9\"\n");
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.pool[0].params.null_compat, 409);
    ns_sim_spec_free(&s);
}

/*
 * RTDS's version reaches Pool-0's parameters, 4.22 unless rtds_compat says;
 * a domain's reservation is read as given, zero where absent (the scheduler
 * then applies Xen's 10000 / 4000 us), extratime on unless 0.
 */
Test(config, rtds_keys)
{
    struct ns_sim_spec s;

    scenario("sched = \"rtds\"");
    domain("vm1.cfg", "vm1", "");
    load_ok("scn.cfg", &s);
    cr_expect_str_eq(s.pool[0].sched, "rtds");
    cr_expect_eq(s.pool[0].params.rtds_compat, 422);
    cr_expect_eq(s.dom[0].rtds.period_us, 10000);
    cr_expect_eq(s.dom[0].rtds.budget_us, 4000);
    cr_expect_not(s.dom[0].rtds.no_extratime);
    ns_sim_spec_free(&s);

    scenario("sched = \"rtds\"\nrtds_compat = \"4.7\"\n");
    domain("vm1.cfg", "vm1", "rtds_period_us = 1000; rtds_budget_us = 1000; rtds_extratime = 0");
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.pool[0].params.rtds_compat, 407);
    cr_expect_eq(s.dom[0].rtds.period_us, 1000);
    cr_expect_eq(s.dom[0].rtds.budget_us, 1000);
    cr_expect(s.dom[0].rtds.no_extratime);
    ns_sim_spec_free(&s);
}

/* Xen's bounds on a reservation (rt_dom_cntl) and the versions modelled. */
Test(config, rtds_refusals)
{
    scenario_fails("rtds_compat = \"4.6\"", "rtds_compat", "RTDS is modelled from Xen 4.7");
    scenario_fails("rtds_compat = \"4.23\"", "rtds_compat", "from \"4.2\" to \"4.22\"");
    domain_fails("rtds_period_us = 9", "rtds_period_us", "between 10 and 2147483647");
    domain_fails("rtds_budget_us = 9", "rtds_budget_us", "between 10 and 2147483647");
    domain_fails("rtds_budget_us = 10001", "rtds_budget_us",
                 "10001 is more than the period, 10000 us");
    domain_fails("rtds_period_us = 100; rtds_budget_us = 200", "rtds_budget_us",
                 "200 is more than the period, 100 us");
    domain_fails("rtds_extratime = 2", "rtds_extratime", "between 0 and 1");
}

/* credit2's keys reach Pool-0's parameters, with Xen's defaults when absent. */
Test(config, credit2_keys)
{
    struct ns_sim_spec s;

    scenario("sched = \"credit2\"");
    domain("vm1.cfg", "vm1", "");
    load_ok("scn.cfg", &s);
    cr_expect_str_eq(s.pool[0].sched, "credit2");
    cr_expect_eq(s.pool[0].params.credit2_compat, 422);
    cr_expect_eq(s.pool[0].params.credit2_runqueue, NS_C2_RUNQ_SOCKET);
    cr_expect_eq(s.pool[0].params.credit2_max_cpus_runqueue, 16);
    cr_expect_eq(s.pool[0].params.credit2_migrate_resist_us, 500);
    ns_sim_spec_free(&s);

    scenario("sched = \"credit2\"\ncredit2_compat = \"4.10\"\ncredit2_runqueue = \"node\"\n"
             "sched_credit2_max_cpus_runqueue = 8\nsched_credit2_migrate_resist = 0\n");
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.pool[0].params.credit2_compat, 410);
    cr_expect_eq(s.pool[0].params.credit2_runqueue, NS_C2_RUNQ_NODE);
    cr_expect_eq(s.pool[0].params.credit2_max_cpus_runqueue, 8);
    cr_expect_eq(s.pool[0].params.credit2_migrate_resist_us, 0);
    ns_sim_spec_free(&s);
}

Test(config, complete_scenario)
{
    put("scn.cfg",
        "# the whole thing\n"
        HOST_2X4X2
        "sched = \"rr\"\n"
        "duration = \"500ms\"\n"
        "warmup = 2\n"
        "seed = 42\n"
        "dom0 = \"dom0.cfg\"\n"
        "domains = [ \"vm1.cfg\", \"sub/vm2.cfg\" ]\n");
    put("dom0.cfg", "memory = 2048\nworkload = \"idle\"\n");
    put("vm1.cfg",
        "name = \"vm1\"\n"
        "vcpus = 2\n"
        "memory = 960\n"
        "cpus = \"node:1\"\n"
        "cpus_soft = [ \"0-3\", \"node:0,^1\" ]\n"
        "workload = \"specjbb\"\n"
        "disk = [ 'phy:/dev/vg/vm1,xvda,w' ]   # xl keys we do not model are fine\n"
        "vif = [ 'bridge=xenbr0' ]\n");
    put("sub/vm2.cfg",
        "name = 'vm2'; vcpus = 1; maxvcpus = 3\n"
        "memory = 1001; maxmem = 2048; shadow_memory = 8\n"
        "memory_nodes = \"1\"\n"
        "type = \"hvm\"\n"
        "cpu_weight = 512\n"
        "cap = 150\n"
        "cpus = [ \"1\", \"2-3\" ]\n"
        "node_affinity = \"0\"\n"
        "pool = \"Pool-0\"\n");

    struct ns_sim_spec s;
    load_ok("scn.cfg", &s);
    /* Loading parses; where memory lives and what placement did are
     * place/'s (placement skips all three domains here: dom0 is never
     * placed, vm1 has cpus_soft=, vm2 a per-vCPU cpus= list). */
    for (size_t i = 0; i < s.nr_dom; i++) {
        cr_expect_null(s.dom[i].memory_kb_per_node);
        cr_expect_null(s.dom[i].placement);
    }
    struct ns_err err = {{0}};
    cr_assert_eq(ns_place_spec(&s, NULL, &err), 0, "%s", err.msg);

    cr_expect_eq(s.topo->nr_pcpus, 16);
    cr_expect_eq(s.topo->nr_nodes, 2);
    cr_expect_eq(s.duration, 500000000ULL);
    cr_expect_eq(s.warmup, 2000000000ULL);
    cr_expect_eq(s.seed, 42);
    cr_expect_not(s.check);
    cr_assert_eq(s.nr_pools, 1);
    cr_expect_str_eq(s.pool[0].name, "Pool-0");
    cr_expect_str_eq(s.pool[0].sched, "rr");
    expect_mask(&s.pool[0].cpus, "0-15");
    cr_expect_eq(s.pool[0].params.tslice_ms, 30);

    cr_assert_eq(s.nr_dom, 3);
    cr_expect(s.has_dom0);

    /*
     * dom0: one vCPU per pCPU, 2048 MiB = 2097152 KiB in Xen's dom0 blocks
     * (src/place/dom0.c), alternating nodes from node 1: the kernel's 16 MiB
     * on node 1, then of the 2032 MiB left 1024 on node 0, 512 on 1, 256 on
     * 0, 128 on 1, 64 on 0, 32 on 1, 16 on 0: node 0 1360 MiB (1392640 KiB),
     * node 1 688 MiB (704512 KiB).
     */
    const struct ns_domain_spec *d = &s.dom[0];
    cr_expect_str_eq(d->name, "Domain-0");
    cr_expect_eq(d->nr_vcpus, 16);
    cr_expect_eq(d->max_vcpus, 16);
    cr_expect_eq(d->memory_kb, 2097152);
    cr_expect_eq(d->memory_kb_per_node[0], 1392640);
    cr_expect_eq(d->memory_kb_per_node[1], 704512);
    cr_expect_str_eq(ns_workload_spec_name(d->workload), "idle");
    cr_expect_not(d->hard_given);
    expect_mask(&d->hard[15], "0-15");

    /* vm1: pinned to node 1 (pCPUs 8-15), per-vCPU soft affinity. Xen's
     * automatic node affinity (4.5+): soft (0-7) & hard (8-15) is empty, so
     * the nodes of hard: {1}, and all 960 MiB = 983040 KiB go there. */
    d = &s.dom[1];
    cr_expect_str_eq(d->name, "vm1");
    cr_expect(strstr(d->file, "vm1.cfg"));
    cr_expect_eq(d->nr_vcpus, 2);
    cr_expect_eq(d->max_vcpus, 2);
    cr_expect_eq(d->memory_kb, 983040);
    cr_expect_eq(d->max_memory_kb, 983040);
    cr_expect_not(d->shadow_given);
    cr_expect(ns_mask_empty(&d->memory_nodes));
    cr_expect_eq(d->memory_kb_per_node[0], 0);
    cr_expect_eq(d->memory_kb_per_node[1], 983040);
    cr_expect_not(d->hvm);
    cr_expect_eq(d->weight, 256);
    cr_expect_eq(d->cap, 0);
    cr_expect(d->hard_given);
    cr_expect_not(d->hard_is_list);
    cr_expect(d->soft_given);
    expect_mask(&d->hard[0], "8-15");
    expect_mask(&d->hard[1], "8-15");
    expect_mask(&d->soft[0], "0-3");
    expect_mask(&d->soft[1], "0,2-7");
    cr_expect(ns_mask_empty(&d->node_affinity));
    cr_expect_null(d->pool);
    cr_expect_str_eq(ns_workload_spec_name(d->workload), "specjbb");

    /* vm2: relative to the scenario's folder; 3 vCPUs, the third unlisted;
     * memory_nodes = "1" puts its memory on node 1 whatever its node affinity.
     * An HVM guest with maxmem above memory is populate-on-demand: Xen's
     * cache holds memory less the 8 MiB of video RAM and the 128 KiB VGA
     * hole, 1025024 - 8192 - 128 = 1016704 KiB. */
    d = &s.dom[2];
    cr_expect_str_eq(d->name, "vm2");
    cr_expect(strstr(d->file, "sub/vm2.cfg"));
    cr_expect_eq(d->nr_vcpus, 1);
    cr_expect_eq(d->max_vcpus, 3);
    cr_expect(d->hvm);
    cr_expect_eq(d->weight, 512);
    cr_expect_eq(d->cap, 150);
    cr_expect_eq(d->memory_kb, 1025024);
    cr_expect_eq(d->max_memory_kb, 2048 * 1024);
    cr_expect(d->shadow_given);
    cr_expect_eq(d->shadow_kb, 8 * 1024);
    expect_mask(&d->memory_nodes, "1");
    cr_expect_eq(d->memory_kb_per_node[0], 0);
    cr_expect_eq(d->memory_kb_per_node[1], 1016704);
    cr_expect(d->hard_is_list);
    expect_mask(&d->hard[0], "1");
    expect_mask(&d->hard[1], "2-3");
    expect_mask(&d->hard[2], "0-15");
    cr_expect_not(d->soft_given);
    expect_mask(&d->soft[2], "0-15");
    expect_mask(&d->node_affinity, "0");
    cr_expect_str_eq(d->pool, "Pool-0");
    cr_expect_str_eq(ns_workload_spec_name(d->workload), "cpu");

    ns_sim_spec_free(&s);
}

Test(config, defaults)
{
    put("scn.cfg", HOST_2X4X2 "sched = \"rr\"\nduration = 1\ndomains = [ \"vm.cfg\" ]\n");
    put("vm.cfg", "name = \"vm\"\nmemory = 512\n");

    struct ns_sim_spec s;
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.seed, 1);
    cr_expect_eq(s.warmup, 0);
    cr_expect_not(s.has_dom0);
    cr_assert_eq(s.nr_dom, 1);
    cr_expect_eq(s.dom[0].nr_vcpus, 1);
    cr_expect_eq(s.dom[0].max_vcpus, 1);
    cr_expect_eq(s.dom[0].weight, 256);
    cr_expect_str_eq(ns_workload_spec_name(s.dom[0].workload), "cpu");
    expect_mask(&s.dom[0].hard[0], "0-15");
    expect_mask(&s.dom[0].soft[0], "0-15");
    ns_sim_spec_free(&s);
}

Test(config, default_sched_is_credit)
{
    if (!ns_sched_find("credit"))
        cr_skip_test("the credit scheduler is not built in yet");
    put("scn.cfg", HOST_2X4X2 "duration = 1\ndomains = [ \"vm.cfg\" ]\n");
    put("vm.cfg", "name = \"vm\"\nmemory = 512\n");

    struct ns_sim_spec s;
    load_ok("scn.cfg", &s);
    cr_expect_str_eq(s.pool[0].sched, "credit");
    ns_sim_spec_free(&s);
}

Test(config, sched_params)
{
    scenario("tslice_ms = 5; ratelimit_us = 0; migration_delay_us = 100000;"
             " credit_compat = \"4.3\"; check = 1");
    domain("vm1.cfg", "vm1", "");

    struct ns_sim_spec s;
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.pool[0].params.tslice_ms, 5);
    cr_expect_eq(s.pool[0].params.ratelimit_us, 0);
    cr_expect_eq(s.pool[0].params.migration_delay_us, 100000);
    cr_expect_eq(s.pool[0].params.compat, 403);
    cr_expect(s.check);
    ns_sim_spec_free(&s);

    scenario("credit_compat = \"current\"");
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.pool[0].params.compat, 422);
    ns_sim_spec_free(&s);
}

Test(config, per_vcpu_lists)
{
    scenario("");
    /* Elements beyond maxvcpus are ignored; numbers work as in xl 4.3. */
    domain("vm1.cfg", "vm1", "cpus = [ 2, \"node:1,^9\", \"5\", \"6\" ]");

    struct ns_sim_spec s;
    load_ok("scn.cfg", &s);
    const struct ns_domain_spec *d = &s.dom[0];
    cr_expect(d->hard_is_list);
    expect_mask(&d->hard[0], "2");
    expect_mask(&d->hard[1], "8,10-15");
    ns_sim_spec_free(&s);

    /* An empty list leaves every vCPU on "all" but is still a list. */
    domain("vm1.cfg", "vm1", "cpus = [ ]");
    load_ok("scn.cfg", &s);
    cr_expect(s.dom[0].hard_is_list);
    expect_mask(&s.dom[0].hard[1], "0-15");
    ns_sim_spec_free(&s);
}

Test(config, domain_types)
{
    struct ns_sim_spec s;

    scenario("");
    domain("vm1.cfg", "vm1", "builder = \"hvm\"");     /* xl's older spelling */
    load_ok("scn.cfg", &s);
    cr_expect(s.dom[0].hvm);
    cr_expect_not(s.dom[0].pvh);
    ns_sim_spec_free(&s);

    domain("vm1.cfg", "vm1", "type = \"pvh\"");        /* not PV: counts as hvm */
    load_ok("scn.cfg", &s);
    cr_expect(s.dom[0].hvm);
    cr_expect(s.dom[0].pvh);
    ns_sim_spec_free(&s);

    domain("vm1.cfg", "vm1", "type = \"pv\"; builder = \"generic\"");   /* PV both ways */
    load_ok("scn.cfg", &s);
    cr_expect_not(s.dom[0].hvm);
    ns_sim_spec_free(&s);

    /* xl (xl_parse.c, 4.22) exits on both: "Invalid domain type" and
     * "Contradicting \"builder\" and \"type\" options specified". */
    domain_fails("builder = \"xyz\"", "builder", "unknown builder \"xyz\" (use hvm or generic");
    domain_fails("type = \"pv\"; builder = \"hvm\"", "builder",
                 "\"hvm\" contradicts type = \"pv\"");
    domain_fails("type = \"pvh\"; builder = \"hvm\"", "builder", "contradicts type = \"pvh\"");
}

Test(config, memory_allocated_once_by_place)
{
    /* Loading allocates nothing; creating the domains allocates once,
     * striped over the node affinity (here all 3 nodes) as Xen does
     * without placement. 1 MiB PV is too small for a 2 MiB extent: 256
     * pages of 4 KiB, from node 1 (the
     * first after node 0) round robin: 85 full rounds (1,2,0) = 340 KiB each,
     * and the 256th page to node 1: 340 + 344 + 340 KiB. */
    put("scn.cfg", "host = \"pack:3 [numa(memory=1GiB)] core:1 pu:1\"\n"
                   "sched = \"rr\"\nduration = 1\nplacement = \"none\"\n"
                   "domains = [ \"vm.cfg\" ]\n");
    put("vm.cfg", "name = \"vm\"\nmemory = 1\n");

    struct ns_sim_spec s;
    struct ns_err err = {{0}};
    load_ok("scn.cfg", &s);
    cr_expect_null(s.dom[0].memory_kb_per_node);
    cr_assert_eq(ns_place_spec(&s, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(s.dom[0].memory_kb_per_node[0], 340);
    cr_expect_eq(s.dom[0].memory_kb_per_node[1], 344);
    cr_expect_eq(s.dom[0].memory_kb_per_node[2], 340);
    ns_sim_spec_free(&s);
}

Test(config, placement_keys)
{
    struct ns_sim_spec s;

    /* Defaults: placement on, following credit_compat. */
    scenario("");
    domain("vm1.cfg", "vm1", "");
    load_ok("scn.cfg", &s);
    cr_expect_not(s.placement_off);
    cr_expect_eq(s.placement_version, 0);
    cr_expect_eq(ns_place_version(&s), 422);
    cr_expect_eq(s.placement_fixes, 0);
    ns_sim_spec_free(&s);

    scenario("placement = \"none\"; credit_compat = \"4.3\"");
    load_ok("scn.cfg", &s);
    cr_expect(s.placement_off);
    cr_expect_eq(ns_place_version(&s), 403);
    ns_sim_spec_free(&s);

    scenario("placement = \"auto\"; placement_version = \"4.5\"; credit_compat = \"4.3\"");
    load_ok("scn.cfg", &s);
    cr_expect_not(s.placement_off);
    cr_expect_eq(ns_place_version(&s), 405);
    ns_sim_spec_free(&s);
}

Test(config, quirk_fixes)
{
    /* Scheduler quirks go to every pool's parameters, placement quirks to the spec. */
    struct ns_sim_spec s;

    scenario("quirk_fixes = [ \"placement_cmp_overflow\", \"unpark_boost\" ]");
    domain("vm1.cfg", "vm1", "");
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.placement_fixes, NS_PLACE_FIX_CMP_OVERFLOW);
    cr_expect_eq(s.pool[0].params.quirk_fixes, NS_QUIRK_UNPARK_BOOST);
    ns_sim_spec_free(&s);
}

Test(config, distances_and_memory_per_node)
{
    put("scn.cfg", "host = \"pack:3 [numa(memory=1GiB)] core:1 pu:1\"\n"
                   "distances = [ \"10 20 30\", \"20,10,20\", [30, 20, 10] ]\n"
                   "memory_per_node = \"2GiB\"\n"
                   "sched = \"rr\"\nduration = 1\ndomains = [ \"vm.cfg\" ]\n");
    put("vm.cfg", "name = \"vm\"\nmemory = 5000\n");   /* fits in 6 GiB, not in 3 */

    struct ns_sim_spec s;
    load_ok("scn.cfg", &s);
    cr_expect_eq(ns_topo_distance(s.topo, 0, 2), 30);
    cr_expect_eq(ns_topo_distance(s.topo, 1, 0), 20);
    cr_expect_eq(ns_topo_distance(s.topo, 2, 1), 20);
    cr_expect_eq(s.topo->distance_source, NS_DIST_SCENARIO);
    cr_expect_eq(s.topo->node[2].memory_bytes, 2ULL << 30);
    ns_sim_spec_free(&s);

    put("scn.cfg", "host = \"pack:2 [numa(memory=6GiB)] core:1 pu:1\"\n"
                   "memory_per_node = 1024\n"
                   "sched = \"rr\"\nduration = 1\ndomains = [ \"vm.cfg\" ]\n");
    put("vm.cfg", "name = \"vm\"\nmemory = 512\n");
    load_ok("scn.cfg", &s);
    cr_expect_eq(s.topo->node[1].memory_bytes, 1ULL << 30);
    ns_sim_spec_free(&s);
}

Test(config, overrides)
{
    scenario("");
    domain("vm1.cfg", "vm1", "");
    struct ns_overrides ov = {.has_seed = true, .has_duration = true, .seed = 7,
                              .duration = 3 * NS_MS};
    struct ns_sim_spec s = {0};
    struct ns_err err = {{0}};
    char path[512];

    snprintf(path, sizeof(path), "%s/scn.cfg", suite_dir);
    cr_assert_eq(ns_config_load(path, &ov, &s, &err), 0, "%s", err.msg);
    cr_expect_eq(s.seed, 7);
    cr_expect_eq(s.duration, 3 * NS_MS);
    ns_sim_spec_free(&s);

    /* With a duration on the command line the file may leave it out. */
    put("scn.cfg", HOST_2X4X2 "sched = \"rr\"\ndomains = [ \"vm1.cfg\" ]\n");
    cr_assert_eq(ns_config_load(path, &ov, &s, &err), 0, "%s", err.msg);
    cr_expect_eq(s.duration, 3 * NS_MS);
    ns_sim_spec_free(&s);
}

Test(config, dom0_alone)
{
    put("scn.cfg", HOST_2X4X2 "sched = \"rr\"\nduration = 1\ndom0 = \"d0.cfg\"\n"
                   "domains = [ ]\n");
    put("d0.cfg", "name = \"whatever\"\nvcpus = 4\nmemory = 1024\n");

    struct ns_sim_spec s;
    load_ok("scn.cfg", &s);
    cr_assert_eq(s.nr_dom, 1);
    cr_expect(s.has_dom0);
    cr_expect_str_eq(s.dom[0].name, "Domain-0");
    cr_expect_eq(s.dom[0].nr_vcpus, 4);
    ns_sim_spec_free(&s);
}

Test(config, scenario_line_is_the_last_assignment)
{
    /* Line 3 says 10, line 5 says 0: libxlutil keeps line 5, so must we. */
    scenario_fails("duration = 0", "duration", "longer than 0");
    scenario_fails("duration += 0", "duration", "+= joins texts");   /* else 100 s */
}

Test(config, bad_scenario_values)
{
    scenario_fails("duration = \"-1s\"", "duration", "must not be negative");
    scenario_fails("duration = 2000000", "duration", "limit of 1000000 s");
    scenario_fails("duration = \"5 parsecs\"", "duration", "unknown unit");
    scenario_fails("duration = [ 1 ]", "duration", "not a list");
    scenario_fails("warmup = \"1 fortnight\"", "warmup", "unknown unit");
    scenario_fails("seed = \"-1\"", "seed", "not a non-negative integer");
    scenario_fails("seed = \"abc\"", "seed", "not a non-negative integer");
    scenario_fails("check = 2", "check", "between 0 and 1");
    scenario_fails("sched = \"bogus\"", "sched", "unknown scheduler \"bogus\" (known: ");
    scenario_fails("tslice_ms = 0", "tslice_ms", "between 1 and 1000");
    scenario_fails("tslice_ms = 1001", "tslice_ms", "between 1 and 1000");
    scenario_fails("tslice_ms = \"ten\"", "tslice_ms", "not an integer");
    scenario_fails("ratelimit_us = 50", "ratelimit_us", "0 (off) or between 100 and 500000");
    scenario_fails("ratelimit_us = 500001", "ratelimit_us", "between 0 and 500000");
    scenario_fails("migration_delay_us = 100001", "migration_delay_us", "between 0 and 100000");
    scenario_fails("credit_compat = \"4.1\"", "credit_compat", "from \"4.2\" to \"4.22\"");
    scenario_fails("credit_compat = \"4.23\"", "credit_compat", "from \"4.2\" to \"4.22\"");
    scenario_fails("credit_compat = \"4.03\"", "credit_compat", "from \"4.2\" to \"4.22\"");
    scenario_fails("credit_compat = \"5.0\"", "credit_compat", "from \"4.2\" to \"4.22\"");
    scenario_fails("credit2_compat = \"4.7\"", "credit2_compat", "modelled from Xen 4.8");
    scenario_fails("credit2_compat = \"4.23\"", "credit2_compat", "from \"4.2\" to \"4.22\"");
    scenario_fails("null_compat = \"4.8\"", "null_compat", "the null scheduler is Xen's from 4.9");
    scenario_fails("credit2_runqueue = \"die\"", "credit2_runqueue",
                   "unknown arrangement \"die\" (known: cpu, core, socket, node, all)");
    scenario_fails("sched_credit2_max_cpus_runqueue = 0", "sched_credit2_max_cpus_runqueue",
                   "between 1 and 4096");
    scenario_fails("sched_credit2_migrate_resist = 1000001", "sched_credit2_migrate_resist",
                   "between 0 and 1000000");
    scenario_fails("placement = \"best\"", "placement", "use \"auto\"");
    scenario_fails("placement_version = \"4.1\"", "placement_version", "from \"4.2\" to \"4.22\"");
    scenario_fails("quirk_fixes = [ \"nope\" ]", "quirk_fixes", "unknown quirk \"nope\" (known: ");
    scenario_fails("quirk_fixes = \"unpark_boost\"", "quirk_fixes", "expected a list");
    scenario_fails("pools = [ \"pool1.cfg\" ]", "pools", "pool1.cfg: cannot read");
    scenario_fails("cpupool_numa_split = 2", "cpupool_numa_split", "between 0 and 1");
    scenario_fails("duraton = 10", "duraton", "unknown scenario key");
    scenario_fails("place.ment = \"none\"", "place.ment", "unknown scenario key");
    scenario_fails("domains = [ \"vm1.cfg\", \"nothere.cfg\" ]", "domains",
                   "nothere.cfg: cannot read: No such file or directory");
    scenario_fails("domains = [ ]", "domains", "at least one domain");
    scenario_fails("domains = \"vm1.cfg\"", "domains", "expected a list");
    scenario_fails("dom0 = \"nodom0.cfg\"", "dom0", "nodom0.cfg: cannot read");
    scenario_fails("host = \"pack:x\"", "host", "pack:x");
    scenario_fails("host = \"nothere.xml\"", "host", "nothere.xml");
    scenario_fails("host = \"pack:2 [numa(memory=0)] core:1 pu:1\"", "host", "node 0 has no memory");
    scenario_fails("memory_per_node = \"6 furlongs\"", "memory_per_node", "unknown unit");
    scenario_fails("memory_per_node = 0", "memory_per_node", "more than 0");
    scenario_fails("distances = [ \"10 20\", \"20 10\", \"20 20\" ]", "distances",
                   "3 rows, but the host has 2 nodes");
    scenario_fails("distances = [ \"10 20\", \"20\" ]", "distances", "row 1 has 1 values");
    scenario_fails("distances = [ \"10 20\", \"20 ten\" ]", "distances", "\"ten\" is not a distance");
    scenario_fails("distances = [ \"10 20\", [20, [10]] ]", "distances", "element 1 is a list");
    scenario_fails("distances = [ \"10 5\", \"20 10\" ]", "distances", NULL);
}

Test(config, missing_scenario_keys)
{
    domain("vm1.cfg", "vm1", "");
    put("scn.cfg", "sched = \"rr\"\nduration = 1\ndomains = [ \"vm1.cfg\" ]\n");
    load_fails("scn.cfg", "scn.cfg: host: missing", NULL);
    put("scn.cfg", HOST_2X4X2 "sched = \"rr\"\ndomains = [ \"vm1.cfg\" ]\n");
    load_fails("scn.cfg", "scn.cfg: duration: missing", NULL);
    put("scn.cfg", HOST_2X4X2 "sched = \"rr\"\nduration = 1\n");
    load_fails("scn.cfg", "scn.cfg: domains: missing", NULL);
}

Test(config, syntax_errors)
{
    /* libxlutil cannot read 1.5 unquoted: its own message, with file and line. */
    scenario("duration = 1.5");
    domain("vm1.cfg", "vm1", "");
    load_fails("scn.cfg", "scn.cfg:5: config parsing error", NULL);

    scenario("");
    domain("vm1.cfg", "vm1", "cpus = [ \"1\"");
    load_fails("scn.cfg", "vm1.cfg:", "config parsing error");

    domain("vm1.cfg", "vm1", "vcpus = 2 3");
    load_fails("scn.cfg", "vm1.cfg:5: config parsing error", NULL);

    /* A carriage return is a stray character to libxlutil's lexer (and xl's):
     * the message, which quotes it as a blank, says what it is. */
    domain("vm1.cfg", "vm1", "vcpus = 2\r");
    load_fails("scn.cfg", "vm1.cfg:5: config parsing error",
               "(the file has carriage returns, \"\\r\", as Windows line ends do; libxlutil, "
               "as xl, ends a line with \"\\n\" only)");
}

Test(config, bad_domain_values)
{
    domain_fails("vcpus = 0", "vcpus", "between 1 and 4096, not 0");
    domain_fails("vnuma = [ [ \"pnode=1\", \"size=512\", \"vcpus=0-1\", \"vdistances=10\" ] ]",
                 "vnuma", "virtual NUMA guests are not modelled");
    domain_fails("vcpus = \"two\"", "vcpus", "not an integer");
    domain_fails("vcpus = [ 2 ]", "vcpus", "not a list");
    /* libxlutil joins "vcpus = 2" and "vcpus += 2" into "22": refused, as
     * libxlutil's own number getters refuse +=. */
    domain_fails("vcpus += 2", "vcpus", "+= joins texts; a number is set with =");
    domain_fails("maxvcpus = 1", "maxvcpus", "fewer than vcpus");
    domain_fails("memory = 0", "memory", "between 1 and");
    domain_fails("memory = 20000", "memory", "vm1 does not fit: it needs 20000 MiB");
    domain_fails("type = \"xen\"", "type", "unknown type \"xen\"");
    domain_fails("cpu_weight = 0", "cpu_weight", "between 1 and 65535");
    domain_fails("cpu_weight = 65536", "cpu_weight", "between 1 and 65535");
    domain_fails("cap = 201", "cap", "between 0 and 200");
    domain_fails("workload = \"bogus\"", "workload", "unknown workload \"bogus\"");
    domain_fails("op_us = \"fast\"", "op_us", "\"fast\" is not a number");
    domain_fails("name = \"\"", "name", "must not be empty");
    domain_fails("name = \"Domain-0\"", "name", "dom0's name");
    domain_fails("pool = \"Pool-node1\"", "pool", "no cpupool named \"Pool-node1\"");
    domain_fails("cpus = \"16\"", "cpus", "pCPU 16 does not exist (the host has pCPUs 0-15)");
    domain_fails("cpus = \"node:2\"", "cpus", "node 2 does not exist");
    domain_fails("cpus = \"0,^0\"", "cpus", "selects no pCPU");
    domain_fails("cpus = [ \"0\", \"3-1\" ]", "cpus", "element 1: \"3-1\": reversed range");
    domain_fails("cpus = [ \"0\", [ \"1\" ] ]", "cpus", "element 1 is a list");
    domain_fails("cpus_soft = \"^all\"", "cpus_soft", "\"^all\" is not allowed");
    domain_fails("cpus_soft = \"1,,2\"", "cpus_soft", "empty item");
    domain_fails("cpus_soft = \"x\"", "cpus_soft", "is not N, N-M");
    domain_fails("node_affinity = \"2\"", "node_affinity", "node 2 does not exist");
    domain_fails("node_affinity = \"0,^0\"", "node_affinity", "selects no node");
    domain_fails("memory_nodes = \"5\"", "memory_nodes", "node 5 does not exist");
    domain_fails("memory_nodes = \"0,^0\"", "memory_nodes", "selects no node");
    domain_fails("maxmem = 959", "maxmem", "959 is less than memory = 960");
    domain_fails("shadow_memory = \"-1\"", "shadow_memory", "between 0 and");
}

Test(config, key_lines_skip_comments_and_strings)
{
    scenario("");
    put("vm1.cfg",
        "name = \"vm1\"; memory = 960\n"
        "extra = \"cap = 1\"  # cap = 2\n"
        "disk = [ 'x',\n"
        "  'cap = 3' ]\n"
        "vcpus = 2; cap = 999\n"
        "# cap = 4\n");
    load_fails("scn.cfg", "vm1.cfg:5: cap:", "between 0 and 200, not 999");
}

Test(config, missing_domain_keys)
{
    scenario("");
    put("vm1.cfg", "vcpus = 2\nmemory = 512\n");
    load_fails("scn.cfg", "vm1.cfg: name: missing", NULL);
    put("vm1.cfg", "name = \"vm1\"\nvcpus = 2\n");
    load_fails("scn.cfg", "vm1.cfg: memory: missing", NULL);
}

Test(config, names_are_unique)
{
    scenario("domains = [ \"vm1.cfg\", \"vm2.cfg\" ]");
    domain("vm1.cfg", "vm1", "");
    domain("vm2.cfg", "vm1", "");
    load_fails("scn.cfg", "vm2.cfg:1: name:", "already the name of the domain in");
}

Test(config, memory_must_fit_with_dom0)
{
    /* 12 GiB host: dom0 2048 + 10 x 960 = 11648 MiB fits; an 11th VM does not. */
    char text[1024] = HOST_2X4X2 "sched = \"rr\"\nduration = 1\ndom0 = \"dom0.cfg\"\n"
                      "domains = [ ";
    for (int i = 1; i <= 11; i++) {
        char name[32], file[32];
        snprintf(name, sizeof(name), "vm%d", i);
        snprintf(file, sizeof(file), "vm%d.cfg", i);
        domain(file, name, "");
        strcat(text, i > 1 ? ", \"" : "\"");
        strcat(text, file);
        strcat(text, "\"");
    }
    strcat(text, " ]\n");
    put("scn.cfg", text);
    put("dom0.cfg", "memory = 2048\n");
    load_fails("scn.cfg", "vm11.cfg:3: memory: vm11 does not fit: it needs 960 MiB, but the "
               "domains before it leave 640 MiB of the host's 12288 MiB", NULL);
}

Test(config, no_file)
{
    struct ns_sim_spec s;
    struct ns_err err = {{0}};

    cr_expect_eq(load("absent.cfg", &s, &err), -1);
    cr_expect(strstr(err.msg, "absent.cfg: cannot read: No such file"), "%s", err.msg);
}

/* ---- limits and odd files ------------------------------------------------------------ */

Test(config, more_bad_values)
{
    domain_fails("vcpus = 99999999999999999999", "vcpus", "99999999999999999999 is out of range");
    domain_fails("cpus = [ \"0\", \"0,^0\" ]", "cpus", "element 1: \"0,^0\" selects no pCPU");
    domain_fails("node_affinity = \"\"", "node_affinity", "empty node list");
    scenario_fails("domains = [ [ \"vm1.cfg\" ] ]", "domains",
                   "element 0 is a list, expected a single value");
    put("p.pool", "name = \"p\"\ncpus = \"8-15\"\n");
    scenario_fails("pools = [ \"p.pool\" ]; cpupool_numa_split = 1", "cpupool_numa_split",
                   "splitting is only possible while Pool-0 is the only cpupool, and `pools` "
                   "lists 1");
}

Test(config, size_errors)
{
    struct ns_err err = {{0}};
    uint64_t b;

    cr_expect_eq(cfg_size_parse("lots", &b, &err), -1);
    cr_expect(strstr(err.msg, "\"lots\" is not a size"), "%s", err.msg);
    cr_expect_eq(cfg_size_parse("1025TiB", &b, &err), -1);
    cr_expect(strstr(err.msg, "\"1025TiB\" is larger than the limit of 1 PiB"), "%s", err.msg);
    cr_expect_eq(cfg_size_parse("1024TiB", &b, &err), 0, "%s", err.msg);   /* the limit itself */
    cr_expect_eq(b, 1ULL << 50);
}

/* libxlutil aborts on a NUL inside a quoted string: refused before it reads. */
Test(config, nul_bytes_are_refused)
{
    static const char text[] = "name = \"vm1\"\nvcpus = 2\nmemory = \"9\0\"\n";
    char path[512];

    scenario("");
    snprintf(path, sizeof(path), "%s/vm1.cfg", suite_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fwrite(text, 1, sizeof(text) - 1, f);
    fclose(f);
    load_fails("scn.cfg", "vm1.cfg:3: a NUL byte: not a text file", NULL);
}

Test(config, huge_files_are_refused)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/scn.cfg", suite_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), (16 << 20) + 1), 0);
    fclose(f);
    load_fails("scn.cfg", "scn.cfg: larger than numasched's limit of 16 MiB for a "
               "configuration file", NULL);
}

/* 32,753 domains: refused from the list, before any file is read. */
Test(config, too_many_domains)
{
    size_t n = NS_MAX_DOMAINS + 1, len = 0;
    char *text = malloc(n * 12 + 256);

    len += (size_t)sprintf(text, HOST_2X4X2 "duration = 1\ndomains = [ ");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "\"vm1.cfg\", ");
    strcpy(text + len, "]\n");
    put("scn.cfg", text);
    free(text);
    domain("vm1.cfg", "vm1", "");
    load_fails("scn.cfg", "scn.cfg:3: domains: 32753 domains, more than numasched's limit of "
               "32752", NULL);
}

/* 17 domains of 4,096 vCPUs: the 17th brings the total past 65,536. */
Test(config, too_many_vcpus)
{
    char text[1024] = HOST_2X4X2 "duration = 1\ndomains = [ ";

    for (int i = 1; i <= 17; i++) {
        char name[32], file[32], body[128];
        snprintf(name, sizeof(name), "vm%d", i);
        snprintf(file, sizeof(file), "vm%d.cfg", i);
        snprintf(body, sizeof(body), "name = \"%s\"\nvcpus = 4096\nmemory = 1\n", name);
        put(file, body);
        strcat(text, i > 1 ? ", \"" : "\"");
        strcat(text, file);
        strcat(text, "\"");
    }
    strcat(text, " ]\n");
    put("scn.cfg", text);
    load_fails("scn.cfg", "scn.cfg:3: domains: vm17.cfg brings the vCPUs to 69632, more than "
               "numasched's limit of 65536", NULL);
}

/* ---- the shipped examples ----------------------------------------------------------- */

/* The examples, from the top of the source tree (where `make test` runs). */
static char *example(const char *name)
{
    if (access("examples", F_OK) != 0)
        cr_skip_test("examples/ is not in the current folder");
    if (!ns_sched_find("credit"))
        cr_skip_test("the credit scheduler is not built in yet");
    return ns_path_join("examples", name);
}

Test(config, examples_load)
{
    static const char *const names[] = {
        "specjbb-2node.cfg", "cpu.cfg", "sysbench-memory.cfg", "lmbench-proc.cfg",
        "idle.cfg", "phases.cfg", "placement-10vm.cfg", "cpupools.cfg",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *path = example(names[i]);
        struct ns_sim_spec s = {0};
        struct ns_err err = {{0}};
        cr_expect_eq(ns_config_load(path, NULL, &s, &err), 0, "%s: %s", path, err.msg);
        ns_sim_spec_free(&s);
        free(path);
    }
}

Test(config, main_example)
{
    char *path = example("specjbb-2node.cfg");
    struct ns_sim_spec s = {0};
    struct ns_err err = {{0}};
    int rc = ns_config_load(path, NULL, &s, &err);

    free(path);
    cr_assert_eq(rc, 0, "%s", err.msg);
    /* 2 sockets x 4 cores x 2 threads, 6 GiB per node, Xen's default SLIT. */
    cr_expect_eq(s.topo->nr_pcpus, 16);
    cr_expect_eq(s.topo->nr_nodes, 2);
    cr_expect_eq(s.topo->node[1].memory_bytes, 6ULL << 30);
    cr_expect_eq(ns_topo_distance(s.topo, 0, 1), 20);
    cr_expect_eq(ns_topo_distance(s.topo, 1, 1), 10);
    cr_expect_str_eq(s.pool[0].sched, "credit");
    cr_expect_eq(s.duration, 10 * NS_S);
    cr_expect_eq(s.seed, 1);
    cr_assert_eq(s.nr_dom, 5);
    cr_expect(s.has_dom0);
    cr_expect_str_eq(s.dom[0].name, "Domain-0");
    cr_expect_eq(s.dom[0].nr_vcpus, 16);
    cr_expect_eq(s.dom[0].memory_kb, 2048 * 1024);
    cr_expect_str_eq(ns_workload_spec_name(s.dom[0].workload), "idle");
    for (unsigned i = 1; i <= 4; i++) {
        char name[8];
        snprintf(name, sizeof(name), "vm%u", i);
        cr_expect_str_eq(s.dom[i].name, name);
        cr_expect_eq(s.dom[i].nr_vcpus, 2);
        cr_expect_eq(s.dom[i].memory_kb, 960 * 1024);
        cr_expect_str_eq(ns_workload_spec_name(s.dom[i].workload), "specjbb");
    }
    ns_sim_spec_free(&s);
}

/*
 * A model parameter is refused where the model's arithmetic stops being
 * physical (params.c): a remote access faster than a local one, no
 * bandwidth, no latency, no memory-level parallelism, a cache that speeds
 * misses up; and beyond a SLIT's farthest ratio (254 / 10) or a
 * microsecond of local DRAM latency. The ends themselves are taken.
 */
Test(config, a_model_parameter_must_be_physical)
{
    static const struct { const char *name, *value; bool ok; } cases[] = {
        {"remote_ratio", "0.99", false}, {"remote_ratio", "1", true},
        {"remote_ratio", "25.4", true},  {"remote_ratio", "25.41", false},
        {"local_latency_ns", "0", false}, {"local_latency_ns", "0.5", true},
        {"local_latency_ns", "1000", true}, {"local_latency_ns", "1000.5", false},
        {"node_bw_gbs", "0", false},     {"link_bw_gbs", "0", false},
        {"node_bw_gbs", "0.1", true},    {"mlp", "0", false},
        {"mlp", "1", true},              {"llc_k_max", "0.9", false},
        {"llc_k_max", "1", true},        {"wake_us", "0", true},
        {"wake_us", "-1", false},        {"wake_us", "nan", false},
    };
    struct ns_sim_spec s = {0};
    struct ns_err err = {0};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = ns_config_param_set(&s, cases[i].name, cases[i].value, &err);
        cr_expect_eq(rc, cases[i].ok ? 0 : -1, "%s=%s: %d", cases[i].name, cases[i].value, rc);
    }
    cr_expect_float_eq(s.host.mlp, 1.0, 1e-12);
    cr_expect_float_eq(s.host.remote_ratio, 25.4, 1e-12);
    cr_assert_eq(ns_config_param_set(&s, "mlp", "0", &err), -1);
    cr_expect_str_eq(err.msg, "mlp=0: want a number from 1 to 1000000");
    cr_assert_eq(ns_config_param_set(&s, "node_bw_gbs", "0", &err), -1);
    cr_expect_str_eq(err.msg, "node_bw_gbs=0: want a number above 0 up to 1000000");
}
