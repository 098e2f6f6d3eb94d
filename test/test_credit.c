/*
 * credit: Xen's credit1 scheduler, unit by unit, against a fake environment
 * (fake_sched.h), which pokes the scheduler's private state through
 * sched/credit_priv.h: accounting arithmetic, runqueue order, cpu_pick,
 * tickle, stealing, the tick, ratelimit, version switches and quirks.
 * test_credit_e2e.c runs credit whole, through the engine.
 *
 * Every expected value is derived by hand from facts/xen-scheduling.md
 * section 2; the arithmetic is in the comments.
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

#include "fake_sched.h"
#include "sched/credit_priv.h"

#define H16 "pack:2 [numa(memory=6GiB)] core:4 pu:2"
#define H4 "pack:1 [numa(memory=4GiB)] core:4 pu:1"
#define H2 "pack:1 core:2 pu:1"
#define H1 "pack:1 core:1 pu:1"

static struct fk *fk_new(const char *host, unsigned compat)
{
    return fk_create(host, "credit", compat);
}

static struct cs_priv *P(struct fk *f) { return cs_priv(&f->s); }
static struct cs_vcpu *SV(struct ns_vcpu *v) { return cs_vcpu(v); }

/* Put @v on @cpu and let it run there (cpu idle before). */
static void fk_run_on(struct fk *f, struct ns_vcpu *v, unsigned cpu)
{
    v->processor = cpu;
    SV(v)->flags &= ~CS_FLAG_MIGRATING;   /* as if it had woken before: may boost */
    fk_up(f, v);
    fk_settle(f);
    cr_assert_eq(f->curr[cpu], v, "d%uv%u did not start on pCPU %u", v->dom->id, v->id, cpu);
}

/* A fresh 1-vCPU domain running on each listed pCPU: "busy" pCPUs. */
static void fk_busy(struct fk *f, const unsigned *cpus, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fk_run_on(f, fk_dom(f, 256, 0, 1)->vcpu[0], cpus[i]);
}

/* Same, each hog pinned to its pCPU (so ticks never move it). */
static void fk_busy_pinned(struct fk *f, const unsigned *cpus, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
        set_range(&d->vcpu[0]->hard, cpus[i], cpus[i]);
        fk_dom_insert(f, d);
        fk_run_on(f, d->vcpu[0], cpus[i]);
    }
}

/* The vCPUs on @cpu's runqueue, head first, as "d1v0 d2v0 idle". */
static const char *runq_str(struct fk *f, unsigned cpu)
{
    static char buf[512];
    struct cs_pcpu *spc = cs_pcpu(P(f), cpu);
    size_t n = 0;

    buf[0] = '\0';
    for (struct cs_list *it = spc->runq.next; it != &spc->runq; it = it->next) {
        struct cs_vcpu *svc = cs_runq_elem(it);
        if (cs_is_idle(svc))
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%sidle", n ? " " : "");
        else
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%sd%uv%u", n ? " " : "",
                                  svc->v->dom->id, svc->v->id);
    }
    return buf;
}

/* ======================================================================== */
/* Accounting (facts 2.4)                                                    */
/* ======================================================================== */

/*
 * Worked example (a): three 1-vCPU domains of weight 256 (d1), 256 (d2) and
 * 512 (d3) on 2 pCPUs: credit_total = 2 x 300 = 600, weight_total = 1024.
 * Activated d1, d2, d3: each goes to the head, so the walk is d3, d2, d1.
 *  d3: weight_left = 512, peak 300, fair = ceil(600 x 512 / 1024) = 300:
 *      not below the peak, so the excess ceil(0 x ...) = 0 is handed on;
 *      fair = peak = 300;
 *  d2: weight_left = 256, fair = ceil(600 x 256 / 1024) = 150 < 300;
 *  d1: weight_left = 0, fair = 150.
 * Credits 150/150/300, all UNDER, all still active (300 is not > 300).
 */
Test(credit_acct, worked_example_a_two_pcpus)
{
    struct fk *f = fk_new(H2, 422);
    fk_start(f);
    struct ns_vcpu *v1 = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *v2 = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *v3 = fk_dom(f, 512, 0, 1)->vcpu[0];
    cs_acct_start(P(f), SV(v1));
    cs_acct_start(P(f), SV(v2));
    cs_acct_start(P(f), SV(v3));
    cr_assert_eq(P(f)->weight, 1024);
    cr_assert_eq(P(f)->credit, 600);

    cs_acct(P(f), 30 * NS_MS);
    cr_assert_eq(SV(v1)->credit, 150);
    cr_assert_eq(SV(v2)->credit, 150);
    cr_assert_eq(SV(v3)->credit, 300);
    cr_assert_eq(SV(v1)->pri, CS_PRI_UNDER);
    cr_assert_eq(SV(v3)->pri, CS_PRI_UNDER);
    cr_assert(!cs_list_empty(&SV(v3)->active_elem));
    cr_assert_eq(P(f)->credit_balance, 600);
    cr_assert_eq(P(f)->runq_sort, 1, "every accounting starts a sort epoch");
    fk_free(f);
}

/*
 * Worked example (b): the same domains on 4 pCPUs: credit_total 1200.
 *  d3: weight_left 512, fair = ceil(1200 x 512 / 1024) = 600 >= peak 300:
 *      credit_total += ceil((600 - 300) x 1024 / 512) = 600 -> 1800; fair 300;
 *  d2: weight_left 256, fair = ceil(1800 x 256 / 1024) = 450 >= 300:
 *      credit_total += ceil(150 x 1024 / 256) = 600 -> 2400; fair 300;
 *  d1: weight_left 0, fair = ceil(2400 x 256 / 1024) = 600 >= 300: fair 300.
 * Each one pCPU's worth: 300.
 */
Test(credit_acct, worked_example_b_four_pcpus)
{
    struct fk *f = fk_new(H4, 422);
    fk_start(f);
    struct ns_vcpu *v1 = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *v2 = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *v3 = fk_dom(f, 512, 0, 1)->vcpu[0];
    cs_acct_start(P(f), SV(v1));
    cs_acct_start(P(f), SV(v2));
    cs_acct_start(P(f), SV(v3));
    cs_acct(P(f), 30 * NS_MS);
    cr_assert_eq(SV(v1)->credit, 300);
    cr_assert_eq(SV(v2)->credit, 300);
    cr_assert_eq(SV(v3)->credit, 300);
    fk_free(f);
}

/*
 * The excess of a domain limited by its peak only reaches the domains walked
 * after it. 4 pCPUs (1200 credits); A: weight 512, 1 vCPU; B: weight 256,
 * 3 vCPUs; weight_total = 512 + 3 x 256 = 1280.
 * Walk B, A (A activated first, B's vCPUs after, each at the head):
 *  B: weight_left = 512, peak 900, fair = ceil(1200 x 768 / 1280) = 720 < 900:
 *     xtra; per vCPU ceil(720 / 3) = 240;
 *  A: weight_left 0, fair = ceil(1200 x 512 / 1280) = 480 >= 300: no one left
 *     to hand the 180 to (lost this period); xtra was set, so A moves to the
 *     head; fair 300.
 * Next period (credits reset to 0 to see the shares), walk A, B:
 *  A: weight_left 768, fair 480: credit_total += ceil(180 x 1280 / 768) = 300
 *     -> 1500; fair 300;
 *  B: fair = ceil(1500 x 768 / 1280) = 900 = peak: 300 per vCPU.
 */
