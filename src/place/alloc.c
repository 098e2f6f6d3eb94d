/*
 * Where a domain's memory lands: Xen's page allocator as the domain builder
 * drives it (facts 7.5).
 *
 * The builder populates the guest in extents, each one allocation of the
 * page allocator. A PV guest takes 2 MiB extents and a 4 KiB tail from 4.6
 * (libxc's vNUMA-aware populate), 4 KiB pages before. An HVM or PVH guest
 * takes the sizes and the order of libxc's HVM builder, which walks guest
 * addresses from 0 up (populate_hvm below): which node gets each 1 GiB
 * extent depends on how many smaller extents came before it. An extent of
 * a size no node can hold any more is retried in the next smaller size, as
 * libxc falls back from superpages.
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
 * 4 TiB guest in 4.2-4.5). Instead, while the set of mask nodes with room
 * stays the same, the cycle hands every one of them the same number of
 * extents: we give whole rounds at once, as many as the fullest node
 * allows, then the last partial round one extent at a time (fewer than the
 * number of nodes). Each node leaves the set at most once, so a run of
 * extents of one size costs O(nodes^2) whatever the memory.
 *
 * Free memory is counted in whole 4 KiB pages. Overheads (shadow/paging
 * pool, page tables, special, xenstore and console pages, the device
 * model's video RAM) are not taken from the nodes: memory_kb_per_node is
 * the guest's RAM as the builder populates it, which is what the host model
 * needs to know.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "place/internal.h"

#define KB_4K 4ULL
#define KB_2M 2048ULL
#define KB_1G (1024ULL * 1024ULL)

/* Guest-physical addresses, in KiB. */
#define VGA_HOLE_START 640ULL                /* 0xA0000 */
#define VGA_HOLE_END   768ULL                /* 0xC0000 */
#define HVM_MMIO_START (3840ULL * 1024)      /* 0xF0000000: HVM_BELOW_4G_MMIO_START */
#define PVH_MMIO_START (4032ULL * 1024)      /* 0xFC000000: ACPI_INFO_PHYSICAL_ADDRESS */
#define PVH_MMIO_START_410 (4078ULL * 1024)  /* 0xFEE00000: LAPIC_BASE_ADDRESS */
#define GIB_4 (4ULL * KB_1G)

/* libxl's video RAM for an HVM guest's default VGA (libxl_create.c:
 * 8 MiB in 4.2, and for cirrus, the default, with qemu-xen from 4.3). */
#define HVM_VIDEO_KB (8ULL * 1024)
/* The least memory xc_hvm_build accepts for an HVM guest's builder. */
#define HVM_MIN_BUILD_KB KB_2M

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

/*
 * A run of @count extents of @size KiB; what fits on no node is retried as
 * extents of the next smaller size, as libxc retries the same addresses
 * when a superpage allocation fails. Returns the KiB that fit nowhere.
 */
static uint64_t place_run(struct stripe *s, uint64_t size, uint64_t count)
{
    uint64_t missed = place_extents(s, size, count);

    if (missed == 0 || size == KB_4K)
        return missed * size;
    uint64_t smaller = size == KB_1G ? KB_2M : KB_4K;
    return place_run(s, smaller, missed * (size / smaller));
}

/* PV: 2 MiB extents, then the tail in 4 KiB pages (a part page counts as a
 * page); 4 KiB pages only before 4.6. */
static uint64_t populate_pv(const struct place_ctx *c, const struct ns_domain_spec *d,
                            struct stripe *s)
{
    uint64_t big = since(c, 406) ? d->memory_kb / KB_2M : 0;
    uint64_t pages = (d->memory_kb - big * KB_2M + KB_4K - 1) / KB_4K;
    uint64_t missed = place_run(s, KB_2M, big);

    return missed + place_run(s, KB_4K, pages);
}

