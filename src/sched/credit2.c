/*
 * credit2: Xen's credit2 scheduler ("sched=credit2", the default since Xen
 * 4.12), re-implemented from facts/xen-scheduling.md section 3 with the
 * semantics of Xen 4.22's xen/common/sched/credit2.c.
 *
 * The mechanism, in one paragraph: pCPUs are grouped into runqueues (one per
 * socket by default, at most 16 pCPUs each), and a vCPU belongs to one
 * runqueue at a time. Credit is time: every vCPU starts an epoch with 10 ms,
 * the running one pays for what it runs, scaled so that a vCPU of half the
 * runqueue's largest weight pays double, and the runqueue's queue is ordered
 * by credit. When the best vCPU that wants to run has none left, the epoch
 * ends for the whole runqueue: everybody gets 10 ms more, and the pCPU that
 * noticed balances load against the runqueue furthest from its own. A
 * waking vCPU queues in its own runqueue and one pCPU there is tickled:
 * an idle one (whole idle cores first, soft affinity first), else the busy
 * one it beats by the widest credit margin. A pCPU runs a vCPU until its
 * credit falls to that of the next in line, between 500 us and 10 ms.
 *
 * Files:
 *   credit2.c        this file: lifecycle, wake/sleep/yield, schedule, the
 *                    ops table;
 *   credit2_runq.c   runqueue arrangement, queues, credits, load averages;
 *   credit2_pick.c   tickle, res_pick, moves between runqueues, balancing;
 *   credit2_cap.c    caps: budgets, parking, replenishment;
 *   credit2_check.c  the invariant checker (--check), dump, stats.
 *
 * Not modelled: the experimental 4.3-4.7 versions (facts 3.8), tasklets,
 * and the lock contention that makes Xen fall back when a try-lock fails
 * (numasched's locks always succeed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "credit2_priv.h"

void c2_trace(const struct c2_priv *prv, uint32_t event, unsigned n, const uint32_t *words)
{
    const struct ns_sched_env *env = prv->s->env;

    if (env->trace)
        env->trace(env->ctx, event, n, words);
}

uint32_t c2_unit_word(const struct c2_vcpu *svc)
{
    if (c2_is_idle(svc))
        return svc->idle_cpu | (0x7fffu << 16);
    return svc->v->id | (svc->v->dom->id << 16);
}

/* ---- instance, pCPUs, domains, vCPUs ------------------------------------------ */

/*
 * Versions (facts 3.8): 4.8 brought today's load math, ratelimit, SMT-aware
 * tickling and per-socket runqueues; 4.10 soft affinity and caps; 4.14 the
 * limit of pCPUs per runqueue; 4.18 made "all" one runqueue whatever the
 * SMT siblings. Older credit2 was experimental and is not modelled.
 */
static int c2_set_params(struct c2_priv *prv, const struct ns_sched_params *p, struct ns_err *err)
{
    unsigned n = prv->topo->nr_pcpus, max = p->credit2_max_cpus_runqueue;

    if (p->credit2_compat < 408 || p->credit2_compat > 422)
        return ns_err_set(err, NULL, 0, "credit2_compat",
                          "credit2: Xen version 4.%u is not modelled (4.8 to 4.22)",
                          p->credit2_compat >= 400 ? p->credit2_compat - 400 : p->credit2_compat);
    if (max < 1)
        return ns_err_set(err, NULL, 0, "sched_credit2_max_cpus_runqueue",
                          "credit2: at least 1 pCPU per runqueue");
    prv->compat = p->credit2_compat;
    /* Spread evenly: as many runqueues as the limit needs, as equal as can be. */
    prv->max_cpus_runq = c2_compat_ge(prv, 414) ? n / ((n - 1) / max + 1) : n;
    prv->arrangement = p->credit2_runqueue;
    prv->ratelimit = (ns_time_t)p->ratelimit_us * NS_US;
    prv->migrate_resist = (ns_time_t)p->credit2_migrate_resist_us * NS_US;
    return 0;
}

