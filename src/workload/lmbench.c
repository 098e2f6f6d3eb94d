/*
 * lmbench-proc: lat_proc fork. The parent forks, the child exits, the
 * parent's wait() returns and it reaps the child; lat_proc reports the
 * time per fork+exit.
 *
 * With two or more vCPUs the guest runs the child on the other vCPU, so
 * each iteration is two cross-vCPU wake-ups on the critical path:
 *
 *   vCPU 0 (parent): RUN fork -> WAIT, waking vCPU 1 -> RUN reap -> ...
 *   vCPU 1 (child):  WAIT ----------> RUN exit -> WAIT, waking vCPU 0 -> ...
 *
 * With one vCPU the guest switches between the processes itself: fork,
 * exit and reap run back to back on that vCPU and Xen sees no block. Any
 * vCPU beyond the second stays blocked (lat_proc runs one process pair).
 *
 * An iteration ends when the parent finishes reaping; its time, from the
 * start of the fork, goes into a log-bucketed histogram for percentiles.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "workload/internal.h"

enum { PARENT = 0, CHILD = 1 };

/*
 * Nominal work per iteration, chosen inside numa-hardware.md 6.3's ranges:
 * 120 + 80 + 50 = 250 us, near the middle of PV fork+exit's 150-400 us,
 * each run burst within 50-200 us.
 */
static int proc_parse(struct ns_workload_spec *s, const struct ns_params *p, struct ns_err *err)
{
    s->fork_ns = 120e3;
    s->exit_ns = 80e3;
    s->reap_ns = 50e3;
    if (wl_micros(p, "fork_us", &s->fork_ns, err) < 0 ||
        wl_micros(p, "exit_us", &s->exit_ns, err) < 0 ||
        wl_micros(p, "reap_us", &s->reap_ns, err) < 0)
        return -1;
    return 0;
}

static void iteration_done(struct ns_workload *w, ns_time_t ns)
{
    if (!w->measuring)
        return;
    w->done += 1.0;
    ns_hist_add(&w->iter, ns);
}

static void parent_next(struct ns_workload *w, struct wl_vcpu *v, ns_time_t now,
                        struct ns_step *out)
{
    const struct ns_workload_spec *s = w->spec;

    switch (v->pc) {
    case 0:
        if (v->started)       /* the reap just finished */
            iteration_done(w, now - v->iter_start);
        v->iter_start = now;
        wl_run(w, out, s->fork_ns);
        break;
    case 1:
        if (w->nr_vcpus > 1)
            wl_wait(out, CHILD);
        else
            wl_run(w, out, s->exit_ns);
        break;
    default:
        wl_run(w, out, s->reap_ns);
        break;
    }
    v->pc = (v->pc + 1) % 3;
}

/* pc 0: waiting for the first fork; then exit (1) and wake the parent (2). */
static void child_next(struct ns_workload *w, struct wl_vcpu *v, struct ns_step *out)
{
    if (v->pc == 1) {
        wl_run(w, out, w->spec->exit_ns);
        v->pc = 2;
    } else {
        wl_wait(out, v->pc == 2 ? PARENT : -1);
        v->pc = 1;
    }
}

static void proc_next(struct ns_workload *w, unsigned vcpu, ns_time_t now, struct ns_step *out)
{
    if (vcpu == PARENT)
        parent_next(w, &w->vcpu[vcpu], now, out);
    else if (vcpu == CHILD)
        child_next(w, &w->vcpu[vcpu], out);
    else
        wl_wait(out, -1);
}

/* lat_proc's figure: measured time / iterations, in microseconds. */
static void proc_metric(const struct ns_workload *w, double seconds, struct ns_metric *out)
{
    if (w->done <= 0.0)
        return;   /* no iteration finished: 0, "no figure" */
    out->value = seconds * 1e6 / w->done;
    out->p50 = (double)ns_hist_quantile(&w->iter, 0.50) / 1e3;
    out->p90 = (double)ns_hist_quantile(&w->iter, 0.90) / 1e3;
    out->p99 = (double)ns_hist_quantile(&w->iter, 0.99) / 1e3;
}

/* numa-hardware.md 6.3 / 8: latency-bound kernel work on a ~1 MB hot set. */
const struct wl_kind wl_lmbench_proc = {
    .name = "lmbench-proc",
    .mem = {.mem_stall = 0.35, .llc_hot_mb = 1.0, .dram_gbs = 0.3, .smt_speed = 0.7},
    .metric_name = "fork_latency",
    .metric_unit = "us",
    .higher_is_better = false,
    .parse = proc_parse,
    .next = proc_next,
    .metric = proc_metric,
};
