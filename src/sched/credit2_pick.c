/*
 * credit2: where vCPUs go. Tickling a pCPU of the vCPU's runqueue when it
 * wakes, picking a runqueue when it moves, and balancing load between
 * runqueues at each credit reset (facts 3.5-3.7).
 *
 * The split of work, as in Xen: a vCPU's runqueue is chosen rarely and with
 * care (res_pick and balancing compare loads), and within its runqueue the
 * pCPU is chosen by tickling, every time it wakes. Soft affinity enters
 * both: res_pick prefers the least loaded runqueue that has soft-affine
 * pCPUs, and tickle tries soft-affine pCPUs first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "credit2_priv.h"

/* ---- idle cores (facts 3.2) -------------------------------------------------- */

/*
 * smt_idle marks the pCPUs of cores whose threads (those in this runqueue)
 * are all idle and none tickled: the best places to wake a vCPU, where it
 * shares its core's execution units with nobody.
 */
static void c2_core_in_rqd(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd,
                           struct ns_mask *out)
{
    ns_mask_and(out, ns_topo_siblings(prv->topo, cpu), &rqd->active);
}

void c2_smt_idle_set(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd)
{
    struct ns_mask *core = &prv->sc_mask;

    c2_core_in_rqd(prv, cpu, rqd, core);
    for (size_t c = ns_mask_first(core); c != NS_MASK_NONE; c = ns_mask_next(core, c))
        if (!ns_mask_test(&rqd->idle, c) || ns_mask_test(&rqd->tickled, c))
            return;
    ns_mask_or(&rqd->smt_idle, &rqd->smt_idle, core);
}

void c2_smt_idle_clear(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd)
{
    c2_core_in_rqd(prv, cpu, rqd, &prv->sc_mask);
    ns_mask_andnot(&rqd->smt_idle, &rqd->smt_idle, &prv->sc_mask);
}

void c2_tickle_cpu(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd)
{
    ns_mask_set(&rqd->tickled, cpu);
    c2_smt_idle_clear(prv, cpu, rqd);
    prv->stats.tickles++;
    prv->s->env->tickle(prv->s->env->ctx, cpu);
}

/*
 * Reschedule @cpu because the vCPU it runs, or last ran, is leaving it (a
 * sleep, a migrate request): from 4.9 the pCPU is also marked tickled, so
 * that a tickle before it reschedules looks elsewhere (a76645240b, also in
 * 4.8.1); 4.8.0 only raised its schedule softirq.
 */
void c2_resched_cpu(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd)
{
    if (c2_compat_ge(prv, 409))
        c2_tickle_cpu(prv, cpu, rqd);
    else
        prv->s->env->tickle(prv->s->env->ctx, cpu);
}

/* ---- tickle (facts 3.7) ----------------------------------------------------------- */

/* A vCPU that ran less than the ratelimit (less a 50 us tolerance) is not preempted. */
static bool c2_preemptable(const struct c2_priv *prv, const struct c2_pcpu *spc, ns_time_t now)
{
    if (prv->ratelimit <= (ns_time_t)C2_RATELIMIT_TOLERANCE)
        return true;
    return now - spc->curr_since > prv->ratelimit - (ns_time_t)C2_RATELIMIT_TOLERANCE;
}

/*
 * How much @svc deserves busy pCPU @cpu (4.10+): its credit lead over what
 * runs there, less migrate_resist if it would change pCPU. A positive lead
 * earns CREDIT_INIT for landing in its soft affinity and another for not
 * evicting the current vCPU from its own, so preemptions that help both
 * soft affinities win over mere credit differences.
 */
static int64_t c2_tickle_score(struct c2_priv *prv, struct c2_vcpu *svc, unsigned cpu,
                               ns_time_t now)
{
    struct c2_pcpu *spc = c2_pcpu(prv, cpu);
    struct c2_vcpu *cur = spc->curr;

    if (c2_is_idle(cur) || !c2_preemptable(prv, spc, now))
        return -1;
    c2_burn_credits(prv, cur, now);
    int64_t score = svc->credit - cur->credit;
    if (svc->v->processor != cpu)
        score -= (int64_t)prv->migrate_resist;
    if (score > 0) {
        if (ns_mask_test(&svc->v->soft, cpu))
            score += C2_CREDIT_INIT;
        if (!ns_mask_test(&cur->v->soft, cpu))
            score += C2_CREDIT_INIT;
    }
    c2_trace(prv, C2_TRC_TICKLE_CHECK, 3,
             (uint32_t[]){c2_unit_word(cur), c2_lo(cur->credit), c2_lo(score)});
    return score;
}

