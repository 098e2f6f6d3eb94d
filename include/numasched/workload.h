/*
 * workload: what a vCPU does next. A workload model hands the engine one step
 * at a time per vCPU (run W nominal ns with a memory profile, block for T,
 * wait to be woken by a sibling vCPU of the same domain) and counts its own
 * metric. It never sees where or when the vCPU runs, only that a step ended.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_WORKLOAD_H
#define NUMASCHED_WORKLOAD_H

#include "numasched/host.h"
#include "numasched/util.h"

enum ns_step_kind {
    NS_STEP_RUN,    /* compute for work_ns nominal ns */
    NS_STEP_BLOCK,  /* block for block_ns, then wake (a guest timer) */
    NS_STEP_WAIT,   /* block until a sibling vCPU signals (semaphore: a signal
                       sent before the wait is not lost) */
    NS_STEP_YIELD,  /* give the pCPU away (a spinning guest's SCHEDOP_yield),
                       then carry on with the next step */
};

struct ns_step {
    enum ns_step_kind kind;
    double work_ns;                   /* RUN */
    ns_time_t block_ns;               /* BLOCK */
    const struct ns_mem_profile *mem; /* RUN: how this work uses memory */
    int signal_vcpu;                  /* >= 0: signal that vCPU as this step starts */
};

struct ns_metric {
    const char *name;     /* "ops", "bandwidth", "fork_latency" */
    const char *unit;     /* "ops/s", "MB/s", "us" */
    bool higher_is_better;
    double value;
    /* Optional spread of per-operation values (0 when not meaningful). */
    double p50, p90, p99;
};

/*
 * Where a workload reads its parameters: the domain file, through config.
 * Each getter returns 0 when found, 1 when absent, -1 on a bad value (with
 * @err naming file, line and key).
 */
struct ns_params {
    void *ctx;
    int (*get_number)(void *ctx, const char *key, double *out, struct ns_err *err);
    int (*get_duration)(void *ctx, const char *key, ns_time_t *out, struct ns_err *err);
    int (*get_string)(void *ctx, const char *key, const char **out, struct ns_err *err);
    /* A list of strings; *items stays valid as long as the source does. */
    int (*get_list)(void *ctx, const char *key, size_t *n, const char *const **items,
                    struct ns_err *err);
    /* Error about @key with the source's file and line. Returns -1. */
    int (*fail)(void *ctx, const char *key, struct ns_err *err, const char *msg);
};

struct ns_workload_spec;   /* parsed parameters of one domain's workload */
struct ns_workload;        /* a running instance: one per domain */

/* Names of the built-in workloads, NULL-terminated. */
const char *const *ns_workload_names(void);

/* Parse the workload @name and its parameters; err names the key on failure. */
struct ns_workload_spec *ns_workload_parse(const char *name, const struct ns_params *p,
                                           struct ns_err *err);
void ns_workload_spec_free(struct ns_workload_spec *spec);
const char *ns_workload_spec_name(const struct ns_workload_spec *spec);
/* The metric a run of @spec reports: name, unit and direction, no value. */
void ns_workload_spec_metric(const struct ns_workload_spec *spec, struct ns_metric *out);
/* The memory profile of the main run phase (for placement and reports). */
const struct ns_mem_profile *ns_workload_spec_mem(const struct ns_workload_spec *spec);

/*
 * A running instance for a domain of @nr_vcpus. vCPU k draws its random
 * numbers from its own stream, derived from (@seed, @stream, k). @spec must
 * outlive the instance: the memory profile of every RUN step points into it.
 */
struct ns_workload *ns_workload_create(const struct ns_workload_spec *spec, unsigned nr_vcpus,
                                       uint64_t seed, uint64_t stream);
void ns_workload_free(struct ns_workload *w);

/* The next step of vCPU @vcpu; called at start and whenever its last step ended. */
void ns_workload_next(struct ns_workload *w, unsigned vcpu, ns_time_t now, struct ns_step *out);
/* Start counting the metric from @now (end of warm-up): a RUN step counts
 * when the next step of its vCPU is asked for at or after @now. */
void ns_workload_start_measure(struct ns_workload *w, ns_time_t now);
void ns_workload_metric(const struct ns_workload *w, ns_time_t now, struct ns_metric *out);

#endif