Test(credit_acct, excess_goes_to_domains_walked_after)
{
    struct fk *f = fk_new(H4, 422);
    fk_start(f);
    struct ns_domain *a = fk_dom(f, 512, 0, 1), *b = fk_dom(f, 256, 0, 3);
    cs_acct_start(P(f), SV(a->vcpu[0]));
    for (unsigned i = 0; i < 3; i++)
        cs_acct_start(P(f), SV(b->vcpu[i]));
    cr_assert_eq(P(f)->weight, 1280);

    cs_acct(P(f), 30 * NS_MS);
    cr_assert_eq(SV(a->vcpu[0])->credit, 300);
    for (unsigned i = 0; i < 3; i++)
        cr_assert_eq(SV(b->vcpu[i])->credit, 240);
    cr_assert_eq(cs_entry(P(f)->active_sdoms.next, struct cs_dom, active_elem)->dom, a,
                 "the domain with unused credit moves to the head");

    SV(a->vcpu[0])->credit = 0;
    for (unsigned i = 0; i < 3; i++)
        SV(b->vcpu[i])->credit = 0;
    cs_acct(P(f), 60 * NS_MS);
    cr_assert_eq(SV(a->vcpu[0])->credit, 300);
    for (unsigned i = 0; i < 3; i++)
        cr_assert_eq(SV(b->vcpu[i])->credit, 300);
    fk_free(f);
}

/*
 * Bounds and balance feedback on 2 pCPUs. X (credit -700) and Y (credit
 * 200), weight 256 each, walk Y, X. The previous balance was -200:
 * credit_total = 600 + 200 = 800, each peak = 300 + ceil(200 x 256 / 512)
 * = 400, fair = ceil(800 x 256 / 512) = 400 each (not below the peak).
 *  Y: 200 + 400 = 600 > 300: leaves the active set, credit halved to 300;
 *  X: -700 + 400 = -300: OVER, exactly at the floor (not clamped);
 * balance 300 - 300 = 0. A second accounting: only X is active (weight
 * 256): fair = ceil(600 x 256 / 256) = 600 >= peak 300: fair 300,
 * X: -300 + 300 = 0: UNDER. Then X at -700 again: -400 -> clamped to -300.
 */
Test(credit_acct, halving_clamp_and_balance_feedback)
{
    struct fk *f = fk_new(H2, 422);
    fk_start(f);
    struct ns_vcpu *x = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *y = fk_dom(f, 256, 0, 1)->vcpu[0];
    cs_acct_start(P(f), SV(x));
    cs_acct_start(P(f), SV(y));
    SV(x)->credit = -700;
    SV(y)->credit = 200;
    P(f)->credit_balance = -200;

    cs_acct(P(f), 30 * NS_MS);
    cr_assert_eq(SV(y)->credit, 300);
    cr_assert(cs_list_empty(&SV(y)->active_elem), "above +300: inactive");
    cr_assert(cs_list_empty(&SV(y)->sdom->active_elem), "its domain too");
    cr_assert_eq(SV(y)->pri, CS_PRI_UNDER);
    cr_assert_eq(SV(x)->credit, -300);
    cr_assert_eq(SV(x)->pri, CS_PRI_OVER);
    cr_assert_eq(P(f)->weight, 256);
    cr_assert_eq(P(f)->credit_balance, 0);

    cs_acct(P(f), 60 * NS_MS);
    cr_assert_eq(SV(x)->credit, 0);
    cr_assert_eq(SV(x)->pri, CS_PRI_UNDER);
    cr_assert_eq(SV(y)->credit, 300, "inactive vCPUs earn nothing");

    SV(x)->credit = -700;
    cs_acct(P(f), 90 * NS_MS);
    cr_assert_eq(SV(x)->credit, -300, "-700 + 300 = -400, clamped at -300");
    fk_free(f);
}

/*
 * Cap 50 on 2 pCPUs (facts 2.15): capcred = ceil(50 x 300 / 100) = 150, so
 * peak = min(300, 150) = 150 and the per-vCPU cap is 150; fair =
 * ceil(600 x 256 / 256) = 600 >= 150: fair 150.
 *  -400 + 150 = -250 < -150: parked (paused: its pCPU reschedules);
 *  -250 + 150 = -100: OVER, still parked;
 *  -100 + 150 = 50: UNDER, unparked. 4.3 to 4.12 clear PARKED before the
 *  unpause, so the wake boosts it (QUIRK unpark_boost); 4.2 and 4.13+ clear
 *  it after (the wake sees PARKED: no BOOST), and so does 4.3 with the fix.
 */
static int cap_cycle(unsigned compat, unsigned fixes)
{
    struct fk *f = fk_new(H2, compat);
    f->s.params.quirk_fixes = fixes;
    fk_start(f);
    struct ns_vcpu *v = fk_dom(f, 256, 50, 1)->vcpu[0];
    fk_run_on(f, v, 0);
    cs_acct_start(P(f), SV(v));
    SV(v)->pri = CS_PRI_UNDER;
    SV(v)->credit = -400;

    cs_acct(P(f), 30 * NS_MS);
    cr_assert_eq(SV(v)->credit, -250);
    cr_assert(SV(v)->flags & CS_FLAG_PARKED);
    cr_assert(v->pause_flags & NS_VPF_PAUSED);
    fk_settle(f);
    cr_assert_null(f->curr[0], "a parked vCPU leaves its pCPU");
    fk_check(f);

    cs_acct(P(f), 60 * NS_MS);
    cr_assert_eq(SV(v)->credit, -100);
    cr_assert_eq(SV(v)->pri, CS_PRI_OVER);
    cr_assert(v->pause_flags & NS_VPF_PAUSED);

    cs_acct(P(f), 90 * NS_MS);
    cr_assert_eq(SV(v)->credit, 50);
    cr_assert(!(SV(v)->flags & CS_FLAG_PARKED));
    cr_assert(ns_vcpu_runnable(v));
    int pri = SV(v)->pri;
    fk_settle(f);
    cr_assert_eq(f->curr[0], v);
    fk_check(f);
    fk_free(f);
    return pri;
}

Test(credit_acct, cap_parks_and_unparks)
{
    cr_assert_eq(cap_cycle(402, 0), CS_PRI_UNDER, "4.2 unpauses before clearing PARKED");
    cr_assert_eq(cap_cycle(403, 0), CS_PRI_BOOST, "4.3: unparked vCPUs are boosted");
    cr_assert_eq(cap_cycle(412, 0), CS_PRI_BOOST);
    cr_assert_eq(cap_cycle(403, NS_QUIRK_UNPARK_BOOST), CS_PRI_UNDER, "fixed");
    cr_assert_eq(cap_cycle(413, 0), CS_PRI_UNDER, "4.13+: no BOOST on unpark");
    cr_assert_eq(cap_cycle(422, 0), CS_PRI_UNDER);
}

