/*
 * credit: Xen's credit1 scheduler ("sched=credit"), re-implemented from
 * facts/xen-scheduling.md section 2, with the behaviour of every release from
 * 4.2 to 4.22 selected by params.compat.
 *
 * The mechanism, in one paragraph: every pCPU has its own runqueue ordered by
 * priority (BOOST > UNDER > OVER > IDLE, FIFO among equals). A running vCPU
 * burns 10 credits per ms; every 30 ms the pool's master pCPU hands out
 * 300 credits per pCPU to the vCPUs that have been active, by domain weight,
 * and recomputes priorities (UNDER with credit left, OVER without). A waking
 * vCPU is queued where it last ran, maybe boosted, and one pCPU is poked to
 * run it (tickle). A pCPU whose best local choice is OVER or idle steals from
 * its peers, node by node. A 10 ms tick bills the running vCPU and asks
 * cpu_pick whether it would be better off elsewhere.
 *
 * Files:
 *   credit.c        this file: lifecycle, runqueues, wake/sleep/yield, the
 *                   tick, schedule, the quirk names, the ops table;
 *   credit_acct.c   burning credits and the 30 ms accounting;
 *   credit_pick.c   balance-step masks, cpu_pick, tickle, work stealing;
 *   credit_check.c  the invariant checker (--check) and dump.
 *
 * Version differences are small predicates (compat_ge(prv, 407)) at the point
 * where the behaviour differs; each QUIRK of the facts is named where it lives
 * and has a fix bit in params.quirk_fixes (NS_QUIRK_*). docs/schedulers.md maps
 * every fact to the code.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "credit_priv.h"

void cs_trace(const struct cs_priv *prv, uint32_t event, unsigned n, const uint32_t *words)
{
    const struct ns_sched_env *env = prv->s->env;

    if (env->trace)
        env->trace(env->ctx, event, n, words);
}

/* ---- runqueues (facts 2.6) ------------------------------------------------ */

/*
 * Insertion walks from the head and stops at the first element of strictly
 * lower priority, so equals stay FIFO. A vCPU that yielded goes one further:
 * behind exactly one lower-priority vCPU (never behind the idle vCPU), so
 * yielding lets one other vCPU run without starving the yielder; the next
 * sort brings it forward again. 4.18+ also will not pass the last element.
 */
void cs_runq_insert_nocount(struct cs_priv *prv, unsigned cpu, struct cs_vcpu *svc)
{
    struct cs_list *runq = &cs_pcpu(prv, cpu)->runq, *iter;

    for (iter = runq->next; iter != runq; iter = iter->next)
        if (svc->pri > cs_runq_elem(iter)->pri)
            break;
    if ((svc->flags & CS_FLAG_YIELD) && iter != runq && cs_runq_elem(iter)->pri > CS_PRI_IDLE &&
        (compat_lt(prv, 418) || iter->next != runq))
        iter = iter->next;
    cs_list_add_tail(&svc->runq_elem, iter);
}

/*
 * 4.18+ keeps YIELD until the vCPU leaves a runqueue (e282067cf2), so a
 * yielded vCPU is neither stolen nor put back ahead of the vCPU it let pass.
 */
void cs_runq_remove_nocount(struct cs_priv *prv, struct cs_vcpu *svc)
{
    cs_list_del_init(&svc->runq_elem);
    svc->stranded = false;
    if (compat_ge(prv, 418))
        svc->flags &= ~CS_FLAG_YIELD;
}

/*
 * nr_runnable (4.9+, 341450eaf7) counts the running non-idle vCPU plus the
 * queued ones, so stealing can skip peers with nothing queued without taking
 * their lock. Schedule re-queues its current vCPU without counting it (it was
 * counted while running), wake and steal count.
 */
void cs_runq_insert(struct cs_priv *prv, struct cs_vcpu *svc)
{
    unsigned cpu = svc->v->processor;

    cs_runq_insert_nocount(prv, cpu, svc);
    cs_pcpu(prv, cpu)->nr_runnable++;
}

void cs_runq_remove(struct cs_priv *prv, struct cs_vcpu *svc)
{
    struct cs_pcpu *spc = cs_pcpu(prv, svc->v->processor);

    if (spc->nr_runnable > 0)
        spc->nr_runnable--;
    cs_runq_remove_nocount(prv, svc);
}

