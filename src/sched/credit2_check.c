/*
 * credit2: the invariants `numasched run --check` verifies after every event,
 * the dump and the counters.
 *
 * What must hold whatever the workload (facts 3.2-3.7):
 *  - credit never above what a reset and a few migration compensations can
 *    give (2 x CREDIT_INIT), nor, from 4.14, below CREDIT_MIN (the burn
 *    floors it; before, credit has no floor);
 *  - every vCPU is assigned to exactly one runqueue, and queued vCPUs wait
 *    in the queue of that runqueue, runnable and not running;
 *  - a runqueue's load is the number of its vCPUs running or queued;
 *  - the idle mask is exactly the pCPUs running idle, tickled pCPUs belong
 *    to the runqueue, and a pCPU counts as part of an idle core only if it
 *    is idle and untickled;
 *  - work conservation: no pCPU sits idle and untickled while a vCPU allowed
 *    on it waits in its runqueue, unless a tickle has reserved that vCPU for
 *    another pCPU that has not scheduled yet, or migrate_resist keeps it
 *    (a vCPU within it of idle's credit: at the floor, from 4.14), or (up
 *    to 4.15) the pCPU's last scan stopped at a capped vCPU it had to park,
 *    or (up to 4.11) a tickle while a pCPU was balancing went to that pCPU
 *    rather than to this idle one (the pCPU is "stalled" until it next
 *    schedules), or this pCPU passed that very vCPU over as reserved for
 *    another, whose reservation then lapsed, and has not scheduled since
 *    (c2_vcpu.passed_by), as Xen's would not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "credit2_priv.h"

#define FAIL(...) ns_err_set(err, NULL, 0, NULL, __VA_ARGS__)

static int c2_check_vcpu(const struct c2_priv *prv, const struct c2_rqd *rqd,
                         const struct c2_vcpu *svc, struct ns_err *err)
{
    const struct ns_vcpu *v = svc->v;
    int64_t min = c2_compat_ge(prv, 414) ? C2_CREDIT_MIN : INT64_MIN;

    if (svc->rqd != rqd)
        return FAIL("credit2: d%uv%u is listed in runqueue %u but assigned to %u", v->dom->id,
                    v->id, rqd->id, svc->rqd ? svc->rqd->id : ~0u);
    if (svc->credit < min || svc->credit > 2 * C2_CREDIT_INIT)
        return FAIL("credit2: d%uv%u has credit %lld ns, outside [%lld, %lld]", v->dom->id, v->id,
                    (long long)svc->credit, (long long)min, (long long)(2 * C2_CREDIT_INIT));
    if (c2_on_runq(svc) &&
        (v->is_running || !ns_vcpu_runnable(v) || !ns_mask_test(&rqd->active, v->processor)))
        return FAIL("credit2: d%uv%u queued in runqueue %u but %s, flags %#x, on pCPU %u",
                    v->dom->id, v->id, rqd->id, v->is_running ? "running" : "not running",
                    v->pause_flags, v->processor);
    return 0;
}

/* Is @svc waiting while an idle, untickled pCPU it may use would take it? */
static int c2_check_waiting(struct c2_priv *prv, const struct c2_rqd *rqd,
                            const struct c2_vcpu *svc, struct ns_err *err)
{
    struct ns_mask *m = &prv->ck_mask;

    if (svc->tickled_cpu != -1 && ns_mask_test(&rqd->tickled, (unsigned)svc->tickled_cpu))
        return 0;
    if (svc->credit <= c2_idle_credit(prv) + (int64_t)prv->migrate_resist)
        return 0;
    ns_mask_andnot(m, &rqd->idle, &rqd->tickled);
    ns_mask_and(m, m, &svc->v->hard);
    ns_mask_for_each(cpu, m) {
        if (!c2_pcpu(prv, (unsigned)cpu)->stalled && !ns_mask_test(&svc->passed_by, cpu))
            return FAIL("credit2: d%uv%u waits in runqueue %u while pCPU %zu, which it may "
                        "use, is idle and not tickled", svc->v->dom->id, svc->v->id, rqd->id,
                        cpu);
    }
    return 0;
}

/* Count the vCPUs running on the runqueue's pCPUs, checking the idle mask. */
static int c2_check_pcpus(const struct c2_priv *prv, const struct c2_rqd *rqd, int *running,
                          struct ns_err *err)
{
    ns_mask_for_each(cpu, &rqd->active) {
        const struct c2_pcpu *spc = c2_pcpu(prv, (unsigned)cpu);
        bool idle = c2_is_idle(spc->curr);
        if (spc->rqd != rqd)
            return FAIL("credit2: pCPU %zu is in runqueue %u's mask but not in it", cpu, rqd->id);
        if (idle != ns_mask_test(&rqd->idle, cpu))
            return FAIL("credit2: pCPU %zu runs %s but is %sin the idle mask", cpu,
                        idle ? "idle" : "a vCPU", idle ? "not " : "");
        if (!idle && spc->curr->rqd != rqd)
            return FAIL("credit2: pCPU %zu of runqueue %u runs d%uv%u of runqueue %u", cpu,
                        rqd->id, spc->curr->v->dom->id, spc->curr->v->id, spc->curr->rqd->id);
        *running += !idle;
    }
    return 0;
}

