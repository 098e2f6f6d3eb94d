/*
 * Sweeps over scenario files and the experiment tables (issue 15): file
 * axes (`file_KEY`, `{KEY}` in `scenario`), point names, and `relations`,
 * which make a sweep write what `numasched experiment` writes. The file's
 * own mistakes are refused with their line (counted by hand in each case
 * below), and a sweep with relations tabulates its points as cells whatever
 * order its axes are written in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/config.h"
#include "numasched/report.h"

static char *write_sweep(const char *dir, const char *name, const char *text)
{
    write_file(dir, name, text);
    return ns_path_join(dir, name);
}

/* ---- the format ----------------------------------------------------------------------- */

/* 2 x 2 points, the last axis fastest: point 3 (from 0) is w=b, n=2. */
Test(sweep_files, placeholders_pick_the_file_and_name_the_point)
{
    char *dir = tmpdir(), *path = write_sweep(dir, "s.cfg",
        "scenario = \"{w}/{w}-{n}.cfg\"\n"
        "file_w = [ \"a\", \"b\" ]\n"
        "file_n = [ 1, 2 ]\n"
        "point_name = \"{n}{w}\"\n"
        "summary = \"two by two\"\n");
    struct ns_sweep s;
    struct ns_err err;
    struct ns_overrides ov;

    cr_assert_eq(ns_sweep_load(path, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.nr_axes, 2);
    cr_assert_eq(s.axis[0].kind, NS_AXIS_FILE);
    cr_assert_str_eq(s.axis[0].name, "w");
    cr_assert_eq(s.axis[1].line, 3);
    cr_assert_str_eq(s.summary, "two by two");
    cr_assert_not(s.relations);

    char *scen = ns_sweep_scenario(&s, 3), *want = ns_path_join(dir, "b/b-2.cfg");
    cr_assert_str_eq(scen, want);
    free(scen);
    free(want);
    char *name = ns_sweep_point_name(&s, 2);      /* point 2: w=b, n=1 */
    cr_assert_str_eq(name, "1b");
    free(name);
    /* A file axis sets no key: the scenario file is the whole difference. */
    ns_sweep_overrides(&s, 1, &ov);
    cr_assert_eq(ov.nr_scenario, 0);
    cr_assert_eq(ov.nr_guest, 0);
    ns_sweep_overrides_free(&ov);
    ns_sweep_free(&s);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* Without point_name the points keep their numbers, from 1. */
Test(sweep_files, unnamed_points_are_numbered)
{
    char *dir = tmpdir(), *path = write_sweep(dir, "s.cfg",
        "scenario = \"base.cfg\"\nscenario_sched = [ \"credit\", \"rr\" ]\n");
    struct ns_sweep s;
    struct ns_err err;

    cr_assert_eq(ns_sweep_load(path, &s, &err), 0, "%s", err.msg);
    char *name = ns_sweep_point_name(&s, 1);
    cr_assert_str_eq(name, "p2");
    free(name);
    ns_sweep_free(&s);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* The axes of the tables may be written in any order: rel_axis says which is which. */
Test(sweep_files, relations_give_the_axes_their_roles)
{
    char *dir = tmpdir(), *path = write_sweep(dir, "s.cfg",
        "scenario = \"{p}/{w}-{n}.cfg\"\n"
        "file_p = [ \"x\", \"y\" ]\n"
        "file_n = [ 2, 6 ]\n"
        "file_w = [ \"cpu\" ]\n"
        "relations = [ \"w\", \"n\", \"p\" ]\n"
        "subject = \"y\"\n"
        "published = \"pub.csv\"\n");
    struct ns_sweep s;
    struct ns_err err;

    cr_assert_eq(ns_sweep_load(path, &s, &err), 0, "%s", err.msg);
    cr_assert(s.relations);
    cr_assert_eq(s.rel_axis[NS_REL_WORKLOAD], 2);
    cr_assert_eq(s.rel_axis[NS_REL_VMS], 1);
    cr_assert_eq(s.rel_axis[NS_REL_POLICY], 0);
    cr_assert_str_eq(s.subject, "y");
    char *pub = ns_path_join(dir, "pub.csv");
    cr_assert_str_eq(s.published, pub);
    free(pub);
    ns_sweep_free(&s);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* The base of the relations cases: 1 x 2 x 2 points, lines 1 to 6. */
#define REL "scenario = \"{w}-{n}-{p}.cfg\"\n"  /* 1 */ \
            "file_w = [ \"a\" ]\n"              /* 2 */ \
            "file_n = [ 2, 6 ]\n"               /* 3 */ \
            "file_p = [ \"x\", \"y\" ]\n"       /* 4 */

/* The file's own mistakes: the line is the key's, counted in the text. */
Test(sweep_files, refused_with_file_line_and_key)
{
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"scenario = \"{w}.cfg\"\nscenario_sched = [ \"rr\" ]\n",
         "s.cfg:1: scenario: {w}: no file_w axis gives it a value"},
        {"scenario = \"{sched}.cfg\"\nscenario_sched = [ \"rr\" ]\n",
         "s.cfg:1: scenario: {sched}: no file_sched axis gives it a value"},
        {"scenario = \"base.cfg\"\nfile_w = [ \"a\" ]\n",
         "s.cfg:2: file_w: no {w} in scenario = \"base.cfg\""},
        {"scenario = \"{w.cfg\"\nfile_w = [ \"a\" ]\n", "s.cfg:1: scenario: a { without its }"},
        {"scenario = \"{w}.cfg\"\nfile_w = [ \"a\" ]\nscenario_w = [ \"b\" ]\n",
         "s.cfg:3: scenario_w: a second axis named w"},
        {"scenario = \"{w}.cfg\"\nfile_w = [ ]\n", "s.cfg:2: file_w: an empty axis"},
        /* Values 1 and 3 are the same text: the same points twice over. */
        {"scenario = \"{w}.cfg\"\nfile_w = [ \"a\", \"b\", \"a\" ]\n",
         "s.cfg:2: file_w: value 3 repeats value 1 (\"a\")"},
        /* Points 1 (a, 2) and 2 (a, 6) are both "a". */
        {REL "point_name = \"{w}\"\n",
         "s.cfg:5: point_name: points 1 and 2 are both named \"a\""},
        {REL "point_name = \"{w}/{n}{p}\"\n",
         "s.cfg:5: point_name: point 1: \"a/2x\" is not a folder name"},
        {REL "point_name = \"{q}\"\n", "s.cfg:5: point_name: {q}: no q axis gives it a value"},
        {REL "relations = [ \"w\", \"n\" ]\n",
         "s.cfg:5: relations: want three axes, [ WORKLOAD, VMS, POLICY ], not 2"},
        {REL "relations = [ \"w\", \"n\", \"q\" ]\n",
         "s.cfg:5: relations: \"q\" is not an axis of this sweep"},
        {REL "relations = [ \"w\", \"n\", \"w\" ]\n", "s.cfg:5: relations: the axis w twice"},
        {REL "scenario_sched = [ \"rr\" ]\nrelations = [ \"w\", \"n\", \"p\" ]\nsubject = \"y\"\n",
         "s.cfg:6: relations: a cell per point: the sweep's axes must be these three, and it "
         "has 4"},
        {REL "relations = [ \"n\", \"p\", \"w\" ]\nsubject = \"a\"\n",
         "s.cfg:5: relations: p: \"x\" is not a number of guests"},
        {REL "relations = [ \"w\", \"n\", \"p\" ]\n", "s.cfg:5: relations: needs subject"},
        {"scenario = \"{w}-{n}-{p}.cfg\"\nfile_w = [ \"a\" ]\nfile_n = [ 2 ]\n"
         "file_p = [ \"x,y\" ]\nrelations = [ \"w\", \"n\", \"p\" ]\nsubject = \"x,y\"\n",
         "s.cfg:5: relations: p: \"x,y\": a comma cannot be in a table's value"},
        {REL "relations = [ \"w\", \"n\", \"p\" ]\nsubject = \"z\"\n",
         "s.cfg:6: subject: \"z\" is not a value of the axis p"},
        {REL "subject = \"y\"\n", "s.cfg:5: subject: only with relations"},
        {REL "published = \"p.csv\"\n", "s.cfg:5: published: only with relations"},
        {REL "points = [ [ \"a\", 2, \"x\" ] ]\nrelations = [ \"w\", \"n\", \"p\" ]\n"
         "subject = \"y\"\n", "s.cfg:5: points: the tables need every combination"},
        {REL "relation = [ \"w\" ]\n", "s.cfg:5: relation: unknown sweep key"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *dir = tmpdir(), *path = write_sweep(dir, "s.cfg", bad[i].text);
        struct ns_sweep s;
        struct ns_err err;
        cr_assert_eq(ns_sweep_load(path, &s, &err), -1, "case %zu", i);
        cr_assert(strstr(err.msg, bad[i].msg), "case %zu: %s", i, err.msg);
        free(path);
        rm_rf(dir);
        free(dir);
    }
}

/* ---- the command --------------------------------------------------------------------------- */

static char *examples_dir(void)
{
    char *p = realpath("examples/numa2013", NULL);
    cr_assert_not_null(p, "run the tests from the source tree");
    return p;
}

/* A point whose file is missing is refused before any run, naming it. */
Test(sweep_files, a_missing_file_refused_before_any_run)
{
    char *ex = examples_dir(), *dir = tmpdir(), text[1024];
    snprintf(text, sizeof(text), "scenario = \"%s/{w}-2-none.cfg\"\n"
             "file_w = [ \"specjbb\", \"nosuch\" ]\n", ex);
    char *path = write_sweep(dir, "s.cfg", text), *out = ns_path_join(dir, "out");
    struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--quiet", NULL});

    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "s.cfg:1: scenario: point 2 (w=nosuch): ") &&
              strstr(r.err, "/nosuch-2-none.cfg: cannot read"), "%s", r.err);
    cr_assert_not(exists(dir, "out/runs"));
    outcome_free(&r);
    free(out);
    free(path);
    rm_rf(dir);
    free(dir);
    free(ex);
}

/*
 * Five axes of 10,000 values: 10^20 points, more than a 64-bit count holds
 * (1.8 x 10^19). The fifth axis (line 6) is where the count overflows.
 */
Test(sweep_files, uncountable_points_are_refused)
{
    size_t len = 0, cap = 5 * 10000 * 8 + 256;
    char *text = malloc(cap), *dir = tmpdir();

    len += (size_t)sprintf(text, "scenario = \"base.cfg\"\n");
    for (int a = 0; a < 5; a++) {
        len += (size_t)sprintf(text + len, "scenario_k%d = [ ", a);
        for (int v = 0; v < 10000; v++)
            len += (size_t)sprintf(text + len, "%s%d", v ? ", " : "", v);
        len += (size_t)sprintf(text + len, " ]\n");
    }
    char *path = write_sweep(dir, "s.cfg", text);
    struct ns_sweep s;
    struct ns_err err;

    cr_assert_eq(ns_sweep_load(path, &s, &err), -1);
    cr_assert(strstr(err.msg, "s.cfg:6: k4: the axes up to this one give more points than can "
                     "be counted"), "%s", err.msg);
    free(path);
    free(text);
    rm_rf(dir);
    free(dir);
}

/*
 * numa2013's sysbench-memory cells at 2 and 6 VMs under none and numa, with
 * its published table, the axes written policy, vms, workload: point p is
 * policy (p / 2) and vms (p % 2), while the tables number cells [workload]
 * [vms][policy]: cell 1 is (2 VMs, numa), point 2; cell 2 is (6, none),
 * point 1. Each results.csv row must be the mean of its own cell's runs.
 */
static const char tiny[] =
    "scenario = \"%s/{workload}-{vms}-{policy}.cfg\"\n"
    "file_policy = [ \"none\", \"numa\" ]\n"
    "file_vms = [ 2, 6 ]\n"
    "file_workload = [ \"sysbench-memory\" ]\n"
    "point_name = \"{workload}-{vms}-{policy}\"\n"
    "seeds = 2\n"
    "relations = [ \"workload\", \"vms\", \"policy\" ]\n"
    "subject = \"numa\"\n"
    "published = \"%s\"\n";

/* tiny, comparing with the measurements in @published (NULL: numa2013's). */
static char *tiny_sweep_with(const char *dir, const char *published)
{
    char *ex = examples_dir(), *pub = ns_path_join(ex, "published.csv"), text[2048];
    snprintf(text, sizeof(text), tiny, ex, published ? published : pub);
    free(pub);
    free(ex);
    return write_sweep(dir, "tiny.cfg", text);
}

static char *tiny_sweep(const char *dir)
{
    return tiny_sweep_with(dir, NULL);
}

static double run_value(const char *out, const char *cell, unsigned seed)
{
    char path[1024];
    struct ns_exp_run run;
    struct ns_err err;

    snprintf(path, sizeof(path), "%s/runs/%s/seed-%u/results.json", out, cell, seed);
    cr_assert_eq(ns_exp_read_run(path, &run, &err), 0, "%s", err.msg);
    return run.value;
}

Test(sweep_files, relations_write_the_experiment_tables)
{
    static const char *const cells[] = {"sysbench-memory-2-none", "sysbench-memory-2-numa",
                                        "sysbench-memory-6-none", "sysbench-memory-6-numa"};
    char *dir = tmpdir(), *path = tiny_sweep(dir), *out = ns_path_join(dir, "out");
    struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--duration",
                                                 "20ms", "--warmup", "0", "--jobs", "2",
                                                 "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    for (const char *const *n = ns_exp_output_names(); *n; n++)
        cr_assert(exists(out, *n), "%s", *n);
    cr_assert_not(exists(out, "summary.md"), "the experiment tables, not the sweep's");

    char *csv_path = ns_path_join(out, "results.csv"), *csv = slurp(csv_path, NULL), *save;
    char *line = strtok_r(csv, "\n", &save);
    cr_assert_str_eq(line, "workload,vms,policy,metric,unit,better,mean,ci95,runs");
    for (size_t c = 0; c < 4; c++) {
        char prefix[64], *f[9], *fsave;
        line = strtok_r(NULL, "\n", &save);
        cr_assert_not_null(line, "row %zu", c);
        snprintf(prefix, sizeof(prefix), "sysbench-memory,%s,%s,", c < 2 ? "2" : "6",
                 c % 2 ? "numa" : "none");
        cr_assert(strncmp(line, prefix, strlen(prefix)) == 0, "row %zu: %s", c, line);
        f[0] = strtok_r(line, ",", &fsave);
        for (int k = 1; k < 9; k++)
            f[k] = strtok_r(NULL, ",", &fsave);
        /* Two seeds: the mean is their sum over 2, from the cell's own runs. */
        double want = (run_value(out, cells[c], 1) + run_value(out, cells[c], 2)) / 2;
        cr_assert(fabs(strtod(f[6], NULL) - want) <= 1e-6 * fabs(want), "row %zu: %s vs %g",
                  c, f[6], want);
        cr_assert_str_eq(f[8], "2");
    }
    cr_assert_null(strtok_r(NULL, "\n", &save), "four cells, four rows");

    char *md_path = ns_path_join(out, "table.md"), *md = slurp(md_path, NULL);
    cr_assert(strstr(md, "# tiny\n"), "the sweep file's name titles the tables");
    cr_assert(strstr(md, "| VMs | none | numa | numa vs none |"), "%s", md);
    char *cmp_path = ns_path_join(out, "compare.csv"), *cmp = slurp(cmp_path, NULL);
    cr_assert(strncmp(cmp, "kind,workload,vms,relation,", 27) == 0, "%s", cmp);
    free(cmp);
    free(cmp_path);
    free(md);
    free(md_path);
    free(csv);
    free(csv_path);
    outcome_free(&r);
    free(out);
    free(path);
    rm_rf(dir);
    free(dir);
}

/*
 * tiny's sweep whose published measurements are kept in the output folder
 * as compare.csv, the name of one of the tables the run replaces: removing
 * the old tables before the first run would delete the input.
 */
static char *sweep_publishing_from(const char *dir, const char *out)
{
    char *ex = examples_dir(), *pub = ns_path_join(ex, "published.csv");
    char *table = slurp(pub, NULL), *kept = ns_path_join(out, "compare.csv");

    mkdir(out, 0777);
    write_file(out, "compare.csv", table);
    char *path = tiny_sweep_with(dir, kept);
    free(kept);
    free(table);
    free(pub);
    free(ex);
    return path;
}

Test(sweep_files, an_input_under_a_tables_name_is_refused_not_removed)
{
    char *dir = tmpdir(), *out = ns_path_join(dir, "out");
    char *path = sweep_publishing_from(dir, out), *kept = ns_path_join(out, "compare.csv");
    char *before = slurp(kept, NULL);
    struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--duration",
                                                 "20ms", "--warmup", "0", "--quiet", NULL});

    cr_assert_neq(r.status, 0);
    cr_assert(strstr(r.err, "compare.csv: is an input of this run"), "%s", r.err);
    char *after = slurp(kept, NULL);
    cr_assert_str_eq(after, before, "the published table is still there, whole");
    cr_assert_not(exists(out, "runs"), "refused before any run");
    free(after);
    free(before);
    outcome_free(&r);
    free(kept);
    free(path);
    free(out);
    rm_rf(dir);
    free(dir);
}

