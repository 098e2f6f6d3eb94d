/*
 * rtds: Xen's real-time scheduler. Unit tests against the fake environment
 * (fake_sched.h) and a run through the engine. Every expected value is
 * derived by hand from Xen's rt.c (sched_rt.c before 4.13) of the release
 * named; the reasoning is in the comments. Times are in ms from the start.
 *
 * Hosts: H1, one pCPU; H4, one socket of 2 cores x 2 threads (pCPUs 0-3).
 *
 * The fake's vCPUs are created down, on pCPU 0. As the engine does when a
 * domain is created, boot() asks the scheduler where a vCPU goes and brings
 * it up; a vCPU inserted down starts its first period when it comes up, so
 * its first deadline is its boot time plus its period.
 *
 * The dump reads "rtds pCPU N: dXvY(lLEVEL,dDEADLINE,bBUDGET)" (or idle),
 * then the runqueue, the depleted queue and the replenishment queue, with
 * deadlines and budgets in ns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fake_sched.h"
#include "helpers.h"

#define H1 "pack:1 core:1 pu:1"
#define H4 "pack:1 core:2 pu:2"
#define MS (ns_time_t)NS_MS

#define TRC_TICKLE     1
#define TRC_RUNQ_PICK  2
#define TRC_BURN       3
#define TRC_REPLENISH  4
#define TRC_SCHEDULE   6

static struct fk *fk_rtds(const char *host, unsigned compat)
{
    struct fk *f = fk_create(host, "rtds", compat);

    f->s.params.rtds_compat = compat;
    fk_start(f);
    return f;
}

/* A domain of @nv vCPUs with reservation @period_us / @budget_us (0: Xen's
 * defaults), extratime unless @no_extra, inserted down. */
static struct ns_domain *dom(struct fk *f, unsigned nv, unsigned period_us, unsigned budget_us,
                             bool no_extra)
{
    struct ns_domain *d = fk_dom_new(f, 256, 0, nv);

    d->rtds = (struct ns_rtds_params){period_us, budget_us, no_extra};
    fk_dom_insert(f, d);
    return d;
}

static void boot(struct fk *f, struct ns_vcpu *v)
{
    v->processor = f->s.ops->pick_cpu(&f->s, v);
    fk_up(f, v);
}

static char *dumped(struct fk *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    f->s.ops->dump(&f->s, out);
    fclose(out);
    return text;
}

static void expect_dump(struct fk *f, const char *want)
{
    char *text = dumped(f);

    cr_expect_str_eq(text, want);
    free(text);
}

static uint32_t word(const struct ns_vcpu *v) { return v->id | (v->dom->id << 16); }

/*
 * EDF, 4.22, H1. A (10 ms period, 4 ms budget) and B (5 ms, 1 ms) come up at
 * 0: deadlines 10 and 5. A wakes first and tickles pCPU 0 (idle, its own);
 * B's wake finds pCPU 0 already tickled and nothing else, so tickles none.
 * pCPU 0 schedules: the runqueue is [B (d 5), A (d 10)], B runs for its
 * budget, 1 ms. At 1 B's budget is spent; with extratime (the default) it
 * is refilled at level 1 and A (level 0) now beats it: A runs, slice 4 ms.
 */
Test(rtds_edf, earliest_deadline_runs_for_its_budget)
{
    struct fk *f = fk_rtds(H1, 422);
    struct ns_domain *a = dom(f, 1, 10000, 4000, false), *b = dom(f, 1, 5000, 1000, false);

    boot(f, a->vcpu[0]);
    boot(f, b->vcpu[0]);
    cr_expect_eq(f->ntickles, 1);
    fk_settle(f);
    cr_expect_eq(f->curr[0], b->vcpu[0]);
    cr_expect_eq(f->slice[0], 1 * MS);
    expect_dump(f, "rtds pCPU 0: d2v0(l0,d5000000,b1000000)\n"
                   "rtds runq: d1v0(l0,d10000000,b4000000)\nrtds depletedq:\n"
                   "rtds replq: d2v0(l0,d5000000,b1000000) d1v0(l0,d10000000,b4000000)\n");
    fk_check(f);
    fk_play(f, 1 * MS);
    cr_expect_eq(f->curr[0], a->vcpu[0]);
    cr_expect_eq(f->slice[0], 4 * MS);
    expect_dump(f, "rtds pCPU 0: d1v0(l0,d10000000,b4000000)\n"
                   "rtds runq: d2v0(l1,d5000000,b1000000)\nrtds depletedq:\n"
                   "rtds replq: d2v0(l1,d5000000,b1000000) d1v0(l0,d10000000,b4000000)\n");
    fk_check(f);
    fk_free(f);
}

