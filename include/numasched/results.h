/*
 * results: what one run measured, as plain data. The engine fills it at the
 * end of a run; report/ turns it into a summary and results files. Times
 * count from the end of warm-up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_RESULTS_H
#define NUMASCHED_RESULTS_H

#include "numasched/host.h"
#include "numasched/sched.h"
#include "numasched/workload.h"

struct ns_vcpu_result {
    unsigned id;
    ns_time_t runstate_ns[NS_RUNSTATES];
    ns_time_t local_run_ns, remote_run_ns;   /* run time weighted by memory locality */
    uint64_t migrations[NS_MOVE_KINDS];      /* [NS_MOVE_CORE..NODE] used */
    uint64_t wakeups;
    double wake_latency_mean_ns;
    ns_time_t wake_latency_p50_ns, wake_latency_p99_ns, wake_latency_max_ns;
};

struct ns_domain_result {
    unsigned id;
    const char *name;
    const char *workload;
    const char *pool;
    struct ns_metric metric;
    const uint64_t *memory_kb_per_node;      /* [nr_nodes] */
    unsigned nr_vcpus;
    struct ns_vcpu_result *vcpu;
};

struct ns_pcpu_result {
    unsigned id, node, socket, core;
    ns_time_t busy_ns;
};

struct ns_results {
    uint64_t seed;
    ns_time_t duration_ns, warmup_ns;
    const struct ns_topo *topo;
    const char *sched;                       /* Pool-0's scheduler */
    uint64_t events;
    size_t nr_domains;
    struct ns_domain_result *dom;
    struct ns_pcpu_result *pcpu;             /* [topo->nr_pcpus] */
    double *node_bw_gbs;                     /* [nr_nodes] mean DRAM traffic served */
    double trace_hz;                         /* 0 when no xentrace was written */
};

#endif
