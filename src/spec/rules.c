/*
 * The rules about a domain that more than one part needs: config/ and
 * place/ while creating domains, the engine while building them, the trace
 * writers while naming them. Each is written here once, so that placement,
 * the allocator and the scheduler can never disagree about a domain.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "numasched/spec.h"

/* Xen numbers domains as they are created; Domain-0 is built first. */
unsigned ns_spec_domid(const struct ns_sim_spec *s, size_t idx)
{
    return s->has_dom0 ? (unsigned)idx : (unsigned)idx + 1;
}

bool ns_spec_is_dom0(const struct ns_sim_spec *s, size_t idx)
{
    return ns_spec_domid(s, idx) == 0;
}

/* xl creates the domains one after another, create_gap apart (docs/model.md). */
ns_time_t ns_sim_spec_created(const struct ns_sim_spec *s)
{
    return s->nr_dom ? (ns_time_t)(s->nr_dom - 1) * s->create_gap_ns : 0;
}

ns_time_t ns_sim_spec_end(const struct ns_sim_spec *s)
{
    return ns_sim_spec_created(s) + s->warmup + s->duration;
}

const struct ns_pool_spec *ns_spec_pool_of(const struct ns_sim_spec *s, size_t idx)
{
    const char *name = s->dom[idx].pool;

    if (!name)
        return s->nr_pools ? &s->pool[0] : NULL;
    for (size_t i = 0; i < s->nr_pools; i++)
        if (strcmp(s->pool[i].name, name) == 0)
            return &s->pool[i];
    return NULL;
}

/*
 * Automatic node affinity (facts 6; Xen's domain_update_node_aff). The
 * hypervisor wants the narrowest set of nodes the domain may run on: the
 * union of the hard affinities of all its vCPUs, cut to the pCPUs of its
 * pool. From 4.5, where soft affinity exists, it narrows that further to the
 * union of the soft affinities when the two meet. Every vCPU up to
 * max_vcpus counts: Xen allocates them all when the domain is built, online
 * or not, so a vCPU brought online later cannot widen the set.
 */
static void auto_node_affinity(const struct ns_topo *t, const struct ns_domain_spec *d,
                               const struct ns_mask *pool_cpus, unsigned compat,
                               struct ns_mask *out)
{
    struct ns_mask uh, us;

    ns_mask_init(&uh, t->nr_pcpus);
    ns_mask_init(&us, t->nr_pcpus);
    for (unsigned v = 0; v < d->max_vcpus; v++) {
        ns_mask_or(&uh, &uh, &d->hard[v]);
        ns_mask_or(&us, &us, &d->soft[v]);
    }
    ns_mask_and(&uh, &uh, pool_cpus);
    if (compat >= 405) {
        ns_mask_and(&us, &us, &uh);
        if (!ns_mask_empty(&us))
            ns_mask_copy(&uh, &us);
    }
    ns_topo_nodes_of_cpus(t, &uh, out);
    ns_mask_free(&uh);
    ns_mask_free(&us);
}

bool ns_spec_node_affinity(const struct ns_topo *t, const struct ns_domain_spec *d,
                           const struct ns_mask *pool_cpus, unsigned compat,
                           struct ns_mask *out)
{
    if (!ns_mask_empty(&d->node_affinity)) {
        ns_mask_copy(out, &d->node_affinity);
        return false;
    }
    auto_node_affinity(t, d, pool_cpus, compat, out);
    return true;
}
