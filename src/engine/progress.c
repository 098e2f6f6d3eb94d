/*
 * Progress of work in virtual time.
 *
 * A running vCPU first pays its dead time (switch, wake-up and cache-refill
 * costs), then does nominal work at the rate the host model gives for where
 * it runs and what runs around it. The engine keeps, per running vCPU, the
 * work left and the debt as of `since`; whenever the rate may change (a
 * sibling starts or stops, contention is re-sampled) the vCPU is brought up
 * to date at the old rate and its completion event moved for the new one.
 * Only the vCPUs the host reports as changed are touched.
 *
 * This file only accounts: it never decides what a vCPU does next (guest.c)
 * nor what runs where (core.c), and calls neither.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "engine_impl.h"

void progress_set_runstate(struct ns_engine *e, struct evcpu *v, enum ns_runstate s)
{
    if (s != v->v.runstate)
        etr_runstate(e, v, v->v.runstate, s);
    v->runstate_ns[v->v.runstate] += e->now - v->v.runstate_entry;
    v->v.runstate = s;
    v->v.runstate_entry = e->now;
}

void progress_sync(struct ns_engine *e, struct evcpu *v)
{
    ns_time_t dt = e->now - v->since;
    ns_time_t paid = dt < v->debt ? dt : v->debt;

    v->debt -= paid;
    v->work_left -= (double)(dt - paid) * v->rate;
    if (v->work_left < 0)
        v->work_left = 0;
    v->since = e->now;
}

/* Move the completion event for the current rate (call after a sync). */
void progress_retime(struct ns_engine *e, struct evcpu *v)
{
    if (!v->v.is_running || v->step.kind != NS_STEP_RUN || v->need_step) {
        ns_heap_cancel(&e->heap, &v->done);
        return;
    }
    /* Beyond NS_TIME_CLAMP the step never ends within a run; clamping keeps
     * the sum below 2^64 whatever the rate (even 0 or NaN, which compare false). */
    double left = ceil(v->work_left / v->rate);
    if (!(left < (double)NS_TIME_CLAMP))
        left = (double)NS_TIME_CLAMP;
    ns_heap_schedule(&e->heap, &v->done, e->now + v->debt + (ns_time_t)left);
}

void progress_rerate_changed(struct ns_engine *e)
{
    const unsigned *cpus;
    size_t n = ns_host_drain_changed(e->host, &cpus);

    for (size_t i = 0; i < n; i++) {
        struct evcpu *v = e->pcpus[cpus[i]].curr;
        if (!v)
            continue;
        progress_sync(e, v);
        v->rate = ns_host_rate(e->host, cpus[i]);
        progress_retime(e, v);
    }
}

/* ---- what runs where uses memory ------------------------------------------------ */

static const struct ns_mem_profile *profile_of(const struct evcpu *v)
{
    if (v->step.kind == NS_STEP_RUN && v->step.mem)
        return v->step.mem;
    return ns_workload_spec_mem(v->d->spec->workload);
}

/* Tell the host model how the running @v uses memory, and run at that rate. */
void progress_occupy(struct ns_engine *e, struct evcpu *v)
{
    v->occupied_mem = profile_of(v);
    ns_host_occupy(e->host, v->v.processor, v->d->host_dom, v->occupied_mem);
    v->rate = ns_host_rate(e->host, v->v.processor);
    progress_retime(e, v);
}

/* A new step may use memory differently (lmbench's fork and exit do not). */
void progress_reoccupy(struct ns_engine *e, struct evcpu *v)
{
    const struct ns_mem_profile *mp = profile_of(v);

    if (mp == v->occupied_mem)
        return;
    ns_host_vacate(e->host, v->v.processor);
    ns_host_occupy(e->host, v->v.processor, v->d->host_dom, mp);
    v->occupied_mem = mp;
    progress_rerate_changed(e);
}

/* ---- switching ---------------------------------------------------------------- */

/* Dead time owed on arrival: the switch, the wake-up, the lost caches. */
static ns_time_t arrival_debt(struct ns_engine *e, struct evcpu *v, unsigned cpu, bool from_idle)
{
    ns_time_t debt = ns_host_switch_cost(e->host);

    if (v->woke) {
        debt += ns_host_wake_cost(e->host, from_idle);
        ns_hist_add(&v->wake_latency, e->now - v->woke_at);
        v->woke = false;
    }
    if (v->ran && v->last_cpu != cpu) {
        enum ns_move_kind k = ns_move_kind(e->topo, v->last_cpu, cpu);
        v->migrations[k]++;
        debt += ns_host_migration_cost(e->host, v->last_cpu, cpu, v->d->host_dom, profile_of(v));
    }
    return debt;
}

/* @v arrives on @cpu. Its memory use is told to the host once the guest has
 * decided what it runs (progress_occupy). */
void progress_switch_in(struct ns_engine *e, struct evcpu *v, unsigned cpu, bool from_idle)
{
    struct epcpu *p = &e->pcpus[cpu];

    v->v.processor = cpu;
    v->debt += arrival_debt(e, v, cpu, from_idle);
    v->ran = true;
    v->last_cpu = cpu;
    v->v.is_running = true;
    v->since = e->now;
    p->run_start = e->now;
    progress_set_runstate(e, v, NS_RUNSTATE_RUNNING);
}

/* Attribute the run time of what runs on @p since run_start. */
void progress_flush_run(struct ns_engine *e, struct epcpu *p)
{
    struct evcpu *v = p->curr;
    ns_time_t dt = e->now - p->run_start;

    p->run_start = e->now;
    if (!v)
        return;
    p->busy_ns += dt;
    double local = ns_host_local_fraction(e->host, v->d->host_dom, ns_topo_node_of(e->topo, p->id));
    v->local_run_ns += (double)dt * local;
    v->remote_run_ns += (double)dt * (1.0 - local);
}

void progress_switch_out(struct ns_engine *e, struct evcpu *v, unsigned cpu)
{
    progress_flush_run(e, &e->pcpus[cpu]);
    progress_sync(e, v);
    v->v.is_running = false;
    v->v.last_desched = e->now;
    ns_heap_cancel(&e->heap, &v->done);
    ns_host_vacate(e->host, cpu);
}