/* --html over a table or a run's file is refused before the first run. */
Test(sweep_files, html_over_a_table_or_a_run_is_refused_before_any_run)
{
    static const char *const html[] = {"out/results.csv", "out/runs/p1/page.html",
                                       "out/./table.md"};
    static const char *const why[] = {"out/results.csv, a table of this run",
                                      "where the runs' files go",
                                      "out/table.md, a table of this run"};
    char *dir = tmpdir(), *path = tiny_sweep(dir), *out = ns_path_join(dir, "out");

    for (size_t i = 0; i < 3; i++) {
        char *page = ns_path_join(dir, html[i]);
        struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--html",
                                                     page, "--duration", "20ms", "--warmup",
                                                     "0", "--quiet", NULL});
        cr_assert_neq(r.status, 0, "%s", html[i]);
        cr_assert(strstr(r.err, why[i]), "%s: %s", html[i], r.err);
        cr_assert_not(exists(out, "runs"), "%s: refused before any run", html[i]);
        outcome_free(&r);
        free(page);
    }
    free(out);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* An earlier --vary's sensitivity tables describe reruns of an earlier
 * experiment: a new one removes them. */
Test(sweep_files, a_new_experiment_removes_old_sensitivity_tables)
{
    char *dir = tmpdir(), *path = tiny_sweep(dir), *out = ns_path_join(dir, "out");

    mkdir(out, 0777);
    write_file(out, "sensitivity.md", "old\n");
    write_file(out, "sensitivity.csv", "old\n");
    struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--duration",
                                                 "20ms", "--warmup", "0", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not(exists(out, "sensitivity.md"));
    cr_assert_not(exists(out, "sensitivity.csv"));
    outcome_free(&r);
    free(out);
    free(path);
    rm_rf(dir);
    free(dir);
}

