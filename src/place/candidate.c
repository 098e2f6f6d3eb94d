/*
 * libxl's automatic NUMA placement: the memory a new domain needs, the node
 * sets that could hold it, and the choice among them (facts 7.2 and 7.3).
 *
 * The search enumerates node subsets by size, smallest first, and within a
 * size in lexicographic order of the suitable nodes' positions; it stops at
 * the first size that produced a candidate. libxl skips hosts with more than
 * 16 nodes (NS_PLACE_MAX_NODES, checked by the caller), so at most 2^16 - 1
 * subsets are looked at, each in O(k) from per-node sums computed once (4.2:
 * O(number of distinct vCPU node sets)): well under a millisecond even for a
 * domain that needs all 16 nodes. Subsets are held as bits over the
 * positions of the suitable nodes, which the 16-node bound makes fit a word.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "place/internal.h"

/* ---- the memory need (7.2) -------------------------------------------------- */

/*
 * Shadow/paging memory when shadow_memory= is not given. 4.3's xl always set
 * 4 x (256 x max_vcpus + 2 x maxmem_MiB) KiB. From 4.17 libxl defaults it to
 * 4 x (256 x max_vcpus + k x maxmem_MiB), k = (not PV) + (no HAP): one page
 * per MiB for the p2m of a translated guest, one more to shadow a guest
 * without HAP. A PV guest has no HAP (k = 1); we take HAP as available for
 * every HVM/PVH guest, as libxl's default hap=1 does (k = 1). The facts give
 * 4.3 and 4.22; 4.17 is when libxl__get_required_paging_memory replaced the
 * old formula (2022).
 */
static uint64_t paging_default_kb(const struct place_ctx *c, const struct ns_domain_spec *d)
{
    uint64_t maxmem_kb = d->max_memory_kb ? d->max_memory_kb : d->memory_kb;
    uint64_t maxmem_mib = maxmem_kb / 1024, per_mib = 2;

    if (since(c, 417)) {
        bool hap = d->hvm;
        per_mib = (uint64_t)d->hvm + !hap;
    }
    return 4 * (256 * (uint64_t)d->max_vcpus + per_mib * maxmem_mib);
}

/*
 * need = memory= + shadow/paging + 1 MiB (PV) or 2 MiB (HVM/PVH), rounded up
 * to 2 MiB. IOMMU page tables (only with passed-through devices) and stub
 * domains are not modelled: both are zero for the guests numasched runs.
 */
uint64_t place_memory_need(const struct place_ctx *c, const struct ns_domain_spec *d,
                           uint64_t *paging_kb, uint64_t *extra_kb)
{
    uint64_t paging = d->shadow_given ? d->shadow_kb : paging_default_kb(c, d);
    uint64_t extra = d->hvm ? 2048 : 1024;
    uint64_t need = d->memory_kb + paging + extra;

    if (need % 2048)
        need += 2048 - need % 2048;
    *paging_kb = paging;
    *extra_kb = extra;
    return need;
}

/* ---- what the search works on ------------------------------------------------- */

struct cand {
    uint32_t bits;              /* positions in search.node[] */
    unsigned nr_cpus, nr_vcpus;
    uint64_t free_kb;
};

struct search {
    const struct place_ctx *c;
    const struct ns_mask *suitable;
    unsigned m;                 /* suitable nodes */
    unsigned *node;             /* [m] their ids, ascending */
    unsigned *cpus;             /* [m] suitable pCPUs on each */
    uint64_t *free_kb;          /* [m] */
    unsigned *vcpus;            /* [m] vcpus_on_node, 4.3+ */
    uint32_t *sets;             /* 4.2: distinct node sets of vCPU affinities */
    unsigned *set_vcpus;        /* ... and how many vCPUs have each */
    size_t nr_sets;
};

