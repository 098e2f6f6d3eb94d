/*
 * Sweeps: the file format and its points (config/sweep.c), each point as the
 * base scenario with settings, and `numasched sweep` as a user meets it:
 * errors before any run, results.csv, resuming after an interruption.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/config.h"
#include "numasched/report.h"

/* The 2013 experiment's 2-VM specjbb cell: 2 nodes of 8 pCPUs and 6 GiB,
 * dom0 plus guests of 2 vCPUs and 960 MiB (examples/numa2013/specjbb/vm1.cfg). */
static char *base_scenario(void)
{
    char *p = realpath("examples/numa2013/specjbb-2-none.cfg", NULL);
    cr_assert_not_null(p, "run the tests from the source tree");
    return p;
}

static char *sweep_file(const char *dir, const char *body)
{
    char *base = base_scenario(), text[4096];

    snprintf(text, sizeof(text), "scenario = \"%s\"\n%s", base, body);
    write_file(dir, "s.cfg", text);
    free(base);
    return ns_path_join(dir, "s.cfg");
}

/* ---- the format ----------------------------------------------------------------------- */

Test(sweep_file, axes_in_file_order_and_points_row_major)
{
    char *dir = tmpdir(), *path = sweep_file(dir,
        "seeds = 3\n"
        "template = \"specjbb/vm1.cfg\"\n"
        "guests = [ 2, 4 ]\n"
        "scenario_sched = [ \"credit\", \"rr\", \"credit2\" ]\n"
        "domain_vcpus = [ 1, 2 ]\n");
    struct ns_sweep s;
    struct ns_err err;
    size_t idx[3];

    cr_assert_eq(ns_sweep_load(path, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.nr_axes, 3);
    cr_assert_str_eq(s.axis[0].name, "guests");
    cr_assert_eq(s.axis[0].kind, NS_AXIS_GUESTS);
    cr_assert_str_eq(s.axis[1].name, "sched");
    cr_assert_eq(s.axis[1].kind, NS_AXIS_SCENARIO);
    cr_assert_str_eq(s.axis[2].name, "domain_vcpus");
    cr_assert_str_eq(s.axis[2].key, "vcpus");
    cr_assert_eq(s.axis[2].line, 6);   /* the scenario line comes first */
    /* seeds = 3: seeds 1, 2, 3. */
    cr_assert_eq(s.nr_seeds, 3);
    cr_assert_eq(s.seed[0], 1);
    cr_assert_eq(s.seed[2], 3);
    /* 2 x 3 x 2 = 12 points, the last axis fastest: point 7 (from 0) is
     * 7 = 1*6 + 0*2 + 1, i.e. guests=4, sched=credit, vcpus=2. */
    cr_assert_eq(ns_sweep_nr_points(&s), 12);
    ns_sweep_point(&s, 7, idx);
    cr_assert_eq(idx[0], 1);
    cr_assert_eq(idx[1], 0);
    cr_assert_eq(idx[2], 1);
    ns_sweep_free(&s);
    free(path);
    rm_rf(dir);
    free(dir);
}

Test(sweep_file, listed_points_and_seed_lists)
{
    char *dir = tmpdir(), *path = sweep_file(dir,
        "seeds = [ 7, 3 ]\n"
        "scenario_sched = [ \"credit\", \"rr\" ]\n"
        "scenario_placement = [ \"none\", \"auto\" ]\n"
        "points = [ [ \"rr\", \"auto\" ], [ \"credit\", \"none\" ] ]\n");
    struct ns_sweep s;
    struct ns_err err;
    size_t idx[2];

    cr_assert_eq(ns_sweep_load(path, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.nr_seeds, 2);
    cr_assert_eq(s.seed[0], 7);
    cr_assert_eq(ns_sweep_nr_points(&s), 2);
    ns_sweep_point(&s, 0, idx);
    cr_assert_eq(idx[0], 1);
    cr_assert_eq(idx[1], 1);
    ns_sweep_point(&s, 1, idx);
    cr_assert_eq(idx[0], 0);
    cr_assert_eq(idx[1], 0);
    ns_sweep_free(&s);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* The sweep file's own mistakes, each with its line. */
Test(sweep_file, refused_with_file_line_and_key)
{
    static const struct {
        const char *body, *msg;
    } bad[] = {
        {"scenario_sched = [ ]\n", "s.cfg:2: scenario_sched: an empty axis"},
        {"seedz = 2\nscenario_sched = [ \"rr\" ]\n", "s.cfg:2: seedz: unknown sweep key"},
        /* libxlutil's names may hold dots: the whole name is the key. */
        {"see.ds = 2\nscenario_sched = [ \"rr\" ]\n", "s.cfg:2: see.ds: unknown sweep key"},
        {"seeds = 2\n", "no axis"},
        {"guests = [ 2 ]\n", "s.cfg:2: guests: needs template"},
        {"template = \"t.cfg\"\nguests = [ 0 ]\n", "s.cfg:3: guests: \"0\" is not a number"},
        {"seeds = [ 1, 1 ]\nscenario_sched = [ \"rr\" ]\n", "s.cfg:2: seeds: seed 1 twice"},
        {"scenario_sched = [ \"rr\" ]\npoints = [ [ \"credit\" ] ]\n",
         "s.cfg:3: points: point 1: \"credit\" is not a value of the axis sched"},
        {"scenario_sched = [ \"rr\" ]\npoints = [ [ \"rr\", \"x\" ] ]\n",
         "s.cfg:3: points: point 1: expected 1 values"},
        {"scenario_sched = [ \"a\\\"b\" ]\n", "s.cfg:2: scenario_sched: value 1: a quote"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *dir = tmpdir(), *path = sweep_file(dir, bad[i].body);
        struct ns_sweep s;
        struct ns_err err;
        cr_assert_eq(ns_sweep_load(path, &s, &err), -1, "case %zu", i);
        cr_assert(strstr(err.msg, bad[i].msg), "case %zu: %s", i, err.msg);
        free(path);
        rm_rf(dir);
        free(dir);
    }
}

/* ---- a point is the base scenario with settings -------------------------------------------- */

Test(sweep_point, settings_replace_the_scenario_and_guest_keys)
{
    char *dir = tmpdir(), *path = sweep_file(dir,
        "template = \"specjbb/vm1.cfg\"\n"
        "guests = [ 3 ]\n"
        "scenario_sched = [ \"rr\" ]\n"
        "domain_vcpus = [ 1 ]\n");
    struct ns_sweep s;
    struct ns_overrides ov;
    struct ns_sim_spec spec = {0};
    struct ns_err err;

    cr_assert_eq(ns_sweep_load(path, &s, &err), 0, "%s", err.msg);
    ns_sweep_overrides(&s, 0, &ov);
    cr_assert_eq(ov.nr_scenario, 2);
    cr_assert_str_eq(ov.scenario[1].stmt, "sched = \"rr\"");
    cr_assert_eq(ov.nr_guest, 1);
    cr_assert_str_eq(ov.guest[0].stmt, "vcpus = \"1\"");
    char *scenario = ns_sweep_scenario(&s, 0);
    cr_assert_eq(ns_config_load(scenario, &ov, &spec, &err), 0, "%s", err.msg);
    free(scenario);
    /* The base has dom0 and 2 guests of 2 vCPUs under credit; the point has
     * dom0 and 3 guests of 1 vCPU, named from the template's "vm1", under rr. */
    cr_assert_eq(spec.nr_dom, 4);
    cr_assert_str_eq(spec.dom[1].name, "vm1-1");
    cr_assert_str_eq(spec.dom[3].name, "vm1-3");
    cr_assert_eq(spec.dom[3].max_vcpus, 1);
    cr_assert_str_eq(spec.pool[0].sched, "rr");
    ns_sim_spec_free(&spec);
    ns_sweep_overrides_free(&ov);
    ns_sweep_free(&s);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* A numbered guest keeps its whole name: cut at a byte count, a name of 199
 * 'a's and an 'é' (2 bytes) lost the 'é''s second byte, and results.json
 * its UTF-8. */
Test(sweep_point, a_numbered_name_is_never_cut)
{
    char *dir = tmpdir(), name[202], t[512];

    memset(name, 'a', 199);
    strcpy(name + 199, "\xc3\xa9");
    snprintf(t, sizeof(t), "name = \"%s\"\nmemory = 256\nworkload = \"idle\"\n", name);
    write_file(dir, "t.cfg", t);
    snprintf(t, sizeof(t), "template = \"%s/t.cfg\"\nguests = [ 2 ]\n", dir);
    char *path = sweep_file(dir, t);
    struct ns_sweep s;
    struct ns_overrides ov;
    struct ns_sim_spec spec = {0};
    struct ns_err err;

    cr_assert_eq(ns_sweep_load(path, &s, &err), 0, "%s", err.msg);
    ns_sweep_overrides(&s, 0, &ov);
    char *scenario = ns_sweep_scenario(&s, 0), want[208];
    cr_assert_eq(ns_config_load(scenario, &ov, &spec, &err), 0, "%s", err.msg);
    snprintf(want, sizeof(want), "%s-2", name);
    cr_expect_str_eq(spec.dom[2].name, want);
    free(scenario);
    ns_sim_spec_free(&spec);
    ns_sweep_overrides_free(&ov);
    ns_sweep_free(&s);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* ---- the command --------------------------------------------------------------------------- */

/* 2 guest counts x 2 schedulers x 2 seeds: 8 short runs. */
static const char small[] =
    "template = \"specjbb/vm1.cfg\"\n"
    "seeds = 2\n"
    "guests = [ 2, 4 ]\n"
    "scenario_sched = [ \"credit\", \"rr\" ]\n";

static struct outcome sweep(const char *dir, const char *path, const char *jobs)
{
    char *out = ns_path_join(dir, "out");
    struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--duration",
                                                 "20ms", "--warmup", "0", "--jobs", jobs,
                                                 "--quiet", NULL});
    free(out);
    return r;
}

static char *results(const char *dir)
{
    char *p = ns_path_join(dir, "out/results.csv"), *text = slurp(p, NULL);
    free(p);
    cr_assert_not_null(text);
    return text;
}

Test(sweep_cli, a_row_per_point_and_seed_axes_first)
{
    char *dir = tmpdir(), *path = sweep_file(dir, small);
    struct outcome r = sweep(dir, path, "2");

    cr_assert_eq(r.status, 0, "%s", r.err);
    char *csv = results(dir), *save = NULL;
    /* Points row-major (guests slowest), each with seeds 1 and 2. */
    static const char *const lead[] = {"2,credit,1,", "2,credit,2,", "2,rr,1,", "2,rr,2,",
                                       "4,credit,1,", "4,credit,2,", "4,rr,1,", "4,rr,2,"};
    char *line = strtok_r(csv, "\n", &save);
    cr_assert_str_eq(line, "guests,sched,seed,metric,unit,value,local_pct,running_pct,"
                     "runnable_pct,mig_core_per_s,mig_socket_per_s,mig_node_per_s,"
                     "wakeups_per_s,wake_us");
    for (size_t i = 0; i < 8; i++) {
        line = strtok_r(NULL, "\n", &save);
        cr_assert_not_null(line, "row %zu missing", i);
        cr_assert(strncmp(line, lead[i], strlen(lead[i])) == 0, "row %zu: %s", i, line);
        cr_assert(strstr(line, ",ops,ops/s,"), "row %zu: %s", i, line);
    }
    cr_assert_null(strtok_r(NULL, "\n", &save));
    cr_assert(exists(dir, "out/summary.md"));
    cr_assert(exists(dir, "out/plot-value.svg"));
    cr_assert(exists(dir, "out/plot-wake_us.svg"));
    cr_assert(exists(dir, "out/runs/p4/seed-2/results.json"));
    free(csv);
    outcome_free(&r);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* A value one point cannot load stops the sweep before its first run. */
Test(sweep_cli, a_bad_point_refused_before_any_run)
{
    char *dir = tmpdir(), *path = sweep_file(dir,
        "template = \"specjbb/vm1.cfg\"\n"
        "guests = [ 2, 4 ]\n"
        "scenario_sched = [ \"credit\", \"cfs\" ]\n");
    struct outcome r = sweep(dir, path, "2");

    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "s.cfg: point 2 (guests=2, sched=cfs): ") &&
              strstr(r.err, "s.cfg:4: sched: unknown scheduler \"cfs\""), "%s", r.err);
    cr_assert_not(exists(dir, "out/runs"));
    outcome_free(&r);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* Guests reporting ops/s and us: no table can average them, which must be
 * known before the runs, not after. */
Test(sweep_cli, guests_of_different_metrics_refused_before_any_run)
{
    char *dir = tmpdir();
    write_file(dir, "a.cfg", "name = \"a\"\nvcpus = 1\nmemory = 256\nworkload = \"specjbb\"\n");
    write_file(dir, "b.cfg", "name = \"b\"\nvcpus = 1\nmemory = 256\n"
               "workload = \"lmbench-proc\"\n");
    write_file(dir, "base.cfg", "host = \"pack:2 [numa(memory=4GiB)] core:2 pu:1\"\n"
               "duration = 1\ndomains = [ \"a.cfg\", \"b.cfg\" ]\n");
    write_file(dir, "s.cfg", "scenario = \"base.cfg\"\nscenario_sched = [ \"credit\" ]\n");
    char *path = ns_path_join(dir, "s.cfg");
    struct outcome r = sweep(dir, path, "1");

    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "b.cfg: workload: b reports fork_latency in us, the guests before "
                     "it ops in ops/s"), "%s", r.err);
    cr_assert_not(exists(dir, "out/runs"));
    outcome_free(&r);
    free(path);
    rm_rf(dir);
    free(dir);
}

static ino_t inode(const char *dir, const char *name)
{
    char *p = ns_path_join(dir, name);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0, "%s", p);
    free(p);
    return st.st_ino;
}

/*
 * After an interruption some runs are missing and one has only a partial
 * file: a second command runs exactly those again (a complete run keeps its
 * file, inode and all), and the tables equal an uninterrupted sweep's.
 */
Test(sweep_cli, resumes_only_what_is_missing)
{
    char *dir = tmpdir(), *path = sweep_file(dir, small), *out = ns_path_join(dir, "out");
    struct outcome r = sweep(dir, path, "2");

    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
    char *whole = results(dir);
    ino_t kept = inode(out, "runs/p1/seed-1/results.json");

    char *gone = ns_path_join(out, "runs/p3"), *half = ns_path_join(out, "runs/p2/seed-2/results.csv");
    char *table = ns_path_join(out, "results.csv");
    rm_rf(gone);
    cr_assert_eq(unlink(half), 0);
    cr_assert_eq(unlink(table), 0);
    r = sweep(dir, path, "1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(inode(out, "runs/p1/seed-1/results.json"), kept);
    cr_assert(exists(out, "runs/p3/seed-2/results.json"));
    cr_assert(exists(out, "runs/p2/seed-2/results.csv"));
    char *again = results(dir);
    cr_assert_str_eq(again, whole);
    free(again);
    free(whole);
    free(table);
    free(half);
    free(gone);
    free(out);
    outcome_free(&r);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* ---- under MPI -------------------------------------------------------------------------------- */

/* mpirun ... $NUMASCHED_MPI sweep PATH --out DIR/OUT ..., started: its pid. */
static pid_t mpi_start(const char *mpi, const char *dir, const char *path, const char *out_name,
                       const char *duration, const char *errfile)
{
    char *out = ns_path_join(dir, out_name);
    pid_t pid = mpirun_start(mpi, (const char *[]){"sweep", path, "--out", out, "--duration",
                                                   duration, "--warmup", "0", NULL}, errfile);
    free(out);
    return pid;
}

/* The same sweep locally and over 3 ranks: every file of both folders alike. */
Test(sweep_mpi, three_ranks_write_what_a_local_run_writes)
{
    const char *mpi = getenv("NUMASCHED_MPI");
    if (!mpi || access(mpi, X_OK) != 0)
        cr_skip_test("no build/numasched-mpi (make mpi needs Open MPI)");

    char *dir = tmpdir(), *path = sweep_file(dir, small), *errfile = ns_path_join(dir, "mpi.err");
    struct outcome r = sweep(dir, path, "2");
    cr_assert_eq(r.status, 0, "%s", r.err);
    int status = mpirun_wait(mpi_start(mpi, dir, path, "mpi", "20ms", errfile));
    char *err = slurp(errfile, NULL);
    cr_assert_eq(status, 0, "%s", err);

    char *out = ns_path_join(dir, "out"), *ranks = ns_path_join(dir, "mpi");
    cr_assert(same_tree(out, ranks), "the MPI sweep's files differ from the local one's");
    free(out);
    free(ranks);
    free(err);
    free(errfile);
    outcome_free(&r);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* How many times @needle occurs in @hay. */
static int occurrences(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Every rank reads the same missing file: its one-line error is printed once, not 3 times. */
Test(sweep_mpi, an_error_every_rank_meets_is_printed_once)
{
    const char *mpi = getenv("NUMASCHED_MPI");
    if (!mpi || access(mpi, X_OK) != 0)
        cr_skip_test("no build/numasched-mpi (make mpi needs Open MPI)");

    char *dir = tmpdir(), *errfile = ns_path_join(dir, "mpi.err");
    char *missing = ns_path_join(dir, "missing.cfg");
    int status = mpirun_wait(mpi_start(mpi, dir, missing, "out", "20ms", errfile));
    char *err = slurp(errfile, NULL);
    cr_assert_neq(status, 0, "%s", err);
    cr_assert_eq(occurrences(err, "missing.cfg: cannot read"), 1, "%s", err);
    cr_assert_null(strstr(err, "rank "), "%s", err);
    free(err);
    free(missing);
    free(errfile);
    rm_rf(dir);
    free(dir);
}

/* Ranks 3 and 4 (of 5) are given a file the others can read and they cannot, as on
 * a cluster node without the shared folder: rank 0 prints their words under their
 * numbers, and no run starts. */
Test(sweep_mpi, a_rank_that_cannot_start_is_named_and_nothing_runs)
{
    const char *mpi = getenv("NUMASCHED_MPI");
    if (!mpi || access(mpi, X_OK) != 0)
        cr_skip_test("no build/numasched-mpi (make mpi needs Open MPI)");

    char *dir = tmpdir(), *path = sweep_file(dir, small), *errfile = ns_path_join(dir, "mpi.err");
    char *missing = ns_path_join(dir, "missing.cfg"), *out = ns_path_join(dir, "out");
    pid_t pid = mpirun_start(mpi, (const char *[]){"sweep", path, "--out", out, ":", "-np", "2",
                                                   mpi, "sweep", missing, "--out", out, NULL},
                             errfile);
    int status = mpirun_wait(pid);
    char *err = slurp(errfile, NULL);
    cr_assert_neq(status, 0, "%s", err);
    cr_assert_eq(occurrences(err, "cannot read"), 2, "%s", err);
    cr_assert_not_null(strstr(err, "rank 3: numasched sweep: "), "%s", err);
    cr_assert_not_null(strstr(err, "rank 4: numasched sweep: "), "%s", err);
    cr_assert_not_null(strstr(err, "rank 3 could not start the runs"), "%s", err);
    cr_assert(!exists(out, "runs/p1/seed-1/results.json") && !exists(out, "results.csv"));
    free(err);
    free(out);
    free(missing);
    free(errfile);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* ---- a rank lost mid-sweep ------------------------------------------------------------------- */

/* 2 x 2 points x 3 seeds = 12 runs of 6 or 10 guests, 120 simulated seconds
 * each: about half a second apiece in the optimised build, so that when the
 * first run is in, the ranks are busy with others. */
static const char twelve_runs[] =
    "template = \"specjbb/vm1.cfg\"\n"
    "seeds = 3\n"
    "guests = [ 6, 10 ]\n"
    "scenario_sched = [ \"credit\", \"credit2\" ]\n";

enum { KILL_POINTS = 4, KILL_SEEDS = 3 };

/* The process of rank @rank among mpirun @parent's children, 0 if none (yet). */
static pid_t rank_pid(pid_t parent, int rank)
{
    char want[48], path[64];
    DIR *proc = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;

    cr_assert_not_null(proc);
    snprintf(want, sizeof(want), "OMPI_COMM_WORLD_RANK=%d", rank);
    while (!found && (e = readdir(proc)) != NULL) {
        pid_t pid = (pid_t)atoi(e->d_name);
        int ppid = 0;
        if (pid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        /* pid (comm) state ppid: comm may hold blanks, so read past its ')'. */
        char line[512];
        if (fgets(line, sizeof(line), f) && strrchr(line, ')'))
            sscanf(strrchr(line, ')') + 2, "%*c %d", &ppid);
        fclose(f);
        if (ppid != (int)parent)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
        size_t n;
        char *env = slurp(path, &n);
        for (size_t i = 0; env && i < n; i += strlen(env + i) + 1)
            if (strcmp(env + i, want) == 0)
                found = pid;
        free(env);
    }
    closedir(proc);
    return found;
}

static bool run_done(const char *out, int point, int seed)
{
    char name[64];
    snprintf(name, sizeof(name), "runs/p%d/seed-%d/results.json", point, seed);
    return exists(out, name);
}

static int runs_done(const char *out)
{
    int n = 0;
    for (int p = 1; p <= KILL_POINTS; p++)
        for (int k = 1; k <= KILL_SEEDS; k++)
            n += run_done(out, p, k);
    return n;
}

/* Once the first run is in, SIGKILL rank 1: a rank lost as a node is lost. */
static void kill_rank_after_first_run(pid_t mpirun, const char *out)
{
    for (int tries = 0; tries < 60000; tries++) {
        pid_t victim = runs_done(out) > 0 ? rank_pid(mpirun, 1) : 0;
        if (victim > 0) {
            cr_assert_eq(kill(victim, SIGKILL), 0);
            return;
        }
        cr_assert_eq(waitpid(mpirun, NULL, WNOHANG), 0, "the sweep ended before a rank was "
                     "killed: make its runs longer");
        usleep(2000);
    }
    cr_assert_fail("no run was complete after 120 s");
}

/*
 * "stopped; runs not finished: point 2 (...) seed 1, point 4 (...) seed 3,
 * and 5 not started": every run named is unfinished on disk, and the named
 * ones and the count are, together, every unfinished run.
 */
static void check_named(const char *err, const char *out)
{
    const char *list = strstr(err, "runs not finished: ");
    int named = 0, waiting = 0, point, seed;

    cr_assert_not_null(list, "the lost runs are not named:\n%s", err);
    for (const char *s = list; (s = strstr(s, "point ")) != NULL; s++) {
        cr_assert_eq(sscanf(s, "point %d", &point), 1);
        const char *k = strstr(s, ") seed ");
        cr_assert_not_null(k);
        cr_assert_eq(sscanf(k, ") seed %d", &seed), 1);
        cr_assert_not(run_done(out, point, seed), "point %d seed %d is named, yet complete",
                      point, seed);
        named++;
    }
    const char *and = strstr(list, "and ");
    if (and)
        cr_assert_eq(sscanf(and, "and %d not started", &waiting), 1);
    cr_assert_eq(named + waiting, KILL_POINTS * KILL_SEEDS - runs_done(out), "%s", list);
}

/*
 * The test of resuming under MPI: kill one rank mid-sweep; the
 * command exits non-zero naming what it did not finish; the same command
 * then runs only that (the runs complete before keep their files, inode and
 * all), and the folder ends as an uninterrupted run's, byte for byte.
 */
Test(sweep_mpi, a_killed_rank_is_named_and_only_its_runs_rerun, .timeout = 600)
{
    const char *mpi = getenv("NUMASCHED_MPI");
    if (!mpi || access(mpi, X_OK) != 0)
        cr_skip_test("no build/numasched-mpi (make mpi needs Open MPI)");

    char *dir = tmpdir(), *path = sweep_file(dir, twelve_runs);
    char *errfile = ns_path_join(dir, "mpi.err"), *out = ns_path_join(dir, "mpi");

    pid_t pid = mpi_start(mpi, dir, path, "mpi", "120s", errfile);
    kill_rank_after_first_run(pid, out);
    int status = mpirun_wait(pid);
    char *err = slurp(errfile, NULL);
    cr_assert_neq(status, 0, "%s", err);
    check_named(err, out);

    int before = runs_done(out);
    ino_t kept[KILL_POINTS][KILL_SEEDS] = {{0}};
    char name[64];
    cr_assert(before > 0 && before < KILL_POINTS * KILL_SEEDS, "%d runs complete", before);
    for (int p = 1; p <= KILL_POINTS; p++)
        for (int k = 1; k <= KILL_SEEDS; k++)
            if (run_done(out, p, k)) {
                snprintf(name, sizeof(name), "runs/p%d/seed-%d/results.json", p, k);
                kept[p - 1][k - 1] = inode(out, name);
            }

    status = mpirun_wait(mpi_start(mpi, dir, path, "mpi", "120s", errfile));
    free(err);
    err = slurp(errfile, NULL);
    cr_assert_eq(status, 0, "%s", err);
    cr_assert_eq(runs_done(out), KILL_POINTS * KILL_SEEDS);
    for (int p = 1; p <= KILL_POINTS; p++)
        for (int k = 1; k <= KILL_SEEDS; k++) {
            snprintf(name, sizeof(name), "runs/p%d/seed-%d/results.json", p, k);
            if (kept[p - 1][k - 1])
                cr_assert_eq(inode(out, name), kept[p - 1][k - 1], "%s was run again", name);
        }

    cr_assert_eq(mpirun_wait(mpi_start(mpi, dir, path, "whole", "120s", errfile)), 0);
    char *whole = ns_path_join(dir, "whole");
    cr_assert(same_tree(whole, out), "the resumed sweep's files differ from an uninterrupted one's");
    free(whole);
    free(err);
    free(out);
    free(errfile);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* ---- the tables ------------------------------------------------------------------------------- */

/*
 * Two points (sched=credit, sched=rr) x seeds 4 and 9, values by hand:
 * credit 10 and 20: mean 15, sd = sqrt(((10-15)^2 + (20-15)^2) / 1) = 7.071,
 * ci95 = t(0.975, 1) * sd / sqrt(2) = 12.706 * 5 = 63.53 -> "15 ± 64";
 * rr 30 and 30: mean 30, ci95 0 -> "30 ± 0".
 */
Test(sweep_table, rows_by_point_and_seed_and_intervals_by_hand)
{
    char *values[] = {"credit", "rr"};
    struct ns_sweep_col axis = {"sched", values, 2};
    size_t point[] = {0, 1};
    uint64_t seed[] = {4, 9};
    struct ns_exp_run run[4] = {
        {"ops", "ops/s", true, 10, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
        {"ops", "ops/s", true, 20, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
        {"ops", "ops/s", true, 30, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
        {"ops", "ops/s", true, 30, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
    };
    struct ns_sweep_table t = {"demo", &axis, 1, point, 2, seed, 2, run};
    char *csv = NULL, *md = NULL;
    size_t n;

    FILE *f = open_memstream(&csv, &n);
    ns_sweep_emit_csv(&t, f);
    fclose(f);
    cr_assert_str_eq(csv,
        "sched,seed,metric,unit,value,local_pct,running_pct,runnable_pct,mig_core_per_s,"
        "mig_socket_per_s,mig_node_per_s,wakeups_per_s,wake_us\n"
        "credit,4,ops,ops/s,10.0,50.0,100.0,0.0,0.0,0.0,0.0,0.0,\n"
        "credit,9,ops,ops/s,20.0,50.0,100.0,0.0,0.0,0.0,0.0,0.0,\n"
        "rr,4,ops,ops/s,30.0,50.0,100.0,0.0,0.0,0.0,0.0,0.0,\n"
        "rr,9,ops,ops/s,30.0,50.0,100.0,0.0,0.0,0.0,0.0,0.0,\n");
    f = open_memstream(&md, &n);
    ns_sweep_emit_summary(&t, f);
    fclose(f);
    cr_assert(strstr(md, "| credit | ops (ops/s) | 15 ± 64 |"), "%s", md);
    cr_assert(strstr(md, "| rr | ops (ops/s) | 30 ± 0 |"), "%s", md);
    free(csv);
    free(md);
}

/* The sweep file's name and the axes' values are text in the plot, not markup. */
Test(sweep_table, svg_escapes_names_and_values)
{
    char *values[] = {"a<b", "c&d"};
    struct ns_sweep_col axis = {"sched", values, 2};
    size_t point[] = {0, 1};
    uint64_t seed[] = {1};
    struct ns_exp_run run[2] = {
        {"ops", "ops/s", true, 10, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
        {"ops", "ops/s", true, 20, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
    };
    struct ns_sweep_table t = {"R&D <2>", &axis, 1, point, 2, seed, 1, run};
    char *svg = NULL;
    size_t n;
    FILE *f = open_memstream(&svg, &n);

    ns_sweep_emit_svg(&t, 0, f);
    fclose(f);
    cr_assert(strstr(svg, "<title>R&amp;D &lt;2&gt;: value</title>"), "%s", svg);
    cr_assert(strstr(svg, ">a&lt;b</text>"), "%s", svg);
    cr_assert(strstr(svg, ">c&amp;d</text>"), "%s", svg);
    cr_assert_null(strstr(svg, "<2>"));
    free(svg);
}

/* A sweep over workloads: ops/s and us share no axis, and the value plot
 * says so instead of drawing one line through both. */
Test(sweep_table, values_of_different_units_get_no_common_axis)
{
    char *values[] = {"specjbb", "lmbench-proc"};
    struct ns_sweep_col axis = {"domain_workload", values, 2};
    size_t point[] = {0, 1};
    uint64_t seed[] = {1};
    struct ns_exp_run run[2] = {
        {"ops", "ops/s", true, 10, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
        {"fork_latency", "us", false, 250, 1, 1, 0, 50, 100, 0, 0, 0, 0, 0, NAN},
    };
    struct ns_sweep_table t = {"w", &axis, 1, point, 2, seed, 1, run};
    char *svg = NULL, *local = NULL;
    size_t n;
    FILE *f = open_memstream(&svg, &n);

    ns_sweep_emit_svg(&t, 0, f);
    fclose(f);
    cr_assert(strstr(svg, "different metrics (ops/s, us)"), "%s", svg);
    cr_assert_null(strstr(svg, "<path"), "no axis, no line: %s", svg);
    /* local_pct (metric 1) is a percentage for both: plotted as usual. */
    f = open_memstream(&local, &n);
    ns_sweep_emit_svg(&t, 1, f);
    fclose(f);
    cr_assert(strstr(local, "<path"), "%s", local);
    free(local);
    free(svg);
}

/* Another --duration makes other points: their old runs are not reused. */
Test(sweep_cli, changed_settings_run_again)
{
    char *dir = tmpdir(), *path = sweep_file(dir, small), *out = ns_path_join(dir, "out");
    struct outcome r = sweep(dir, path, "2");

    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
    r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--duration", "30ms", "--warmup",
                                  "0", "--jobs", "2", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* 30 ms = 30,000,000 ns, in the run's file and in its point's. */
    char *run = ns_path_join(out, "runs/p4/seed-2/results.json"), *json = slurp(run, NULL);
    cr_assert(json && strstr(json, "\"duration_ns\": 30000000,"), "%s", json ? json : "(none)");
    char *point = ns_path_join(out, "runs/p1/point.txt"), *text = slurp(point, NULL);
    cr_assert(text && strstr(text, "duration 30000000 ns\n"), "%s", text ? text : "(none)");
    free(text);
    free(json);
    free(run);
    free(point);
    free(out);
    outcome_free(&r);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* DIR/s.cfg: one point, one seed, of a 1-vCPU guest (DIR/vm.cfg); swept once by @argv. */
static void sweep_one_vm(const char *dir, const char *const *argv)
{
    write_file(dir, "sc.cfg", "host = \"pack:1 [numa(memory=4GiB)] core:2 pu:1\"\n"
                              "domains = [ \"vm.cfg\" ]\n");
    write_file(dir, "vm.cfg", "name = \"vm\"\nvcpus = 1\nmemory = 512\n");
    write_file(dir, "s.cfg", "scenario = \"sc.cfg\"\nseeds = 1\n"
                             "scenario_sched = [ \"credit\" ]\n");
    struct outcome r = cli(dir, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
}

/*
 * A domain file edited in place between two commands: the point's runs
 * were made from the old file, so the second command makes them again,
 * with the new vCPU count, instead of keeping them.
 */
Test(sweep_cli, an_edited_domain_file_runs_again)
{
    char *dir = tmpdir(), *out = ns_path_join(dir, "out"), *sw = ns_path_join(dir, "s.cfg");
    const char *argv[] = {"sweep", sw, "--out", out, "--duration", "20ms", "--warmup", "0",
                          "--jobs", "1", "--quiet", NULL};

    sweep_one_vm(dir, argv);

    write_file(dir, "vm.cfg", "name = \"vm\"\nvcpus = 2\nmemory = 512\n");
    struct outcome r = cli(dir, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *run = ns_path_join(out, "runs/p1/seed-1/results.json"), *json = slurp(run, NULL);
    cr_assert_not_null(json);
    /* One runstate record per vCPU: two now, where the old run had one. */
    size_t vcpus = 0;
    for (const char *q = json; (q = strstr(q, "\"runstate_ns\"")); q++)
        vcpus++;
    cr_assert_eq(vcpus, 2, "%s", json);
    free(json);
    free(run);
    outcome_free(&r);
    free(sw);
    free(out);
    rm_rf(dir);
    free(dir);
}

/*
 * A run made by another model (a numasched built from other sources, whose
 * point.txt names another ns_model_id) is made again, not written into
 * the tables. The marked copy of results.json stands for the old model's
 * run: the second command must replace it with this model's bytes.
 */
Test(sweep_cli, runs_of_another_model_run_again)
{
    char *dir = tmpdir(), *out = ns_path_join(dir, "out"), *sw = ns_path_join(dir, "s.cfg");
    const char *argv[] = {"sweep", sw, "--out", out, "--duration", "20ms", "--warmup", "0",
                          "--jobs", "1", "--quiet", NULL};

    sweep_one_vm(dir, argv);

    char *point = ns_path_join(out, "runs/p1/point.txt"), *text = slurp(point, NULL);
    char *line = ns_xasprintf("\nmodel %s\n", ns_model_id()), *at = strstr(text, line);
    cr_assert_not_null(at, "%s", text);
    memset(at + strlen("\nmodel "), '0', strlen(ns_model_id()));
    write_file(out, "runs/p1/point.txt", text);
    char *run = ns_path_join(out, "runs/p1/seed-1/results.json"), *json = slurp(run, NULL);
    char *marked = ns_xasprintf("%s\n\n", json);
    write_file(out, "runs/p1/seed-1/results.json", marked);

    struct outcome r = cli(dir, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *again = slurp(run, NULL), *now = slurp(point, NULL);
    cr_assert_str_eq(again, json, "the older model's run was kept");
    cr_assert(strstr(now, line), "%s", now);
    free(now);
    free(again);
    free(marked);
    free(json);
    free(run);
    free(line);
    free(text);
    free(point);
    outcome_free(&r);
    free(sw);
    free(out);
    rm_rf(dir);
    free(dir);
}

/* --set reaches every run and its point.txt; a wrong one stops the sweep
 * before any run. */
Test(sweep_cli, set_is_a_setting_of_every_point)
{
    char *dir = tmpdir(), *path = sweep_file(dir, small), *out = ns_path_join(dir, "out");
    struct outcome r = cli(dir, (const char *[]){"sweep", path, "--out", out, "--duration",
                                                 "20ms", "--warmup", "0", "--set",
                                                 "turbo_bin_mhz=0", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
    char *point = ns_path_join(out, "runs/p4/point.txt"), *text = slurp(point, NULL);
    cr_assert(text && strstr(text, "set turbo_bin_mhz=0\n"), "%s", text ? text : "(none)");

    r = cli(dir, (const char *[]){"sweep", path, "--set", "turbo", NULL});
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(strstr(r.err, "--set turbo: want KEY=VALUE"), "%s", r.err);
    outcome_free(&r);
    free(text);
    free(point);
    free(out);
    free(path);
    rm_rf(dir);
    free(dir);
}
