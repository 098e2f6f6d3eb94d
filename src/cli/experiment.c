/*
 * numasched experiment NAME: a whole experiment in one command. Every cell
 * (workload x VM count x policy) is a plain scenario file under examples/NAME/
 * that `numasched run` also accepts; each runs once per seed, in worker
 * processes, and the results come back as files:
 *
 *   DIR/runs/CELL/seed-K/results.json (+ .csv)   every run, as `run --out` writes it
 *   DIR/results.csv, mechanisms.csv, table.md, plot.svg   the experiment
 *
 * The tables are computed from the results.json files on disk, so every number
 * in them can be traced to a run. A run that fails fails the command, naming
 * its scenario: a table with a hole in it is worse than no table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/place.h"
#include "numasched/report.h"

/* ---- the experiments ---------------------------------------------------------------- */

/*
 * An experiment names its axes; the scenarios themselves are files, found as
 * DIR/WORKLOAD-VMS-POLICY.cfg. Nothing about a scenario is made up here.
 */
struct experiment {
    const char *name, *summary;
    const char *const *workloads;
    size_t nr_workloads;
    const unsigned *vms;
    size_t nr_vms;
    const char *const *policies;
    size_t nr_policies;
    const char *subject;        /* the policy the tables compare with the others */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const numa2013_workloads[] = {"specjbb", "sysbench-memory", "lmbench-proc"};
static const unsigned numa2013_vms[] = {2, 6, 10};
static const char *const numa2013_policies[] = {"none", "pin", "numa"};

static const struct experiment experiments[] = {
    {"numa2013", "no affinity vs pinning vs NUMA-aware credit (Xen 4.3), 2-node Westmere-EP",
     numa2013_workloads, COUNT(numa2013_workloads), numa2013_vms, COUNT(numa2013_vms),
     numa2013_policies, COUNT(numa2013_policies), "numa"},
};

static const char experiment_help[] =
    "usage: numasched experiment NAME [OPTIONS]\n\n"
    "Run every scenario of experiment NAME with several seeds, over worker\n"
    "processes, and write:\n"
    "  DIR/results.csv     workload,vms,policy,metric,unit,better,mean,ci95,runs\n"
    "  DIR/mechanisms.csv  locality, waiting, migrations, wake-ups per cell\n"
    "  DIR/table.md        the means with 95%% confidence intervals and the\n"
    "                      relative differences, per workload\n"
    "  DIR/plot.svg        one panel per workload, error bars at 95%%\n"
    "  DIR/runs/CELL/seed-K/results.json   every run\n\n"
    "experiments:\n"
    "%s\n"
    "options:\n"
    "  --out DIR           where to write (default: NAME)\n"
    "  --seeds N           runs per scenario, seeds 1..N (default 5)\n"
    "  --duration SECONDS  measured time of every run, e.g. 30 or 500ms\n"
    "                      (default: each scenario's `duration`)\n"
    "  --warmup SECONDS    warm-up of every run (default: each scenario's `warmup`)\n"
    "  --jobs J            worker processes (default: the number of CPUs)\n"
    "  --scenarios DIR     the scenario folder (default: examples/NAME of the\n"
    "                      source tree)\n"
    "  --quiet             no progress line, no table on stdout\n"
    "  --help              this text\n";

struct exp_opts {
    const struct experiment *x;
    const char *out, *scenarios;
    unsigned seeds, jobs;
    bool has_duration, has_warmup, quiet, help;
    ns_time_t duration, warmup;
};

/* One run: a cell's scenario with one seed, in one worker process. */
struct job {
    size_t cell;
    unsigned seed;
    char *name;                 /* "specjbb-6-pin seed 3", for messages */
    char *out;                  /* DIR/runs/specjbb-6-pin/seed-3 */
    pid_t pid;
};

struct pool {
    const struct exp_opts *o;
    char **scenario;            /* [cell] */
    char **label;               /* [cell]: "specjbb-6-pin" */
    struct job *job;
    size_t nr_jobs, next, done, running;
    unsigned long weight_all, weight_done;
    struct timespec start;
    double last_line;           /* elapsed_s of the last progress line in a log */
    bool tty;
};

/* ---- options ---------------------------------------------------------------------------- */

static void help(void)
{
    char list[1024] = "";

    for (size_t i = 0; i < COUNT(experiments); i++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof(list) - n, "  %-10s %s\n", experiments[i].name,
                 experiments[i].summary);
    }
    printf(experiment_help, list);
}