/* Nothing but the idle vCPU waits here (Xen's is_runq_idle). */
bool cs_runq_idle(const struct cs_priv *prv, unsigned cpu)
{
    const struct cs_list *runq = &cs_pcpu(prv, cpu)->runq;

    return cs_list_empty(runq) || cs_is_idle(cs_runq_elem(runq->next));
}

/*
 * Accounting changes priorities but does not touch the queues; each pCPU
 * re-sorts its own queue at its next tick after an accounting (one epoch
 * check per tick). The sort is a stable partition: BOOST and UNDER vCPUs
 * move ahead of OVER ones keeping their order; BOOST is not put ahead of
 * UNDER (facts 2.6).
 */
void cs_runq_sort(struct cs_priv *prv, unsigned cpu)
{
    struct cs_pcpu *spc = cs_pcpu(prv, cpu);
    struct cs_list *runq = &spc->runq, *elem, *next, *last_under = runq;

    if (spc->runq_sort_last == prv->runq_sort)
        return;
    spc->runq_sort_last = prv->runq_sort;
    for (elem = runq->next; elem != runq; elem = next) {
        next = elem->next;
        if (cs_runq_elem(elem)->pri >= CS_PRI_UNDER) {
            if (elem->prev != last_under) {
                cs_list_del_init(elem);
                cs_list_add(elem, last_under);
            }
            last_under = elem;
        }
    }
}

/*
 * Cache-hot (facts 2.11): descheduled less than migration_delay ago. The
 * default delay is 0: nothing is ever hot. A vCPU that never ran is cold.
 */
bool cs_cache_hot(const struct cs_priv *prv, const struct cs_vcpu *svc, ns_time_t now)
{
    return prv->migr_delay > 0 && svc->has_run && now - svc->last_sched_time < prv->migr_delay;
}

/* ---- instance, pCPUs, domains, vCPUs -------------------------------------- */

static void cs_vcpu_init(struct cs_vcpu *svc)
{
    memset(svc, 0, sizeof(*svc));
    cs_list_init(&svc->runq_elem);
    cs_list_init(&svc->active_elem);
    cs_list_init(&svc->all_elem);
}

/*
 * Timeslice, tick and credit sizes (facts 2.1): 3 ticks per slice (1 if the
 * slice is shorter than 3 ms), 10 credits per ms; ratelimit is clamped to
 * the slice (facts 1.4).
 */
static int cs_set_params(struct cs_priv *prv, const struct ns_sched_params *p, struct ns_err *err)
{
    if (p->tslice_ms < 1 || p->tslice_ms > 1000)
        return ns_err_set(err, NULL, 0, "tslice_ms",
                          "credit: timeslice %u ms is outside 1..1000 ms", p->tslice_ms);
    if (p->compat < 402 || p->compat > 422)
        return ns_err_set(err, NULL, 0, "credit_compat",
                          "credit: Xen version 4.%u is not modelled (4.2 to 4.22)",
                          p->compat >= 400 ? p->compat - 400 : p->compat);
    prv->compat = p->compat;
    prv->quirk_fixes = p->quirk_fixes;
    prv->no_boost = p->no_boost;
    prv->tslice = (ns_time_t)p->tslice_ms * NS_MS;
    prv->ticks_per_tslice = p->tslice_ms < CS_TICKS_PER_TSLICE ? 1 : CS_TICKS_PER_TSLICE;
    prv->tick_period = (ns_time_t)p->tslice_ms * 1000 / prv->ticks_per_tslice * NS_US;
    prv->credits_per_tslice = CS_CREDITS_PER_MSEC * p->tslice_ms;
    prv->ratelimit = (ns_time_t)p->ratelimit_us * NS_US;
    if (prv->ratelimit > prv->tslice)
        prv->ratelimit = prv->tslice;
    prv->migr_delay = (ns_time_t)p->migration_delay_us * NS_US;
    return 0;
}