/*
 * No extratime, 4.22, H1: A (10 ms, 4 ms, -e 0) alone runs 0 to 4; at 4 its
 * budget is spent, it goes to the depleted queue and the pCPU idles. The
 * replenishment timer fires at its deadline, 10: new deadline 20, budget
 * 4 ms; it was depleted and is queued, so it is tickled (its idle pCPU 0)
 * and runs at once for 4 ms.
 */
Test(rtds_budget, exhausted_waits_for_its_period_without_extratime)
{
    struct fk *f = fk_rtds(H1, 422);
    struct ns_domain *a = dom(f, 1, 10000, 4000, true);

    boot(f, a->vcpu[0]);
    fk_play(f, 4 * MS);
    cr_expect_null(f->curr[0]);
    expect_dump(f, "rtds pCPU 0: idle\nrtds runq:\n"
                   "rtds depletedq: d1v0(l0,d10000000,b0)\n"
                   "rtds replq: d1v0(l0,d10000000,b0)\n");
    fk_check(f);
    fk_play(f, 9 * MS);
    cr_expect_null(f->curr[0]);
    fk_play(f, 10 * MS);
    cr_expect_eq(f->curr[0], a->vcpu[0]);
    cr_expect_eq(f->slice[0], 4 * MS);
    cr_expect_eq(f->tickles[f->ntickles - 1], 0);
    /* 4.22's record: unit|dom<<16, level, deadline (2 words), budget (2). */
    cr_expect_eq(f->last_words[TRC_REPLENISH][0], word(a->vcpu[0]));
    cr_expect_eq(f->last_words[TRC_REPLENISH][1], 0);
    cr_expect_eq(f->last_words[TRC_REPLENISH][2], (uint32_t)(20 * MS));
    cr_expect_eq(f->last_words[TRC_REPLENISH][4], (uint32_t)(4 * MS));
    fk_check(f);
    fk_free(f);
}

/*
 * Extratime, H1, A (10 ms, 4 ms) alone with the default flags. From 4.10
 * extratime is on by default: at 4 its budget is spent, it is refilled at
 * level 1 and, nobody else wanting the pCPU, keeps running (slice 4 ms).
 * In 4.9 there is no extratime: as without it in 4.22, it is depleted and
 * the pCPU idles until 10.
 */
static struct ns_vcpu *after_budget(unsigned compat, char **dump)
{
    struct fk *f = fk_rtds(H1, compat);
    struct ns_domain *a = dom(f, 1, 10000, 4000, false);

    boot(f, a->vcpu[0]);
    fk_play(f, 4 * MS);
    struct ns_vcpu *curr = f->curr[0];
    *dump = dumped(f);
    fk_check(f);
    fk_free(f);
    return curr;
}

Test(rtds_versions, extratime_from_410)
{
    char *d;

    cr_expect_not_null(after_budget(410, &d));
    cr_expect_str_eq(d, "rtds pCPU 0: d1v0(l1,d10000000,b4000000)\nrtds runq:\n"
                        "rtds depletedq:\nrtds replq: d1v0(l1,d10000000,b4000000)\n");
    free(d);
    cr_expect_null(after_budget(409, &d));
    cr_expect_str_eq(d, "rtds pCPU 0: idle\nrtds runq:\nrtds depletedq: d1v0(l0,d10000000,b0)\n"
                        "rtds replq: d1v0(l0,d10000000,b0)\n");
    free(d);
}

/*
 * The wake tickle, 4.22, H4. L (4 vCPUs, 100 ms, 50 ms) comes up one vCPU
 * per ms: L0 at 0 (deadline 100), L1 at 1 (101), L2 at 2 (102), L3 at 3
 * (103). Each boots on pCPU 0 (the fake's), the scan starts there and the
 * first idle pCPU takes it: Li runs on pCPU i. W (10 ms, 1 ms) comes up at
 * 4 on pCPU 0 (deadline 14): no pCPU is idle, so the lowest-priority running
 * vCPU is sought, the latest deadline, L3 on pCPU 3; W beats it, so pCPU 3
 * is tickled and W runs there. L3 goes back to the runqueue and tickles:
 * nobody runs later than its 103, so no pCPU.
 */
