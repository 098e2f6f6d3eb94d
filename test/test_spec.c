/*
 * spec: the rules about a domain that place/, the engine and the trace
 * writers share (numasched/spec.h), checked against facts section 6 and
 * Xen's domain_update_node_aff by hand.
 *
 * The host: 2 nodes, pCPUs 0-7 on node 0, 8-15 on node 1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "numasched/spec.h"

static struct ns_topo *topo;

static void load_host(void)
{
    struct ns_err err;

    topo = ns_topo_load("pack:2 [numa(memory=6GiB)] core:4 pu:2", NULL, &err);
    cr_assert_not_null(topo, "%s", err.msg);
}

static void free_host(void) { ns_topo_free(topo); }

TestSuite(spec, .init = load_host, .fini = free_host);

/* A pCPU range "lo-hi" into @m (nr_pcpus bits); NULL: none. */
static void cpus(struct ns_mask *m, const char *range)
{
    unsigned lo, hi;

    ns_mask_init(m, topo->nr_pcpus);
    if (!range)
        return;
    cr_assert_eq(sscanf(range, "%u-%u", &lo, &hi), 2);
    for (unsigned c = lo; c <= hi; c++)
        ns_mask_set(m, c);
}

/* A domain with @max vCPUs (only the first online), vCPU i's hard and soft
 * affinities hard[i] and soft[i]. */
static void domain(struct ns_domain_spec *d, unsigned max, const char *const *hard,
                   const char *const *soft)
{
    memset(d, 0, sizeof(*d));
    d->nr_vcpus = 1;
    d->max_vcpus = max;
    d->hard = ns_xcalloc(max, sizeof(*d->hard));
    d->soft = ns_xcalloc(max, sizeof(*d->soft));
    for (unsigned i = 0; i < max; i++) {
        cpus(&d->hard[i], hard[i]);
        cpus(&d->soft[i], soft[i]);
    }
    ns_mask_init(&d->node_affinity, topo->nr_nodes);
}

static void expect_nodes(const struct ns_mask *m, const char *want)
{
    char *got = ns_mask_format(m);

    cr_expect_str_eq(got, want);
    free(got);
}

/* The node affinity of @d in a pool of pCPUs @pool under Xen @compat. */
static bool node_affinity(const struct ns_domain_spec *d, const char *pool, unsigned compat,
                          struct ns_mask *out)
{
    struct ns_mask p;

    cpus(&p, pool);
    ns_mask_init(out, topo->nr_nodes);
    bool automatic = ns_spec_node_affinity(topo, d, &p, compat, out);
    ns_mask_free(&p);
    return automatic;
}

Test(spec, explicit_node_affinity_is_kept)
{
    static const char *const all[] = {"0-15"};
    struct ns_domain_spec d;
    struct ns_mask na;

    domain(&d, 1, all, all);
    ns_mask_set(&d.node_affinity, 1);
    cr_expect_not(node_affinity(&d, "0-15", 422, &na));
    expect_nodes(&na, "1");
    ns_mask_free(&na);
    ns_domain_spec_free(&d);
}

/*
 * Soft affinity exists from 4.5: there the nodes of soft & hard (node 0:
 * soft 0-3 meets hard 0-15), before it the nodes of hard (both). When soft
 * and hard do not meet (soft 8-11, hard 0-7), 4.5+ falls back to hard.
 */
Test(spec, soft_affinity_narrows_from_xen_4_5)
{
    static const char *const all[] = {"0-15"}, *const low[] = {"0-3"};
    static const char *const node0[] = {"0-7"}, *const high[] = {"8-11"};
    struct ns_domain_spec d;
    struct ns_mask na;

    domain(&d, 1, all, low);
    cr_expect(node_affinity(&d, "0-15", 404, &na));
    expect_nodes(&na, "0-1");
    ns_mask_free(&na);
    cr_expect(node_affinity(&d, "0-15", 405, &na));
    expect_nodes(&na, "0");
    ns_mask_free(&na);
    ns_domain_spec_free(&d);

    domain(&d, 1, node0, high);
    cr_expect(node_affinity(&d, "0-15", 422, &na));
    expect_nodes(&na, "0");
    ns_mask_free(&na);
    ns_domain_spec_free(&d);
}

/* Hard affinity counts only within the pool: hard 0-15 in a pool of 8-15
 * is node 1. */
Test(spec, hard_affinity_is_cut_to_the_pool)
{
    static const char *const all[] = {"0-15"};
    struct ns_domain_spec d;
    struct ns_mask na;

    domain(&d, 1, all, all);
    cr_expect(node_affinity(&d, "8-15", 422, &na));
    expect_nodes(&na, "1");
    ns_mask_free(&na);
    ns_domain_spec_free(&d);
}

/*
 * Every vCPU Xen allocated counts, online or not (for_each_sched_unit):
 * vCPU 0 (online) pinned to node 0 and vCPU 1 (offline, maxvcpus = 2) to
 * node 1 give both nodes. The engine's own copy of this rule counted online
 * vCPUs only and would have said node 0.
 */
Test(spec, offline_vcpus_count)
{
    static const char *const hard[] = {"0-7", "8-15"}, *const all[] = {"0-15", "0-15"};
    struct ns_domain_spec d;
    struct ns_mask na;

    domain(&d, 2, hard, all);
    cr_expect(node_affinity(&d, "0-15", 422, &na));
    expect_nodes(&na, "0-1");
    ns_mask_free(&na);
    ns_domain_spec_free(&d);
}

/* Domain ids follow creation order; Domain-0 is 0, the first guest 1. */
Test(spec, domain_ids)
{
    struct ns_sim_spec s = {.has_dom0 = true, .nr_dom = 3};

    cr_expect_eq(ns_spec_domid(&s, 0), 0);
    cr_expect_eq(ns_spec_domid(&s, 2), 2);
    cr_expect(ns_spec_is_dom0(&s, 0));
    cr_expect_not(ns_spec_is_dom0(&s, 1));
    s.has_dom0 = false;
    cr_expect_eq(ns_spec_domid(&s, 0), 1);
    cr_expect_eq(ns_spec_domid(&s, 2), 3);
    cr_expect_not(ns_spec_is_dom0(&s, 0));
}

Test(spec, pool_of_a_domain)
{
    struct ns_pool_spec pools[2] = {{.name = "Pool-0"}, {.name = "batch"}};
    struct ns_domain_spec doms[3] = {{.pool = NULL}, {.pool = "batch"}, {.pool = "nope"}};
    struct ns_sim_spec s = {.dom = doms, .nr_dom = 3, .pool = pools, .nr_pools = 2};

    cr_expect_eq(ns_spec_pool_of(&s, 0), &pools[0]);
    cr_expect_eq(ns_spec_pool_of(&s, 1), &pools[1]);
    cr_expect_null(ns_spec_pool_of(&s, 2));
}