/*
 * Burning (facts 2.2): 10 credits per ms, start_time advancing by 100 us per
 * billed credit. One bill after 2.55 ms: 4.3+ bills 25 and keeps the half
 * credit in residual (val = 2.55e6 x 10 = 25.5e6: 25 credits, remainder
 * 500000); 4.2 rounds to 26 and moves start_time 2.6 ms ahead. Three more
 * bills at 5.1, 7.65 and 10.2 ms: 4.3: 26 (2.6e6 x 10 + 0.5e6), 26
 * (25.5e6 + 0.5e6), 25; 4.2: 25 (2.5 ms), 26, 25: both 102 credits for
 * 10.2 ms: nothing is lost, 4.2 only bills early.
 */
Test(credit_acct, burn_keeps_the_residual)
{
    for (unsigned compat = 402; compat <= 403; compat++) {
        struct fk *f = fk_new(H1, compat);
        fk_start(f);
        struct ns_vcpu *v = fk_dom(f, 256, 0, 1)->vcpu[0];
        struct cs_vcpu *svc = SV(v);
        svc->start_time = 0;
        cs_burn_credits(P(f), svc, 2550 * NS_US);
        cr_assert_eq(svc->credit, compat == 402 ? -26 : -25);
        cr_assert_eq(svc->residual, compat == 402 ? 0 : 500000);
        cr_assert_eq(svc->start_time, (int64_t)((compat == 402 ? 2600 : 2500) * NS_US));
        for (ns_time_t t = 5100; t <= 10200; t += 2550)
            cs_burn_credits(P(f), svc, t * NS_US);
        cr_assert_eq(svc->credit, -102, "compat %u: %d", compat, svc->credit);
        cr_assert_eq(svc->start_time, (int64_t)(10200 * NS_US));
        fk_free(f);
    }
}

/* ======================================================================== */
/* Runqueues (facts 2.6)                                                     */
/* ======================================================================== */

static struct ns_vcpu *mkq(struct fk *f, int pri, bool yield)
{
    struct ns_vcpu *v = fk_dom(f, 256, 0, 1)->vcpu[0];
    SV(v)->pri = pri;
    if (yield)
        SV(v)->flags |= CS_FLAG_YIELD;
    return v;
}

/*
 * Insertion stops before the first element of strictly lower priority:
 * U1(d1) O1(d2) B1(d3) U2(d4) idle O2(d5) inserted in that order give
 * B1 U1 U2 O1 O2 idle. A yielding UNDER vCPU goes behind exactly one
 * lower-priority vCPU: after O1 (d2), but never behind the idle vCPU.
 */
Test(credit_runq, insert_order_and_yield)
{
    struct fk *f = fk_new(H1, 422);
    fk_start(f);
    struct cs_priv *prv = P(f);
    int pris[] = {CS_PRI_UNDER, CS_PRI_OVER, CS_PRI_BOOST, CS_PRI_UNDER};
    for (int i = 0; i < 4; i++)
        cs_runq_insert_nocount(prv, 0, SV(mkq(f, pris[i], false)));
    cs_runq_insert_nocount(prv, 0, &cs_pcpu(prv, 0)->idle);
    cs_runq_insert_nocount(prv, 0, SV(mkq(f, CS_PRI_OVER, false)));
    cr_assert_str_eq(runq_str(f, 0), "d3v0 d1v0 d4v0 d2v0 d5v0 idle");

    cs_runq_insert_nocount(prv, 0, SV(mkq(f, CS_PRI_UNDER, true)));
    cr_assert_str_eq(runq_str(f, 0), "d3v0 d1v0 d4v0 d2v0 d6v0 d5v0 idle");

    /* on a queue of UNDER + idle, the yielder cannot pass the idle vCPU */
    struct fk *g = fk_new(H1, 422);
    fk_start(g);
    cs_runq_insert_nocount(P(g), 0, SV(mkq(g, CS_PRI_UNDER, false)));
    cs_runq_insert_nocount(P(g), 0, &cs_pcpu(P(g), 0)->idle);
    cs_runq_insert_nocount(P(g), 0, SV(mkq(g, CS_PRI_UNDER, true)));
    cr_assert_str_eq(runq_str(g, 0), "d1v0 d2v0 idle");
    fk_free(g);
    fk_free(f);
}

/* 4.18+: the yielder does not go behind the last element of the queue. */
Test(credit_runq, yield_behind_last_only_before_418)
{
    for (unsigned compat = 417; compat <= 418; compat++) {
        struct fk *f = fk_new(H1, compat);
        fk_start(f);
        cs_runq_insert_nocount(P(f), 0, SV(mkq(f, CS_PRI_UNDER, false)));
        cs_runq_insert_nocount(P(f), 0, SV(mkq(f, CS_PRI_OVER, false)));
        cs_runq_insert_nocount(P(f), 0, SV(mkq(f, CS_PRI_UNDER, true)));
        cr_assert_str_eq(runq_str(f, 0), compat == 417 ? "d1v0 d2v0 d3v0" : "d1v0 d3v0 d2v0");
        fk_free(f);
    }
}

/*
 * The sort after an accounting is a stable partition: O1 U1 B1 O2 U2 idle
 * becomes U1 B1 U2 O1 O2 idle (BOOST is not moved ahead of UNDER). It runs
 * once per epoch.
 */
Test(credit_runq, sort_is_a_stable_partition)
{
    struct fk *f = fk_new(H1, 422);
    fk_start(f);
    struct cs_priv *prv = P(f);
    int pris[] = {CS_PRI_OVER, CS_PRI_UNDER, CS_PRI_BOOST, CS_PRI_OVER, CS_PRI_UNDER};
    for (int i = 0; i < 5; i++)
        cs_list_add_tail(&SV(mkq(f, pris[i], false))->runq_elem, &cs_pcpu(prv, 0)->runq);
    cs_list_add_tail(&cs_pcpu(prv, 0)->idle.runq_elem, &cs_pcpu(prv, 0)->runq);
    cs_runq_sort(prv, 0);
    cr_assert_str_eq(runq_str(f, 0), "d1v0 d2v0 d3v0 d4v0 d5v0 idle", "same epoch: no sort");
    prv->runq_sort++;
    cs_runq_sort(prv, 0);
    cr_assert_str_eq(runq_str(f, 0), "d2v0 d3v0 d5v0 d1v0 d4v0 idle");
    fk_free(f);
}

/* ======================================================================== */
/* cpu_pick (facts 2.10) on H16                                              */
/* ======================================================================== */

/*
 * pick_order_note: from 4.8 every insert runs a committing pick, which may
 * move some pCPU's idle_bias; the pick tests create the vCPU under test
 * before the busy ones, while everything is idle (such a pick moves nothing:
 * ties keep the current pCPU), so the idle_bias values below are the initial
 * ones (15, the last CPU id).
 *
 * All idle, vCPU on pCPU 0 (not running): its own pCPU wins every
 * comparison (2 vs 2 idle threads, 8 x 2 vs 8 idle pCPUs per socket).
 */
