/*
 * Numbers with units: durations ("500ms", "30s", 30) and memory sizes
 * ("6GiB", "6144MiB", 6144); and Xen versions ("4.3", "current").
 *
 * libxlutil hands every value over as text, and it rejects an unquoted
 * "1.5" or "500ms", so users write such values as strings. We read the
 * decimal exactly (no binary floating point), so "0.1s" is 100000000 ns,
 * not 99999999.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

/* Any integer part above this is beyond every limit below; saturating here
 * keeps the arithmetic far from overflow. */
#define INT_PART_MAX 1000000000000000ULL   /* 10^15 */
#define FRAC_DIGITS_MAX 18

/* The longest run numasched accepts: about 11.5 days of virtual time. */
#define DURATION_MAX_S 1000000ULL
/* A memory size beyond this (1 PiB) is a typo, not a host. */
#define SIZE_MAX_BYTES (1ULL << 50)

struct decimal {
    uint64_t ip;           /* integer part, saturated at INT_PART_MAX + 1 */
    uint64_t frac, den;    /* fractional part = frac / den */
    const char *unit;      /* what follows the number, blanks skipped */
    size_t unit_len;       /* without trailing blanks */
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* "12", "1.5", ".5", each optionally followed by a unit. */
static int parse_decimal(const char *s, const char *what, struct decimal *d,
                         struct ns_err *err)
{
    const char *p = s;

    memset(d, 0, sizeof(*d));
    d->den = 1;
    while (is_blank(*p))
        p++;
    if (*p == '-')
        return ns_err_set(err, NULL, 0, NULL, "\"%s\": a %s must not be negative", s, what);
    if (!is_digit(*p) && !(*p == '.' && is_digit(p[1])))
        return ns_err_set(err, NULL, 0, NULL, "\"%s\" is not a %s", s, what);

    for (; is_digit(*p); p++)
        d->ip = d->ip > INT_PART_MAX ? d->ip : d->ip * 10 + (uint64_t)(*p - '0');
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return ns_err_set(err, NULL, 0, NULL, "\"%s\" is not a %s", s, what);
        for (int n = 0; is_digit(*p); p++, n++) {
            if (n < FRAC_DIGITS_MAX) {     /* further digits are below 1e-18 */
                d->frac = d->frac * 10 + (uint64_t)(*p - '0');
                d->den *= 10;
            }
        }
    }
    while (is_blank(*p))
        p++;
    d->unit = p;
    d->unit_len = strlen(p);
    while (d->unit_len > 0 && is_blank(p[d->unit_len - 1]))
        d->unit_len--;
    return 0;
}

/* d * scale, rounded to the nearest integer; false if it exceeds @max. */
static bool scale_decimal(const struct decimal *d, uint64_t scale, uint64_t max, uint64_t *out)
{
    unsigned __int128 v = (unsigned __int128)d->ip * scale;
    v += ((unsigned __int128)d->frac * scale + d->den / 2) / d->den;
    if (v > max)
        return false;
    *out = (uint64_t)v;
    return true;
}

struct unit {
    const char *name;
    uint64_t scale;
};

static const struct unit *find_unit(const struct unit *units, const struct decimal *d)
{
    for (const struct unit *u = units; u->name; u++)
        if (strlen(u->name) == d->unit_len && memcmp(u->name, d->unit, d->unit_len) == 0)
            return u;
    return NULL;
}

static const struct unit duration_units[] = {
    {"", NS_S},            /* a bare number is seconds */
    {"ns", 1},
    {"us", NS_US},
    {"ms", NS_MS},
    {"s", NS_S},
    {"min", 60 * NS_S},
    {"h", 3600 * NS_S},
    {NULL, 0},
};

int ns_duration_parse(const char *s, ns_time_t *out, struct ns_err *err)
{
    struct decimal d;

    if (parse_decimal(s, "duration", &d, err))
        return -1;
    const struct unit *u = find_unit(duration_units, &d);
    if (!u)
        return ns_err_set(err, NULL, 0, NULL,
                          "\"%s\": unknown unit \"%.*s\" (use ns, us, ms, s, min or h; "
                          "a bare number is seconds)", s, (int)d.unit_len, d.unit);
    if (!scale_decimal(&d, u->scale, DURATION_MAX_S * NS_S, out))
        return ns_err_set(err, NULL, 0, NULL, "\"%s\" is longer than the limit of %llu s",
                          s, (unsigned long long)DURATION_MAX_S);
    return 0;
}

static const struct unit size_units[] = {
    {"", 1ULL << 20},      /* a bare number is MiB, as xl's memory= */
    {"B", 1},
    {"K", 1ULL << 10}, {"KiB", 1ULL << 10}, {"kB", 1000}, {"KB", 1000},
    {"M", 1ULL << 20}, {"MiB", 1ULL << 20}, {"MB", 1000000},
    {"G", 1ULL << 30}, {"GiB", 1ULL << 30}, {"GB", 1000000000},
    {"T", 1ULL << 40}, {"TiB", 1ULL << 40}, {"TB", 1000000000000ULL},
    {NULL, 0},
};

int cfg_size_parse(const char *s, uint64_t *bytes, struct ns_err *err)
{
    struct decimal d;

    if (parse_decimal(s, "size", &d, err))
        return -1;
    const struct unit *u = find_unit(size_units, &d);
    if (!u)
        return ns_err_set(err, NULL, 0, NULL,
                          "\"%s\": unknown unit \"%.*s\" (use B, KiB, MiB, GiB, TiB, or kB, MB, "
                          "GB, TB for powers of 1000; a bare number is MiB)",
                          s, (int)d.unit_len, d.unit);
    if (!scale_decimal(&d, u->scale, SIZE_MAX_BYTES, bytes))
        return ns_err_set(err, NULL, 0, NULL, "\"%s\" is larger than the limit of 1 PiB", s);
    return 0;
}

/* "4.2" .. "4.22" -> 402 .. 422, "current" -> 422: "4." then 2..22 written
 * plainly (no sign, no leading zero). */
int ns_xen_version_parse(const char *s, unsigned *out, struct ns_err *err)
{
    if (strcmp(s, "current") == 0) {
        *out = 422;
        return 0;
    }
    const char *m = s + (strncmp(s, "4.", 2) == 0 ? 2 : 0);
    bool digits = m != s && m[0] >= '1' && m[0] <= '9' &&
                  (m[1] == '\0' || (is_digit(m[1]) && m[2] == '\0'));
    unsigned minor = digits ? (unsigned)atoi(m) : 0;
    if (minor >= 2 && minor <= 22) {
        *out = 400 + minor;
        return 0;
    }
    return ns_err_set(err, NULL, 0, NULL, "\"%s\": give a Xen version from \"4.2\" to "
                      "\"4.22\" (quoted), or \"current\"", s);
}
