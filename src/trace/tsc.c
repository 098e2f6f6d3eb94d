/*
 * Time stamps of the xentrace format.
 *
 * A xentrace TSC is a cycle count, not a time: xenalyze turns it into
 * seconds only through --cpu-hz. numasched declares a rate (2.4 GHz by
 * default, what xenalyze assumes) and derives every record's TSC from its
 * virtual time with integer arithmetic, so that the same time always gives
 * the same tick and, at 1 GHz or more, every tick maps back to exactly one
 * nanosecond. Doubles would drift by a tick here and there over a long run,
 * and the analysis of a trace could then no longer equal the results file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "numasched/xentrace.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

#define GIGA 1000000000

uint64_t ns_trace_tsc(uint64_t hz, ns_time_t t)
{
    return NS_TRACE_TSC_BASE + (uint64_t)(((u128)t * hz + GIGA / 2) / GIGA);
}

/* Floor division for a possibly negative numerator (C truncates). */
static i128 floor_div(i128 a, i128 b)
{
    i128 q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/*
 * The last n with tick(n) <= d, where tick(n) = floor((n * hz + 5e8) / 1e9):
 * tick(n) <= d  <=>  n * hz <= (d + 1) * 1e9 - 5e8 - 1. Clamped to +-2^62 so
 * that differences of two times always fit an int64, whatever a damaged
 * file holds.
 */
int64_t ns_trace_ns(uint64_t hz, uint64_t tsc)
{
    const i128 lim = (i128)1 << 62;
    i128 d = (i128)tsc - (i128)NS_TRACE_TSC_BASE;
    i128 n = floor_div((d + 1) * GIGA - GIGA / 2 - 1, (i128)hz);

    if (n > lim)
        n = lim;
    if (n < -lim)
        n = -lim;
    return (int64_t)n;
}

int ns_trace_parse_hz(const char *s, uint64_t *hz, struct ns_err *err)
{
    char *end;
    double mult = 1;

    errno = 0;
    double x = strtod(s, &end);
    if (end == s || errno)
        return ns_err_set(err, NULL, 0, NULL, "\"%s\" is not a rate (try 2.4G or 2400M)", s);
    switch (toupper((unsigned char)*end)) {
    case 'G': mult = 1e9; end++; break;
    case 'M': mult = 1e6; end++; break;
    case 'K': mult = 1e3; end++; break;
    }
    if (strcasecmp(end, "hz") == 0)
        end += 2;
    if (*end != '\0' || !isfinite(x))
        return ns_err_set(err, NULL, 0, NULL, "\"%s\" is not a rate (try 2.4G or 2400M)", s);
    double v = round(x * mult);
    if (!(v >= (double)NS_TRACE_MIN_HZ && v <= (double)NS_TRACE_MAX_HZ))
        return ns_err_set(err, NULL, 0, NULL, "rate \"%s\" out of range (1M to 100G)", s);
    *hz = (uint64_t)v;
    return 0;
}

const char *ns_trace_format_hz(uint64_t hz, char *buf)
{
    static const struct { uint64_t unit; char c; } units[] = {
        {1000000000, 'G'}, {1000000, 'M'}, {1000, 'K'}, {1, '\0'},
    };
    size_t u = 0;

    while (units[u].unit > hz && units[u].unit > 1)
        u++;
    uint64_t whole = hz / units[u].unit, frac = hz % units[u].unit;
    int n = snprintf(buf, 32, "%llu", (unsigned long long)whole);
    if (frac) {
        char digits[24];
        int w = units[u].unit == 1000000000 ? 9 : units[u].unit == 1000000 ? 6 : 3;
        snprintf(digits, sizeof(digits), "%0*llu", w, (unsigned long long)frac);
        for (int i = w - 1; i > 0 && digits[i] == '0'; i--)
            digits[i] = '\0';
        n += snprintf(buf + n, 32 - (size_t)n, ".%s", digits);
    }
    if (units[u].c)
        snprintf(buf + n, 32 - (size_t)n, "%c", units[u].c);
    return buf;
}