Test(credit_pick, all_idle_stays_home)
{
    struct fk *f = fk_new(H16, 422);
    fk_start(f);
    struct ns_vcpu *v = fk_dom(f, 256, 0, 1)->vcpu[0];
    v->processor = 0;
    cr_assert_eq(cs_cpu_pick(P(f), SV(v), true), 0);
    fk_free(f);
}

/*
 * v runs on 0, its sibling 1 is busy, the rest idle. Idlers I = 2..15 plus
 * 0 (v's own pCPU counts as idle: nothing else waits there). Starting at 0:
 * nxt 2 (same socket): idle threads of 0's core = 1 ({0}), of 2's core = 2:
 * 1 x 1 < 2, move to the member of {2,3} after idle_bias(2) = 15: 2; then
 * 4, 6 tie (2 vs 2); 8 (other socket): 7 x 2 < 8 fails. Answer 2: a fully
 * idle core beats a thread whose sibling is busy. The tick check (no
 * commit) leaves idle_bias alone.
 */
Test(credit_pick, prefers_an_idle_core)
{
    struct fk *f = fk_new(H16, 422);
    fk_start(f);
    struct ns_vcpu *v = fk_dom(f, 256, 0, 1)->vcpu[0];   /* first: see pick_order_note */
    fk_busy(f, (unsigned[]){1}, 1);
    fk_run_on(f, v, 0);
    cr_assert_eq(cs_cpu_pick(P(f), SV(v), false), 2);
    cr_assert_eq(cs_pcpu(P(f), 2)->idle_bias, 15);
    fk_free(f);
}

/*
 * v on 0; 1-5 busy: socket 0 has idle {0 (v's own), 6, 7}, socket 1 all 8.
 * From 0: nxt 6 (same socket): core {0,1} has 1 idle, core {6,7} 2: move to
 * 6; nxt 8 (other socket): socket 0 has 3 idle, socket 1 8: 3 x 2 < 8: move
 * to the member of {8..15} after idle_bias(8) = 15, i.e. 8; then 10, 12, 14
 * tie with 8's core. Answer 8. Committed, idle_bias(8) = 8, so the next
 * committed pick in the same state starts after it: 9 (same idle core).
 */
Test(credit_pick, prefers_an_emptier_socket_and_rotates_idle_bias)
{
    struct fk *f = fk_new(H16, 422);
    fk_start(f);
    struct ns_vcpu *v = fk_dom(f, 256, 0, 1)->vcpu[0];
    fk_busy(f, (unsigned[]){1, 2, 3, 4, 5}, 5);
    fk_run_on(f, v, 0);
    cr_assert_eq(cs_cpu_pick(P(f), SV(v), false), 8);
    cr_assert_eq(cs_cpu_pick(P(f), SV(v), true), 8);
    cr_assert_eq(cs_pcpu(P(f), 8)->idle_bias, 8);
    cr_assert_eq(cs_cpu_pick(P(f), SV(v), true), 9);
    fk_free(f);
}

/*
 * Soft step first: soft affinity node 1 (4.5+), or an explicit node
 * affinity {1} (4.3), sends a vCPU sitting on 0 to 8 (first of node 1
 * after 0, idle). An automatic node affinity in 4.3 is no preference.
 */
static unsigned pick_pref_node1(unsigned compat, bool explicit_node)
{
    struct fk *f = fk_new(H16, compat);
    fk_start(f);
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
    struct ns_vcpu *v = d->vcpu[0];
    if (compat >= 405) {
        set_range(&v->soft, 8, 15);
    } else {
        ns_mask_zero(&d->node_affinity);
        ns_mask_set(&d->node_affinity, 1);
        d->auto_node_affinity = !explicit_node;
        if (!explicit_node)
            ns_mask_fill(&d->node_affinity);
    }
    fk_dom_insert(f, d);
    v->processor = 0;
    unsigned cpu = cs_cpu_pick(P(f), SV(v), true);
    fk_free(f);
    return cpu;
}

Test(credit_pick, soft_then_hard)
{
    cr_assert_eq(pick_pref_node1(422, false), 8);
    cr_assert_eq(pick_pref_node1(405, false), 8);
    cr_assert_eq(pick_pref_node1(403, true), 8);
    cr_assert_eq(pick_pref_node1(403, false), 0, "4.3: automatic node affinity is no preference");
}

/* Soft affinity node 1 but node 1 all busy: no idler there, so the hard step
 * runs and v stays on its idle-counting pCPU 0. */
Test(credit_pick, falls_back_to_hard_when_soft_is_busy)
{
    struct fk *f = fk_new(H16, 422);
    fk_start(f);
    fk_busy(f, (unsigned[]){8, 9, 10, 11, 12, 13, 14, 15}, 8);
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
    set_range(&d->vcpu[0]->soft, 8, 15);
    fk_dom_insert(f, d);
    struct ns_vcpu *v = d->vcpu[0];
    fk_run_on(f, v, 0);
    cr_assert_eq(cs_cpu_pick(P(f), SV(v), false), 0);
    fk_free(f);
}

/* ======================================================================== */
/* Tickle (facts 2.9) on H16                                                 */
/* ======================================================================== */

/* Everything busy but @idle; X runs on 0. Returns X. */
static struct ns_vcpu *tickle_setup(struct fk *f, const unsigned *idle, size_t nidle)
{
    struct ns_vcpu *x = fk_dom(f, 256, 0, 1)->vcpu[0];
    fk_run_on(f, x, 0);
    SV(x)->pri = CS_PRI_UNDER;           /* it woke BOOST; a tick would unboost it */
    for (unsigned c = 1; c < 16; c++) {
        bool keep_idle = false;
        for (size_t i = 0; i < nidle; i++)
            keep_idle |= idle[i] == c;
        if (!keep_idle)
            fk_busy(f, &c, 1);
    }
    f->ntickles = 0;
    return x;
}

/* A blocked (not down) vCPU on pCPU 0, ready to wake, with soft node 1 if asked. */
static struct ns_vcpu *waker(struct fk *f, bool soft_node1, bool pinned0)
{
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
    struct ns_vcpu *w = d->vcpu[0];
    if (soft_node1)
        set_range(&w->soft, 8, 15);
    if (pinned0)
        set_range(&w->hard, 0, 0);
    fk_dom_insert(f, d);
    w->processor = 0;
    w->pause_flags = NS_VPF_BLOCKED;
    SV(w)->flags &= ~CS_FLAG_MIGRATING;
    return w;
}

/*
 * Idlers {4, 5, 9}; three wakes on busy pCPU 0, executed by pCPU 0: each
 * pokes the next idler after pCPU 0's last_tickle_cpu (0, then what it
 * poked): 4, 5, 9. 4.9+ takes a poked pCPU out of idlers at once (so the
 * 4th wake finds no idler and does not beat cur: nobody is poked); up to
 * 4.8 poked pCPUs stay idlers and the rotation wraps: 4, 5, 9, 4.
 */
