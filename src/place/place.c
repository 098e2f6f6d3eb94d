/*
 * Creating the domains of a spec one after another, as `xl create` would:
 * decide whether libxl places the domain (facts 7.1), search (7.2, 7.3),
 * write what the result sets in that version (7.4), then let the hypervisor
 * allocate its memory over its node affinity (7.5). Domain-0 comes first and
 * is built by the hypervisor, never placed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/internal.h"

/* ---- names and versions ----------------------------------------------------- */

struct place_quirk {
    const char *name;
    unsigned bit;
};

static const struct place_quirk quirks[] = {
    {"placement_hard_mask", NS_PLACE_FIX_HARD_MASK},
    {"placement_cmp_overflow", NS_PLACE_FIX_CMP_OVERFLOW},
    {"placement_memkb_u32", NS_PLACE_FIX_MEMKB_U32},
};
static const struct ns_registry quirk_registry = NS_REGISTRY(quirks);

int ns_place_quirk_bit(const char *name)
{
    const struct place_quirk *q = ns_registry_find(&quirk_registry, name);

    return q ? (int)q->bit : -1;
}

const char *const *ns_place_quirk_names(void) { return ns_registry_names(&quirk_registry); }

unsigned ns_place_version(const struct ns_sim_spec *spec)
{
    if (spec->placement_version)
        return spec->placement_version;
    return spec->nr_pools > 0 ? spec->pool[0].params.compat : 422;
}

const char *ns_place_status_text(enum ns_place_status s, unsigned version)
{
    switch (s) {
    case NS_PLACE_PLACED:
        return "placed";
    case NS_PLACE_NO_CANDIDATE:
        return "no candidate: no node set has enough free memory and pCPUs "
               "(libxl leaves the domain on all nodes)";
    case NS_PLACE_OFF:
        return "off: placement = \"none\"";
    case NS_PLACE_DOM0:
        return "not placed: Domain-0 is built by the hypervisor";
    case NS_PLACE_SKIP_CPUS:
        return version >= 412 ? "skipped: cpus= is a per-vCPU list (xl 4.12+ turns placement off)"
                              : "skipped: cpus= is given (xl 4.2-4.11 turns placement off)";
    case NS_PLACE_SKIP_SOFT:
        return "skipped: cpus_soft= is given (xl 4.5+ turns placement off)";
    case NS_PLACE_SKIP_NODE_AFFINITY:
        return "skipped: the domain has a node affinity already (node_affinity=)";
    case NS_PLACE_SKIP_MANY_NODES:
        return "skipped: the host has more than 16 NUMA nodes (libxl gives up)";
    case NS_PLACE_SKIP_ONE_NODE:
        return "skipped: the host has a single NUMA node (libxl 4.5+)";
    }
    return "?";
}

/* ---- does libxl place this domain? (7.1) -------------------------------------------- */

enum { RUN = -1 };

static int why_not(const struct place_ctx *c, size_t idx)
{
    const struct ns_domain_spec *d = &c->spec->dom[idx];

    if (ns_spec_is_dom0(c->spec, idx))
        return NS_PLACE_DOM0;
    if (c->spec->placement_off)
        return NS_PLACE_OFF;
    /* xl's own decision: up to 4.11 any cpus=, from 4.12 only a per-vCPU list. */
    if (d->hard_given && (!since(c, 412) || d->hard_is_list))
        return NS_PLACE_SKIP_CPUS;
    if (d->soft_given)
        return NS_PLACE_SKIP_SOFT;
    if (!ns_mask_empty(&d->node_affinity))
        return NS_PLACE_SKIP_NODE_AFFINITY;
    if (c->t->nr_nodes > NS_PLACE_MAX_NODES)
        return NS_PLACE_SKIP_MANY_NODES;
    if (c->t->nr_nodes <= 1 && since(c, 405))
        return NS_PLACE_SKIP_ONE_NODE;
    return RUN;
}

/*
 * The pCPUs the search may use: the pool's (7.2). From 4.12 a single-string
 * cpus= keeps placement on, and libxl checks that the hard affinity meets
 * the pool. QUIRK (7.1): it then searches the whole pool anyway, so the
 * chosen nodes may lie outside the hard affinity (memory there, vCPUs not).
 * NS_PLACE_FIX_HARD_MASK searches hard & pool, as intended.
 */
