/*
 * Validation against the published 2013 measurements: the comparison's
 * arithmetic on a table small enough to check by hand, the published file's
 * error paths, and a guard that the model's agreement with the report does
 * not silently drop (docs/validation.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/config.h"
#include "numasched/report.h"
#include "numasched/workload.h"

#define EPS 1e-9

/* ---- the comparison, by hand ------------------------------------------------------- */

static const char *const w1[] = {"w"};
static const unsigned vms2[] = {2, 10};
static const char *const pols[] = {"none", "numa"};

static void run_of(struct ns_exp_run *r, double v)
{
    memset(r, 0, sizeof(*r));
    r->value = v;
    r->higher_is_better = true;
}

/*
 * Published: none 100 (2 VMs) and 50 (10), numa 110 and 40. Simulated:
 * none 200 and 100, numa 210 and 100.
 *   numa vs none at 2:  published +10 %, simulated +5 %: same sign, 5 points off
 *   numa vs none at 10: published -20 %, simulated 0 % (flat): differs, 20 points off
 *   MAE (5 + 20) / 2 = 12.5
 *   ratios: none 50/100 = 0.5 against 100/200 = 0.5, 0 % off;
 *           numa 40/110 against 100/210: (100/210) / (40/110) - 1 = +30.95 %, outside 15 %
 */
Test(validation, comparison_by_hand)
{
    struct ns_exp_pub_row rows[] = {
        {"w", "none", 2, true, 100}, {"w", "numa", 2, true, 110},
        {"w", "none", 10, true, 50}, {"w", "numa", 10, true, 40},
    };
    struct ns_exp_published pub = {4, rows};
    struct ns_exp_run runs[4];
    run_of(&runs[0], 200);
    run_of(&runs[1], 210);
    run_of(&runs[2], 100);
    run_of(&runs[3], 100);
    struct ns_exp_cell cells[4] = {
        {"w", "none", 2, 1, &runs[0]}, {"w", "numa", 2, 1, &runs[1]},
        {"w", "none", 10, 1, &runs[2]}, {"w", "numa", 10, 1, &runs[3]},
    };
    const struct ns_exp_axes axes = {"t", "", w1, 1, vms2, 2, pols, 2, "numa", NULL};
    struct ns_exp_table t = {&axes, cells, &pub};
    struct ns_exp_comparison c;

    ns_exp_compare(&t, &c);
    cr_assert_eq(c.nr_pairs, 2);
    cr_assert_eq(c.nr_ratios, 2);
    cr_expect_float_eq(c.rel[0].published, 10.0, EPS);
    cr_expect_float_eq(c.rel[0].simulated, 5.0, EPS);
    cr_expect(c.rel[0].agrees);
    cr_expect_float_eq(c.rel[1].published, -20.0, EPS);
    cr_expect_float_eq(c.rel[1].simulated, 0.0, EPS);
    cr_expect_not(c.rel[1].agrees);
    cr_expect_eq(c.pairs_agree, 1);
    cr_expect_float_eq(c.mae, 12.5, EPS);
    cr_expect_float_eq(c.rel[2].error, 0.0, EPS);
    cr_expect(c.rel[2].agrees);
    cr_expect_float_eq(c.rel[3].error, 100.0 * ((100.0 / 210.0) / (40.0 / 110.0) - 1.0), 1e-6);
    cr_expect_not(c.rel[3].agrees);
    cr_expect_eq(c.ratios_within, 1);
    ns_exp_comparison_free(&c);
}

/* Within 1.5 % either way is flat: two flat ones agree whatever their signs,
 * a flat one never agrees with a real one, even of the same sign. */
Test(validation, flat_band)
{
    cr_expect(ns_exp_same_direction(1.4, -1.4));
    cr_expect(ns_exp_same_direction(-9.2, -9.0));
    cr_expect_not(ns_exp_same_direction(16.4, 0.3));
    cr_expect_not(ns_exp_same_direction(3.9, 0.0));
    cr_expect_not(ns_exp_same_direction(-9.2, 9.0));
    cr_expect_eq(ns_exp_direction(1.5), 0);
    cr_expect_eq(ns_exp_direction(-1.6), -1);
}

/* ---- the published file ------------------------------------------------------------ */

static void expect_refused(const char *text, const char *what)
{
    char *dir = tmpdir();
    write_file(dir, "p.csv", text);
    char *path = ns_path_join(dir, "p.csv");
    struct ns_exp_published p;
    struct ns_err err;

    cr_expect_eq(ns_exp_published_read(path, &p, &err), -1, "%s", text);
    cr_expect(strstr(err.msg, what), "want \"%s\" in: %s", what, err.msg);
    free(path);
    rm_rf(dir);
    free(dir);
}

#define HEADER "workload,vms,policy,metric,unit,better,value\n"