static int credit2_init(struct ns_sched *s, struct ns_err *err)
{
    const struct ns_topo *t = s->env->topo;
    struct c2_priv *prv = ns_xcalloc(1, sizeof(*prv));

    prv->s = s;
    prv->topo = t;
    if (c2_set_params(prv, &s->params, err) < 0) {
        free(prv);
        return -1;
    }
    prv->pcpu = ns_xcalloc(t->nr_pcpus, sizeof(*prv->pcpu));
    cs_list_init(&prv->all_doms);
    struct ns_mask *scratch[] = {&prv->tk_mask, &prv->tk_step, &prv->pk_mask, &prv->pk_hard,
                                 &prv->sc_mask, &prv->ck_mask};
    for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++)
        ns_mask_init(scratch[i], t->nr_pcpus);
    s->priv = prv;
    return 0;
}

static void c2_vcpu_free(struct c2_vcpu *svc)
{
    ns_mask_free(&svc->passed_by);
    free(svc);
}

/* vCPUs the engine did not remove (their ns_vcpu may be gone: not touched). */
static void credit2_deinit(struct ns_sched *s)
{
    struct c2_priv *prv = c2_priv(s);

    if (!prv)
        return;
    for (unsigned i = 0; i < prv->nr_rqd; i++) {
        struct c2_rqd *rqd = prv->rqd[i];
        while (!cs_list_empty(&rqd->svc)) {
            struct c2_vcpu *svc = c2_rqd_elem(rqd->svc.next);
            cs_list_del_init(&svc->rqd_elem);
            c2_vcpu_free(svc);
        }
        c2_rqd_free(rqd);
    }
    while (!cs_list_empty(&prv->all_doms)) {
        struct c2_dom *sdom = cs_entry(prv->all_doms.next, struct c2_dom, all_elem);
        c2_cap_deinit(prv, sdom);
        cs_list_del_init(&sdom->all_elem);
        free(sdom);
    }
    struct ns_mask *scratch[] = {&prv->tk_mask, &prv->tk_step, &prv->pk_mask, &prv->pk_hard,
                                 &prv->sc_mask, &prv->ck_mask};
    for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++)
        ns_mask_free(scratch[i]);
    free(prv->rqd);
    free(prv->pcpu);
    free(prv);
    s->priv = NULL;
}

static void c2_vcpu_init(struct c2_vcpu *svc)
{
    memset(svc, 0, sizeof(*svc));
    cs_list_init(&svc->runq_elem);
    cs_list_init(&svc->rqd_elem);
    cs_list_init(&svc->parked_elem);
    svc->tickled_cpu = -1;
}

/* A pCPU joins its runqueue (facts 3.2) idle, with an idle vCPU below every credit. */
static void credit2_add_pcpu(struct ns_sched *s, unsigned cpu)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_pcpu *spc = c2_pcpu(prv, cpu);

    spc->in_pool = true;
    spc->rqd = c2_rqd_for_cpu(prv, cpu);
    c2_vcpu_init(&spc->idle);
    spc->idle.credit = c2_idle_credit(prv);
    spc->idle.idle_cpu = cpu;
    spc->idle.rqd = spc->rqd;
    spc->curr = &spc->idle;
    spc->curr_since = c2_now(prv);
}

static struct c2_dom *c2_dom_alloc(struct c2_priv *prv, struct ns_domain *d)
{
    struct c2_dom *sdom = ns_xcalloc(1, sizeof(*sdom));

    cs_list_add_tail(&sdom->all_elem, &prv->all_doms);
    sdom->dom = d;
    sdom->prv = prv;
    sdom->weight = d->weight ? d->weight : C2_DEFAULT_WEIGHT;
    sdom->cap = c2_compat_ge(prv, 410) ? d->cap : 0;
    c2_cap_init(prv, sdom);
    d->sched_priv = sdom;
    return sdom;
}

static void credit2_add_domain(struct ns_sched *s, struct ns_domain *d)
{
    c2_dom_alloc(c2_priv(s), d);
}

static void credit2_remove_domain(struct ns_sched *s, struct ns_domain *d)
{
    struct c2_dom *sdom = d->sched_priv;

    if (!sdom)
        return;
    c2_cap_deinit(c2_priv(s), sdom);
    cs_list_del_init(&sdom->all_elem);
    free(sdom);
    d->sched_priv = NULL;
}