static void tickle_rotation(unsigned compat, const unsigned *expect, size_t n)
{
    struct fk *f = fk_new(H16, compat);
    fk_start(f);
    tickle_setup(f, (unsigned[]){4, 5, 9}, 3);
    for (int i = 0; i < 4; i++) {
        struct ns_vcpu *w = waker(f, false, false);
        SV(w)->pri = CS_PRI_OVER;          /* no BOOST, no preemption of cur */
        fk_wake(f, w);
    }
    cr_assert_eq(f->ntickles, n, "compat %u: %zu tickles", compat, f->ntickles);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(f->tickles[i], expect[i], "compat %u tickle %zu", compat, i);
    fk_free(f);
}

Test(credit_tickle, last_tickle_cpu_rotates)
{
    tickle_rotation(422, (unsigned[]){4, 5, 9}, 3);
    tickle_rotation(409, (unsigned[]){4, 5, 9}, 3);
    tickle_rotation(408, (unsigned[]){4, 5, 9, 4}, 4);
    tickle_rotation(403, (unsigned[]){4, 5, 9, 4}, 4);
}

/*
 * 4.2 (facts 2.9; Xen 4.2's __runq_tickle): X (UNDER) runs on 0, idlers
 * {4, 5, 9}. A waker on 0 that boosts (BOOST > UNDER) preempts 0, and since
 * 0 is busy one idler is poked as well: the next after pCPU 0's
 * last_tickle_cpu (0): 4. Tickles 0 and 4. 4.3+ pokes the idler only. A
 * waker that does not beat X (OVER) pokes the idler alone in both. And an
 * idler-less pCPU of the waker's hard affinity makes 4.2 preempt without
 * asking X to move (no kick-away before 4.3).
 */
static size_t tickle_42(unsigned compat, int waker_pri, bool pinned0, unsigned *out)
{
    struct fk *f = fk_new(H16, compat);
    fk_start(f);
    tickle_setup(f, (unsigned[]){4, 5, 9}, 3);
    struct ns_vcpu *w = waker(f, false, pinned0);
    SV(w)->pri = waker_pri;
    fk_wake(f, w);
    size_t n = f->ntickles;
    for (size_t i = 0; i < n; i++)
        out[i] = f->tickles[i];
    unsigned migrates = f->migrates;
    fk_free(f);
    return pinned0 ? migrates : n;
}

Test(credit_versions, tickle_42_preempts_and_pokes_an_idler)
{
    unsigned t[4];
    cr_assert_eq(tickle_42(402, CS_PRI_UNDER, false, t), 2);
    cr_assert_eq(t[0], 0);
    cr_assert_eq(t[1], 4);
    cr_assert_eq(tickle_42(403, CS_PRI_UNDER, false, t), 1);
    cr_assert_eq(t[0], 4);
    cr_assert_eq(tickle_42(402, CS_PRI_OVER, false, t), 1);
    cr_assert_eq(t[0], 4);
    cr_assert_eq(tickle_42(402, CS_PRI_UNDER, true, t), 0, "4.2: no kick-away");
    cr_assert_eq(tickle_42(403, CS_PRI_UNDER, true, t), 1, "4.3: kick-away");
}

/*
 * Soft affinity node 1: the soft step's idlers are {9}: poked. QUIRK
 * tickle_idlers_46: 4.6/4.7 cycled over all idlers, poking 4 (outside the
 * soft affinity); fixed by NS_QUIRK_TICKLE_IDLERS_46 and in 4.8.
 */
static unsigned tickle_soft(unsigned compat, unsigned fixes)
{
    struct fk *f = fk_new(H16, compat);
    f->s.params.quirk_fixes = fixes;
    fk_start(f);
    tickle_setup(f, (unsigned[]){4, 5, 9}, 3);
    struct ns_vcpu *w = waker(f, true, false);
    SV(w)->pri = CS_PRI_OVER;
    fk_wake(f, w);
    cr_assert_eq(f->ntickles, 1);
    unsigned cpu = f->tickles[0];
    fk_free(f);
    return cpu;
}

Test(credit_tickle, soft_step_first)
{
    cr_assert_eq(tickle_soft(422, 0), 9);
    cr_assert_eq(tickle_soft(405, 0), 9);
    cr_assert_eq(tickle_soft(406, 0), 4, "4.6 quirk: the whole idle set is cycled");
    cr_assert_eq(tickle_soft(407, 0), 4);
    cr_assert_eq(tickle_soft(407, NS_QUIRK_TICKLE_IDLERS_46), 9);
    cr_assert_eq(tickle_soft(408, 0), 9);
}

/*
 * W pinned to busy pCPU 0 wakes UNDER -> BOOST and beats X (UNDER); idler
 * {4} does not suit W, so pCPU 0 is poked to preempt X, and X is kicked away
 * (MIGRATING, re-picked onto 4 once off the pCPU):
 *  - 4.3-4.6 always; 4.7-4.12 because X's hard affinity meets the idlers;
 *  - 4.13+ QUIRK kick_away_413: the test uses W's hard affinity ({0}, no
 *    idler): X is only preempted and requeued on 0, behind W; pCPU 4 idles.
 */
static bool kick_away(unsigned compat, unsigned fixes)
{
    struct fk *f = fk_new(H16, compat);
    f->s.params.quirk_fixes = fixes;
    fk_start(f);
    struct ns_vcpu *x = tickle_setup(f, (unsigned[]){4}, 1);
    struct ns_vcpu *w = waker(f, false, true);
    fk_wake(f, w);
    cr_assert_eq(SV(w)->pri, CS_PRI_BOOST);
    cr_assert_eq(f->tickles[0], 0);
    bool kicked = f->migrates == 1;
    f->now = 2 * NS_MS;                  /* past the ratelimit */
    fk_settle(f);
    cr_assert_eq(f->curr[0], w);
    if (kicked)
        cr_assert_eq(f->curr[4], x, "compat %u: X moved to the idler", compat);
    else
        cr_assert_str_eq(runq_str(f, 0), "d1v0 idle", "X requeued behind W");
    fk_check(f);
    /* 15 ms later X still waits next to pCPU 4, idle since the start: the
     * checker counts it as stranded (a diagnostic, not an error: it is
     * what Xen does) */
    f->now += 15 * NS_MS;
    fk_check(f);
    cr_assert_eq(P(f)->stats.stranded, kicked ? 0 : 1);
    fk_free(f);
    return kicked;
}

Test(credit_tickle, kick_away_per_version)
{
    cr_assert(kick_away(403, 0));
    cr_assert(kick_away(406, 0));
    cr_assert(kick_away(410, 0));
    cr_assert(kick_away(412, 0));
    cr_assert(!kick_away(413, 0), "4.13+ never kicks away");
    cr_assert(!kick_away(422, 0));
    cr_assert(kick_away(422, NS_QUIRK_KICK_AWAY_413));
}

/*
 * The 4.3 "coupling" (facts 2.14), the same in every version: a vCPU that
 * prefers node 1 (4.3: explicit node affinity; 4.22: soft affinity) wakes
 * while its last pCPU, 2 on node 0, is idle, and node 1 is idle too: it is
 * queued on 2 and 2 is poked, so it runs outside its preference.
 */
