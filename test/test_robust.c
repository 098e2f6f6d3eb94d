/*
 * Robustness from the command line (docs/robustness.md): every example is
 * deterministic (run --determinism-check), the check names the first fact
 * that differs when a run is perturbed, a topology hwloc crashes on is
 * refused, and inputs past the limits are refused with exit 1 and one line.
 * Runs the binary named by $NUMASCHED, as test_cli.c does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/xentrace.h"

/* Exit 1 and exactly one line on stderr, holding @needle. */
static void refused_with(const struct outcome *r, const char *needle)
{
    cr_assert_eq(r->status, 1, "exit %d, stderr: %s", r->status, r->err);
    char *nl = strchr(r->err, '\n');
    cr_assert(nl && nl[1] == '\0', "not one line: %s", r->err);
    cr_assert_not_null(strstr(r->err, needle), "\"%s\" not in: %s", needle, r->err);
}

/* ---- determinism ---------------------------------------------------------------------- */

static void every_scenario_is_deterministic(const char *pattern, size_t at_least)
{
    glob_t g;
    char *d = tmpdir();

    cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "run from the repository root");
    cr_assert_geq(g.gl_pathc, at_least);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct outcome r = cli(d, (const char *[]){"run", g.gl_pathv[i], "--duration",
                                                         "30ms", "--quiet", "--check",
                                                         "--determinism-check", NULL});
        cr_assert_eq(r.status, 0, "%s: exit %d: %s", g.gl_pathv[i], r.status, r.err);
        cr_assert_not_null(strstr(r.out, "determinism: 2 runs agree: "), "%s: %s",
                           g.gl_pathv[i], r.out);
        outcome_free(&r);
    }
    globfree(&g);
    rm_rf(d);
    free(d);
}

Test(robust, every_example_is_deterministic)
{
    every_scenario_is_deterministic("examples/*.cfg", 8);
}

/* The 27 cells of the 2013 experiment (5 s of warm-up each), a test per
 * workload so that the suite's two jobs share them. */
Test(robust, every_numa2013_lmbench_scenario_is_deterministic)
{
    every_scenario_is_deterministic("examples/numa2013/lmbench-proc-*-*.cfg", 9);
}

Test(robust, every_numa2013_specjbb_scenario_is_deterministic)
{
    every_scenario_is_deterministic("examples/numa2013/specjbb-*-*.cfg", 9);
}

Test(robust, every_numa2013_sysbench_scenario_is_deterministic)
{
    every_scenario_is_deterministic("examples/numa2013/sysbench-memory-*-*.cfg", 9);
}

/*
 * Two pCPUs and a dom0 of one vCPU, no warm-up. At t=0 d0v0 wakes on pCPU 0,
 * where dom0's vCPU 0 is built; a pCPU asking itself to schedule does so at
 * once (no IPI), and that request was queued before the start of the
 * measured window, also at t=0 (src/engine/core.c, engine.c). So the window
 * opens with "start" of pCPU 0 running d0v0, "start" of pCPU 1 idle, then
 * "vcpu_start" of d0v0: running (0) on pCPU 0, last run there. Moving fact
 * 3 to the next pCPU in the second run must be reported as exactly that.
 */
static const char tiny[] = "host = \"pack:1 [numa(memory=1GiB)] core:2 pu:1\"\n"
                           "duration = 1\nsched = \"credit\"\ndom0 = \"d0.cfg\"\n";
static const char tiny_dom0[] = "vcpus = 1\nmemory = 256\nworkload = \"idle\"\n";

Test(robust, determinism_check_names_the_first_differing_fact)
{
    char *d = tmpdir(), *s = ns_path_join(d, "s.cfg");

    write_file(d, "s.cfg", tiny);
    write_file(d, "d0.cfg", tiny_dom0);
    struct outcome r = cli_perturbed(d, "fact:3", (const char *[]){"run", s, "--duration", "5ms", "--quiet",
                                                         "--determinism-check", NULL});
    refused_with(&r, "s.cfg: not deterministic: the runs first differ at fact 3, t=0 ns: "
                     "run 1 has vcpu_start of d0v0 on pCPU 0 (runstate 0, last pCPU 0), "
                     "run 2 has vcpu_start of d0v0 on pCPU 1 (runstate 0, last pCPU 0)");
    outcome_free(&r);
    r = cli_perturbed(d, "fact:1", (const char *[]){"run", s, "--duration", "5ms", "--quiet",
                                          "--determinism-check", NULL});
    refused_with(&r, "first differ at fact 1, t=0 ns: run 1 has start on pCPU 0, d0v0, "
                     "run 2 has start on pCPU 1, d0v0");
    outcome_free(&r);
    free(s);
    rm_rf(d);
    free(d);
}