static int credit_init(struct ns_sched *s, struct ns_err *err)
{
    const struct ns_topo *t = s->env->topo;
    struct cs_priv *prv = ns_xcalloc(1, sizeof(*prv));
    size_t n = t->nr_pcpus;

    prv->s = s;
    prv->topo = t;
    if (cs_set_params(prv, &s->params, err) < 0) {
        free(prv);
        return -1;
    }
    prv->pcpu = ns_xcalloc(n, sizeof(*prv->pcpu));
    prv->balance_bias = ns_xcalloc(t->nr_nodes ? t->nr_nodes : 1, sizeof(*prv->balance_bias));
    ns_mask_init(&prv->idlers, n);
    ns_mask_init(&prv->cpus, n);
    struct ns_mask *scratch[] = {&prv->pk_cpus, &prv->pk_idlers, &prv->pk_grp, &prv->pk_tmp,
                                 &prv->tk_mask, &prv->tk_idle, &prv->tk_step,
                                 &prv->lb_workers, &prv->lb_step, &prv->ck_tmp};
    for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++)
        ns_mask_init(scratch[i], n);
    cs_list_init(&prv->active_sdoms);
    cs_list_init(&prv->all_vcpus);
    cs_list_init(&prv->all_doms);
    ns_event_init(&prv->master_ticker.ev);
    prv->master_ticker.fn = cs_acct_timer_fn;
    prv->master_ticker.data = prv;
    s->priv = prv;
    return 0;
}

static void cs_free_dom(struct cs_dom *sdom)
{
    cs_list_del_init(&sdom->all_elem);
    ns_mask_free(&sdom->node_cpus);
    free(sdom);
}

static void credit_deinit(struct ns_sched *s)
{
    struct cs_priv *prv = cs_priv(s);
    const struct ns_sched_env *env = s->env;

    if (!prv)
        return;
    ns_mask_for_each(cpu, &prv->cpus) {
        struct cs_pcpu *spc = cs_pcpu(prv, (unsigned)cpu);
        if (spc->ticking)
            env->timer_stop(env->ctx, &spc->ticker);
    }
    if (prv->has_master)
        env->timer_stop(env->ctx, &prv->master_ticker);
    /* vCPUs and domains the engine did not remove (their ns_vcpu and
     * ns_domain may be gone already: not touched) */
    while (!cs_list_empty(&prv->all_vcpus)) {
        struct cs_vcpu *svc = cs_entry(prv->all_vcpus.next, struct cs_vcpu, all_elem);
        cs_list_del_init(&svc->all_elem);
        free(svc);
    }
    while (!cs_list_empty(&prv->all_doms))
        cs_free_dom(cs_entry(prv->all_doms.next, struct cs_dom, all_elem));
    struct ns_mask *masks[] = {&prv->idlers, &prv->cpus, &prv->pk_cpus, &prv->pk_idlers,
                               &prv->pk_grp, &prv->pk_tmp, &prv->tk_mask, &prv->tk_idle,
                               &prv->tk_step, &prv->lb_workers, &prv->lb_step, &prv->ck_tmp};
    for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++)
        ns_mask_free(masks[i]);
    free(prv->pcpu);
    free(prv->balance_bias);
    free(prv);
    s->priv = NULL;
}

static void cs_tick_fn(struct ns_timer *t, ns_time_t now);

/*
 * A pCPU joins (facts 2.1): the pool's credit grows by one slice worth, the
 * first pCPU added is the master and starts the 30 ms accounting timer, the
 * first pCPU of a node seeds that node's balance_bias, idle_bias starts at
 * the last CPU id, and the pCPU starts idle (in idlers, tick stopped).
 */
static void credit_add_pcpu(struct ns_sched *s, unsigned cpu)
{
    struct cs_priv *prv = cs_priv(s);
    struct cs_pcpu *spc = cs_pcpu(prv, cpu);
    const struct ns_topo *t = prv->topo;
    ns_time_t now = cs_now(prv);
    unsigned node = ns_topo_node_of(t, cpu);

    prv->credit += prv->credits_per_tslice;
    prv->ncpus++;
    ns_mask_set(&prv->cpus, cpu);
    if (!prv->has_master) {
        prv->has_master = true;
        prv->master = cpu;
        prv->master_ticker.cpu = cpu;
        prv->acct_time = now;
        s->env->timer_set(s->env->ctx, &prv->master_ticker, now + prv->tslice);
    }
    ns_mask_and(&prv->pk_tmp, &prv->cpus, &t->node[node].cpus);
    if (ns_mask_weight(&prv->pk_tmp) == 1)
        prv->balance_bias[node] = cpu;

    spc->in_pool = true;
    cs_list_init(&spc->runq);
    cs_vcpu_init(&spc->idle);
    spc->idle.pri = CS_PRI_IDLE;
    spc->idle.idle_cpu = cpu;
    spc->curr = &spc->idle;
    spc->curr_since = now;
    spc->runq_sort_last = prv->runq_sort;
    spc->idle_bias = t->nr_pcpus - 1;
    ns_event_init(&spc->ticker.ev);
    spc->ticker.fn = cs_tick_fn;
    spc->ticker.data = prv;
    spc->ticker.cpu = cpu;
    spc->idle_since = now;
    ns_mask_set(&prv->idlers, cpu);
}

