/*
 * Experiments: the statistics against numbers worked out by hand, the tables
 * they feed, and `numasched experiment numa2013` as a user meets it: 27 full
 * rows, an empty interval for one run, a failed run failing the command with
 * its scenario named, and no half table after an interruption. The command
 * tests run tiny durations (tens of ms of virtual time) to stay fast.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/report.h"

/* Quantiles of Student's t from any printed table (two-sided 95%). */
#define T975_DF2 4.302653
#define T975_DF3 3.182446
#define T975_DF4 2.776445

/* ---- statistics ------------------------------------------------------------------ */

Test(exp_stat, three_values)
{
    /* {1, 2, 3}: mean 2; s^2 = (1 + 0 + 1) / 2 = 1, s = 1;
     * half-width = t(0.975, 2) * s / sqrt(3) = 4.302653 / 1.732051 = 2.484138. */
    const double x[] = {1, 2, 3};
    struct ns_exp_stat s;

    ns_exp_stat(x, 3, &s);
    cr_assert_eq(s.n, 3);
    cr_assert_float_eq(s.mean, 2.0, 1e-12);
    cr_assert_float_eq(s.sd, 1.0, 1e-12);
    cr_assert_float_eq(s.ci95, T975_DF2 / sqrt(3), 1e-6);
    cr_assert_float_eq(s.ci95, 2.484138, 1e-6);
}

Test(exp_stat, four_values)
{
    /* {10, 12, 14, 16}: mean 13; s^2 = (9 + 1 + 1 + 9) / 3 = 20/3, s = 2.581989;
     * half-width = 3.182446 * 2.581989 / sqrt(4) = 4.108520. */
    const double x[] = {10, 12, 14, 16};
    struct ns_exp_stat s;

    ns_exp_stat(x, 4, &s);
    cr_assert_float_eq(s.mean, 13.0, 1e-12);
    cr_assert_float_eq(s.sd, 2.581989, 1e-6);
    cr_assert_float_eq(s.ci95, 4.108520, 1e-5);
}

Test(exp_stat, one_value_has_no_interval)
{
    const double x[] = {42};
    struct ns_exp_stat s;

    ns_exp_stat(x, 1, &s);
    cr_assert_float_eq(s.mean, 42.0, 1e-12);
    cr_assert(isnan(s.ci95));
    cr_assert(isnan(s.sd));
}

Test(exp_stat, identical_values_have_zero_width)
{
    const double x[] = {7, 7, 7};
    struct ns_exp_stat s;

    ns_exp_stat(x, 3, &s);
    cr_assert_float_eq(s.ci95, 0.0, 1e-12);
}

Test(exp_stat, welch_difference)
{
    /* {1,2,3} vs {4,5,6}: each s^2/n = 1/3, se = sqrt(2/3) = 0.816497;
     * df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4; half-width = 2.776445 * 0.816497 = 2.266958. */
    const double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    struct ns_exp_stat sa, sb, one;

    ns_exp_stat(a, 3, &sa);
    ns_exp_stat(b, 3, &sb);
    cr_assert_float_eq(ns_exp_diff_ci95(&sa, &sb), T975_DF4 * sqrt(2.0 / 3.0), 1e-6);
    cr_assert_float_eq(ns_exp_diff_ci95(&sa, &sb), 2.266958, 1e-6);
    ns_exp_stat(a, 1, &one);
    cr_assert(isnan(ns_exp_diff_ci95(&sa, &one)));
}

Test(exp_stat, relative_difference_points_to_better)
{
    /* Throughput: 110 against 100 is 10 % better; latency: 90 us against 100 us too. */
    cr_assert_float_eq(ns_exp_rel_better(110, 100, true), 10.0, 1e-12);
    cr_assert_float_eq(ns_exp_rel_better(90, 100, true), -10.0, 1e-12);
    cr_assert_float_eq(ns_exp_rel_better(90, 100, false), 10.0, 1e-12);
    cr_assert_float_eq(ns_exp_rel_better(110, 100, false), -10.0, 1e-12);
    cr_assert(isnan(ns_exp_rel_better(1, 0, true)));
}