Test(validation, published_file_errors)
{
    expect_refused("workload,vms\n", "p.csv:1: the header must be");
    expect_refused("# source\n" HEADER "w,two,none,m,u,higher,1\n", "p.csv:3: vms: bad value");
    expect_refused(HEADER "w,2,none,m,u,up,1\n", "p.csv:2: better: bad value \"up\"");
    expect_refused(HEADER "w,2,none,m,u,higher,-1\n", "value: bad value");
    expect_refused(HEADER "w,2,none,m,u,higher\n", "p.csv:2: wants 7 comma-separated fields");
    expect_refused(HEADER "w,2,none,m,u,higher,1\nw,2,none,m,u,higher,2\n",
                   "p.csv:3: a second row for w,2,none");
    expect_refused("# only a comment\n", "no header line");
}

/*
 * A policy whose name holds a comma: quoted in the published file, read as
 * one field, and quoted again where compare.csv names the relation.
 */
Test(validation, names_with_commas_are_quoted_both_ways)
{
    char *dir = tmpdir();
    write_file(dir, "p.csv", HEADER "w,2,none,m,u,higher,100\nw,2,\"numa, soft\",m,u,higher,110\n");
    char *path = ns_path_join(dir, "p.csv");
    struct ns_exp_published pub;
    struct ns_err err;

    cr_assert_eq(ns_exp_published_read(path, &pub, &err), 0, "%s", err.msg);
    cr_assert_eq(pub.nr, 2);
    cr_assert_str_eq(pub.row[1].policy, "numa, soft");
    static const char *const soft[] = {"none", "numa, soft"};
    static const unsigned vms[] = {2};
    const struct ns_exp_axes axes = {"t", "", w1, 1, vms, 1, soft, 2, "numa, soft", NULL};
    struct ns_exp_run runs[2];
    run_of(&runs[0], 200);
    run_of(&runs[1], 210);
    struct ns_exp_cell cells[2] = {{"w", "none", 2, 1, &runs[0]},
                                   {"w", "numa, soft", 2, 1, &runs[1]}};
    struct ns_exp_table t = {&axes, cells, &pub};
    char *csv = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&csv, &n);
    ns_exp_emit_compare_csv(&t, f);
    fclose(f);
    /* numa, soft vs none: published 110/100, +10 %; simulated 210/200, +5 %. */
    cr_assert(strstr(csv, "\npair,w,2,\"numa, soft vs none\",10.0,"), "%s", csv);
    free(csv);
    ns_exp_published_free(&pub);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* ---- the guard ------------------------------------------------------------------------ */

/*
 * What docs/validation.md claims for the short run below (2 seeds, 10 s):
 * relations agreeing in direction with the report, out of 27, and ratios of
 * 10 VMs to 2 VMs within 15 %, out of 9. A change that lowers either fails
 * here; one that raises them should raise these and the document together.
 */
#define CLAIMED_DIRECTIONS 18
#define CLAIMED_RATIOS 9

/* The optimised build when make test names it: this test is about the
 * model's answers, not memory safety, and runs 54 simulations. */
static const char *fast_binary(void)
{
    const char *b = getenv("NUMASCHED_OPT");
    return b && *b ? b : binary();
}

