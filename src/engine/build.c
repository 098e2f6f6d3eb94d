/*
 * Building the simulated host from a spec: pools and their scheduler
 * instances, domains in creation order, their vCPUs on their initial pCPUs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "engine_impl.h"

static int build_pools(struct ns_engine *e, struct ns_err *err)
{
    const struct ns_sim_spec *spec = e->spec;

    e->nr_pools = spec->nr_pools;
    e->pools = ns_xcalloc(spec->nr_pools, sizeof(*e->pools));
    e->scheds = ns_xcalloc(spec->nr_pools, sizeof(*e->scheds));
    for (size_t i = 0; i < spec->nr_pools; i++) {
        const struct ns_pool_spec *ps = &spec->pool[i];
        struct ns_pool *pool = &e->pools[i];
        struct ns_sched *s = &e->scheds[i];

        pool->id = (unsigned)i;
        pool->name = ps->name;
        ns_mask_dup(&pool->cpus, &ps->cpus);
        pool->sched = s;
        s->ops = ns_sched_find(ps->sched);
        if (!s->ops)
            return ns_err_set(err, NULL, 0, "sched", "unknown scheduler \"%s\"", ps->sched);
        s->env = &e->env;
        s->pool = pool;
        s->params = ps->params;
        if (s->ops->init(s, err) < 0)
            return -1;
        ns_mask_for_each(cpu, &pool->cpus) {
            e->pcpus[cpu].pool = pool;
            s->ops->add_pcpu(s, (unsigned)cpu);
        }
    }
    return 0;
}

/* The engine's instance of the pool the spec puts dom[@idx] in, or NULL. */
static struct ns_pool *pool_of(struct ns_engine *e, size_t idx)
{
    const struct ns_pool_spec *ps = ns_spec_pool_of(e->spec, idx);

    return ps ? &e->pools[ps - e->spec->pool] : NULL;
}

/*
 * Where a new vCPU starts (facts 1.3). Up to 4.7 Xen put vCPU 0 on the least
 * loaded core of the pool (one thread per core considered, the second one,
 * CPU 0's core last resort) and vCPU i after vCPU i-1; 4.8 to 4.12
 * (d5438accce) on cpumask_any() of the pool, a pseudo-random pCPU, and the
 * others after it in the pool; from 4.13 on the first pCPU of the node
 * affinity and the others after it there. From 4.8 the scheduler's insert
 * re-picks. Dom0 is built by the hypervisor itself: vCPU 0 on the first CPU,
 * the others after it.
 */
static unsigned least_loaded_cpu(struct ns_engine *e, const struct ns_pool *pool,
                                 const unsigned *load)
{
    const struct ns_topo *t = e->topo;
    size_t first = ns_mask_first(&pool->cpus);
    const struct ns_mask *sib0 = ns_topo_siblings(t, (unsigned)first);
    size_t best = ns_mask_next(sib0, first);

    if (best == NS_MASK_NONE || !ns_mask_test(&pool->cpus, best))
        best = first;
    ns_mask_for_each(cpu, &pool->cpus) {
        const struct ns_mask *sib = ns_topo_siblings(t, (unsigned)cpu);
        size_t primary = ns_mask_first(sib);
        size_t pick = ns_mask_next(sib, primary);
        if (pick == NS_MASK_NONE)
            pick = primary;
        if (cpu != pick || ns_mask_test(sib0, cpu))
            continue;
        if (load[cpu] <= load[best])
            best = cpu;
    }
    return (unsigned)best;
}

static bool is_dom0(const struct ns_engine *e, const struct edomain *d)
{
    return ns_spec_is_dom0(e->spec, (size_t)(d - e->doms));
}

/* cpumask_any (4.8-4.12): the k-th member of @m, k drawn from the domain's
 * own stream, so that runs stay reproducible. */
static unsigned any_cpu(const struct ns_engine *e, const struct edomain *d,
                        const struct ns_mask *m)
{
    struct ns_rng rng;
    size_t cpu = ns_mask_first(m);

    ns_rng_seed(&rng, e->spec->seed, ns_rng_stream_id("vcpu0", d->d.id, 0));
    for (uint64_t k = ns_rng_u64(&rng) % ns_mask_weight(m); k > 0; k--)
        cpu = ns_mask_next(m, cpu);
    return (unsigned)cpu;
}

static void initial_cpus(struct ns_engine *e, struct edomain *d, unsigned *load)
{
    struct ns_pool *pool = d->d.pool;
    unsigned compat = pool->sched->params.compat;
    struct ns_mask cand;
    unsigned cpu;

    ns_mask_init(&cand, e->topo->nr_pcpus);
    if (compat >= 413) {
        ns_mask_for_each(n, &d->d.node_affinity)
            ns_mask_or(&cand, &cand, &e->topo->node[n].cpus);
        ns_mask_and(&cand, &cand, &pool->cpus);
    }
    if (ns_mask_empty(&cand))
        ns_mask_copy(&cand, &pool->cpus);
    if (is_dom0(e, d) || compat >= 413)
        cpu = (unsigned)ns_mask_first(&cand);
    else if (compat >= 408)
        cpu = any_cpu(e, d, &cand);
    else
        cpu = least_loaded_cpu(e, pool, load);
    for (unsigned i = 0; i < d->d.nr_vcpus; i++) {
        if (i > 0)
            cpu = (unsigned)ns_mask_cycle(&cand, cpu);
        d->vcpus[i].v.processor = cpu;
        load[cpu]++;
    }
    ns_mask_free(&cand);
}