/* ---- the axes ---------------------------------------------------------------------------- */

Test(exp_axes, cells_are_numbered_row_major_and_back)
{
    /*
     * 2 workloads x 3 VM counts x 2 policies = 12 cells, policy fastest:
     * (w, v, p) = (1, 2, 0) is cell (1 x 3 + 2) x 2 + 0 = 10, and (0, 1, 1)
     * is (0 x 3 + 1) x 2 + 1 = 3.
     */
    static const char *const w[] = {"a", "b"}, *const p[] = {"x", "y"};
    static const unsigned v[] = {2, 6, 10};
    const struct ns_exp_axes x = {"t", "", w, 2, v, 3, p, 2, "y", NULL};
    size_t wi, vi, pi;

    cr_assert_eq(ns_exp_nr_cells(&x), 12);
    cr_assert_eq(ns_exp_cell_index(&x, 1, 2, 0), 10);
    cr_assert_eq(ns_exp_cell_index(&x, 0, 1, 1), 3);
    ns_exp_cell_axes(&x, 10, &wi, &vi, &pi);
    cr_assert(wi == 1 && vi == 2 && pi == 0, "%zu %zu %zu", wi, vi, pi);
    for (size_t i = 0; i < 12; i++) {
        ns_exp_cell_axes(&x, i, &wi, &vi, &pi);
        cr_assert_eq(ns_exp_cell_index(&x, wi, vi, pi), i);
    }
}

/* ---- tables built by hand -------------------------------------------------------------- */

static const char *const one_workload[] = {"lat"};
static const unsigned two_vms[] = {2};
static const char *const two_policies[] = {"none", "numa"};

static struct ns_exp_run run_of(double v, bool higher)
{
    struct ns_exp_run r = {.value = v, .higher_is_better = higher, .guests = 2,
                           .duration_s = 1, .local_pct = 50};
    strcpy(r.metric, higher ? "ops" : "fork_latency");
    strcpy(r.unit, higher ? "ops/s" : "us");
    return r;
}

/* One workload, 2 VMs, none and numa, with the given runs. */
static void small_table(struct ns_exp_table *t, struct ns_exp_cell cells[2],
                        struct ns_exp_run *none, unsigned nn, struct ns_exp_run *numa,
                        unsigned nm)
{
    cells[0] = (struct ns_exp_cell){"lat", "none", 2, nn, none};
    cells[1] = (struct ns_exp_cell){"lat", "numa", 2, nm, numa};
    static const struct ns_exp_axes axes = {"test", "", one_workload, 1, two_vms, 1,
                                            two_policies, 2, "numa", NULL};
    *t = (struct ns_exp_table){&axes, cells, NULL};
}

/* What @emit writes for @t, as a string. */
static char *emitted(void (*emit)(const struct ns_exp_table *, FILE *),
                     const struct ns_exp_table *t)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);

    cr_assert_not_null(f);
    emit(t, f);
    fclose(f);
    return buf;
}

Test(exp_table, csv_rows_and_empty_ci_for_one_run)
{
    struct ns_exp_run none[] = {run_of(1, true), run_of(2, true), run_of(3, true)};
    struct ns_exp_run numa[] = {run_of(5, true)};
    struct ns_exp_cell cells[2];
    struct ns_exp_table t;

    small_table(&t, cells, none, 3, numa, 1);
    char *csv = emitted(ns_exp_emit_csv, &t);
    const char *head = "workload,vms,policy,metric,unit,better,mean,ci95,runs\n"
                       "lat,2,none,ops,ops/s,higher,2.0,";
    cr_assert(strncmp(csv, head, strlen(head)) == 0, "%s", csv);
    /* The half-width in full precision: 2.484138 as worked out above. */
    char *end;
    cr_assert_float_eq(strtod(csv + strlen(head), &end), 2.484138, 1e-6);
    cr_assert_str_eq(end, ",3\nlat,2,numa,ops,ops/s,higher,5.0,,1\n");
    free(csv);
}