static int parse_count(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;

    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_experiment_args(int argc, char **argv, struct exp_opts *o)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"seeds", required_argument, NULL, 's'},
        {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},
        {"jobs", required_argument, NULL, 'j'},
        {"scenarios", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "experiment";
    struct ns_err err;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'S': o->scenarios = optarg; break;
        case 'q': o->quiet = true; break;
        case 'h': o->help = true; return CLI_OK;
        case 's':
            if (parse_count(optarg, 1, 1000, &o->seeds) < 0)
                return cli_misuse(cmd, "--seeds wants a number from 1 to 1000, not \"%s\"", optarg);
            break;
        case 'j':
            if (parse_count(optarg, 1, 1024, &o->jobs) < 0)
                return cli_misuse(cmd, "--jobs wants a number from 1 to 1024, not \"%s\"", optarg);
            break;
        case 'd':
            if (ns_duration_parse(optarg, &o->duration, &err) < 0)
                return cli_misuse(cmd, "--duration: %s", err.msg);
            if (o->duration == 0)
                return cli_misuse(cmd, "--duration %s: must be longer than 0", optarg);
            o->has_duration = true;
            break;
        case 'w':
            if (ns_duration_parse(optarg, &o->warmup, &err) < 0)
                return cli_misuse(cmd, "--warmup: %s", err.msg);
            o->has_warmup = true;
            break;
        case ':': return cli_misuse(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_misuse(cmd, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_misuse(cmd, "%s", optind >= argc ? "needs an experiment NAME (numa2013)"
                                                    : "takes one experiment NAME");
    for (size_t i = 0; i < COUNT(experiments); i++)
        if (strcmp(argv[optind], experiments[i].name) == 0)
            o->x = &experiments[i];
    if (!o->x)
        return cli_misuse(cmd, "no experiment named \"%s\"", argv[optind]);
    if (!o->out)
        o->out = o->x->name;
    return CLI_OK;
}

/* ---- the scenarios ------------------------------------------------------------------------- */

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * examples/NAME from the current folder (the source tree), else from the
 * folders above the binary (build/numasched, build/asan/numasched), so the
 * command works from anywhere in a checkout.
 */
static char *find_scenarios(const struct exp_opts *o)
{
    char rel[256], exe[4096];

    if (o->scenarios)
        return ns_xstrdup(o->scenarios);
    snprintf(rel, sizeof(rel), "examples/%s", o->x->name);
    if (is_dir(rel))
        return ns_xstrdup(rel);

    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = ns_path_dir(exe);
        for (int up = 0; up < 3; up++) {
            char *cand = ns_path_join(dir, rel), *parent = ns_path_dir(dir);
            if (is_dir(cand)) {
                free(dir);
                free(parent);
                return cand;
            }
            free(cand);
            free(dir);
            dir = parent;
        }
        free(dir);
    }
    return ns_xstrdup(rel);
}

/*
 * Load a cell's scenario once before any run: a typo fails the command in a
 * second instead of after an hour, and a file that no longer matches its cell
 * (another VM count, another workload) is caught before it skews a table.
 */
static int check_scenario(const struct exp_opts *o, const char *path, const char *workload,
                          unsigned vms, struct ns_err *err)
{
    struct ns_overrides ov = {.has_duration = o->has_duration, .duration = o->duration};
    struct ns_sim_spec spec = {0};
    int rc = 0;

    if (access(path, R_OK) != 0)
        return ns_err_set(err, path, 0, NULL, "cannot read: %s (give the scenario folder "
                          "with --scenarios DIR)", strerror(errno));
    /* Placement too: a host too small for the cell's VMs fails here. */
    if (ns_config_create(path, &ov, &spec, NULL, err) < 0)
        return -1;
    size_t guests = spec.nr_dom - (spec.has_dom0 ? 1 : 0);
    if (guests != vms)
        rc = ns_err_set(err, path, 0, "domains", "%zu guest domains, but this cell has %u VMs",
                        guests, vms);
    for (size_t i = spec.has_dom0; i < spec.nr_dom && !rc; i++) {
        const char *w = ns_workload_spec_name(spec.dom[i].workload);
        if (strcmp(w, workload) != 0)
            rc = ns_err_set(err, spec.dom[i].file, 0, "workload", "\"%s\", but this cell "
                            "runs %s", w, workload);
    }
    ns_sim_spec_free(&spec);
    return rc;
}

/* Cell i of the table, in its [workload][vms][policy] order. */
static void cell_axes(const struct experiment *x, size_t i, size_t *w, size_t *v, size_t *p)
{
    *p = i % x->nr_policies;
    *v = i / x->nr_policies % x->nr_vms;
    *w = i / (x->nr_policies * x->nr_vms);
}

static size_t nr_cells(const struct experiment *x)
{
    return x->nr_workloads * x->nr_vms * x->nr_policies;
}

static int load_cells(struct pool *pl, const char *dir, struct ns_err *err)
{
    const struct experiment *x = pl->o->x;
    size_t n = nr_cells(x);

    pl->scenario = ns_xcalloc(n, sizeof(char *));
    pl->label = ns_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        size_t w, v, p;
        char label[128], file[160];
        cell_axes(x, i, &w, &v, &p);
        snprintf(label, sizeof(label), "%s-%u-%s", x->workloads[w], x->vms[v], x->policies[p]);
        snprintf(file, sizeof(file), "%s.cfg", label);
        pl->label[i] = ns_xstrdup(label);
        pl->scenario[i] = ns_path_join(dir, file);
        if (check_scenario(pl->o, pl->scenario[i], x->workloads[w], x->vms[v], err) < 0) {
            struct ns_err inner = *err;
            return ns_err_set(err, NULL, 0, NULL, "scenario %s: %s", label, inner.msg);
        }
    }
    return 0;
}

