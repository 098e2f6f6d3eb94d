/*
 * credit, end to end: the scheduler through the engine, on whole runs:
 * weights, caps, BOOST latency, affinity, and the invariant checker across
 * versions. test_credit.c tests the same mechanisms unit by unit.
 *
 * Every expected value is derived by hand from facts/xen-scheduling.md
 * section 2; the arithmetic is in the comments.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "numasched/engine.h"

/* Two nodes of 4 cores x 2 threads (pCPUs 0-7 and 8-15); 4, 2 and 1 cores. */
#define H16 "pack:2 [numa(memory=6GiB)] core:4 pu:2"
#define H4 "pack:1 [numa(memory=4GiB)] core:4 pu:1"
#define H2 "pack:1 core:2 pu:1"
#define H1 "pack:1 core:1 pu:1"

static void set_range(struct ns_mask *m, unsigned lo, unsigned hi)
{
    ns_mask_zero(m);
    for (unsigned c = lo; c <= hi; c++)
        ns_mask_set(m, c);
}

struct edom {
    const char *workload;         /* "cpu", "phases", ... */
    const char *const *phases;    /* for "phases" */
    size_t nphases;
    unsigned vcpus, weight, cap;
    int hard_lo, hard_hi;         /* hard_lo < 0: all pCPUs */
    int soft_lo, soft_hi;         /* soft_lo < 0: all pCPUs */
    bool pin_each;                /* vCPU i pinned to hard_lo + i */
    int mem_node;                 /* -1: striped over all nodes */
};

struct list_params {
    const char *const *items;
    size_t n;
};

static int lp_get_list(void *ctx, const char *key, size_t *n, const char *const **items,
                       struct ns_err *err)
{
    const struct list_params *lp = ctx;
    (void)err;
    if (strcmp(key, "phases") != 0)
        return 1;
    *n = lp->n;
    *items = lp->items;
    return 0;
}

static int lp_fail(void *ctx, const char *key, struct ns_err *err, const char *msg)
{
    (void)ctx;
    return ns_err_set(err, NULL, 0, key, "%s", msg);
}

static void edom_spec(struct ns_domain_spec *d, const struct ns_topo *t, const struct edom *e,
                      unsigned idx)
{
    struct ns_err err;
    char name[32];

    snprintf(name, sizeof(name), "vm%u", idx);
    d->name = ns_xstrdup(name);
    d->file = ns_xstrdup("test");
    d->nr_vcpus = d->max_vcpus = e->vcpus;
    d->memory_kb = 256 * 1024;
    d->weight = e->weight ? e->weight : 256;
    d->cap = e->cap;
    d->hard = ns_xcalloc(e->vcpus, sizeof(*d->hard));
    d->soft = ns_xcalloc(e->vcpus, sizeof(*d->soft));
    for (unsigned i = 0; i < e->vcpus; i++) {
        ns_mask_init(&d->hard[i], t->nr_pcpus);
        if (e->hard_lo < 0)
            ns_mask_fill(&d->hard[i]);
        else if (e->pin_each)
            set_range(&d->hard[i], (unsigned)e->hard_lo + i, (unsigned)e->hard_lo + i);
        else
            set_range(&d->hard[i], (unsigned)e->hard_lo, (unsigned)e->hard_hi);
        ns_mask_init(&d->soft[i], t->nr_pcpus);
        if (e->soft_lo < 0)
            ns_mask_fill(&d->soft[i]);
        else
            set_range(&d->soft[i], (unsigned)e->soft_lo, (unsigned)e->soft_hi);
    }
    d->hard_given = e->hard_lo >= 0;
    d->soft_given = e->soft_lo >= 0;
    ns_mask_init(&d->node_affinity, t->nr_nodes);
    d->memory_kb_per_node = ns_xcalloc(t->nr_nodes, sizeof(uint64_t));
    for (unsigned n = 0; n < t->nr_nodes; n++)
        if (e->mem_node < 0 || (unsigned)e->mem_node == n)
            d->memory_kb_per_node[n] = d->memory_kb / (e->mem_node < 0 ? t->nr_nodes : 1);
    struct list_params lp = {e->phases, e->nphases};
    struct ns_params p = {.ctx = &lp, .get_list = lp_get_list, .fail = lp_fail};
    d->workload = ns_workload_parse(e->workload, &p, &err);
    cr_assert_not_null(d->workload, "%s", err.msg);
}

