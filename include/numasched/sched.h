/*
 * sched: the scheduler interface, modelled on Xen's struct scheduler, and
 * the objects a scheduler sees: domains, vCPUs, pools. One scheduler instance
 * runs per cpupool.
 *
 * A scheduler sees what Xen's sees and no more: topology, affinities, node
 * affinity, weights and caps, runstates and time. It never sees the
 * workload's future nor the memory model. It acts on the world only through
 * struct ns_sched_env, which the engine provides (and a test can fake):
 * "raise SCHEDULE_SOFTIRQ on p", timers, pausing and migrating vCPUs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_SCHED_H
#define NUMASCHED_SCHED_H

#include "numasched/topo.h"
#include "numasched/util.h"

enum ns_runstate {
    NS_RUNSTATE_RUNNING,
    NS_RUNSTATE_RUNNABLE,
    NS_RUNSTATE_BLOCKED,
    NS_RUNSTATE_OFFLINE,
    NS_RUNSTATES
};
const char *ns_runstate_name(enum ns_runstate s);

/* Why a vCPU may not run, as Xen's pause_flags: it is runnable with none set. */
#define NS_VPF_BLOCKED   (1u << 0)  /* waiting for an event (guest blocked) */
#define NS_VPF_MIGRATING (1u << 1)  /* to be moved once off its pCPU */
#define NS_VPF_PAUSED    (1u << 2)  /* paused by the scheduler (credit's cap parking) */
#define NS_VPF_DOWN      (1u << 3)  /* offline */
#define NS_VPF_PARKED    (1u << 4)  /* out of budget (credit2's caps: _VPF_parked) */

struct ns_sched;

/*
 * An RTDS reservation, as `xl sched-rtds -d DOM -v all -p P -b B -e E` sets
 * it on every vCPU of a domain. Zero means "not given": Xen's defaults then
 * (10000 us, 4000 us), so that a domain built without it gets them.
 */
struct ns_rtds_params {
    unsigned period_us, budget_us;
    bool no_extratime;            /* -e 0 (Xen 4.10+: extratime is on by default) */
};

struct ns_pool {
    unsigned id;
    char *name;
    struct ns_mask cpus;
    struct ns_sched *sched;
};

struct ns_domain {
    unsigned id;                  /* dom0 = 0 */
    const char *name;
    unsigned weight;              /* 1..65535, default 256 */
    unsigned cap;                 /* percent of one pCPU, 0 = none */
    struct ns_rtds_params rtds;   /* RTDS reservation of each of its vCPUs */
    struct ns_mask node_affinity; /* nodemask */
    bool auto_node_affinity;      /* derived from vCPU affinities, not set explicitly */
    unsigned nr_vcpus;
    struct ns_vcpu **vcpu;
    struct ns_pool *pool;
    void *sched_priv;
};

struct ns_vcpu {
    unsigned id;                  /* within its domain */
    unsigned uid;                 /* global, dense, stable: for per-vCPU arrays */
    struct ns_domain *dom;
    unsigned processor;           /* the pCPU whose runqueue/lock it belongs to */
    struct ns_mask hard;          /* hard affinity (pCPUs) */
    struct ns_mask soft;          /* soft affinity (pCPUs) */
    unsigned pause_flags;
    bool is_running;              /* on a pCPU right now */
    enum ns_runstate runstate;
    ns_time_t runstate_entry;     /* when it entered runstate */
    ns_time_t last_desched;       /* when it last left a pCPU (cache-hotness) */
    void *sched_priv;
};

static inline bool ns_vcpu_runnable(const struct ns_vcpu *v) { return v->pause_flags == 0; }

/* A timer owned by a scheduler; fn runs "on" pCPU cpu. */
struct ns_timer {
    struct ns_event ev;
    void (*fn)(struct ns_timer *t, ns_time_t now);
    void *data;
    unsigned cpu;
};

