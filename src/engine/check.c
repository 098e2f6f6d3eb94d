/*
 * Invariants the core can check after every event (numasched run --check):
 * the ones that hold whatever the scheduler, then the scheduler's own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "engine_impl.h"

static int check_pcpu(struct epcpu *p, unsigned *seen_on, struct ns_err *err)
{
    struct evcpu *v = p->curr;

    if (!v)
        return 0;
    unsigned dom = v->d->d.id, id = v->v.id;
    if (seen_on[v->v.uid] != 0)
        return ns_err_set(err, NULL, 0, NULL, "d%uv%u runs on pCPU %u and pCPU %u", dom, id,
                          seen_on[v->v.uid] - 1, p->id);
    seen_on[v->v.uid] = p->id + 1;
    if (!ns_mask_test(&v->v.hard, p->id))
        return ns_err_set(err, NULL, 0, NULL, "d%uv%u runs on pCPU %u outside its hard affinity",
                          dom, id, p->id);
    if (v->v.processor != p->id || !v->v.is_running)
        return ns_err_set(err, NULL, 0, NULL, "d%uv%u on pCPU %u has processor %u, is_running %d",
                          dom, id, p->id, v->v.processor, v->v.is_running);
    if (!ns_mask_test(&p->pool->cpus, p->id) || v->d->d.pool != p->pool)
        return ns_err_set(err, NULL, 0, NULL, "d%uv%u runs on pCPU %u outside its pool", dom, id,
                          p->id);
    return 0;
}

/* The four runstate times of a vCPU add up to the time measured so far. */
static int check_runstates(struct ns_engine *e, struct evcpu *v, struct ns_err *err)
{
    ns_time_t sum = e->now - v->v.runstate_entry, start = e->counted_from;

    for (int s = 0; s < NS_RUNSTATES; s++)
        sum += v->runstate_ns[s];
    if (sum != e->now - start)
        return ns_err_set(err, NULL, 0, NULL, "d%uv%u runstate times add up to %llu ns, not %llu",
                          v->d->d.id, v->v.id, (unsigned long long)sum,
                          (unsigned long long)(e->now - start));
    if (v->v.is_running != (v->v.runstate == NS_RUNSTATE_RUNNING))
        return ns_err_set(err, NULL, 0, NULL, "d%uv%u is_running %d but runstate %s", v->d->d.id,
                          v->v.id, v->v.is_running, ns_runstate_name(v->v.runstate));
    return 0;
}

int check_invariants(struct ns_engine *e, struct ns_err *err)
{
    unsigned *seen_on = ns_xcalloc(e->nr_vcpus, sizeof(*seen_on));
    int rc = 0;

    for (unsigned i = 0; i < e->topo->nr_pcpus && rc == 0; i++)
        rc = check_pcpu(&e->pcpus[i], seen_on, err);
    for (size_t i = 0; i < e->nr_vcpus && rc == 0; i++)
        if (e->vcpus[i]->v.is_running && seen_on[i] == 0)
            rc = ns_err_set(err, NULL, 0, NULL, "d%uv%u is_running on no pCPU",
                            e->vcpus[i]->d->d.id, e->vcpus[i]->v.id);
    for (size_t i = 0; i < e->nr_vcpus && rc == 0; i++)
        rc = check_runstates(e, e->vcpus[i], err);
    for (size_t i = 0; i < e->nr_pools && rc == 0; i++) {
        const struct ns_sched *s = &e->scheds[i];
        if (s->ops->check)
            rc = s->ops->check(s, err);
    }
    free(seen_on);
    return rc;
}
