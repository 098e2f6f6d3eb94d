/*
 * Log-linear histograms.
 *
 * A value v >= 16 with highest set bit e falls in bucket 16 * (e - 3) + the
 * four bits below the top one; smaller values have a bucket each. Values
 * beyond 2^63 do not occur (times are capped far below), but are clamped
 * into the last bucket rather than trusted.
 *
 * Sparse first. All 976 buckets are 7.8 KB: `analyze` keeps a histogram
 * per vCPU, and a trace of many vCPUs that wake once each would cost 500
 * times its size. So a histogram starts as a sorted list of the buckets it
 * uses (bucket and count packed in 8 bytes) and becomes the dense array
 * once it uses SPARSE_MAX buckets, by then it holds that many samples.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/util.h"

#define SUB_BITS 4
#define SUB (1u << SUB_BITS)
#define NBUCKETS (SUB * (64 - SUB_BITS + 1))
#define SPARSE_MAX 64
#define COUNT_BITS 48
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)

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
    struct ns_hist kept = *h;

    if (kept.dense)
        memset(kept.bucket, 0, NBUCKETS * sizeof(*kept.bucket));
    ns_hist_init(h);
    h->bucket = kept.bucket;
    h->cap = kept.cap;
    h->dense = kept.dense;
}

static void make_dense(struct ns_hist *h)
{
    uint64_t *d = ns_xcalloc(NBUCKETS, sizeof(*d));

    for (uint32_t i = 0; i < h->used; i++)
        d[h->bucket[i] >> COUNT_BITS] = h->bucket[i] & COUNT_MASK;
    free(h->bucket);
    h->bucket = d;
    h->dense = true;
}

/* Count one in bucket @b of a sparse histogram; false if it must go dense. */
static bool sparse_add(struct ns_hist *h, unsigned b)
{
    uint32_t lo = 0, hi = h->used;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((h->bucket[mid] >> COUNT_BITS) < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < h->used && (h->bucket[lo] >> COUNT_BITS) == b) {
        if ((h->bucket[lo] & COUNT_MASK) == COUNT_MASK)
            return false;
        h->bucket[lo]++;
        return true;
    }
    if (h->used == SPARSE_MAX)
        return false;
    if (h->used == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 2;
        h->bucket = ns_xrealloc(h->bucket, h->cap * sizeof(*h->bucket));
    }
    memmove(h->bucket + lo + 1, h->bucket + lo, (h->used - lo) * sizeof(*h->bucket));
    h->bucket[lo] = (uint64_t)b << COUNT_BITS | 1;
    h->used++;
    return true;
}

void ns_hist_add(struct ns_hist *h, uint64_t value)
{
    unsigned b = bucket_of(value);

    if (!h->dense && !sparse_add(h, b))
        make_dense(h);
    if (h->dense)
        h->bucket[b]++;
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
    unsigned n = h->dense ? NBUCKETS : h->used;
    for (unsigned i = 0; i < n; i++) {
        unsigned b = h->dense ? i : (unsigned)(h->bucket[i] >> COUNT_BITS);
        seen += h->dense ? h->bucket[i] : h->bucket[i] & COUNT_MASK;
        if (seen >= rank) {
            uint64_t width, mid = bucket_low(b, &width) + width / 2;
            return mid < h->min ? h->min : mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}