/* A policy named with a comma stays one field, in both tables. */
Test(exp_table, csv_quotes_names_with_commas)
{
    static const char *const policies[] = {"none", "pin, hard"};
    static const struct ns_exp_axes axes = {"test", "", one_workload, 1, two_vms, 1,
                                            policies, 2, "pin, hard", NULL};
    struct ns_exp_run none[] = {run_of(1, true)}, pin[] = {run_of(2, true)};
    struct ns_exp_cell cells[2] = {{"lat", "none", 2, 1, none}, {"lat", "pin, hard", 2, 1, pin}};
    struct ns_exp_table t = {&axes, cells, NULL};

    char *csv = emitted(ns_exp_emit_csv, &t), *mech = emitted(ns_exp_emit_mechanisms, &t);
    cr_assert(strstr(csv, "\nlat,2,\"pin, hard\",ops,ops/s,higher,2.0,,1\n"), "%s", csv);
    cr_assert(strstr(mech, "\nlat,2,\"pin, hard\",1,"), "%s", mech);
    free(csv);
    free(mech);
}

Test(exp_table, markdown_signs_relative_difference_as_better)
{
    /* Latency, lower is better: numa 90 us against none 100 us is +10 %.
     * Both cells {a-1, a, a+1}: the Welch interval is 2.266958, i.e. 2.3 % of
     * 100; the difference of 10 is larger, so it is starred. */
    struct ns_exp_run none[] = {run_of(99, false), run_of(100, false), run_of(101, false)};
    struct ns_exp_run numa[] = {run_of(89, false), run_of(90, false), run_of(91, false)};
    struct ns_exp_cell cells[2];
    struct ns_exp_table t;

    small_table(&t, cells, none, 3, numa, 3);
    char *md = emitted(ns_exp_emit_markdown, &t);
    cr_assert(strstr(md, "## lat: us per VM, lower is better"), "%s", md);
    cr_assert(strstr(md, "| VMs | none | numa | numa vs none |"), "%s", md);
    /* Four significant digits of the largest mean (100.0) fix one decimal. */
    cr_assert(strstr(md, "| 2 | 100.0 ± 2.5 | 90.0 ± 2.5 | +10.0 ± 2.3 % * |"), "%s", md);
    free(md);
}

Test(exp_table, svg_has_a_panel_and_error_bars)
{
    struct ns_exp_run none[] = {run_of(1, true), run_of(2, true), run_of(3, true)};
    struct ns_exp_run numa[] = {run_of(5, true)};
    struct ns_exp_cell cells[2];
    struct ns_exp_table t;

    small_table(&t, cells, none, 3, numa, 1);
    char *svg = emitted(ns_exp_emit_svg, &t);
    cr_assert(strncmp(svg, "<?xml", 5) == 0);
    cr_assert(strstr(svg, "</svg>\n"));
    cr_assert(strstr(svg, ">lat</text>"));
    /* Two bars, one error bar (the single run has none). */
    size_t rects = 0, paths = 0;
    for (const char *p = svg; (p = strstr(p, "<rect x=")); p++)
        rects++;
    for (const char *p = svg; (p = strstr(p, "stroke=\"#000\"")); p++)
        paths++;
    cr_assert_eq(rects, 2 + 2, "two bars and two legend swatches");
    cr_assert_eq(paths, 1);
    free(svg);
}

/* Names come from the user's files: in the plot they are text, not markup. */
Test(exp_table, svg_escapes_names)
{
    static const char *const workloads[] = {"x&y"};
    static const char *const policies[] = {"none", "<pin>"};
    static const struct ns_exp_axes axes = {"a&b", "", workloads, 1, two_vms, 1,
                                            policies, 2, "<pin>", NULL};
    struct ns_exp_run none[] = {run_of(1, true)}, pin[] = {run_of(2, true)};
    struct ns_exp_cell cells[2] = {{"x&y", "none", 2, 1, none}, {"x&y", "<pin>", 2, 1, pin}};
    struct ns_exp_table t = {&axes, cells, NULL};

    char *svg = emitted(ns_exp_emit_svg, &t);
    cr_assert(strstr(svg, "<title>a&amp;b</title>"), "%s", svg);
    cr_assert(strstr(svg, ">x&amp;y</text>"), "%s", svg);
    cr_assert(strstr(svg, ">&lt;pin&gt;</text>"), "%s", svg);
    cr_assert_null(strstr(svg, "<pin>"));
    cr_assert_null(strstr(svg, "a&b"));
    free(svg);
}