/* Xen's fast path for a vCPU pinned to a single pCPU (facts 3.7, step 1). */
static void c2_update_pinned(struct c2_vcpu *svc)
{
    if (ns_mask_weight(&svc->v->hard) == 1)
        svc->flags |= C2_FLAG_PINNED;
    else
        svc->flags &= ~C2_FLAG_PINNED;
}

/*
 * A new vCPU starts an epoch's worth of credit and a load of one half (it
 * has not yet shown whether it runs), and is assigned to the runqueue
 * res_pick chooses: credit2 picks on insert (facts 1.3, 4.8+). In a capped
 * domain it starts without budget and its quota is its share of the
 * domain's, at least MIN_TIMER.
 */
static void credit2_insert_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_dom *sdom = v->dom->sched_priv ? v->dom->sched_priv : c2_dom_alloc(prv, v->dom);
    struct c2_vcpu *svc = ns_xmalloc(sizeof(*svc));

    c2_vcpu_init(svc);
    ns_mask_init(&svc->passed_by, prv->topo->nr_pcpus);
    svc->v = v;
    svc->sdom = sdom;
    svc->weight = sdom->weight;
    svc->credit = C2_CREDIT_INIT;
    svc->avgload = 1LL << (C2_LOAD_PRECISION_SHIFT - 1);
    svc->load_last_update = (int64_t)(c2_now(prv) >> C2_LOAD_GRANULARITY_SHIFT);
    svc->budget_quota = sdom->tot_budget / (v->dom->nr_vcpus ? v->dom->nr_vcpus : 1);
    if (svc->budget_quota < C2_MIN_TIMER)
        svc->budget_quota = C2_MIN_TIMER;
    v->sched_priv = svc;
    c2_update_pinned(svc);
    v->processor = c2_res_pick(prv, svc);
    c2_runq_assign(prv, svc, c2_rqd_of(prv, v->processor));
}

/* Only at teardown: the engine never removes a vCPU while the host runs. */
static void credit2_remove_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_vcpu *svc = c2_vcpu(v);

    if (!svc)
        return;
    if (c2_on_runq(svc))
        c2_runq_remove(svc);
    cs_list_del_init(&svc->parked_elem);
    if (svc->rqd)
        c2_runq_deassign(prv, svc);
    struct c2_pcpu *spc = c2_pcpu(prv, v->processor);
    if (spc->in_pool && spc->curr == svc)
        spc->curr = &spc->idle;
    c2_vcpu_free(svc);
    v->sched_priv = NULL;
}

/*
 * The core moves a vCPU (facts 1.2): res_pick chooses, and, as Xen's
 * csched2_unit_migrate right after it, a change of runqueue is made now
 * (the vCPU is off its pCPU and off the queue at this point).
 */
static unsigned credit2_pick_cpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_vcpu *svc = c2_vcpu(v);
    unsigned cpu;

    c2_update_pinned(svc);
    cpu = c2_res_pick(prv, svc);
    if (c2_rqd_of(prv, cpu) != svc->rqd)
        c2_migrate(prv, svc, c2_rqd_of(prv, cpu), c2_now(prv));
    else
        v->processor = cpu;
    return v->processor;
}

/* ---- wake, sleep, yield (facts 3.4, 3.7) ---------------------------------------- */

/*
 * A waking vCPU joins the queue of the runqueue it is assigned to (credit2
 * never changes runqueue on wake) and counts in its load; tickle finds it a
 * pCPU there.
 */
static void credit2_wake(struct ns_sched *s, struct ns_vcpu *v)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_vcpu *svc = c2_vcpu(v);
    ns_time_t now = c2_now(prv);

    if (c2_pcpu(prv, v->processor)->curr == svc || c2_on_runq(svc))
        return;
    c2_update_load(prv, svc->rqd, svc, 1, now);
    c2_runq_insert(prv, svc);
    c2_runq_tickle(prv, svc, now);
}

/*
 * A running vCPU gets its pCPU rescheduled (its load drops when it is off),
 * marked tickled from 4.9 (c2_resched_cpu); a queued one leaves the queue
 * and the load now.
 */
