/*
 * runner internals shared by experiments and sweeps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_RUNNER_INTERNAL_H
#define NUMASCHED_RUNNER_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "numasched/runner.h"
#include "numasched/spec.h"

/* Run @spec and write results.json and results.csv into @out, as `numasched
 * run --out` does; stop signals wait while the files are written. */
int runner_simulate(const struct ns_sim_spec *spec, const char *out, struct ns_err *err);

/*
 * Worker processes (worker.c), for the local runner and for MPI's rank 0:
 * forked once, a worker runs a batch's jobs one at a time as it is handed
 * them and sends each one's outcome back up a pipe.
 */
struct runner_worker {
    pid_t pid;                  /* 0: none */
    size_t job;                 /* the job it runs, while busy */
    bool busy;
    int jobs, done;             /* pipe ends: job numbers down, outcomes up */
};

enum runner_outcome { RUNNER_JOB_DONE, RUNNER_JOB_FAILED, RUNNER_WORKER_GONE };

/* Fork @w to run @b's jobs with signal mask @mask; in the child, the pipes
 * of @others[0 .. n) are closed, so that only the parent holds them. */
int runner_worker_start(struct runner_worker *w, const struct ns_batch *b, const sigset_t *mask,
                        struct runner_worker *others, size_t n, struct ns_err *err);
/* Hand @job to idle worker @w: 0, or -1 with errno (the worker is gone). */
int runner_worker_give(struct runner_worker *w, size_t job);
/* What @w sends next, waiting for it: its job's outcome (a failure's reason
 * into @why), or that it has gone; then call runner_worker_reap. */
enum runner_outcome runner_worker_collect(struct runner_worker *w, char *why, size_t n);
/* Close @w's job pipe: it ends once its job, if any, is done. */
void runner_worker_dismiss(struct runner_worker *w);
/* Wait for @w to end and free its slot; its wait status. */
int runner_worker_reap(struct runner_worker *w);

#endif
