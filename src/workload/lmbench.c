/*
 * lmbench-proc: lat_proc fork. The parent forks, the child exits, the
 * parent's wait() returns and it reaps the child; lat_proc reports the
 * time per fork+exit.
 *
 * A worker with a vCPU of its own to spare runs the child on that other
 * vCPU, so each iteration is two cross-vCPU wake-ups on the critical path:
 *
 *   vCPU 0 (parent): RUN fork -> WAIT, waking vCPU 1 -> RUN reap -> ...
 *   vCPU 1 (child):  WAIT ----------> RUN exit -> WAIT, waking vCPU 0 -> ...
 *
 * A worker without one (one vCPU, or as many workers as vCPUs) has fork,
 * exit and reap run back to back on its vCPU: the guest always has another
 * process to run there, so Xen sees no block. vCPUs left over stay blocked.
 *
 * An iteration ends when the parent finishes reaping; its time, from the
 * start of the fork, goes into a log-bucketed histogram for percentiles.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "workload/internal.h"

/* What a vCPU does for lat_proc. */
enum proc_role { ROLE_IDLE, ROLE_PARENT, ROLE_CHILD, ROLE_ALONE };

/*
 * Nominal work per iteration, chosen inside numa-hardware.md 6.3's ranges:
 * 120 + 80 + 50 = 250 us, near the middle of PV fork+exit's 150-400 us,
 * each run burst within 50-200 us. `parallel` is lat_proc's -P: benchmp
 * forks that many workers, each looping fork/exit/wait; lat_proc.c's
 * default is 1, and so is the lmbench script's (-P $SYNC_MAX, config-run's
 * "MULTIPLE COPIES [default 1]").
 */
static int proc_parse(struct ns_workload_spec *s, const struct ns_params *p, struct ns_err *err)
{
    double parallel = 1.0;

    s->fork_ns = 120e3;
    s->exit_ns = 80e3;
    s->reap_ns = 50e3;
    if (wl_micros(p, "fork_us", &s->fork_ns, err) < 0 ||
        wl_micros(p, "exit_us", &s->exit_ns, err) < 0 ||
        wl_micros(p, "reap_us", &s->reap_ns, err) < 0 ||
        wl_number(p, "parallel", 1.0, false, 65536.0, &parallel, err) < 0)
        return -1;
    if (parallel != floor(parallel))
        return wl_fail(p, "parallel", err, "must be a whole number (got %g)", parallel);
    s->workers = (unsigned)parallel;
    return 0;
}

/*
 * Workers take a vCPU pair each while the vCPUs the other workers need are
 * left: 1 worker on 2 vCPUs is a pair, 2 on 2 are two lone workers, 2 on 3
 * a pair and a lone one. More workers than vCPUs time-share them inside
 * the guest, which is not modelled beyond the metric (proc_metric).
 */
static enum proc_role proc_role(const struct ns_workload *w, unsigned vcpu)
{
    unsigned workers = w->spec->workers, vcpus = w->nr_vcpus, pairs = 0;

    if (workers < vcpus)        /* a pair needs a vCPU no other worker needs */
        pairs = workers < vcpus - workers ? workers : vcpus - workers;

    if (vcpu < 2 * pairs)
        return vcpu % 2 ? ROLE_CHILD : ROLE_PARENT;
    return vcpu - 2 * pairs < workers - pairs ? ROLE_ALONE : ROLE_IDLE;
}

static void iteration_done(struct ns_workload *w, ns_time_t ns)
{
    if (!w->measuring)
        return;
    w->done += 1.0;
    ns_hist_add(&w->iter, ns);
}

/* A parent (its child on vCPU + 1) or a lone worker (the exit its own). */
static void worker_next(struct ns_workload *w, unsigned vcpu, bool alone, ns_time_t now,
                        struct ns_step *out)
{
    const struct ns_workload_spec *s = w->spec;
    struct wl_vcpu *v = &w->vcpu[vcpu];

    switch (v->pc) {
    case 0:
        if (v->started)       /* the reap just finished */
            iteration_done(w, now - v->iter_start);
        v->iter_start = now;
        wl_run(w, out, s->fork_ns);
        break;
    case 1:
        if (alone)
            wl_run(w, out, s->exit_ns);
        else
            wl_wait(out, (int)vcpu + 1);
        break;
    default:
        wl_run(w, out, s->reap_ns);
        break;
    }
    v->pc = (v->pc + 1) % 3;
}

/* pc 0: waiting for the first fork; then exit (1) and wake the parent (2). */
static void child_next(struct ns_workload *w, unsigned vcpu, struct ns_step *out)
{
    struct wl_vcpu *v = &w->vcpu[vcpu];

    if (v->pc == 1) {
        wl_run(w, out, w->spec->exit_ns);
        v->pc = 2;
    } else {
        wl_wait(out, v->pc == 2 ? (int)vcpu - 1 : -1);
        v->pc = 1;
    }
}

static void proc_next(struct ns_workload *w, unsigned vcpu, ns_time_t now, struct ns_step *out)
{
    switch (proc_role(w, vcpu)) {
    case ROLE_PARENT:
        worker_next(w, vcpu, false, now, out);
        break;
    case ROLE_ALONE:
        worker_next(w, vcpu, true, now, out);
        break;
    case ROLE_CHILD:
        child_next(w, vcpu, out);
        break;
    default:
        wl_wait(out, -1);
        break;
    }
}

/*
 * lat_proc's figure: the time per fork+exit one worker sees, i.e. measured
 * time x workers / iterations of all workers, in microseconds (with more
 * workers than vCPUs each vCPU's iterations are shared by its workers).
 */
static void proc_metric(const struct ns_workload *w, double seconds, struct ns_metric *out)
{
    if (w->done <= 0.0)
        return;   /* no iteration finished: 0, "no figure" */
    out->value = seconds * 1e6 * w->spec->workers / w->done;
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
