/*
 * credit: where vCPUs go. The two balance steps (soft or node affinity,
 * then hard affinity), cpu_pick with its idle-core and idle-socket
 * preference, tickling on wake-up, and work stealing (facts 2.9-2.11, 2.13).
 *
 * The common thread: every decision first looks at the pCPUs the vCPU
 * prefers (soft affinity since 4.5, the domain's node affinity in 4.3/4.4)
 * and only then at all the pCPUs it may use (hard affinity). Credit1 never
 * re-picks on wake-up: a woken vCPU queues where it last ran and someone
 * idle is poked to come and take it; the preference only bites at the 10 ms
 * tick check, in stealing order and in the choice of whom to poke.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>

#include "credit_priv.h"

/* ---- balance steps (facts 2.13) ---------------------------------------------- */

/* 4.2 has no preference at all: only the hard step exists. */
bool cs_soft_steps(const struct cs_priv *prv) { return compat_ge(prv, 403); }

/*
 * 4.3/4.4: the domain's node affinity, as pCPUs. 4.4 keeps only the pool's
 * pCPUs (the crash fix after cpupool-numa-split, facts 2.14).
 */
void cs_dom_update_node_cpus(const struct cs_priv *prv, struct cs_dom *sdom)
{
    const struct ns_topo *t = prv->topo;
    const struct ns_mask *na = &sdom->dom->node_affinity;

    ns_mask_zero(&sdom->node_cpus);
    for (unsigned n = 0; n < t->nr_nodes && n < na->nbits; n++)
        if (ns_mask_test(na, n))
            ns_mask_or(&sdom->node_cpus, &sdom->node_cpus, &t->node[n].cpus);
    if (compat_ge(prv, 404) && prv->s->pool)
        ns_mask_and(&sdom->node_cpus, &sdom->node_cpus, &prv->s->pool->cpus);
}

/*
 * Does the soft (node) step mean anything for this vCPU? @mask is what the
 * preference has to overlap: the hard affinity (tickle, steal) or hard
 * affinity in the pool (pick).
 *  - 4.3/4.4: only an explicitly set node affinity that is not "all" and
 *    overlaps the vCPU's affinity; pinning alone never creates a preference;
 *  - 4.5: a soft affinity that is not "all" and overlaps @mask;
 *  - 4.6-4.10 (3582093e01): the pool not inside soft, hard not inside soft,
 *    and soft overlapping @mask;
 *  - 4.11+ (5e9e3f88fb): soft & hard not empty, hard not inside soft, the
 *    pool not inside soft.
 */
bool cs_has_soft(const struct cs_priv *prv, const struct cs_vcpu *svc, const struct ns_mask *mask)
{
    const struct ns_vcpu *v = svc->v;

    if (!cs_soft_steps(prv))
        return false;
    if (compat_lt(prv, 405)) {
        const struct ns_mask *nc = &svc->sdom->node_cpus;
        return !v->dom->auto_node_affinity && !ns_mask_full(nc) && ns_mask_intersects(nc, mask);
    }
    if (compat_lt(prv, 406))
        return !ns_mask_full(&v->soft) && ns_mask_intersects(&v->soft, mask);
    if (compat_lt(prv, 411))
        return ns_vcpu_has_soft_affinity_406(v, &prv->s->pool->cpus, mask);
    return ns_vcpu_has_soft_affinity(v, &prv->s->pool->cpus);
}

/*
 * The pCPUs of a step: soft (or node) & hard, or hard when they do not meet
 * ("pinning wins"); the hard step is the hard affinity. Callers intersect
 * with the pool where Xen does.
 */
void cs_balance_mask(const struct cs_priv *prv, const struct cs_vcpu *svc, enum cs_step step,
                     struct ns_mask *out)
{
    const struct ns_vcpu *v = svc->v;

    if (step == CS_STEP_SOFT) {
        ns_mask_and(out, compat_lt(prv, 405) ? &svc->sdom->node_cpus : &v->soft, &v->hard);
        if (!ns_mask_empty(out))
            return;
    }
    ns_mask_copy(out, &v->hard);
}