static uint64_t min_kb(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t align_down(uint64_t kb, uint64_t size) { return kb / size * size; }
static uint64_t align_up(uint64_t kb, uint64_t size) { return (kb + size - 1) / size * size; }

/* The extents of @size for guest addresses [@at, @until), if any; adds what
 * fits nowhere to *missed and returns where the next run starts. */
static uint64_t fill(struct stripe *s, uint64_t at, uint64_t until, uint64_t size,
                     uint64_t *missed)
{
    if (until <= at)
        return at;
    *missed += place_run(s, size, (until - at) / size);
    return until;
}

/*
 * Guest addresses [@from, @to) as libxc's HVM builder walks them: each pass
 * of its loop takes the largest extent that the address's alignment and
 * what is left of the range allow. So: 4 KiB pages up to a 2 MiB boundary,
 * 2 MiB extents up to a 1 GiB boundary, 1 GiB extents while a whole one is
 * left, then 2 MiB extents and 4 KiB pages for the tail. The third run only
 * starts on a 1 GiB boundary: the second stops short of one only when less
 * than 1 GiB is left.
 */
static uint64_t populate_range(struct stripe *s, uint64_t from, uint64_t to)
{
    uint64_t missed = 0, at = from;

    at = fill(s, at, min_kb(align_up(at, KB_2M), to), KB_4K, &missed);
    at = fill(s, at, min_kb(align_up(at, KB_1G), align_down(to, KB_2M)), KB_2M, &missed);
    at = fill(s, at, align_down(to, KB_1G), KB_1G, &missed);
    at = fill(s, at, align_down(to, KB_2M), KB_2M, &missed);
    fill(s, at, to, KB_4K, &missed);
    return missed;
}

/*
 * Where the MMIO hole below 4 GiB starts. HVM: libxl's default hole of
 * 256 MiB (HVM_BELOW_4G_MMIO_LENGTH; the mmio_hole key, 4.5+, is not read).
 * PVH has no device model, and libxl starts its hole at the local APIC in
 * 4.10, at the ACPI tables below it from 4.11 (libxl_dom.c libxl__build_hvm;
 * type = "pvh" is 4.10's, older versions get its layout).
 */
static uint64_t mmio_start(const struct place_ctx *c, const struct ns_domain_spec *d)
{
    if (!d->pvh)
        return HVM_MMIO_START;
    return since(c, 411) ? PVH_MMIO_START : PVH_MMIO_START_410;
}

/*
 * Populate-on-demand (maxmem above memory): libxc only marks the guest's
 * addresses, and Xen fills its PoD cache at once with @kb, in 2 MiB
 * extents while 2 MiB are left, then 4 KiB pages (p2m-pod.c
 * p2m_pod_set_cache_target, the same 4.3 to 4.22). The guest takes its
 * pages from the cache, so it never has a 1 GiB extent.
 */
static uint64_t populate_pod_cache(struct stripe *s, uint64_t kb)
{
    uint64_t missed = place_run(s, KB_2M, kb / KB_2M);

    return missed + place_run(s, KB_4K, kb % KB_2M / KB_4K);
}

/*
 * An HVM or PVH guest, as libxl and libxc build it, alike from 4.2 to 4.22
 * (RELEASE-4.3.0 tools/libxc/xc_hvm_build_x86.c setup_guest, up to 4.6;
 * xc_dom_x86.c meminit_hvm from 4.7, tools/libs/guest/ from 4.15).
 * libxl gives the builder memory less the video RAM, which the device
 * model allocates afterwards (PVH has none); the PoD cache takes that less
 * the VGA hole too (xc_domain_set_pod_target). Without PoD, libxc walks
 * guest addresses from 0 up: with a device model, the 160 pages below the
 * VGA hole (0xA0000-0xC0000, never populated); then up to the MMIO hole;
 * then what did not fit below the hole, moved to 4 GiB. (Up to 4.5 one
 * walk over an array whose pages above the hole are moved by its size,
 * which gives the same extents.) 480 pages and 511 extents of 2 MiB, an
 * odd number, come before an HVM guest's first 1 GiB extent, so on two
 * nodes that goes to node 0, where the first page went to node 1.
 */
static uint64_t populate_hvm(const struct place_ctx *c, const struct ns_domain_spec *d,
                             struct stripe *s)
{
    uint64_t video = d->pvh ? 0 : HVM_VIDEO_KB;
    uint64_t vga_hole = d->pvh ? 0 : VGA_HOLE_END - VGA_HOLE_START;

    if (d->max_memory_kb > d->memory_kb)
        return populate_pod_cache(s, align_down(d->memory_kb - video - vga_hole, KB_4K));

    /* Without PoD maxmem is memory. */
    uint64_t ram = align_down(d->memory_kb - video, KB_4K), below = mmio_start(c, d);
    uint64_t from = 0, missed = 0;
    if (!d->pvh) {
        missed += place_run(s, KB_4K, VGA_HOLE_START / KB_4K);
        from = VGA_HOLE_END;
    }
    missed += populate_range(s, from, min_kb(ram, below));
    if (ram > below)
        missed += populate_range(s, GIB_4, GIB_4 + ram - below);
    return missed;
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

/* xc_hvm_build refuses an HVM guest whose builder would get less than
 * 2 MiB (xc_hvm_build_x86.c, 4.2-4.6); we keep the rule for later versions,
 * whose builder has no check of its own. */
static int too_small_for_hvm(const struct ns_domain_spec *d, struct ns_err *err)
{
    return ns_err_set(err, d->file, 0, "memory",
                      "%s: an HVM guest needs at least %llu MiB: libxl keeps its %llu MiB of "
                      "video RAM from the domain builder, which needs 2 MiB", d->name,
                      (unsigned long long)((HVM_VIDEO_KB + HVM_MIN_BUILD_KB) / 1024),
                      (unsigned long long)(HVM_VIDEO_KB / 1024));
}

int place_alloc_memory(struct place_ctx *c, struct ns_domain_spec *d,
                       const struct ns_mask *nodes, struct ns_err *err)
{
    const struct ns_topo *t = c->t;

    if (d->hvm && !d->pvh && d->memory_kb < HVM_VIDEO_KB + HVM_MIN_BUILD_KB)
        return too_small_for_hvm(d, err);

    uint64_t *got = ns_xcalloc(t->nr_nodes, sizeof(*got));
    uint64_t *saved = ns_xcalloc(t->nr_nodes, sizeof(*saved));
    uint64_t free_before = total_free(c);
    struct stripe s = {t, c->free_kb, got, nodes, {0, NULL}, 0};

    for (unsigned n = 0; n < t->nr_nodes; n++)
        saved[n] = c->free_kb[n];
    ns_mask_init(&s.room, t->nr_nodes);
    uint64_t missed = d->hvm ? populate_hvm(c, d, &s) : populate_pv(c, d, &s);
    ns_mask_free(&s.room);

    if (missed > 0) {
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