/*
 * A cell whose scenario does not have its VM count is refused before any
 * run: here the "VM count" is a seed axis of value 3, and the scenario
 * boots 2 guests.
 */
Test(sweep_files, a_cell_that_is_not_its_scenario_is_refused)
{
    char *ex = examples_dir(), *dir = tmpdir(), text[1024];
    snprintf(text, sizeof(text), "scenario = \"%s/{workload}-2-{policy}.cfg\"\n"
             "file_workload = [ \"specjbb\" ]\nscenario_seed = [ 3 ]\n"
             "file_policy = [ \"none\", \"numa\" ]\n"
             "relations = [ \"workload\", \"seed\", \"policy\" ]\nsubject = \"numa\"\n", ex);
    char *path = write_sweep(dir, "s.cfg", text), *out = ns_path_join(dir, "out");
    struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--quiet", NULL});

    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "s.cfg: point 1 (workload=specjbb, seed=3, policy=none): ") &&
              strstr(r.err, "specjbb-2-none.cfg: domains: 2 guest domains, but this cell has "
                     "3 VMs"), "%s", r.err);
    cr_assert_not(exists(dir, "out/runs"));
    outcome_free(&r);
    free(out);
    free(path);
    rm_rf(dir);
    free(dir);
    free(ex);
}