static struct cs_dom *cs_dom_alloc(struct cs_priv *prv, struct ns_domain *d)
{
    struct cs_dom *sdom = ns_xcalloc(1, sizeof(*sdom));

    cs_list_init(&sdom->active_vcpus);
    cs_list_init(&sdom->active_elem);
    cs_list_add_tail(&sdom->all_elem, &prv->all_doms);
    sdom->dom = d;
    sdom->weight = d->weight ? d->weight : CS_DEFAULT_WEIGHT;
    sdom->cap = d->cap;
    ns_mask_init(&sdom->node_cpus, prv->topo->nr_pcpus);
    cs_dom_update_node_cpus(prv, sdom);
    d->sched_priv = sdom;
    return sdom;
}

static void credit_add_domain(struct ns_sched *s, struct ns_domain *d)
{
    cs_dom_alloc(cs_priv(s), d);
}

static void credit_remove_domain(struct ns_sched *s, struct ns_domain *d)
{
    struct cs_dom *sdom = d->sched_priv;

    (void)s;
    if (!sdom)
        return;
    if (!cs_list_empty(&sdom->active_elem))
        cs_list_del_init(&sdom->active_elem);
    cs_free_dom(sdom);
    d->sched_priv = NULL;
}

/*
 * A new vCPU starts UNDER with 0 credits and off the active list: it earns
 * nothing until a tick finds it running (facts 2.1). From 4.8 (9f358ddd69)
 * insert re-picks the initial pCPU with cpu_pick, which, like every pick
 * through the hook, marks the vCPU MIGRATING: its first wake is not boosted.
 * Xen creates vCPUs down (not runnable), so nothing is queued here; if one
 * were runnable it would be queued without a tickle, as Xen does.
 */
static void credit_insert_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct cs_priv *prv = cs_priv(s);
    struct cs_dom *sdom = v->dom->sched_priv ? v->dom->sched_priv : cs_dom_alloc(prv, v->dom);
    struct cs_vcpu *svc = ns_xmalloc(sizeof(*svc));

    cs_vcpu_init(svc);
    svc->v = v;
    svc->sdom = sdom;
    svc->pri = CS_PRI_UNDER;
    v->sched_priv = svc;
    cs_list_add_tail(&svc->all_elem, &prv->all_vcpus);
    if (compat_ge(prv, 408)) {
        svc->flags |= CS_FLAG_MIGRATING;
        v->processor = cs_cpu_pick(prv, svc, true);
    }
    if (!cs_on_runq(svc) && ns_vcpu_runnable(v) && !v->is_running)
        cs_runq_insert(prv, svc);
}

/* Only at teardown: the engine never removes a vCPU while the host runs. */
static void credit_remove_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct cs_priv *prv = cs_priv(s);
    struct cs_vcpu *svc = cs_vcpu(v);

    if (!svc)
        return;
    if (cs_on_runq(svc))
        cs_runq_remove(prv, svc);
    svc->flags &= ~CS_FLAG_PARKED;
    if (!cs_list_empty(&svc->active_elem))
        cs_acct_stop(prv, svc);
    if (prv->pcpu[v->processor].in_pool && prv->pcpu[v->processor].curr == svc)
        prv->pcpu[v->processor].curr = &prv->pcpu[v->processor].idle;
    cs_list_del_init(&svc->all_elem);
    free(svc);
    v->sched_priv = NULL;
}

/* ---- wake, sleep, yield (facts 1.2, 2.5, 2.8) ------------------------------ */

