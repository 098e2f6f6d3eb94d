/*
 * credit2: Xen's credit2 scheduler. Unit tests against the fake environment
 * (fake_sched.h) that look into sched/credit2_priv.h, and end-to-end runs
 * through the engine. Every expected value is derived by hand from
 * facts/xen-scheduling.md section 3 (and Xen 4.22's credit2.c where the
 * facts are terse); the arithmetic is in the comments.
 *
 * Host used by most unit tests ("H16"): 2 sockets = 2 nodes, 4 cores of 2
 * threads each: node 0 = pCPUs 0-7 (cores {0,1} {2,3} {4,5} {6,7}),
 * node 1 = pCPUs 8-15.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_impl.h"
#include "fake_sched.h"
#include "helpers.h"
#include "numasched/config.h"
#include "sched/credit2_priv.h"

#define H16 "pack:2 [numa(memory=6GiB)] core:4 pu:2"
#define H2 "pack:1 core:2 pu:1"
#define H1 "pack:1 core:1 pu:1"

static struct c2_priv *P(struct fk *f) { return c2_priv(&f->s); }
static struct c2_vcpu *SV(struct ns_vcpu *v) { return c2_vcpu(v); }

static struct fk *fk_new(const char *host) { return fk_create(host, "credit2", 422); }

/* The runqueues as "0-7 8-15". */
static const char *rqds(struct fk *f)
{
    static char buf[1024];
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < P(f)->nr_rqd; i++) {
        char *m = ns_mask_format(&P(f)->rqd[i]->active);
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", m);
        free(m);
    }
    return buf;
}

static struct fk *arranged(const char *host, enum ns_c2_runqueue how)
{
    struct fk *f = fk_new(host);
    f->s.params.credit2_runqueue = how;
    fk_start(f);
    return f;
}

/* ======================================================================== */
/* Runqueue arrangement (facts 3.2)                                          */
/* ======================================================================== */

/*
 * H16 has 16 pCPUs, so max_cpus_runq = 16 / ((16 - 1) / 16 + 1) = 16: the
 * limit never bites. socket and node: one runqueue per package; core: one
 * per pair of threads; all: one; cpu: one per pCPU.
 */
Test(credit2_arrangement, shared_topologies)
{
    static const struct {
        enum ns_c2_runqueue how;
        const char *expect;
    } cases[] = {
        {NS_C2_RUNQ_SOCKET, "0-7 8-15"},
        {NS_C2_RUNQ_NODE, "0-7 8-15"},
        {NS_C2_RUNQ_CORE, "0-1 2-3 4-5 6-7 8-9 10-11 12-13 14-15"},
        {NS_C2_RUNQ_ALL, "0-15"},
        {NS_C2_RUNQ_CPU, "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fk *f = arranged(H16, cases[i].how);
        cr_assert_str_eq(rqds(f), cases[i].expect, "arrangement %s",
                         ns_c2_runqueue_names()[cases[i].how]);
        fk_free(f);
    }
}

/*
 * 96 pCPUs without SMT, 4 nodes of 24: max_cpus_runq = 96 / ((96 - 1) / 16
 * + 1) = 96 / 6 = 16. "all": pCPUs 0-15 fill the first runqueue, 16 finds it
 * full and opens a second, and so on: 6 runqueues of 16. "node": each node's
 * first 16 pCPUs, then its other 8 in a second runqueue: 8 runqueues.
 */
Test(credit2_arrangement, sixteen_cpus_at_most_on_96)
{
    char *host = ns_path_join(getenv("TOPOLOGIES"), "96em64t-4n4d3ca2co-pci.xml");
    struct fk *f = arranged(host, NS_C2_RUNQ_ALL);

    cr_assert_eq(P(f)->max_cpus_runq, 16);
    cr_assert_str_eq(rqds(f), "0-15 16-31 32-47 48-63 64-79 80-95");
    fk_free(f);
    f = arranged(host, NS_C2_RUNQ_NODE);
    cr_assert_str_eq(rqds(f), "0-15 16-23 24-39 40-47 48-63 64-71 72-87 88-95");
    fk_free(f);
    free(host);
}

/*
 * credit2_compat (facts 3.8): before 4.14 there is no limit, so "all" on
 * the 96-pCPU host is one runqueue of 96; from 4.14, six of 16.
 */
Test(credit2_arrangement, no_limit_before_414)
{
    char *host = ns_path_join(getenv("TOPOLOGIES"), "96em64t-4n4d3ca2co-pci.xml");
    struct fk *f = fk_new(host);
    f->s.params.credit2_runqueue = NS_C2_RUNQ_ALL;
    f->s.params.credit2_compat = 413;
    fk_start(f);
    cr_assert_str_eq(rqds(f), "0-95");
    fk_free(f);
    f = fk_new(host);
    f->s.params.credit2_runqueue = NS_C2_RUNQ_ALL;
    f->s.params.credit2_compat = 414;
    fk_start(f);
    cr_assert_eq(P(f)->nr_rqd, 6);
    fk_free(f);
    free(host);

    struct ns_err err;
    f = fk_new(H2);
    f->s.params.credit2_compat = 407;
    cr_assert_lt(f->s.ops->init(&f->s, &err), 0);
    cr_assert(strstr(err.msg, "credit2_compat") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "4.7 is not modelled") != NULL, "%s", err.msg);
    f->s.params.credit2_compat = 422;
    fk_start(f);
    fk_free(f);
}

/*
 * 20 pCPUs in one socket of 10 two-thread cores: max_cpus_runq = 20 /
 * ((20 - 1) / 16 + 1) = 10, so the socket splits evenly in two (0-9, 10-19)
 * rather than 16 + 4. With the limit at 3, the siblings rule keeps cores
 * whole: pCPU 2 would make 4 threads, so it opens a new runqueue.
 */
Test(credit2_arrangement, limit_spreads_evenly_and_keeps_cores)
{
    struct fk *f = arranged("pack:1 core:10 pu:2", NS_C2_RUNQ_SOCKET);
    cr_assert_str_eq(rqds(f), "0-9 10-19");
    fk_free(f);

    f = fk_new("pack:1 core:3 pu:2");
    f->s.params.credit2_max_cpus_runqueue = 3;
    fk_start(f);
    cr_assert_eq(P(f)->max_cpus_runq, 3);     /* 6 / ((6 - 1) / 3 + 1) = 3 */
    cr_assert_str_eq(rqds(f), "0-1 2-3 4-5");
    fk_free(f);
}

/* ======================================================================== */
/* Credits (facts 3.3)                                                       */
/* ======================================================================== */

/* Start @v on its (idle) pCPU @cpu and let the fake switch to it. */
static void run_on(struct fk *f, struct ns_vcpu *v, unsigned cpu)
{
    v->processor = cpu;
    fk_up(f, v);
    fk_settle(f);
    cr_assert_eq(f->curr[cpu], v, "d%uv%u did not start on pCPU %u", v->dom->id, v->id, cpu);
}

/*
 * Burn: max_weight 512 on the runqueue. The 512 vCPU pays 1 ns of credit per
 * ns, the 256 one pays 2: after 3 ms each, 10 ms - 3 ms = 7 ms and
 * 10 ms - 6 ms = 4 ms. Reset: +10 ms each, clipped at 10.5 ms: 10.5 and 10.5
 * (7 + 10 = 17 and 4 + 10 = 14 are both above the clip).
 */
Test(credit2_credit, burn_scales_by_weight_and_reset_clips)
{
    struct fk *f = fk_new(H2);
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 512, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    run_on(f, b, 1);
    cr_assert_eq(P(f)->rqd[0]->max_weight, 512);
    f->now = 3 * NS_MS;
    c2_burn_credits(P(f), SV(a), f->now);
    c2_burn_credits(P(f), SV(b), f->now);
    cr_assert_eq(SV(a)->credit, 7 * (int64_t)NS_MS);
    cr_assert_eq(SV(b)->credit, 4 * (int64_t)NS_MS);
    c2_reset_credit(P(f), 0, f->now, SV(a));
    cr_assert_eq(SV(a)->credit, C2_CREDIT_INIT + C2_CARRYOVER_MAX);
    cr_assert_eq(SV(b)->credit, C2_CREDIT_INIT + C2_CARRYOVER_MAX);
    fk_free(f);
}

/*
 * The credit floor and the reset multiplier (Xen 36f3662f27, 4.14; 4.11.4,
 * 4.12.3 and 4.13.1 by backport). One pCPU; a (weight 256, never up, 10 ms)
 * and b (weight 1) on its runqueue: max_weight 256, so b pays 256 ns of
 * credit per ns. b starts at t = 0 with 10 ms; its first slice is the 1 ms
 * ratelimit (10 ms x 1 / 256 = 39 us is less). At t = 1 ms it has paid
 * 1 ms x 256 = 256 ms, and the queue is empty, so it goes on and the epoch
 * ends (top credit <= 0 under either rule).
 * 4.14+: the burn stops at -10 ms; at the floor the reset is 2 x 10 ms:
 * b = -10 + 20 = 10 ms. CREDIT_RESET has 3 words.
 * 4.13: b = 10 - 256 = -246 ms; m = 1 + 246 / 10 = 25 (integer division),
 * so b = -246 + 250 = 4 ms. a gets as much: 10 + 250, clipped to 10.5 ms.
 * CREDIT_RESET, last for b (d2v0 = 0x20000): -246000000, 4000000, 25.
 * Idle's credit: 4.14 -10 ms - 1, 4.13 -2^30.
 */
static int64_t reset_after_overrun(unsigned compat, int64_t *a_credit, uint32_t *w)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 1, 0, 1)->vcpu[0];
    run_on(f, b, 0);
    cr_assert_eq(f->slice[0], 1 * NS_MS);
    uint64_t resets = P(f)->stats.resets;
    fk_play(f, 1 * NS_MS);
    cr_assert_eq(P(f)->stats.resets, resets + 1);
    cr_assert_eq(f->curr[0], b);
    *a_credit = SV(a)->credit;
    memcpy(w, f->last_words[C2_TRC_CREDIT_RESET & 0x1f], 4 * sizeof(*w));
    cr_expect_eq(c2_pcpu(P(f), 0)->idle.credit,
                 compat >= 414 ? -10 * (int64_t)NS_MS - 1 : -(1LL << 30));
    int64_t credit = SV(b)->credit;
    fk_check(f);
    fk_free(f);
    return credit;
}

Test(credit2_credit, no_floor_and_a_reset_multiplier_before_414)
{
    int64_t a_credit;
    uint32_t w[4];

    cr_assert_eq(reset_after_overrun(422, &a_credit, w), 10 * (int64_t)NS_MS);
    cr_assert_eq(reset_after_overrun(414, &a_credit, w), 10 * (int64_t)NS_MS);
    cr_assert_eq(a_credit, 10500 * (int64_t)NS_US);
    cr_assert_eq(w[0], 0x20000u);
    cr_assert_eq(w[1], (uint32_t)(-10 * (int64_t)NS_MS));
    cr_assert_eq(w[2], 10 * NS_MS);
    cr_assert_eq(w[3], 0);
    cr_assert_eq(reset_after_overrun(413, &a_credit, w), 4 * (int64_t)NS_MS);
    cr_assert_eq(a_credit, 10500 * (int64_t)NS_US);
    cr_assert_eq(w[0], 0x20000u);
    cr_assert_eq(w[1], (uint32_t)(-246 * (int64_t)NS_MS));
    cr_assert_eq(w[2], 4 * NS_MS);
    cr_assert_eq(w[3], 25);
    cr_assert_eq(reset_after_overrun(408, &a_credit, w), 4 * (int64_t)NS_MS);
}

