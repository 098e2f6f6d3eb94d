/*
 * Where a domain's memory lands: Xen's page allocator as the domain builder
 * drives it (facts 7.5).
 *
 * The builder populates the guest in extents, largest first: an HVM/PVH
 * guest in 1 GiB, then 2 MiB, then 4 KiB extents as alignment permits (we
 * fill from guest address 0 up, ignoring the few special pages and holes of
 * a real HVM layout); a PV guest in 2 MiB extents and a 4 KiB tail from 4.6
 * (libxc's vNUMA-aware populate), in 4 KiB pages before. An extent of a size no node can hold any more is
 * retried in the next smaller size, as libxc falls back from superpages.
 *
 * Each extent is taken from the node after the domain's previous one,
 * cycling over the allocation mask (the node affinity, or memory_nodes):
 * the domain's "last node" starts at 0, so the first extent goes to the
 * first mask node after node 0. A mask node without room is passed over;
 * when no mask node has room the extent goes to the lowest-numbered node
 * outside the mask that has some; when none has, the allocation fails. So
 * a two-node mask stripes extent by extent (a, b, a, b, ...) and a one-node
 * mask fills its node, then spills.
 *
 * Walking extent by extent would cost memory / 4 KiB steps (a billion for a
 * 4 TiB guest in 4.2-4.6). Instead, while the set of mask nodes with room
 * stays the same, the cycle hands every one of them the same number of
 * extents: we give whole rounds at once, as many as the fullest node
 * allows, then the last partial round one extent at a time (fewer than the
 * number of nodes). Each node leaves the set at most once, so a size class
 * costs O(nodes^2) whatever the memory.
 *
 * Free memory is counted in whole 4 KiB pages. Overheads (shadow/paging
 * pool, page tables, xenstore and console pages) are not taken from the
 * nodes: memory_kb_per_node is the guest's RAM, which is what the host model
 * needs to know.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "place/internal.h"

#define KB_4K 4ULL
#define KB_2M 2048ULL
#define KB_1G (1024ULL * 1024ULL)

struct stripe {
    const struct ns_topo *t;
    uint64_t *free_kb;          /* the host's, [nr_nodes] */
    uint64_t *got_kb;           /* the domain's, [nr_nodes] */
    const struct ns_mask *mask; /* where extents should go */
    struct ns_mask room;        /* scratch: mask nodes that can take one more */
    size_t last;                /* the node of the previous extent */
};

static void take(struct stripe *s, size_t node, uint64_t kb)
{
    s->free_kb[node] -= kb;
    s->got_kb[node] += kb;
}

/* Mask nodes with room for an extent of @size; returns how many, and in
 * *fewest the fewest extents any of them can still take. */
static size_t nodes_with_room(struct stripe *s, uint64_t size, uint64_t *fewest)
{
    size_t k = 0;

    *fewest = UINT64_MAX;
    ns_mask_zero(&s->room);
    ns_mask_for_each(n, s->mask) {
        uint64_t fit = s->free_kb[n] / size;
        if (fit == 0)
            continue;
        ns_mask_set(&s->room, n);
        if (fit < *fewest)
            *fewest = fit;
        k++;
    }
    return k;
}

/* The member of @m just before @bit in cycle order (wrapping). */
static size_t cycle_prev(const struct ns_mask *m, size_t bit)
{
    size_t prev = NS_MASK_NONE, max = NS_MASK_NONE;

    ns_mask_for_each(n, m) {
        if (n < bit)
            prev = n;
        max = n;
    }
    return prev != NS_MASK_NONE ? prev : max;
}

/* No mask node has room: the lowest-numbered other nodes, in turn. */
static uint64_t spill(struct stripe *s, uint64_t size, uint64_t count)
{
    for (size_t n = 0; n < s->t->nr_nodes && count > 0; n++) {
        uint64_t fit = s->free_kb[n] / size;
        if (ns_mask_test(s->mask, n) || fit == 0)
            continue;
        if (fit > count)
            fit = count;
        take(s, n, fit * size);
        count -= fit;
        s->last = n;
    }
    return count;
}