/* |a & b| without a temporary. */
static size_t and_weight(const struct ns_mask *a, const struct ns_mask *b)
{
    size_t words = (a->nbits + 63) / 64, n = 0;

    for (size_t i = 0; i < words; i++)
        n += (size_t)__builtin_popcountll(a->w[i] & b->w[i]);
    return n;
}

/* ---- cpu_pick (facts 2.10) ------------------------------------------------------- */

/*
 * Among idle candidates, spread: prefer a core whose threads are all idle
 * over a half-busy one (same socket, factor 1), and another socket only if
 * it has at least twice as many idle pCPUs (factor 2). @cpus holds the idle
 * candidates left after @cpu; each round compares @cpu with the next one and
 * either moves (to the member of the better group after that pCPU's
 * idle_bias, so repeated picks rotate inside a group) or drops the whole
 * losing group. Returns the pCPU whose idle_bias a committing pick updates.
 */
static int cs_pick_spread(struct cs_priv *prv, unsigned *cpu_io, struct ns_mask *cpus,
                          const struct ns_mask *idlers)
{
    const struct ns_topo *t = prv->topo;
    struct ns_mask *grp = &prv->pk_grp;
    unsigned cpu = *cpu_io;
    int moved_by = -1;

    while (!ns_mask_empty(cpus)) {
        unsigned nxt = (unsigned)ns_mask_cycle(cpus, cpu), factor;
        size_t a;

        if (ns_mask_test(ns_topo_socket_cpus(t, nxt), cpu)) {
            factor = 1;
            a = and_weight(idlers, ns_topo_siblings(t, cpu));
            ns_mask_and(grp, idlers, ns_topo_siblings(t, nxt));
        } else {
            factor = 2;
            a = and_weight(idlers, ns_topo_socket_cpus(t, cpu));
            ns_mask_and(grp, idlers, ns_topo_socket_cpus(t, nxt));
        }
        /* sched_smt_power_savings (consolidate: a > b) is not modelled: spread. */
        if (a * factor < ns_mask_weight(grp)) {
            ns_mask_and(grp, grp, cpus);
            moved_by = (int)nxt;
            cpu = (unsigned)ns_mask_cycle(grp, cs_pcpu(prv, nxt)->idle_bias);
            ns_mask_andnot(cpus, cpus, ns_topo_siblings(t, cpu));
        } else {
            ns_mask_andnot(cpus, cpus, grp);
        }
    }
    *cpu_io = cpu;
    return moved_by;
}

/*
 * cpu_pick: an idle pCPU in soft & hard if there is one (the current pCPU
 * first, then cores with more idle threads, then emptier sockets), else an
 * idle one in hard, else the current pCPU if allowed, else the next allowed
 * one. A vCPU that is the only runnable one on its pCPU does not count
 * against that pCPU (it would leave it idle by moving). @commit (migration,
 * insert) records the choice in idle_bias; the 10 ms tick check does not.
 */