/* Suitable nodes: those with at least one suitable pCPU (7.2). */
static void find_nodes(struct search *s)
{
    const struct ns_topo *t = s->c->t;
    struct ns_mask on;

    ns_mask_init(&on, t->nr_pcpus);
    s->node = ns_xcalloc(t->nr_nodes, sizeof(*s->node));
    s->cpus = ns_xcalloc(t->nr_nodes, sizeof(*s->cpus));
    s->free_kb = ns_xcalloc(t->nr_nodes, sizeof(*s->free_kb));
    s->vcpus = ns_xcalloc(t->nr_nodes, sizeof(*s->vcpus));
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        ns_mask_and(&on, &t->node[n].cpus, s->suitable);
        if (ns_mask_empty(&on))
            continue;
        s->node[s->m] = n;
        s->cpus[s->m] = (unsigned)ns_mask_weight(&on);
        s->free_kb[s->m] = s->c->free_kb[n];
        s->m++;
    }
    ns_mask_free(&on);
}

/*
 * vcpus_on_node, 4.3+ (7.2): every vCPU of every domain that exists, the new
 * one and dom0 included, counts once on each suitable node n such that its
 * hard affinity holds a suitable pCPU of n, n is in its domain's node
 * affinity, and (4.8+) that pCPU is in its own domain's pool. The new
 * domain's vCPUs still have the default affinity ("all") and node affinity
 * (its pool's nodes), so they count on every suitable node.
 */
static void count_vcpus_on_nodes(struct search *s, size_t idx)
{
    const struct place_ctx *c = s->c;
    const struct ns_sim_spec *spec = c->spec;
    struct ns_mask here;

    ns_mask_init(&here, c->t->nr_pcpus);
    for (size_t j = 0; j < idx; j++) {
        const struct ns_domain_spec *d = &spec->dom[j];
        const struct ns_pool_spec *pool = ns_spec_pool_of(spec, j);
        for (unsigned p = 0; p < s->m; p++) {
            if (!ns_mask_test(&c->node_aff[j], s->node[p]))
                continue;
            ns_mask_and(&here, &c->t->node[s->node[p]].cpus, s->suitable);
            if (since(c, 408))
                ns_mask_and(&here, &here, &pool->cpus);
            for (unsigned v = 0; v < d->max_vcpus; v++)
                s->vcpus[p] += ns_mask_intersects(&d->hard[v], &here);
        }
    }
    for (unsigned p = 0; p < s->m; p++)
        s->vcpus[p] += spec->dom[idx].max_vcpus;
    ns_mask_free(&here);
}

/* The positions of the suitable nodes that @cpus touches, as bits. */
static uint32_t position_bits(const struct search *s, const struct ns_mask *cpus)
{
    uint32_t bits = 0;

    for (unsigned p = 0; p < s->m; p++)
        if (ns_mask_intersects(cpus, &s->c->t->node[s->node[p]].cpus))
            bits |= UINT32_C(1) << p;
    return bits;
}

static void add_set(struct search *s, uint32_t bits)
{
    for (size_t i = 0; i < s->nr_sets; i++)
        if (s->sets[i] == bits) {
            s->set_vcpus[i]++;
            return;
        }
    s->sets = ns_xrealloc(s->sets, (s->nr_sets + 1) * sizeof(*s->sets));
    s->set_vcpus = ns_xrealloc(s->set_vcpus, (s->nr_sets + 1) * sizeof(*s->set_vcpus));
    s->sets[s->nr_sets] = bits;
    s->set_vcpus[s->nr_sets++] = 1;
}

/*
 * 4.2 counted per candidate instead: the vCPUs (of every domain, the new one
 * included) whose affinity spans any node of the candidate, once each. Each
 * vCPU is reduced to the set of suitable nodes its affinity touches; equal
 * sets are counted together.
 */
static void collect_vcpu_sets(struct search *s, size_t idx)
{
    const struct ns_sim_spec *spec = s->c->spec;
    uint32_t all = (UINT32_C(1) << s->m) - 1;     /* m <= 16 */

    for (size_t j = 0; j < idx; j++) {
        const struct ns_domain_spec *d = &spec->dom[j];
        for (unsigned v = 0; v < d->max_vcpus; v++) {
            uint32_t bits = position_bits(s, &d->hard[v]);
            if (bits)
                add_set(s, bits);
        }
    }
    for (unsigned v = 0; v < spec->dom[idx].max_vcpus; v++)
        add_set(s, all);
}