/* ---- the jobs -------------------------------------------------------------------------------- */

static unsigned job_weight(const struct pool *pl, const struct job *j)
{
    size_t w, v, p;
    cell_axes(pl->o->x, j->cell, &w, &v, &p);
    return pl->o->x->vms[v];
}

/* Largest first: the big scenarios start early and the small ones fill the
 * gaps at the end, so the workers finish together. Stable by cell and seed. */
static int by_weight(const void *a, const void *b, void *arg)
{
    const struct job *x = a, *y = b;
    unsigned wx = job_weight(arg, x), wy = job_weight(arg, y);

    if (wx != wy)
        return wx > wy ? -1 : 1;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static void make_jobs(struct pool *pl)
{
    const struct exp_opts *o = pl->o;
    size_t cells = nr_cells(o->x);

    pl->nr_jobs = cells * o->seeds;
    pl->job = ns_xcalloc(pl->nr_jobs, sizeof(struct job));
    for (size_t i = 0; i < pl->nr_jobs; i++) {
        struct job *j = &pl->job[i];
        char buf[512];
        j->cell = i / o->seeds;
        j->seed = (unsigned)(i % o->seeds) + 1;
        snprintf(buf, sizeof(buf), "%s seed %u", pl->label[j->cell], j->seed);
        j->name = ns_xstrdup(buf);
        snprintf(buf, sizeof(buf), "%s/runs/%s/seed-%u", o->out, pl->label[j->cell], j->seed);
        j->out = ns_xstrdup(buf);
        pl->weight_all += job_weight(pl, j);
    }
    qsort_r(pl->job, pl->nr_jobs, sizeof(struct job), by_weight, pl);
}

/* ---- signals ----------------------------------------------------------------------------------- */

/*
 * The parent keeps SIGCHLD and the stop signals blocked and waits for them in
 * sigsuspend, so a signal can never slip in between "is anything pending?" and
 * the wait (the classic race of waitpid + a flag).
 */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (sig != SIGCHLD)
        stop_signal = sig;
}