unsigned cs_cpu_pick(struct cs_priv *prv, struct cs_vcpu *svc, bool commit)
{
    struct ns_vcpu *v = svc->v;
    const struct ns_mask *online = &prv->s->pool->cpus;
    struct ns_mask *cpus = &prv->pk_cpus, *idlers = &prv->pk_idlers;
    unsigned P = v->processor, cpu = P;
    int bias_owner = -1;

    for (int step = CS_STEP_SOFT; step <= CS_STEP_HARD; step++) {
        if (step == CS_STEP_SOFT && !cs_soft_steps(prv))
            continue;
        cs_balance_mask(prv, svc, (enum cs_step)step, cpus);
        ns_mask_and(cpus, cpus, online);
        if (step == CS_STEP_SOFT) {
            /* 4.3 did not guard against an empty mask here (it crashed after
             * cpupool-numa-split); we skip the step like 4.4+ does. */
            ns_mask_and(&prv->pk_tmp, &v->hard, online);
            if (!cs_has_soft(prv, svc, &prv->pk_tmp) || ns_mask_empty(cpus))
                continue;
        }
        if (ns_mask_empty(cpus))
            break;                       /* hard & pool empty: not possible via the engine */
        cpu = ns_mask_test(cpus, P) ? P : (unsigned)ns_mask_cycle(cpus, P);

        ns_mask_and(idlers, &prv->idlers, online);
        if (compat_lt(prv, 403))
            ns_mask_set(idlers, P);      /* 4.2: P always counted as idle */
        else if (cpu == P && cs_runq_idle(prv, P))
            ns_mask_set(idlers, P);
        ns_mask_and(cpus, cpus, idlers);
        if (!ns_mask_test(cpus, cpu) && !ns_mask_empty(cpus))
            cpu = (unsigned)ns_mask_cycle(cpus, cpu);
        ns_mask_clear(cpus, cpu);

        int moved = cs_pick_spread(prv, &cpu, cpus, idlers);
        if (moved >= 0)
            bias_owner = moved;
        if (ns_mask_test(idlers, cpu))
            break;
    }
    if (commit && bias_owner >= 0)
        cs_pcpu(prv, (unsigned)bias_owner)->idle_bias = cpu;
    cs_trace(prv, CS_TRC_PICKED_CPU, 3, (uint32_t[]){v->dom->id, v->id, cpu});
    return cpu;
}

/* ---- tickle (facts 2.9) --------------------------------------------------------------- */

/*
 * Kick-away: the waker preempts cur, and cur is asked to move (it gets
 * MIGRATING, so the core re-picks for it once it is off the pCPU) when it
 * has somewhere idle to go.
 *  - 4.3-4.6: always;
 *  - 4.7-4.12 (f02a5760c7): only if cur's hard affinity meets the idlers;
 *  - QUIRK "kick_away_413" (4.13+): the test uses the *waker's* hard
 *    affinity, which here never meets the idlers (that is why we are
 *    preempting), so cur is never moved, only preempted and requeued
 *    locally. NS_QUIRK_KICK_AWAY_413 tests cur's affinity, as 4.7-4.12 did.
 */
static bool cs_kick_away(const struct cs_priv *prv, const struct cs_vcpu *new,
                         const struct cs_vcpu *cur, const struct ns_mask *idle_mask)
{
    if (compat_lt(prv, 407))
        return true;
    if (compat_lt(prv, 413) || quirk_fixed(prv, NS_QUIRK_KICK_AWAY_413))
        return ns_mask_intersects(&cur->v->hard, idle_mask);
    return ns_mask_intersects(&new->v->hard, idle_mask);
}

/*
 * Which idler to poke: the next member of the step's idlers after
 * last_tickle_cpu, a variable of the pCPU executing the wake (not of the
 * target), so successive wakes from one pCPU spread over the idlers.
 * QUIRK "tickle_idlers_46" (4.6-4.7, 02ea503182 until the 4.8 fix): the
 * cycling ran over the whole idle set instead of the step's idlers, so a
 * pCPU outside the soft affinity (even outside the hard affinity) could be
 * poked. NS_QUIRK_TICKLE_IDLERS_46 cycles over the step's idlers.
 */
static unsigned cs_tickle_choose(struct cs_priv *prv, const struct ns_mask *step_idlers,
                                 const struct ns_mask *idle_mask)
{
    const struct ns_sched_env *env = prv->s->env;
    unsigned me = env->this_cpu(env->ctx);
    const struct ns_mask *from = step_idlers;
    struct cs_pcpu *spc_me = cs_pcpu(prv, me);

    if (compat_ge(prv, 406) && compat_lt(prv, 408) && !quirk_fixed(prv, NS_QUIRK_TICKLE_IDLERS_46))
        from = idle_mask;
    spc_me->last_tickle_cpu = (unsigned)ns_mask_cycle(from, spc_me->last_tickle_cpu);
    return spc_me->last_tickle_cpu;
}

