/*
 * host: the hardware model. It turns "vCPU of domain D runs on pCPU p while
 * these others run elsewhere" into a progress rate, and charges the one-off
 * costs of switching, waking and migrating. It never sees the scheduler.
 *
 * A running vCPU progresses at
 *
 *     rate = 1 / ((1 - m) * S + m * M)
 *     S    = 1, or 1/s_smt while an SMT sibling is busy
 *     M    = sum over home nodes h of phi(h) * lat(h, node(p)) * C(u_h) * Q(u_link)
 *            * K_llc
 *
 * phi = where the domain's memory lives, lat = 1 locally and R (scaled by the
 * SLIT for farther nodes) remotely, C and Q = queueing inflation of the home
 * memory controller and of the link carrying the remote data, K_llc = pressure
 * on the shared last-level cache. Work is measured in nominal nanoseconds:
 * what a unit takes on an idle host with local memory, warm caches and an idle
 * sibling. Every default and its source is in docs/model.md.
 *
 * Cost per event: occupying or vacating a pCPU only re-rates the pCPU and its
 * SMT siblings. Bandwidth and LLC contention depend on everything running, so
 * they are re-sampled every contention_period (the engine calls
 * ns_host_refresh), which costs O(busy pCPUs) per period, not per event.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_HOST_H
#define NUMASCHED_HOST_H

#include "numasched/topo.h"

struct ns_host_params {
    double remote_ratio;          /* R: remote/local latency at the nearest remote SLIT */
    double local_latency_ns;      /* L_local, for cache-refill costs */
    double node_bw_gbs;           /* sustainable DRAM bandwidth of one node */
    double link_bw_gbs;           /* one direction of an inter-node link */
    double queue_k;               /* C(u) = 1 + k u / (1 - u) */
    double util_cap;              /* u is capped here in C and Q */
    double llc_mb;                /* last-level cache per socket */
    double llc_k_max;             /* K_llc upper clamp */
    double mlp;                   /* memory-level parallelism of a refill */
    ns_time_t switch_ns;          /* direct cost of a vCPU context switch */
    ns_time_t wake_ns;            /* wake-up of a blocked vCPU */
    ns_time_t wake_idle_extra_ns; /* ... when the target pCPU was idle */
    ns_time_t migrate_socket_ns;  /* refill after a move within a socket */
    ns_time_t ipi_ns;             /* latency of a remote "schedule soon" */
    ns_time_t contention_period_ns;
    double hitm_socket_ns;        /* a Modified line from another core of the socket */
    double hitm_remote_ns;        /* ... from another socket */
    /*
     * Turbo: a core runs at base_mhz + turbo_bin_mhz x bins, where bins is
     * turbo_bins[a - 1] for a active cores on its socket (the last entry
     * for more). turbo_bin_mhz = 0 switches turbo off.
     */
    double base_mhz;
    double turbo_bin_mhz;
    const unsigned *turbo_bins;   /* static storage, never freed */
    unsigned nr_turbo_bins;
};

void ns_host_params_default(struct ns_host_params *p);

/* How a workload phase uses memory (from facts/numa-hardware.md section 8). */
struct ns_mem_profile {
    double mem_stall;     /* m: memory-stall fraction at local idle latency */
    double llc_hot_mb;    /* H: LLC-hot set of the whole VM */
    double dram_gbs;      /* DRAM demand of one vCPU running at rate 1 */
    double smt_speed;     /* s_smt: speed of the compute part with a busy sibling */
    double shared_lines_per_us; /* lines also written by the domain's other threads
                                   (src/host/sharing.c) */
};

enum ns_move_kind {
    NS_MOVE_NONE,         /* same pCPU */
    NS_MOVE_CORE,         /* an SMT sibling: caches shared */
    NS_MOVE_SOCKET,       /* another core of the same socket and node */
    NS_MOVE_NODE,         /* another socket or node */
    NS_MOVE_KINDS
};
enum ns_move_kind ns_move_kind(const struct ns_topo *t, unsigned from, unsigned to);

struct ns_host;

struct ns_host *ns_host_create(const struct ns_topo *t, const struct ns_host_params *p);
void ns_host_free(struct ns_host *h);
const struct ns_host_params *ns_host_params(const struct ns_host *h);

/* Register a domain's memory: kb per node (nr_nodes entries). Returns its index.
 * A domain without memory (all zero, or NULL) counts as local wherever it runs. */
unsigned ns_host_add_domain(struct ns_host *h, const uint64_t *memory_kb_per_node);
/* Fraction of the domain's memory on @node (phi). */
double ns_host_local_fraction(const struct ns_host *h, unsigned dom, unsigned node);

/* pCPU @cpu now runs a vCPU of domain @dom with memory profile @mp (kept by pointer). */
void ns_host_occupy(struct ns_host *h, unsigned cpu, unsigned dom, const struct ns_mem_profile *mp);
void ns_host_vacate(struct ns_host *h, unsigned cpu);
/* Current progress rate of what runs on @cpu (nominal ns per ns). */
double ns_host_rate(const struct ns_host *h, unsigned cpu);

/*
 * pCPUs whose rate may have changed since the last call, each once, and only
 * those that run something now. Filled by occupy/vacate (the pCPU and its
 * busy siblings) and by refresh. The engine drains it after each change and
 * re-times the vCPUs there. The array stays valid until the next host call.
 */
size_t ns_host_drain_changed(struct ns_host *h, const unsigned **cpus);

/* Re-sample node, link and LLC contention at @now; accumulates traffic. */
void ns_host_refresh(struct ns_host *h, ns_time_t now);

/* One-off costs, charged as dead time on the pCPU before progress resumes. */
ns_time_t ns_host_switch_cost(const struct ns_host *h);
ns_time_t ns_host_wake_cost(const struct ns_host *h, bool target_was_idle);
ns_time_t ns_host_migration_cost(const struct ns_host *h, unsigned from, unsigned to,
                                 unsigned dom, const struct ns_mem_profile *mp);

/* DRAM traffic served by @node so far, in GB (for per-node bandwidth use). */
double ns_host_node_traffic_gb(const struct ns_host *h, unsigned node);

#endif
