/*
 * spec: the scenario as plain data, the one model every part shares. config/
 * fills it from the files, place/ writes what libxl and Xen's allocator
 * decide into it, the engine reads it and never writes it:
 *
 *     cli -> config -> place -> spec <- engine
 *
 * It also holds the rules several parts must apply the same way (a
 * domain's id, its automatic node affinity), so that none re-derives them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_SPEC_H
#define NUMASCHED_SPEC_H

#include "numasched/host.h"
#include "numasched/sched.h"
#include "numasched/topo.h"

struct ns_workload_spec;

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

/* Time between two `xl create`s (docs/model.md). */
#define NS_CREATE_GAP_DEFAULT NS_S

struct ns_domain_spec {
    char *name;
    char *file;                    /* domain file, for messages */
    unsigned nr_vcpus;             /* online at boot (vcpus=) */
    unsigned max_vcpus;            /* maxvcpus=, >= nr_vcpus */
    uint64_t memory_kb;
    bool hvm;                      /* type = "hvm" or "pvh" (else pv) */
    bool pvh;                      /* type = "pvh": hvm built without a device model */
    unsigned weight, cap;
    struct ns_rtds_params rtds;    /* rtds_period_us, rtds_budget_us, rtds_extratime */
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
    ns_time_t warmup;              /* simulated before measuring, after the last domain is up */
    ns_time_t create_gap_ns;       /* domain i is created at i * gap (dom0 first) */
    uint64_t seed;
    bool has_dom0;                 /* dom[0] is Domain-0 */
    bool dom0_striped;             /* dom0_memory = "striped": as a guest's, not Xen's builder */
    struct ns_domain_spec *dom;    /* in creation order, dom0 first */
    size_t nr_dom;
    struct ns_pool_spec *pool;     /* pool[0] is Pool-0 */
    size_t nr_pools;
    bool check;                    /* run the invariant checker */
    double trace_hz;               /* TSC rate of a xentrace output (0: none), for results */
    bool placement_off;            /* placement = "none": libxl never places */
    unsigned placement_version;    /* libxl semantics 402..422; 0: Pool-0's compat */
    unsigned placement_fixes;      /* NS_PLACE_FIX_* bits (numasched/place.h) */
    /* What it was read from: ns_fnv1a over every file config/ read, in order,
     * and the host as loaded, so a sweep can tell an edited file from its
     * earlier runs. */
    uint64_t inputs;
};

void ns_sim_spec_free(struct ns_sim_spec *s);
void ns_domain_spec_free(struct ns_domain_spec *d);

/* The Xen domain id of dom[@idx]: creation order, Domain-0 being 0 when the
 * scenario has one and the first guest 1 either way. */
unsigned ns_spec_domid(const struct ns_sim_spec *s, size_t idx);
/* dom[@idx] is Domain-0, which the hypervisor builds (never libxl). */
bool ns_spec_is_dom0(const struct ns_sim_spec *s, size_t idx);

/* When the last domain of @s is created (dom[i] at i * create_gap_ns), and
 * when a run of @s ends: measuring starts warmup after the first and lasts
 * duration. */
ns_time_t ns_sim_spec_created(const struct ns_sim_spec *s);
ns_time_t ns_sim_spec_end(const struct ns_sim_spec *s);

/* The pool dom[@idx] lives in (its pool name, NULL meaning Pool-0); NULL if
 * the spec names a pool that does not exist. */
const struct ns_pool_spec *ns_spec_pool_of(const struct ns_sim_spec *s, size_t idx);

/*
 * Domain @d's node affinity as Xen's hypervisor of @compat holds it, into
 * @out (nr_nodes bits): the explicit one when set, else derived from its
 * vCPUs' affinities within @pool_cpus (facts 6). Returns true when derived
 * (Xen's d->auto_node_affinity).
 */
bool ns_spec_node_affinity(const struct ns_topo *t, const struct ns_domain_spec *d,
                           const struct ns_mask *pool_cpus, unsigned compat,
                           struct ns_mask *out);

#endif
