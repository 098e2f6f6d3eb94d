/*
 * runner: running scenarios, once or many times, for the commands of cli/
 * and for any later one (a sweep, a runner over MPI ranks):
 *
 *   batches     independent jobs, run by a runner behind one table of
 *               operations; the local runner forks worker processes
 *   sweeps      a sweep file's points, each run once per seed as a batch,
 *               the tables written from the runs' results files; an
 *               experiment is a sweep file whose tables are relations
 *   determinism `numasched run --determinism-check`: a run against itself
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_RUNNER_H
#define NUMASCHED_RUNNER_H

#include "numasched/report.h"
#include "numasched/util.h"

struct ns_sim_spec;
struct ns_param_value;
struct ns_results;
struct ns_trace_sink;

/* ---- batches (src/runner/pool.c) ---- */

/*
 * A batch: jobs 0 .. nr_jobs - 1, run in that order, each on its own. A job
 * runs where the runner puts it (another process, another machine), so it
 * reports back only through the files it writes and its status.
 */
struct ns_batch {
    const char *who;                /* "numasched experiment", leads every message */
    const char *title;              /* "numa2013", leads every progress line */
    size_t nr_jobs;
    unsigned workers;               /* jobs at once, at most */
    bool quiet;                     /* no progress lines */
    void *arg;
    /* "specjbb-6-pin seed 3": a string the batch keeps, since a runner may
     * also call it from a signal handler (ns_runner_on_stop). */
    const char *(*name)(void *arg, size_t job);
    const char *(*source)(void *arg, size_t job);   /* its scenario, for a failure */
    unsigned (*weight)(void *arg, size_t job);      /* relative cost: the ETA */
    int (*run)(void *arg, size_t job, struct ns_err *err);
    /* NULL, or true for a job an earlier command completed: the runner
     * skips it. Asked once per job, after begin, by the process that hands
     * out the jobs. */
    bool (*complete)(void *arg, size_t job);
    /* Once, before the first job, with stop signals already taken by the
     * runner: an interruption from here on is reported, never silent. */
    void (*begin)(void *arg);
    /* Once every job has succeeded, with stop signals held off until it
     * returns, so that what it writes is written whole. */
    int (*finish)(void *arg, struct ns_err *err);
};

/*
 * One table of operations per way of running a batch. run: 0 once every job
 * and finish have succeeded; -1 with @err naming the first job that failed
 * (the others are stopped, finish is not called) or saying why finish
 * failed; or the number of the stop signal (SIGINT, SIGTERM, SIGHUP) that
 * ended the batch early.
 */
struct ns_runner {
    const char *name;
    int (*run)(const struct ns_batch *b, struct ns_err *err);
    /* True in the process that calls the batches' finish and so writes what
     * comes after them (MPI's rank 0; the local runner's only process): a
     * command that runs several batches writes its own summary only there. */
    bool (*leads)(void);
    /* Around a whole command, where every process runs it (MPI's ranks):
     * enter before it parses anything, leave with its exit status once it
     * is done, before standard output is closed. NULL: nothing to do. */
    void (*enter)(void);
    void (*leave)(int status);
};

extern const struct ns_runner ns_runner_local;
/* MPI ranks (src/runner/mpi.c, only in build/numasched-mpi): rank 0 hands
 * out the jobs in order, as ranks ask, runs them too, and calls finish. */
extern const struct ns_runner ns_runner_mpi;

/* For a runner: stop signals (SIGINT, SIGTERM, SIGHUP) set a flag, read by
 * ns_runner_stopped (the signal, 0 if none), until ns_runner_default_stops. */
void ns_runner_catch_stops(void);
int ns_runner_stopped(void);
void ns_runner_default_stops(void);

/*
 * @fn runs once, inside the handler of the first stop signal caught, before
 * the flag is set: for a runner that may be killed right after that signal
 * (mpirun follows SIGTERM with SIGKILL within milliseconds), it is the only
 * moment it can still say what it leaves unfinished. @fn must be
 * async-signal-safe (write(2), reading state that changes only while stops
 * are held); NULL removes it.
 */
void ns_runner_on_stop(void (*fn)(int sig));

/* For a job's last step, writing its files: a stop signal waits until
 * release, so that no file is left half-written under a temporary name. */
void ns_runner_hold_stops(void);
void ns_runner_release_stops(void);

/* ---- sweeps (src/runner/sweep.c) ---- */

struct ns_sweep_opts {
    const char *out;                /* DIR; NULL: the sweep file's name without .cfg */
    const char *command;            /* leads messages: "numasched experiment"; NULL: sweep */
    const char *html;               /* the tables as one HTML page too (NULL: none) */
    unsigned jobs;                  /* 0: one per online CPU */
    unsigned seeds;                 /* 0: the file's seeds; N: seeds 1..N */
    bool has_duration, has_warmup, quiet;
    ns_time_t duration, warmup;
    const struct ns_param_value *params;   /* model parameters for every run (--set) */
    size_t nr_params;
};

/*
 * Run the sweep file @path (config.h's format) through @runner: load every
 * point before running any, skip the runs a previous command completed,
 * run the others, and write DIR's tables (see `numasched sweep --help`;
 * with `relations`, the experiment tables of `numasched experiment
 * --help`); returns as ns_runner.run does.
 */
int ns_sweep_run(const char *path, const struct ns_sweep_opts *o,
                 const struct ns_runner *runner, struct ns_err *err);

/*
 * Sensitivity (src/runner/vary.c): after a run of the sweep @path (with
 * relations and published measurements) into o->out (required), run it
 * again with each parameter of @v at its low and at its high end, into
 * DIR/vary/NAME=VALUE, then write DIR/sensitivity.csv and sensitivity.md
 * (ns_exp_sensitivity). Returns as ns_sweep_run does.
 */
struct ns_experiment_vary {
    const char *name, *lo, *hi;
};

int ns_experiment_vary(const char *path, const struct ns_sweep_opts *o,
                       const struct ns_experiment_vary *v, size_t n,
                       const struct ns_runner *runner, struct ns_err *err);

/* ---- the determinism check (src/runner/determinism.c) ---- */

/*
 * Run 1 records checkpoints of its fact stream through ns_det_sink and ends
 * with ns_det_finish; ns_det_verify then loads the scenario again with @load
 * (exactly as run 1 was loaded), runs it, and compares. 0: the runs agree
 * (a line on stdout); -1: @err names the first fact that differs.
 */
struct ns_det;
typedef int (*ns_spec_loader)(void *arg, struct ns_sim_spec *spec, struct ns_err *err);
struct ns_det *ns_det_new(void);
const struct ns_trace_sink *ns_det_sink(struct ns_det *d);
void ns_det_finish(struct ns_det *d, const struct ns_results *r);
int ns_det_verify(const struct ns_det *one, const char *name, ns_spec_loader load, void *arg,
                  struct ns_err *err);
void ns_det_free(struct ns_det *d);

#endif