static unsigned wake_on_last_idle_pcpu(unsigned compat)
{
    struct fk *f = fk_new(H16, compat);
    fk_start(f);
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
    struct ns_vcpu *v = d->vcpu[0];
    if (compat >= 405) {
        set_range(&v->soft, 8, 15);
    } else {
        ns_mask_zero(&d->node_affinity);
        ns_mask_set(&d->node_affinity, 1);
        d->auto_node_affinity = false;
    }
    fk_dom_insert(f, d);
    fk_run_on(f, v, 2);
    fk_block(f, v);
    fk_settle(f);
    f->now = 5 * NS_MS;
    f->ntickles = 0;
    fk_wake(f, v);
    cr_assert_eq(f->ntickles, 1);
    unsigned poked = f->tickles[0];
    fk_settle(f);
    cr_assert_eq(f->curr[poked], v);
    fk_free(f);
    return poked;
}

Test(credit_versions, wake_runs_on_last_idle_pcpu_outside_preference)
{
    cr_assert_eq(wake_on_last_idle_pcpu(403), 2);
    cr_assert_eq(wake_on_last_idle_pcpu(422), 2);
}

/*
 * A new vCPU's initial pCPU: the engine places it (facts 1.3); 4.8+ insert
 * re-picks (soft step: node 1, so 8); 4.3 keeps the engine's choice (the
 * libxl affinity pick is the engine's business).
 */
Test(credit_versions, insert_repicks_from_48)
{
    for (unsigned compat = 403; compat <= 422; compat += 19) {
        struct fk *f = fk_new(H16, compat);
        fk_start(f);
        struct ns_domain *d = fk_dom_new(f, 256, 0, 1);
        struct ns_vcpu *v = d->vcpu[0];
        set_range(&v->soft, 8, 15);
        ns_mask_zero(&d->node_affinity);
        ns_mask_set(&d->node_affinity, 1);
        d->auto_node_affinity = false;
        v->processor = 0;
        fk_dom_insert(f, d);
        cr_assert_eq(v->processor, compat == 403 ? 0 : 8, "compat %u", compat);
        /* ... and the pick marked it MIGRATING (4.7+): its first wake is no boost */
        v->processor = 8;
        fk_up(f, v);
        cr_assert_eq(SV(v)->pri, compat == 403 ? CS_PRI_BOOST : CS_PRI_UNDER);
        fk_free(f);
    }
}

/* ======================================================================== */
/* The tick (facts 2.3) and BOOST after migration (2.5)                       */
/* ======================================================================== */

/*
 * v runs on 0 from t=0 while 1 (its sibling) runs a vCPU pinned there. The tick restarts on
 * the 10 ms grid when 0 leaves idle. Tick 1 (10 ms): BOOST -> UNDER, 100
 * credits burnt, v joins the active set, no migration check. Tick 2 (20 ms):
 * cpu_pick says 2 (an idle core, see credit_pick.prefers_an_idle_core):
 * MIGRATING, pCPU 0 reschedules, v is re-picked (commit) onto 2 and woken
 * there: BOOST again before 4.7, UNDER from 4.7 (66c7449a4d).
 */
static int tick_migration(unsigned compat)
{
    struct fk *f = fk_new(H16, compat);
    fk_start(f);
    struct ns_vcpu *v = fk_dom(f, 256, 0, 1)->vcpu[0];
    fk_busy_pinned(f, (unsigned[]){1}, 1);
    fk_run_on(f, v, 0);
    cr_assert_eq(SV(v)->pri, CS_PRI_BOOST);
    cr_assert(cs_pcpu(P(f), 0)->ticking);

    fk_advance(f, 10 * NS_MS);
    cr_assert_eq(SV(v)->pri, CS_PRI_UNDER);
    cr_assert_eq(SV(v)->credit, -100);
    cr_assert(!cs_list_empty(&SV(v)->active_elem));
    cr_assert_eq(f->curr[0], v, "no migration check at the activating tick");

    fk_advance(f, 20 * NS_MS);
    cr_assert_eq(f->migrates, 1);
    cr_assert_eq(f->curr[2], v);
    cr_assert_null(f->curr[0]);
    cr_assert(!cs_pcpu(P(f), 0)->ticking, "the tick stops on an idle pCPU");
    fk_check(f);
    int pri = SV(v)->pri;
    fk_free(f);
    return pri;
}

Test(credit_versions, boost_after_migration_only_before_47)
{
    cr_assert_eq(tick_migration(403), CS_PRI_BOOST);
    cr_assert_eq(tick_migration(406), CS_PRI_BOOST);
    cr_assert_eq(tick_migration(407), CS_PRI_UNDER);
    cr_assert_eq(tick_migration(422), CS_PRI_UNDER);
}

/* ======================================================================== */
/* Schedule: ratelimit (facts 2.7)                                           */
/* ======================================================================== */

/*
 * X runs on the only pCPU from t=0; W wakes BOOST at 0.5 ms and pokes it.
 * X has run 0.5 ms < ratelimit 1 ms: it keeps the pCPU, for the rest of the
 * ratelimit (4.8+: 0.5 ms) or a whole ratelimit (4.3: 1 ms). At 1 ms
 * (4.8+) X is requeued and W, BOOST, runs.
 */
Test(credit_sched, ratelimit_holds_then_boost_preempts)
{
    for (unsigned compat = 403; compat <= 422; compat += 19) {
        struct fk *f = fk_new(H1, compat);
        fk_start(f);
        struct ns_vcpu *x = fk_dom(f, 256, 0, 1)->vcpu[0];
        fk_run_on(f, x, 0);
        SV(x)->pri = CS_PRI_UNDER;
        struct ns_vcpu *w = waker(f, false, false);
        f->now = 500 * NS_US;
        fk_wake(f, w);
        cr_assert_eq(SV(w)->pri, CS_PRI_BOOST);
        fk_settle(f);
        cr_assert_eq(f->curr[0], x, "ratelimited");
        cr_assert_eq(f->slice[0], compat == 403 ? 1000 * NS_US : 500 * NS_US);
        f->now += f->slice[0];
        fk_sched(f, 0);
        cr_assert_eq(f->curr[0], w);
        cr_assert_str_eq(runq_str(f, 0), "d1v0 idle");
        fk_check(f);
        fk_free(f);
    }
}

/*
 * QUIRK ratelimit_min (4.8+): poked after 30 us, X gets a 100 us slice
 * (runtime < 100 us), not the 970 us left of its ratelimit; the fix gives
 * 970 us. After 990 us the quirk gives 10 us and the fix 100 us.
 */
static ns_time_t ratelimit_slice_after(ns_time_t ran, unsigned fixes)
{
    struct fk *f = fk_new(H1, 422);
    f->s.params.quirk_fixes = fixes;
    fk_start(f);
    struct ns_vcpu *x = fk_dom(f, 256, 0, 1)->vcpu[0];
    fk_run_on(f, x, 0);
    f->now = ran;
    fk_sched(f, 0);
    cr_assert_eq(f->curr[0], x);
    ns_time_t slice = f->slice[0];
    fk_free(f);
    return slice;
}