/*
 * A reset bills the vCPUs still running from 4.9 (Xen 4fa4f8a3cd; 4.8.1 by
 * backport). Two pCPUs, one runqueue: a runs on pCPU 0 from t = 0 with its
 * credit set to 0, b on pCPU 1. At t = 1 ms pCPU 1 resets (b, with 10 ms
 * unbilled but above -10 ms, makes the multiplier 1). 4.9+: a pays its
 * 1 ms first, -1 + 10 = 9 ms. 4.8: a's start moves to 1 ms unbilled, so
 * 0 + 10 = 10 ms, and the 1 ms it ran is never paid.
 */
static int64_t reset_with_a_vcpu_running(unsigned compat)
{
    struct fk *f = fk_new(H2);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    run_on(f, b, 1);
    SV(a)->credit = 0;
    f->now = 1 * NS_MS;
    c2_reset_credit(P(f), 1, f->now, SV(b));
    cr_assert_eq(SV(a)->start_time, 1 * NS_MS);
    int64_t credit = SV(a)->credit;
    fk_free(f);
    return credit;
}

Test(credit2_credit, a_reset_bills_the_running_from_409)
{
    cr_assert_eq(reset_with_a_vcpu_running(422), 9 * (int64_t)NS_MS);
    cr_assert_eq(reset_with_a_vcpu_running(409), 9 * (int64_t)NS_MS);
    cr_assert_eq(reset_with_a_vcpu_running(408), 10 * (int64_t)NS_MS);
}

/* ======================================================================== */
/* Tickle and soft affinity (facts 3.7)                                      */
/* ======================================================================== */

/*
 * One runqueue over H16 ("all"). Node 1's cores {8,9} {10,11} {12,13} each
 * have one busy thread, core {14,15} is idle; node 0 is idle. A vCPU with
 * soft affinity to node 1 (pCPUs 8-15) wakes with processor 0, an idle pCPU.
 * The soft step looks at the fully idle cores of node 1 first: {14,15}; the
 * next after pCPU 0 is 14. (credit1 would run it on pCPU 0, facts 2.9.)
 */
static unsigned soft_wake(unsigned compat)
{
    struct fk *f = fk_new(H16);
    f->s.params.credit2_runqueue = NS_C2_RUNQ_ALL;
    f->s.params.credit2_compat = compat;
    fk_start(f);
    const unsigned busy[] = {8, 10, 12};
    for (size_t i = 0; i < 3; i++) {
        struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
        set_range(&d->vcpu[0]->hard, busy[i], busy[i]);
        fk_dom_insert(f, d);
        run_on(f, d->vcpu[0], busy[i]);
    }
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
    struct ns_vcpu *v = d->vcpu[0];
    set_range(&v->soft, 8, 15);
    fk_dom_insert(f, d);
    v->processor = 0;
    fk_up(f, v);
    unsigned cpu = f->tickles[f->ntickles - 1];
    fk_settle(f);
    cr_assert_eq(f->curr[cpu], v);
    fk_check(f);
    fk_free(f);
    return cpu;
}

/* Before 4.10 (facts 3.8) soft affinity means nothing: the hard step finds
 * pCPU 0 itself on a fully idle core. */
Test(credit2_tickle, soft_affinity_wake_lands_on_an_idle_core_of_its_node)
{
    cr_assert_eq(soft_wake(422), 14);
    cr_assert_eq(soft_wake(410), 14);
    cr_assert_eq(soft_wake(409), 0);
}

/*
 * migrate_resist (500 us) in tickle: 2 pCPUs, one runqueue, both busy for
 * 2 ms (past the 1 ms ratelimit). The waker's processor is pCPU 1, whose
 * vCPU has 10 ms of credit: no positive score there. pCPU 0's vCPU is set
 * to 5 ms. A waker with 5.4 ms scores 5.4 - 5 - 0.5 < 0 on pCPU 0: nobody
 * is tickled. With 5.6 ms it scores 0.1 ms (plus the soft bonus): pCPU 0.
 */
static unsigned resist_tickles(int64_t waker_credit)
{
    struct fk *f = fk_new(H2);
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *w = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    run_on(f, b, 1);
    f->now = 2 * NS_MS;
    SV(a)->credit = 5 * (int64_t)NS_MS;
    SV(a)->start_time = f->now;
    SV(b)->credit = 10 * (int64_t)NS_MS;
    SV(b)->start_time = f->now;
    SV(w)->credit = waker_credit;
    size_t before = f->ntickles;
    w->processor = 1;
    fk_up(f, w);
    unsigned tickled = f->ntickles > before ? f->tickles[f->ntickles - 1] : ~0u;
    fk_check(f);
    fk_free(f);
    return tickled;
}

Test(credit2_tickle, migrate_resist_in_the_score)
{
    cr_assert_eq(resist_tickles(5400 * (int64_t)NS_US), ~0u);
    cr_assert_eq(resist_tickles(5600 * (int64_t)NS_US), 0);
}

/*
 * The busy step up to 4.9 (RELEASE-4.9.0 sched_credit2.c runq_tickle): no
 * scores, no ratelimit. Two pCPUs, one runqueue, at t = 2 ms (past the
 * ratelimit, nothing left to bill): a on pCPU 0 and c on pCPU 1 with the
 * credits given; the waker w has processor 0. Returns the pCPU tickled
 * (~0u: none) and the TICKLE_CHECK records of the wake, the last one's
 * words in @w.
 */
static unsigned busy_tickle(unsigned compat, int64_t a_cr, int64_t c_cr, int64_t w_cr,
                            unsigned *checks, uint32_t *w)
{
    struct fk *f = fk_new(H2);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *c = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *wk = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    run_on(f, c, 1);
    f->now = 2 * NS_MS;
    SV(a)->credit = a_cr;
    SV(a)->start_time = f->now;
    SV(c)->credit = c_cr;
    SV(c)->start_time = f->now;
    SV(wk)->credit = w_cr;
    size_t before = f->ntickles;
    unsigned nchecks = f->traces[C2_TRC_TICKLE_CHECK & 0x1f];
    wk->processor = 0;
    fk_up(f, wk);
    unsigned tickled = f->ntickles > before ? f->tickles[f->ntickles - 1] : ~0u;
    *checks = f->traces[C2_TRC_TICKLE_CHECK & 0x1f] - nchecks;
    memcpy(w, f->last_words[C2_TRC_TICKLE_CHECK & 0x1f], 3 * sizeof(*w));
    fk_check(f);
    fk_free(f);
    return tickled;
}

/*
 * Own pCPU first: a 5 ms, c 1 ms, w 6 ms. 4.9: a has less credit than w:
 * pCPU 0 at once, nothing else checked. 4.10+: pCPU 0 scores 6 - 5 = 1 ms
 * > 0 and is in w's soft affinity (all): taken at once too. (Scoring 4.9
 * like 4.10 without the soft rule would prefer pCPU 1, 6 - 1 - 0.5 =
 * 4.5 ms.)
 */
Test(credit2_tickle, up_to_409_the_own_pcpu_is_taken_if_it_runs_less_credit)
{
    unsigned checks;
    uint32_t w[3];
    const int64_t ms = NS_MS;

    cr_assert_eq(busy_tickle(422, 5 * ms, 1 * ms, 6 * ms, &checks, w), 0);
    cr_assert_eq(busy_tickle(410, 5 * ms, 1 * ms, 6 * ms, &checks, w), 0);
    cr_assert_eq(busy_tickle(409, 5 * ms, 1 * ms, 6 * ms, &checks, w), 0);
    cr_assert_eq(checks, 0);
    cr_assert_eq(busy_tickle(408, 5 * ms, 1 * ms, 6 * ms, &checks, w), 0);
}

/*
 * The least credit elsewhere, by migrate_resist or more: a 10 ms, c (d2v0,
 * word 0x20000) 5 ms. w at 5.5 ms: 4.9 checks pCPU 1 only (own: 10 >= 5.5),
 * lowest 5 ms and 5 + 0.5 > 5.5 is false: pCPU 1 is tickled; TICKLE_CHECK
 * (c, 5 ms), 2 words. 4.10+: pCPU 0 scores 5.5 - 10 < 0, pCPU 1 5.5 - 5 -
 * 0.5 = 0, not > 0: nobody; two TICKLE_CHECKs, the last (c, 5 ms, 0). w at
 * 6 ms: 4.10+ pCPU 1 scores 0.5 ms + 10 ms (w's soft affinity; c's also
 * holds pCPU 1, no second bonus) = 10.5 ms, the last TICKLE_CHECK's third
 * word; 4.9 has none.
 */
Test(credit2_tickle, up_to_409_the_least_credit_by_migrate_resist_or_more)
{
    unsigned checks;
    uint32_t w[3];
    const int64_t ms = NS_MS, us = NS_US;

    cr_assert_eq(busy_tickle(409, 10 * ms, 5 * ms, 5500 * us, &checks, w), 1);
    cr_assert_eq(checks, 1);
    cr_assert_eq(w[0], 0x20000u);
    cr_assert_eq(w[1], 5 * NS_MS);
    cr_assert_eq(busy_tickle(408, 10 * ms, 5 * ms, 5500 * us, &checks, w), 1);
    cr_assert_eq(busy_tickle(410, 10 * ms, 5 * ms, 5500 * us, &checks, w), ~0u);
    cr_assert_eq(checks, 2);
    cr_assert_eq(busy_tickle(422, 10 * ms, 5 * ms, 5500 * us, &checks, w), ~0u);

    cr_assert_eq(busy_tickle(422, 10 * ms, 5 * ms, 6 * ms, &checks, w), 1);
    cr_assert_eq(w[2], 10500 * NS_US);
    cr_assert_eq(busy_tickle(409, 10 * ms, 5 * ms, 6 * ms, &checks, w), 1);
    cr_assert_eq(w[2], 0);
}

/*
 * No ratelimit in the tickle up to 4.9 (4b6923acff, 4.10): one pCPU, a runs
 * from t = 0 with 1 ms of credit; at 0.5 ms b wakes with 10 ms. 4.10+: a
 * is within its ratelimit (0.5 ms < 1 ms - 50 us): nobody is tickled (see
 * ratelimit_holds_then_lets_go), and a is not even billed. 4.9: a, billed
 * to 1 - 0.5 = 0.5 ms, has less credit than b: its pCPU 0 is tickled (the
 * schedule then keeps a for the ratelimit all the same).
 */
static unsigned tickled_within_ratelimit(unsigned compat)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    SV(a)->credit = 1 * (int64_t)NS_MS;
    f->now = 500 * NS_US;
    size_t before = f->ntickles;
    b->processor = 0;
    fk_up(f, b);
    unsigned tickled = f->ntickles > before ? f->tickles[f->ntickles - 1] : ~0u;
    cr_assert_eq(SV(a)->credit, (compat >= 410 ? 1000 : 500) * (int64_t)NS_US);
    cr_assert_eq(fk_sched(f, 0), a);
    fk_check(f);
    fk_free(f);
    return tickled;
}

Test(credit2_tickle, up_to_409_the_ratelimit_does_not_hold_off_a_tickle)
{
    cr_assert_eq(tickled_within_ratelimit(422), ~0u);
    cr_assert_eq(tickled_within_ratelimit(410), ~0u);
    cr_assert_eq(tickled_within_ratelimit(409), 0);
    cr_assert_eq(tickled_within_ratelimit(408), 0);
}

