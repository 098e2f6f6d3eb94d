/*
 * place: what happens to a domain between `xl create` and its first vCPU
 * running. libxl's automatic NUMA placement chooses the nodes of each new
 * domain, and Xen's page allocator puts every extent of its memory on a node.
 * Both act on a loaded spec, before the engine is built:
 *
 *     ns_config_load(path, NULL, &spec, &err);
 *     ns_place_spec(&spec, NULL, &err);         (or with a report to print)
 *     ns_engine_create(&spec, &err);
 *
 * Domains are created in spec order, Domain-0 first, each one seeing the
 * memory and the vCPUs of those before it, as a sequence of `xl create`
 * would. Placement writes what libxl would set (hard affinity in 4.2, the
 * domain's node affinity in 4.3-4.4, node affinity and soft affinity from
 * 4.5) into the domain specs; the allocator fills memory_kb_per_node.
 *
 * Section numbers (7.1 ...) are those of facts/xen-scheduling.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_PLACE_H
#define NUMASCHED_PLACE_H

#include "numasched/spec.h"

/* libxl does not place on hosts with more nodes than this (7.1). */
#define NS_PLACE_MAX_NODES 16

/*
 * Fixes for the placement QUIRKs, one bit each in spec->placement_fixes.
 * Without its bit a quirk is reproduced for the versions that had it.
 */
#define NS_PLACE_FIX_HARD_MASK    (1u << 0)  /* "placement_hard_mask": 7.1, 4.12+ */
#define NS_PLACE_FIX_CMP_OVERFLOW (1u << 1)  /* "placement_cmp_overflow": 7.3 */
#define NS_PLACE_FIX_MEMKB_U32    (1u << 2)  /* "placement_memkb_u32": 7.3 */
/* The bit of a quirk's scenario name, -1 if unknown; all names, NULL-terminated. */
int ns_place_quirk_bit(const char *name);
const char *const *ns_place_quirk_names(void);

/* What placement did for a domain, or why it did not run. */
enum ns_place_status {
    NS_PLACE_PLACED,          /* a candidate was chosen */
    NS_PLACE_NO_CANDIDATE,    /* ran, found no node set with enough memory and pCPUs */
    NS_PLACE_OFF,             /* placement = "none" */
    NS_PLACE_DOM0,            /* Domain-0 is built by the hypervisor */
    NS_PLACE_SKIP_CPUS,       /* cpus= given (4.2-4.11) or given as a list (4.12+) */
    NS_PLACE_SKIP_SOFT,       /* cpus_soft= given (4.5+) */
    NS_PLACE_SKIP_NODE_AFFINITY, /* a node affinity is already set */
    NS_PLACE_SKIP_MANY_NODES, /* more than NS_PLACE_MAX_NODES nodes */
    NS_PLACE_SKIP_ONE_NODE,   /* a single node (4.5+) */
};
/* One line: "placed", "skipped: cpus= is given (xl 4.2-4.11 turns placement off)", ... */
const char *ns_place_status_text(enum ns_place_status s, unsigned version);

/* A node set that has enough free memory and pCPUs for the domain (7.3). */
struct ns_place_candidate {
    struct ns_mask nodes;     /* nr_nodes bits */
    unsigned nr_cpus;         /* suitable pCPUs on those nodes */
    unsigned nr_vcpus;        /* vCPUs already "on" those nodes */
    uint64_t free_kb;         /* free memory of those nodes */
};

/* One domain's story, for `numasched place`. */
struct ns_place_domain {
    enum ns_place_status status;
    uint64_t need_kb;         /* memory need (7.2), when placement ran */
    uint64_t paging_kb;       /* ... of which shadow/paging memory */
    uint64_t extra_kb;        /* ... of which the fixed PV/HVM extra */
    unsigned min_cpus, min_nodes;
    uint64_t subsets;         /* node sets examined */
    struct ns_place_candidate *cand;   /* in the order they were found */
    size_t nr_cand;
    size_t chosen;            /* index into cand when PLACED */
    uint64_t *free_kb;        /* [nr_nodes] free memory before this domain */
    struct ns_mask node_affinity;      /* the node affinity it ended with */
    bool auto_node_affinity;  /* derived from its affinities (not set explicitly) */
    struct ns_mask memory_nodes;       /* the nodes its memory was striped over */
};

struct ns_place_report {
    unsigned version;         /* libxl semantics used, 402..422 */
    size_t nr_dom;
    struct ns_place_domain *dom;       /* [nr_dom], in spec order */
};

/*
 * Create the domains of @spec in order: place every domain that libxl would
 * place, and allocate every domain's memory (memory_kb_per_node). Call it
 * once per spec. @report may be NULL; when given (zeroed by the caller) it
 * is filled and must be freed with ns_place_report_free, even on error.
 * Fails when a domain's memory does not fit in what the host has left, or
 * when the spec names a pool that does not exist.
 */
int ns_place_spec(struct ns_sim_spec *spec, struct ns_place_report *report,
                  struct ns_err *err);
void ns_place_report_free(struct ns_place_report *report);

/* The libxl version @spec's placement follows (placement_version, else Pool-0's compat). */
unsigned ns_place_version(const struct ns_sim_spec *spec);

#endif