/*
 * Wake-up: the vCPU goes on the runqueue of the pCPU it last ran on (or where
 * a migration just put it) - credit1 never re-picks on wake - then one pCPU
 * is tickled. BOOST (facts 2.5): a waking UNDER vCPU that is not parked jumps
 * ahead of everything UNDER and OVER, so an I/O-bound vCPU gets the pCPU
 * quickly. From 4.7 (66c7449a4d) the wake that completes a migration is not
 * a reason to boost: pick marked it MIGRATING and the flag is consumed here,
 * whatever the priority.
 */
static void credit_wake(struct ns_sched *s, struct ns_vcpu *v)
{
    struct cs_priv *prv = cs_priv(s);
    struct cs_vcpu *svc = cs_vcpu(v);
    bool migrating = false;

    if (cs_pcpu(prv, v->processor)->curr == svc || cs_on_runq(svc))
        return;
    if (compat_ge(prv, 407)) {
        migrating = svc->flags & CS_FLAG_MIGRATING;
        svc->flags &= ~CS_FLAG_MIGRATING;
    }
    if (!prv->no_boost && !migrating && svc->pri == CS_PRI_UNDER &&
        !(svc->flags & CS_FLAG_PARKED)) {
        svc->pri = CS_PRI_BOOST;
        prv->stats.boosts++;
        cs_trace(prv, CS_TRC_BOOST_START, 2, (uint32_t[]){v->dom->id, v->id});
    }
    cs_runq_insert(prv, svc);
    cs_runq_tickle(prv, svc);
}

/* Blocking or pausing: a running vCPU gets its pCPU rescheduled, a queued
 * one leaves the queue. */
static void credit_sleep(struct ns_sched *s, struct ns_vcpu *v)
{
    struct cs_priv *prv = cs_priv(s);
    struct cs_vcpu *svc = cs_vcpu(v);

    if (cs_pcpu(prv, v->processor)->curr == svc)
        s->env->tickle(s->env->ctx, v->processor);
    else if (cs_on_runq(svc))
        cs_runq_remove(prv, svc);
}

/* The flag takes effect at the schedule the yield raises (facts 1.2, 2.6). */
static void credit_yield(struct ns_sched *s, struct ns_vcpu *v)
{
    cs_vcpu(v)->flags |= CS_FLAG_YIELD;
    s->env->tickle(s->env->ctx, v->processor);
}

static unsigned credit_pick_cpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct cs_priv *prv = cs_priv(s);
    struct cs_vcpu *svc = cs_vcpu(v);

    if (compat_ge(prv, 407))
        svc->flags |= CS_FLAG_MIGRATING;
    return cs_cpu_pick(prv, svc, true);
}

/* ---- the tick (facts 2.3) --------------------------------------------------- */

/*
 * Every 10 ms on a busy pCPU: the running vCPU loses BOOST (it is evidently
 * not a short I/O burst), is billed, and, if it was inactive, joins the
 * active set (no other check that tick). An already-active vCPU is asked
 * whether cpu_pick would put it elsewhere; if so it is flagged MIGRATING and
 * this pCPU reschedules, after which the core moves it (vcpu_migrate, where
 * the real pick with commit happens). This periodic check is what pulls a
 * CPU-bound vCPU onto an idle core or back into its soft affinity.
 */
static void cs_tick_vcpu(struct cs_priv *prv, unsigned cpu, struct cs_vcpu *svc, ns_time_t now)
{
    struct ns_vcpu *v = svc->v;

    if (svc->pri == CS_PRI_BOOST) {
        svc->pri = CS_PRI_UNDER;
        cs_trace(prv, CS_TRC_BOOST_END, 2, (uint32_t[]){v->dom->id, v->id});
    }
    cs_burn_credits(prv, svc, now);
    if (cs_list_empty(&svc->active_elem)) {
        cs_acct_start(prv, svc);
        return;
    }
    if (cs_cpu_pick(prv, svc, false) != cpu) {
        prv->stats.tick_migrations++;
        prv->s->env->migrate(prv->s->env->ctx, v);
    }
}

/* The sort runs whatever the pCPU runs; the tick never preempts by itself. */
static void cs_tick_fn(struct ns_timer *t, ns_time_t now)
{
    struct cs_priv *prv = t->data;
    unsigned cpu = t->cpu;
    struct cs_pcpu *spc = cs_pcpu(prv, cpu);

    spc->tick++;
    if (!cs_is_idle(spc->curr))
        cs_tick_vcpu(prv, cpu, spc->curr, now);
    cs_runq_sort(prv, cpu);
    prv->s->env->timer_set(prv->s->env->ctx, &spc->ticker, now + prv->tick_period);
}

