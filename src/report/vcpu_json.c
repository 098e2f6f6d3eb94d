/*
 * The per-vCPU entry of numasched's JSON files, written once for both:
 * results.json (what the engine measured) and `analyze --json` (what a
 * trace shows). test/test_trace_cli.c compares the two entry by entry, so
 * they must spell every key alike; building both here, in one key order,
 * means a key renamed or added changes both files at once.
 *
 * A run knows things a trace cannot (how much of the run time had local
 * memory) and a trace counts things the run does not report (runs that
 * started on another pCPU, the time xenalyze leaves out): those members
 * are pointers, and an entry leaves out what its source does not know.
 * Runstates are named by ns_runstate_name, moves by rj_move_name, so
 * readers of these files (report/experiment.c) use the same tables.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "numasched/sched.h"
#include "report/report_internal.h"

const char *rj_move_name(enum ns_move_kind k)
{
    static const char *const names[NS_MOVE_KINDS] = {
        [NS_MOVE_NONE] = "none", [NS_MOVE_CORE] = "core",
        [NS_MOVE_SOCKET] = "socket", [NS_MOVE_NODE] = "node",
    };
    return k < NS_MOVE_KINDS ? names[k] : "?";
}

/* {"running": ns, "runnable": ns, ...} in the order of enum ns_runstate. */
static json_object *runstates_json(const ns_time_t *ns)
{
    json_object *o = rj_obj();

    for (int k = 0; k < NS_RUNSTATES; k++)
        rj_put(o, ns_runstate_name((enum ns_runstate)k), rj_u64(ns[k]));
    return o;
}

/* Moves between pCPUs: the total (a trace's count) and by kind when known. */
static json_object *migrations_json(const struct rj_vcpu *v)
{
    json_object *o = rj_obj();

    if (v->pcpu_changes)
        rj_put(o, "pcpu", rj_u64(*v->pcpu_changes));
    for (int k = NS_MOVE_CORE; v->migrations && k < NS_MOVE_KINDS; k++)
        rj_put(o, rj_move_name((enum ns_move_kind)k), rj_u64(v->migrations[k]));
    return o;
}

static json_object *wake_latency_json(const struct rj_vcpu *v)
{
    json_object *o = rj_obj();

    rj_put(o, "mean", rj_dbl(v->wake_latency_mean_ns));
    rj_put(o, "p50", rj_u64(v->wake_latency_p50_ns));
    rj_put(o, "p99", rj_u64(v->wake_latency_p99_ns));
    rj_put(o, "max", rj_u64(v->wake_latency_max_ns));
    return o;
}

json_object *rj_vcpu_json(const struct rj_vcpu *v)
{
    json_object *o = rj_obj();

    rj_put(o, "id", rj_u64(v->id));
    rj_put(o, "runstate_ns", runstates_json(v->runstate_ns));
    if (v->local_run_ns)
        rj_put(o, "local_run_ns", rj_u64(*v->local_run_ns));
    if (v->remote_run_ns)
        rj_put(o, "remote_run_ns", rj_u64(*v->remote_run_ns));
    rj_put(o, "migrations", migrations_json(v));
    rj_put(o, "wakeups", rj_u64(v->wakeups));
    rj_put(o, "wake_latency_ns", wake_latency_json(v));
    if (v->xenalyze_uncounted_ns)
        rj_put(o, "xenalyze_uncounted_ns", runstates_json(v->xenalyze_uncounted_ns));
    return o;
}