Test(credit_sched, ratelimit_min_quirk)
{
    cr_assert_eq(ratelimit_slice_after(30 * NS_US, 0), 100 * NS_US);
    cr_assert_eq(ratelimit_slice_after(30 * NS_US, NS_QUIRK_RATELIMIT_MIN), 970 * NS_US);
    cr_assert_eq(ratelimit_slice_after(990 * NS_US, 0), 10 * NS_US);
    cr_assert_eq(ratelimit_slice_after(990 * NS_US, NS_QUIRK_RATELIMIT_MIN), 100 * NS_US);
}

/*
 * Yield (facts 2.6, 2.7): X and Y UNDER on one pCPU, X running, an OVER
 * vCPU O queued: queue "Y O idle". X yields at 5 ms: X goes behind O
 * (the first lower-priority vCPU), Y runs, queue "O X idle".
 */
Test(credit_sched, yield_goes_behind_one_lower)
{
    struct fk *f = fk_new(H1, 422);
    fk_start(f);
    struct ns_vcpu *x = fk_dom(f, 256, 0, 1)->vcpu[0];
    fk_run_on(f, x, 0);
    struct ns_vcpu *y = waker(f, false, false), *o = waker(f, false, false);
    SV(y)->pri = CS_PRI_UNDER;
    SV(y)->flags |= CS_FLAG_MIGRATING;  /* no boost */
    fk_wake(f, y);
    SV(o)->pri = CS_PRI_OVER;
    fk_wake(f, o);
    fk_settle(f);
    SV(x)->pri = CS_PRI_UNDER;
    cr_assert_str_eq(runq_str(f, 0), "d2v0 d3v0 idle");
    f->now = 5 * NS_MS;
    f->s.ops->yield(&f->s, x);
    fk_settle(f);
    cr_assert_eq(f->curr[0], y);
    cr_assert_str_eq(runq_str(f, 0), "d3v0 d1v0 idle");
    fk_check(f);
    fk_free(f);
}

/* ======================================================================== */
/* Work stealing (facts 2.11) on H16                                         */
/* ======================================================================== */

/* Queue @v (runnable) on busy @cpu behind what runs there, without a tickle. */
static void enqueue(struct fk *f, struct ns_vcpu *v, unsigned cpu)
{
    v->processor = cpu;
    v->pause_flags = 0;
    v->runstate = NS_RUNSTATE_RUNNABLE;
    SV(v)->flags &= ~CS_FLAG_MIGRATING;
    cs_runq_insert(P(f), SV(v));
}

/*
 * Thief 2 (node 0) idle; 1 (node 0) runs a hog with `a` (no soft affinity)
 * queued; 9 (node 1) runs a hog with `b` queued, b soft-affine to node 0.
 * Soft step first, node by node: node 0 has only a, which has no soft
 * affinity; node 1 has b, whose soft affinity holds 2: b is stolen. Without
 * b's soft affinity, the soft step finds nothing and the hard step takes a
 * from the own node first.
 */
static bool steal_soft_vs_hard(bool b_soft)
{
    struct fk *f = fk_new(H16, 422);
    fk_start(f);
    fk_busy(f, (unsigned[]){1, 9}, 2);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_domain *db = fk_dom_new(f, 256, 0, 1);
    struct ns_vcpu *b = db->vcpu[0];
    if (b_soft)
        set_range(&b->soft, 0, 7);
    fk_dom_insert(f, db);
    enqueue(f, a, 1);
    enqueue(f, b, 9);
    fk_check(f);
    struct ns_vcpu *got = fk_sched(f, 2);
    cr_assert(got == a || got == b);
    cr_assert_eq(got->processor, 2);
    fk_check(f);
    bool is_b = got == b;
    fk_free(f);
    return is_b;
}

/*
 * 4.2 (Xen 4.2's csched_load_balance): the busy pCPUs of the pool in one
 * round from the thief's next neighbour, no nodes, no steps. Thief 2 with
 * busy peers 1 (a queued) and 9 (b queued): the next busy pCPU after 2 is 9,
 * so b; 4.3+ tries its own node first: a.
 */
static unsigned steal_neighbour(unsigned compat)
{
    struct fk *f = fk_new(H16, compat);
    fk_start(f);
    fk_busy(f, (unsigned[]){1, 9}, 2);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *b = fk_dom(f, 256, 0, 1)->vcpu[0];
    enqueue(f, a, 1);
    enqueue(f, b, 9);
    struct ns_vcpu *got = fk_sched(f, 2);
    fk_check(f);
    unsigned id = got->dom->id;
    fk_free(f);
    return id;
}

Test(credit_versions, steal_42_from_the_next_neighbour)
{
    cr_assert_eq(steal_neighbour(402), 4, "b (domain 4)");
    cr_assert_eq(steal_neighbour(403), 3, "a (domain 3)");
}

/*
 * "Has soft affinity" (facts 2.13; Xen 4.6's __vcpu_has_soft_affinity):
 * from 4.6 a soft affinity that holds the whole pool means nothing. The
 * pool is node 0 (pCPUs 0-7); thief 0; 2 runs a hog with a queued (soft
 * "all"), 4 a hog with b queued, b's soft affinity 0-7 (the pool, not
 * "all"). 4.5 counts b as soft-affine: the soft step steals b. 4.6 to 4.10
 * (and 4.11+ with its own rule) do not: the hard step takes the first busy
 * peer's, a.
 */
static unsigned steal_pool_soft(unsigned compat)
{
    struct fk *f = fk_new(H16, compat);
    set_range(&f->pool.cpus, 0, 7);
    fk_start(f);
    fk_busy(f, (unsigned[]){2, 4}, 2);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_domain *db = fk_dom_new(f, 256, 0, 1);
    set_range(&db->vcpu[0]->soft, 0, 7);
    fk_dom_insert(f, db);
    enqueue(f, a, 2);
    enqueue(f, db->vcpu[0], 4);
    struct ns_vcpu *got = fk_sched(f, 0);
    fk_check(f);
    unsigned id = got->dom->id;
    fk_free(f);
    return id;
}

Test(credit_versions, soft_affinity_over_the_pool_means_nothing_from_46)
{
    cr_assert_eq(steal_pool_soft(405), 4, "4.5: b (domain 4)");
    cr_assert_eq(steal_pool_soft(406), 3, "4.6: a (domain 3)");
    cr_assert_eq(steal_pool_soft(410), 3);
    cr_assert_eq(steal_pool_soft(422), 3);
}

Test(credit_steal, soft_affine_anywhere_beats_hard_next_door)
{
    cr_assert(steal_soft_vs_hard(true), "b (soft-affine, other node) stolen");
    cr_assert(!steal_soft_vs_hard(false), "a (own node) stolen");
}

/*
 * Order inside a node. 1 runs a hog with a1, a1b queued; 3 a hog with a3.
 * Thief 2 takes a1 (first worker after balance_bias(node 0) = 0 is 1; 4.3:
 * the lowest worker, 1). Then thief 4: 4.9+ starts after balance_bias = 1:
 * 2 (nr_runnable 1, skipped), then 3: a3; 4.3 starts at the lowest worker,
 * 1: a1b.
 */