/* ---- schedule (facts 2.7) ----------------------------------------------------- */

/*
 * Ratelimit: a vCPU that has run for less than ratelimit_us keeps the pCPU,
 * so wake-up storms cannot make it thrash. 4.8+ does not hold a yielding
 * vCPU, and gives it only what is left of the ratelimit instead of a whole
 * ratelimit.
 */
static bool cs_ratelimit_keeps(const struct cs_priv *prv, const struct cs_vcpu *scurr,
                               ns_time_t runtime)
{
    if (prv->ratelimit == 0 || cs_is_idle(scurr) || !ns_vcpu_runnable(scurr->v))
        return false;
    if (compat_ge(prv, 408) && (scurr->flags & CS_FLAG_YIELD))
        return false;
    return runtime < prv->ratelimit;
}

/*
 * QUIRK "ratelimit_min" (facts 2.7, 4.8+): Xen wants never to arm a timer
 * shorter than 100 us, but compares the *runtime* with 100 us instead of the
 * slice: a vCPU that ran 30 us gets a 100 us slice (and comes back to be
 * rate-limited again), one that ran 990 us gets a 10 us slice. The fix
 * (NS_QUIRK_RATELIMIT_MIN) clamps the slice itself.
 */
static ns_time_t cs_ratelimit_slice(const struct cs_priv *prv, ns_time_t runtime)
{
    ns_time_t slice;

    if (compat_lt(prv, 408))
        return prv->ratelimit;
    slice = prv->ratelimit - runtime;
    if (quirk_fixed(prv, NS_QUIRK_RATELIMIT_MIN)) {
        if (slice < CS_MIN_TIMER)
            slice = CS_MIN_TIMER;
    } else if (runtime < CS_MIN_TIMER) {
        slice = CS_MIN_TIMER;
    }
    return slice;
}

/* 4.18+ (58feb9e0ac): a pCPU balances at most once per load-balance-ratelimit. */
static bool cs_balance_allowed(const struct cs_pcpu *spc, ns_time_t now)
{
    return !spc->balanced_once || now - spc->last_load_balance > CS_BALANCE_RATELIMIT;
}

/*
 * 4.13+ stops the tick when the pCPU goes idle and restarts it, aligned to
 * the tick grid, when it leaves idle; before 4.13 cpuidle suspended it in
 * C-states with the same effect (facts 2.3), so every version does this.
 */
static void cs_tick_follow(struct cs_priv *prv, struct cs_pcpu *spc, bool was_idle, bool now_idle,
                           ns_time_t now)
{
    const struct ns_sched_env *env = prv->s->env;

    if (!was_idle && now_idle && spc->ticking) {
        env->timer_stop(env->ctx, &spc->ticker);
        spc->ticking = false;
    } else if (was_idle && !now_idle) {
        env->timer_set(env->ctx, &spc->ticker, now + prv->tick_period - now % prv->tick_period);
        spc->ticking = true;
    }
}

/*
 * Schedule on @cpu: bill the current vCPU, keep it if the ratelimit says so,
 * else put it back in the queue (behind its equals: round robin per slice)
 * and take the head. If the head is not BOOST or UNDER, look for better work
 * on the other pCPUs first (credit_pick.c). The slice is the 30 ms
 * timeslice; there is no other preemption than tickles, sleeps and the
 * tick's migration requests.
 */
static struct ns_sched_slice credit_do_schedule(struct ns_sched *s, unsigned cpu, ns_time_t now)
{
    struct cs_priv *prv = cs_priv(s);
    struct cs_pcpu *spc = cs_pcpu(prv, cpu);
    struct cs_vcpu *scurr = spc->curr, *snext;
    ns_time_t runtime = now - spc->curr_since, tslice;
    bool balanced = false;

    uint32_t sched_word = (cpu & 0xffff) | ((uint32_t)cs_is_idle(scurr) << 24);
    cs_trace(prv, CS_TRC_SCHEDULE, 1, &sched_word);
    if (!cs_is_idle(scurr)) {
        cs_burn_credits(prv, scurr, now);
        scurr->start_time -= (int64_t)now;
        scurr->last_sched_time = now;
        scurr->has_run = true;
    } else {
        scurr->pri = CS_PRI_IDLE;
    }

