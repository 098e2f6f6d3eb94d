/*
 * idle: a vCPU that is mostly blocked and now and then does a short burst
 * of work, as a dom0 serving light background requests. Every vCPU blocks
 * for an exponentially distributed gap (drawn from its own stream, so the
 * vCPUs do not wake in lockstep), then runs one burst, and again. The first
 * step is a gap. Metric: bursts completed per second, all vCPUs together.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "workload/internal.h"

static int idle_parse(struct ns_workload_spec *s, const struct ns_params *p, struct ns_err *err)
{
    s->burst_ns = 50e3;
    s->gap_ns = 10e6;
    if (wl_micros(p, "burst_us", &s->burst_ns, err) < 0 ||
        wl_micros(p, "gap_us", &s->gap_ns, err) < 0)
        return -1;
    return 0;
}

static void idle_next(struct ns_workload *w, unsigned vcpu, ns_time_t now, struct ns_step *out)
{
    struct wl_vcpu *v = &w->vcpu[vcpu];

    (void)now;
    if (wl_ran(v))
        wl_count(w, 1.0);
    if (v->pc == 0)
        wl_block(out, ns_rng_exponential(&v->rng, w->spec->gap_ns));
    else
        wl_run(w, out, w->spec->burst_ns);
    v->pc ^= 1;
}

/* Background work is here for its CPU time and wake-ups, not its memory:
 * it borrows the cpu workload's compute-bound profile. */
const struct wl_kind wl_idle = {
    .name = "idle",
    .mem = {.mem_stall = 0.01, .llc_hot_mb = 0.01, .dram_gbs = 0.0, .smt_speed = 0.69},
    .metric_name = "bursts",
    .metric_unit = "bursts/s",
    .higher_is_better = true,
    .parse = idle_parse,
    .next = idle_next,
    .metric = wl_rate_metric,
};
