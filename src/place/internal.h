/*
 * place internals, shared by the files of src/place/ only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_PLACE_INTERNAL_H
#define NUMASCHED_PLACE_INTERNAL_H

#include "numasched/place.h"

/* The host while domains are created one after another. */
struct place_ctx {
    struct ns_sim_spec *spec;
    const struct ns_topo *t;
    unsigned version;             /* libxl/libxc semantics, 402..422 */
    unsigned fixes;               /* NS_PLACE_FIX_* */
    uint64_t *free_kb;            /* [nr_nodes] what the allocator has left */
    struct ns_mask *node_aff;     /* [nr_dom] effective node affinity of created domains */
};

/* Version predicates, named at the point where behaviour differs. */
static inline bool since(const struct place_ctx *c, unsigned v) { return c->version >= v; }
static inline bool fixed(const struct place_ctx *c, unsigned bit) { return (c->fixes & bit) != 0; }

/* candidate.c: the memory need (7.2) and the candidate search (7.2, 7.3). */
uint64_t place_memory_need(const struct place_ctx *c, const struct ns_domain_spec *d,
                           uint64_t *paging_kb, uint64_t *extra_kb);
/*
 * Search the best node set for domain @idx among the pCPUs @suitable.
 * Fills @rec (candidates only when @keep) and, when one is found, @chosen
 * (nr_nodes bits). Returns true when a candidate was found.
 */
bool place_search(const struct place_ctx *c, size_t idx, const struct ns_mask *suitable,
                  struct ns_place_domain *rec, bool keep, struct ns_mask *chosen);

/* alloc.c: Xen's page allocator (7.5). Fills d->memory_kb_per_node. */
/* dom0.c: Domain-0's memory, as Xen's own dom0 builder allocates it. */
int place_alloc_dom0(struct place_ctx *c, struct ns_domain_spec *d, const struct ns_mask *nodes,
                     struct ns_err *err);
int place_alloc_memory(struct place_ctx *c, struct ns_domain_spec *d,
                       const struct ns_mask *nodes, struct ns_err *err);

#endif