static void credit2_sleep(struct ns_sched *s, struct ns_vcpu *v)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_vcpu *svc = c2_vcpu(v);

    if (c2_pcpu(prv, v->processor)->curr == svc) {
        c2_resched_cpu(prv, v->processor, svc->rqd);
    } else if (c2_on_runq(svc)) {
        c2_update_load(prv, svc->rqd, svc, -1, c2_now(prv));
        c2_runq_remove(svc);
    }
}

/* A yield makes the next schedule (which the core asks for, as Xen's
 * do_yield does) look at the whole queue, ratelimit or not. */
static void credit2_yield(struct ns_sched *s, struct ns_vcpu *v)
{
    (void)s;
    c2_vcpu(v)->flags |= C2_FLAG_YIELD;
}

/* ---- schedule (facts 3.3, 3.7) ----------------------------------------------------- */

/*
 * Soft-affinity kick-away (4.10+): a vCPU running outside its soft affinity
 * while a soft-affine pCPU of its runqueue sits idle and untickled is
 * treated as not runnable here, so it goes back to the queue and tickle
 * sends it to that pCPU. Without the rule it would stay wherever it first
 * landed for as long as it kept running.
 */
static bool c2_kick_away(struct c2_priv *prv, struct c2_vcpu *scurr, unsigned cpu)
{
    struct ns_mask *m = &prv->sc_mask;
    struct c2_rqd *rqd = scurr->rqd;

    if (!c2_has_soft(prv, scurr->v))
        return false;
    ns_balance_mask(scurr->v, NS_BALANCE_SOFT, m);
    if (ns_mask_test(m, cpu))
        return false;
    ns_mask_and(m, m, &rqd->idle);
    ns_mask_andnot(m, m, &rqd->tickled);
    return ns_mask_intersects(m, c2_pool_cpus(prv));
}

/*
 * Whether the scan passes over @svc whatever its credit: not allowed here,
 * reserved by a still-pending tickle for another pCPU (noted in passed_by,
 * for the checker), or last run on another pCPU without a lead of
 * migrate_resist over @snext (moving a vCPU costs its cache, so a small
 * credit lead is not worth it).
 */
static bool c2_scan_passes_over(struct c2_priv *prv, const struct c2_rqd *rqd,
                                struct c2_vcpu *svc, const struct c2_vcpu *snext, unsigned cpu)
{
    if (!ns_mask_test(&svc->v->hard, cpu))
        return true;
    if (svc->tickled_cpu != -1 && (unsigned)svc->tickled_cpu != cpu &&
        ns_mask_test(&rqd->tickled, (unsigned)svc->tickled_cpu)) {
        ns_mask_set(&svc->passed_by, cpu);
        return true;
    }
    if (svc->v->processor != cpu && snext->credit + (int64_t)prv->migrate_resist > svc->credit) {
        prv->stats.resisted++;
        return true;
    }
    return false;
}

/* Each vCPU the scan looks at (RUNQ_CAND_CHECK is new in 4.9). */
static void c2_trace_cand_check(const struct c2_priv *prv, const struct c2_vcpu *svc)
{
    if (c2_compat_ge(prv, 409))
        c2_trace(prv, C2_TRC_RUNQ_CAND_CHECK, 1, (uint32_t[]){c2_unit_word(svc)});
}

/*
 * The scan up to 4.15: the first vCPU the scan does not pass over ends it,
 * taken or not. It is taken if it has more credit than @snext (or @snext
 * yields) and, when capped, gets budget (4.13-4.15 also want it runnable,
 * which every queued vCPU is here); a capped vCPU that finds none is
 * parked and the scan stops there, so the pCPU keeps @snext (or idles)
 * even with a runnable vCPU behind it in the queue. That pCPU is marked
 * stalled for the checker: nothing tickles it until the next wake-up or
 * refill (Xen 0f742839ae, 4.16, made the scan go on past such a vCPU).
 * @skipped counts the vCPUs passed over, for c2_epoch_over up to 4.13.
 */
