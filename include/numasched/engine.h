/*
 * engine: the event loop, the one place where schedulers, workloads and the
 * host model meet. It plays the part of Xen's scheduling core: it owns the
 * virtual clock, per-pCPU "schedule soon" requests, timers, runstates and the
 * wake/sleep/migrate paths, runs workload steps on pCPUs at the rate the host
 * model gives, and calls the scheduler hooks.
 *
 * Input is a struct ns_sim_spec (plain data, built by config/ and later
 * adjusted by place/), output a struct ns_results (plain data, read by
 * report/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_ENGINE_H
#define NUMASCHED_ENGINE_H

#include "numasched/host.h"
#include "numasched/sched.h"
#include "numasched/topo.h"
#include "numasched/trace.h"
#include "numasched/workload.h"

/*
 * Limits of one simulation (docs/robustness.md), refused with one line by
 * config/ and by ns_engine_create. Domain ids must stay below Xen's
 * DOMID_FIRST_RESERVED (0x7ff0), where traces would also meet the idle
 * domain (NS_TRACE_IDLE_DOM); a domain has at most 4,096 vCPUs (a bigger
 * number is a typo: Xen gives an HVM guest 128); all domains together at
 * most 65,536 (the engine's memory grows by about 3 KiB per vCPU: 190 MB
 * at 4,096 pCPUs and 65,536 vCPUs).
 */
#define NS_MAX_DOMAINS      32752u
#define NS_MAX_DOMAIN_VCPUS 4096u
#define NS_MAX_VCPUS        65536u

struct ns_domain_spec {
    char *name;
    char *file;                    /* domain file, for messages */
    unsigned nr_vcpus;             /* online at boot (vcpus=) */
    unsigned max_vcpus;            /* maxvcpus=, >= nr_vcpus */
    uint64_t memory_kb;
    bool hvm;                      /* type = "hvm" (else pv) */
    unsigned weight, cap;
    /* Per-vCPU affinity masks over pCPUs, [max_vcpus] each. */
    struct ns_mask *hard, *soft;
    bool hard_given, soft_given;   /* cpus= / cpus_soft= present */
    bool hard_is_list;             /* cpus= given as a per-vCPU list */
    struct ns_mask node_affinity;  /* nodes; empty = automatic */
    uint64_t *memory_kb_per_node;  /* [nr_nodes]: where its memory lives */
    char *pool;                    /* NULL: Pool-0 */
    struct ns_workload_spec *workload;
    /* Inputs and outcome of place/ (placement and memory allocation). */
    uint64_t max_memory_kb;        /* maxmem= (0: as memory_kb), for the memory need */
    uint64_t shadow_kb;            /* shadow_memory=, when shadow_given */
    bool shadow_given;
    struct ns_mask memory_nodes;   /* memory_nodes=: allocate over these nodes instead
                                      of the node affinity; empty = no override */
    char *placement;               /* what placement did, one line (NULL: not run) */
};

struct ns_pool_spec {
    char *name;
    char *sched;
    struct ns_mask cpus;
    struct ns_sched_params params;
};

struct ns_sim_spec {
    struct ns_topo *topo;          /* owned */
    struct ns_host_params host;
    ns_time_t duration;            /* measured time */
    ns_time_t warmup;              /* simulated before measuring */
    uint64_t seed;
    bool has_dom0;                 /* dom[0] is Domain-0 */
    struct ns_domain_spec *dom;    /* in creation order, dom0 first */
    size_t nr_dom;
    struct ns_pool_spec *pool;     /* pool[0] is Pool-0 */
    size_t nr_pools;
    bool check;                    /* run the invariant checker */
    double trace_hz;               /* TSC rate of a xentrace output (0: none), for results */
    bool placement_off;            /* placement = "none": libxl never places */
    unsigned placement_version;    /* libxl semantics 402..422; 0: Pool-0's compat */
    unsigned placement_fixes;      /* NS_PLACE_FIX_* bits (numasched/place.h) */
};

void ns_sim_spec_free(struct ns_sim_spec *s);
void ns_domain_spec_free(struct ns_domain_spec *d);

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

struct ns_engine;

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