static void search_free(struct search *s)
{
    free(s->node);
    free(s->cpus);
    free(s->free_kb);
    free(s->vcpus);
    free(s->sets);
    free(s->set_vcpus);
}

/* ---- candidates ------------------------------------------------------------------ */

static unsigned vcpus_of(const struct search *s, uint32_t bits)
{
    unsigned n = 0;

    if (since(s->c, 403)) {
        for (unsigned p = 0; p < s->m; p++)
            if (bits & (UINT32_C(1) << p))
                n += s->vcpus[p];
        return n;
    }
    for (size_t i = 0; i < s->nr_sets; i++)
        if (s->sets[i] & bits)
            n += s->set_vcpus[i];
    return n;
}

/*
 * QUIRK (7.3): libxl sums a candidate's free memory in a uint32_t of KiB
 * (nodemap_to_free_memkb, 4.2 to 4.22), so nodes with 4 TiB or more free
 * between them can look too small for a guest, and up to 4.7 the guest's
 * need (a uint32_t from libxl_domain_need_memory) wraps the same way.
 * NS_PLACE_FIX_MEMKB_U32 keeps all 64 bits.
 */
static uint64_t libxl_kb(const struct place_ctx *c, uint64_t kb)
{
    return fixed(c, NS_PLACE_FIX_MEMKB_U32) ? kb : (uint32_t)kb;
}

/* The subset at positions @pos[0..k-1], if it has the memory and the pCPUs. */
static bool evaluate(const struct search *s, const unsigned *pos, unsigned k,
                     uint64_t need_kb, unsigned min_cpus, struct cand *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < k; i++) {
        out->bits |= UINT32_C(1) << pos[i];
        out->nr_cpus += s->cpus[pos[i]];
        out->free_kb += s->free_kb[pos[i]];
    }
    out->free_kb = libxl_kb(s->c, out->free_kb);
    if (out->free_kb < need_kb || out->nr_cpus < min_cpus)
        return false;
    out->nr_vcpus = vcpus_of(s, out->bits);
    return true;
}

/*
 * libxl's int conversion of a 64-bit unsigned difference: the low 32 bits
 * read as a two's-complement int (what every compiler Xen is built with
 * does). Written out so that it is defined behaviour here.
 */
static int xen_int(uint64_t v)
{
    uint32_t low = (uint32_t)v;
    return low < UINT32_C(0x80000000) ? (int)low : -(int)(UINT32_MAX - low) - 1;
}

/*
 * The comparison (7.3, the same from 4.2 to 4.22): fewer vCPUs on the nodes
 * is better; at equal vCPUs, more free memory is better. Negative means @a
 * is better than @b.
 *
 * QUIRK (7.3): libxl returns the free-memory difference (KiB, unsigned)
 * as an int, so a difference of 2 TiB or more (2^31 KiB) modulo 4 TiB
 * compares the wrong way round. NS_PLACE_FIX_CMP_OVERFLOW compares the
 * values instead (as libxl_kb left them).
 */
static int compare(const struct place_ctx *c, const struct cand *a, const struct cand *b)
{
    if (a->nr_vcpus != b->nr_vcpus)
        return (int)a->nr_vcpus - (int)b->nr_vcpus;
    if (fixed(c, NS_PLACE_FIX_CMP_OVERFLOW))
        return (a->free_kb < b->free_kb) - (a->free_kb > b->free_kb);
    return xen_int(b->free_kb - a->free_kb);
}

/* The next k-subset in lexicographic order; false after the last. */
static bool next_subset(unsigned *pos, unsigned k, unsigned m)
{
    unsigned i = k;

    while (i > 0 && pos[i - 1] == m - k + i - 1)
        i--;
    if (i == 0)
        return false;
    pos[i - 1]++;
    for (unsigned j = i; j < k; j++)
        pos[j] = pos[j - 1] + 1;
    return true;
}