static struct c2_vcpu *c2_scan_runq_415(struct c2_priv *prv, struct c2_rqd *rqd,
                                        struct c2_vcpu *snext, unsigned cpu, bool yield,
                                        unsigned *skipped)
{
    for (struct cs_list *it = rqd->runq.next; it != &rqd->runq; it = it->next) {
        struct c2_vcpu *svc = c2_runq_elem(it);
        c2_trace_cand_check(prv, svc);
        if (c2_scan_passes_over(prv, rqd, svc, snext, cpu)) {
            (*skipped)++;
            continue;
        }
        if (!yield && svc->credit <= snext->credit)
            return snext;
        if (c2_has_cap(svc) && !c2_grab_budget(prv, svc)) {
            c2_pcpu(prv, cpu)->stalled = true;
            return snext;
        }
        return svc;
    }
    return snext;
}

/*
 * Which waiting vCPU beats @snext here (4.16+): the queue is in credit
 * order, so the scan stops at the first with no more credit (a yield scans
 * it all). It skips the vCPUs c2_scan_passes_over names. Last, a capped
 * vCPU must get budget, or it is parked (and leaves the queue) and the
 * scan goes on.
 */
static struct c2_vcpu *c2_scan_runq(struct c2_priv *prv, struct c2_rqd *rqd,
                                    struct c2_vcpu *snext, unsigned cpu, bool yield,
                                    unsigned *skipped)
{
    if (!c2_compat_ge(prv, 416))
        return c2_scan_runq_415(prv, rqd, snext, cpu, yield, skipped);
    for (struct cs_list *it = rqd->runq.next, *next; it != &rqd->runq; it = next) {
        struct c2_vcpu *svc = c2_runq_elem(it);
        next = it->next;
        c2_trace_cand_check(prv, svc);
        if (!yield && svc->credit <= snext->credit)
            break;
        if (c2_scan_passes_over(prv, rqd, svc, snext, cpu))
            continue;
        if (c2_has_cap(svc) && !c2_grab_budget(prv, svc))
            continue;
        return svc;
    }
    return snext;
}

/*
 * RUNQ_CANDIDATE as each release lays it out: unit, tickled pCPU and the
 * vCPUs the scan skipped in 4.8; 4.9 adds the credit; 4.14 (dae7b62e97)
 * drops the skipped count with the reset rule that used it.
 */
static void c2_trace_candidate(const struct c2_priv *prv, const struct c2_vcpu *snext,
                               unsigned skipped)
{
    uint32_t unit = c2_unit_word(snext), tickled = (uint32_t)snext->tickled_cpu;

    if (c2_compat_ge(prv, 414))
        c2_trace(prv, C2_TRC_RUNQ_CANDIDATE, 3, (uint32_t[]){unit, tickled, c2_lo(snext->credit)});
    else
        c2_trace(prv, C2_TRC_RUNQ_CANDIDATE, c2_compat_ge(prv, 409) ? 4 : 3,
                 (uint32_t[]){unit, tickled, skipped, c2_lo(snext->credit)});
}

/*
 * The candidate: the current vCPU while it is within its ratelimit (and did
 * not yield), so wake-up storms cannot make a pCPU thrash; else the best of
 * the current vCPU (unless kicked away or not runnable, then idle) and the
 * queue, and how many vCPUs the scan passed over on the way (up to 4.15).
 */
static struct c2_vcpu *c2_candidate(struct c2_priv *prv, struct c2_rqd *rqd,
                                    struct c2_vcpu *scurr, unsigned cpu, ns_time_t now,
                                    unsigned *skipped)
{
    struct c2_pcpu *spc = c2_pcpu(prv, cpu);
    struct c2_vcpu *snext = scurr;
    bool yield = false;

    *skipped = 0;
    if (!c2_is_idle(scurr)) {
        yield = scurr->flags & C2_FLAG_YIELD;
        scurr->flags &= ~C2_FLAG_YIELD;
        bool runnable = ns_vcpu_runnable(scurr->v);
        if (!yield && prv->ratelimit && runnable && now - spc->curr_since < prv->ratelimit) {
            prv->stats.ratelimited++;
            c2_trace(prv, C2_TRC_RATELIMIT, 2,
                     (uint32_t[]){c2_unit_word(scurr), (uint32_t)(now - spc->curr_since)});
            return scurr;
        }
        bool kick = runnable && c2_kick_away(prv, scurr, cpu);
        prv->stats.kick_aways += kick;
        if (!runnable || kick)
            snext = &spc->idle;
    }
    snext = c2_scan_runq(prv, rqd, snext, cpu, yield, skipped);
    c2_trace_candidate(prv, snext, *skipped);
    return snext;
}