/* @cpu if it is in @m, else the next member of @m after it (Xen's cpumask_test_or_cycle). */
static size_t c2_test_or_cycle(unsigned cpu, const struct ns_mask *m)
{
    return ns_mask_test(m, cpu) ? cpu : ns_mask_cycle(m, cpu);
}

/*
 * An idle pCPU for @svc within its runqueue, soft step then hard step: first
 * a pCPU of a fully idle core (its own pCPU if it is one), then any idle,
 * untickled pCPU. NS_MASK_NONE if there is none; prv->tk_step then holds the
 * hard-step mask (hard & pool) for the busy search.
 */
static size_t c2_tickle_idle(struct c2_priv *prv, struct c2_vcpu *svc)
{
    struct c2_rqd *rqd = svc->rqd;
    struct ns_vcpu *v = svc->v;
    const struct ns_mask *pool = c2_pool_cpus(prv);
    struct ns_mask *mask = &prv->tk_mask, *step = &prv->tk_step;
    size_t i;

    for (int bs = NS_BALANCE_SOFT; bs <= NS_BALANCE_HARD; bs++) {
        if (bs == NS_BALANCE_SOFT && !c2_has_soft(prv, v))
            continue;
        ns_balance_mask(v, (enum ns_balance_step)bs, step);
        ns_mask_and(step, step, pool);
        ns_mask_and(mask, &rqd->smt_idle, step);
        if ((i = c2_test_or_cycle(v->processor, mask)) != NS_MASK_NONE)
            return i;
        ns_mask_andnot(mask, &rqd->idle, &rqd->tickled);
        ns_mask_and(mask, mask, step);
        if ((i = c2_test_or_cycle(v->processor, mask)) != NS_MASK_NONE)
            return i;
    }
    return NS_MASK_NONE;
}

/* The busy, untickled pCPUs of @rqd in the hard-step mask c2_tickle_idle left. */
static struct ns_mask *c2_busy_untickled(struct c2_priv *prv, const struct c2_rqd *rqd)
{
    struct ns_mask *mask = &prv->tk_mask;

    ns_mask_andnot(mask, &rqd->active, &rqd->idle);
    ns_mask_andnot(mask, mask, &rqd->tickled);
    ns_mask_and(mask, mask, &prv->tk_step);
    return mask;
}

/*
 * A busy, untickled pCPU of the runqueue @svc should preempt, by score
 * (4.10+). Its own pCPU is scored first and taken at once if the score is
 * positive and it is soft-affine; otherwise the best positive score wins.
 */
static size_t c2_tickle_busy(struct c2_priv *prv, struct c2_vcpu *svc, ns_time_t now)
{
    unsigned own = svc->v->processor;
    struct ns_mask *mask = c2_busy_untickled(prv, svc->rqd);
    size_t best = NS_MASK_NONE;
    int64_t max = 0;

    if (ns_mask_test(mask, own)) {
        ns_mask_clear(mask, own);
        int64_t score = c2_tickle_score(prv, svc, own, now);
        if (score > 0) {
            if (ns_mask_test(&svc->v->soft, own))
                return own;
            max = score;
            best = own;
        }
    }
    ns_mask_for_each(cpu, mask) {
        int64_t score = c2_tickle_score(prv, svc, (unsigned)cpu, now);
        if (score > max) {
            max = score;
            best = cpu;
        }
    }
    return best;
}

/*
 * The busy step up to 4.9, before scores (72faea7126) and the ratelimit
 * test (4b6923acff) of 4.10: @svc's own pCPU, at once, if what runs there
 * has less credit than @svc, even within its ratelimit; else the busy pCPU
 * running the least credit (the first of equals in pCPU order), if @svc
 * leads it by migrate_resist or more. TICKLE_CHECK (unit, credit) is
 * traced for those other pCPUs only.
 */
