/*
 * engine: the event loop, the one place where schedulers, workloads and the
 * host model meet. It plays the part of Xen's scheduling core: it owns the
 * virtual clock, per-pCPU "schedule soon" requests, timers, runstates and the
 * wake/sleep/migrate paths, runs workload steps on pCPUs at the rate the host
 * model gives, and calls the scheduler hooks.
 *
 * Input is a struct ns_sim_spec (numasched/spec.h: built by config/, then
 * placed by place/), output a struct ns_results (numasched/results.h, read
 * by report/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_ENGINE_H
#define NUMASCHED_ENGINE_H

#include <stdio.h>

#include "numasched/results.h"
#include "numasched/spec.h"

struct ns_engine;
struct ns_trace_sink;

/* Build the simulated host, pools, domains and vCPUs. The spec must outlive it. */
struct ns_engine *ns_engine_create(const struct ns_sim_spec *spec, struct ns_err *err);
/* Report every scheduling fact of the measured window to @sink (kept by
 * pointer; add before running). */
void ns_engine_add_sink(struct ns_engine *e, const struct ns_trace_sink *sink);
/* Run warm-up + duration. Fails only on a broken invariant (with --check). */
int ns_engine_run(struct ns_engine *e, struct ns_err *err);
/* Each pool's scheduler counters, a line per pool ("Pool-0 credit: ..."). */
void ns_engine_print_sched_stats(const struct ns_engine *e, FILE *out);
/* Each pool's scheduler state: runqueues, active vCPUs (Xen's 'r' key). */
void ns_engine_dump(const struct ns_engine *e, FILE *out);
/* Results of the finished run; owned by the engine. */
const struct ns_results *ns_engine_results(const struct ns_engine *e);
void ns_engine_free(struct ns_engine *e);

#endif
