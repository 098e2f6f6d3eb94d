/*
 * trace: what happened, decision by decision, for the tools Xen developers
 * already use. The engine reports each scheduling fact to the trace sinks in
 * the order Xen's scheduling core traces it (facts/xentrace.md section 3.2);
 * the xentrace writer turns them into the binary format xenalyze reads, the
 * Perfetto writer into a timeline.
 *
 * The idle vCPU of pCPU p is reported as domain NS_TRACE_IDLE_DOM, vCPU p.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_TRACE_H
#define NUMASCHED_TRACE_H

#include "numasched/topo.h"
#include "numasched/util.h"

#define NS_TRACE_IDLE_DOM 32767u

/* A vCPU as traces name it. */
struct ns_trace_vcpu {
    unsigned dom, vcpu;
};

/*
 * Every call carries the time and the pCPU that records the fact (Xen's
 * smp_processor_id() at that point). A sink may leave any hook NULL.
 */
struct ns_trace_sink_ops {
    /* The trace starts at @t: @cpu runs @v (possibly idle). Called once per
     * pCPU, before anything else, as a CONTINUE_RUNNING would show it. */
    void (*start)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v);
    /* A runstate change of @v (enum ns_runstate values). @processor is the
     * pCPU whose runqueue the vCPU belongs to after the change. */
    void (*runstate)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                     unsigned from, unsigned to, unsigned processor);
    /* A context switch on @cpu: @prev ran @ran_ns, @next waited @waited_ns
     * (0 if it was not runnable) and got @slice_ns (NS_TIME_NEVER: none).
     * Runstate changes of both follow. */
    void (*switch_)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu prev,
                    ns_time_t ran_ns, struct ns_trace_vcpu next, ns_time_t waited_ns,
                    ns_time_t slice_ns);
    /* The scheduler kept @v on @cpu after @ran_ns, with a new slice. */
    void (*cont)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                 ns_time_t ran_ns, ns_time_t slice_ns);
    void (*wake)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v);
    void (*block)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v);
    void (*sleep)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v);
    /* A scheduler-class record (TRC_SCHED_CLASS event id, up to 7 words). */
    void (*sched_class)(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                        const uint32_t *words);
};

struct ns_trace_sink {
    const struct ns_trace_sink_ops *ops;
    void *ctx;
};

#endif