static int run_short_experiment(const char *out)
{
    const char *argv[] = {fast_binary(), "experiment", "numa2013", "--seeds", "2",
                          "--duration", "10", "--jobs", "2", "--quiet", "--out", out, NULL};
    pid_t pid = fork();
    int st;

    cr_assert_neq(pid, -1);
    if (pid == 0) {
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(validation, numa2013_agreement_holds, .timeout = 600)
{
    char *dir = tmpdir();
    char *out = ns_path_join(dir, "out");
    cr_assert_eq(run_short_experiment(out), 0);

    char *path = ns_path_join(out, "compare.csv");
    char *text = slurp(path, NULL);
    cr_assert_not_null(text, "no %s", path);
    unsigned pairs = 0, agree = 0, ratios = 0, within = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        bool yes = strstr(line, ",yes,") != NULL;
        if (strncmp(line, "pair,", 5) == 0) {
            pairs++;
            agree += yes;
        } else if (strncmp(line, "ratio,", 6) == 0) {
            ratios++;
            within += yes;
        }
    }
    cr_expect_eq(pairs, 27);
    cr_expect_eq(ratios, 9);
    cr_expect_geq(agree, CLAIMED_DIRECTIONS, "%u of 27 relations agree", agree);
    cr_expect_geq(within, CLAIMED_RATIOS, "%u of 9 ratios within 15 %%", within);
    free(text);
    free(path);
    free(out);
    rm_rf(dir);
    free(dir);
}

/* ---- the switches: refused with one line naming what is wrong ----------------------- */

static struct outcome run_scenario(const char *dir, const char *extra)
{
    char text[512];

    snprintf(text, sizeof(text), "host = \"pack:2 [numa(memory=6GiB)] core:4 pu:2\"\n"
             "duration = 1\ndom0 = \"d0.cfg\"\ndomains = [ \"vm.cfg\", \"vm2.cfg\" ]\n%s",
             extra);
    write_file(dir, "scn.cfg", text);
    write_file(dir, "d0.cfg", "memory = 2048\n");
    write_file(dir, "vm.cfg", "name = \"vm\"\nvcpus = 2\nmemory = 960\nworkload = \"cpu\"\n");
    write_file(dir, "vm2.cfg", "name = \"vm2\"\nvcpus = 2\nmemory = 960\nworkload = \"cpu\"\n");
    char *path = ns_path_join(dir, "scn.cfg");
    struct outcome r = cli(dir, (const char *[]){"run", path, "--quiet", NULL});
    free(path);
    return r;
}

/* Load @scenario of @dir with --set @name=@value: 0, or -1 with @err. */
static int load_with(const char *dir, const char *name, const char *value,
                     struct ns_sim_spec *s, struct ns_err *err)
{
    const struct ns_param_value set[] = {{name, value}};
    struct ns_overrides ov = {.params = set, .nr_params = 1};
    char *path = ns_path_join(dir, "s.cfg");

    memset(s, 0, sizeof(*s));
    int rc = ns_config_load(path, &ov, s, err);
    free(path);
    return rc;
}

/*
 * --set WORKLOAD.KEY moves that key for every guest of that workload and no
 * other, over what the domain file says; a value the workload refuses is
 * refused naming the --set.
 */
Test(validation, a_workload_key_is_set_for_that_workload_only)
{
    char *dir = tmpdir();
    struct ns_sim_spec s;
    struct ns_err err;

    write_file(dir, "s.cfg", "host = \"pack:1 [numa(memory=4GiB)] core:2 pu:1\"\n"
                             "duration = 1\ndomains = [ \"lat.cfg\", \"jbb.cfg\" ]\n");
    write_file(dir, "lat.cfg", "name = \"lat\"\nmemory = 256\nworkload = \"lmbench-proc\"\n"
                               "mem_stall = \"0.3\"\n");
    write_file(dir, "jbb.cfg", "name = \"jbb\"\nmemory = 256\nworkload = \"specjbb\"\n");
    cr_assert_eq(load_with(dir, "lmbench-proc.mem_stall", "0.2", &s, &err), 0, "%s", err.msg);
    cr_expect_float_eq(ns_workload_spec_mem(s.dom[0].workload)->mem_stall, 0.2, EPS);
    cr_expect_float_eq(ns_workload_spec_mem(s.dom[1].workload)->mem_stall, 0.35, EPS,
                       "specjbb keeps its own default");
    ns_sim_spec_free(&s);

    cr_assert_eq(load_with(dir, "lmbench-proc.mem_stall", "2", &s, &err), -1);
    cr_expect(strstr(err.msg, "--set lmbench-proc.mem_stall=2: must be a number >= 0 and <= 1"),
              "%s", err.msg);
    cr_assert_eq(load_with(dir, "lmbench-proc.fork", "2", &s, &err), -1);
    cr_expect(strstr(err.msg, "no model parameter \"lmbench-proc.fork\""), "%s", err.msg);
    rm_rf(dir);
    free(dir);
}

Test(validation, switches_refused_with_their_key)
{
    char *dir = tmpdir();
    struct outcome r = run_scenario(dir, "dom0_memory = \"half\"\n");
    cr_expect_neq(r.status, 0);
    cr_expect(strstr(r.err, "scn.cfg:") && strstr(r.err, "dom0_memory") &&
              strstr(r.err, "want \"xen\" or \"striped\""), "%s", r.err);
    outcome_free(&r);

    /* dom0 and two guests 600000 s apart: the last would come up at 1,200,000 s,
     * past the 1,000,000 s any one time may take. */
    r = run_scenario(dir, "create_gap = 600000\n");
    cr_expect_neq(r.status, 0);
    cr_expect(strstr(r.err, "scn.cfg:") && strstr(r.err, "create_gap: 3 domains this far apart"),
              "%s", r.err);
    outcome_free(&r);

    r = cli(dir, (const char *[]){"experiment", "numa2013", "--set", "foo=1", NULL});
    cr_expect_neq(r.status, 0);
    cr_expect(strstr(r.err, "no model parameter \"foo\""), "%s", r.err);
    outcome_free(&r);
    r = cli(dir, (const char *[]){"experiment", "numa2013", "--vary", "remote_ratio=1.5", NULL});
    cr_expect_neq(r.status, 0);
    cr_expect(strstr(r.err, "want KEY or KEY=LO,HI"), "%s", r.err);
    outcome_free(&r);
    r = cli(dir, (const char *[]){"experiment", "numa2013", "--vary", "remote_ratio=1.7,1.5",
                                  NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "remote_ratio=1.7,1.5: LO is above HI"), "%s", r.err);
    outcome_free(&r);
    /* --out in @dir: were they not refused, the runs would not land in the tree. */
    char *out = ns_path_join(dir, "out");
    r = cli(dir, (const char *[]){"experiment", "numa2013", "--vary", "remote_ratio",
                                  "--vary", "remote_ratio=1.2,1.8", "--out", out, NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--vary remote_ratio: given twice"), "%s", r.err);
    outcome_free(&r);
    r = cli(dir, (const char *[]){"experiment", "numa2013", "--vary", "remote_ratio",
                                  "--set", "remote_ratio=1.5", "--out", out, NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--vary remote_ratio: also given by --set"), "%s", r.err);
    outcome_free(&r);
    free(out);
    rm_rf(dir);
    free(dir);
}