/* ---- reading a run back ------------------------------------------------------------------ */

/* Any "NAME.tmp.PID" left anywhere under @dir? */
static bool has_tmp_files(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "find '%s' -name '*.tmp.*' | grep -q .", dir);
    return system(cmd) == 0;
}

Test(exp_read, guests_only_with_rates_per_guest_second)
{
    /*
     * Two guests over 2 s; Domain-0 must not count.
     * value: (300 + 340) / 2 = 320 us
     * local: (1.2 + 0.3) / (1.2 + 0.3 + 0.3 + 0.2) s = 75 %
     * running: (1.5 + 0.5) / 4 s = 50 %; runnable 0.5 / 4 = 12.5 %
     * per guest-second (2 guests x 2 s = 4): core 2/4, socket 4/4, node 8/4
     * wake-ups 400 / 4 = 100; latency (100 x 2 + 300 x 6) / 400 = 5 us
     */
    char *dir = tmpdir(), *path = ns_path_join(dir, "results.json");
    write_file(dir, "results.json",
        "{\"seed\": 1, \"duration_ns\": 2000000000, \"warmup_ns\": 500000000, \"domains\": [\n"
        " {\"name\": \"Domain-0\", \"metric\": {\"name\": \"bursts\", \"unit\": \"bursts/s\",\n"
        "  \"better\": \"higher\", \"value\": 100.0}, \"vcpus\": [{\"runstate_ns\": {\"running\": 9,\n"
        "  \"runnable\": 9, \"blocked\": 9, \"offline\": 0}, \"local_run_ns\": 9, \"remote_run_ns\": 9,\n"
        "  \"migrations\": {\"core\": 9, \"socket\": 9, \"node\": 9}, \"wakeups\": 9,\n"
        "  \"wake_latency_ns\": {\"mean\": 9.0}}]},\n"
        " {\"name\": \"vm1\", \"metric\": {\"name\": \"fork_latency\", \"unit\": \"us\",\n"
        "  \"better\": \"lower\", \"value\": 300.0}, \"vcpus\": [{\"runstate_ns\": {\"running\":\n"
        "  1500000000, \"runnable\": 500000000, \"blocked\": 0, \"offline\": 0}, \"local_run_ns\":\n"
        "  1200000000, \"remote_run_ns\": 300000000, \"migrations\": {\"core\": 2, \"socket\": 4,\n"
        "  \"node\": 6}, \"wakeups\": 100, \"wake_latency_ns\": {\"mean\": 2000.0}}]},\n"
        " {\"name\": \"vm2\", \"metric\": {\"name\": \"fork_latency\", \"unit\": \"us\",\n"
        "  \"better\": \"lower\", \"value\": 340.0}, \"vcpus\": [{\"runstate_ns\": {\"running\":\n"
        "  500000000, \"runnable\": 0, \"blocked\": 1500000000, \"offline\": 0}, \"local_run_ns\":\n"
        "  300000000, \"remote_run_ns\": 200000000, \"migrations\": {\"core\": 0, \"socket\": 0,\n"
        "  \"node\": 2}, \"wakeups\": 300, \"wake_latency_ns\": {\"mean\": 6000.0}}]}]}\n");
    struct ns_exp_run r;
    struct ns_err err;

    cr_assert_eq(ns_exp_read_run(path, &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.metric, "fork_latency");
    cr_assert_str_eq(r.unit, "us");
    cr_assert_not(r.higher_is_better);
    cr_assert_eq(r.guests, 2);
    cr_assert_float_eq(r.value, 320.0, 1e-9);
    cr_assert_float_eq(r.duration_s, 2.0, 1e-12);
    cr_assert_float_eq(r.warmup_s, 0.5, 1e-12);
    cr_assert_float_eq(r.local_pct, 75.0, 1e-9);
    cr_assert_float_eq(r.running_pct, 50.0, 1e-9);
    cr_assert_float_eq(r.runnable_pct, 12.5, 1e-9);
    cr_assert_float_eq(r.mig_core, 0.5, 1e-12);
    cr_assert_float_eq(r.mig_socket, 1.0, 1e-12);
    cr_assert_float_eq(r.mig_node, 2.0, 1e-12);
    cr_assert_float_eq(r.wakeups, 100.0, 1e-9);
    cr_assert_float_eq(r.wake_us, 5.0, 1e-9);

    write_file(dir, "results.json", "{\"domains\": 3}\n");
    cr_assert_eq(ns_exp_read_run(path, &r, &err), -1);
    cr_assert(strstr(err.msg, "not a numasched results.json"), "%s", err.msg);
    free(path);
    rm_rf(dir);
    free(dir);
}

Test(exp_write, all_files_or_none)
{
    struct ns_exp_run none[] = {run_of(1, true), run_of(2, true)};
    struct ns_exp_run numa[] = {run_of(3, true), run_of(4, true)};
    struct ns_exp_cell cells[2];
    struct ns_exp_table t;
    struct ns_err err;
    char *dir = tmpdir();

    small_table(&t, cells, none, 2, numa, 2);
    cr_assert_eq(ns_exp_write(&t, dir, &err), 0, "%s", err.msg);
    /* compare.csv only comes with published measurements, which @t has not. */
    for (const char *const *n = ns_exp_output_names(); *n; n++)
        cr_assert(exists(dir, *n) == (strcmp(*n, "compare.csv") != 0), "%s", *n);

    /* The last file cannot take its name (a folder is in the way): the ones
     * renamed before it go again, and no temporary file stays behind. */
    char *dir2 = ns_path_join(dir, "again"), *blocker = ns_path_join(dir2, "plot.svg");
    cr_assert_eq(mkdir(dir2, 0777), 0);
    cr_assert_eq(mkdir(blocker, 0777), 0);
    cr_assert_eq(ns_exp_write(&t, dir2, &err), -1);
    cr_assert_not(exists(dir2, "results.csv"));
    cr_assert_not(exists(dir2, "table.md"));
    cr_assert_not(has_tmp_files(dir2));
    free(blocker);
    free(dir2);
    rm_rf(dir);
    free(dir);
}

/* ---- the command ---------------------------------------------------------------------------- */

/* Start the command with stdout to /dev/null and stderr to DIR.err. */
static pid_t start(const char *errfile, const char *const *args)
{
    const char *argv[32] = {binary(), "experiment", "numa2013"};
    size_t n = 3;
    for (; args[n - 3]; n++)
        argv[n] = args[n - 3];
    argv[n] = NULL;

    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int o = open("/dev/null", O_WRONLY);
        int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static struct outcome finish(pid_t pid, const char *errfile)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    struct outcome r = {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), NULL,
                        slurp(errfile, NULL)};
    unlink(errfile);
    return r;
}