static void signal_set(sigset_t *set, bool with_chld)
{
    sigemptyset(set);
    for (size_t i = 0; i < COUNT(stop_signals); i++)
        sigaddset(set, stop_signals[i]);
    if (with_chld)
        sigaddset(set, SIGCHLD);
}

static void handle_signals(void (*fn)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < COUNT(stop_signals); i++)
        sigaction(stop_signals[i], &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
}

/* ---- a worker ------------------------------------------------------------------------------------ */

static int simulate(const struct ns_sim_spec *spec, const char *out, struct ns_err *err)
{
    struct ns_engine *e = ns_engine_create(spec, err);
    sigset_t stops;
    int rc = -1;

    if (!e)
        return -1;
    if (ns_engine_run(e, err) == 0) {
        /* A worker told to stop while writing finishes the file first: no
         * results.json is ever left half-written under a temporary name. */
        signal_set(&stops, false);
        sigprocmask(SIG_BLOCK, &stops, NULL);
        rc = ns_report_write_dir(ns_engine_results(e), out, err);
        sigprocmask(SIG_UNBLOCK, &stops, NULL);
    }
    ns_engine_free(e);
    return rc;
}

/* In the child: one run, as `numasched run SCENARIO --seed K --out DIR` does it:
 * load, place (libxl), build, run, write. */
static _Noreturn void worker(const struct pool *pl, const struct job *j, const sigset_t *mask)
{
    const struct exp_opts *o = pl->o;
    struct ns_overrides ov = {.has_seed = true, .seed = j->seed,
                              .has_duration = o->has_duration, .duration = o->duration};
    struct ns_sim_spec spec = {0};
    struct ns_err err;

    handle_signals(SIG_DFL);
    sigprocmask(SIG_SETMASK, mask, NULL);

    int rc = ns_config_create(pl->scenario[j->cell], &ov, &spec, NULL, &err);
    if (rc == 0) {
        if (o->has_warmup)
            spec.warmup = o->warmup;
        rc = simulate(&spec, j->out, &err);
    }
    ns_sim_spec_free(&spec);
    if (rc < 0)
        fprintf(stderr, "%snumasched experiment: %s: %s\n", pl->tty ? "\n" : "", j->name,
                err.msg);
    fflush(stderr);
    _exit(rc < 0 ? 1 : 0);
}

/* ---- the pool ---------------------------------------------------------------------------------------- */

static double elapsed_s(const struct pool *pl)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - pl->start.tv_sec) + (now.tv_nsec - pl->start.tv_nsec) / 1e9;
}

