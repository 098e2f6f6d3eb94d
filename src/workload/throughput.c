/*
 * The throughput workloads: cpu, specjbb and sysbench-memory. A busy vCPU
 * performs a stream of equal operations and never blocks; the metric is
 * how many it completed per second. The stream reaches the engine as RUN
 * steps of whole operations about WL_CHUNK_NS long, each counted when the
 * vCPU asks for its next step.
 *
 * An operation is a unit of nominal work that we define (op_us), not a
 * tuned parameter: it scales the metric and nothing else, so results
 * compare across policies, not with published scores.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "workload/internal.h"

/* Read op_us and size the chunk to whole operations (at least one). */
static int parse_ops(struct ns_workload_spec *s, const struct ns_params *p, double op_ns,
                     struct ns_err *err)
{
    s->op_ns = op_ns;
    if (wl_micros(p, "op_us", &s->op_ns, err) < 0)
        return -1;
    s->ops_per_chunk = s->op_ns >= WL_CHUNK_NS ? 1.0 : floor(WL_CHUNK_NS / s->op_ns);
    s->threads = UINT_MAX;
    return 0;
}

/* sysbench cpu: an event (primes up to 10000) is defined as 1 ms nominal. */
static int cpu_parse(struct ns_workload_spec *s, const struct ns_params *p, struct ns_err *err)
{
    return parse_ops(s, p, 1e6, err);
}

/* SPECjbb: an operation is defined as 100 us of nominal work. */
static int specjbb_parse(struct ns_workload_spec *s, const struct ns_params *p,
                         struct ns_err *err)
{
    return parse_ops(s, p, 100e3, err);
}

/*
 * The lines every request of sysbench 0.4's memory test writes that the
 * other threads write too, with memory-scope=global (its default): the one
 * buffer of block_kb, in 64-byte lines, and three mutexes (the request
 * mutex, the timers mutex, the percentile mutex: sb_memory.c, sb_logger.c,
 * sb_percentile.c at 15447d0). With memory-scope=local each thread has its
 * own buffer and only the mutexes are shared.
 */
#define SB_MUTEX_LINES 3.0

static double sysbench_shared_lines(const struct ns_workload_spec *s, bool global)
{
    double lines = SB_MUTEX_LINES + (global ? s->block_kb * 1024.0 / 64.0 : 0.0);

    return lines / (s->op_ns / 1e3);
}

/*
 * sysbench 0.4 memory with its defaults: one thread, 1 KiB per request at
 * 1.8 us each (syscall- and lock-bound in a PV guest, numa-hardware.md
 * 6.2). vCPUs without a thread stay blocked; more threads than vCPUs simply
 * keep every vCPU busy (the guest's own time-sharing is not modelled).
 * Threads that run at once hand the shared lines to each other
 * (src/host/sharing.c).
 */
static int sysbench_memory_parse(struct ns_workload_spec *s, const struct ns_params *p,
                                 struct ns_err *err)
{
    double threads = 1.0;
    const char *scope = "global";

    if (parse_ops(s, p, 1800.0, err) < 0)
        return -1;
    s->block_kb = 1.0;
    if (wl_number(p, "block_kb", 0.0, true, WL_MAX_BLOCK_KB, &s->block_kb, err) < 0 ||
        wl_number(p, "threads", 1.0, false, 65536.0, &threads, err) < 0 ||
        (p && p->get_string && p->get_string(p->ctx, "memory_scope", &scope, err) < 0))
        return -1;
    if (threads != floor(threads))
        return wl_fail(p, "threads", err, "must be a whole number (got %g)", threads);
    if (strcmp(scope, "global") != 0 && strcmp(scope, "local") != 0)
        return wl_fail(p, "memory_scope", err, "\"%s\": want \"global\" or \"local\"",
                       scope);
    s->threads = (unsigned)threads;
    s->mem.shared_lines_per_us = sysbench_shared_lines(s, scope[0] == 'g');
    return 0;
}

static void ops_next(struct ns_workload *w, unsigned vcpu, ns_time_t now, struct ns_step *out)
{
    const struct ns_workload_spec *s = w->spec;

    (void)now;
    if (wl_ran(&w->vcpu[vcpu]))
        wl_count(w, s->ops_per_chunk);
    if (vcpu >= s->threads)
        wl_wait(out, -1);      /* no thread here: blocked for good */
    else
        wl_run(w, out, s->ops_per_chunk * s->op_ns);
}

/* sysbench reports MB as 2^20 bytes: MB/s = ops x block_kb / 1024 / s. */
static void mbs_metric(const struct ns_workload *w, double seconds, struct ns_metric *out)
{
    out->value = w->done * w->spec->block_kb / 1024.0 / seconds;
}

/*
 * Memory profiles from numa-hardware.md section 8. cpu: compute-bound with
 * a tiny working set, s_smt = 0.69 from the measured sysbench-cpu control
 * (section 3.4).
 */
const struct wl_kind wl_cpu = {
    .name = "cpu",
    .mem = {.mem_stall = 0.01, .llc_hot_mb = 0.01, .dram_gbs = 0.0, .smt_speed = 0.69},
    .metric_name = "ops",
    .metric_unit = "ops/s",
    .higher_is_better = true,
    .parse = cpu_parse,
    .next = ops_next,
    .metric = wl_rate_metric,
};

const struct wl_kind wl_specjbb = {
    .name = "specjbb",
    .mem = {.mem_stall = 0.35, .llc_hot_mb = 6.0, .dram_gbs = 1.0, .smt_speed = 0.65},
    .metric_name = "ops",
    .metric_unit = "ops/s",
    .higher_is_better = true,
    .parse = specjbb_parse,
    .next = ops_next,
    .metric = wl_rate_metric,
};

const struct wl_kind wl_sysbench_memory = {
    .name = "sysbench-memory",
    .mem = {.mem_stall = 0.03, .llc_hot_mb = 0.05, .dram_gbs = 0.0, .smt_speed = 0.75},
    .metric_name = "bandwidth",
    .metric_unit = "MB/s",
    .higher_is_better = true,
    .parse = sysbench_memory_parse,
    .next = ops_next,
    .metric = mbs_metric,
};