static struct outcome experiment(const char *dir, const char *const *args)
{
    char errfile[600];
    snprintf(errfile, sizeof(errfile), "%s.err", dir);
    return finish(start(errfile, args), errfile);
}

/* The rows of results.csv after its header, which must be exactly this. */
static char **csv_rows(const char *dir, size_t *n)
{
    char *path = ns_path_join(dir, "results.csv"), *text = slurp(path, NULL), *save = NULL;
    char **rows = NULL;

    cr_assert_not_null(text, "no %s", path);
    char *line = strtok_r(text, "\n", &save);
    cr_assert_str_eq(line, "workload,vms,policy,metric,unit,better,mean,ci95,runs");
    *n = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        rows = ns_xrealloc(rows, (*n + 1) * sizeof(char *));
        rows[(*n)++] = ns_xstrdup(line);
    }
    free(text);
    free(path);
    return rows;
}

/* Split a row into its 9 fields (empty fields kept). */
static size_t fields(char *row, char *f[16])
{
    size_t n = 0;
    for (char *p = row;; p++) {
        f[n++] = p;
        p = strchr(p, ',');
        if (!p || n == 16)
            break;
        *p = '\0';
    }
    return n;
}

static const char *const workloads[] = {"specjbb", "sysbench-memory", "lmbench-proc"};
static const char *const metrics[] = {"ops/s", "MB/s", "us"};
static const char *const policies[] = {"none", "pin", "numa"};