static unsigned steal_order(unsigned compat)
{
    struct fk *f = fk_new(H16, compat);
    fk_start(f);
    fk_busy(f, (unsigned[]){1, 3}, 2);
    struct ns_vcpu *a1 = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *a1b = fk_dom(f, 256, 0, 1)->vcpu[0];
    struct ns_vcpu *a3 = fk_dom(f, 256, 0, 1)->vcpu[0];
    enqueue(f, a1, 1);
    enqueue(f, a1b, 1);
    enqueue(f, a3, 3);
    cr_assert_eq(fk_sched(f, 2), a1);
    struct ns_vcpu *second = fk_sched(f, 4);
    fk_check(f);
    unsigned id = second->dom->id;
    fk_free(f);
    return id;
}

Test(credit_steal, balance_bias_rotates_peers_from_49)
{
    cr_assert_eq(steal_order(422), 5, "a3 (domain 5)");
    cr_assert_eq(steal_order(409), 5);
    cr_assert_eq(steal_order(408), 4, "a1b (domain 4)");
    cr_assert_eq(steal_order(403), 4);
}

/*
 * Cache-hot (facts 2.11): migration_delay 1000 us; a was descheduled at
 * 0.5 ms. Thief 2 at 1.0 ms: hot (0.5 ms ago), not taken, 2 idles. At
 * 1.6 ms a is cold (1.1 ms) but 2 balanced 0.6 ms ago: 4.18+ does not
 * balance again within 1 ms, 2 idles again; at 2.1 ms: taken.
 */
Test(credit_steal, cache_hot_vcpus_stay)
{
    struct fk *f = fk_new(H16, 422);
    f->s.params.migration_delay_us = 1000;
    fk_start(f);
    fk_busy(f, (unsigned[]){1}, 1);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    enqueue(f, a, 1);
    SV(a)->has_run = true;
    SV(a)->last_sched_time = 500 * NS_US;
    f->now = 1000 * NS_US;
    cr_assert_null(fk_sched(f, 2));
    f->now = 1600 * NS_US;
    cr_assert_null(fk_sched(f, 2));
    cr_assert_eq(P(f)->stats.balances_skipped, 1);
    f->now = 2100 * NS_US;
    cr_assert_eq(fk_sched(f, 2), a);
    fk_free(f);
}

/* An OVER head only steals work of higher priority; 4.18+ leaves yielded
 * vCPUs alone. */
Test(credit_steal, priority_and_yield)
{
    for (unsigned compat = 417; compat <= 418; compat++) {
        struct fk *f = fk_new(H16, compat);
        fk_start(f);
        fk_busy(f, (unsigned[]){1}, 1);
        struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
        enqueue(f, a, 1);
        SV(a)->flags |= CS_FLAG_YIELD;
        struct ns_vcpu *got = fk_sched(f, 2);
        if (compat == 418)
            cr_assert_null(got, "4.18+: yielded vCPUs are not stolen");
        else
            cr_assert_eq(got, a);
        fk_free(f);
    }
}

/* ======================================================================== */
/* The checker                                                               */
/* ======================================================================== */

/*
 * The stealing check: with a vCPU queued on busy pCPU 1, an idle pCPU 2 that
 * balanced and stayed idle would be a stealing bug, and the detector sees
 * the stealable vCPU; after 2 schedules (and steals it) nothing is left.
 * A recorded violation fails the next check.
 */
Test(credit_check, idle_after_balance_with_stealable_work_is_reported)
{
    struct fk *f = fk_new(H16, 422);
    fk_start(f);
    fk_check(f);                        /* turns the in-schedule check on */
    fk_busy(f, (unsigned[]){1}, 1);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    enqueue(f, a, 1);
    char buf[256];
    cr_assert_not_null(cs_stealable_elsewhere(P(f), 2, f->now, buf, sizeof(buf)));
    cr_assert(strstr(buf, "d2v0") != NULL, "%s", buf);
    cr_assert_eq(fk_sched(f, 2), a);
    cr_assert_null(cs_stealable_elsewhere(P(f), 3, f->now, buf, sizeof(buf)));
    fk_check(f);
    struct ns_err err;
    cs_violation(P(f), "credit: pCPU %u went idle after balancing although %s", 3u, "x");
    cr_assert_neq(f->s.ops->check(&f->s, &err), 0);
    cr_assert(strstr(err.msg, "went idle") != NULL);
    fk_free(f);
}

/* A queued vCPU that is not on its processor's queue is reported. */
Test(credit_check, wrong_runqueue_is_reported)
{
    struct fk *f = fk_new(H16, 422);
    fk_start(f);
    fk_busy(f, (unsigned[]){1}, 1);
    struct ns_vcpu *a = fk_dom(f, 256, 0, 1)->vcpu[0];
    enqueue(f, a, 1);
    fk_check(f);
    a->processor = 5;
    struct ns_err err;
    cr_assert_neq(f->s.ops->check(&f->s, &err), 0);
    cr_assert(strstr(err.msg, "queued on pCPU 1") != NULL, "%s", err.msg);
    a->processor = 1;
    fk_free(f);
}

Test(credit_params, quirk_names_and_bad_params)
{
    cr_assert_eq(ns_sched_quirk_bit("unpark_boost"), (int)NS_QUIRK_UNPARK_BOOST);
    cr_assert_eq(ns_sched_quirk_bit("kick_away_413"), (int)NS_QUIRK_KICK_AWAY_413);
    cr_assert_eq(ns_sched_quirk_bit("nope"), -1);
    size_t n = 0;
    for (const char *const *q = ns_sched_quirk_names(); *q; q++, n++)
        cr_assert_geq(ns_sched_quirk_bit(*q), 1);
    cr_assert_eq(n, 5);

    struct fk *f = fk_new(H1, 430);
    struct ns_err err;
    cr_assert_lt(f->s.ops->init(&f->s, &err), 0);
    f->s.params.compat = 422;
    f->s.params.tslice_ms = 0;
    cr_assert_lt(f->s.ops->init(&f->s, &err), 0);
    cr_assert(strstr(err.msg, "timeslice") != NULL);
    f->s.params.tslice_ms = 2;               /* < 3 ms: one tick per slice */
    f->s.params.ratelimit_us = 5000;         /* clamped to the slice */
    cr_assert_eq(f->s.ops->init(&f->s, &err), 0, "%s", err.msg);
    cr_assert_eq(P(f)->ticks_per_tslice, 1);
    cr_assert_eq(P(f)->tick_period, 2 * NS_MS);
    cr_assert_eq(P(f)->credits_per_tslice, 20);
    cr_assert_eq(P(f)->ratelimit, 2 * NS_MS);
    f->s.ops->deinit(&f->s);
    ns_heap_free(&f->timers);
    ns_mask_free(&f->pool.cpus);
    free(f->curr);
    free(f->slice);
    free(f->expires);
    ns_topo_free(f->topo);
    free(f);
}
