/*
 * Deterministic random numbers: xoshiro256** (Blackman and Vigna), seeded
 * through splitmix64 from the run seed and a per-source stream id, so every
 * source has its own independent sequence.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "numasched/util.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void ns_rng_seed(struct ns_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ rotl(stream, 32) ^ UINT64_C(0x6a09e667f3bcc909);

    /* Mix the stream in twice so nearby (seed, stream) pairs diverge. */
    x = splitmix64(&x) ^ stream;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t ns_fnv1a(uint64_t h, const void *p, size_t n)
{
    for (const unsigned char *b = p; n--; b++)
        h = (h ^ *b) * UINT64_C(0x100000001b3);
    return h;
}

/* The kind name, then the two numbers least significant byte first: the
 * same ids on every host, whatever its byte order. */
uint64_t ns_rng_stream_id(const char *kind, uint64_t a, uint64_t b)
{
    unsigned char le[16];

    for (int i = 0; i < 8; i++) {
        le[i] = (unsigned char)(a >> (8 * i));
        le[8 + i] = (unsigned char)(b >> (8 * i));
    }
    return ns_fnv1a(ns_fnv1a(NS_FNV_BASIS, kind, strlen(kind)), le, sizeof(le));
}

uint64_t ns_rng_u64(struct ns_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double ns_rng_uniform(struct ns_rng *r)
{
    return (double)(ns_rng_u64(r) >> 11) * 0x1.0p-53;
}

double ns_rng_exponential(struct ns_rng *r, double mean)
{
    /* 1 - u is in (0, 1], so the log is finite. */
    return -mean * log(1.0 - ns_rng_uniform(r));
}