Test(rtds_tickle, preempts_the_latest_deadline_when_all_are_busy)
{
    struct fk *f = fk_rtds(H4, 422);
    struct ns_domain *l = dom(f, 4, 100000, 50000, false), *w = dom(f, 1, 10000, 1000, false);

    for (unsigned i = 0; i < 4; i++) {
        fk_advance(f, i * MS);
        boot(f, l->vcpu[i]);
        fk_settle(f);
        cr_expect_eq(f->curr[i], l->vcpu[i], "L%u", i);
    }
    fk_advance(f, 4 * MS);
    size_t before = f->ntickles;
    boot(f, w->vcpu[0]);
    cr_expect_eq(f->ntickles, before + 1);
    cr_expect_eq(f->tickles[before], 3);
    cr_expect_eq(f->last_words[TRC_TICKLE][0], 3);
    fk_settle(f);
    cr_expect_eq(f->curr[3], w->vcpu[0]);
    cr_expect_eq(f->ntickles, before + 1);
    expect_dump(f, "rtds pCPU 0: d1v0(l0,d100000000,b50000000)\n"
                   "rtds pCPU 1: d1v1(l0,d101000000,b50000000)\n"
                   "rtds pCPU 2: d1v2(l0,d102000000,b50000000)\n"
                   "rtds pCPU 3: d2v0(l0,d14000000,b1000000)\n"
                   "rtds runq: d1v3(l0,d103000000,b49000000)\nrtds depletedq:\n"
                   "rtds replq: d2v0(l0,d14000000,b1000000) d1v0(l0,d100000000,b50000000) "
                   "d1v1(l0,d101000000,b50000000) d1v2(l0,d102000000,b50000000) "
                   "d1v3(l0,d103000000,b49000000)\n");
    fk_check(f);
    fk_free(f);
}

/*
 * Which idle pCPU, H4: L0 runs on pCPU 0, L1 (on pCPU 2, deadline 102) on
 * pCPU 2; pCPUs 1 and 3 idle. At 4 W comes up on pCPU 2, which is busy.
 * 4.10+ (de8b2f49d7) scans from its own pCPU on: 2 busy, 3 idle: pCPU 3.
 * 4.9 scans from pCPU 0: 0 busy, 1 idle: pCPU 1. Then X comes up on the
 * pCPU W just tickled, still idle. 4.10+ skips tickled pCPUs: from X's
 * pCPU 3 on, 0 busy, 1 idle: pCPU 1, and both idle pCPUs will run. 4.9
 * takes X's own pCPU 1 because it is idle, tickled or not: pCPU 1 is poked
 * twice, runs one of them, and pCPU 3 idles while the other waits.
 */
static void two_wakers(unsigned compat, unsigned want_w, unsigned want_x)
{
    struct fk *f = fk_rtds(H4, compat);
    struct ns_domain *l = dom(f, 2, 100000, 50000, false);
    struct ns_domain *w = dom(f, 1, 10000, 1000, false), *x = dom(f, 1, 10000, 1000, false);

    boot(f, l->vcpu[0]);
    fk_settle(f);
    fk_advance(f, 2 * MS);
    l->vcpu[1]->processor = 2;
    boot(f, l->vcpu[1]);
    fk_settle(f);
    cr_expect_eq(f->curr[2], l->vcpu[1]);
    fk_advance(f, 4 * MS);
    w->vcpu[0]->processor = 2;
    x->vcpu[0]->processor = want_w;
    size_t before = f->ntickles;
    boot(f, w->vcpu[0]);
    boot(f, x->vcpu[0]);
    cr_expect_eq(f->ntickles, before + 2, "%u", compat);
    cr_expect_eq(f->tickles[before], want_w, "%u: W tickled %u", compat, f->tickles[before]);
    cr_expect_eq(f->tickles[before + 1], want_x, "%u: X tickled %u", compat,
                 f->tickles[before + 1]);
    fk_settle(f);
    cr_expect_eq(f->curr[3] != NULL, compat >= 410, "%u", compat);
    fk_check(f);
    fk_free(f);
}

Test(rtds_versions, tickle_skips_tickled_pcpus_and_starts_at_its_own_from_410)
{
    two_wakers(422, 3, 1);
    two_wakers(410, 3, 1);
    two_wakers(409, 1, 1);
}

