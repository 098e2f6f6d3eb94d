/*
 * credit2: caps, by budgets and parking (facts 3.7; Xen 4.10+).
 *
 * A cap of c% allows a domain c% of one pCPU: c/100 x 10 ms of run time per
 * 10 ms period, its budget, refilled by a timer at every period boundary.
 * Budget is not billed against credit; it is a second, independent limit.
 * Before running, a vCPU of a capped domain takes a quota from the domain's
 * budget (a 1/nr_vCPUs share, at least 500 us so that slices stay sane),
 * runs at most that long, and gives back what it did not use when it stops.
 * A vCPU that finds the budget empty is parked until the next refill (or
 * a quota given back) unparks every parked vCPU of the domain.
 *
 * Parking is not a pause (Xen 4.10 sched_credit2.c park_vcpu and
 * unpark_parked_vcpus, 4.13+ park_unit and unpark_parked_units): Xen only
 * sets and clears _VPF_parked and moves the vCPU off and back on the queue
 * itself, without vcpu_pause_nosync or vcpu_wake. So no sleep or wake hook,
 * no SLEEP or WAKE record and no runstate change: a queued vCPU stays
 * runnable while parked; one parked while it runs goes offline when its
 * pCPU switches it out and stays offline, back in the queue, until it runs
 * (env->set_pause_flags); credit1's parking is a pause (env->pause).
 *
 * Unlike credit1's caps, which act every 30 ms through accounting, the
 * limit holds within 10 ms.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "credit2_priv.h"

static void c2_replenish_fn(struct ns_timer *t, ns_time_t now);

/* The domain starts a period with its whole budget; its vCPUs with none. */
void c2_cap_init(struct c2_priv *prv, struct c2_dom *sdom)
{
    const struct ns_sched_env *env = prv->s->env;
    ns_time_t now = c2_now(prv);

    cs_list_init(&sdom->parked);
    ns_event_init(&sdom->repl_timer.ev);
    if (!sdom->cap)
        return;
    sdom->tot_budget = C2_BUDGET_PERIOD * sdom->cap / 100;
    sdom->budget = sdom->tot_budget;
    sdom->next_repl = now + (ns_time_t)C2_BUDGET_PERIOD;
    sdom->repl_timer.fn = c2_replenish_fn;
    sdom->repl_timer.data = sdom;
    sdom->repl_timer.cpu = (unsigned)ns_mask_first(c2_pool_cpus(prv));
    env->timer_set(env->ctx, &sdom->repl_timer, sdom->next_repl);
}

void c2_cap_deinit(struct c2_priv *prv, struct c2_dom *sdom)
{
    if (sdom->cap)
        prv->s->env->timer_stop(prv->s->env->ctx, &sdom->repl_timer);
}

/*
 * No budget (park_unit): flagged, and out of the queue and the load if
 * queued. Always from within do_schedule: a running vCPU is the current one,
 * which the schedule then replaces (no tickle, as in Xen).
 */
static void c2_park(struct c2_priv *prv, struct c2_vcpu *svc)
{
    const struct ns_sched_env *env = prv->s->env;

    prv->stats.parks++;
    env->set_pause_flags(env->ctx, svc->v, NS_VPF_PARKED);
    if (c2_on_runq(svc)) {
        c2_runq_remove(svc);
        c2_update_load(prv, svc->rqd, svc, -1, c2_now(prv));
    }
    cs_list_add(&svc->parked_elem, &svc->sdom->parked);
}

/*
 * Take a quota from the domain's budget; an overrun of the last quota (the
 * vCPU ran past it before its pCPU rescheduled) is paid from the domain's
 * budget first. Parks the vCPU and returns false if nothing is left.
 */
bool c2_grab_budget(struct c2_priv *prv, struct c2_vcpu *svc)
{
    struct c2_dom *sdom = svc->sdom;

    if (svc->budget > 0)
        return true;
    sdom->budget += svc->budget;
    if (sdom->budget > 0) {
        svc->budget = sdom->budget >= svc->budget_quota ? svc->budget_quota : sdom->budget;
        sdom->budget -= svc->budget;
        return true;
    }
    svc->budget = 0;
    c2_park(prv, svc);
    return false;
}

/*
 * Every parked vCPU of the domain gets to try again (unpark_parked_units):
 * the flag goes, and a runnable one rejoins the load and the queue and is
 * tickled, as a wake-up would do but without vcpu_wake. One still on its
 * pCPU is left to c2_saved (Xen's CSFLAG_scheduled case; in this model the
 * switch follows the schedule at once, so it does not arise).
 */
static void c2_unpark_all(struct c2_priv *prv, struct c2_dom *sdom)
{
    const struct ns_sched_env *env = prv->s->env;

    while (!cs_list_empty(&sdom->parked)) {
        struct c2_vcpu *svc = cs_entry(sdom->parked.next, struct c2_vcpu, parked_elem);
        cs_list_del_init(&svc->parked_elem);
        prv->stats.unparks++;
        env->clear_pause_flags(env->ctx, svc->v, NS_VPF_PARKED);
        if (!ns_vcpu_runnable(svc->v) || c2_pcpu(prv, svc->v->processor)->curr == svc ||
            c2_on_runq(svc))
            continue;
        ns_time_t now = c2_now(prv);
        c2_update_load(prv, svc->rqd, svc, 1, now);
        c2_runq_insert(prv, svc);
        c2_runq_tickle(prv, svc, now);
    }
}

/* A vCPU stops running: what is left of its quota goes back to the domain. */
void c2_return_budget(struct c2_priv *prv, struct c2_vcpu *svc)
{
    struct c2_dom *sdom = svc->sdom;

    sdom->budget += svc->budget;
    svc->budget = 0;
    if (sdom->budget > 0)
        c2_unpark_all(prv, sdom);
}

/*
 * The period boundary: one refill per period passed (a late timer catches
 * up, never more than one period's worth is kept), then everybody parked
 * may try again, unless an overrun ate the whole refill.
 */
static void c2_replenish_fn(struct ns_timer *t, ns_time_t now)
{
    struct c2_dom *sdom = t->data;
    struct c2_priv *prv = sdom->prv;

    do {
        sdom->next_repl += (ns_time_t)C2_BUDGET_PERIOD;
        sdom->budget += sdom->tot_budget;
    } while (sdom->next_repl <= now);
    if (sdom->budget > 0) {
        if (sdom->budget > sdom->tot_budget)
            sdom->budget = sdom->tot_budget;
        c2_unpark_all(prv, sdom);
    }
    prv->s->env->timer_set(prv->s->env->ctx, &sdom->repl_timer, sdom->next_repl);
}
