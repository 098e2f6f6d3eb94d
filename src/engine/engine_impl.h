/*
 * Engine internals, shared by the files of src/engine/ only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_ENGINE_IMPL_H
#define NUMASCHED_ENGINE_IMPL_H

#include "numasched/engine.h"
#include "numasched/trace.h"
#include "numasched/workload.h"

enum ev_kind {
    EV_SOFTIRQ,     /* a pCPU's schedule request */
    EV_SLICE,       /* a pCPU's time slice ran out */
    EV_DONE,        /* a running vCPU finished its RUN step */
    EV_GUEST_TIMER, /* a blocked vCPU's BLOCK step ended */
    EV_TIMER,       /* a scheduler timer */
    EV_REFRESH,     /* re-sample memory contention */
    EV_MEASURE,     /* warm-up is over: start counting */
    EV_CREATE,      /* a domain is created (boot.c) */
};

struct edomain;

/* The engine's vCPU: what the scheduler sees, plus the work it carries. */
struct evcpu {
    struct ns_vcpu v;             /* first: the scheduler's view */
    struct edomain *d;
    struct ns_step step;          /* the current step */
    bool need_step;               /* fetch a step when it next runs */
    bool waiting;                 /* blocked in a WAIT step */
    unsigned signals;             /* WAIT signals received early */
    double work_left;             /* nominal ns left in the RUN step */
    ns_time_t debt;               /* dead time to pay before progress */
    double rate;                  /* progress rate while running */
    const struct ns_mem_profile *occupied_mem; /* what the host model was told */
    ns_time_t since;              /* work_left and debt are valid at this time */
    struct ns_event done;         /* EV_DONE */
    struct ns_event guest_timer;  /* EV_GUEST_TIMER */
    bool ran;                     /* has run before: last_cpu means something */
    unsigned last_cpu;
    bool woke;                    /* became runnable from blocked, not yet run */
    ns_time_t woke_at;
    ns_time_t off_since;          /* created, or last left a pCPU (Xen's unit
                                     state_entry_time, for SWITCH_INFNEXT) */
    /* statistics since the end of warm-up */
    ns_time_t runstate_ns[NS_RUNSTATES];
    double local_run_ns, remote_run_ns;
    uint64_t migrations[NS_MOVE_KINDS];
    struct ns_hist wake_latency;
};

struct edomain {
    struct ns_domain d;
    const struct ns_domain_spec *spec;
    struct ns_workload *wl;
    unsigned host_dom;            /* index in the host model */
    struct evcpu *vcpus;          /* [d.nr_vcpus] */
    struct ns_event create;       /* EV_CREATE */
};

struct epcpu {
    unsigned id;
    struct evcpu *curr;           /* NULL: the idle vCPU */
    struct ns_pool *pool;
    struct ns_event softirq;      /* EV_SOFTIRQ */
    struct ns_event slice;        /* EV_SLICE */
    ns_time_t run_start;          /* when curr was last accounted */
    ns_time_t curr_since;         /* when curr (or idle) started running */
    ns_time_t idle_off_since;     /* when the idle vCPU last left this pCPU */
    ns_time_t busy_ns;
};

struct ns_engine {
    const struct ns_sim_spec *spec;
    const struct ns_topo *topo;
    struct ns_host *host;
    struct ns_heap heap;
    ns_time_t now, end;
    unsigned this_cpu;
    bool choosing;                /* inside a scheduler's do_schedule */
    struct evcpu *held;           /* flagged MIGRATING there, not running (core.c) */
    uint64_t events;
    struct ns_sched_env env;
    struct ns_rng xen_random;     /* env->random: Xen's get_random() */
    struct ns_pool *pools;
    size_t nr_pools;
    struct ns_sched *scheds;      /* [nr_pools] */
    struct edomain *doms;
    size_t nr_doms;
    struct evcpu **vcpus;         /* [nr_vcpus] by uid */
    size_t nr_vcpus;
    struct epcpu *pcpus;
    struct ns_event refresh, measure;
    ns_time_t counted_from;       /* statistics count from here (end of warm-up) */
    double *traffic_at_measure;   /* [nr_nodes] GB */
    struct ns_results results;
    const struct ns_trace_sink **sinks;
    size_t nr_sinks;
    bool tracing;                 /* inside the measured window */
};