/*
 * A running vCPU's sleep marks its pCPU tickled from 4.9 (a76645240b, in
 * 4.8.1 by backport); RELEASE-4.8.0's csched2_vcpu_sleep only raises the
 * softirq. H2, one runqueue, t = 0 throughout (nothing burnt): a (5 ms)
 * on pCPU 0, b (10 ms) on pCPU 1. a is paused from pCPU 1, so pCPU 0's
 * schedule is pending; 4.9+ has pCPU 0 in the tickled mask, 4.8.0 not.
 * c (8 ms, processor 0) wakes before pCPU 0 schedules: no pCPU is idle,
 * so the busy step (up to 4.9) takes the busy, untickled pCPUs. 4.8.0:
 * c's own pCPU 0 is one and runs a, 5 ms < 8 ms: pCPU 0 is tickled for c
 * (c reserved for it). 4.9: only pCPU 1, b at 10 ms, 10 + 0.5 > 8: no
 * tickle. (4.22: pCPU 1 scores 8 - 10 - 0.5 < 0: none either.) pCPU 0
 * then runs c in every release.
 */
static int tickled_while_asleep(unsigned compat, bool *marked)
{
    struct fk *f = fk_new(H2);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *c = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    run_on(f, b, 1);
    SV(a)->credit = 5 * (int64_t)NS_MS;
    SV(c)->credit = 8 * (int64_t)NS_MS;
    f->this_cpu = 1;
    fk_set_flag(f, a, NS_VPF_PAUSED);
    *marked = ns_mask_test(&P(f)->rqd[0]->tickled, 0);
    c->processor = 0;
    f->this_cpu = 1;
    fk_clear_flag(f, c, NS_VPF_DOWN);
    int reserved = SV(c)->tickled_cpu;
    fk_settle(f);
    cr_assert_eq(f->curr[0], c);
    fk_check(f);
    fk_free(f);
    return reserved;
}

/*
 * But a block is not a sleep: SCHEDULE's tickled byte (bits 24-31 of its
 * second word) when a vCPU blocks alone on pCPU 0 of H1 is 0 in every
 * release. Xen's vcpu_block (xen/common/schedule.c up to 4.13,
 * sched/core.c from 4.14) sets _VPF_blocked, traces TRC_SCHED_BLOCK and
 * raises SCHEDULE_SOFTIRQ on its own pCPU; it never calls
 * csched2_vcpu_sleep / csched2_unit_sleep, whose tickle_cpu (4.9+) is the
 * only thing that would set pCPU 0's bit in rqd->tickled here. The bit the
 * wake's tickle set when a came up was cleared by the schedule that
 * switched a in (run_on settles it), so csched2_schedule reads 0 and skips
 * the tickled branch. (Our sleep hook used to be called on a block and
 * wrote 1 from 4.9.)
 */
static uint32_t schedule_after_block(unsigned compat)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    fk_block(f, a);
    fk_settle(f);
    cr_assert_null(f->curr[0]);
    uint32_t tickled = f->last_words[C2_TRC_SCHEDULE & 0x1f][1] >> 24;
    fk_free(f);
    return tickled;
}

Test(credit2_tickle, up_to_408_a_sleep_leaves_its_pcpu_untickled)
{
    bool marked;

    cr_assert_eq(tickled_while_asleep(422, &marked), -1);
    cr_assert(marked);
    cr_assert_eq(tickled_while_asleep(409, &marked), -1);
    cr_assert(marked);
    cr_assert_eq(tickled_while_asleep(408, &marked), 0);
    cr_assert_not(marked);
    cr_assert_eq(schedule_after_block(422), 0);
    cr_assert_eq(schedule_after_block(409), 0);
    cr_assert_eq(schedule_after_block(408), 0);
}

/*
 * migrate_resist in the schedule: pCPU 0 runs a (credit 5 ms); b waits in
 * the queue with processor 1. When pCPU 0 schedules, b is taken only if it
 * leads a by more than 500 us: with 5.4 ms it is resisted and a goes on; with
 * 5.6 ms b is pulled over and gets the 50 us migration compensation.
 */
static unsigned resist_pick(int64_t queued_credit, int64_t *credit_after)
{
    struct fk *f = fk_new(H2);
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *c = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    run_on(f, c, 1);
    f->now = 2 * NS_MS;
    SV(a)->credit = 5 * (int64_t)NS_MS;
    SV(a)->start_time = f->now;
    SV(c)->credit = 10 * (int64_t)NS_MS;
    SV(c)->start_time = f->now;
    SV(b)->credit = queued_credit;
    b->processor = 1;
    fk_up(f, b);             /* no tickle: see migrate_resist_in_the_score */
    f->npending = 0;
    struct ns_vcpu *next = fk_sched(f, 0);
    *credit_after = SV(next)->credit;
    unsigned dom = next->dom->id;
    fk_free(f);
    return dom;
}

Test(credit2_schedule, migrate_resist_keeps_a_small_lead_home)
{
    int64_t credit;
    cr_assert_eq(resist_pick(5400 * (int64_t)NS_US, &credit), 1);
    cr_assert_eq(credit, 5 * (int64_t)NS_MS);
    cr_assert_eq(resist_pick(5600 * (int64_t)NS_US, &credit), 3);
    cr_assert_eq(credit, 5650 * (int64_t)NS_US);
}

/*
 * The run time counts the vCPU going back to the queue from 4.21 (Xen
 * ae648e9f80; 4.19.3 and 4.20.2 by backport): one pCPU, a running since
 * t = 0, at t = 2 ms (past the 1 ms ratelimit) with 5 ms of credit and no
 * burn pending (start_time = now); b waits with 8 ms. The schedule takes b
 * (8 > 5, same pCPU: no migrate_resist, no compensation; top credit 8 ms >
 * 0: no reset) and a, still runnable, goes back to the queue after the
 * switch, so the queue is empty when b's run time is worked out. Equal
 * weights: time = credit. 4.21+: swait = max(0, a's 5 ms) and b runs
 * 8 - 5 = 3 ms. 4.20: nobody waits, b runs until its credit is gone:
 * 8 ms (in [500 us, 10 ms]).
 */
static ns_time_t slice_after_preempting(unsigned compat)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    f->now = 2 * NS_MS;
    SV(a)->credit = 5 * (int64_t)NS_MS;
    SV(a)->start_time = f->now;
    SV(b)->credit = 8 * (int64_t)NS_MS;
    b->processor = 0;
    fk_up(f, b);
    f->npending = 0;
    cr_assert_eq(fk_sched(f, 0), b);
    cr_assert(c2_on_runq(SV(a)), "a is not back in the queue");
    ns_time_t slice = f->slice[0];
    fk_check(f);
    fk_free(f);
    return slice;
}

Test(credit2_schedule, run_time_counts_the_preempted_vcpu_from_421)
{
    cr_assert_eq(slice_after_preempting(422), 3 * NS_MS);
    cr_assert_eq(slice_after_preempting(421), 3 * NS_MS);
    cr_assert_eq(slice_after_preempting(420), 8 * NS_MS);
    cr_assert_eq(slice_after_preempting(408), 8 * NS_MS);
}

/*
 * Ratelimit (1000 us): one pCPU, a runs from t = 0 with credit 1 ms. At
 * t = 0.5 ms b wakes with 10 ms: a is within its ratelimit (0.5 ms < 1 ms -
 * 50 us), so the tickle score is -1 and nobody is tickled. A schedule at
 * 0.5 ms keeps a, for max(500 us, 1 ms - 0.5 ms) = 500 us. At 1 ms the
 * ratelimit is over and b, with more credit, takes the pCPU.
 */
Test(credit2_schedule, ratelimit_holds_then_lets_go)
{
    struct fk *f = fk_new(H1);
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    SV(a)->credit = 1 * (int64_t)NS_MS;
    f->now = 500 * NS_US;
    size_t before = f->ntickles;
    b->processor = 0;
    fk_up(f, b);
    cr_assert_eq(f->ntickles, before, "b tickled a pCPU");
    cr_assert_eq(fk_sched(f, 0), a);
    cr_assert_eq(f->slice[0], 500 * NS_US);
    f->now = 1 * NS_MS;
    cr_assert_eq(fk_sched(f, 0), b);
    fk_check(f);
    fk_free(f);
}

/*
 * When the epoch ends (Xen dae7b62e97, 4.14; 4.11.4, 4.12.3 and 4.13.1 by
 * backport), case 1: a vCPU kept for its ratelimit. One pCPU; a runs from
 * t = 0; at t = 0.5 ms its credit is set to 0 (nothing left to bill) and b
 * wakes with 5 ms. The schedule at 0.5 ms keeps a (0.5 ms < 1 ms ratelimit)
 * without a scan. 4.14+: the top credit is max(a's 0, b's 5 ms) > 0: no
 * reset, a keeps 0. 4.8-4.13: nothing was passed over and a has 0 <= 0: a
 * reset, multiplier 1, a = 0 + 10 = 10 ms (b = 5 + 10, clipped to 10.5).
 */
static int64_t reset_on_a_ratelimit_keep(unsigned compat, uint64_t *resets)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    f->now = 500 * NS_US;
    SV(a)->credit = 0;
    SV(a)->start_time = f->now;
    SV(b)->credit = 5 * (int64_t)NS_MS;
    b->processor = 0;
    fk_up(f, b);
    f->npending = 0;
    uint64_t before = P(f)->stats.resets;
    cr_assert_eq(fk_sched(f, 0), a);
    *resets = P(f)->stats.resets - before;
    int64_t credit = SV(a)->credit;
    fk_check(f);
    fk_free(f);
    return credit;
}

Test(credit2_schedule, a_ratelimit_keep_ends_the_epoch_on_its_credit_before_414)
{
    uint64_t resets;
    cr_assert_eq(reset_on_a_ratelimit_keep(422, &resets), 0);
    cr_assert_eq(resets, 0);
    cr_assert_eq(reset_on_a_ratelimit_keep(414, &resets), 0);
    cr_assert_eq(resets, 0);
    cr_assert_eq(reset_on_a_ratelimit_keep(413, &resets), 10 * (int64_t)NS_MS);
    cr_assert_eq(resets, 1);
    cr_assert_eq(reset_on_a_ratelimit_keep(408, &resets), 10 * (int64_t)NS_MS);
    cr_assert_eq(resets, 1);
}

/*
 * Case 2: a vCPU passed over. Two pCPUs, one runqueue, at t = 2 ms (past
 * the ratelimit, nothing left to bill): pCPU 0 runs a (-2 ms), pCPU 1 runs
 * d (5 ms). c, pinned to pCPU 1, waits with -1 ms (its wake tickled
 * nobody: d leads it); b, on pCPU 0, waits with -1.5 ms. Queue: c, b.
 * pCPU 0 schedules: c leads a but may not run here (passed over, one
 * skipped); b leads a (-1.5 > -2), same pCPU, taken. 4.14+: top credit =
 * max(b's -1.5, head c's -1) = -1 ms <= 0: reset, multiplier 1, b = -1.5 +
 * 10 = 8.5 ms. 4.8-4.13: a vCPU was skipped: no reset, b stays -1.5 ms.
 */
static struct fk *pinned_head(unsigned compat)
{
    struct fk *f = fk_new(H2);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *d = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_domain *cd = fk_dom_new(f, 256, 0, 1);
    set_range(&cd->vcpu[0]->hard, 1, 1);
    fk_dom_insert(f, cd);
    struct ns_vcpu *c = cd->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    run_on(f, d, 1);
    f->now = 2 * NS_MS;
    SV(a)->credit = -2 * (int64_t)NS_MS;
    SV(a)->start_time = f->now;
    SV(d)->credit = 5 * (int64_t)NS_MS;
    SV(d)->start_time = f->now;
    SV(c)->credit = -1 * (int64_t)NS_MS;
    SV(b)->credit = -1500 * (int64_t)NS_US;
    c->processor = 1;
    fk_up(f, c);
    b->processor = 0;
    fk_up(f, b);
    f->npending = 0;
    cr_assert_eq(c2_runq_elem(P(f)->rqd[0]->runq.next), SV(c));
    return f;
}