    if (cs_ratelimit_keeps(prv, scurr, runtime)) {
        snext = scurr;
        snext->start_time += (int64_t)now;
        tslice = cs_ratelimit_slice(prv, runtime);
        prv->stats.ratelimited++;
        cs_trace(prv, CS_TRC_RATELIMIT, 2, (uint32_t[]){cs_unit_word(scurr->v), (uint32_t)runtime});
        goto out;
    }
    tslice = prv->tslice;

    if (cs_is_idle(scurr) || ns_vcpu_runnable(scurr->v))
        cs_runq_insert_nocount(prv, cpu, scurr);
    else if (spc->nr_runnable > 0)
        spc->nr_runnable--;
    /* Up to 4.17 YIELD lasts one schedule; 4.18+ see cs_runq_remove_nocount. */
    if (compat_lt(prv, 418))
        scurr->flags &= ~CS_FLAG_YIELD;

    snext = cs_runq_elem(spc->runq.next);
    if (snext->pri > CS_PRI_OVER) {
        cs_runq_remove_nocount(prv, snext);
    } else if (compat_ge(prv, 418) && !cs_balance_allowed(spc, now)) {
        prv->stats.balances_skipped++;
        cs_runq_remove_nocount(prv, snext);
    } else {
        balanced = true;
        spc->balanced_once = true;
        spc->last_load_balance = now;
        prv->stats.balances++;
        snext = cs_load_balance(prv, cpu, snext, now);
    }

    if (cs_is_idle(snext))
        ns_mask_set(&prv->idlers, cpu);
    else
        ns_mask_clear(&prv->idlers, cpu);
    if (!cs_is_idle(snext))
        snext->start_time += (int64_t)now;

out:
    cs_tick_follow(prv, spc, cs_is_idle(scurr), cs_is_idle(snext), now);
    if (snext != scurr)
        spc->curr_since = now;
    if (!cs_is_idle(snext))
        spc->idle_since = NS_TIME_NEVER;
    else if (!cs_is_idle(scurr) || spc->idle_since == NS_TIME_NEVER)
        spc->idle_since = now;
    spc->curr = snext;

    if (balanced && cs_is_idle(snext) && prv->check_on) {
        char buf[256];
        if (cs_stealable_elsewhere(prv, cpu, now, buf, sizeof(buf)))
            cs_violation(prv, "credit: pCPU %u went idle after balancing although %s", cpu, buf);
    }
    if (cs_is_idle(snext))
        return (struct ns_sched_slice){NULL, NS_TIME_NEVER};
    return (struct ns_sched_slice){snext->v, tslice};
}

/* ---- quirk names ---------------------------------------------------------------- */

struct cs_quirk {
    const char *name;
    unsigned bit;
};

static const struct cs_quirk quirks[] = {
    {"unpark_boost", NS_QUIRK_UNPARK_BOOST},
    {"ratelimit_min", NS_QUIRK_RATELIMIT_MIN},
    {"tickle_idlers_46", NS_QUIRK_TICKLE_IDLERS_46},
    {"kick_away_413", NS_QUIRK_KICK_AWAY_413},
    {"credit2_balance_last", NS_QUIRK_C2_BALANCE_LAST},
};
static const struct ns_registry quirk_registry = NS_REGISTRY(quirks);

int ns_sched_quirk_bit(const char *name)
{
    const struct cs_quirk *q = ns_registry_find(&quirk_registry, name);

    return q ? (int)q->bit : -1;
}

const char *const *ns_sched_quirk_names(void) { return ns_registry_names(&quirk_registry); }

const struct ns_sched_ops ns_sched_credit = {
    .name = "credit",
    .in_xen = true,
    .trace_id = 0,
    .init = credit_init,
    .deinit = credit_deinit,
    .add_pcpu = credit_add_pcpu,
    .add_domain = credit_add_domain,
    .insert_vcpu = credit_insert_vcpu,
    .remove_vcpu = credit_remove_vcpu,
    .remove_domain = credit_remove_domain,
    .sleep = credit_sleep,
    .wake = credit_wake,
    .yield = credit_yield,
    .do_schedule = credit_do_schedule,
    .pick_cpu = credit_pick_cpu,
    .check = cs_check,
    .dump = cs_dump,
    .stats = cs_stats,
};
