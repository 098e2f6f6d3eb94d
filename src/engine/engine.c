/*
 * The event loop.
 *
 * Everything that happens is an event in one heap ordered by (time,
 * insertion): schedule requests and slice ends per pCPU, completion of a
 * running vCPU's work, a blocked vCPU's guest timer, scheduler timers, the
 * periodic re-sampling of memory contention and the end of warm-up. Each
 * event runs "on" a pCPU (Xen's smp_processor_id), which the scheduler can
 * ask for. Nothing depends on pointer values or on the wall clock, so a run
 * is a pure function of the spec and the seed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "engine_impl.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct ns_engine *ns_engine_create(const struct ns_sim_spec *spec, struct ns_err *err)
{
    struct ns_engine *e = ns_xcalloc(1, sizeof(*e));
    const struct ns_topo *t = spec->topo;

    e->spec = spec;
    e->topo = t;
    e->host = ns_host_create(t, &spec->host);
    ns_heap_init(&e->heap);
    core_init_env(e);
    e->pcpus = ns_xcalloc(t->nr_pcpus, sizeof(*e->pcpus));
    for (unsigned i = 0; i < t->nr_pcpus; i++) {
        e->pcpus[i].id = i;
        ns_event_init(&e->pcpus[i].softirq);
        e->pcpus[i].softirq.kind = EV_SOFTIRQ;
        ns_event_init(&e->pcpus[i].slice);
        e->pcpus[i].slice.kind = EV_SLICE;
    }
    ns_event_init(&e->refresh);
    e->refresh.kind = EV_REFRESH;
    ns_event_init(&e->measure);
    e->measure.kind = EV_MEASURE;
    if (build_engine(e, err) < 0) {
        ns_engine_free(e);
        return NULL;
    }
    return e;
}

/* Create the domains (boot.c); measure from `warmup` after the last one. */
static void start(struct ns_engine *e)
{
    boot_schedule(e);
    ns_heap_schedule(&e->heap, &e->refresh, e->spec->host.contention_period_ns);
    ns_heap_schedule(&e->heap, &e->measure, ns_sim_spec_created(e->spec) + e->spec->warmup);
    e->end = ns_sim_spec_end(e->spec);
}

static void dispatch(struct ns_engine *e, struct ns_event *ev)
{
    switch ((enum ev_kind)ev->kind) {
    case EV_SOFTIRQ:
        guest_schedule(e, container_of(ev, struct epcpu, softirq)->id);
        break;
    case EV_SLICE:
        guest_schedule(e, container_of(ev, struct epcpu, slice)->id);
        break;
    case EV_DONE: {
        struct evcpu *v = container_of(ev, struct evcpu, done);
        e->this_cpu = v->v.processor;
        guest_step_done(e, v);
        break;
    }
    case EV_GUEST_TIMER: {
        struct evcpu *v = container_of(ev, struct evcpu, guest_timer);
        e->this_cpu = v->v.processor;
        guest_timer(e, v);
        break;
    }
    case EV_TIMER: {
        struct ns_timer *t = container_of(ev, struct ns_timer, ev);
        e->this_cpu = t->cpu;
        t->fn(t, e->now);
        break;
    }
    case EV_REFRESH:
        ns_host_refresh(e->host, e->now);
        progress_rerate_changed(e);
        ns_heap_schedule(&e->heap, &e->refresh, e->now + e->spec->host.contention_period_ns);
        break;
    case EV_MEASURE:
        e->this_cpu = 0;
        results_reset(e);
        etr_start(e);
        break;
    case EV_CREATE:
        boot_domain(e, container_of(ev, struct edomain, create));
        break;
    }
}

int ns_engine_run(struct ns_engine *e, struct ns_err *err)
{
    struct ns_event *ev;

    start(e);
    while ((ev = ns_heap_peek(&e->heap)) && ev->time <= e->end) {
        ns_heap_pop(&e->heap);
        e->now = ev->time;
        e->events++;
        dispatch(e, ev);
        if (e->spec->check && check_invariants(e, err) < 0) {
            struct ns_err why = *err;
            return ns_err_set(err, NULL, 0, NULL, "invariant broken at t=%llu ns, event %llu: %s",
                              (unsigned long long)e->now, (unsigned long long)e->events,
                              why.msg);
        }
    }
    e->now = e->end;
    e->tracing = false;         /* the window is over: tearing down is not traced */
    ns_host_refresh(e->host, e->now);
    results_collect(e);
    return 0;
}

const struct ns_results *ns_engine_results(const struct ns_engine *e) { return &e->results; }

void ns_engine_print_sched_stats(const struct ns_engine *e, FILE *out)
{
    for (size_t i = 0; i < e->nr_pools; i++) {
        const struct ns_sched *s = &e->scheds[i];
        fprintf(out, "%s %s: ", e->pools[i].name, s->ops->name);
        if (s->ops->stats)
            s->ops->stats(s, out);
        else
            fputs("no counters\n", out);
    }
}

void ns_engine_dump(const struct ns_engine *e, FILE *out)
{
    for (size_t i = 0; i < e->nr_pools; i++) {
        const struct ns_sched *s = &e->scheds[i];
        fprintf(out, "%s (%s):\n", e->pools[i].name, s->ops->name);
        if (s->ops->dump)
            s->ops->dump(s, out);
    }
}

static void free_domain(struct edomain *d)
{
    struct ns_sched *s = d->d.pool ? d->d.pool->sched : NULL;

    for (unsigned i = 0; d->vcpus && i < d->d.nr_vcpus; i++) {
        struct evcpu *v = &d->vcpus[i];
        if (s && v->v.sched_priv)
            s->ops->remove_vcpu(s, &v->v);
        ns_mask_free(&v->v.hard);
        ns_mask_free(&v->v.soft);
        ns_hist_free(&v->wake_latency);
    }
    if (s && s->ops->remove_domain && d->vcpus)
        s->ops->remove_domain(s, &d->d);
    ns_mask_free(&d->d.node_affinity);
    if (d->wl)
        ns_workload_free(d->wl);
    free(d->vcpus);
    free(d->d.vcpu);
}

void ns_engine_free(struct ns_engine *e)
{
    if (!e)
        return;
    results_free(e);
    /* Teardown is no part of the trace, and after a failed run the sinks may
     * be gone already (cli/run.c aborts the trace files first); removing a
     * vCPU still makes schedulers trace (credit2's max-weight update). */
    e->tracing = false;
    ns_heap_free(&e->heap);       /* first: it touches the events it holds */
    for (size_t i = 0; i < e->nr_doms; i++)
        free_domain(&e->doms[i]);
    for (size_t i = 0; i < e->nr_pools; i++) {
        if (e->scheds[i].ops && e->scheds[i].priv)
            e->scheds[i].ops->deinit(&e->scheds[i]);
        ns_mask_free(&e->pools[i].cpus);
    }
    /* Removing vCPUs may re-arm a scheduler's timer (rtds: replq_remove);
     * deinit stopped it, and this frees the heap's array it regrew. */
    ns_heap_free(&e->heap);
    ns_host_free(e->host);
    free(e->doms);
    free(e->vcpus);
    free(e->pools);
    free(e->scheds);
    free(e->pcpus);
    free(e->traffic_at_measure);
    free(e->sinks);
    free(e);
}