static int64_t reset_past_a_pinned_head(unsigned compat, uint64_t *resets)
{
    struct fk *f = pinned_head(compat);
    struct ns_vcpu *b = &f->vcpu[3];
    uint64_t before = P(f)->stats.resets;
    cr_assert_eq(fk_sched(f, 0), b);
    *resets = P(f)->stats.resets - before;
    int64_t credit = SV(b)->credit;
    fk_check(f);
    fk_free(f);
    return credit;
}

Test(credit2_schedule, a_vcpu_passed_over_defers_the_reset_before_414)
{
    uint64_t resets;
    cr_assert_eq(reset_past_a_pinned_head(422, &resets), 8500 * (int64_t)NS_US);
    cr_assert_eq(resets, 1);
    cr_assert_eq(reset_past_a_pinned_head(414, &resets), 8500 * (int64_t)NS_US);
    cr_assert_eq(resets, 1);
    cr_assert_eq(reset_past_a_pinned_head(413, &resets), -1500 * (int64_t)NS_US);
    cr_assert_eq(resets, 0);
    cr_assert_eq(reset_past_a_pinned_head(408, &resets), -1500 * (int64_t)NS_US);
    cr_assert_eq(resets, 0);
}

/*
 * Yield (facts 3.7): one pCPU, a runs with 9 ms of credit, b waits with 5 ms.
 * At 0.5 ms a schedule keeps a (ratelimit, and a leads anyway); after a
 * yield the ratelimit does not hold and the scan does not stop at lower
 * credit: b runs.
 */
Test(credit2_schedule, yield_passes_the_ratelimit_and_lower_credit)
{
    struct fk *f = fk_new(H1);
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    SV(a)->credit = 9 * (int64_t)NS_MS;
    SV(b)->credit = 5 * (int64_t)NS_MS;
    b->processor = 0;
    fk_up(f, b);
    f->npending = 0;
    f->now = 500 * NS_US;
    cr_assert_eq(fk_sched(f, 0), a);
    f->s.ops->yield(&f->s, a);
    cr_assert_eq(fk_sched(f, 0), b);
    fk_check(f);
    fk_free(f);
}

/* ======================================================================== */
/* Load balancing (facts 3.4, 3.6)                                           */
/* ======================================================================== */

static unsigned assigned(struct c2_rqd *rqd)
{
    unsigned n = 0;
    for (struct cs_list *it = rqd->svc.next; it != &rqd->svc; it = it->next)
        n++;
    return n;
}

/* vCPUs running on node 1 (pCPUs 8-15) of H16. */
static unsigned running_on_node1(const struct fk *f)
{
    unsigned n = 0;
    for (unsigned cpu = 8; cpu < 16; cpu++)
        n += f->curr[cpu] != NULL;
    return n;
}

/*
 * H16 by socket: runqueues 0-7 and 8-15. Three always-busy vCPUs hard-pinned
 * to node 0 at creation, then unpinned. Insert's res_pick rotates runqueue
 * 0's pick_bias from 0: processors 1, 2, 3. The wake tickles a pCPU of a
 * fully idle core, its own if it is one: 1 (core {0,1}), 2 (core {2,3}),
 * then for processor 3 (core {2,3} busy) the next fully idle one, 4. Runqueue 0's b_avgload is 3 x 0.5 (the starting
 * load of each vCPU, added at assignment) and moves toward 3 by only ~1 % in
 * 10 ms (10 ms is 9,766 of the 2^20 units of the window): about 1.51 vCPUs.
 * Runqueue 1's is 0. Both below full load (8 pCPUs), so the difference must
 * reach 1.0: it does. Pushing one vCPU (~0.5) leaves 1.0 against 0.5, the
 * best of the moves (no swap or pull: runqueue 1 is empty). The first reset
 * comes at 10 ms, when each vCPU's 10 ms of credit is gone: one vCPU moves
 * to runqueue 1 and runs there; the other two stay.
 */
Test(credit2_balance, three_busy_vcpus_push_one_to_the_idle_runqueue)
{
    struct fk *f = fk_new(H16);
    fk_start(f);
    struct ns_vcpu *v[3];
    for (int i = 0; i < 3; i++) {
        struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
        set_range(&d->vcpu[0]->hard, 0, 7);
        fk_dom_insert(f, d);
        v[i] = d->vcpu[0];
        ns_mask_fill(&v[i]->hard);
        fk_up(f, v[i]);
        fk_settle(f);
    }
    cr_assert_eq(f->curr[1], v[0]);
    cr_assert_eq(f->curr[2], v[1]);
    cr_assert_eq(f->curr[4], v[2]);
    fk_play(f, 9 * NS_MS);
    cr_assert_eq(assigned(P(f)->rqd[0]), 3);
    cr_assert_eq(P(f)->stats.balances, 0);

    fk_play(f, 11 * NS_MS);
    cr_assert_eq(P(f)->stats.pushes, 1);
    cr_assert_eq(assigned(P(f)->rqd[0]), 2);
    cr_assert_eq(assigned(P(f)->rqd[1]), 1);
    cr_assert_eq(running_on_node1(f), 1);
    fk_check(f);
    fk_free(f);
}

/*
 * res_pick with soft affinity (credit2.c, 4.10 to 4.22): H16 by socket, a
 * vCPU soft-affine to node 1, runqueue 0 at load 0 and runqueue 1 at 4
 * vCPUs (3.5 or more without the vCPU's own 0.5). The overall minimum is 0,
 * the soft minimum 1, whose pCPUs 8-15 it takes. But Xen cycles from, and
 * moves, runqueue 0's pick_bias (3): pCPU 8, not 13 after runqueue 1's 12,
 * and PICKED_CPU names runqueue 0 and its load 0. Asked to migrate to
 * runqueue 1 instead, it cycles runqueue 1's bias (12 -> 13) and records no
 * runqueue (0xffff) and MAX_LOAD.
 */
Test(credit2_pick, soft_minimum_cycles_the_overall_minimums_bias)
{
    struct fk *f = fk_new(H16);
    fk_start(f);
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
    set_range(&d->vcpu[0]->soft, 8, 15);
    fk_dom_insert(f, d);
    struct c2_vcpu *svc = SV(d->vcpu[0]);
    const int64_t one = 1 << C2_LOAD_PRECISION_SHIFT;

    P(f)->rqd[0]->b_avgload = 0;
    P(f)->rqd[1]->b_avgload = 4 * one;
    P(f)->rqd[0]->pick_bias = 3;
    P(f)->rqd[1]->pick_bias = 12;
    cr_assert_eq(c2_res_pick(P(f), svc), 8);
    cr_expect_eq(P(f)->rqd[0]->pick_bias, 8);
    cr_expect_eq(P(f)->rqd[1]->pick_bias, 12);
    const uint32_t *w = f->last_words[C2_TRC_PICKED_CPU & 0x1f];
    cr_expect_eq(w[0], 0);
    cr_expect_eq(w[1], 0);
    cr_expect_eq(w[3], 0 | (8u << 16));

    svc->flags |= C2_FLAG_MIGRATE_REQ;
    svc->migrate_rqd = P(f)->rqd[1];
    cr_assert_eq(c2_res_pick(P(f), svc), 13);
    cr_expect_eq(P(f)->rqd[1]->pick_bias, 13);
    cr_expect_eq(w[0], 0xffffffffu);
    cr_expect_eq(w[1], 0x7fffffffu);
    cr_expect_eq(w[3], 0xffffu | (13u << 16));
    fk_free(f);
}

/*
 * The pCPU res_pick names inside the runqueue it chose, and the one Xen's
 * migrate() gives a vCPU that changes runqueue (RELEASE-4.8.0 and 4.9.0,
 * csched2_cpu_pick and migrate()). H16 by socket; the vCPU sits in
 * runqueue 0 (insert put it there); runqueue 0 at load 0, runqueue 1 at 4
 * vCPUs; runqueue 0's pick_bias 3, runqueue 1's 8 (its first pCPU).
 * get_random() returns 13, then 21, then 3.
 * 4.8: runqueue 0 wins, pCPUs 0-7 allowed: cpumask_any() takes member
 * 13 % 8 = 5 (from 0): pCPU 5; no pick_bias read or moved. PICKED_CPU:
 * load 0, runqueue 0, pCPU 5. A migrate request to runqueue 1 and the
 * core's move: res_pick takes member 21 % 8 = 5 of 8-15, pCPU 13 (no
 * runqueue, MAX_LOAD); that is another runqueue, so migrate() moves the
 * vCPU and draws again, 3 % 8 = 3: pCPU 11. Three draws.
 * 4.9 (6348214c5d): the pick cycles from 3 to pCPU 4 and moves the bias
 * there; the request cycles runqueue 1's bias 8 -> 9 (PICKED_CPU names
 * 9), migrate() 9 -> 10. No draws.
 */
static unsigned pick_then_move(unsigned compat, unsigned *first, uint32_t *w1, uint32_t *w2)
{
    struct fk *f = fk_new(H16);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *v = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct c2_vcpu *svc = SV(v);
    const uint32_t *w = f->last_words[C2_TRC_PICKED_CPU & 0x1f];

    cr_assert_eq(svc->rqd, P(f)->rqd[0]);
    P(f)->rqd[0]->b_avgload = 0;
    P(f)->rqd[1]->b_avgload = 4 << C2_LOAD_PRECISION_SHIFT;
    P(f)->rqd[0]->pick_bias = 3;
    cr_assert_eq(P(f)->rqd[1]->pick_bias, 8);
    memcpy(f->random, (uint64_t[]){13, 21, 3}, 3 * sizeof(uint64_t));
    f->randoms = 0;
    *first = c2_res_pick(P(f), svc);
    cr_expect_eq(P(f)->rqd[0]->pick_bias, compat >= 409 ? *first : 3);
    memcpy(w1, w, 4 * sizeof(*w));
    svc->flags |= C2_FLAG_MIGRATE_REQ;
    svc->migrate_rqd = P(f)->rqd[1];
    unsigned cpu = f->s.ops->pick_cpu(&f->s, v);
    memcpy(w2, w, 4 * sizeof(*w));
    cr_expect_eq(svc->rqd, P(f)->rqd[1]);
    cr_expect_eq(f->randoms, compat >= 409 ? 0 : 3);
    fk_free(f);
    return cpu;
}

Test(credit2_pick, up_to_408_the_pcpu_is_any_member_not_the_next_after_the_bias)
{
    unsigned first;
    uint32_t w1[4], w2[4];

    cr_assert_eq(pick_then_move(408, &first, w1, w2), 11);
    cr_assert_eq(first, 5);
    cr_assert_eq(w1[0], 0);
    cr_assert_eq(w1[3], 0 | (5u << 16));
    cr_assert_eq(w2[0], 0xffffffffu);
    cr_assert_eq(w2[1], 0x7fffffffu);
    cr_assert_eq(w2[3], 0xffffu | (13u << 16));

    cr_assert_eq(pick_then_move(409, &first, w1, w2), 10);
    cr_assert_eq(first, 4);
    cr_assert_eq(w1[3], 0 | (4u << 16));
    cr_assert_eq(w2[3], 0xffffu | (9u << 16));
}

/*
 * Balancing moves a vCPU off its soft affinity, and nothing brings it back:
 * Xen's unit_is_migrateable checks hard affinity only, and a vCPU changes
 * runqueue only through res_pick on a forced move, never on a wake-up or a
 * preemption (RELEASE-4.22.0). The test above with the three vCPUs
 * soft-affine to node 0 instead of pinned there: res_pick puts them on
 * runqueue 0, the only one with soft-affine pCPUs, and the push at 10 ms
 * sends one to node 1 all the same. 200 ms later it still runs there, with
 * node 0 half idle: 2 against 1 vCPU is a whole vCPU apart, but moving one
 * more would give 1 against 2, no better, so balancing leaves it.
 */