static size_t c2_tickle_busy_409(struct c2_priv *prv, struct c2_vcpu *svc, ns_time_t now)
{
    unsigned own = svc->v->processor;
    struct ns_mask *mask = c2_busy_untickled(prv, svc->rqd);
    size_t best = NS_MASK_NONE;
    int64_t lowest = 0;

    if (ns_mask_test(mask, own)) {
        ns_mask_clear(mask, own);
        struct c2_vcpu *cur = c2_pcpu(prv, own)->curr;
        c2_burn_credits(prv, cur, now);
        if (cur->credit < svc->credit)
            return own;
    }
    ns_mask_for_each(cpu, mask) {
        struct c2_vcpu *cur = c2_pcpu(prv, (unsigned)cpu)->curr;
        c2_burn_credits(prv, cur, now);
        if (best == NS_MASK_NONE || cur->credit < lowest) {
            best = cpu;
            lowest = cur->credit;
        }
        c2_trace(prv, C2_TRC_TICKLE_CHECK, 2,
                 (uint32_t[]){c2_unit_word(cur), c2_lo(cur->credit)});
    }
    if (best != NS_MASK_NONE && lowest + (int64_t)prv->migrate_resist > svc->credit)
        return NS_MASK_NONE;
    return best;
}

/*
 * Poke a pCPU of @svc's runqueue to run it (facts 3.7): an exclusively
 * pinned vCPU whose pCPU is idle goes there (Xen's fast path, b37b61d178,
 * 4.11; before, the hard step finds that same pCPU); else an idle pCPU,
 * soft affinity first; else the busy pCPU it beats by the widest margin
 * (up to 4.9: its own, or the one running least credit). The pCPU is
 * marked tickled, so that other wake-ups look elsewhere, and reserved for
 * @svc until it schedules.
 */
void c2_runq_tickle(struct c2_priv *prv, struct c2_vcpu *svc, ns_time_t now)
{
    struct c2_rqd *rqd = svc->rqd;
    unsigned cpu = svc->v->processor;
    size_t target;

    c2_trace(prv, C2_TRC_TICKLE_NEW, 3, (uint32_t[]){c2_unit_word(svc), cpu, c2_lo(svc->credit)});
    if ((svc->flags & C2_FLAG_PINNED) && ns_mask_test(&rqd->idle, cpu) &&
        !ns_mask_test(&rqd->tickled, cpu))
        target = cpu;
    else if ((target = c2_tickle_idle(prv, svc)) == NS_MASK_NONE)
        target = c2_compat_ge(prv, 410) ? c2_tickle_busy(prv, svc, now)
                                        : c2_tickle_busy_409(prv, svc, now);
    if (target == NS_MASK_NONE)
        return;
    c2_trace(prv, C2_TRC_TICKLE, 1, (uint32_t[]){(uint32_t)target});
    c2_tickle_cpu(prv, (unsigned)target, rqd);
    svc->tickled_cpu = (int)target;
}

/* ---- res_pick (facts 3.5) ---------------------------------------------------------- */

/*
 * The pCPU of @m (pCPUs of runqueue @rqd) a vCPU moving there lands on.
 * It matters little, as tickling chooses the pCPU that runs it, but it is
 * where tickling looks first. From 4.9 (6348214c5d) the one after @rqd's
 * pick_bias, which moves there, so that picks rotate; 4.8 (never
 * backported) took cpumask_any(), a pseudo-random one, and had no
 * pick_bias.
 */
static unsigned c2_cpu_in(struct c2_priv *prv, struct c2_rqd *rqd, const struct ns_mask *m)
{
    if (!c2_compat_ge(prv, 409))
        return (unsigned)ns_cpumask_any(prv->s->env, m);
    rqd->pick_bias = (unsigned)ns_mask_cycle(m, rqd->pick_bias);
    return rqd->pick_bias;
}