/*
 * Equal priorities, H1: A and B alike (10 ms, 4 ms) come up at 0, A first,
 * both deadline 10. 4.10+ (463b958317) queues an equal behind its equals:
 * runqueue [A, B], A runs. At 1 pCPU 0 reschedules (a spurious softirq):
 * A has 3 ms left, but B is its equal and only a strictly better vCPU
 * keeps the pCPU, so B takes it. Before 4.10 a new entry goes in front of
 * an equal deadline: [B, A], B runs, and keeps the pCPU at 1 against its
 * equal A.
 */
static void equals(unsigned compat, unsigned first, unsigned at_1)
{
    struct fk *f = fk_rtds(H1, compat);
    struct ns_domain *a = dom(f, 1, 0, 0, false), *b = dom(f, 1, 0, 0, false);
    struct ns_vcpu *v[2] = {a->vcpu[0], b->vcpu[0]};

    boot(f, v[0]);
    boot(f, v[1]);
    fk_settle(f);
    cr_expect_eq(f->curr[0], v[first], "%u", compat);
    fk_advance(f, 1 * MS);
    fk_sched(f, 0);
    cr_expect_eq(f->curr[0], v[at_1], "%u", compat);
    fk_check(f);
    fk_free(f);
}

Test(rtds_versions, an_equal_goes_behind_and_takes_the_pcpu_from_410)
{
    equals(422, 0, 1);
    equals(410, 0, 1);
    equals(409, 1, 1);
}

/*
 * budget = period, H1: A (10 ms, 10 ms, -e 0 from 4.10; 4.7-4.9 have no
 * extratime) runs from 0 with a 10 ms slice. At 10 the replenishment timer
 * and the slice end coincide; the timer goes first: A, running, gets
 * deadline 20 and a full budget. From 4.8 (514e5eb015) that restarts its
 * accounting (last_start = 10), so the schedule at 10 charges it nothing
 * and it runs on. In 4.7 the schedule charges it the 10 ms since it
 * started, from the new period's budget: spent, depleted, the pCPU idles
 * until 20.
 */
static struct ns_vcpu *at_boundary(unsigned compat)
{
    struct fk *f = fk_rtds(H1, compat);
    struct ns_domain *a = dom(f, 1, 10000, 10000, true);

    boot(f, a->vcpu[0]);
    fk_play(f, 10 * MS);
    struct ns_vcpu *curr = f->curr[0];
    fk_check(f);
    fk_free(f);
    return curr;
}

Test(rtds_versions, a_replenishment_restarts_accounting_from_48)
{
    cr_expect_not_null(at_boundary(408));
    cr_expect_not_null(at_boundary(422));
    cr_expect_null(at_boundary(407));
}

/*
 * The records' payloads per release, H1, A (10 ms, 4 ms) alone, to 4:
 * BUDGET_BURN carries level and extratime from 4.10 (6 words, 4 before),
 * BUDGET_REPLENISH the level from 4.10 (its deadline then in words 2-3, in
 * words 1-2 before), and SCHEDULE exists from 4.8 (c540b09cec). At 4 the
 * burn is 4 ms (word 3); in 4.22 the budget is refilled (4 ms, level 1,
 * extratime 1); in 4.9 it is 0. The schedule record at 4 is pCPU 0's,
 * not tickled, not idle: 0.
 */
Test(rtds_trace, payloads_per_release)
{
    struct fk *f = fk_rtds(H1, 422);
    struct ns_domain *a = dom(f, 1, 10000, 4000, false);

    boot(f, a->vcpu[0]);
    fk_play(f, 4 * MS);
    uint32_t *burn = f->last_words[TRC_BURN];
    cr_expect_eq(burn[0], word(a->vcpu[0]));
    cr_expect_eq(burn[1], (uint32_t)(4 * MS));
    cr_expect_eq(burn[3], (uint32_t)(4 * MS));
    cr_expect_eq(burn[4], 1);
    cr_expect_eq(burn[5], 1);
    cr_expect_eq(f->last_words[TRC_REPLENISH][2], (uint32_t)(10 * MS));
    cr_expect_eq(f->last_words[TRC_SCHEDULE][0], 0);
    cr_expect_eq(f->last_words[TRC_RUNQ_PICK][0], word(a->vcpu[0]));
    cr_expect_gt(f->traces[TRC_SCHEDULE], 0);
    fk_free(f);

    f = fk_rtds(H1, 409);
    a = dom(f, 1, 10000, 4000, false);
    boot(f, a->vcpu[0]);
    fk_play(f, 4 * MS);
    burn = f->last_words[TRC_BURN];
    cr_expect_eq(burn[1], 0);
    cr_expect_eq(burn[3], (uint32_t)(4 * MS));
    cr_expect_eq(burn[4], 0, "4 words before 4.10");
    cr_expect_eq(f->last_words[TRC_REPLENISH][1], (uint32_t)(10 * MS));
    cr_expect_gt(f->traces[TRC_SCHEDULE], 0);
    fk_free(f);

    f = fk_rtds(H1, 407);
    a = dom(f, 1, 10000, 4000, false);
    boot(f, a->vcpu[0]);
    fk_play(f, 4 * MS);
    cr_expect_eq(f->traces[TRC_SCHEDULE], 0);
    cr_expect_gt(f->traces[TRC_BURN], 0);
    fk_free(f);
}