static void espec(struct ns_sim_spec *s, const char *host, const struct edom *doms, size_t n,
                  double seconds, unsigned compat)
{
    struct ns_err err;

    memset(s, 0, sizeof(*s));
    s->topo = ns_topo_load(host, NULL, &err);
    cr_assert_not_null(s->topo, "%s", err.msg);
    ns_host_params_default(&s->host);
    s->duration = (ns_time_t)(seconds * NS_S);
    s->seed = 1;
    s->check = true;
    s->nr_pools = 1;
    s->pool = ns_xcalloc(1, sizeof(*s->pool));
    s->pool[0].name = ns_xstrdup("Pool-0");
    s->pool[0].sched = ns_xstrdup("credit");
    ns_sched_params_default(&s->pool[0].params);
    s->pool[0].params.compat = compat;
    ns_mask_init(&s->pool[0].cpus, s->topo->nr_pcpus);
    ns_mask_fill(&s->pool[0].cpus);
    s->nr_dom = n;
    s->dom = ns_xcalloc(n, sizeof(*s->dom));
    for (size_t i = 0; i < n; i++)
        edom_spec(&s->dom[i], s->topo, &doms[i], (unsigned)i + 1);
}

static struct ns_engine *erun(struct ns_sim_spec *s)
{
    struct ns_err err;
    struct ns_engine *e = ns_engine_create(s, &err);
    cr_assert_not_null(e, "%s", err.msg);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    return e;
}

static double share(const struct ns_results *r, size_t d, unsigned v)
{
    return (double)r->dom[d].vcpu[v].runstate_ns[NS_RUNSTATE_RUNNING] / (double)r->duration_ns;
}

#define CPU_DOM(w) {"cpu", NULL, 0, 1, (w), 0, -1, -1, -1, -1, false, -1}

/*
 * Initial pCPUs (facts 1.3; Xen 4.8-4.12's XEN_DOMCTL_max_vcpus): vCPU 0 on
 * cpumask_any() of the pool, a pseudo-random pCPU. On an idle host the
 * insert's cpu_pick keeps it (its own pCPU is idle, and so is everything
 * else: no core or socket is more idle). Eight 1-vCPU domains at 4.10: their
 * vCPU 0s do not all start on one pCPU; at 4.22 each starts on the first
 * pCPU of its node affinity (all nodes: pCPU 0), and stays there. The same
 * seed gives the same pCPUs.
 */
static unsigned vcpu0_spread(unsigned compat, unsigned *first)
{
    const struct edom doms[8] = {CPU_DOM(256), CPU_DOM(256), CPU_DOM(256), CPU_DOM(256),
                                 CPU_DOM(256), CPU_DOM(256), CPU_DOM(256), CPU_DOM(256)};
    struct ns_sim_spec s;
    struct ns_err err;
    bool seen[16] = {false};
    unsigned distinct = 0;

    espec(&s, H16, doms, 8, 1.0, compat);
    struct ns_engine *e = ns_engine_create(&s, &err);
    cr_assert_not_null(e, "%s", err.msg);
    for (size_t d = 0; d < 8; d++) {
        unsigned cpu = e->doms[d].vcpus[0].v.processor;
        distinct += !seen[cpu];
        seen[cpu] = true;
    }
    *first = e->doms[0].vcpus[0].v.processor;
    ns_engine_free(e);
    ns_sim_spec_free(&s);
    return distinct;
}

Test(credit_versions, vcpu0_starts_anywhere_in_the_pool_48_to_412)
{
    unsigned a, b;
    cr_assert_gt(vcpu0_spread(410, &a), 1);
    cr_assert_gt(vcpu0_spread(408, &b), 1);
    cr_assert_eq(vcpu0_spread(410, &b), vcpu0_spread(410, &b));
    vcpu0_spread(410, &b);
    cr_assert_eq(a, b, "same seed, same pCPU");
    cr_assert_eq(vcpu0_spread(422, &a), 1);
    cr_assert_eq(a, 0);
}

/*
 * Weights 256/256/512, three CPU-bound 1-vCPU domains, 2 pCPUs: fair
 * shares 150/150/300 credits per 30 ms of the 600 (facts 2.4 example a),
 * i.e. 25%, 25% and 50% of the host's time each... as a share of one pCPU:
 * 50%, 50% and 100%; of the host (2 pCPUs): 25/25/50. On 4 pCPUs everyone
 * gets a whole pCPU (example b).
 */