static int c2_check_masks(struct c2_priv *prv, const struct c2_rqd *rqd, struct ns_err *err)
{
    struct ns_mask *m = &prv->ck_mask;

    if (!ns_mask_subset(&rqd->tickled, &rqd->active))
        return FAIL("credit2: runqueue %u has tickled pCPUs of other runqueues", rqd->id);
    ns_mask_andnot(m, &rqd->idle, &rqd->tickled);
    if (!ns_mask_subset(&rqd->smt_idle, m))
        return FAIL("credit2: runqueue %u counts a busy or tickled pCPU in an idle core",
                    rqd->id);
    return 0;
}

static int c2_check_rqd(struct c2_priv *prv, const struct c2_rqd *rqd, unsigned *assigned,
                        struct ns_err *err)
{
    int running = 0, queued = 0;
    struct cs_list *it;

    if (c2_check_pcpus(prv, rqd, &running, err) || c2_check_masks(prv, rqd, err))
        return -1;
    for (it = rqd->svc.next; it != &rqd->svc; it = it->next, (*assigned)++)
        if (c2_check_vcpu(prv, rqd, c2_rqd_elem(it), err))
            return -1;
    for (it = rqd->runq.next; it != &rqd->runq; it = it->next, queued++)
        if (c2_runq_elem(it)->rqd != rqd || c2_check_waiting(prv, rqd, c2_runq_elem(it), err))
            return c2_runq_elem(it)->rqd != rqd
                       ? FAIL("credit2: d%uv%u waits in runqueue %u, not its own",
                              c2_runq_elem(it)->v->dom->id, c2_runq_elem(it)->v->id, rqd->id)
                       : -1;
    if (rqd->load != running + queued)
        return FAIL("credit2: runqueue %u has load %d but %d vCPUs running and %d queued",
                    rqd->id, rqd->load, running, queued);
    return 0;
}

/* Every vCPU of the pool's domains is assigned exactly once. */
static unsigned c2_pool_vcpus(const struct c2_priv *prv)
{
    unsigned n = 0;

    for (const struct cs_list *it = prv->all_doms.next; it != &prv->all_doms; it = it->next) {
        const struct c2_dom *sdom = cs_entry(it, struct c2_dom, all_elem);
        for (unsigned i = 0; i < sdom->dom->nr_vcpus; i++)
            n += sdom->dom->vcpu[i]->sched_priv != NULL;
    }
    return n;
}

int c2_check(const struct ns_sched *s, struct ns_err *err)
{
    struct c2_priv *prv = c2_priv(s);
    unsigned assigned = 0;

    for (unsigned i = 0; i < prv->nr_rqd; i++)
        if (c2_check_rqd(prv, prv->rqd[i], &assigned, err))
            return -1;
    if (assigned != c2_pool_vcpus(prv))
        return FAIL("credit2: %u vCPUs assigned to runqueues, %u in the pool's domains", assigned,
                    c2_pool_vcpus(prv));
    return 0;
}

void c2_dump(const struct ns_sched *s, FILE *out)
{
    const struct c2_priv *prv = c2_priv(s);

    for (unsigned i = 0; i < prv->nr_rqd; i++) {
        const struct c2_rqd *rqd = prv->rqd[i];
        char *cpus = ns_mask_format(&rqd->active);
        fprintf(out, "credit2 runqueue %u: pCPUs %s, load %d, avgload %lld, max_weight %u:", i,
                cpus, rqd->load, (long long)rqd->avgload, rqd->max_weight);
        free(cpus);
        for (struct cs_list *it = rqd->runq.next; it != &rqd->runq; it = it->next) {
            const struct c2_vcpu *svc = c2_runq_elem(it);
            fprintf(out, " d%uv%u(%lld)", svc->v->dom->id, svc->v->id, (long long)svc->credit);
        }
        fputc('\n', out);
    }
}

void c2_stats(const struct ns_sched *s, FILE *out)
{
    const struct c2_stats *st = &c2_priv(s)->stats;

    fprintf(out, "credit2: %u runqueues, %llu tickles, %llu resets, %llu balances "
                 "(%llu pushes, %llu pulls), %llu kick-aways, %llu ratelimited, "
                 "%llu migrations resisted\n",
            c2_priv(s)->nr_rqd, (unsigned long long)st->tickles, (unsigned long long)st->resets,
            (unsigned long long)st->balances, (unsigned long long)st->pushes,
            (unsigned long long)st->pulls, (unsigned long long)st->kick_aways,
            (unsigned long long)st->ratelimited, (unsigned long long)st->resisted);
}
