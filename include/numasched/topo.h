/*
 * topo: the host as the hypervisor sees it, loaded through hwloc.
 *
 * pCPU ids are hwloc's logical PU indexes (0..nr_pcpus-1, in topology order:
 * the threads of a core are consecutive, the cores of a socket too), node ids
 * are logical NUMA node indexes, which is how Xen numbers CPUs and nodes on
 * the usual x86 firmware. Each object also keeps its OS index for display.
 *
 * Socket = all threads of one package (Xen's cpu_core_mask), core = the SMT
 * threads of one core (Xen's cpu_sibling_mask).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_TOPO_H
#define NUMASCHED_TOPO_H

#include "numasched/util.h"

struct ns_topo_pcpu {
    unsigned os_index;
    unsigned core;        /* index into cores[] */
    unsigned socket;      /* index into sockets[] */
    unsigned node;        /* index into nodes[] */
};

struct ns_topo_group {    /* a core, a socket or a node */
    unsigned os_index;
    struct ns_mask cpus;
};

struct ns_topo_node {
    unsigned os_index;
    struct ns_mask cpus;  /* may be empty: a memory-only node */
    uint64_t memory_bytes;
};

enum ns_distance_source {
    NS_DIST_FIRMWARE,     /* from the XML / live machine (ACPI SLIT) */
    NS_DIST_SCENARIO,     /* from the scenario's `distances` key */
    NS_DIST_DEFAULT,      /* 10 local / 20 remote, as Xen assumes without a SLIT */
    NS_DIST_IGNORED,      /* the same, because the firmware's SLIT is invalid (Xen ignores it) */
};

struct ns_topo {
    char *source;                 /* the spec it was loaded from */
    unsigned nr_pcpus, nr_cores, nr_sockets, nr_nodes;
    struct ns_topo_pcpu *pcpu;    /* [nr_pcpus] */
    struct ns_topo_group *core;   /* [nr_cores] */
    struct ns_topo_group *socket; /* [nr_sockets] */
    struct ns_topo_node *node;    /* [nr_nodes] */
    unsigned *distance;           /* [nr_nodes * nr_nodes], row-major */
    enum ns_distance_source distance_source;
};

/*
 * Limits. Xen itself runs on at most 4,095 pCPUs (x86 NR_CPUS) and 64 NUMA
 * nodes (NR_NUMA_NODES); numasched accepts hosts up to 4,096 pCPUs and 64
 * nodes and refuses bigger ones with one line. An XML topology may be up to
 * 64 MiB (a full export of a 4,096-PU host with its PCI tree is a few MiB),
 * and hwloc gets NS_TOPO_LOAD_TIMEOUT_S to load it (src/topo/guard.c).
 */
#define NS_TOPO_MAX_PCPUS      4096u
#define NS_TOPO_MAX_NODES      64u
#define NS_TOPO_MAX_XML_BYTES  (64u << 20)
/* Memory of one node: 1 PiB, as config/ caps memory sizes; 64 nodes of it
 * sum to 2^56 bytes, so a host's total never wraps a uint64_t. */
#define NS_TOPO_MAX_NODE_MEMORY (1ULL << 50)
#define NS_TOPO_LOAD_TIMEOUT_S 20

/*
 * Load a host from @spec: the word "live" (this machine), a path to an hwloc
 * XML export (relative to @base_dir unless absolute; anything ending in
 * ".xml" or naming an existing file), or otherwise an hwloc synthetic string
 * such as "pack:2 [numa(memory=6GiB)] core:4 pu:2". Errors name the spec;
 * callers that know the file and key wrap the message. An XML file or a
 * synthetic string is first loaded by hwloc in a child process, so that a
 * malformed one hwloc crashes or hangs on is refused, not fatal.
 */
struct ns_topo *ns_topo_load(const char *spec, const char *base_dir, struct ns_err *err);
void ns_topo_free(struct ns_topo *t);

/* Replace the distance matrix (n x n, row-major); n must equal nr_nodes,
 * diagonal entries must be the smallest of their row. */
int ns_topo_set_distances(struct ns_topo *t, const unsigned *matrix, unsigned n,
                          struct ns_err *err);
/* Give every node @bytes of memory (scenario `memory_per_node`). */
void ns_topo_set_memory_per_node(struct ns_topo *t, uint64_t bytes);

static inline unsigned ns_topo_distance(const struct ns_topo *t, unsigned a, unsigned b)
{
    return t->distance[(size_t)a * t->nr_nodes + b];
}
static inline unsigned ns_topo_node_of(const struct ns_topo *t, unsigned cpu)
{
    return t->pcpu[cpu].node;
}
static inline const struct ns_mask *ns_topo_siblings(const struct ns_topo *t, unsigned cpu)
{
    return &t->core[t->pcpu[cpu].core].cpus;
}
static inline const struct ns_mask *ns_topo_socket_cpus(const struct ns_topo *t, unsigned cpu)
{
    return &t->socket[t->pcpu[cpu].socket].cpus;
}
uint64_t ns_topo_total_memory(const struct ns_topo *t);
/* The nodes (into @out, nr_nodes bits) that hold at least one pCPU of @cpus. */
void ns_topo_nodes_of_cpus(const struct ns_topo *t, const struct ns_mask *cpus,
                           struct ns_mask *out);

/* `numasched topo`: a human summary with the distance matrix, or JSON with
 * nodes, sockets, cores, pcpus, distances, memory per node and the per-pCPU map. */
void ns_topo_print(const struct ns_topo *t, FILE *out);
void ns_topo_print_json(const struct ns_topo *t, FILE *out);

#endif