Test(credit2_balance, a_push_ignores_soft_affinity_and_nothing_undoes_it)
{
    struct fk *f = fk_new(H16);
    fk_start(f);
    for (int i = 0; i < 3; i++) {
        struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
        set_range(&d->vcpu[0]->soft, 0, 7);
        fk_dom_insert(f, d);
        fk_up(f, d->vcpu[0]);
        fk_settle(f);
    }
    fk_play(f, 11 * NS_MS);
    cr_assert_eq(P(f)->stats.pushes, 1);
    fk_play(f, 211 * NS_MS);
    cr_assert_eq(P(f)->stats.pushes, 1);
    cr_assert_eq(running_on_node1(f), 1);
    fk_check(f);
    fk_free(f);
}

/*
 * The balancing threshold, QUIRK credit2_balance_last (facts 3.6): three
 * runqueues of 2 pCPUs; ours (0) at 1.5 vCPUs of load, runqueue 1 at 2.2,
 * runqueue 2 at 1.5. The furthest is 1 (0.7 apart). Xen takes "the other"
 * load for the threshold from the last runqueue iterated, 2: max(1.5, 1.5)
 * is under the 2 pCPUs, so the difference must reach a whole vCPU: 0.7 does
 * not, no balancing. With the fix, runqueue 1's 2.2 is at or over capacity,
 * so an eighth suffices: balancing runs.
 */
static uint64_t balances(unsigned fixes)
{
    struct fk *f = fk_new("pack:3 core:2 pu:1");
    f->s.params.quirk_fixes = fixes;
    fk_start(f);
    const int64_t one = 1 << C2_LOAD_PRECISION_SHIFT;
    const int64_t load[3] = {one * 15 / 10, one * 22 / 10, one * 15 / 10};
    cr_assert_eq(P(f)->nr_rqd, 3);
    for (int i = 0; i < 3; i++) {
        P(f)->rqd[i]->b_avgload = load[i];
        P(f)->rqd[i]->load_last_update = 0;
    }
    c2_balance_load(P(f), 0, 0);
    uint64_t n = P(f)->stats.balances;
    fk_free(f);
    return n;
}

Test(credit2_balance, threshold_reads_the_last_runqueue)
{
    cr_assert_eq(balances(0), 0);
    cr_assert_eq(balances(NS_QUIRK_C2_BALANCE_LAST), 1);
}

/*
 * The same QUIRK when ours is the last runqueue: Xen's loop sets "the
 * other" before skipping its own runqueue, so the last one iterated is ours
 * (RELEASE-4.8.0 sched_credit2.c:1775-1778, RELEASE-4.22.0
 * sched/credit2.c:2733-2736). Two runqueues of 2 pCPUs (0-1 and 2-3);
 * runqueue 0 at 2.2 vCPUs, ours (1, balancing from pCPU 2) at 1.5. The
 * furthest is 0, 0.7 apart. Xen: load_max = max(1.5, 1.5) = 1.5 < 2 pCPUs,
 * so a whole vCPU is needed: 0.7 is not, no balancing; LOAD_CHECK names
 * runqueue 1 on both sides (1 | 1 << 16) with the difference 0.7 x 2^18 =
 * 183500 (the loads are 393216 and 576716). With the fix, max(1.5, 2.2) is
 * at or over capacity: an eighth suffices, one balancing, LOAD_CHECK names
 * runqueue 0 as the other (1 | 0 << 16).
 */
static uint64_t balances_from_the_last(unsigned fixes, uint32_t *ids)
{
    struct fk *f = fk_new("pack:2 core:2 pu:1");
    f->s.params.quirk_fixes = fixes;
    fk_start(f);
    const int64_t one = 1 << C2_LOAD_PRECISION_SHIFT;
    cr_assert_eq(P(f)->nr_rqd, 2);
    cr_assert_eq(c2_rqd_of(P(f), 2), P(f)->rqd[1]);
    P(f)->rqd[0]->b_avgload = one * 22 / 10;
    P(f)->rqd[1]->b_avgload = one * 15 / 10;
    for (int i = 0; i < 2; i++)
        P(f)->rqd[i]->load_last_update = 0;
    c2_balance_load(P(f), 2, 0);
    const uint32_t *w = f->last_words[C2_TRC_LOAD_CHECK & 0x1f];
    cr_expect_eq(w[1], 183500);
    *ids = w[0];
    uint64_t n = P(f)->stats.balances;
    fk_free(f);
    return n;
}

Test(credit2_balance, threshold_reads_our_own_runqueue_when_it_is_last)
{
    uint32_t ids;
    cr_assert_eq(balances_from_the_last(0, &ids), 0);
    cr_assert_eq(ids, 1u | (1u << 16));
    cr_assert_eq(balances_from_the_last(NS_QUIRK_C2_BALANCE_LAST, &ids), 1);
    cr_assert_eq(ids, 1u | (0u << 16));
}

/*
 * The balancing pCPU still counts as idle up to 4.11: csched2_schedule of
 * RELEASE-4.8.0 to 4.11.0 clears it from the idle masks after reset and
 * balance_load; a9400d630b (4.12, not backported) before. Two sockets of
 * two one-thread cores by socket: runqueue 0 = pCPUs 0-1, 1 = 2-3.
 * b0..b3 (one domain) are created pinned to 2-3, so they join runqueue 1
 * in that order, then unpinned; insert's pick cycles runqueue 1's bias
 * from 2: b0 on 3, b1 on 2, b2 on 3, b3 on 2. b1 and b2 come up and run
 * on 2 and 3; b0 and b3 come up and wait (equal credit: a busy score of
 * 0, less migrate_resist off its own pCPU, tickles nobody). a joins
 * runqueue 0 (load 0 < 2.0; bias 0 -> 1) and comes up on pCPU 0 with no
 * credit left: pCPU 0, idle, is tickled and schedules it; nobody passed
 * over and credit 0: the epoch is over, the reset gives a 10 ms. Balance
 * at t = 0, where no average has moved: runqueue 0's b_avgload is a's
 * 0.5, runqueue 1's 4 x 0.5 = 2.0, which is full load for 2 pCPUs, so a
 * difference of 1/8 suffices: 1.5 does. Swapping a with a b leaves 0.5
 * vs 2.0 (no better than 1.5), pushing a 0 vs 2.5, pulling a b 1.0 vs
 * 1.5: pull the first of runqueue 1's list, b0, which waits. It lands on
 * the pCPU after runqueue 0's bias 1, pCPU 0, and is tickled. Fully idle
 * untickled cores, own pCPU first: 4.12: pCPU 1 only, which is tickled
 * and runs b0. 4.11: pCPUs 0 and 1, so pCPU 0 itself is tickled; it
 * schedules again, keeps a (ratelimit 1 ms, a ran 0 ns), and b0 waits
 * while pCPU 1 idles. Returns whether b0 runs on pCPU 1.
 */
static bool balanced_while_idle(unsigned compat)
{
    struct fk *f = fk_new("pack:2 core:2 pu:1");
    f->s.params.credit2_compat = compat;
    fk_start(f);
    cr_assert_str_eq(rqds(f), "0-1 2-3");
    struct ns_domain *d = fk_dom_new(f, 256, 0, 4);
    for (int i = 0; i < 4; i++)
        set_range(&d->vcpu[i]->hard, 2, 3);
    fk_dom_insert(f, d);
    struct ns_vcpu *b0 = d->vcpu[0];
    for (int i = 0; i < 4; i++)
        ns_mask_fill(&d->vcpu[i]->hard);
    run_on(f, d->vcpu[1], 2);
    run_on(f, d->vcpu[2], 3);
    fk_up(f, d->vcpu[0]);
    fk_up(f, d->vcpu[3]);
    fk_settle(f);
    cr_assert(c2_on_runq(SV(b0)));
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    cr_assert_eq(SV(a)->rqd, P(f)->rqd[0]);
    SV(a)->credit = 0;
    run_on(f, a, 0);
    cr_assert_eq(P(f)->stats.pulls, 1);
    cr_assert_eq(SV(b0)->rqd, P(f)->rqd[0]);
    bool on1 = f->curr[1] == b0;
    cr_assert(on1 || (f->curr[1] == NULL && c2_on_runq(SV(b0))));
    fk_check(f);
    fk_free(f);
    return on1;
}

Test(credit2_balance, up_to_411_a_pulled_vcpu_is_tickled_onto_the_balancing_pcpu)
{
    cr_assert(balanced_while_idle(422));
    cr_assert(balanced_while_idle(412));
    cr_assert_not(balanced_while_idle(411));
    cr_assert_not(balanced_while_idle(408));
}

/*
 * Balancing pushes the vCPU its pCPU has just chosen (Xen's migrate(),
 * "running" branch, RELEASE-4.8.0 sched_credit2.c:1699, 4.9.0 :1844, 4.22.0
 * sched/credit2.c:2646; core: context_saved -> vcpu_migrate /
 * sched_unit_migrate_finish, the only place the flag is acted on). Two
 * sockets of two one-thread cores by socket: runqueue 0 = pCPUs 0-1,
 * 1 = 2-3. a and c, pinned to 0-1, run on 0 and 1; b, created pinned to
 * 0-1 (so it joins runqueue 0) and then unpinned, wakes at t = 2 ms with
 * processor 1 and no credit. a has -1 ms: b leads it by 1 ms, less 500 us
 * off its own pCPU, a score of 500 us (4.10+; up to 4.9 it leads the least
 * credit by migrate_resist or more), c has 10 ms: pCPU 0 is tickled.
 * pCPU 0 schedules: a ran 2 ms (past the 1 ms ratelimit), b leads it by
 * more than migrate_resist, so b is chosen and flagged scheduled; the top
 * credit is b's 0: reset and balance. Runqueue 0 holds 3 x 0.5 vCPUs of
 * load (the start of each, barely moved in 2 ms), runqueue 1 none: both
 * under their 2 pCPUs, a difference of 1.5 >= 1.0 balances, and b, the only
 * vCPU allowed outside 0-1, is pushed (1.0 against 0.5). b is scheduled
 * and its processor is still 1: Xen flags it _VPF_migrating and tickles
 * pCPU 1 (from 4.9 marking it tickled; 4.8.0 only raises the softirq), not
 * pCPU 0. So b is switched in on pCPU 0 (+50 us for changing pCPU) and
 * runs, flag and all, while pCPU 1 reschedules for nothing (c keeps it:
 * 10.5 ms after the reset against a's 9 ms). From 4.21 b's slice is its
 * lead over a, back in the queue: 10.05 - 9 = 1.05 ms, over the 1 ms
 * ratelimit. Only when pCPU 0 next
 * schedules, at the end of b's slice, is b switched out, res_pick honours
 * the request, and b wakes in runqueue 1 on an idle pCPU there. Before,
 * numasched rescheduled pCPU 0 at once and moved b straight away.
 */
