/*
 * Where Domain-0's memory lands: Xen builds dom0 itself, not through libxc,
 * and its builder allocates very differently from a guest's.
 *
 * construct_dom0 (xen/arch/x86/domain_build.c, RELEASE-4.3.0) first takes
 * one block for the kernel image and its boot structures, then fills the
 * rest with alloc_chunk(): each call asks for the largest power-of-two block
 * that fits in what is still missing (never larger than the previous one,
 * nor than the heap's largest, MAX_ORDER = 2 * PAGETABLE_ORDER on x86:
 * 2^18 pages, 1 GiB), halving on failure. Every call goes through alloc_heap_pages(), which with
 * no node requested starts at the node after the domain's last one
 * (d->last_alloc_node, zero at creation; page_alloc.c). So the blocks
 * alternate between nodes, largest first: for a 2 GiB dom0 on two nodes,
 * the kernel's block on node 1, 1 GiB on node 0, 512 MiB on node 1, 256 MiB
 * on node 0, ... about two thirds on node 0 and one third on node 1, not
 * the half and half a guest's page-by-page striping gives. What is left
 * free on each node decides where libxl can place the guests after it.
 *
 * A block no node of the mask can hold goes to the next node that can, as
 * alloc_heap_pages() falls back across nodes; if none can, it is halved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "place/internal.h"

/*
 * The kernel image, initial page tables, start info and p2m of a 2013 dom0
 * kernel: tens of MiB [I]. Its size only matters because it takes the first
 * turn of the node cycle and makes the rest not a power of two.
 */
#define DOM0_KERNEL_KB (16ULL * 1024)
#define KB_4K 4ULL
#define KB_MAX_ORDER (1024ULL * 1024)   /* 2^18 pages of 4 KiB */

static uint64_t largest_pow2_at_most(uint64_t kb)
{
    uint64_t p = KB_4K;

    while (p <= kb / 2)
        p *= 2;
    return p;
}

/* The node after @last in the mask that can take @kb, or NS_MASK_NONE. */
static size_t next_node_with_room(const struct place_ctx *c, const struct ns_mask *mask,
                                  size_t last, uint64_t kb)
{
    size_t n = last;

    for (size_t i = 0; i < c->t->nr_nodes; i++) {
        n = ns_mask_cycle(mask, n);
        if (n != NS_MASK_NONE && c->free_kb[n] >= kb)
            return n;
    }
    for (n = 0; n < c->t->nr_nodes; n++)
        if (c->free_kb[n] >= kb)
            return n;
    return NS_MASK_NONE;
}

int place_alloc_dom0(struct place_ctx *c, struct ns_domain_spec *d, const struct ns_mask *nodes,
                     struct ns_err *err)
{
    uint64_t *got = ns_xcalloc(c->t->nr_nodes, sizeof(*got));
    uint64_t left = (d->memory_kb + KB_4K - 1) / KB_4K * KB_4K;
    uint64_t block = left < DOM0_KERNEL_KB ? left : DOM0_KERNEL_KB;
    uint64_t cap = KB_MAX_ORDER;      /* alloc_chunk's last_order: blocks never grow */
    bool kernel = true;
    size_t last = 0;

    while (left > 0) {
        size_t n = next_node_with_room(c, nodes, last, block);
        if (n == NS_MASK_NONE) {
            if (block == KB_4K)
                break;
            block /= 2;
            continue;
        }
        c->free_kb[n] -= block;
        got[n] += block;
        left -= block;
        last = n;
        if (!kernel)
            cap = block;
        kernel = false;
        block = left ? largest_pow2_at_most(left) : 0;
        block = block < cap ? block : cap;
    }
    if (left > 0) {
        for (unsigned n = 0; n < c->t->nr_nodes; n++)
            c->free_kb[n] += got[n];
        free(got);
        return ns_err_set(err, d->file, 0, "memory", "Domain-0 does not fit: Xen cannot "
                          "allocate its %llu MiB", (unsigned long long)(d->memory_kb / 1024));
    }
    free(d->memory_kb_per_node);
    d->memory_kb_per_node = got;
    return 0;
}