/*
 * A runqueue for @svc, and a pCPU in it: the one balancing asked for, if any
 * of it is allowed; else the least loaded runqueue with a soft-affine pCPU,
 * else the least loaded one it may run on at all. Its own runqueue's load
 * counts without its own share, so that staying is judged fairly. Within the
 * runqueue the pCPU is only a hint (c2_cpu_in): tickling chooses the real
 * one. numasched takes every lock Xen would try, so the fallback is never
 * needed. Before 4.10 soft affinity is not looked at (c2_has_soft).
 *
 * Xen rotates, and records in PICKED_CPU, the pick_bias, id and load of the
 * least loaded runqueue overall (min_rqd), even when it takes the pCPUs of
 * the soft minimum (credit2.c, 4.10 to 4.22): the bias may then name a pCPU
 * of another runqueue, and cycling from it gives the first allowed pCPU
 * after that number. After a migrate request it records no runqueue (-1)
 * and MAX_LOAD.
 */
struct c2_pick {
    struct c2_rqd *bias_rqd;      /* whose pick_bias rotates */
    int rq_id;                    /* what PICKED_CPU says: -1 for none */
    int64_t load;
};

static void c2_pick_rqd(struct c2_priv *prv, struct c2_vcpu *svc, const struct ns_mask *hard,
                        struct c2_pick *pick)
{
    struct c2_rqd *min_rqd = NULL, *min_s_rqd = NULL;
    int64_t min = INT64_MAX, min_s = INT64_MAX;
    bool has_soft = c2_has_soft(prv, svc->v);

    for (unsigned i = 0; i < prv->nr_rqd; i++) {
        struct c2_rqd *rqd = prv->rqd[i];
        if (!ns_mask_intersects(hard, &rqd->active))
            continue;
        int64_t load = rqd->b_avgload;
        if (rqd == svc->rqd)
            load = load > svc->avgload ? load - svc->avgload : 0;
        if (has_soft && load < min_s) {
            ns_mask_and(&prv->pk_mask, hard, &rqd->active);
            if (ns_mask_intersects(&prv->pk_mask, &svc->v->soft)) {
                min_s = load;
                min_s_rqd = rqd;
            }
        }
        if (load < min) {
            min = load;
            min_rqd = rqd;
        }
    }
    if (has_soft && min_s_rqd) {
        ns_mask_and(&prv->pk_mask, hard, &svc->v->soft);
        ns_mask_and(&prv->pk_mask, &prv->pk_mask, &min_s_rqd->active);
    } else {
        ns_mask_and(&prv->pk_mask, hard, &min_rqd->active);
    }
    *pick = (struct c2_pick){min_rqd, (int)min_rqd->id, min};
}

unsigned c2_res_pick(struct c2_priv *prv, struct c2_vcpu *svc)
{
    struct ns_mask *hard = &prv->pk_hard;
    struct c2_pick pick;

    ns_mask_and(hard, &svc->v->hard, c2_pool_cpus(prv));
    if ((svc->flags & C2_FLAG_MIGRATE_REQ) &&
        ns_mask_intersects(hard, &svc->migrate_rqd->active)) {
        ns_mask_and(&prv->pk_mask, hard, &svc->migrate_rqd->active);
        pick = (struct c2_pick){svc->migrate_rqd, -1, INT64_MAX};
    } else {
        c2_pick_rqd(prv, svc, hard, &pick);
    }
    svc->flags &= ~C2_FLAG_MIGRATE_REQ;

    unsigned cpu = c2_cpu_in(prv, pick.bias_rqd, &prv->pk_mask);
    c2_trace(prv, C2_TRC_PICKED_CPU, 4,
             (uint32_t[]){c2_lo(pick.load), c2_hi(pick.load), c2_unit_word(svc),
                          ((uint32_t)pick.rq_id & 0xffff) | (cpu << 16)});
    return cpu;
}

/* ---- moving between runqueues --------------------------------------------------- */

