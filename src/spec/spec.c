/*
 * Freeing a simulation spec. Everything in it is owned by it: config/ fills
 * it, place/ may rewrite parts, the engine only reads it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/spec.h"
#include "numasched/workload.h"

void ns_domain_spec_free(struct ns_domain_spec *d)
{
    for (unsigned i = 0; d->hard && i < d->max_vcpus; i++)
        ns_mask_free(&d->hard[i]);
    for (unsigned i = 0; d->soft && i < d->max_vcpus; i++)
        ns_mask_free(&d->soft[i]);
    free(d->hard);
    free(d->soft);
    ns_mask_free(&d->node_affinity);
    free(d->memory_kb_per_node);
    free(d->name);
    free(d->file);
    free(d->pool);
    ns_mask_free(&d->memory_nodes);
    free(d->placement);
    if (d->workload)
        ns_workload_spec_free(d->workload);
    memset(d, 0, sizeof(*d));
}

void ns_sim_spec_free(struct ns_sim_spec *s)
{
    for (size_t i = 0; s->dom && i < s->nr_dom; i++)
        ns_domain_spec_free(&s->dom[i]);
    for (size_t i = 0; s->pool && i < s->nr_pools; i++) {
        free(s->pool[i].name);
        free(s->pool[i].sched);
        ns_mask_free(&s->pool[i].cpus);
    }
    free(s->dom);
    free(s->pool);
    if (s->topo)
        ns_topo_free(s->topo);
    memset(s, 0, sizeof(*s));
}
