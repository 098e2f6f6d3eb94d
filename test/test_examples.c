/*
 * The shipped examples: each loads, runs under the credit scheduler with
 * Xen 4.3 semantics and with today's, and under credit2 in every pool that
 * runs credit, with the invariant checker on, and gives the same results
 * twice for one seed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "numasched/config.h"
#include "numasched/engine.h"

/* A digest of everything a run reports, to compare two runs exactly. */
static void digest(const struct ns_results *r, char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n, "%llu", (unsigned long long)r->events);
    for (size_t d = 0; d < r->nr_domains && len < n; d++) {
        const struct ns_domain_result *dom = &r->dom[d];
        len += (size_t)snprintf(out + len, n - len, " %s=%.17g", dom->name, dom->metric.value);
        for (unsigned i = 0; i < dom->nr_vcpus && len < n; i++)
            len += (size_t)snprintf(out + len, n - len, " %llu/%llu/%llu",
                                    (unsigned long long)dom->vcpu[i].runstate_ns[0],
                                    (unsigned long long)dom->vcpu[i].runstate_ns[1],
                                    (unsigned long long)dom->vcpu[i].migrations[NS_MOVE_NODE]);
    }
}

/* Every pool that runs @from runs @to instead. */
static void swap_sched(struct ns_sim_spec *spec, const char *from, const char *to)
{
    for (size_t p = 0; p < spec->nr_pools; p++) {
        if (strcmp(spec->pool[p].sched, from) == 0) {
            free(spec->pool[p].sched);
            spec->pool[p].sched = ns_xstrdup(to);
        }
    }
}

/* Run @path with compat @compat in every pool, credit pools under @sched. */
static void run_example(const char *path, const char *sched, unsigned compat, char *out,
                        size_t n)
{
    struct ns_overrides ov = {.has_duration = true, .duration = 500 * NS_MS};
    struct ns_sim_spec spec = {0};
    struct ns_err err;

    cr_assert_eq(ns_config_create(path, &ov, &spec, NULL, &err), 0, "%s", err.msg);
    cr_assert(strncmp(spec.pool[0].sched, "credit", 6) == 0, "%s: %s", path, spec.pool[0].sched);
    swap_sched(&spec, "credit2", "credit");
    swap_sched(&spec, "credit", sched);
    for (size_t p = 0; p < spec.nr_pools; p++)
        spec.pool[p].params.compat = compat;
    spec.check = true;
    struct ns_engine *e = ns_engine_create(&spec, &err);
    cr_assert_not_null(e, "%s: %s", path, err.msg);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s (compat %u): %s", path, compat, err.msg);
    digest(ns_engine_results(e), out, n);
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}

Test(examples, run_under_credit_43_and_current_deterministically)
{
    glob_t g;
    cr_assert_eq(glob("examples/*.cfg", 0, NULL, &g), 0, "run from the repository root");
    cr_assert_geq(g.gl_pathc, 6);
    static char a[1 << 16], b[1 << 16], c[1 << 16], d[1 << 16];
    size_t differ = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        run_example(g.gl_pathv[i], "credit", 403, a, sizeof(a));
        run_example(g.gl_pathv[i], "credit", 403, b, sizeof(b));
        run_example(g.gl_pathv[i], "credit", 422, c, sizeof(c));
        run_example(g.gl_pathv[i], "credit", 422, d, sizeof(d));
        cr_assert_str_eq(a, b, "%s: two 4.3 runs differ", g.gl_pathv[i]);
        cr_assert_str_eq(c, d, "%s: two 4.22 runs differ", g.gl_pathv[i]);
        cr_assert_str_neq(a, "", "%s", g.gl_pathv[i]);
        differ += strcmp(a, c) != 0;
    }
    /* The two semantics are not one: most examples run differently. */
    cr_assert_geq(differ, g.gl_pathc / 2, "only %zu of %zu examples differ between 4.3 and 4.22",
                  differ, g.gl_pathc);
    globfree(&g);
}

Test(examples, run_under_credit2_checked_and_deterministically)
{
    glob_t g;
    cr_assert_eq(glob("examples/*.cfg", 0, NULL, &g), 0, "run from the repository root");
    static char a[1 << 16], b[1 << 16];
    for (size_t i = 0; i < g.gl_pathc; i++) {
        run_example(g.gl_pathv[i], "credit2", 422, a, sizeof(a));
        run_example(g.gl_pathv[i], "credit2", 422, b, sizeof(b));
        cr_assert_str_eq(a, b, "%s: two credit2 runs differ", g.gl_pathv[i]);
    }
    globfree(&g);
}