/* 27 rows, each cell once, with @runs runs and an interval exactly when runs > 1. */
static void check_rows(const char *dir, unsigned runs)
{
    size_t n;
    char **rows = csv_rows(dir, &n);
    bool seen[3][3][3] = {{{false}}};

    cr_assert_eq(n, 27, "%zu rows", n);
    for (size_t i = 0; i < n; i++) {
        char *f[16];
        cr_assert_eq(fields(rows[i], f), 9, "row %zu", i);
        int w = -1, p = -1, v = atoi(f[1]) == 2 ? 0 : atoi(f[1]) == 6 ? 1 : atoi(f[1]) == 10 ? 2 : -1;
        for (int k = 0; k < 3; k++) {
            w = strcmp(f[0], workloads[k]) == 0 ? k : w;
            p = strcmp(f[2], policies[k]) == 0 ? k : p;
        }
        cr_assert(w >= 0 && v >= 0 && p >= 0, "row %zu: %s,%s,%s", i, f[0], f[1], f[2]);
        cr_assert_not(seen[w][v][p]);
        seen[w][v][p] = true;
        cr_assert_str_eq(f[4], metrics[w]);
        cr_assert_str_eq(f[5], w == 2 ? "lower" : "higher");
        cr_assert(strtod(f[6], NULL) > 0, "%s-%s-%s: mean %s", f[0], f[1], f[2], f[6]);
        cr_assert_eq(strtoul(f[8], NULL, 10), runs);
        if (runs == 1)
            cr_assert_str_eq(f[7], "", "%s-%s-%s", f[0], f[1], f[2]);
        else
            cr_assert(strtod(f[7], NULL) >= 0 && f[7][0], "%s-%s-%s", f[0], f[1], f[2]);
        free(rows[i]);
    }
    free(rows);
}

Test(exp_cli, twenty_seven_rows_and_every_output)
{
    char *dir = tmpdir();
    struct outcome r = experiment(dir, (const char *[]){
        "--out", dir, "--seeds", "2", "--duration", "30ms", "--warmup", "10ms", "--jobs", "2",
        NULL});

    cr_assert_eq(r.status, 0, "%s", r.err);
    check_rows(dir, 2);
    for (const char *const *n = ns_exp_output_names(); *n; n++)
        cr_assert(exists(dir, *n), "%s", *n);
    cr_assert(exists(dir, "runs/specjbb-10-numa/seed-2/results.json"));
    cr_assert(exists(dir, "runs/lmbench-proc-2-none/seed-1/results.json"));
    cr_assert_not(has_tmp_files(dir));

    char *md_path = ns_path_join(dir, "table.md"), *md = slurp(md_path, NULL);
    cr_assert(strstr(md, "## lmbench-proc: us per VM, lower is better"));
    cr_assert(strstr(md, "| VMs | none | pin | numa | numa vs none | numa vs pin |"));
    free(md);
    free(md_path);
    free(r.err);
    rm_rf(dir);
    free(dir);
}

Test(exp_cli, one_seed_leaves_ci95_empty)
{
    char *dir = tmpdir();
    struct outcome r = experiment(dir, (const char *[]){
        "--out", dir, "--seeds", "1", "--duration", "20ms", "--warmup", "0", "--quiet", NULL});

    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "", "--quiet prints nothing: %s", r.err);
    check_rows(dir, 1);
    free(r.err);
    rm_rf(dir);
    free(dir);
}