/*
 * Move @svc to runqueue @trqd. A vCPU on a pCPU (C2_FLAG_SCHEDULED) cannot
 * change queue under its pCPU's feet: it is flagged MIGRATING with a request
 * for @trqd, which res_pick honours once the core has switched it out, and
 * the pCPU it is on is rescheduled here (c2_resched_cpu: Xen's migrate()
 * calls tickle_cpu itself from 4.9, 4.8.0 raises the softirq; the core
 * only flags a running vCPU, without the sleep hook, as Xen's
 * sched_set_pause_flags does). Xen's migrate() treats the same way the
 * vCPU the balancing pCPU has just chosen and not yet switched in (4.8 to
 * 4.22): it pokes that vCPU's processor, which is still the pCPU it waited
 * on. When that is the balancing pCPU, it schedules again at once and lets
 * the vCPU go; when it is another pCPU of the runqueue, that one
 * reschedules for nothing, and the chosen vCPU is switched in all the same
 * and runs here, flag and all, until this pCPU next schedules (end of its
 * slice, a preemption, a block): Xen's core looks at the flag only when a
 * vCPU leaves its pCPU. Anything else moves now, to a pCPU c2_cpu_in names,
 * and if it was waiting it is tickled there.
 */
void c2_migrate(struct c2_priv *prv, struct c2_vcpu *svc, struct c2_rqd *trqd, ns_time_t now)
{
    struct ns_vcpu *v = svc->v;
    bool on_runq = c2_on_runq(svc);

    c2_trace(prv, C2_TRC_MIGRATE, 2, (uint32_t[]){c2_unit_word(svc), svc->rqd->id | (trqd->id << 16)});
    if (svc->flags & C2_FLAG_SCHEDULED) {
        svc->migrate_rqd = trqd;
        svc->flags |= C2_FLAG_MIGRATE_REQ;
        prv->s->env->migrate(prv->s->env->ctx, v);
        c2_resched_cpu(prv, v->processor, svc->rqd);
        return;
    }
    if (on_runq) {
        c2_runq_remove(svc);
        c2_update_load(prv, svc->rqd, NULL, -1, now);
    }
    c2_runq_deassign(prv, svc);
    ns_mask_and(&prv->pk_mask, &v->hard, c2_pool_cpus(prv));
    ns_mask_and(&prv->pk_mask, &prv->pk_mask, &trqd->active);
    v->processor = c2_cpu_in(prv, trqd, &prv->pk_mask);
    c2_runq_assign(prv, svc, trqd);
    if (on_runq) {
        c2_update_load(prv, trqd, NULL, 1, now);
        c2_runq_insert(prv, svc);
        c2_runq_tickle(prv, svc, now);
    }
}

/* ---- load balancing (facts 3.6) ----------------------------------------------- */

struct c2_balance {
    struct c2_rqd *lrqd, *orqd;
    int64_t delta;
    struct c2_vcpu *push, *pull;
};

/* Would moving @push out and/or @pull in leave the two loads closer? */
static void c2_consider(struct c2_balance *st, struct c2_vcpu *push, struct c2_vcpu *pull)
{
    int64_t l = st->lrqd->b_avgload, o = st->orqd->b_avgload;

    if (push) {
        l -= push->avgload;
        o += push->avgload;
    }
    if (pull) {
        l += pull->avgload;
        o -= pull->avgload;
    }
    int64_t delta = l > o ? l - o : o - l;
    if (delta < st->delta) {
        st->delta = delta;
        st->push = push;
        st->pull = pull;
    }
}

/* Not already on its way, and allowed on some pCPU of @rqd. */
static bool c2_migrateable(struct c2_priv *prv, const struct c2_vcpu *svc,
                           const struct c2_rqd *rqd)
{
    ns_mask_and(&prv->pk_mask, &svc->v->hard, c2_pool_cpus(prv));
    return !(svc->flags & C2_FLAG_MIGRATE_REQ) && ns_mask_intersects(&prv->pk_mask, &rqd->active);
}

/*
 * The runqueue whose load differs most from ours, and whether the difference
 * is worth a move: a whole vCPU of load while both are under full load,
 * an eighth of one above it. QUIRK "credit2_balance_last" (facts 3.6): the
 * "other" load and pCPU count in that threshold are those of the last
 * runqueue of the list, not of the runqueue found. Xen's balance_load
 * (4.8 to 4.22) points its "other" at each runqueue before the test that
 * skips its own, so when ours is the last of the list the threshold
 * compares ours with itself. The fix (NS_QUIRK_C2_BALANCE_LAST) uses the
 * runqueue found.
 */
static struct c2_rqd *c2_balance_target(struct c2_priv *prv, struct c2_balance *st, ns_time_t now)
{
    struct c2_rqd *max_rqd = NULL, *last = NULL;