/* What the engine offers a scheduler. ctx is the engine's. */
struct ns_sched_env {
    void *ctx;
    const struct ns_topo *topo;
    ns_time_t (*now)(void *ctx);
    /* The pCPU executing the current event (Xen's smp_processor_id()). */
    unsigned (*this_cpu)(void *ctx);
    /* The vCPU running on @cpu, NULL while it runs its idle vCPU. */
    struct ns_vcpu *(*curr)(void *ctx, unsigned cpu);
    /* Raise the schedule softirq on @cpu: it reschedules after an IPI delay
     * (none when cpu == this_cpu); requests coalesce while one is pending. */
    void (*tickle)(void *ctx, unsigned cpu);
    void (*timer_set)(void *ctx, struct ns_timer *t, ns_time_t when);
    void (*timer_stop)(void *ctx, struct ns_timer *t);
    /* Flag @v MIGRATING and reschedule its pCPU; once off the pCPU the engine
     * calls pick_cpu, moves it there and wakes it (Xen's vcpu_migrate). A
     * running vCPU is only flagged, as Xen's schedulers do it: no sleep hook
     * and no SLEEP record; one not running sleeps and moves at once.
     * Called from do_schedule on the vCPU being chosen (not running yet), it
     * only flags it, as Xen's schedulers do under their lock: the vCPU is
     * switched in, runs until its pCPU next schedules, then moves; the
     * scheduler pokes whatever pCPU it must itself. */
    void (*migrate)(void *ctx, struct ns_vcpu *v);
    /* vcpu_pause_nosync / vcpu_unpause, for credit's cap parking: a sleep
     * and a wake (hooks, SLEEP and WAKE records, runstates). */
    void (*pause)(void *ctx, struct ns_vcpu *v);
    void (*unpause)(void *ctx, struct ns_vcpu *v);
    /* Set / clear @flag in @v's pause_flags and nothing else: Xen's
     * sched_set_pause_flags / sched_clear_pause_flags (4.13+; __set_bit and
     * __clear_bit in 4.10-4.12), which credit2's park_unit and unpark_parked_units
     * use. No sleep or wake hook, no record, no runstate change: the
     * scheduler takes the vCPU off and puts it back on its queues itself, a
     * running one is flagged from within do_schedule and leaves its pCPU
     * there (offline once off it, as any vCPU not runnable), and an unparked
     * vCPU keeps its runstate (runnable, or offline if parked while it ran)
     * until it next runs. */
    void (*set_pause_flags)(void *ctx, struct ns_vcpu *v, unsigned flag);
    void (*clear_pause_flags)(void *ctx, struct ns_vcpu *v, unsigned flag);
    /* A scheduler-class trace record (TRC_SCHED_CLASS event, up to 7 words). */
    void (*trace)(void *ctx, uint32_t event, unsigned n, const uint32_t *words);
    /* Xen's get_random(), which cpumask_any() draws from: one stream per
     * run, from the run's seed, so that a run is reproducible. */
    uint64_t (*random)(void *ctx);
};

/* How credit2 groups pCPUs into runqueues (credit2_runqueue=, facts 3.2). */
enum ns_c2_runqueue { NS_C2_RUNQ_CPU, NS_C2_RUNQ_CORE, NS_C2_RUNQ_SOCKET, NS_C2_RUNQ_NODE,
                      NS_C2_RUNQ_ALL };
/* The arrangement named @name ("cpu", "core", ...), -1 if unknown; the names,
 * NULL-terminated, for error messages. */
int ns_c2_runqueue_parse(const char *name);
const char *const *ns_c2_runqueue_names(void);

/* Tunables, per pool. Each scheduler reads those that mean something to it. */
struct ns_sched_params {
    unsigned tslice_ms;           /* credit timeslice / rr slice, default 30 */
    unsigned ratelimit_us;        /* default 1000, 0 = off */
    unsigned migration_delay_us;  /* default 0 */
    unsigned compat;              /* Xen version semantics: 403 = 4.3, 422 = 4.22 */
    bool no_boost;                /* test switch: never BOOST */
    unsigned quirk_fixes;         /* bit per QUIRK whose fix is switched on */
    /* credit2 (facts 3.1, 3.2), named as Xen's boot options */
    unsigned credit2_compat;               /* credit2's Xen version, 408 .. 422 */
    enum ns_c2_runqueue credit2_runqueue;  /* credit2_runqueue, default socket */
    unsigned credit2_max_cpus_runqueue;    /* sched_credit2_max_cpus_runqueue, 16 */
    unsigned credit2_migrate_resist_us;    /* sched_credit2_migrate_resist, 500 */
    unsigned null_compat;                  /* the null scheduler's Xen version, 409 .. 422 */
    unsigned rtds_compat;                  /* RTDS's Xen version, 407 .. 422 */
};
void ns_sched_params_default(struct ns_sched_params *p);

/*
 * Fixes for the QUIRKs of facts/xen-scheduling.md, one bit each in
 * params.quirk_fixes. A quirk is reproduced for the versions that had it
 * unless its bit is set. Scenario files name them (quirk_fixes = [...]).
 */
#define NS_QUIRK_UNPARK_BOOST     (1u << 0)  /* "unpark_boost": credit 2.4, 4.3-4.12 */
#define NS_QUIRK_RATELIMIT_MIN    (1u << 1)  /* "ratelimit_min": credit 2.7, 4.8+ */
#define NS_QUIRK_TICKLE_IDLERS_46 (1u << 2)  /* "tickle_idlers_46": credit 2.9, 4.6-4.7 */
#define NS_QUIRK_KICK_AWAY_413    (1u << 3)  /* "kick_away_413": credit 2.9, 4.13+ */
#define NS_QUIRK_C2_BALANCE_LAST  (1u << 4)  /* "credit2_balance_last": credit2 3.6 */
/* The bit of a quirk's scenario name, -1 if unknown. */
int ns_sched_quirk_bit(const char *name);
/* All quirk names, NULL-terminated (for error messages). */
const char *const *ns_sched_quirk_names(void);