static int suitable_cpus(const struct place_ctx *c, const struct ns_domain_spec *d,
                         const struct ns_pool_spec *pool, struct ns_mask *out,
                         struct ns_err *err)
{
    ns_mask_copy(out, &pool->cpus);
    if (!d->hard_given)
        return 0;
    struct ns_mask in_pool;
    ns_mask_init(&in_pool, c->t->nr_pcpus);
    ns_mask_and(&in_pool, &d->hard[0], &pool->cpus);
    bool empty = ns_mask_empty(&in_pool);
    if (!empty && fixed(c, NS_PLACE_FIX_HARD_MASK))
        ns_mask_copy(out, &in_pool);
    ns_mask_free(&in_pool);
    if (empty)
        return ns_err_set(err, d->file, 0, "cpus", "%s: hard affinity completely outside of "
                          "cpupool %s", d->name, pool->name);
    return 0;
}

/* ---- what the result sets (7.4) ------------------------------------------------------ */

/*
 * 4.2 pins every vCPU to the chosen nodes' pCPUs in the pool (the node
 * affinity then follows). 4.3-4.4 set the domain's node affinity. 4.5+ set
 * it too, and every vCPU's soft affinity to all pCPUs of the chosen nodes
 * (not filtered by the pool: the scheduler does that). The nodes are those
 * chosen that have pCPUs in the pool; all nodes means "automatic" to Xen.
 */
static void apply(const struct place_ctx *c, struct ns_domain_spec *d,
                  const struct ns_pool_spec *pool, struct ns_mask *nodes)
{
    const struct ns_topo *t = c->t;
    struct ns_mask pool_nodes, cpus;

    ns_mask_init(&pool_nodes, t->nr_nodes);
    ns_mask_init(&cpus, t->nr_pcpus);
    ns_topo_nodes_of_cpus(t, &pool->cpus, &pool_nodes);
    ns_mask_and(nodes, nodes, &pool_nodes);
    ns_mask_for_each(n, nodes)
        ns_mask_or(&cpus, &cpus, &t->node[n].cpus);

    if (!since(c, 403)) {
        ns_mask_and(&cpus, &cpus, &pool->cpus);
        for (unsigned v = 0; v < d->max_vcpus; v++)
            ns_mask_copy(&d->hard[v], &cpus);
    } else {
        if (!ns_mask_full(nodes))
            ns_mask_copy(&d->node_affinity, nodes);
        for (unsigned v = 0; since(c, 405) && v < d->max_vcpus; v++)
            ns_mask_copy(&d->soft[v], &cpus);
    }
    ns_mask_free(&pool_nodes);
    ns_mask_free(&cpus);
}

static void note(struct ns_domain_spec *d, const char *text)
{
    free(d->placement);
    d->placement = ns_xstrdup(text);
}

/*
 * xl reads cpus_soft from 4.5 on; before, the key is not looked at and the
 * domain keeps the soft affinity it would have without it: every pCPU.
 */
static void drop_unread_soft(const struct place_ctx *c, struct ns_domain_spec *d)
{
    if (!d->soft_given || since(c, 405))
        return;
    for (unsigned v = 0; v < d->max_vcpus; v++)
        ns_mask_fill(&d->soft[v]);
    d->soft_given = false;
}

/* Run placement for domain @idx if libxl would; returns -1 on error. */
static int place_domain(struct place_ctx *c, size_t idx, const struct ns_pool_spec *pool,
                        struct ns_place_domain *rec, bool keep, struct ns_err *err)
{
    struct ns_domain_spec *d = &c->spec->dom[idx];

    drop_unread_soft(c, d);
    int why = why_not(c, idx);

    if (why != RUN) {
        rec->status = (enum ns_place_status)why;
        note(d, ns_place_status_text(rec->status, c->version));
        return 0;
    }

    struct ns_mask suitable, chosen;
    ns_mask_init(&suitable, c->t->nr_pcpus);
    ns_mask_init(&chosen, c->t->nr_nodes);
    int rc = suitable_cpus(c, d, pool, &suitable, err);
    if (rc == 0 && place_search(c, idx, &suitable, rec, keep, &chosen)) {
        rec->status = NS_PLACE_PLACED;
        char *nodes = ns_mask_format(&chosen), text[256];
        snprintf(text, sizeof(text), "placed on node%s %s",
                 ns_mask_weight(&chosen) > 1 ? "s" : "", nodes);
        note(d, text);
        free(nodes);
        apply(c, d, pool, &chosen);
    } else if (rc == 0) {
        rec->status = NS_PLACE_NO_CANDIDATE;
        note(d, ns_place_status_text(rec->status, c->version));
    }
    ns_mask_free(&suitable);
    ns_mask_free(&chosen);
    return rc;
}

/* ---- creating the domains --------------------------------------------------------- */