static void fmt_clock(char *buf, size_t n, double s)
{
    unsigned long t = (unsigned long)(s + 0.5);

    if (t >= 3600)
        snprintf(buf, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%lu:%02lu", t / 60, t % 60);
}

/* "numa2013: 37/135 runs, 0:42 elapsed, ETA 1:55": on a terminal one line
 * rewritten in place, in a log a line at most every second and for the last
 * run. The ETA assumes a run costs in proportion to its VMs. */
static void progress(struct pool *pl, const struct job *last)
{
    char el[32], eta[32] = "?";
    double t = elapsed_s(pl);

    if (pl->o->quiet)
        return;
    if (!pl->tty && pl->done < pl->nr_jobs && t - pl->last_line < 1.0)
        return;
    pl->last_line = t;
    fmt_clock(el, sizeof(el), t);
    if (pl->weight_done > 0)
        fmt_clock(eta, sizeof(eta),
                  t * (double)(pl->weight_all - pl->weight_done) / (double)pl->weight_done);
    if (pl->tty)
        fprintf(stderr, "\r%s: %zu/%zu runs, %s elapsed, ETA %s   ", pl->o->x->name, pl->done,
                pl->nr_jobs, el, eta);
    else
        fprintf(stderr, "%s: %zu/%zu runs (%s), %s elapsed, ETA %s\n", pl->o->x->name,
                pl->done, pl->nr_jobs, last->name, el, eta);
    fflush(stderr);
}

static int spawn(struct pool *pl, struct job *j, const sigset_t *mask, struct ns_err *err)
{
    fflush(NULL);               /* or the child would print the parent's buffers again */
    j->pid = fork();
    if (j->pid < 0)
        return ns_err_set(err, NULL, 0, NULL, "%s: cannot start a worker: %s", j->name,
                          strerror(errno));
    if (j->pid == 0)
        worker(pl, j, mask);
    pl->running++;
    return 0;
}

static void stop_workers(struct pool *pl)
{
    for (size_t i = 0; i < pl->next; i++)
        if (pl->job[i].pid > 0)
            kill(pl->job[i].pid, SIGTERM);
}

static struct job *job_of(struct pool *pl, pid_t pid)
{
    for (size_t i = 0; i < pl->next; i++)
        if (pl->job[i].pid == pid)
            return &pl->job[i];
    return NULL;
}

static void describe_status(char *buf, size_t n, int st)
{
    if (WIFEXITED(st))
        snprintf(buf, n, "exit status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, n, "killed by signal %d, %s", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(buf, n, "wait status %d", st);
}

/* Collect every worker that has ended; the first failure is the command's. */
static void reap(struct pool *pl, bool *failed, struct ns_err *err)
{
    int st;
    pid_t pid;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        struct job *j = job_of(pl, pid);
        if (!j)
            continue;
        j->pid = 0;
        pl->running--;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            pl->done++;
            pl->weight_done += job_weight(pl, j);
            progress(pl, j);
        } else if (!*failed && !stop_signal) {
            char how[96];
            describe_status(how, sizeof(how), st);
            ns_err_set(err, NULL, 0, NULL, "%s failed (%s; scenario %s); no tables written",
                       j->name, how, pl->scenario[j->cell]);
            *failed = true;
        }
    }
}

/*
 * Keep the workers busy until every job is done. The first failure, or a
 * stop signal, stops the others: the command fails as a whole. Called with
 * SIGCHLD and the stop signals blocked; @mask is the mask to wait with.
 */
static int run_pool(struct pool *pl, const sigset_t *mask, struct ns_err *err)
{
    bool failed = false, stopping = false;

    for (;;) {
        reap(pl, &failed, err);
        if ((failed || stop_signal) && !stopping) {
            stopping = true;
            stop_workers(pl);
        }
        while (!stopping && pl->running < pl->o->jobs && pl->next < pl->nr_jobs) {
            if (spawn(pl, &pl->job[pl->next], mask, err) < 0) {
                failed = stopping = true;
                stop_workers(pl);
                break;
            }
            pl->next++;
        }
        if (pl->running == 0)
            break;
        sigsuspend(mask);
    }
    if (pl->tty && !pl->o->quiet)
        fputc('\n', stderr);
    return failed ? -1 : 0;
}

/* ---- the results ---------------------------------------------------------------------------------- */

/* The table, read back from the runs' results.json files. */
static int collect(const struct pool *pl, struct ns_exp_table *t, struct ns_err *err)
{
    const struct experiment *x = pl->o->x;
    unsigned seeds = pl->o->seeds;

    *t = (struct ns_exp_table){x->name, x->workloads, x->nr_workloads, x->vms, x->nr_vms,
                               x->policies, x->nr_policies, x->subject, NULL};
    t->cell = ns_xcalloc(nr_cells(x), sizeof(struct ns_exp_cell));
    for (size_t i = 0; i < nr_cells(x); i++) {
        struct ns_exp_cell *c = &t->cell[i];
        size_t w, v, p;
        cell_axes(x, i, &w, &v, &p);
        *c = (struct ns_exp_cell){x->workloads[w], x->policies[p], x->vms[v], seeds, NULL};
        c->run = ns_xcalloc(seeds, sizeof(struct ns_exp_run));
        for (unsigned k = 0; k < seeds; k++) {
            char path[600];
            snprintf(path, sizeof(path), "%s/runs/%s/seed-%u/results.json", pl->o->out,
                     pl->label[i], k + 1);
            if (ns_exp_read_run(path, &c->run[k], err) < 0)
                return -1;
        }
    }
    return 0;
}