static void chosen_then_pushed(unsigned compat)
{
    struct fk *f = fk_new("pack:2 core:2 pu:1");
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *v[3];
    for (int i = 0; i < 3; i++) {
        struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
        set_range(&d->vcpu[0]->hard, 0, 1);
        fk_dom_insert(f, d);
        v[i] = d->vcpu[0];
        cr_assert_eq(SV(v[i])->rqd, P(f)->rqd[0]);
    }
    struct ns_vcpu *a = v[0], *c = v[1], *b = v[2];
    ns_mask_fill(&b->hard);
    run_on(f, a, 0);
    run_on(f, c, 1);
    f->now = 2 * NS_MS;
    SV(a)->credit = -(int64_t)NS_MS;
    SV(a)->start_time = f->now;
    SV(c)->credit = 10 * (int64_t)NS_MS;
    SV(c)->start_time = f->now;
    SV(b)->credit = 0;
    b->processor = 1;
    fk_up(f, b);
    cr_assert_eq(f->npending, 1);
    cr_assert_eq(f->pending[0], 0);
    size_t tickles = f->ntickles;

    cr_assert_eq(fk_sched(f, 0), b);
    cr_assert_eq(P(f)->stats.pushes, 1);
    cr_assert(b->pause_flags & NS_VPF_MIGRATING);
    cr_assert(SV(b)->flags & C2_FLAG_MIGRATE_REQ);
    cr_assert_eq(SV(b)->migrate_rqd, P(f)->rqd[1]);
    cr_assert_eq(SV(b)->rqd, P(f)->rqd[0]);
    cr_assert_eq(b->processor, 0);
    cr_assert_eq(SV(b)->credit, 10 * (int64_t)NS_MS + 50 * (int64_t)NS_US);
    cr_assert_eq(f->ntickles, tickles + 1);
    cr_assert_eq(f->tickles[tickles], 1);
    cr_assert_eq(f->npending, 1);
    cr_assert_eq(f->pending[0], 1);
    cr_assert_eq(ns_mask_test(&P(f)->rqd[0]->tickled, 1), compat >= 409);
    cr_assert_not(ns_mask_test(&P(f)->rqd[0]->tickled, 0));
    fk_check(f);

    fk_settle(f);
    cr_assert_eq(f->curr[0], b);
    cr_assert_eq(f->curr[1], c);
    cr_assert(b->pause_flags & NS_VPF_MIGRATING);
    cr_assert(f->expires[0] > f->now);
    if (compat >= 421)   /* b's 10.05 ms over a's 9 ms, waiting again (4.21+) */
        cr_assert_eq(f->slice[0], 1050 * (int64_t)NS_US);

    f->now = f->expires[0];
    fk_sched(f, 0);
    fk_settle(f);
    cr_assert_eq(f->curr[0], a);
    cr_assert_eq(SV(b)->rqd, P(f)->rqd[1]);
    cr_assert_eq(b->pause_flags, 0);
    cr_assert(f->curr[2] == b || f->curr[3] == b);
    fk_check(f);
    fk_free(f);
}

Test(credit2_balance, a_pushed_vcpu_just_chosen_runs_until_its_pcpu_next_schedules)
{
    chosen_then_pushed(422);
    chosen_then_pushed(409);
    chosen_then_pushed(408);
}

/*
 * migrate() on a running vCPU, as Xen's (sched_credit2.c 4.8.0 to
 * sched/credit2.c 4.22): flag _VPF_migrating and the request, then poke
 * the vCPU's pCPU itself, tickle_cpu from 4.9, cpu_raise_softirq in 4.8.0.
 * The core's part is the flag only: no sleep hook (which would poke the pCPU
 * a second time). Two runqueues (one per socket), a running on pCPU 0 of
 * runqueue 0, sent to runqueue 1 at t = 0: its pCPU 0 has a schedule
 * request, is marked tickled from 4.9 (not in 4.8.0), and credit2 counts
 * exactly one tickle for it from 4.9 (none in 4.8.0); a sleep hook run on
 * top would have made that two. When pCPU 0 schedules, a leaves it and
 * res_pick honours the request: a runs on pCPU 2 or 3, runqueue 1.
 */
static void running_then_pushed(unsigned compat)
{
    struct fk *f = fk_new("pack:2 core:2 pu:1");
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    cr_assert_eq(SV(a)->rqd, P(f)->rqd[0]);
    cr_assert_eq(f->npending, 0);
    uint64_t tickles = P(f)->stats.tickles;

    c2_migrate(P(f), SV(a), P(f)->rqd[1], f->now);
    cr_assert_eq(f->migrates, 1);
    cr_assert(a->pause_flags & NS_VPF_MIGRATING);
    cr_assert(SV(a)->flags & C2_FLAG_MIGRATE_REQ);
    cr_assert_eq(f->npending, 1);
    cr_assert_eq(f->pending[0], 0);
    cr_assert_eq(ns_mask_test(&P(f)->rqd[0]->tickled, 0), compat >= 409);
    cr_assert_eq(P(f)->stats.tickles, tickles + (compat >= 409));

    fk_settle(f);
    cr_assert_null(f->curr[0]);
    cr_assert_eq(SV(a)->rqd, P(f)->rqd[1]);
    cr_assert(f->curr[2] == a || f->curr[3] == a);
    cr_assert_eq(a->pause_flags, 0);
    fk_check(f);
    fk_free(f);
}

Test(credit2_balance, a_running_vcpu_pushed_pokes_its_pcpu_itself)
{
    running_then_pushed(422);
    running_then_pushed(409);
    running_then_pushed(408);
}

/*
 * Load average arithmetic (facts 3.4): a runqueue at load 2 with average 0
 * for half a window (2^19 units of 1024 ns) gets avg = 0 + 2^19 x (2 << 18)
 * / 2^20 - 0 = 1 << 18, i.e. 1.0 vCPU; after more than a whole window
 * without an update it is simply the load.
 */
Test(credit2_load, ewma_over_the_window)
{
    struct fk *f = fk_new(H2);
    fk_start(f);
    struct c2_rqd *rqd = P(f)->rqd[0];
    rqd->load = 2;
    rqd->avgload = rqd->b_avgload = 0;
    rqd->load_last_update = 0;
    c2_update_runq_load(P(f), rqd, 0, (ns_time_t)1 << 29);
    cr_assert_eq(rqd->avgload, 1 << 18);
    c2_update_runq_load(P(f), rqd, -1, ((ns_time_t)1 << 29) + ((ns_time_t)1 << 31));
    cr_assert_eq(rqd->avgload, 2 << 18);
    cr_assert_eq(rqd->load, 1);
    fk_free(f);
}

/*
 * A vCPU that keeps running gets its load refreshed from 4.16 (Xen
 * 89052b9fa2; 4.13.4, 4.14.3 and 4.15.1 by backport). One pCPU, a alone:
 * its wake at t = 0 leaves its average at the starting 0.5 (1 << 17) and
 * its last update at 0. At t = 2^26 ns = 2^16 units of 1024 ns (credit set
 * to 5 ms, nothing to burn: no reset, no balancing) a schedule keeps a.
 * 4.16+: delta = 2^16, a runnable, so avg = 2^17 + 2^16 x 2^18 / 2^20 -
 * 2^16 x 2^17 / 2^20 = 131072 + 16384 - 8192 = 139264, last update 2^16
 * for a and its runqueue. 4.15: untouched, 131072 and 0.
 */
static int64_t load_kept_running(unsigned compat, int64_t *svc_last, int64_t *rqd_last)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    cr_assert_eq(SV(a)->avgload, 1 << 17);
    cr_assert_eq(SV(a)->load_last_update, 0);
    f->now = (ns_time_t)1 << 26;
    SV(a)->credit = 5 * (int64_t)NS_MS;
    SV(a)->start_time = f->now;
    f->npending = 0;
    cr_assert_eq(fk_sched(f, 0), a);
    int64_t avg = SV(a)->avgload;
    *svc_last = SV(a)->load_last_update;
    *rqd_last = P(f)->rqd[0]->load_last_update;
    fk_check(f);
    fk_free(f);
    return avg;
}

Test(credit2_load, a_vcpu_kept_running_is_refreshed_from_416)
{
    int64_t svc_last, rqd_last;
    cr_assert_eq(load_kept_running(422, &svc_last, &rqd_last), 139264);
    cr_assert_eq(svc_last, 1 << 16);
    cr_assert_eq(rqd_last, 1 << 16);
    cr_assert_eq(load_kept_running(416, &svc_last, &rqd_last), 139264);
    cr_assert_eq(load_kept_running(415, &svc_last, &rqd_last), 131072);
    cr_assert_eq(svc_last, 0);
    cr_assert_eq(rqd_last, 0);
}

/* ======================================================================== */
/* Trace payloads per release (facts/xentrace.md 3.4, docs/traces.md)        */
/* ======================================================================== */

/*
 * RUNQ_CANDIDATE and RUNQ_CAND_CHECK of the schedule in
 * a_vcpu_passed_over_defers_the_reset_before_414: the scan looks at c
 * (passed over, skipped 1) and b, and picks b (d4v0, word 0x40000), whose
 * wake tickled pCPU 0, with -1.5 ms (the record comes before any reset).
 * 4.14+: (b, 0, -1500000). 4.9-4.13: (b, 0, 1, -1500000). 4.8: (b, 0, 1),
 * and no RUNQ_CAND_CHECK, which 4.9 introduced (2 records from 4.9).
 */
static unsigned candidate_record(unsigned compat, uint32_t *w)
{
    struct fk *f = pinned_head(compat);
    unsigned checks = f->traces[C2_TRC_RUNQ_CAND_CHECK & 0x1f];
    cr_assert_eq(fk_sched(f, 0), &f->vcpu[3]);
    checks = f->traces[C2_TRC_RUNQ_CAND_CHECK & 0x1f] - checks;
    memcpy(w, f->last_words[C2_TRC_RUNQ_CANDIDATE & 0x1f], 4 * sizeof(*w));
    fk_free(f);
    return checks;
}

Test(credit2_trace, runq_candidate_and_cand_check_per_release)
{
    const uint32_t credit = (uint32_t)(-1500 * (int64_t)NS_US);
    static const unsigned versions[] = {422, 414, 413, 409, 408};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        unsigned v = versions[i];
        uint32_t w[4];
        unsigned checks = candidate_record(v, w);
        uint32_t expect[4] = {0x40000u, 0, credit, 0};
        if (v < 414) {
            expect[2] = 1;
            expect[3] = v >= 409 ? credit : 0;
        }
        cr_assert_eq(checks, v >= 409 ? 2 : 0, "4.%u: %u RUNQ_CAND_CHECK", v - 400, checks);
        for (int k = 0; k < 4; k++)
            cr_assert_eq(w[k], expect[k], "4.%u word %d: %#x, expected %#x", v - 400, k, w[k],
                         expect[k]);
    }
}

/*
 * CREDIT_BURN: a (d1v0) runs from t = 0 with 10 ms; billed at t = 1 ms it
 * has 9 ms. 4.10+: (a, 9 ms, INT_MIN for no cap, 1 ms); 4.8-4.9, before
 * caps: (a, 9 ms, 1 ms).
 */
static void burn_record(unsigned compat, uint32_t *w)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    run_on(f, a, 0);
    f->now = 1 * NS_MS;
    c2_burn_credits(P(f), SV(a), f->now);
    memcpy(w, f->last_words[C2_TRC_CREDIT_BURN & 0x1f], 4 * sizeof(*w));
    fk_free(f);
}

Test(credit2_trace, credit_burn_has_a_budget_word_from_410)
{
    uint32_t w[4];

    burn_record(410, w);
    cr_assert_eq(w[0], 0x10000u);
    cr_assert_eq(w[1], 9 * NS_MS);
    cr_assert_eq(w[2], 0x80000000u);
    cr_assert_eq(w[3], 1 * NS_MS);
    burn_record(409, w);
    cr_assert_eq(w[0], 0x10000u);
    cr_assert_eq(w[1], 9 * NS_MS);
    cr_assert_eq(w[2], 1 * NS_MS);
    cr_assert_eq(w[3], 0);
}

/* ======================================================================== */
/* End to end through the engine                                             */
/* ======================================================================== */