static void positions_to_nodes(const struct search *s, uint32_t bits, struct ns_mask *out)
{
    ns_mask_zero(out);
    for (unsigned p = 0; p < s->m; p++)
        if (bits & (UINT32_C(1) << p))
            ns_mask_set(out, s->node[p]);
}

static void keep_candidate(const struct search *s, struct ns_place_domain *rec,
                           const struct cand *x)
{
    struct ns_place_candidate *pc;

    rec->cand = ns_xrealloc(rec->cand, (rec->nr_cand + 1) * sizeof(*rec->cand));
    pc = &rec->cand[rec->nr_cand++];
    ns_mask_init(&pc->nodes, s->c->t->nr_nodes);
    positions_to_nodes(s, x->bits, &pc->nodes);
    pc->nr_cpus = x->nr_cpus;
    pc->nr_vcpus = x->nr_vcpus;
    pc->free_kb = x->free_kb;
}

/*
 * min_nodes (7.3 step 1): when every node of the host has as many pCPUs as
 * the others, the fewest nodes whose pCPUs can hold min_cpus; else 1. Never
 * more than the suitable nodes.
 */
static unsigned min_nodes(const struct place_ctx *c, unsigned min_cpus, unsigned m)
{
    const struct ns_topo *t = c->t;
    size_t per_node = ns_mask_weight(&t->node[0].cpus);
    unsigned k = 1;

    for (unsigned n = 1; n < t->nr_nodes; n++)
        if (ns_mask_weight(&t->node[n].cpus) != per_node)
            per_node = 0;
    if (per_node > 0)
        k = (unsigned)((min_cpus + per_node - 1) / per_node);
    if (k > m)
        k = m;
    return k ? k : 1;
}

/* Steps 2-4 of 7.3: sizes from min_nodes up, stop at the first that has a candidate. */
static bool enumerate(const struct search *s, struct ns_place_domain *rec, bool keep,
                      struct cand *best)
{
    unsigned pos[NS_PLACE_MAX_NODES];
    bool found = false;

    for (unsigned k = rec->min_nodes; k <= s->m && !found; k++) {
        for (unsigned i = 0; i < k; i++)
            pos[i] = i;
        do {
            struct cand x;
            rec->subsets++;
            if (!evaluate(s, pos, k, rec->need_kb, rec->min_cpus, &x))
                continue;
            if (keep)
                keep_candidate(s, rec, &x);
            if (!found || compare(s->c, &x, best) < 0) {
                *best = x;
                rec->chosen = rec->nr_cand ? rec->nr_cand - 1 : 0;
            }
            found = true;
        } while (next_subset(pos, k, s->m));
    }
    return found;
}

bool place_search(const struct place_ctx *c, size_t idx, const struct ns_mask *suitable,
                  struct ns_place_domain *rec, bool keep, struct ns_mask *chosen)
{
    const struct ns_domain_spec *d = &c->spec->dom[idx];
    struct search s = {.c = c, .suitable = suitable};
    struct cand best;

    rec->need_kb = place_memory_need(c, d, &rec->paging_kb, &rec->extra_kb);
    if (!since(c, 408))
        rec->need_kb = libxl_kb(c, rec->need_kb);
    rec->min_cpus = d->max_vcpus;
    find_nodes(&s);
    rec->min_nodes = min_nodes(c, rec->min_cpus, s.m);
    if (since(c, 403))
        count_vcpus_on_nodes(&s, idx);
    else
        collect_vcpu_sets(&s, idx);

    /* The caller skips hosts over NS_PLACE_MAX_NODES nodes, as libxl does. */
    bool found = s.m > 0 && s.m <= NS_PLACE_MAX_NODES && enumerate(&s, rec, keep, &best);
    if (found)
        positions_to_nodes(&s, best.bits, chosen);
    search_free(&s);
    return found;
}