Test(credit_e2e, weights)
{
    const struct edom doms[] = {CPU_DOM(256), CPU_DOM(256), CPU_DOM(512)};
    struct ns_sim_spec s;

    espec(&s, H2, doms, 3, 30.0, 422);
    struct ns_engine *e = erun(&s);
    const struct ns_results *r = ns_engine_results(e);
    double expect[] = {0.5, 0.5, 1.0};   /* of one pCPU: 25/25/50 % of the two */
    for (size_t d = 0; d < 3; d++)
        cr_assert_float_eq(share(r, d, 0) / 2, expect[d] / 2, 0.02, "domain %zu: %.4f of the host",
                           d, share(r, d, 0) / 2);
    ns_engine_free(e);
    ns_sim_spec_free(&s);

    espec(&s, H4, doms, 3, 30.0, 422);
    e = erun(&s);
    r = ns_engine_results(e);
    for (size_t d = 0; d < 3; d++)
        cr_assert_gt(share(r, d, 0), 0.99, "domain %zu: %.4f", d, share(r, d, 0));
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/*
 * Cap 50 alone on a pCPU (facts 2.15): capcred 150 per 30 ms. From 0
 * credits: -150 after the first full accounting (burnt 300, got 150: not
 * below -150), -300 after the second: parked; -150, then 0: unparked. So it
 * runs 60 ms and is parked 60 ms, 50%.
 */
Test(credit_e2e, cap)
{
    const struct edom doms[] = {{"cpu", NULL, 0, 1, 256, 50, -1, -1, -1, -1, false, -1}};
    struct ns_sim_spec s;

    for (unsigned compat = 403; compat <= 422; compat += 19) {
        espec(&s, H1, doms, 1, 30.0, compat);
        struct ns_engine *e = erun(&s);
        const struct ns_results *r = ns_engine_results(e);
        cr_log_info("cap 50, compat %u: running %.4f", compat, share(r, 0, 0));
        cr_assert_float_eq(share(r, 0, 0), 0.5, 0.03, "compat %u: %.4f", compat, share(r, 0, 0));
        ns_engine_free(e);
        ns_sim_spec_free(&s);
    }
}

/*
 * BOOST (facts 2.5): a vCPU running 100 us every 10 ms shares one pCPU with
 * two CPU-bound vCPUs. Waking UNDER it is boosted ahead of them and the
 * tickle preempts the running one (it has run far longer than the 1 ms
 * ratelimit: the previous preemption, 10 ms ago, is what switched it in).
 * Without BOOST it waits behind the CPU hogs whenever they are UNDER, up to
 * a whole 30 ms slice each. Measured after a 1 s warm-up (at start all three
 * queue FIFO and the I/O vCPU waits a slice or two).
 */
static double boost_wait(bool no_boost, unsigned compat)
{
    static const char *const ph[] = {"run 100us", "block 9900us"};
    const struct edom doms[] = {CPU_DOM(256), CPU_DOM(256),
                                {"phases", ph, 2, 1, 256, 0, -1, -1, -1, -1, false, -1}};
    struct ns_sim_spec s;

    espec(&s, H1, doms, 3, 20.0, compat);
    s.warmup = NS_S;
    s.pool[0].params.no_boost = no_boost;
    struct ns_engine *e = erun(&s);
    const struct ns_results *r = ns_engine_results(e);
    double mean = r->dom[2].vcpu[0].wake_latency_mean_ns;
    cr_assert_gt(r->dom[2].vcpu[0].wakeups, 300);
    cr_log_info("boost %s, compat %u: mean wait %.1f us, p99 %.1f us", no_boost ? "off" : "on",
                compat, mean / 1e3, (double)r->dom[2].vcpu[0].wake_latency_p99_ns / 1e3);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
    return mean;
}

Test(credit_e2e, boost_gives_short_waits)
{
    cr_assert_lt(boost_wait(false, 422), 100e3);
    cr_assert_lt(boost_wait(false, 403), 100e3);
    cr_assert_gt(boost_wait(true, 422), 1e6);
}

/*
 * Affinity. Eight CPU-bound vCPUs each pinned to one pCPU of node 0 share
 * them with eight free ones: the pinned never move (the engine's checker
 * stops the run if one runs outside its hard affinity).
 */
Test(credit_e2e, pinned_vcpus_stay)
{
    const struct edom doms[] = {
        {"cpu", NULL, 0, 8, 256, 0, 0, 7, -1, -1, true, 0},
        {"cpu", NULL, 0, 8, 256, 0, -1, -1, -1, -1, false, -1},
    };
    struct ns_sim_spec s;

    espec(&s, H16, doms, 2, 5.0, 422);
    struct ns_engine *e = erun(&s);
    const struct ns_results *r = ns_engine_results(e);
    for (unsigned i = 0; i < 8; i++) {
        const struct ns_vcpu_result *v = &r->dom[0].vcpu[i];
        for (int k = 0; k < NS_MOVE_KINDS; k++)
            cr_assert_eq(v->migrations[k], 0, "pinned vCPU %u moved", i);
        cr_assert_gt(share(r, 0, i), 0.99, "vCPU %u ran %.3f", i, share(r, 0, i));
    }
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/* Run time on node 1 = run time with local memory when the memory is all on node 1. */
static double node1_fraction(const struct ns_vcpu_result *v)
{
    double run = (double)v->runstate_ns[NS_RUNSTATE_RUNNING];
    return run > 0 ? (double)v->local_run_ns / run : 0.0;
}

/*
 * Soft affinity to node 1 on an idle host: the vCPU starts there (4.8+
 * insert picks the soft step) and stays: > 99% of its run time on node 1.
 */
Test(credit_e2e, soft_affinity_on_an_idle_host)
{
    const struct edom doms[] = {{"cpu", NULL, 0, 1, 256, 0, -1, -1, 8, 15, false, 1}};
    struct ns_sim_spec s;

    espec(&s, H16, doms, 1, 10.0, 422);
    struct ns_engine *e = erun(&s);
    const struct ns_results *r = ns_engine_results(e);
    cr_log_info("soft node 1, idle host: %.4f of run time on node 1",
                node1_fraction(&r->dom[0].vcpu[0]));
    cr_assert_gt(node1_fraction(&r->dom[0].vcpu[0]), 0.99);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/*
 * Twelve CPU-bound vCPUs for node 1's eight pCPUs, node 0 idle. Soft
 * affinity: the tick check and stealing (hard step) put the surplus on node
 * 0: they run nearly all the time, some of it on node 0. Hard affinity:
 * they never leave node 1 and share its 8 pCPUs: 8/12 each on average.
 */
Test(credit_e2e, soft_spills_over_hard_does_not)
{
    const struct edom soft[] = {{"cpu", NULL, 0, 12, 256, 0, -1, -1, 8, 15, false, 1}};
    const struct edom hard[] = {{"cpu", NULL, 0, 12, 256, 0, 8, 15, -1, -1, false, 1}};
    struct ns_sim_spec s;
    double run = 0, node1 = 0;

    espec(&s, H16, soft, 1, 10.0, 422);
    struct ns_engine *e = erun(&s);
    const struct ns_results *r = ns_engine_results(e);
    for (unsigned i = 0; i < 12; i++) {
        run += share(r, 0, i);
        node1 += share(r, 0, i) * node1_fraction(&r->dom[0].vcpu[i]);
    }
    cr_log_info("soft: %.3f pCPUs busy, %.3f of them on node 1", run, node1);
    cr_assert_gt(run, 11.5, "12 vCPUs on 16 pCPUs all run");
    cr_assert_lt(node1, 8.01);
    cr_assert_gt(run - node1, 3.5, "the surplus runs on node 0");
    ns_engine_free(e);
    ns_sim_spec_free(&s);

    espec(&s, H16, hard, 1, 10.0, 422);
    e = erun(&s);
    r = ns_engine_results(e);
    run = 0;
    for (unsigned i = 0; i < 12; i++) {
        cr_assert_eq(r->dom[0].vcpu[i].remote_run_ns, 0, "vCPU %u ran on node 0", i);
        run += share(r, 0, i);
    }
    cr_log_info("hard: %.3f pCPUs busy", run);
    cr_assert_float_eq(run, 8.0, 0.02);
    ns_engine_free(e);
    ns_sim_spec_free(&s);
}

/*
 * The checker holds over a busy mixed scenario in every version with a
 * behaviour change, quirks reproduced and fixed: CPU hogs, I/O-like
 * vCPUs, a capped domain, soft and hard affinity, a migration delay.
 */
Test(credit_e2e, invariants_hold_in_every_version)
{
    static const char *const ph[] = {"run ~300us", "block ~2ms"};
    static const char *const ph2[] = {"run ~5ms", "block ~5ms"};
    const struct edom doms[] = {
        {"cpu", NULL, 0, 4, 256, 0, -1, -1, 8, 15, false, 1},
        {"phases", ph, 2, 6, 512, 0, -1, -1, 0, 7, false, 0},
        {"phases", ph2, 2, 4, 128, 30, -1, -1, -1, -1, false, -1},
        {"cpu", NULL, 0, 2, 256, 0, 0, 3, -1, -1, false, 0},
        {"cpu", NULL, 0, 2, 256, 0, 12, 12, -1, -1, false, 1},
        {"specjbb", NULL, 0, 4, 256, 0, -1, -1, -1, -1, false, -1},
    };
    const unsigned versions[] = {402, 403, 404, 405, 406, 407, 408, 409, 411, 412, 413, 418, 422};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        for (unsigned fixes = 0; fixes <= 0xf; fixes += 0xf) {
            struct ns_sim_spec s;
            espec(&s, H16, doms, 6, 2.0, versions[i]);
            s.pool[0].params.quirk_fixes = fixes;
            s.pool[0].params.migration_delay_us = i % 2 ? 500 : 0;
            for (size_t d = 0; d < s.nr_dom; d++)
                if (versions[i] < 405 && d < 2) {     /* 4.3/4.4: node affinity */
                    ns_mask_zero(&s.dom[d].node_affinity);
                    ns_mask_set(&s.dom[d].node_affinity, d == 0 ? 1 : 0);
                }
            struct ns_engine *e = erun(&s);
            ns_engine_free(e);
            ns_sim_spec_free(&s);
        }
    }
}