/*
 * How long @snext runs (facts 3.7): until its credit falls to that of the
 * best waiting vCPU (from 4.21, or of the one going back to the queue:
 * @inflight, see c2_inflight_credit), or to zero,
 * converted back to time at its burn rate, and no longer than its budget if
 * capped; never less than 500 us nor what is left of its ratelimit, never
 * more than 10 ms.
 */
static ns_time_t c2_runtime(struct c2_priv *prv, struct c2_rqd *rqd, struct c2_vcpu *snext,
                            bool running, ns_time_t since, ns_time_t now, int64_t inflight)
{
    int64_t min_time = C2_MIN_TIMER, rt_credit = snext->credit, swait = 0, time;

    if (prv->ratelimit) {
        int64_t rl = (int64_t)prv->ratelimit;
        if (running)
            rl = (int64_t)(since + prv->ratelimit) - (int64_t)now;
        if (rl > min_time)
            min_time = rl;
    }
    if (!cs_list_empty(&rqd->runq) && c2_runq_elem(rqd->runq.next)->credit > 0)
        swait = c2_runq_elem(rqd->runq.next)->credit;
    if (swait < inflight)
        swait = inflight;
    if (swait > 0)
        rt_credit = snext->credit - swait;
    time = rt_credit > 0 ? rt_credit * (int64_t)snext->weight / (int64_t)rqd->max_weight : 0;
    if (c2_has_cap(snext) && snext->budget < time)
        time = snext->budget;
    if (time < min_time)
        time = min_time;
    else if (time > C2_MAX_TIMER)
        time = C2_MAX_TIMER;
    return (ns_time_t)time;
}

/*
 * A vCPU that keeps its pCPU goes through no wake, block or switch, the
 * points where its load average is brought up to date. Up to 4.15 only
 * balancing, when there is another runqueue, refreshes it otherwise, so
 * with one runqueue a vCPU that never stops running keeps the average it
 * had when it started (Xen's 'r' key showed busy vCPUs at ~0 %). Xen 4.16
 * (89052b9fa2, backported to 4.13.4, 4.14.3 and 4.15.1) updates it and its
 * runqueue's here, at every schedule that keeps it.
 */
static void c2_continue_load(struct c2_priv *prv, struct c2_rqd *rqd, struct c2_vcpu *scurr,
                             ns_time_t now)
{
    if (c2_compat_ge(prv, 416))
        c2_update_load(prv, rqd, scurr, 0, now);
}

/*
 * Has the epoch ended, now that @snext is to run? From 4.14 (dae7b62e97,
 * also in 4.11.4, 4.12.3 and 4.13.1) when neither @snext nor the best vCPU
 * still waiting has credit left. Before (5e4b4199667b, 4.8), when @snext
 * has none and the scan that chose it passed over no vCPU (@skipped), as
 * one passed over might have credit left: so no reset while the head of
 * the queue is a vCPU this pCPU may not take, even when nobody has credit
 * left, and a vCPU kept for its ratelimit (no scan at all) ends the epoch
 * on its own credit, whatever waits with more.
 */
static bool c2_epoch_over(const struct c2_priv *prv, const struct c2_rqd *rqd,
                          const struct c2_vcpu *snext, unsigned skipped)
{
    int64_t top = snext->credit;

    if (!c2_compat_ge(prv, 414))
        return skipped == 0 && top <= C2_CREDIT_RESET;
    if (!cs_list_empty(&rqd->runq) && c2_runq_elem(rqd->runq.next)->credit > top)
        top = c2_runq_elem(rqd->runq.next)->credit;
    return top <= C2_CREDIT_RESET;
}

static void c2_leave_idle(struct c2_priv *prv, struct c2_rqd *rqd, unsigned cpu)
{
    if (ns_mask_test(&rqd->idle, cpu)) {
        ns_mask_clear(&rqd->idle, cpu);
        c2_smt_idle_clear(prv, cpu, rqd);
    }
}

/*
 * The idle, untickled pCPUs of @rqd: after a tickle went to the pCPU that
 * was balancing (up to 4.11, see c2_new_epoch), Xen leaves them idle while
 * the vCPU it pulled in waits; the checker lets them be until they next
 * schedule.
 */