static inline struct evcpu *ev_of(struct ns_vcpu *v) { return (struct evcpu *)v; }
static inline struct ns_sched *sched_of(const struct evcpu *v) { return v->d->d.pool->sched; }

/*
 * The files form a chain, each calling only those below it:
 *
 *     engine.c (the loop) -> guest.c -> core.c -> progress.c -> tracing.c
 *
 * build.c, results.c and check.c sit beside the loop and read the rest.
 */

/* guest.c: what a vCPU does next, as its guest would */
void guest_schedule(struct ns_engine *e, unsigned cpu);
void guest_step_done(struct ns_engine *e, struct evcpu *v);
void guest_timer(struct ns_engine *e, struct evcpu *v);

/* core.c: Xen's scheduling core. A schedule is two calls around the
 * incoming guest's resumption (see core.c). */
struct core_switch {
    unsigned cpu;
    struct evcpu *prev, *next;    /* NULL: the idle vCPU */
    ns_time_t slice;
    bool switched;                /* next differs from prev */
};
void core_init_env(struct ns_engine *e);
void core_tickle(struct ns_engine *e, unsigned cpu);
void core_schedule(struct ns_engine *e, unsigned cpu, struct core_switch *sw);
void core_schedule_finish(struct ns_engine *e, const struct core_switch *sw);
void core_wake(struct ns_engine *e, struct evcpu *v, unsigned flag);
void core_block(struct ns_engine *e, struct evcpu *v);
void core_sleep(struct ns_engine *e, struct evcpu *v, unsigned flag, bool traced);
void core_yield(struct ns_engine *e, struct evcpu *v);

/* progress.c: work, rates and runstates (accounting only) */
void progress_set_runstate(struct ns_engine *e, struct evcpu *v, enum ns_runstate s);
void progress_sync(struct ns_engine *e, struct evcpu *v);
void progress_retime(struct ns_engine *e, struct evcpu *v);
void progress_rerate_changed(struct ns_engine *e);
void progress_switch_in(struct ns_engine *e, struct evcpu *v, unsigned cpu, bool from_idle);
void progress_occupy(struct ns_engine *e, struct evcpu *v);
void progress_reoccupy(struct ns_engine *e, struct evcpu *v);
void progress_switch_out(struct ns_engine *e, struct evcpu *v, unsigned cpu);
void progress_flush_run(struct ns_engine *e, struct epcpu *p);

/* tracing.c: the facts trace sinks hear of, in Xen's order ("etr": the
 * engine's side of tracing, not the trace part's writers) */
struct ns_trace_vcpu etr_id(const struct evcpu *v, unsigned cpu);
void etr_start(struct ns_engine *e);
void etr_runstate(struct ns_engine *e, struct evcpu *v, enum ns_runstate from, enum ns_runstate to);
void etr_idle_runstate(struct ns_engine *e, unsigned cpu, enum ns_runstate from, enum ns_runstate to);
void etr_switch(struct ns_engine *e, unsigned cpu, struct evcpu *prev, struct evcpu *next,
                  ns_time_t slice);
void etr_cont(struct ns_engine *e, unsigned cpu, ns_time_t slice);
void etr_wake(struct ns_engine *e, struct evcpu *v);
void etr_block(struct ns_engine *e, struct evcpu *v);
void etr_yield(struct ns_engine *e, struct evcpu *v);
void etr_sleep(struct ns_engine *e, struct evcpu *v);
void etr_class(struct ns_engine *e, uint32_t event, unsigned n, const uint32_t *words);

/* boot.c: domains created one after another */
void boot_schedule(struct ns_engine *e);
void boot_domain(struct ns_engine *e, struct edomain *d);

/* build.c */
int build_engine(struct ns_engine *e, struct ns_err *err);

/* results.c */
void results_reset(struct ns_engine *e);
void results_collect(struct ns_engine *e);
void results_free(struct ns_engine *e);

/* check.c */
int check_invariants(struct ns_engine *e, struct ns_err *err);

#endif