Test(exp_cli, failed_run_fails_the_command_naming_it)
{
    /* A file where the run's folder must go: that one worker cannot write. */
    char *dir = tmpdir(), cmd[800];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/runs/lmbench-proc-6-pin' && "
             "touch '%s/runs/lmbench-proc-6-pin/seed-1'", dir, dir);
    cr_assert_eq(system(cmd), 0);

    struct outcome r = experiment(dir, (const char *[]){
        "--out", dir, "--seeds", "1", "--duration", "10ms", "--warmup", "0", "--quiet", NULL});

    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "lmbench-proc-6-pin seed 1 failed"), "%s", r.err);
    cr_assert(strstr(r.err, "examples/numa2013/lmbench-proc-6-pin.cfg"), "%s", r.err);
    /* One line, the worker's reason in it: not the worker's line, then the batch's. */
    cr_assert(strstr(r.err, "cannot create directory"), "%s", r.err);
    cr_assert(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    for (const char *const *n = ns_exp_output_names(); *n; n++)
        cr_assert_not(exists(dir, *n), "%s written after a failed run", *n);
    free(r.err);
    rm_rf(dir);
    free(dir);
}

Test(exp_cli, broken_scenario_is_named_before_any_run)
{
    char *dir = tmpdir(), cmd[1600], scen[300];
    snprintf(scen, sizeof(scen), "%s/scenarios", dir);
    snprintf(cmd, sizeof(cmd), "cp -r examples/numa2013 '%s' && "
             "echo 'duraton = 5' >> '%s/sysbench-memory-10-numa.cfg'", scen, scen);
    cr_assert_eq(system(cmd), 0);

    char out[600];
    snprintf(out, sizeof(out), "%s/out", dir);
    struct outcome r = experiment(out, (const char *[]){
        "--out", out, "--scenarios", scen, "--seeds", "1", "--quiet", NULL});

    cr_assert_eq(r.status, 1, "%s", r.err);
    /* Point 18: workload 1 (from 0) x 9 + vms 2 x 3 + policy 2 = 17, from 1. */
    cr_assert(strstr(r.err, "numa2013.cfg: point 18 (workload=sysbench-memory, vms=10, "
                     "policy=numa): "), "%s", r.err);
    cr_assert(strstr(r.err, "duraton"), "%s", r.err);
    cr_assert_not(exists(out, "runs"), "no run starts");
    free(r.err);
    rm_rf(dir);
    free(dir);
}

Test(exp_cli, interrupted_run_leaves_no_table)
{
    /* A table from an earlier run must not survive next to the new runs. */
    char *dir = tmpdir(), errfile[600];
    write_file(dir, "results.csv", "workload,vms,policy,metric,unit,better,mean,ci95,runs\n");
    snprintf(errfile, sizeof(errfile), "%s.err", dir);

    pid_t pid = start(errfile, (const char *[]){
        "--out", dir, "--seeds", "5", "--duration", "30", "--jobs", "2", NULL});
    /* Wait until the runs are under way (the start line), then stop it. */
    for (int i = 0; i < 500; i++) {
        char *text = slurp(errfile, NULL);
        bool started = text && strstr(text, " complete from before, into ");
        free(text);
        if (started)
            break;
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    kill(pid, SIGTERM);
    struct outcome r = finish(pid, errfile);

    cr_assert_eq(r.status, 128 + SIGTERM, "%s", r.err);
    cr_assert(strstr(r.err, "stopped by signal"), "%s", r.err);
    for (const char *const *n = ns_exp_output_names(); *n; n++)
        cr_assert_not(exists(dir, *n), "%s after an interruption", *n);
    cr_assert_not(has_tmp_files(dir));
    free(r.err);
    rm_rf(dir);
    free(dir);
}

Test(exp_cli, misuse)
{
    char *dir = tmpdir();
    struct outcome r = experiment(dir, (const char *[]){"--seeds", "0", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--seeds"), "%s", r.err);
    free(r.err);

    r = cli(dir, (const char *[]){"experiment", "numa1999", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "no experiment named \"numa1999\""), "%s", r.err);
    outcome_free(&r);
    rm_rf(dir);
    free(dir);
}