    st->delta = 0;
    for (unsigned i = 0; i < prv->nr_rqd; i++) {
        struct c2_rqd *rqd = prv->rqd[i];
        last = rqd;
        if (rqd == st->lrqd)
            continue;
        c2_update_runq_load(prv, rqd, 0, now);
        int64_t delta = st->lrqd->b_avgload - rqd->b_avgload;
        if (delta < 0)
            delta = -delta;
        if (delta > st->delta) {
            st->delta = delta;
            max_rqd = rqd;
        }
    }
    if (!max_rqd)
        return NULL;
    if (prv->s->params.quirk_fixes & NS_QUIRK_C2_BALANCE_LAST)
        last = max_rqd;
    c2_trace(prv, C2_TRC_LOAD_CHECK, 2,
             (uint32_t[]){st->lrqd->id | (last->id << 16), c2_lo(st->delta)});
    int64_t load_max = st->lrqd->b_avgload > last->b_avgload ? st->lrqd->b_avgload
                                                               : last->b_avgload;
    unsigned cpus_max = st->lrqd->nr_cpus > last->nr_cpus ? st->lrqd->nr_cpus : last->nr_cpus;
    int shift = load_max < ((int64_t)cpus_max << C2_LOAD_PRECISION_SHIFT)
                    ? C2_LOAD_PRECISION_SHIFT + C2_BALANCE_UNDER
                    : C2_LOAD_PRECISION_SHIFT + C2_BALANCE_OVER;
    return st->delta < (1LL << shift) ? NULL : max_rqd;
}

/*
 * At a credit reset, the resetting pCPU evens out load between its runqueue
 * and the one furthest from it: among every swap of one vCPU each way, every
 * push and every pull, the move that leaves the two loads closest (it must
 * beat doing nothing). Soft affinity is not considered here; res_pick and
 * tickle take care of it. The loop over pairs is quadratic in the vCPUs of
 * two runqueues, as Xen's is.
 */
void c2_balance_load(struct c2_priv *prv, unsigned cpu, ns_time_t now)
{
    struct c2_balance st = {.lrqd = c2_rqd_of(prv, cpu)};
    struct cs_list *pi, *qi;
    bool pulls_updated = false;

    c2_update_runq_load(prv, st.lrqd, 0, now);
    st.orqd = c2_balance_target(prv, &st, now);
    if (!st.orqd)
        return;
    prv->stats.balances++;
    c2_trace(prv, C2_TRC_LOAD_BALANCE, 6,
             (uint32_t[]){c2_lo(st.lrqd->b_avgload), c2_hi(st.lrqd->b_avgload),
                          c2_lo(st.orqd->b_avgload), c2_hi(st.orqd->b_avgload),
                          st.lrqd->id | (st.orqd->id << 16), 0});
    /* Xen refreshes the other side's vCPU loads in the first swap round
     * only, so with nothing to push they stay as they were: so here. */
    for (pi = st.lrqd->svc.next; pi != &st.lrqd->svc; pi = pi->next) {
        struct c2_vcpu *push = c2_rqd_elem(pi);
        c2_update_svc_load(prv, push, 0, now);
        if (!c2_migrateable(prv, push, st.orqd))
            continue;
        for (qi = st.orqd->svc.next; qi != &st.orqd->svc; qi = qi->next) {
            if (!pulls_updated)
                c2_update_svc_load(prv, c2_rqd_elem(qi), 0, now);
            if (c2_migrateable(prv, c2_rqd_elem(qi), st.lrqd))
                c2_consider(&st, push, c2_rqd_elem(qi));
        }
        pulls_updated = true;
        c2_consider(&st, push, NULL);
    }
    for (qi = st.orqd->svc.next; qi != &st.orqd->svc; qi = qi->next)
        if (c2_migrateable(prv, c2_rqd_elem(qi), st.lrqd))
            c2_consider(&st, NULL, c2_rqd_elem(qi));
    if (st.push) {
        prv->stats.pushes++;
        c2_migrate(prv, st.push, st.orqd, now);
    }
    if (st.pull) {
        prv->stats.pulls++;
        c2_migrate(prv, st.pull, st.lrqd, now);
    }
}