static void table_free(struct ns_exp_table *t, size_t n)
{
    for (size_t i = 0; t->cell && i < n; i++)
        free(t->cell[i].run);
    free(t->cell);
}

/*
 * Old tables go before the first run: after an interrupted or failed run the
 * folder holds no results.csv that the runs next to it do not support.
 */
static void remove_old_outputs(const char *dir)
{
    for (const char *const *n = ns_exp_output_names(); *n; n++) {
        char *p = ns_path_join(dir, *n);
        unlink(p);
        free(p);
    }
}

static int finish(struct pool *pl, struct ns_err *err)
{
    struct ns_exp_table t;
    int rc = collect(pl, &t, err);

    if (rc == 0)
        rc = ns_exp_write(&t, pl->o->out, err);
    if (rc == 0 && !pl->o->quiet) {
        ns_exp_emit_markdown(&t, stdout);
        fflush(stdout);
        char el[32];
        fmt_clock(el, sizeof(el), elapsed_s(pl));
        fprintf(stderr, "%s: %zu runs in %s; wrote %s/results.csv, mechanisms.csv, table.md, "
                "plot.svg and runs/\n", pl->o->x->name, pl->nr_jobs, el, pl->o->out);
    }
    table_free(&t, nr_cells(pl->o->x));
    return rc;
}

static void pool_free(struct pool *pl)
{
    size_t n = pl->o->x ? nr_cells(pl->o->x) : 0;

    for (size_t i = 0; i < n; i++) {
        if (pl->scenario)
            free(pl->scenario[i]);
        if (pl->label)
            free(pl->label[i]);
    }
    free(pl->scenario);
    free(pl->label);
    for (size_t i = 0; i < pl->nr_jobs; i++) {
        free(pl->job[i].name);
        free(pl->job[i].out);
    }
    free(pl->job);
}

static int experiment(struct pool *pl, struct ns_err *err)
{
    const struct exp_opts *o = pl->o;
    char *dir = find_scenarios(o);
    sigset_t block, old;
    int rc = load_cells(pl, dir, err);

    free(dir);
    if (rc < 0)
        return -1;
    make_jobs(pl);

    /* Blocked from here to the last table: a stop signal is seen by the pool,
     * or, once the runs are done, only after the tables are complete. */
    signal_set(&block, true);
    sigprocmask(SIG_BLOCK, &block, &old);
    handle_signals(on_signal);

    remove_old_outputs(o->out);
    if (!o->quiet)
        fprintf(stderr, "%s: %zu scenarios x %u seeds = %zu runs on %u workers, into %s\n",
                o->x->name, nr_cells(o->x), o->seeds, pl->nr_jobs, o->jobs, o->out);
    clock_gettime(CLOCK_MONOTONIC, &pl->start);
    rc = run_pool(pl, &old, err);
    if (rc == 0 && !stop_signal)
        rc = finish(pl, err);
    handle_signals(SIG_DFL);
    if (!stop_signal)
        sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int cli_experiment(int argc, char **argv)
{
    struct exp_opts o = {.seeds = 5};
    struct ns_err err;

    int rc = parse_experiment_args(argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    if (o.help) {
        help();
        return CLI_OK;
    }
    if (o.jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.jobs = n > 0 ? (unsigned)n : 1;
    }

    struct pool pl = {.o = &o, .tty = isatty(STDERR_FILENO)};
    rc = experiment(&pl, &err);
    pool_free(&pl);
    if (stop_signal) {
        fprintf(stderr, "numasched experiment: stopped by signal %d (%s); no tables written\n",
                (int)stop_signal, strsignal(stop_signal));
        return 128 + stop_signal;
    }
    if (rc < 0) {
        fprintf(stderr, "numasched experiment: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}
