/*
 * host/ internals shared by the rate model (host.c) and the one-off costs
 * (costs.c). Nothing outside src/host/ includes this.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_HOST_INTERNAL_H
#define NUMASCHED_HOST_INTERNAL_H

#include "numasched/host.h"

/* Bytes in a cache-size megabyte (cache sizes are binary: 12 MB = 12 MiB). */
#define HOST_CACHE_MB (1024.0 * 1024.0)
/* Bytes in a bandwidth gigabyte (bandwidths are decimal: GB/s = 1e9 B/s). */
#define HOST_BW_GB 1e9
#define HOST_LINE_BYTES 64.0

/*
 * Where a domain's memory lives. Only the nodes holding some of it are
 * listed, so a rate costs O(home nodes), not O(nodes). A domain without
 * memory has no home list and counts as local wherever it runs.
 */
struct host_dom {
    double *phi;             /* [nr_nodes] fraction of its memory per node */
    unsigned *home;          /* nodes with phi > 0 */
    unsigned nr_home;        /* 0: no memory, all local */
    unsigned *busy;          /* [nr_sockets] its busy vCPUs per socket */
    unsigned busy_all;       /* ... on all sockets */
};

struct host_cpu {
    bool busy;
    unsigned dom;
    const struct ns_mem_profile *mp;
    double rate;             /* 0 while idle */
    size_t busy_slot;        /* index in ns_host.busy_list while busy */
};

struct ns_host {
    const struct ns_topo *topo;
    struct ns_host_params p;
    unsigned nr_nodes;

    /* lat[h * n + n'] = latency factor of memory on h read from n' (1 local). */
    double *lat;

    struct host_dom *dom;
    unsigned nr_dom, cap_dom;

    struct host_cpu *cpu;            /* [nr_pcpus] */
    unsigned *busy_list;             /* the busy pCPUs, in no particular order */
    size_t nr_busy;
    unsigned *core_busy;             /* [nr_cores] busy threads per core */
    unsigned *socket_busy;           /* [nr_sockets] busy pCPUs per socket */
    unsigned *socket_active;         /* [nr_sockets] cores with a busy thread */
    /* The threads of each core, flattened: core c owns
     * core_cpus[core_first[c] .. core_first[c + 1]). */
    unsigned *core_cpus, *core_first;

    /* The changed set: each pCPU at most once, deduplicated by the flag. */
    unsigned *changed;
    size_t nr_changed;
    bool *is_changed;

    /*
     * Contention as last sampled by ns_host_refresh. node_c[h] = C(u_h),
     * link_q[h * n + n'] = Q(u) of the link h -> n'. Both are 1 where
     * nothing flowed; the touched lists say which entries to reset at the
     * next sample, so a refresh never walks all node pairs.
     */
    double *node_gbs, *node_c;       /* [nr_nodes] */
    double *link_gbs, *link_q;       /* [nr_nodes * nr_nodes] */
    unsigned *node_touched, *link_touched;
    size_t nr_node_touched, nr_link_touched;
    bool *node_is_touched, *link_is_touched;

    double *traffic_gb;              /* [nr_nodes] served so far */
    ns_time_t last_refresh;
};

/* Memory latency factor of @dom's memory as seen from @node: sum of phi * lat. */
double host_dom_latency(const struct ns_host *h, unsigned dom, unsigned node);

/* sharing.c: stall per nominal ns from lines the domain's threads share */
double host_sharing_stall(const struct ns_host *h, unsigned cpu);

#endif