static int init_vcpu(struct ns_engine *e, struct edomain *d, unsigned i, struct ns_err *err)
{
    const struct ns_domain_spec *ds = d->spec;
    struct evcpu *v = &d->vcpus[i];

    v->d = d;
    v->v.id = i;
    v->v.uid = (unsigned)e->nr_vcpus;
    v->v.dom = &d->d;
    ns_mask_dup(&v->v.hard, &ds->hard[i]);
    ns_mask_and(&v->v.hard, &v->v.hard, &d->d.pool->cpus);
    if (ns_mask_empty(&v->v.hard))
        return ns_err_set(err, ds->file, 0, "cpus",
                          "vCPU %u of %s may run on no pCPU of pool %s", i, ds->name,
                          d->d.pool->name);
    ns_mask_dup(&v->v.soft, &ds->soft[i]);
    v->need_step = true;
    v->step.signal_vcpu = -1;
    ns_event_init(&v->done);
    v->done.kind = EV_DONE;
    ns_event_init(&v->guest_timer);
    v->guest_timer.kind = EV_GUEST_TIMER;
    ns_hist_init(&v->wake_latency);
    e->vcpus[e->nr_vcpus++] = v;
    return 0;
}

static int build_domain(struct ns_engine *e, size_t idx, unsigned *load, struct ns_err *err)
{
    const struct ns_domain_spec *ds = &e->spec->dom[idx];
    struct edomain *d = &e->doms[idx];

    d->spec = ds;
    d->d.id = ns_spec_domid(e->spec, idx);
    d->d.name = ds->name;
    d->d.weight = ds->weight;
    d->d.cap = ds->cap;
    d->d.rtds = ds->rtds;
    d->d.nr_vcpus = ds->nr_vcpus;
    d->d.pool = pool_of(e, idx);
    if (!d->d.pool)
        return ns_err_set(err, ds->file, 0, "pool", "no cpupool named \"%s\"", ds->pool);
    d->vcpus = ns_xcalloc(ds->nr_vcpus, sizeof(*d->vcpus));
    d->d.vcpu = ns_xcalloc(ds->nr_vcpus, sizeof(*d->d.vcpu));
    for (unsigned i = 0; i < ds->nr_vcpus; i++) {
        d->d.vcpu[i] = &d->vcpus[i].v;
        if (init_vcpu(e, d, i, err) < 0)
            return -1;
    }
    ns_event_init(&d->create);
    d->create.kind = EV_CREATE;
    ns_mask_init(&d->d.node_affinity, e->topo->nr_nodes);
    d->d.auto_node_affinity = ns_spec_node_affinity(e->topo, ds, &d->d.pool->cpus,
                                                    d->d.pool->sched->params.compat,
                                                    &d->d.node_affinity);
    d->host_dom = ns_host_add_domain(e->host, ds->memory_kb_per_node);
    uint64_t stream = ns_rng_stream_id("workload", d->d.id, 0);
    d->wl = ns_workload_create(ds->workload, ds->nr_vcpus, e->spec->seed, stream);
    initial_cpus(e, d, load);
    return 0;
}

/* Hand the domain to its scheduler, its vCPUs down until it is created
 * (boot.c, which also makes the pick libxl's affinity call forces). */
static void insert_domain(struct edomain *d)
{
    struct ns_sched *s = d->d.pool->sched;

    if (s->ops->add_domain)
        s->ops->add_domain(s, &d->d);
    for (unsigned i = 0; i < d->d.nr_vcpus; i++) {
        struct evcpu *v = &d->vcpus[i];
        v->v.runstate = NS_RUNSTATE_OFFLINE;
        v->v.pause_flags = NS_VPF_DOWN;
        s->ops->insert_vcpu(s, &v->v);
    }
}

int build_engine(struct ns_engine *e, struct ns_err *err)
{
    const struct ns_sim_spec *spec = e->spec;
    size_t total = 0;

    for (size_t i = 0; i < spec->nr_dom; i++)
        total += spec->dom[i].nr_vcpus;
    /* config/ refuses these with the file and key; a spec built otherwise too. */
    if (spec->nr_dom > NS_MAX_DOMAINS || total > NS_MAX_VCPUS)
        return ns_err_set(err, NULL, 0, NULL, "%zu domains with %zu vCPUs: numasched's limits "
                          "are %u domains and %u vCPUs", spec->nr_dom, total, NS_MAX_DOMAINS,
                          NS_MAX_VCPUS);
    e->vcpus = ns_xcalloc(total, sizeof(*e->vcpus));
    e->doms = ns_xcalloc(spec->nr_dom, sizeof(*e->doms));
    if (build_pools(e, err) < 0)
        return -1;
    unsigned *load = ns_xcalloc(e->topo->nr_pcpus, sizeof(*load));
    int rc = 0;
    for (size_t i = 0; i < spec->nr_dom && rc == 0; i++) {
        e->nr_doms = i + 1;
        rc = build_domain(e, i, load, err);
        if (rc == 0)
            insert_domain(&e->doms[i]);
    }
    free(load);
    return rc;
}
