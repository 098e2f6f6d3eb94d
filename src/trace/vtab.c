/*
 * The (domain, vCPU) -> slot table every sink and reader of the trace part
 * shares. Trace records name a vCPU by two ids, and a sink wants an array
 * index: domain ids are sparse (up to 32,767) and vCPU ids up to 65,535, so
 * a direct table would be mostly empty. Open addressing with linear probing
 * over a power-of-two table kept at most half full costs one or two probes
 * per lookup and memory in proportion to the vCPUs seen; a Fibonacci hash
 * spreads the consecutive keys of one domain's vCPUs over the table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "numasched/trace.h"

struct ns_trace_vtab {
    uint64_t *key;            /* 0 = empty, else (dom << 16 | vcpu) + 1 */
    uint32_t *slot;
    size_t cap, n;
};

struct ns_trace_vtab *ns_trace_vtab_new(void)
{
    return ns_xcalloc(1, sizeof(struct ns_trace_vtab));
}

void ns_trace_vtab_free(struct ns_trace_vtab *t)
{
    if (!t)
        return;
    free(t->key);
    free(t->slot);
    free(t);
}

size_t ns_trace_vtab_count(const struct ns_trace_vtab *t) { return t->n; }

static size_t probe_start(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
}

static void vtab_grow(struct ns_trace_vtab *t)
{
    size_t cap = t->cap ? 2 * t->cap : 64;
    uint64_t *key = ns_xcalloc(cap, sizeof(*key));
    uint32_t *slot = ns_xcalloc(cap, sizeof(*slot));

    for (size_t i = 0; i < t->cap; i++) {
        if (!t->key[i])
            continue;
        size_t j = probe_start(t->key[i], cap);
        while (key[j])
            j = (j + 1) & (cap - 1);
        key[j] = t->key[i];
        slot[j] = t->slot[i];
    }
    free(t->key);
    free(t->slot);
    t->key = key;
    t->slot = slot;
    t->cap = cap;
}

size_t ns_trace_vtab_get(struct ns_trace_vtab *t, unsigned dom, unsigned vcpu, bool *added)
{
    uint64_t key = (((uint64_t)dom << 16) | vcpu) + 1;

    if (2 * (t->n + 1) > t->cap)
        vtab_grow(t);
    size_t j = probe_start(key, t->cap);
    while (t->key[j] && t->key[j] != key)
        j = (j + 1) & (t->cap - 1);
    if (t->key[j]) {
        if (added)
            *added = false;
        return t->slot[j];
    }
    t->key[j] = key;
    t->slot[j] = (uint32_t)t->n;
    if (added)
        *added = true;
    return t->n++;
}