/* Past the first checkpoint (4,096 facts): the same fact, one pCPU apart. */
Test(robust, determinism_check_finds_a_late_difference)
{
    struct outcome r = cli_perturbed("/tmp", "fact:5000", (const char *[]){
        "run", "examples/specjbb-2node.cfg", "--duration", "200ms", "--quiet",
        "--determinism-check", NULL});
    refused_with(&r, "not deterministic: the runs first differ at fact 5000, t=");
    const char *one = strstr(r.err, "run 1 has "), *two = strstr(r.err, ", run 2 has ");
    cr_assert(one && two, "%s", r.err);
    unsigned c1, c2;
    cr_assert(sscanf(strstr(one, "on pCPU "), "on pCPU %u", &c1) == 1, "%s", r.err);
    cr_assert(sscanf(strstr(two, "on pCPU "), "on pCPU %u", &c2) == 1, "%s", r.err);
    cr_assert_eq(c2, c1 + 1, "%s", r.err);
    outcome_free(&r);
}

/* A real difference inside the engine (the second run gets another seed, and
 * idle's gaps are random): caught, and the run writes no results. */
Test(robust, determinism_check_catches_a_different_run_and_writes_nothing)
{
    char *d = tmpdir(), *out = ns_path_join(d, "out");
    struct outcome r = cli_perturbed(d, "seed", (const char *[]){
        "run", "examples/idle.cfg", "--duration", "50ms", "--quiet", "--out", out,
        "--determinism-check", NULL});
    refused_with(&r, "examples/idle.cfg: not deterministic: the runs first differ at fact ");
    cr_assert_neq(access(out, F_OK), 0, "results written by a failed check");
    outcome_free(&r);
    r = cli(d, (const char *[]){"run", "--help", NULL});
    cr_assert_not_null(strstr(r.out, "--determinism-check"));
    outcome_free(&r);
    free(out);
    rm_rf(d);
    free(d);
}

/* ---- refusals from the command line: topology and trace ------------------------------------ */

Test(robust, a_topology_that_crashes_hwloc_is_refused)
{
    char *d = tmpdir(), *s = ns_path_join(d, "s.cfg");
    char *xml = realpath("test/data/hwloc-crash.xml", NULL), text[1024];

    cr_assert_not_null(xml, "run from the repository root");
    struct outcome r = cli(d, (const char *[]){"topo", xml, NULL});
    refused_with(&r, "hwloc-crash.xml: hwloc crashed (");
    outcome_free(&r);
    snprintf(text, sizeof(text), "host = \"%s\"\nduration = 1\ndom0 = \"d0.cfg\"\n", xml);
    write_file(d, "s.cfg", text);
    write_file(d, "d0.cfg", tiny_dom0);
    r = cli(d, (const char *[]){"run", s, NULL});
    refused_with(&r, "s.cfg:1: host: ");
    cr_assert_not_null(strstr(r.err, "loading this XML topology: it is malformed"), "%s", r.err);
    outcome_free(&r);
    r = cli(d, (const char *[]){"topo", "pack:64 core:64 pu:2", NULL});
    refused_with(&r, "describes more PUs than numasched's limit of 4096 pCPUs");
    outcome_free(&r);
    free(xml);
    free(s);
    rm_rf(d);
    free(d);
}

Test(robust, a_trace_beyond_the_limit_is_refused)
{
    char *d = tmpdir(), *p = ns_path_join(d, "huge.bin");
    FILE *f = fopen(p, "w");

    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), (off_t)NS_TRACE_MAX_BYTES + 1), 0);
    fclose(f);
    struct outcome r = cli(d, (const char *[]){"analyze", p, NULL});
    refused_with(&r, "huge.bin: 68719476737 bytes, more than numasched's limit of 64 GiB");
    outcome_free(&r);
    free(p);
    rm_rf(d);
    free(d);
}