static void c2_mark_overlooked(struct c2_priv *prv, struct c2_rqd *rqd)
{
    struct ns_mask *m = &prv->sc_mask;

    ns_mask_andnot(m, &rqd->idle, &rqd->tickled);
    ns_mask_for_each(c, m)
        c2_pcpu(prv, (unsigned)c)->stalled = true;
}

/*
 * The epoch is over: reset everybody's credit and balance load. Up to
 * 4.11 @cpu is still in the idle masks here (c2_run), so a waiting vCPU
 * that balancing pulls into this runqueue may be tickled onto @cpu itself,
 * which then keeps the vCPU it has just chosen (for its ratelimit, or its
 * credit) while the pulled one waits beside pCPUs that really are idle;
 * or onto @cpu's sibling thread, the core looking fully idle. From 4.9 a
 * push of @snext itself, when it waited on @cpu, marks @cpu tickled first
 * (c2_migrate): then no pull is tickled onto it, and it reschedules at
 * once, so nothing is overlooked.
 */
static void c2_new_epoch(struct c2_priv *prv, struct c2_rqd *rqd, unsigned cpu, ns_time_t now,
                         struct c2_vcpu *snext)
{
    c2_reset_credit(prv, cpu, now, snext);
    bool tickled = ns_mask_test(&rqd->tickled, cpu);
    c2_balance_load(prv, cpu, now);
    bool pushed_here = (snext->flags & C2_FLAG_MIGRATE_REQ) && snext->v->processor == cpu &&
                       c2_compat_ge(prv, 409);
    if (!tickled && ns_mask_test(&rqd->tickled, cpu) && !c2_compat_ge(prv, 412) && !pushed_here)
        c2_mark_overlooked(prv, rqd);
}

/*
 * A real vCPU goes on @cpu: off the queue, the pCPU leaves the idle masks,
 * and if the epoch is over (c2_epoch_over) a new one starts. The masks are
 * left before that from 4.12 (a9400d630b, not backported), after it up to
 * 4.11, so that balancing saw this pCPU as idle. A vCPU pulled from
 * another pCPU is compensated for the cache it leaves behind.
 */
static void c2_run(struct c2_priv *prv, struct c2_rqd *rqd, struct c2_vcpu *scurr,
                   struct c2_vcpu *snext, unsigned cpu, ns_time_t now, unsigned skipped)
{
    bool leave_first = c2_compat_ge(prv, 412);

    if (snext != scurr) {
        c2_runq_remove(snext);
        snext->flags |= C2_FLAG_SCHEDULED;
    } else {
        c2_continue_load(prv, rqd, scurr, now);
    }
    if (leave_first)
        c2_leave_idle(prv, rqd, cpu);
    if (c2_epoch_over(prv, rqd, snext, skipped))
        c2_new_epoch(prv, rqd, cpu, now, snext);
    if (!leave_first)
        c2_leave_idle(prv, rqd, cpu);
    snext->start_time = now;
    snext->tickled_cpu = -1;
    if (snext->v->processor != cpu) {
        snext->credit += C2_MIGRATE_COMPENSATION;
        snext->v->processor = cpu;
    }
}

static void c2_go_idle(struct c2_priv *prv, struct c2_rqd *rqd, unsigned cpu, ns_time_t now)
{
    if (!ns_mask_test(&rqd->idle, cpu)) {
        ns_mask_set(&rqd->idle, cpu);
        c2_smt_idle_set(prv, cpu, rqd);
    }
    c2_update_load(prv, rqd, NULL, 0, now);
}

/*
 * After the switch (Xen's context_saved): unused budget goes back to the
 * domain; a vCPU switched out while still runnable goes back to the queue
 * and is tickled, any other leaves the load.
 */
static void c2_saved(struct c2_priv *prv, struct c2_vcpu *scurr, bool requeue, ns_time_t now)
{
    scurr->flags &= ~C2_FLAG_SCHEDULED;
    if (c2_has_cap(scurr) && scurr->budget > 0)
        c2_return_budget(prv, scurr);
    if (requeue && ns_vcpu_runnable(scurr->v)) {
        c2_runq_insert(prv, scurr);
        c2_runq_tickle(prv, scurr, now);
    } else {
        c2_update_load(prv, scurr->rqd, scurr, -1, now);
    }
}

