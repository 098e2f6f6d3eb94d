/*
 * Log-linear histograms.
 *
 * A value v >= 16 with highest set bit e falls in bucket 16 * (e - 3) + the
 * four bits below the top one; smaller values have a bucket each. Values
 * beyond 2^63 do not occur (times are capped far below), but are clamped
 * into the last bucket rather than trusted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/util.h"

#define SUB_BITS 4
#define SUB (1u << SUB_BITS)
#define NBUCKETS (SUB * (64 - SUB_BITS + 1))

static unsigned bucket_of(uint64_t v)
{
    if (v < SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    unsigned sub = (unsigned)(v >> (e - SUB_BITS)) & (SUB - 1);
    unsigned b = SUB * (e - SUB_BITS + 1) + sub;
    return b < NBUCKETS ? b : NBUCKETS - 1;
}

/* Smallest value of bucket b, and the width of the bucket. */
static uint64_t bucket_low(unsigned b, uint64_t *width)
{
    if (b < SUB) {
        *width = 1;
        return b;
    }
    unsigned e = b / SUB + SUB_BITS - 1, sub = b % SUB;
    *width = UINT64_C(1) << (e - SUB_BITS);
    return (UINT64_C(1) << e) + (uint64_t)sub * *width;
}

void ns_hist_init(struct ns_hist *h)
{
    memset(h, 0, sizeof(*h));
}

void ns_hist_free(struct ns_hist *h)
{
    free(h->bucket);
    ns_hist_init(h);
}

void ns_hist_reset(struct ns_hist *h)
{
    uint64_t *b = h->bucket;

    if (b)
        memset(b, 0, NBUCKETS * sizeof(*b));
    ns_hist_init(h);
    h->bucket = b;
}

void ns_hist_add(struct ns_hist *h, uint64_t value)
{
    if (!h->bucket)
        h->bucket = ns_xcalloc(NBUCKETS, sizeof(*h->bucket));
    h->bucket[bucket_of(value)]++;
    if (h->count == 0 || value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    h->count++;
    h->sum += (double)value;
}

double ns_hist_mean(const struct ns_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}

uint64_t ns_hist_quantile(const struct ns_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    /* The rank of the wanted sample, 1-based: ceil(q * count), at least 1. */
    double want = q * (double)h->count;
    uint64_t rank = (uint64_t)want + ((double)(uint64_t)want < want);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < NBUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank) {
            uint64_t width, mid = bucket_low(b, &width) + width / 2;
            return mid < h->min ? h->min : mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}