/* Write a scenario (and its domain files) to a temporary folder and load it. */
static void scenario(struct ns_sim_spec *spec, const char *text, const char *const *doms,
                     size_t ndoms)
{
    char *dir = tmpdir();
    struct ns_overrides ov = {0};
    struct ns_err err;

    write_file(dir, "s.cfg", text);
    for (size_t i = 0; i < ndoms; i++) {
        char name[32];
        snprintf(name, sizeof(name), "d%zu.cfg", i + 1);
        write_file(dir, name, doms[i]);
    }
    char *path = ns_path_join(dir, "s.cfg");
    cr_assert_eq(ns_config_create(path, &ov, spec, NULL, &err), 0, "%s", err.msg);
    free(path);
    rm_rf(dir);
    free(dir);
}

static struct ns_engine *run(struct ns_sim_spec *spec)
{
    struct ns_err err;
    struct ns_engine *e = ns_engine_create(spec, &err);
    cr_assert_not_null(e, "%s", err.msg);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    return e;
}

static double share(const struct ns_results *r, size_t d)
{
    return (double)r->dom[d].vcpu[0].runstate_ns[NS_RUNSTATE_RUNNING] / (double)r->duration_ns;
}

/*
 * Weights 256 and 512 on one pCPU: max_weight is 512, so within an epoch the
 * 512 vCPU runs 10 ms for its 10 ms of credit and the 256 one 5 ms (it pays
 * double): 2/3 and 1/3 of the pCPU. Checked with --check on.
 */
Test(credit2_e2e, weights_256_512_split_one_to_two)
{
    static const char *const doms[] = {
        "name = \"a\"\nvcpus = 1\nmemory = 256\ncpu_weight = 256\nworkload = \"cpu\"\n",
        "name = \"b\"\nvcpus = 1\nmemory = 256\ncpu_weight = 512\nworkload = \"cpu\"\n",
    };
    struct ns_sim_spec spec = {0};

    scenario(&spec, "host = \"" H1 "\"\nsched = \"credit2\"\nduration = 10\ncheck = 1\n"
                    "placement = \"none\"\ndomains = [ \"d1.cfg\", \"d2.cfg\" ]\n", doms, 2);
    struct ns_engine *e = run(&spec);
    const struct ns_results *r = ns_engine_results(e);
    cr_assert_float_eq(share(r, 0), 1.0 / 3, 0.01, "weight 256: %.4f", share(r, 0));
    cr_assert_float_eq(share(r, 1), 2.0 / 3, 0.01, "weight 512: %.4f", share(r, 1));
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}

/* ======================================================================== */
/* The checker catches a broken credit2 (facts 3.4, 3.7)                     */
/* ======================================================================== */

/*
 * credit2 with one thing wrong, installed in an engine in place of the real
 * one (white box: engine_impl.h for that alone), from 5 ms on: its wake
 * forgets to tickle, so a woken vCPU waits while a pCPU sits idle; or it
 * forgets to count the woken vCPU in its runqueue's load.
 */
enum c2_breakage { C2_BREAK_NO_TICKLE, C2_BREAK_NO_LOAD };

static struct {
    enum c2_breakage how;
    const struct ns_sched_ops *real;
    bool done;
} c2_broken;

static void broken_wake(struct ns_sched *s, struct ns_vcpu *v)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_vcpu *svc = c2_vcpu(v);
    ns_time_t now = s->env->now(s->env->ctx);

    if (now < 5 * NS_MS || c2_pcpu(prv, v->processor)->curr == svc || c2_on_runq(svc)) {
        c2_broken.real->wake(s, v);
        return;
    }
    c2_broken.done = true;
    c2_update_load(prv, svc->rqd, svc, c2_broken.how == C2_BREAK_NO_LOAD ? 0 : 1, now);
    c2_runq_insert(prv, svc);
    if (c2_broken.how != C2_BREAK_NO_TICKLE)
        c2_runq_tickle(prv, svc, now);
}

/* credit2 on H2, checked, with two vCPUs that compute 200 us and block
 * 800 us, for @duration: the engine, not yet run. */
static struct ns_engine *io_engine(struct ns_sim_spec *spec, const char *duration)
{
    static const char *const doms[] = {
        "name = \"io\"\nvcpus = 2\nmemory = 256\n"
        "workload = \"phases\"\nphases = [ \"run 200us\", \"block 800us\" ]\n",
    };
    char text[256];
    struct ns_err err;

    snprintf(text, sizeof(text), "host = \"" H2 "\"\nsched = \"credit2\"\nduration = \"%s\"\n"
             "placement = \"none\"\ndomains = [ \"d1.cfg\" ]\n", duration);
    *spec = (struct ns_sim_spec){0};
    scenario(spec, text, doms, 1);
    spec->check = true;
    struct ns_engine *e = ns_engine_create(spec, &err);
    cr_assert_not_null(e, "%s", err.msg);
    return e;
}

static void expect_c2_caught(enum c2_breakage how, const char *needle)
{
    static struct ns_sched_ops ops;
    struct ns_sim_spec spec;
    struct ns_err err;
    struct ns_engine *e = io_engine(&spec, "100ms");

    c2_broken.how = how;
    c2_broken.real = e->scheds[0].ops;
    c2_broken.done = false;
    ops = *c2_broken.real;
    ops.wake = broken_wake;
    e->scheds[0].ops = &ops;
    cr_assert_eq(ns_engine_run(e, &err), -1, "the run went through: %s not caught", needle);
    cr_assert(c2_broken.done);
    cr_assert_not_null(strstr(err.msg, needle), "%s", err.msg);
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}

/* Counts the class records a sink gets. */
static void count_class(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                        const uint32_t *words)
{
    (void)t, (void)cpu, (void)event, (void)n, (void)words;
    (*(unsigned *)ctx)++;
}

/*
 * A run the checker stops inside its measured window (the wake that
 * forgets its tickle), then freed: removing the vCPUs updates credit2's
 * max weight, a class record in Xen, but teardown is no part of the trace
 * and the caller may have freed its sinks already (`run --trace` after a
 * failure): the sink hears nothing once the run has returned.
 */
Test(credit2_check, a_failed_run_traces_nothing_while_it_is_freed)
{
    static struct ns_sched_ops ops;
    static const struct ns_trace_sink_ops sink_ops = {.sched_class = count_class};
    unsigned records = 0;
    struct ns_trace_sink sink = {&sink_ops, &records};
    struct ns_sim_spec spec;
    struct ns_err err;
    struct ns_engine *e = io_engine(&spec, "100ms");

    ns_engine_add_sink(e, &sink);
    c2_broken.how = C2_BREAK_NO_TICKLE;
    c2_broken.real = e->scheds[0].ops;
    c2_broken.done = false;
    ops = *c2_broken.real;
    ops.wake = broken_wake;
    e->scheds[0].ops = &ops;
    cr_assert_eq(ns_engine_run(e, &err), -1);
    unsigned at_failure = records;
    cr_assert_gt(at_failure, 0, "the run traced nothing before it failed");
    ns_engine_free(e);
    cr_assert_eq(records, at_failure, "teardown traced %u records", records - at_failure);
    ns_sim_spec_free(&spec);
}

/*
 * A reservation that lapses (found on this very scenario, seed 3, 4.22, at
 * t = 2.891 s): pCPU 2's slice ends, the d1v0 it requeues finds no idle
 * pCPU and tickles pCPU 0, whose vCPU has run past the ratelimit less its
 * 50 us tolerance (so d1v0 is reserved for pCPU 0); at the same instant
 * pCPU 1's slice ends, its capped vCPUs are parked, it passes d1v0 over as
 * reserved and goes idle; 2 us later pCPU 0 schedules, keeps its own vCPU
 * (978 us < the 1 ms ratelimit), and d1v0 waits beside idle pCPU 1, as in
 * Xen (runq_candidate's deferred_to_tickled_cpu, csched2_runtime's "idle
 * stays idle"). The checker must accept it, at every version with caps.
 */
Test(credit2_check, a_lapsed_reservation_leaves_a_pcpu_idle_as_in_xen, .timeout = 120)
{
    static const char *const doms[] = {
        "name = \"c1\"\nvcpus = 2\nmemory = 256\ncap = 50\nworkload = \"cpu\"\n",
        "name = \"c3\"\nvcpus = 4\nmemory = 256\nworkload = \"cpu\"\n",
        "name = \"c4\"\nvcpus = 3\nmemory = 256\ncap = 20\nworkload = \"phases\"\n"
        "phases = [ \"run 700us\", \"block 300us\", \"yield\" ]\n",
    };
    static const char *const versions[] = {"4.10", "4.22"};

    for (size_t i = 0; i < 2; i++) {
        char text[512];
        struct ns_sim_spec spec = {0};
        struct ns_err err;
        snprintf(text, sizeof(text),
                 "host = \"pack:2 [numa(memory=4GiB)] core:2 pu:2\"\nsched = \"credit2\"\n"
                 "credit2_runqueue = \"socket\"\ncredit2_compat = \"%s\"\nduration = 4\n"
                 "seed = 3\ndomains = [ \"d1.cfg\", \"d2.cfg\", \"d3.cfg\" ]\n", versions[i]);
        scenario(&spec, text, doms, 3);
        spec.check = true;
        struct ns_engine *e = ns_engine_create(&spec, &err);
        cr_assert_not_null(e, "%s", err.msg);
        cr_expect_eq(ns_engine_run(e, &err), 0, "%s: %s", versions[i], err.msg);
        ns_engine_free(e);
        ns_sim_spec_free(&spec);
    }
}

/*
 * The lapsed reservation again, in the fake environment. H2, one runqueue;
 * a runs on pCPU 0 and c on pCPU 1 from 0; at 960 us, both with 5 ms of
 * credit and nothing left to bill, w wakes on pCPU 0 with 8 ms. No pCPU is
 * idle; pCPU 0 is past the 1 ms ratelimit less 50 us and w leads a by
 * 3 ms: pCPU 0 is tickled and w reserved for it. Before pCPU 0 schedules,
 * c blocks: pCPU 1's scan passes w over (reserved for pCPU 0, still
 * tickled) and idles. Then pCPU 0 schedules and keeps a (960 us < the 1 ms
 * ratelimit): the reservation lapses and w waits beside idle pCPU 1, which
 * the checker accepts (Xen leaves it so). Returns w.
 */
static struct ns_vcpu *lapsed(struct fk *f)
{
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0], *c = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *w = fk_dom(f, 256, 0, 1)->vcpu[0];

    run_on(f, a, 0);
    run_on(f, c, 1);
    f->now = 960 * NS_US;
    SV(a)->credit = SV(c)->credit = 5 * (int64_t)NS_MS;
    SV(a)->start_time = SV(c)->start_time = f->now;
    SV(w)->credit = 8 * (int64_t)NS_MS;
    w->processor = 0;
    fk_up(f, w);
    cr_assert_eq(SV(w)->tickled_cpu, 0);
    fk_block(f, c);
    cr_assert_null(fk_sched(f, 1));
    cr_assert_eq(fk_sched(f, 0), a);
    cr_assert(c2_on_runq(SV(w)));
    fk_check(f);
    return w;
}

/*
 * Only w is exempt, and only until pCPU 1 schedules. x (d4v0) joins the
 * queue by a wake that forgets its tickle (as broken_wake, with 10 ms of
 * credit): it waits beside idle pCPU 1 too, but pCPU 1 never passed it
 * over, so the checker must stop there. pCPU 1 then schedules and takes x
 * (the queue's head): it has looked at the queue again, so w is exempt no
 * more.
 */