/*
 * Tickle for @new, just queued on its processor cpu where cur runs:
 *  - 4.11+: exclusively pinned to an idle cpu: poke it;
 *  - cur idle, or nobody idle at all and new beats cur: poke cpu (this runs
 *    new where it last ran whenever that pCPU is idle, whatever the soft or
 *    node affinity says: the 4.3 "coupling" of facts 2.14);
 *  - otherwise, soft step then hard step: poke one idler suitable for new;
 *    if none suits new (hard step) and new beats cur, preempt cur and maybe
 *    kick it away; if none suits and new does not beat cur, nobody is poked
 *    and new waits for cpu or a thief.
 * 4.9+ (47d5292995) takes poked pCPUs out of idlers at once so that the next
 * wake or pick sees them busy; before, they stayed idlers until they ran
 * their schedule. No version prefers idle cores here; only cpu_pick does.
 */
/*
 * 4.2's tickle (before ebce2d836c, facts 2.9), simpler than what followed: a
 * waker of higher priority than cur preempts it, and if cur is busy one idler
 * the waker may run on is also poked (it will find the waker's queue and
 * steal). No preference step, and cur is never asked to move.
 */
static void cs_runq_tickle_42(struct cs_priv *prv, struct cs_vcpu *new, struct cs_vcpu *cur,
                              struct ns_mask *mask)
{
    struct ns_vcpu *v = new->v;
    struct ns_mask *S = &prv->tk_step;

    if (new->pri > cur->pri)
        ns_mask_set(mask, v->processor);
    if (cur->pri == CS_PRI_IDLE)
        return;
    ns_mask_and(S, &prv->idlers, &v->hard);
    if (!ns_mask_empty(S))
        ns_mask_set(mask, cs_tickle_choose(prv, S, S));
}

void cs_runq_tickle(struct cs_priv *prv, struct cs_vcpu *new)
{
    const struct ns_sched_env *env = prv->s->env;
    struct ns_vcpu *v = new->v;
    unsigned cpu = v->processor;
    struct cs_vcpu *cur = cs_pcpu(prv, cpu)->curr;
    struct ns_mask *mask = &prv->tk_mask, *idle_mask = &prv->tk_idle, *S = &prv->tk_step;
    bool idlers_empty;

    ns_mask_zero(mask);
    /* 4.3-4.5 used the scheduler's idlers, 4.6+ idlers & pool: the same here,
     * since an instance's idlers only ever hold its own pool's pCPUs. */
    ns_mask_and(idle_mask, &prv->idlers, &prv->s->pool->cpus);
    idlers_empty = ns_mask_empty(idle_mask);

    if (compat_lt(prv, 403)) {
        cs_runq_tickle_42(prv, new, cur, mask);
    } else if (compat_ge(prv, 411) && ns_mask_weight(&v->hard) == 1 && ns_mask_test(idle_mask, cpu)) {
        ns_mask_set(mask, cpu);
    } else if (cur->pri == CS_PRI_IDLE || (idlers_empty && new->pri > cur->pri)) {
        ns_mask_set(mask, cpu);
    } else if (!idlers_empty) {
        for (int step = CS_STEP_SOFT; step <= CS_STEP_HARD && ns_mask_empty(mask); step++) {
            if (step == CS_STEP_SOFT && (!cs_soft_steps(prv) || !cs_has_soft(prv, new, &v->hard)))
                continue;
            cs_balance_mask(prv, new, (enum cs_step)step, S);
            ns_mask_and(S, S, idle_mask);
            if (ns_mask_empty(S) && step == CS_STEP_SOFT)
                continue;
            if (ns_mask_empty(S) && new->pri > cur->pri) {
                if (cs_kick_away(prv, new, cur, idle_mask)) {
                    prv->stats.kick_aways++;
                    env->migrate(env->ctx, cur->v);
                }
                ns_mask_set(mask, cpu);
            } else if (!ns_mask_empty(S)) {
                ns_mask_set(mask, cs_tickle_choose(prv, S, idle_mask));
            }
        }
    }

    ns_mask_for_each(c, mask) {
        cs_trace(prv, CS_TRC_TICKLE, 1, (uint32_t[]){(uint32_t)c});
        if (compat_ge(prv, 409))
            ns_mask_clear(&prv->idlers, c);
        prv->stats.tickles++;
        env->tickle(env->ctx, (unsigned)c);
    }
}