/*
 * The nodes the allocator stripes over: memory_nodes= when given (numasched
 * only), else the node affinity. Domain-0's memory is allocated at boot,
 * while Pool-0 still holds every pCPU: cpupools come later (xl
 * cpupool-create, cpupool-numa-split) and do not move memory, so an
 * automatic dom0 node affinity is taken over the whole host for it.
 */
static void allocation_nodes(const struct place_ctx *c, size_t idx,
                             const struct ns_place_domain *rec, struct ns_mask *out)
{
    const struct ns_domain_spec *d = &c->spec->dom[idx];
    struct ns_mask all;

    if (d->memory_nodes.nbits == c->t->nr_nodes && !ns_mask_empty(&d->memory_nodes)) {
        ns_mask_copy(out, &d->memory_nodes);
    } else if (ns_spec_is_dom0(c->spec, idx) && rec->auto_node_affinity) {
        ns_mask_init(&all, c->t->nr_pcpus);
        ns_mask_fill(&all);
        ns_spec_node_affinity(c->t, d, &all, c->spec->pool[0].params.compat, out);
        ns_mask_free(&all);
    } else {
        ns_mask_copy(out, &rec->node_affinity);
    }
}

static int create_domain(struct place_ctx *c, size_t idx, struct ns_place_domain *rec,
                         bool keep, struct ns_err *err)
{
    struct ns_domain_spec *d = &c->spec->dom[idx];
    const struct ns_topo *t = c->t;
    const struct ns_pool_spec *pool = ns_spec_pool_of(c->spec, idx);

    if (!pool)
        return ns_err_set(err, d->file, 0, "pool", "no cpupool named \"%s\"", d->pool);
    rec->free_kb = ns_xcalloc(t->nr_nodes, sizeof(*rec->free_kb));
    memcpy(rec->free_kb, c->free_kb, t->nr_nodes * sizeof(*rec->free_kb));
    ns_mask_init(&rec->node_affinity, t->nr_nodes);
    ns_mask_init(&rec->memory_nodes, t->nr_nodes);

    if (place_domain(c, idx, pool, rec, keep, err) < 0)
        return -1;
    rec->auto_node_affinity = ns_spec_node_affinity(t, d, &pool->cpus, pool->params.compat,
                                                    &rec->node_affinity);
    ns_mask_copy(&c->node_aff[idx], &rec->node_affinity);

    allocation_nodes(c, idx, rec, &rec->memory_nodes);
    if (ns_spec_is_dom0(c->spec, idx) && !c->spec->dom0_striped)
        return place_alloc_dom0(c, d, &rec->memory_nodes, err);
    return place_alloc_memory(c, d, &rec->memory_nodes, err);
}

static void record_free(struct ns_place_domain *r)
{
    for (size_t i = 0; i < r->nr_cand; i++)
        ns_mask_free(&r->cand[i].nodes);
    free(r->cand);
    free(r->free_kb);
    ns_mask_free(&r->node_affinity);
    ns_mask_free(&r->memory_nodes);
    memset(r, 0, sizeof(*r));
}

void ns_place_report_free(struct ns_place_report *report)
{
    for (size_t i = 0; report->dom && i < report->nr_dom; i++)
        record_free(&report->dom[i]);
    free(report->dom);
    memset(report, 0, sizeof(*report));
}

int ns_place_spec(struct ns_sim_spec *spec, struct ns_place_report *report, struct ns_err *err)
{
    const struct ns_topo *t = spec->topo;
    struct place_ctx c = {spec, t, ns_place_version(spec), spec->placement_fixes,
                          NULL, NULL};
    int rc = 0;

    c.free_kb = ns_xcalloc(t->nr_nodes, sizeof(*c.free_kb));
    for (unsigned n = 0; n < t->nr_nodes; n++)
        c.free_kb[n] = t->node[n].memory_bytes / 4096 * 4;   /* whole pages */
    c.node_aff = ns_xcalloc(spec->nr_dom, sizeof(*c.node_aff));
    for (size_t i = 0; i < spec->nr_dom; i++)
        ns_mask_init(&c.node_aff[i], t->nr_nodes);
    if (report) {
        report->version = c.version;
        report->nr_dom = spec->nr_dom;
        report->dom = ns_xcalloc(spec->nr_dom, sizeof(*report->dom));
    }

    for (size_t i = 0; i < spec->nr_dom && rc == 0; i++) {
        struct ns_place_domain scratch = {0};
        struct ns_place_domain *rec = report ? &report->dom[i] : &scratch;
        rc = create_domain(&c, i, rec, report != NULL, err);
        if (!report)
            record_free(&scratch);
    }

    for (size_t i = 0; i < spec->nr_dom; i++)
        ns_mask_free(&c.node_aff[i]);
    free(c.node_aff);
    free(c.free_kb);
    return rc;
}
