/*
 * trace: what happened, decision by decision, for the tools Xen developers
 * already use. The engine reports each scheduling fact to the trace sinks in
 * the order Xen's scheduling core traces it (facts/xentrace.md section 3.2).
 * This header is the sink interface, all the engine needs; the sinks and the
 * formats have their own headers: numasched/xentrace.h (the binary format
 * xenalyze reads: writer, reader, TSC clock) and numasched/perfetto.h (a
 * timeline). docs/traces.md tells a user how to write, read and check traces.
 *
 * The idle vCPU of pCPU p is reported as domain NS_TRACE_IDLE_DOM, vCPU p.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_TRACE_H
#define NUMASCHED_TRACE_H

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
    /* @v gave its pCPU away (SCHEDOP_yield); the pCPU reschedules next. */
    void (*yield)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v);
    void (*sleep)(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v);
    /* A scheduler-class record (TRC_SCHED_CLASS event id, up to 7 words). */
    void (*sched_class)(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                        const uint32_t *words);
    /* Once per guest or dom0 vCPU, right after every pCPU's start: its
     * runstate as the trace begins, its processor, the pCPU it last ran on
     * (NS_TRACE_NO_CPU if it never ran) and, if it woke from blocked and has
     * not run since, when it woke (else NS_TIME_NEVER). Without it a vCPU
     * that never changes state in the traced window, or one woken before the
     * window, could not be accounted from the trace alone. */
    void (*vcpu_start)(void *ctx, ns_time_t t, struct ns_trace_vcpu v, unsigned runstate,
                       unsigned processor, unsigned last_cpu, ns_time_t woke_at);
};

#define NS_TRACE_NO_CPU UINT32_MAX

struct ns_trace_sink {
    const struct ns_trace_sink_ops *ops;
    void *ctx;
};

/* ---- per-vCPU slots ------------------------------------------------------- */

/* (domain, vCPU) -> a dense slot number, in order of first sight. For sinks
 * and readers that keep something per vCPU without knowing the domains:
 * slots index their own arrays, which grow as n does. */
struct ns_trace_vtab;

struct ns_trace_vtab *ns_trace_vtab_new(void);
void ns_trace_vtab_free(struct ns_trace_vtab *t);
/* The slot of @v; a new one (numbered as the count before, *added set) if
 * unseen. @added may be NULL. */
size_t ns_trace_vtab_get(struct ns_trace_vtab *t, unsigned dom, unsigned vcpu, bool *added);
/* How many vCPUs have a slot: slots are 0 .. count - 1. */
size_t ns_trace_vtab_count(const struct ns_trace_vtab *t);

#endif