/* Versions before 4.7 are refused where a scheduler is made. */
Test(rtds_versions, refuses_before_47)
{
    struct fk *f = fk_create(H1, "rtds", 422);
    struct ns_err err;

    f->s.params.rtds_compat = 406;
    cr_assert_neq(f->s.ops->init(&f->s, &err), 0);
    cr_expect(strstr(err.msg, "rtds_compat") != NULL, "%s", err.msg);
    f->s.params.rtds_compat = 422;
    fk_start(f);
    fk_free(f);
}

/*
 * Through the engine, examples/rtds.cfg for 1 s (guests come up at 2, 3
 * and 4 s of the create gap: 1 s is enough to reach them with duration
 * added to warm-up and creation), checked after every event. capped (2 ms
 * of every 10 ms, no extratime) runs exactly its reservation: 20 % of its
 * measured time, to within one period's budget at each end of the window;
 * bulk, with extratime, takes much more than its 40 %.
 */
Test(rtds_engine, the_example_pool_gives_capped_its_reservation_and_bulk_the_rest)
{
    struct ns_sim_spec spec;
    struct ns_engine *e = engine_run_checked("examples/rtds.cfg", 1000 * NS_MS, &spec);
    const struct ns_results *r = ns_engine_results(e);
    size_t seen = 0;
    for (size_t d = 0; d < r->nr_domains; d++) {
        const struct ns_domain_result *dr = &r->dom[d];
        for (unsigned i = 0; i < dr->nr_vcpus; i++) {
            double run = (double)dr->vcpu[i].runstate_ns[NS_RUNSTATE_RUNNING] /
                         (double)r->duration_ns;
            if (strcmp(dr->name, "capped") == 0) {
                cr_expect(run > 0.195 && run < 0.205, "capped v%u ran %.4f", i, run);
                seen++;
            } else if (strcmp(dr->name, "bulk") == 0) {
                cr_expect_gt(run, 0.6, "bulk v%u ran %.4f", i, run);
                seen++;
            }
        }
    }
    cr_expect_eq(seen, 10);
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}

/*
 * Insert, H4: a vCPU the builder put on pCPU 0 but pinned to pCPUs 2-3.
 * From 4.8 (9f358ddd69) insert asks rt_res_pick: pCPU 0 is not allowed, so
 * the next allowed after it, 2. 4.7 keeps the builder's pCPU 0 until a
 * pick (which the engine makes before the vCPU first comes up).
 */
static unsigned inserted_on(unsigned compat)
{
    struct fk *f = fk_rtds(H4, compat);
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);

    set_range(&d->vcpu[0]->hard, 2, 3);
    fk_dom_insert(f, d);
    unsigned cpu = d->vcpu[0]->processor;
    fk_free(f);
    return cpu;
}

Test(rtds_versions, insert_picks_from_48)
{
    cr_expect_eq(inserted_on(408), 2);
    cr_expect_eq(inserted_on(422), 2);
    cr_expect_eq(inserted_on(407), 0);
}

