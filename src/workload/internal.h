/*
 * workload/ internals: the parsed spec, a running instance, and the table
 * entry each built-in workload provides. Nothing outside src/workload/
 * includes this.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_WORKLOAD_INTERNAL_H
#define NUMASCHED_WORKLOAD_INTERNAL_H

#include "numasched/workload.h"

/*
 * Length of one RUN step of the always-busy workloads. Their work is a
 * stream of small operations; handing it to the engine in 1 ms chunks
 * keeps the event count low (a chunk is 1/10 of a credit tick) while a
 * chunk still ends well inside any time slice.
 */
#define WL_CHUNK_NS 1e6

/*
 * Bounds on every duration a workload is given (op_us, fork_us, a phase...).
 * Below 10 ns a step is not work a vCPU does (a context switch costs more),
 * and `fork_us = "1e-300"` would make 10^300 events per simulated second:
 * a hang. Above 1,000,000 s it outlasts any run (config/ caps a run there).
 * With them, every rate derived from a duration (ops per chunk, ops/s, MB/s
 * with block_kb at most 1 GiB) is finite: nothing reports 0 ops/s for
 * infinitely many.
 */
#define WL_MIN_STEP_NS 10.0
#define WL_MAX_STEP_NS 1e15
#define WL_MAX_BLOCK_KB 1048576.0

/* One item of a phase list: "run 2ms", "block ~8ms". */
struct wl_phase {
    enum ns_step_kind kind;   /* NS_STEP_RUN, NS_STEP_BLOCK or NS_STEP_YIELD */
    double mean_ns;
    bool random;              /* "~": exponentially distributed, this mean */
};

struct ns_workload_spec {
    const struct wl_kind *kind;
    struct ns_mem_profile mem;
    /* cpu, specjbb, sysbench-memory: operations issued in chunks */
    double op_ns;             /* nominal work of one operation */
    double ops_per_chunk;     /* whole operations in one RUN step */
    double block_kb;          /* sysbench-memory: KiB per operation */
    unsigned threads;         /* sysbench-memory: busy vCPUs */
    /* lmbench-proc: one fork+exit iteration, and lat_proc -P's workers */
    double fork_ns, exit_ns, reap_ns;
    unsigned workers;
    /* idle */
    double burst_ns, gap_ns;
    /* phases */
    struct wl_phase *phase;
    size_t nr_phases;
};

struct wl_vcpu {
    struct ns_rng rng;
    unsigned pc;              /* the next step of its cycle */
    bool started;             /* a step has been handed out */
    enum ns_step_kind last;   /* ... and this was its kind */
    ns_time_t iter_start;     /* lmbench-proc worker: the iteration began */
};

struct ns_workload {
    const struct ns_workload_spec *spec;
    unsigned nr_vcpus;
    struct wl_vcpu *vcpu;
    bool measuring;
    ns_time_t measure_start;
    double done;              /* units completed while measuring */
    struct ns_hist iter;      /* lmbench-proc: per-iteration times (ns) */
};

/* What each built-in workload provides. */
struct wl_kind {
    const char *name;             /* first: a registry entry */
    struct ns_mem_profile mem;    /* default memory profile */
    const char *metric_name, *metric_unit;
    bool higher_is_better;
    /* Read the workload's own keys into @s (defaults already there). */
    int (*parse)(struct ns_workload_spec *s, const struct ns_params *p, struct ns_err *err);
    /* The next step of @v; @out comes in as "no signal, no memory". */
    void (*next)(struct ns_workload *w, unsigned v, ns_time_t now, struct ns_step *out);
    /* The metric over @seconds of measurement (count, value, spread). */
    void (*metric)(const struct ns_workload *w, double seconds, struct ns_metric *out);
};

/* The metric of most workloads: units completed per second. */
void wl_rate_metric(const struct ns_workload *w, double seconds, struct ns_metric *out);

extern const struct wl_kind wl_cpu, wl_specjbb, wl_sysbench_memory;
extern const struct wl_kind wl_lmbench_proc, wl_idle, wl_phases;

/*
 * Read the number @key into *v when present (a missing key keeps the
 * default). It must be finite and within [lo, hi], strictly above lo when
 * @lo_open. Returns 0 when read, 1 when absent, -1 with @err naming the key.
 */
int wl_number(const struct ns_params *p, const char *key, double lo, bool lo_open, double hi,
              double *v, struct ns_err *err);
/* The same for a duration in microseconds (> 0), stored in nanoseconds. */
int wl_micros(const struct ns_params *p, const char *key, double *ns, struct ns_err *err);
/* An error about @key, with the source's file and line when there is one. */
int wl_fail(const struct ns_params *p, const char *key, struct ns_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Count @units of the metric if the measurement has started. */
static inline void wl_count(struct ns_workload *w, double units)
{
    if (w->measuring)
        w->done += units;
}

/* Did vCPU @v just finish a RUN step? */
static inline bool wl_ran(const struct wl_vcpu *v)
{
    return v->started && v->last == NS_STEP_RUN;
}

static inline void wl_run(const struct ns_workload *w, struct ns_step *out, double work_ns)
{
    out->kind = NS_STEP_RUN;
    out->work_ns = work_ns;
    out->mem = &w->spec->mem;
}

static inline void wl_wait(struct ns_step *out, int signal_vcpu)
{
    out->kind = NS_STEP_WAIT;
    out->signal_vcpu = signal_vcpu;
}

/* Block for @ns (at least 1 ns: a zero block would be no block at all; at
 * most NS_TIME_CLAMP, so that now + block_ns cannot wrap). */
static inline void wl_block(struct ns_step *out, double ns)
{
    out->kind = NS_STEP_BLOCK;
    if (!(ns < (double)NS_TIME_CLAMP))
        ns = (double)NS_TIME_CLAMP;
    out->block_ns = ns < 1.0 ? 1 : (ns_time_t)(ns + 0.5);
}

#endif
