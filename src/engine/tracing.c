/*
 * Telling trace sinks what happened, in the order Xen's scheduling core
 * traces it (facts/xentrace.md 3.2): a scheduling decision is the
 * scheduler's own records, then switch information, then the runstate change
 * of the outgoing and of the incoming vCPU; a wake is WAKE then the
 * runstate change. Only the measured window is traced, so a trace and the
 * results of one run describe the same time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine_impl.h"

#define EACH_SINK(e, hook, ...)                                              \
    do {                                                                     \
        for (size_t i_ = 0; (e)->tracing && i_ < (e)->nr_sinks; i_++) {      \
            const struct ns_trace_sink *s_ = (e)->sinks[i_];                 \
            if (s_->ops->hook)                                               \
                s_->ops->hook(s_->ctx, __VA_ARGS__);                         \
        }                                                                    \
    } while (0)

void ns_engine_add_sink(struct ns_engine *e, const struct ns_trace_sink *sink)
{
    e->sinks = ns_xrealloc(e->sinks, (e->nr_sinks + 1) * sizeof(*e->sinks));
    e->sinks[e->nr_sinks++] = sink;
}

/* A vCPU as traces name it; NULL is the idle vCPU of @cpu. */
struct ns_trace_vcpu etr_id(const struct evcpu *v, unsigned cpu)
{
    if (!v)
        return (struct ns_trace_vcpu){NS_TRACE_IDLE_DOM, cpu};
    return (struct ns_trace_vcpu){v->d->d.id, v->v.id};
}

void etr_start(struct ns_engine *e)
{
    e->tracing = e->nr_sinks > 0;
    for (unsigned cpu = 0; cpu < e->topo->nr_pcpus; cpu++)
        EACH_SINK(e, start, e->now, cpu, etr_id(e->pcpus[cpu].curr, cpu));
    for (size_t i = 0; i < e->nr_vcpus; i++) {
        const struct evcpu *v = e->vcpus[i];
        EACH_SINK(e, vcpu_start, e->now, etr_id(v, 0), v->v.runstate, v->v.processor,
                  v->ran ? v->last_cpu : NS_TRACE_NO_CPU, v->woke ? v->woke_at : NS_TIME_NEVER);
    }
}

void etr_runstate(struct ns_engine *e, struct evcpu *v, enum ns_runstate from, enum ns_runstate to)
{
    EACH_SINK(e, runstate, e->now, e->this_cpu, etr_id(v, 0), from, to, v->v.processor);
}

void etr_idle_runstate(struct ns_engine *e, unsigned cpu, enum ns_runstate from, enum ns_runstate to)
{
    EACH_SINK(e, runstate, e->now, cpu, etr_id(NULL, cpu), from, to, cpu);
}

/*
 * SWITCH_INFNEXT's third word as Xen 4.13+ writes it (sched_switch_units):
 * for a runnable incoming vCPU, the time since its unit's state_entry_time,
 * which Xen stamps when the unit is created and when it leaves a pCPU
 * (unit_context_saved), not when it wakes: a woken vCPU's figure includes
 * the time it was blocked. The idle vCPU is runnable whenever it is not
 * running, so it has a figure too; a vCPU that is not runnable has 0.
 */
void etr_switch(struct ns_engine *e, unsigned cpu, struct evcpu *prev, struct evcpu *next,
                  ns_time_t slice)
{
    ns_time_t ran = e->now - e->pcpus[cpu].curr_since;
    ns_time_t waited = 0;

    if (!next)
        waited = e->now - e->pcpus[cpu].idle_off_since;
    else if (next->v.runstate == NS_RUNSTATE_RUNNABLE)
        waited = e->now - next->off_since;
    EACH_SINK(e, switch_, e->now, cpu, etr_id(prev, cpu), ran, etr_id(next, cpu), waited, slice);
}

void etr_cont(struct ns_engine *e, unsigned cpu, ns_time_t slice)
{
    struct epcpu *p = &e->pcpus[cpu];

    EACH_SINK(e, cont, e->now, cpu, etr_id(p->curr, cpu), e->now - p->curr_since, slice);
}

void etr_wake(struct ns_engine *e, struct evcpu *v)
{
    EACH_SINK(e, wake, e->now, e->this_cpu, etr_id(v, 0));
}

void etr_block(struct ns_engine *e, struct evcpu *v)
{
    EACH_SINK(e, block, e->now, e->this_cpu, etr_id(v, 0));
}

void etr_yield(struct ns_engine *e, struct evcpu *v)
{
    EACH_SINK(e, yield, e->now, e->this_cpu, etr_id(v, 0));
}

void etr_sleep(struct ns_engine *e, struct evcpu *v)
{
    EACH_SINK(e, sleep, e->now, e->this_cpu, etr_id(v, 0));
}

void etr_class(struct ns_engine *e, uint32_t event, unsigned n, const uint32_t *words)
{
    EACH_SINK(e, sched_class, e->now, e->this_cpu, event, n, words);
}