/*
 * The depleted flag, H4 with every vCPU pinned (pCPUs 2-3 stay idle: nobody
 * may use them), none with extratime. A (10 ms, 4 ms) and L (20 ms, 10 ms)
 * on pCPU 0, M (19 ms, 15 ms) and H (18 ms, 5 ms) on pCPU 1. The flag is
 * read only at a replenishment; 4.7 clears it only when the vCPU is queued
 * then, 4.8 (1b843b2097) at every replenishment.
 *
 * 0: A comes up (deadline 10), runs to 4, is depleted (flag set) and waits
 * in the depleted queue. 5: paused, it leaves both queues, flag still set.
 * 19: unpaused past its deadline: deadline 20, budget 4, it runs. 20: its
 * replenishment finds it running with an empty runqueue: 4.8 clears the
 * flag, 4.7 leaves it (A is not queued). Deadline 30. 21: paused again
 * (2 ms charged in 4.7, 1 in 4.8: 514e5eb015; irrelevant, the wake at 45
 * refills it).
 *
 * 30: L comes up (deadline 50) and runs; 31: paused, 9 ms left. 40: M comes
 * up on pCPU 1 (deadline 59) and runs, slice 15 ms. 41: H comes up
 * (deadline 59), ties M, so no tickle: H waits in the runqueue. 44: L is
 * unpaused (deadline 50 kept) and runs on idle pCPU 0, slice 9 (to 53).
 * 45: A is unpaused past its deadline 30: deadline 50, budget 4; it ties
 * L, so it waits: runqueue [A (50), H (59)], no tickle.
 *
 * 50: L and A are replenished: L deadline 70, A 60; A moves behind H
 * (59). L runs and the runqueue's head H (59) beats it, so a pCPU is sought
 * for H; H may use pCPU 1 only, where M (59) is not worse: no tickle. A is
 * queued: 4.8 finds no flag and does nothing, so L keeps pCPU 0 though A
 * (60) beats it, until its slice ends at 53. 4.7 finds the flag left from
 * 4, clears it and tickles for A: pCPU 0, where L (70) is worse, and A runs
 * at 50. 4.7 charges L, then, the 6 ms it ran before 50 (514e5eb015): 4 ms
 * left, still more than nothing. H and M are there only to put another
 * vCPU than A at the head: were A the head, L's replenishment would tickle
 * for A in every release and the flag would not show.
 */
static void stale_flag(unsigned compat, bool tickles_a)
{
    struct fk *f = fk_rtds(H4, compat);
    struct ns_domain *a = dom(f, 1, 10000, 4000, true), *l = dom(f, 1, 20000, 10000, true);
    struct ns_domain *m = dom(f, 1, 19000, 15000, true), *h = dom(f, 1, 18000, 5000, true);
    struct ns_vcpu *va = a->vcpu[0], *vl = l->vcpu[0];

    set_range(&va->hard, 0, 0);
    set_range(&vl->hard, 0, 0);
    set_range(&m->vcpu[0]->hard, 1, 1);
    set_range(&h->vcpu[0]->hard, 1, 1);
    boot(f, va);
    fk_play(f, 5 * MS);
    fk_set_flag(f, va, NS_VPF_PAUSED);
    fk_play(f, 19 * MS);
    fk_clear_flag(f, va, NS_VPF_PAUSED);
    fk_play(f, 21 * MS);
    fk_set_flag(f, va, NS_VPF_PAUSED);
    fk_play(f, 30 * MS);
    boot(f, vl);
    fk_play(f, 31 * MS);
    fk_set_flag(f, vl, NS_VPF_PAUSED);
    fk_play(f, 40 * MS);
    boot(f, m->vcpu[0]);
    fk_play(f, 41 * MS);
    boot(f, h->vcpu[0]);
    fk_play(f, 44 * MS);
    fk_clear_flag(f, vl, NS_VPF_PAUSED);
    fk_play(f, 45 * MS);
    fk_clear_flag(f, va, NS_VPF_PAUSED);
    fk_settle(f);
    cr_expect_eq(f->curr[0], vl, "%u", compat);
    cr_expect_eq(f->curr[1], m->vcpu[0], "%u", compat);
    fk_check(f);
    size_t before = f->ntickles;
    fk_play(f, 50 * MS);
    cr_expect_eq(f->ntickles, before + tickles_a, "%u", compat);
    cr_expect(!tickles_a || f->tickles[before] == 0, "%u", compat);
    cr_expect_eq(f->curr[0], tickles_a ? va : vl, "%u", compat);
    fk_check(f);
    fk_free(f);
}

Test(rtds_versions, a_replenishment_clears_the_depleted_flag_unqueued_from_48)
{
    stale_flag(422, false);
    stale_flag(410, false);
    stale_flag(408, false);
    stale_flag(407, true);
}
