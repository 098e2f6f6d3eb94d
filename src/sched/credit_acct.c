/*
 * credit: burning credits and the 30 ms accounting (facts 2.2 and 2.4).
 *
 * Credits are the currency of fairness: 1 credit = 100 us of one pCPU. The
 * running vCPU pays for the time it runs; every timeslice the master pCPU
 * hands out one slice worth of credits per pCPU of the pool to the vCPUs
 * that have been active, in proportion to their domain's weight, limited by
 * caps and by what a domain can use at all. Priorities are recomputed only
 * there: UNDER while credit >= 0, OVER below. A vCPU that piles up more
 * than one slice of credit stops being active (it was not using its share)
 * and keeps half of it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "credit_priv.h"

/*
 * Burning (facts 2.2). 4.3+ keeps the sub-credit remainder in `residual` and
 * moves start_time forward by exactly the time the billed credits stand
 * for, so nothing is lost to rounding however often the vCPU is billed.
 * 4.2 rounded each bill to the nearest credit.
 */
void cs_burn_credits(struct cs_priv *prv, struct cs_vcpu *svc, ns_time_t now)
{
    int64_t delta = (int64_t)now - svc->start_time;
    uint64_t credits;

    if (delta <= 0)
        return;
    if (compat_ge(prv, 403)) {
        uint64_t val = (uint64_t)delta * CS_CREDITS_PER_MSEC + svc->residual;
        credits = val / NS_MS;
        svc->residual = (unsigned)(val % NS_MS);
    } else {
        credits = ((uint64_t)delta * CS_CREDITS_PER_MSEC + NS_MS / 2) / NS_MS;
    }
    svc->credit -= (int)credits;
    svc->start_time += (int64_t)(credits * NS_MS / CS_CREDITS_PER_MSEC);
}

/*
 * Joining the active set (at a tick that finds the vCPU running): the vCPU
 * goes to the head of its domain's list, the pool's total weight grows by
 * the domain's weight, and the domain goes to the head of the active-domain
 * list if it was not on it. The head insertion matters: accounting walks the
 * list in order and excess credit only flows to domains after the donor.
 */
void cs_acct_start(struct cs_priv *prv, struct cs_vcpu *svc)
{
    struct cs_dom *sdom = svc->sdom;

    if (cs_list_empty(&svc->active_elem)) {
        sdom->active_vcpu_count++;
        cs_list_add(&svc->active_elem, &sdom->active_vcpus);
        prv->weight += sdom->weight;
        if (cs_list_empty(&sdom->active_elem))
            cs_list_add(&sdom->active_elem, &prv->active_sdoms);
    }
    cs_trace(prv, CS_TRC_ACCOUNT_START, 3,
             (uint32_t[]){sdom->dom->id, svc->v->id, sdom->active_vcpu_count});
}

void cs_acct_stop(struct cs_priv *prv, struct cs_vcpu *svc)
{
    struct cs_dom *sdom = svc->sdom;

    sdom->active_vcpu_count--;
    cs_list_del_init(&svc->active_elem);
    prv->weight -= sdom->weight;
    if (cs_list_empty(&sdom->active_vcpus))
        cs_list_del_init(&sdom->active_elem);
    cs_trace(prv, CS_TRC_ACCOUNT_STOP, 3,
             (uint32_t[]){sdom->dom->id, svc->v->id, sdom->active_vcpu_count});
}

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/*
 * Unparking a capped vCPU whose credit is back to >= 0.
 *
 * QUIRK "unpark_boost" (facts 2.4, 4.3-4.12): PARKED is cleared *before*
 * the unpause, so the wake that the unpause causes sees an UNDER vCPU that
 * is not parked and boosts it: a capped vCPU comes back from parking with
 * the highest priority. 4.2 cleared it after the unpause, on purpose (its
 * csched_acct says so); 4.13 (5c8c0ae7c4) went back to that order;
 * NS_QUIRK_UNPARK_BOOST does it for 4.3-4.12 too.
 */
static void cs_unpark(struct cs_priv *prv, struct cs_vcpu *svc)
{
    const struct ns_sched_env *env = prv->s->env;

    prv->stats.unparks++;
    if (compat_ge(prv, 403) && compat_lt(prv, 413) && !quirk_fixed(prv, NS_QUIRK_UNPARK_BOOST)) {
        svc->flags &= ~CS_FLAG_PARKED;
        env->unpause(env->ctx, svc->v);
    } else {
        env->unpause(env->ctx, svc->v);
        svc->flags &= ~CS_FLAG_PARKED;
    }
}

/*
 * Hand a domain's share to its active vCPUs and recompute their priorities
 * (facts 2.4 step 7). Parking: a vCPU of a capped domain that is more than
 * its per-vCPU cap in debt is paused until an accounting brings it back to
 * >= 0, so a cap is enforced with 30 ms granularity. The -300 floor bounds
 * the debt; above +300 the vCPU was not using its share: it leaves the
 * active set (stops earning, no longer counts in the total weight) and its
 * credit is halved, so it restarts "a little ahead" when it becomes busy.
 */
