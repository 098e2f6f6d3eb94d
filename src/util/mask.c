/*
 * Bitmaps of any size for pCPU and node sets.
 *
 * Bits past nbits in the last word are kept clear, so weight, equality and
 * emptiness can work on whole words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/util.h"

#define WORD_BITS 64

static size_t nwords(size_t nbits) { return (nbits + WORD_BITS - 1) / WORD_BITS; }

static uint64_t last_word_mask(size_t nbits)
{
    size_t r = nbits % WORD_BITS;
    return r ? (UINT64_C(1) << r) - 1 : UINT64_MAX;
}

void ns_mask_init(struct ns_mask *m, size_t nbits)
{
    m->nbits = nbits;
    m->w = ns_xcalloc(nwords(nbits), sizeof(uint64_t));
}

void ns_mask_free(struct ns_mask *m)
{
    free(m->w);
    m->w = NULL;
    m->nbits = 0;
}

void ns_mask_copy(struct ns_mask *dst, const struct ns_mask *src)
{
    if (dst->nbits != src->nbits) {
        ns_mask_free(dst);
        ns_mask_init(dst, src->nbits);
    }
    memcpy(dst->w, src->w, nwords(src->nbits) * sizeof(uint64_t));
}

void ns_mask_dup(struct ns_mask *dst, const struct ns_mask *src)
{
    ns_mask_init(dst, src->nbits);
    memcpy(dst->w, src->w, nwords(src->nbits) * sizeof(uint64_t));
}

void ns_mask_zero(struct ns_mask *m)
{
    memset(m->w, 0, nwords(m->nbits) * sizeof(uint64_t));
}

void ns_mask_fill(struct ns_mask *m)
{
    size_t n = nwords(m->nbits);

    if (n == 0)
        return;
    memset(m->w, 0xff, n * sizeof(uint64_t));
    m->w[n - 1] &= last_word_mask(m->nbits);
}

void ns_mask_set(struct ns_mask *m, size_t bit)
{
    m->w[bit / WORD_BITS] |= UINT64_C(1) << (bit % WORD_BITS);
}

void ns_mask_clear(struct ns_mask *m, size_t bit)
{
    m->w[bit / WORD_BITS] &= ~(UINT64_C(1) << (bit % WORD_BITS));
}

bool ns_mask_test(const struct ns_mask *m, size_t bit)
{
    return bit < m->nbits && (m->w[bit / WORD_BITS] >> (bit % WORD_BITS)) & 1;
}

void ns_mask_and(struct ns_mask *dst, const struct ns_mask *a, const struct ns_mask *b)
{
    for (size_t i = 0, n = nwords(dst->nbits); i < n; i++)
        dst->w[i] = a->w[i] & b->w[i];
}

void ns_mask_or(struct ns_mask *dst, const struct ns_mask *a, const struct ns_mask *b)
{
    for (size_t i = 0, n = nwords(dst->nbits); i < n; i++)
        dst->w[i] = a->w[i] | b->w[i];
}

void ns_mask_andnot(struct ns_mask *dst, const struct ns_mask *a, const struct ns_mask *b)
{
    for (size_t i = 0, n = nwords(dst->nbits); i < n; i++)
        dst->w[i] = a->w[i] & ~b->w[i];
}

size_t ns_mask_weight(const struct ns_mask *m)
{
    size_t w = 0;

    for (size_t i = 0, n = nwords(m->nbits); i < n; i++)
        w += (size_t)__builtin_popcountll(m->w[i]);
    return w;
}

bool ns_mask_empty(const struct ns_mask *m)
{
    for (size_t i = 0, n = nwords(m->nbits); i < n; i++)
        if (m->w[i])
            return false;
    return true;
}

bool ns_mask_full(const struct ns_mask *m)
{
    return ns_mask_weight(m) == m->nbits;
}

bool ns_mask_equal(const struct ns_mask *a, const struct ns_mask *b)
{
    return a->nbits == b->nbits &&
           memcmp(a->w, b->w, nwords(a->nbits) * sizeof(uint64_t)) == 0;
}

bool ns_mask_subset(const struct ns_mask *a, const struct ns_mask *b)
{
    for (size_t i = 0, n = nwords(a->nbits); i < n; i++)
        if (a->w[i] & ~b->w[i])
            return false;
    return true;
}

bool ns_mask_intersects(const struct ns_mask *a, const struct ns_mask *b)
{
    for (size_t i = 0, n = nwords(a->nbits); i < n; i++)
        if (a->w[i] & b->w[i])
            return true;
    return false;
}

/* The first set bit at or after @from. */
static size_t find_from(const struct ns_mask *m, size_t from)
{
    size_t i = from / WORD_BITS, n = nwords(m->nbits);

    if (from >= m->nbits)
        return NS_MASK_NONE;
    uint64_t word = m->w[i] & (UINT64_MAX << (from % WORD_BITS));
    for (;;) {
        if (word)
            return i * WORD_BITS + (size_t)__builtin_ctzll(word);
        if (++i >= n)
            return NS_MASK_NONE;
        word = m->w[i];
    }
}

size_t ns_mask_first(const struct ns_mask *m) { return find_from(m, 0); }

size_t ns_mask_next(const struct ns_mask *m, size_t bit)
{
    return bit == NS_MASK_NONE ? NS_MASK_NONE : find_from(m, bit + 1);
}

size_t ns_mask_cycle(const struct ns_mask *m, size_t bit)
{
    size_t next = ns_mask_next(m, bit);
    return next != NS_MASK_NONE ? next : ns_mask_first(m);
}

char *ns_mask_format(const struct ns_mask *m)
{
    size_t cap = 64, len = 0;
    char *s = ns_xmalloc(cap);

    s[0] = '\0';
    for (size_t b = ns_mask_first(m); b != NS_MASK_NONE;) {
        size_t e = b;
        while (ns_mask_test(m, e + 1))
            e++;
        char item[48];
        int n = e == b ? snprintf(item, sizeof(item), "%s%zu", len ? "," : "", b)
                       : snprintf(item, sizeof(item), "%s%zu-%zu", len ? "," : "", b, e);
        if (len + (size_t)n + 1 > cap) {
            cap = 2 * (len + (size_t)n + 1);
            s = ns_xrealloc(s, cap);
        }
        memcpy(s + len, item, (size_t)n + 1);
        len += (size_t)n;
        b = ns_mask_next(m, e);
    }
    if (len == 0) {
        free(s);
        return ns_xstrdup("none");
    }
    return s;
}