struct ns_sched_slice {
    struct ns_vcpu *next;         /* NULL: run the idle vCPU */
    ns_time_t slice;              /* NS_TIME_NEVER: no slice timer */
};

struct ns_sched {
    const struct ns_sched_ops *ops;
    const struct ns_sched_env *env;
    struct ns_pool *pool;
    struct ns_sched_params params;
    void *priv;
};

/* Hooks a scheduler has no use for may be NULL: add_domain, remove_domain,
 * yield (then a yield just reschedules), check, dump, stats. */
struct ns_sched_ops {
    const char *name;             /* "credit", "rr", ...; first: a registry entry */
    unsigned trace_id;            /* scheduler id in TRC_SCHED_CLASS events */
    bool in_xen;                  /* Xen has it, so advise may recommend it (rr: ours only) */
    bool pcpu_per_vcpu;           /* never time-shares: a vCPU without a pCPU of its own
                                     never runs (null) */
    bool experimental;            /* Xen's SUPPORT.md says Experimental, so advise does not
                                     recommend it (rtds) */
    int  (*init)(struct ns_sched *s, struct ns_err *err);
    void (*deinit)(struct ns_sched *s);
    void (*add_pcpu)(struct ns_sched *s, unsigned cpu);
    void (*add_domain)(struct ns_sched *s, struct ns_domain *d);
    void (*insert_vcpu)(struct ns_sched *s, struct ns_vcpu *v);
    /* The vCPU (then its domain) goes away: dequeue it and free private data. */
    void (*remove_vcpu)(struct ns_sched *s, struct ns_vcpu *v);
    void (*remove_domain)(struct ns_sched *s, struct ns_domain *d);
    /* @v stopped being runnable by a pause (Xen's vcpu_sleep_nosync: cap
     * parking, a vCPU going down, a migrate request on a vCPU not running).
     * Never for a block or a migrate request on a running vCPU: as in Xen,
     * do_schedule finds curr not runnable. */
    void (*sleep)(struct ns_sched *s, struct ns_vcpu *v);
    void (*wake)(struct ns_sched *s, struct ns_vcpu *v);
    void (*yield)(struct ns_sched *s, struct ns_vcpu *v);
    /* Choose what @cpu runs next; curr (env->curr) may have stopped being
     * runnable. Returns it again to keep running it. */
    struct ns_sched_slice (*do_schedule)(struct ns_sched *s, unsigned cpu, ns_time_t now);
    /* Where @v should go (migration, creation). */
    unsigned (*pick_cpu)(struct ns_sched *s, struct ns_vcpu *v);
    /* Report a broken scheduler invariant (--check); 0 when all hold. */
    int  (*check)(const struct ns_sched *s, struct ns_err *err);
    void (*dump)(const struct ns_sched *s, FILE *out);
    /* One line of the scheduler's own counters (decisions, diagnostics). */
    void (*stats)(const struct ns_sched *s, FILE *out);
};

/* The built-in schedulers by name, NULL if unknown. */
const struct ns_sched_ops *ns_sched_find(const char *name);
const char *const *ns_sched_names(void);

/*
 * Balance-step masks shared by schedulers with soft affinity (Xen's
 * affinity_balance_cpumask): the soft step uses soft & hard, the hard step
 * hard. ns_vcpu_has_soft_affinity says whether the soft step means anything
 * for @v in a pool with CPUs @pool_cpus.
 */
enum ns_balance_step { NS_BALANCE_SOFT, NS_BALANCE_HARD };
bool ns_vcpu_has_soft_affinity(const struct ns_vcpu *v, const struct ns_mask *pool_cpus);
/* The rule of 4.6 to 4.10: soft overlaps @mask, and neither the pool nor
 * the hard affinity lies inside it. */
bool ns_vcpu_has_soft_affinity_406(const struct ns_vcpu *v, const struct ns_mask *pool_cpus,
                                   const struct ns_mask *mask);
void ns_balance_mask(const struct ns_vcpu *v, enum ns_balance_step step, struct ns_mask *out);

/* Xen's cpumask_any(): the k-th member of @m (from 0), k = get_random()
 * modulo its members; NS_MASK_NONE if @m is empty. */
size_t ns_cpumask_any(const struct ns_sched_env *env, const struct ns_mask *m);

#endif