Test(credit2_check, a_lapsed_reservation_exempts_only_the_vcpu_passed_over)
{
    struct fk *f = fk_new(H2);
    fk_start(f);
    struct ns_vcpu *w = lapsed(f), *x = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_err err;

    x->pause_flags &= ~NS_VPF_DOWN;
    x->runstate = NS_RUNSTATE_RUNNABLE;
    c2_update_load(P(f), SV(x)->rqd, SV(x), 1, f->now);
    c2_runq_insert(P(f), SV(x));
    cr_assert_eq(f->s.ops->check(&f->s, &err), -1, "x waits beside idle pCPU 1 unseen");
    cr_expect_str_eq(err.msg, "credit2: d4v0 waits in runqueue 0 while pCPU 1, which it may "
                              "use, is idle and not tickled");
    cr_assert_eq(fk_sched(f, 1), x);
    cr_assert(c2_on_runq(SV(w)));
    cr_expect(ns_mask_empty(&SV(w)->passed_by));
    fk_free(f);
}

/* ... and only while it waits: paused, w leaves the queue and its exemption. */
Test(credit2_check, a_lapsed_reservation_exempts_only_while_the_vcpu_waits)
{
    struct fk *f = fk_new(H2);
    fk_start(f);
    struct ns_vcpu *w = lapsed(f);

    cr_assert(ns_mask_test(&SV(w)->passed_by, 1));
    fk_set_flag(f, w, NS_VPF_PAUSED);
    cr_assert(!c2_on_runq(SV(w)));
    cr_expect(ns_mask_empty(&SV(w)->passed_by));
    fk_free(f);
}

Test(credit2_check, a_wake_without_tickle_is_caught)
{
    expect_c2_caught(C2_BREAK_NO_TICKLE, "is idle and not tickled");
}

Test(credit2_check, a_wake_left_out_of_the_load_is_caught)
{
    expect_c2_caught(C2_BREAK_NO_LOAD, "has load");
}

/*
 * The engine's side of a migrate request made while choosing (core.c,
 * env_migrate; Xen: the flag is acted on only in context_saved). credit2
 * runs two vCPUs that compute 200 us and block 800 us on H2; from 5 ms, the
 * first time a schedule switches a vCPU in, a wrapper asks the engine to
 * migrate it from within do_schedule. The vCPU is switched in all the same
 * and runs (its slice is at least 500 us), flagged; nothing reschedules its
 * pCPU until its guest blocks after its 200 us of work (plus dead time),
 * and that block, the scheduler hearing nothing of it as the vCPU was not
 * runnable already, must still get the pCPU to schedule: the next schedule
 * there finds it blocked and flagged, before its slice would end. --check
 * holds throughout (load, runqueue membership, runstates).
 */
struct c2_held {
    const struct ns_sched_ops *real;
    struct ns_vcpu *held;
    ns_time_t held_at, held_slice, seen_at;
    unsigned held_cpu, seen_flags;
};
static struct c2_held c2_held;

static struct ns_sched_slice held_do_schedule(struct ns_sched *s, unsigned cpu, ns_time_t now)
{
    struct ns_vcpu *curr = s->env->curr(s->env->ctx, cpu);

    if (c2_held.held && !c2_held.seen_at && cpu == c2_held.held_cpu) {
        cr_assert_eq(curr, c2_held.held);
        c2_held.seen_at = now;
        c2_held.seen_flags = curr->pause_flags;
    }
    struct ns_sched_slice r = c2_held.real->do_schedule(s, cpu, now);
    if (!c2_held.held && now >= 5 * NS_MS && r.next && r.next != curr) {
        c2_held = (struct c2_held){c2_held.real, r.next, now, r.slice, 0, cpu, 0};
        s->env->migrate(s->env->ctx, r.next);
    }
    return r;
}

Test(credit2_e2e, a_vcpu_flagged_while_chosen_runs_until_it_blocks)
{
    static struct ns_sched_ops ops;
    struct ns_sim_spec spec;
    struct ns_err err;
    struct ns_engine *e = io_engine(&spec, "20ms");

    c2_held = (struct c2_held){.real = e->scheds[0].ops};
    ops = *c2_held.real;
    ops.do_schedule = held_do_schedule;
    e->scheds[0].ops = &ops;
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);
    cr_assert_not_null(c2_held.held);
    cr_assert_geq(c2_held.held_slice, 500 * (ns_time_t)NS_US);
    cr_assert_gt(c2_held.seen_at, c2_held.held_at + 200 * (ns_time_t)NS_US);
    cr_assert_lt(c2_held.seen_at, c2_held.held_at + c2_held.held_slice);
    cr_assert_eq(c2_held.seen_flags, NS_VPF_MIGRATING | NS_VPF_BLOCKED);
    cr_assert_eq(c2_held.held->pause_flags & NS_VPF_MIGRATING, 0);
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}

/*
 * A capped vCPU without budget at the head of the queue (Xen 0f742839ae,
 * 4.16; 4.13.4, 4.14.3 and 4.15.1 by backport). One idle pCPU; c, of a
 * domain with cap 10 whose budget is spent (set to 0), waits with 9 ms of
 * credit, b (no cap) behind it with 5 ms. c's wake tickled pCPU 0 (so c is
 * reserved for pCPU 0 itself); b's found no idle untickled pCPU. The
 * schedule scans from idle (credit -10 ms - 1): c leads it, is allowed
 * here, reserved for this pCPU, on this pCPU (no migrate_resist), but
 * grabs no budget: 0 + c's 0 is not > 0, so c is parked (one park, c
 * leaves the queue). 4.16+: the scan goes on to b, which leads idle too:
 * b runs. 4.10-4.15: the scan stops at c, the pCPU idles with b queued
 * (the checker accepts it: the pCPU is stalled). 4.8-4.9 know no caps: c
 * is uncapped and runs.
 */
static unsigned after_a_spent_cap(unsigned compat, uint64_t *parks)
{
    struct fk *f = fk_new(H1);
    f->s.params.credit2_compat = compat;
    fk_start(f);
    struct ns_vcpu *c = fk_dom(f, 256, 10, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    ((struct c2_dom *)c->dom->sched_priv)->budget = 0;
    SV(c)->credit = 9 * (int64_t)NS_MS;
    SV(b)->credit = 5 * (int64_t)NS_MS;
    c->processor = b->processor = 0;
    fk_up(f, c);
    fk_up(f, b);
    f->npending = 0;
    struct ns_vcpu *next = fk_sched(f, 0);
    *parks = P(f)->stats.parks;
    unsigned dom = next ? next->dom->id : 0;
    cr_assert(c2_on_runq(SV(b)) == (next != b));
    fk_check(f);
    fk_free(f);
    return dom;
}

Test(credit2_schedule, a_vcpu_out_of_budget_ends_the_scan_before_416)
{
    uint64_t parks;
    cr_assert_eq(after_a_spent_cap(422, &parks), 2);
    cr_assert_eq(parks, 1);
    cr_assert_eq(after_a_spent_cap(416, &parks), 2);
    cr_assert_eq(parks, 1);
    cr_assert_eq(after_a_spent_cap(415, &parks), 0);
    cr_assert_eq(parks, 1);
    cr_assert_eq(after_a_spent_cap(410, &parks), 0);
    cr_assert_eq(parks, 1);
    cr_assert_eq(after_a_spent_cap(409, &parks), 1);
    cr_assert_eq(parks, 0);
}

/*
 * Parking is not a pause (Xen 4.10 park_vcpu / unpark_parked_vcpus, 4.13+
 * park_unit / unpark_parked_units: only _VPF_parked changes, no sleep or
 * wake hook). One pCPU; a, of a domain capped at 10 % (a budget of 1 ms per
 * 10 ms period, a quota of max(1 ms / 1, 500 us) = 1 ms), with 9 ms of
 * credit; b uncapped with 5 ms. At 0 a runs (more credit) and takes the
 * whole 1 ms. At 1 ms its pCPU schedules: a's quota is spent and the domain
 * has nothing left (0 + 0 is not > 0), so a is parked as the current vCPU
 * and b runs. No sleep hook: pCPU 0 is not marked tickled and no schedule
 * request is left pending (through the sleep hook, tickle_cpu marked it and
 * raised the softirq again); a goes offline once switched out (not
 * runnable, not blocked). Then a's credit is set to -8 ms, below b's
 * (5 ms less the 9 ms b runs to 10 ms: -4 ms), so that the refill's tickle
 * does not preempt b. The refill at 10 ms unparks a (one unpark): the flag
 * goes, a rejoins the queue, and, no vcpu_wake, its runstate stays offline
 * until it next runs (through a wake: runnable).
 */
Test(credit2_cap, parking_the_current_vcpu_is_not_a_pause)
{
    struct fk *f = fk_new(H1);
    fk_start(f);
    struct ns_vcpu *a = fk_dom(f, 256, 10, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    SV(a)->credit = 9 * (int64_t)NS_MS;
    SV(b)->credit = 5 * (int64_t)NS_MS;
    a->processor = b->processor = 0;
    fk_up(f, a);
    fk_up(f, b);
    f->npending = 0;
    cr_assert_eq(fk_sched(f, 0), a);
    cr_assert_eq(SV(a)->budget, (int64_t)NS_MS);
    fk_advance(f, NS_MS);
    cr_assert_eq(fk_sched(f, 0), b);
    cr_assert_eq(P(f)->stats.parks, 1);
    cr_expect_not(ns_mask_test(&P(f)->rqd[0]->tickled, 0), "pCPU 0 marked tickled");
    cr_expect_eq(f->npending, 0, "%zu schedule requests left", f->npending);
    cr_assert_eq(a->runstate, NS_RUNSTATE_OFFLINE);
    cr_assert_eq(a->pause_flags, NS_VPF_PARKED);
    cr_assert_not(c2_on_runq(SV(a)));
    SV(a)->credit = -8 * (int64_t)NS_MS;
    fk_advance(f, 10 * NS_MS);
    cr_assert_eq(f->curr[0], b);
    cr_assert_eq(P(f)->stats.unparks, 1);
    cr_assert_eq(a->pause_flags, 0);
    cr_assert(c2_on_runq(SV(a)));
    cr_assert_eq(a->runstate, NS_RUNSTATE_OFFLINE);
    fk_check(f);
    fk_free(f);
}

/*
 * Caps (facts 3.7): cap 50 is a budget of 50 % x 10 ms = 5 ms per 10 ms
 * period. One vCPU alone on one pCPU: quota max(5 ms / 1, 500 us) = 5 ms;
 * it runs 5 ms, finds the budget empty and is parked until the refill at the
 * period boundary: 50 % running, 50 % offline. Cap 150 over 2 vCPUs on 2
 * pCPUs: 15 ms per period, quota 7.5 ms each: 75 % each.
 */
static void capped(const char *host, unsigned cap, unsigned vcpus, double expect)
{
    char dom[160];
    const char *const doms[] = {dom};
    struct ns_sim_spec spec = {0};
    char text[256];

    snprintf(dom, sizeof(dom), "name = \"c\"\nvcpus = %u\nmemory = 256\ncap = %u\n"
                               "workload = \"cpu\"\n", vcpus, cap);
    snprintf(text, sizeof(text), "host = \"%s\"\nsched = \"credit2\"\nduration = 10\ncheck = 1\n"
                                 "placement = \"none\"\ndomains = [ \"d1.cfg\" ]\n", host);
    scenario(&spec, text, doms, 1);
    struct ns_engine *e = run(&spec);
    const struct ns_results *r = ns_engine_results(e);
    for (unsigned v = 0; v < vcpus; v++) {
        double s = (double)r->dom[0].vcpu[v].runstate_ns[NS_RUNSTATE_RUNNING] /
                   (double)r->duration_ns;
        cr_assert_float_eq(s, expect, 0.01, "cap %u, vCPU %u: %.4f", cap, v, s);
    }
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}

Test(credit2_e2e, caps_hold_within_a_period)
{
    capped(H1, 50, 1, 0.5);
    capped(H2, 150, 2, 0.75);
}