/*
 * The credit of the vCPU this pCPU switches away from while it still wants
 * to run. It is not back in the queue yet when the run time of the next
 * one is worked out, so up to 4.20 that run time ignores it: two busy
 * vCPUs alone on a runqueue then take 10 ms turns instead of turns as long
 * as their credit gap. Xen 4.21 (ae648e9f80, backported to 4.19.3 and
 * 4.20.2) counts it as waiting. Read after a possible reset, as Xen does,
 * so that it is never a credit from before the reset.
 */
static int64_t c2_inflight_credit(const struct c2_priv *prv, const struct c2_vcpu *scurr,
                                  bool requeue)
{
    return requeue && c2_compat_ge(prv, 421) ? scurr->credit : 0;
}

/* @cpu schedules, so it scans the queue afresh: what it passed over before
 * no longer explains its idling. */
static void c2_forget_passes(struct c2_rqd *rqd, unsigned cpu)
{
    for (struct cs_list *it = rqd->runq.next; it != &rqd->runq; it = it->next)
        ns_mask_clear(&c2_runq_elem(it)->passed_by, cpu);
}

static struct ns_sched_slice credit2_do_schedule(struct ns_sched *s, unsigned cpu, ns_time_t now)
{
    struct c2_priv *prv = c2_priv(s);
    struct c2_pcpu *spc = c2_pcpu(prv, cpu);
    struct c2_rqd *rqd = spc->rqd;
    struct c2_vcpu *scurr = spc->curr, *snext;
    int64_t inflight = 0;
    unsigned skipped;

    spc->stalled = false;
    c2_forget_passes(rqd, cpu);
    bool tickled = ns_mask_test(&rqd->tickled, cpu);
    if (tickled) {
        ns_mask_clear(&rqd->tickled, cpu);
        c2_smt_idle_set(prv, cpu, rqd);
    }
    c2_trace(prv, C2_TRC_SCHEDULE, 2,
             (uint32_t[]){cpu | (rqd->id << 16),
                          ((uint32_t)c2_is_idle(scurr) << 8) |
                              ((uint32_t)ns_mask_test(&rqd->smt_idle, cpu) << 16) |
                              ((uint32_t)tickled << 24)});
    c2_burn_credits(prv, scurr, now);
    if (c2_has_cap(scurr) && scurr->budget <= 0)
        c2_grab_budget(prv, scurr);
    snext = c2_candidate(prv, rqd, scurr, cpu, now, &skipped);
    bool requeue = snext != scurr && !c2_is_idle(scurr) && ns_vcpu_runnable(scurr->v);
    if (!c2_is_idle(snext)) {
        c2_run(prv, rqd, scurr, snext, cpu, now, skipped);
        inflight = c2_inflight_credit(prv, scurr, requeue);
    } else {
        c2_go_idle(prv, rqd, cpu, now);
    }
    ns_time_t slice = c2_is_idle(snext) ? NS_TIME_NEVER
                                        : c2_runtime(prv, rqd, snext, snext == scurr,
                                                     spc->curr_since, now, inflight);
    if (snext != scurr) {
        spc->curr = snext;
        spc->curr_since = now;
        if (!c2_is_idle(scurr))
            c2_saved(prv, scurr, requeue, now);
    }
    return (struct ns_sched_slice){c2_is_idle(snext) ? NULL : snext->v, slice};
}

const struct ns_sched_ops ns_sched_credit2 = {
    .name = "credit2",
    .in_xen = true,
    .trace_id = 1,
    .init = credit2_init,
    .deinit = credit2_deinit,
    .add_pcpu = credit2_add_pcpu,
    .add_domain = credit2_add_domain,
    .insert_vcpu = credit2_insert_vcpu,
    .remove_vcpu = credit2_remove_vcpu,
    .remove_domain = credit2_remove_domain,
    .sleep = credit2_sleep,
    .wake = credit2_wake,
    .yield = credit2_yield,
    .do_schedule = credit2_do_schedule,
    .pick_cpu = credit2_pick_cpu,
    .check = c2_check,
    .dump = c2_dump,
    .stats = c2_stats,
};