/* ---- work stealing (facts 2.11) ----------------------------------------------------------- */

/* May @cpu take @speer in this step? (the per-vCPU tests of the scan) */
static bool cs_can_steal(struct cs_priv *prv, struct cs_vcpu *speer, unsigned cpu,
                         enum cs_step step, ns_time_t now)
{
    struct ns_vcpu *v = speer->v;

    if (compat_ge(prv, 418) && (speer->flags & CS_FLAG_YIELD))
        return false;                       /* 4.18+: yielded vCPUs stay (e282067cf2) */
    if (v->is_running || (step == CS_STEP_SOFT && !cs_has_soft(prv, speer, &v->hard)))
        return false;
    cs_balance_mask(prv, speer, step, &prv->lb_step);
    return ns_mask_test(&prv->lb_step, cpu) && !cs_cache_hot(prv, speer, now);
}

/*
 * Scan @peer's queue from the head for a vCPU of strictly higher priority
 * than what @cpu has (@pri); the queue is sorted, so the scan stops at the
 * first one that is not. A peer running its idle vCPU is left alone: it is
 * about to run its own queue.
 */
static struct cs_vcpu *cs_runq_steal(struct cs_priv *prv, unsigned peer, unsigned cpu, int pri,
                                     enum cs_step step, ns_time_t now)
{
    struct cs_pcpu *spc = cs_pcpu(prv, peer);
    struct cs_list *iter;

    if (cs_is_idle(spc->curr))
        return NULL;
    for (iter = spc->runq.next; iter != &spc->runq; iter = iter->next) {
        struct cs_vcpu *speer = cs_runq_elem(iter);

        if (speer->pri <= pri)
            break;
        if (!cs_can_steal(prv, speer, cpu, step, now))
            continue;
        cs_trace(prv, CS_TRC_STOLEN_VCPU, 3, (uint32_t[]){peer, speer->v->dom->id, speer->v->id});
        cs_runq_remove(prv, speer);
        speer->v->processor = cpu;
        cs_pcpu(prv, cpu)->nr_runnable++;
        prv->stats.steals++;
        return speer;
    }
    return NULL;
}

/* The next online node after @node, wrapping (nodes without pCPUs included:
 * they simply have no workers). */
static unsigned cs_next_node(const struct cs_priv *prv, unsigned node)
{
    return (node + 1) % prv->topo->nr_nodes;
}

/*
 * Load balancing on @cpu, whose best local candidate @snext is OVER or idle:
 * soft step then hard step; in each, nodes from the thief's own onwards;
 * in each node the busy pCPUs (not idlers, not the thief) once round,
 * starting from the lowest (4.3-4.8) or after the node's balance_bias
 * (4.9+, 89216c7999, so the same peer is not always robbed first). 4.9+
 * also skips peers whose nr_runnable says nothing is queued. The first
 * stealable vCPU is taken and run at once; otherwise snext is dequeued and
 * run. So soft-affine work anywhere beats hard-only work next door (4.3+;
 * 4.2 in cs_load_balance_42). Xen
 * only try-locks peers and skips those it cannot lock; in a sequential
 * simulation the lock is always free.
 */
/*
 * 4.2's stealing (facts 2.11): no steps and no node order, just every busy
 * pCPU of the pool once, from the thief's next neighbour round.
 */