/* Allocate @count extents of @size KiB; returns how many fit nowhere. */
static uint64_t place_extents(struct stripe *s, uint64_t size, uint64_t count)
{
    while (count > 0) {
        uint64_t fewest;
        size_t k = nodes_with_room(s, size, &fewest);
        if (k == 0)
            return spill(s, size, count);

        uint64_t rounds = count / k < fewest ? count / k : fewest;
        if (rounds > 0) {
            /* A whole round starts after `last` and ends just before that start. */
            size_t start = ns_mask_cycle(&s->room, s->last);
            ns_mask_for_each(n, &s->room)
                take(s, n, rounds * size);
            count -= rounds * k;
            s->last = cycle_prev(&s->room, start);
            continue;
        }
        /* Fewer extents left than nodes with room: one each, in cycle order. */
        for (; count > 0; count--) {
            size_t n = ns_mask_cycle(&s->room, s->last);
            take(s, n, size);
            s->last = n;
        }
    }
    return 0;
}

/* Extent sizes, largest first, ending with 4 KiB pages. */
static size_t extent_sizes(const struct place_ctx *c, const struct ns_domain_spec *d,
                           uint64_t *sizes)
{
    size_t n = 0;

    if (d->hvm)
        sizes[n++] = KB_1G;
    if (d->hvm || since(c, 406))
        sizes[n++] = KB_2M;
    sizes[n++] = KB_4K;
    return n;
}

static uint64_t total_free(const struct place_ctx *c)
{
    uint64_t kb = 0;

    for (unsigned n = 0; n < c->t->nr_nodes; n++)
        kb += c->free_kb[n];
    return kb;
}

static int out_of_memory(const struct ns_domain_spec *d, uint64_t free_before,
                         struct ns_err *err)
{
    return ns_err_set(err, d->file, 0, "memory",
                      "%s does not fit: Xen cannot allocate its %llu MiB, the host has "
                      "%llu MiB free", d->name, (unsigned long long)(d->memory_kb / 1024),
                      (unsigned long long)(free_before / 1024));
}

int place_alloc_memory(struct place_ctx *c, struct ns_domain_spec *d,
                       const struct ns_mask *nodes, struct ns_err *err)
{
    const struct ns_topo *t = c->t;
    uint64_t sizes[3], *got = ns_xcalloc(t->nr_nodes, sizeof(*got));
    uint64_t *saved = ns_xcalloc(t->nr_nodes, sizeof(*saved));
    uint64_t left = d->memory_kb, free_before = total_free(c);
    size_t nr_sizes = extent_sizes(c, d, sizes);
    struct stripe s = {t, c->free_kb, got, nodes, {0, NULL}, 0};

    for (unsigned n = 0; n < t->nr_nodes; n++)
        saved[n] = c->free_kb[n];
    ns_mask_init(&s.room, t->nr_nodes);
    for (size_t i = 0; i < nr_sizes && left > 0; i++) {
        /* The last size takes the tail too (a part page counts as a page). */
        uint64_t count = i + 1 < nr_sizes ? left / sizes[i] : (left + sizes[i] - 1) / sizes[i];
        uint64_t missed = place_extents(&s, sizes[i], count);
        uint64_t placed = (count - missed) * sizes[i];
        left = placed >= left ? 0 : left - placed;
    }
    ns_mask_free(&s.room);

    if (left > 0) {
        for (unsigned n = 0; n < t->nr_nodes; n++)
            c->free_kb[n] = saved[n];        /* a failed build gives its memory back */
        free(got);
        free(saved);
        return out_of_memory(d, free_before, err);
    }
    free(saved);
    free(d->memory_kb_per_node);
    d->memory_kb_per_node = got;
    return 0;
}
