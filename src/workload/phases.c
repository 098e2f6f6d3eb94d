/*
 * phases: a cycle of run, block and yield phases from the domain file,
 * repeated forever by every vCPU:
 *
 *     phases = [ "run 2ms", "block 8ms" ]
 *     phases = [ "run 100us", "yield" ]        (a guest that spins)
 *
 * A duration is a number with a unit (ns, us, ms, s); "~" before it makes
 * it exponentially distributed with that mean, drawn from the vCPU's own
 * stream. Run durations are nominal work. "yield" takes no duration: the
 * guest gives its pCPU away (SCHEDOP_yield, as a spinning lock waiter or a
 * pause-loop exit does) and goes on with the next phase when it runs again.
 * Metric: run phases completed per second, all vCPUs together.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "workload/internal.h"

#define PHASE_SYNTAX "expected \"run DURATION\" or \"block DURATION\" with a unit " \
                     "(ns, us, ms, s), from 10ns to 1000000s, e.g. \"run 2ms\" or \"block ~8ms\", " \
                     "or \"yield\""

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* @s starts with the word @w followed by a space: return what follows. */
static const char *after_word(const char *s, const char *w)
{
    size_t n = strlen(w);

    if (strncmp(s, w, n) != 0 || !isspace((unsigned char)s[n]))
        return NULL;
    return skip_space(s + n);
}

static double unit_ns(const char *u)
{
    static const struct { const char *name; double ns; } units[] = {
        {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
    };

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t n = strlen(units[i].name);
        if (strncmp(u, units[i].name, n) == 0 && *skip_space(u + n) == '\0')
            return units[i].ns;
    }
    return 0.0;
}

/* Parse one item; false if it is malformed or its duration is out of bounds. */
static bool parse_phase(const char *item, struct wl_phase *ph)
{
    const char *s = skip_space(item), *rest;
    char *end;
    double x, unit;

    if (strncmp(s, "yield", 5) == 0 && *skip_space(s + 5) == '\0') {
        ph->kind = NS_STEP_YIELD;
        return true;
    }
    if ((rest = after_word(s, "run")))
        ph->kind = NS_STEP_RUN;
    else if ((rest = after_word(s, "block")))
        ph->kind = NS_STEP_BLOCK;
    else
        return false;
    ph->random = *rest == '~';
    if (ph->random)
        rest = skip_space(rest + 1);
    if ((!isdigit((unsigned char)*rest) && *rest != '.') || strncasecmp(rest, "0x", 2) == 0)
        return false;
    x = strtod(rest, &end);
    unit = unit_ns(skip_space(end));
    if (unit == 0.0 || !isfinite(x) || x * unit < WL_MIN_STEP_NS || x * unit > WL_MAX_STEP_NS)
        return false;
    ph->mean_ns = x * unit;
    return true;
}

static int phases_parse(struct ns_workload_spec *s, const struct ns_params *p,
                        struct ns_err *err)
{
    const char *const *items;
    size_t n;
    int rc = (p && p->get_list) ? p->get_list(p->ctx, "phases", &n, &items, err) : 1;

    if (rc < 0)
        return -1;
    if (rc > 0 || n == 0)
        return wl_fail(p, "phases", err,
                       "the phases workload needs a list, e.g. "
                       "phases = [ \"run 2ms\", \"block 8ms\" ]");
    s->phase = ns_xcalloc(n, sizeof(*s->phase));
    s->nr_phases = n;
    for (size_t i = 0; i < n; i++)
        if (!parse_phase(items[i], &s->phase[i]))
            return wl_fail(p, "phases", err, "item %zu \"%s\": " PHASE_SYNTAX, i + 1,
                           items[i]);
    return 0;
}

static void phases_next(struct ns_workload *w, unsigned vcpu, ns_time_t now,
                        struct ns_step *out)
{
    struct wl_vcpu *v = &w->vcpu[vcpu];
    const struct wl_phase *ph = &w->spec->phase[v->pc];
    double ns = ph->random ? ns_rng_exponential(&v->rng, ph->mean_ns) : ph->mean_ns;

    (void)now;
    if (wl_ran(v))
        wl_count(w, 1.0);
    if (ph->kind == NS_STEP_RUN)
        wl_run(w, out, ns < 1.0 ? 1.0 : ns);
    else if (ph->kind == NS_STEP_YIELD)
        out->kind = NS_STEP_YIELD;
    else
        wl_block(out, ns);
    v->pc = (unsigned)((v->pc + 1) % w->spec->nr_phases);
}

/* Unless the domain file says otherwise, phases compute: the cpu profile. */
const struct wl_kind wl_phases = {
    .name = "phases",
    .mem = {.mem_stall = 0.01, .llc_hot_mb = 0.01, .dram_gbs = 0.0, .smt_speed = 0.69},
    .metric_name = "run_phases",
    .metric_unit = "phases/s",
    .higher_is_better = true,
    .parse = phases_parse,
    .next = phases_next,
    .metric = wl_rate_metric,
};