/* ---- experiments are sweeps: `numasched experiment NAME`, locally and over MPI ------------ */

static int mpi_experiment(const char *mpi, const char *dir, const char *out, const char *errfile)
{
    return mpirun_wait(mpirun_start(mpi, (const char *[]){"experiment", "tiny", "--scenarios",
                                                          dir, "--out", out, "--duration",
                                                          "20ms", "--warmup", "0", "--vary",
                                                          "remote_ratio", NULL},
                                    errfile));
}

/* `experiment NAME --scenarios DIR` runs DIR/NAME.cfg; 3 ranks write what local workers do,
 * --vary's reruns and sensitivity tables included (several batches in one MPI job). */
Test(sweep_files, an_experiment_over_mpi_writes_what_a_local_one_writes)
{
    const char *mpi = getenv("NUMASCHED_MPI");
    if (!mpi || access(mpi, X_OK) != 0)
        cr_skip_test("no build/numasched-mpi (make mpi needs Open MPI)");

    char *dir = tmpdir(), *path = tiny_sweep(dir), *local = ns_path_join(dir, "local");
    char *ranks = ns_path_join(dir, "mpi"), *errfile = ns_path_join(dir, "mpi.err");
    struct outcome r = cli(dir, (const char *[]){"experiment", "tiny", "--scenarios", dir,
                                                 "--out", local, "--duration", "20ms",
                                                 "--warmup", "0", "--jobs", "2", "--quiet",
                                                 "--vary", "remote_ratio", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(exists(local, "compare.csv"));
    cr_assert(exists(local, "sensitivity.md"));
    int status = mpi_experiment(mpi, dir, ranks, errfile);
    char *err = slurp(errfile, NULL);
    cr_assert_eq(status, 0, "%s", err);

    cr_assert(same_tree(local, ranks), "the MPI experiment's files differ from the local one's");
    free(err);
    free(errfile);
    free(ranks);
    free(local);
    outcome_free(&r);
    free(path);
    rm_rf(dir);
    free(dir);
}