static struct cs_vcpu *cs_load_balance_42(struct cs_priv *prv, unsigned cpu, int pri,
                                          ns_time_t now)
{
    struct ns_mask *workers = &prv->lb_workers;
    size_t peer = cpu;

    ns_mask_andnot(workers, &prv->s->pool->cpus, &prv->idlers);
    ns_mask_clear(workers, cpu);
    while (!ns_mask_empty(workers)) {
        peer = ns_mask_cycle(workers, peer);
        ns_mask_clear(workers, peer);
        struct cs_vcpu *speer = cs_runq_steal(prv, (unsigned)peer, cpu, pri, CS_STEP_HARD, now);
        if (speer)
            return speer;
    }
    return NULL;
}

struct cs_vcpu *cs_load_balance(struct cs_priv *prv, unsigned cpu, struct cs_vcpu *snext,
                                ns_time_t now)
{
    const struct ns_topo *t = prv->topo;
    struct ns_mask *workers = &prv->lb_workers;
    unsigned node = ns_topo_node_of(t, cpu);

    if (compat_lt(prv, 403)) {
        struct cs_vcpu *speer = cs_load_balance_42(prv, cpu, snext->pri, now);
        if (speer)
            return speer;
        cs_runq_remove_nocount(prv, snext);
        return snext;
    }
    for (int step = CS_STEP_SOFT; step <= CS_STEP_HARD; step++) {
        if (step == CS_STEP_SOFT && !cs_soft_steps(prv))
            continue;
        unsigned peer_node = node;
        do {
            ns_mask_andnot(workers, &prv->s->pool->cpus, &prv->idlers);
            ns_mask_and(workers, workers, &t->node[peer_node].cpus);
            ns_mask_clear(workers, cpu);
            size_t first = compat_ge(prv, 409)
                               ? ns_mask_cycle(workers, prv->balance_bias[peer_node])
                               : ns_mask_first(workers);
            if (first == NS_MASK_NONE)
                goto next_node;
            size_t peer = first;
            do {
                if (compat_ge(prv, 409) && cs_pcpu(prv, (unsigned)peer)->nr_runnable <= 1) {
                    cs_trace(prv, CS_TRC_STEAL_CHECK, 2, (uint32_t[]){(uint32_t)peer, 0});
                } else {
                    cs_trace(prv, CS_TRC_STEAL_CHECK, 2, (uint32_t[]){(uint32_t)peer, 1});
                    struct cs_vcpu *speer = cs_runq_steal(prv, (unsigned)peer, cpu, snext->pri,
                                                          (enum cs_step)step, now);
                    if (speer) {
                        if (compat_ge(prv, 409))
                            prv->balance_bias[peer_node] = (unsigned)peer;
                        return speer;
                    }
                }
                peer = ns_mask_cycle(workers, peer);
            } while (peer != first);
        next_node:
            peer_node = cs_next_node(prv, peer_node);
        } while (peer_node != node);
    }
    cs_runq_remove_nocount(prv, snext);
    return snext;
}

/*
 * For the checker: is there a vCPU queued on a busy pool pCPU that @cpu,
 * idle after a full balance, should have stolen? (priority above IDLE,
 * hard affinity allows @cpu, not running, not cache-hot, 4.18+ not yielded)
 * Fills @buf and returns it, or NULL.
 */
const char *cs_stealable_elsewhere(struct cs_priv *prv, unsigned cpu, ns_time_t now, char *buf,
                                   size_t len)
{
    ns_mask_for_each(peer, &prv->s->pool->cpus) {
        struct cs_pcpu *spc = cs_pcpu(prv, (unsigned)peer);
        if (peer == cpu || cs_is_idle(spc->curr))
            continue;
        for (struct cs_list *it = spc->runq.next; it != &spc->runq; it = it->next) {
            struct cs_vcpu *w = cs_runq_elem(it);
            if (cs_is_idle(w) || !cs_can_steal(prv, w, cpu, CS_STEP_HARD, now))
                continue;
            snprintf(buf, len, "d%uv%u (pri %d) waits on busy pCPU %zu", w->v->dom->id, w->v->id,
                     w->pri, peer);
            return buf;
        }
    }
    return NULL;
}