static int64_t cs_acct_vcpus(struct cs_priv *prv, struct cs_dom *sdom, uint64_t per_vcpu,
                             uint64_t vcpu_cap)
{
    const int cpt = (int)prv->credits_per_tslice;
    int64_t balance = 0;
    struct cs_list *iter, *next;

    for (iter = sdom->active_vcpus.next; iter != &sdom->active_vcpus; iter = next) {
        struct cs_vcpu *svc = cs_entry(iter, struct cs_vcpu, active_elem);
        next = iter->next;

        svc->credit += (int)per_vcpu;
        if (svc->credit < 0) {
            svc->pri = CS_PRI_OVER;
            if (sdom->cap != 0 && svc->credit < -(int64_t)vcpu_cap &&
                !(svc->flags & CS_FLAG_PARKED)) {
                svc->flags |= CS_FLAG_PARKED;
                prv->stats.parks++;
                prv->s->env->pause(prv->s->env->ctx, svc->v);
            }
            if (svc->credit < -cpt)
                svc->credit = -cpt;
        } else {
            svc->pri = CS_PRI_UNDER;
            if (svc->flags & CS_FLAG_PARKED)
                cs_unpark(prv, svc);
            if (svc->credit > cpt) {
                cs_acct_stop(prv, svc);
                svc->credit /= 2;
            }
        }
        if (!cs_list_empty(&svc->active_elem))
            svc->bounded_epoch = prv->acct_epoch + 1;
        balance += svc->credit;
    }
    return balance;
}

/*
 * The accounting (facts 2.4), on the master pCPU every timeslice. The worked
 * examples of the facts, three CPU-bound 1-vCPU domains of weight 256, 256
 * and 512:
 *  - 2 pCPUs: credit_total 600, weight_total 1024: fair = 150, 150, 300,
 *    all below their peak of 300: each gets its weighted share;
 *  - 4 pCPUs: credit_total 1200: fair = 300, 300, 600; the 512 domain can use
 *    at most its peak of 300 (one vCPU, one pCPU), and its excess of 300
 *    raises credit_total for the domains walked after it, in proportion to
 *    weight: ceil(300 x 1024 / weight_left).
 * A negative balance last period (everyone overspent) enlarges this
 * period's credit_total and every peak, pulling the balance back to 0.
 *
 * Integer arithmetic is Xen's (ceilings at the same places), in 64 bits
 * where Xen's 32-bit products could wrap on huge pools with big weights.
 */
void cs_acct(struct cs_priv *prv, ns_time_t now)
{
    const uint64_t cpt = prv->credits_per_tslice;
    const uint64_t weight_total = prv->weight;
    uint64_t credit_total = prv->credit, weight_left, vcpu_cap = 0;
    uint64_t debt = prv->credit_balance < 0 ? (uint64_t)-prv->credit_balance : 0;
    int64_t balance = 0;
    bool xtra = false;
    struct cs_list *iter, *next;

    prv->acct_time = now;
    credit_total += debt;
    if (weight_total == 0) {
        prv->credit_balance = 0;
        return;
    }
    weight_left = weight_total;
    for (iter = prv->active_sdoms.next; iter != &prv->active_sdoms; iter = next) {
        struct cs_dom *sdom = cs_entry(iter, struct cs_dom, active_elem);
        const uint64_t n = sdom->active_vcpu_count, w = sdom->weight;
        uint64_t peak, fair;

        next = iter->next;
        weight_left -= w * n;
        peak = n * cpt;
        if (debt)
            peak += div_up(debt * w * n, weight_total);
        if (sdom->cap != 0) {
            uint64_t capcred = div_up(sdom->cap * cpt, 100);
            if (capcred < peak)
                peak = capcred;
            vcpu_cap = div_up(capcred, n);
        }
        fair = div_up(credit_total * w * n, weight_total);
        if (fair < peak) {
            xtra = true;
        } else {
            /* D cannot use all of its share: spread the excess over the
             * domains not walked yet; keep D, whose excess is redistributed,
             * at the head from now on, ahead of the hungry ones. */
            if (weight_left != 0)
                credit_total += div_up((fair - peak) * weight_total, weight_left);
            if (xtra) {
                cs_list_del_init(&sdom->active_elem);
                cs_list_add(&sdom->active_elem, &prv->active_sdoms);
            }
            fair = peak;
        }
        balance += cs_acct_vcpus(prv, sdom, div_up(fair, n), vcpu_cap);
    }
    prv->credit_balance = balance;
    prv->acct_epoch++;
    prv->runq_sort++;
}

void cs_acct_timer_fn(struct ns_timer *t, ns_time_t now)
{
    struct cs_priv *prv = t->data;

    cs_acct(prv, now);
    prv->s->env->timer_set(prv->s->env->ctx, &prv->master_ticker, now + prv->tslice);
}
