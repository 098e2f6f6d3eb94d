/*
 * The local runner: a batch's jobs in worker processes, at most `workers`
 * of them, each forked once and running jobs one after another. A worker
 * owns nothing of the parent's after the fork, so a job that crashes or is
 * killed costs only its own run; it reports back through the files it
 * writes and an outcome on a pipe.
 *
 * Failure is total: the first job that fails, or a stop signal, stops the
 * others and the batch fails as a whole, because a table with a hole in it
 * is worse than no table.
 *
 * One line for a failure. A worker does not print why its job failed: the
 * others, stopped because of it, would each add a line, and the batch's own
 * line would follow. It sends its reason up its pipe with the job's
 * outcome, and only the first failure's reason is said, once, in the
 * batch's error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "numasched/runner.h"
#include "runner/internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct pool {
    const struct ns_batch *b;
    size_t *todo;               /* the jobs not complete from before, in order */
    size_t nr_todo;
    struct runner_worker *worker; /* [b->workers] */
    struct pollfd *poll;        /* [b->workers]: for ppoll */
    unsigned alive;             /* workers started and not yet reaped */
    size_t next, done, running; /* next: into todo; running: busy workers */
    unsigned long weight_all, weight_done;
    struct timespec start;
    double last_line;           /* elapsed_s of the last progress line in a log */
    bool tty;
};

/* ---- signals -------------------------------------------------------------------------- */

/*
 * The parent keeps SIGCHLD and the stop signals blocked and unblocks them
 * only inside ppoll, atomically with the wait, so a signal can never slip in
 * between "is anything pending?" and the wait (the classic race of a flag
 * checked before a blocking call).
 */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t stop_signal;
static void (*stop_words)(int sig);

static void on_signal(int sig)
{
    if (sig == SIGCHLD)
        return;
    if (!stop_signal && stop_words)
        stop_words(sig);
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

void ns_runner_catch_stops(void)
{
    stop_signal = 0;
    handle_signals(on_signal);
}

void ns_runner_on_stop(void (*fn)(int sig))
{
    ns_runner_hold_stops();
    stop_words = fn;
    ns_runner_release_stops();
}

int ns_runner_stopped(void)
{
    return stop_signal;
}

void ns_runner_default_stops(void)
{
    handle_signals(SIG_DFL);
}

void ns_runner_hold_stops(void)
{
    sigset_t stops;

    signal_set(&stops, false);
    sigprocmask(SIG_BLOCK, &stops, NULL);
}

void ns_runner_release_stops(void)
{
    sigset_t stops;

    signal_set(&stops, false);
    sigprocmask(SIG_UNBLOCK, &stops, NULL);
}

/* ---- progress ------------------------------------------------------------------------- */

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
 * run. The ETA assumes a job costs in proportion to its weight. */
static void progress(struct pool *pl, size_t last)
{
    const struct ns_batch *b = pl->b;
    char el[32], eta[32] = "?";
    double t = elapsed_s(pl);

    if (b->quiet)
        return;
    if (!pl->tty && pl->done < pl->nr_todo && t - pl->last_line < 1.0)
        return;
    pl->last_line = t;
    fmt_clock(el, sizeof(el), t);
    if (pl->weight_done > 0)
        fmt_clock(eta, sizeof(eta),
                  t * (double)(pl->weight_all - pl->weight_done) / (double)pl->weight_done);
    if (pl->tty)
        fprintf(stderr, "\r%s: %zu/%zu runs, %s elapsed, ETA %s   ", b->title, pl->done,
                pl->nr_todo, el, eta);
    else
        fprintf(stderr, "%s: %zu/%zu runs (%s), %s elapsed, ETA %s\n", b->title, pl->done,
                pl->nr_todo, b->name(b->arg, last), el, eta);
    fflush(stderr);
}

/* ---- workers -------------------------------------------------------------------------- */

/* Job @job to an idle worker (worker.c), starting one if none is idle. */
static int hand_out(struct pool *pl, size_t job, const sigset_t *mask, struct ns_err *err)
{
    struct runner_worker *w = NULL;
    unsigned n = pl->b->workers;

    for (unsigned i = 0; i < n && !w; i++)
        if (pl->worker[i].pid > 0 && !pl->worker[i].busy)
            w = &pl->worker[i];
    for (unsigned i = 0; i < n && !w; i++)
        if (pl->worker[i].pid == 0) {
            if (runner_worker_start(&pl->worker[i], pl->b, mask, pl->worker, n, err) < 0)
                return -1;
            w = &pl->worker[i];
            pl->alive++;
        }
    if (runner_worker_give(w, job) < 0)
        return ns_err_set(err, NULL, 0, NULL, "%s: cannot hand it to a worker: %s",
                          pl->b->name(pl->b->arg, job), strerror(errno));
    pl->running++;
    return 0;
}

static void stop_workers(struct pool *pl)
{
    for (unsigned i = 0; i < pl->b->workers; i++)
        if (pl->worker[i].pid > 0)
            kill(pl->worker[i].pid, SIGTERM);
}

/* No more jobs: each worker reads the end of its pipe and leaves. */
static void dismiss_workers(struct pool *pl)
{
    for (unsigned i = 0; i < pl->b->workers; i++)
        runner_worker_dismiss(&pl->worker[i]);
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

/* The first failure is the batch's; those it causes are not said. */
static void job_failed(struct pool *pl, size_t job, const char *why, int st, bool *failed,
                       struct ns_err *err)
{
    const struct ns_batch *b = pl->b;
    char how[96];

    if (*failed || stop_signal)
        return;
    *failed = true;
    if (why) {
        ns_err_set(err, NULL, 0, NULL, "%s failed: %s (scenario %s); no tables written",
                   b->name(b->arg, job), why, b->source(b->arg, job));
        return;
    }
    describe_status(how, sizeof(how), st);
    ns_err_set(err, NULL, 0, NULL, "%s failed (%s; scenario %s); no tables written",
               b->name(b->arg, job), how, b->source(b->arg, job));
}

static void job_done(struct pool *pl, size_t job)
{
    pl->done++;
    pl->weight_done += pl->b->weight(pl->b->arg, job);
    progress(pl, job);
}

/* A worker has gone: reaped, and its job failed if it had one. */
static void worker_gone(struct pool *pl, struct runner_worker *w, bool *failed,
                        struct ns_err *err)
{
    bool busy = w->busy;
    size_t job = w->job;
    int st = runner_worker_reap(w);

    pl->alive--;
    if (busy) {
        pl->running--;
        job_failed(pl, job, NULL, st, failed, err);
    } else if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !*failed && !stop_signal) {
        char how[96];
        describe_status(how, sizeof(how), st);
        ns_err_set(err, NULL, 0, NULL, "a worker ended between jobs (%s); no tables written",
                   how);
        *failed = true;
    }
}

/* What worker @w sent back: an outcome, or the end of its pipe. */
static void collect(struct pool *pl, struct runner_worker *w, bool *failed, struct ns_err *err)
{
    char why[sizeof(err->msg)];
    size_t job = w->job;

    switch (runner_worker_collect(w, why, sizeof(why))) {
    case RUNNER_JOB_DONE:
        pl->running--;
        job_done(pl, job);
        break;
    case RUNNER_JOB_FAILED:
        pl->running--;
        job_failed(pl, job, why, 0, failed, err);
        break;
    case RUNNER_WORKER_GONE:
        worker_gone(pl, w, failed, err);
        break;
    }
}

/*
 * Wait for any worker's pipe, with @mask letting SIGCHLD and the stop
 * signals in for the wait alone, then collect from every pipe that is ready.
 */
static void wait_workers(struct pool *pl, const sigset_t *mask, bool *failed,
                         struct ns_err *err)
{
    unsigned n = 0;

    for (unsigned i = 0; i < pl->b->workers; i++)
        if (pl->worker[i].pid > 0)
            pl->poll[n++] = (struct pollfd){pl->worker[i].done, POLLIN, 0};
    if (ppoll(pl->poll, n, NULL, mask) <= 0)
        return;
    for (unsigned i = 0, k = 0; i < pl->b->workers; i++) {
        struct runner_worker *w = &pl->worker[i];
        if (w->pid > 0 && pl->poll[k++].revents)
            collect(pl, w, failed, err);
    }
}

/*
 * Keep the workers busy until every job is done, then let them go. Called
 * with SIGCHLD and the stop signals blocked; @mask is the mask to wait with.
 */
static int run_pool(struct pool *pl, const sigset_t *mask, struct ns_err *err)
{
    bool failed = false, stopping = false;

    for (;;) {
        if ((failed || stop_signal) && !stopping) {
            stopping = true;
            stop_workers(pl);
        }
        while (!stopping && pl->running < pl->b->workers && pl->next < pl->nr_todo) {
            if (hand_out(pl, pl->todo[pl->next], mask, err) < 0) {
                failed = stopping = true;
                stop_workers(pl);
                break;
            }
            pl->next++;
        }
        if (pl->running == 0)
            dismiss_workers(pl);
        if (pl->alive == 0)
            break;
        wait_workers(pl, mask, &failed, err);
    }
    if (pl->tty && !pl->b->quiet)
        fputc('\n', stderr);
    return failed ? -1 : 0;
}

/*
 * Stop signals stay blocked from the first job to the end of finish: one is
 * seen by the pool, or, once the jobs are done, only after finish has
 * written everything; it then ends the process as it would have at once.
 */
static int run_local(const struct ns_batch *b, struct ns_err *err)
{
    struct pool pl = {.b = b, .tty = isatty(STDERR_FILENO)};
    sigset_t block, old;
    int rc;

    pl.worker = ns_xcalloc(b->workers ? b->workers : 1, sizeof(*pl.worker));
    pl.poll = ns_xcalloc(b->workers ? b->workers : 1, sizeof(*pl.poll));
    for (unsigned i = 0; i < b->workers; i++)
        pl.worker[i] = (struct runner_worker){.jobs = -1, .done = -1};
    pl.todo = ns_xcalloc(b->nr_jobs ? b->nr_jobs : 1, sizeof(size_t));
    stop_signal = 0;
    signal_set(&block, true);
    sigprocmask(SIG_BLOCK, &block, &old);
    handle_signals(on_signal);

    b->begin(b->arg);
    for (size_t i = 0; i < b->nr_jobs; i++) {
        if (b->complete && b->complete(b->arg, i))
            continue;
        pl.todo[pl.nr_todo++] = i;
        pl.weight_all += b->weight(b->arg, i);
    }
    clock_gettime(CLOCK_MONOTONIC, &pl.start);
    /* A worker gone while idle must be an error, not a SIGPIPE ending us. */
    void (*pipe_was)(int) = signal(SIGPIPE, SIG_IGN);
    rc = run_pool(&pl, &old, err);
    signal(SIGPIPE, pipe_was);
    if (rc == 0 && !stop_signal && !b->quiet) {
        char el[32];
        fmt_clock(el, sizeof(el), elapsed_s(&pl));
        fprintf(stderr, "%s: %zu runs in %s\n", b->title, pl.nr_todo, el);
    }
    if (rc == 0 && !stop_signal)
        rc = b->finish(b->arg, err);
    handle_signals(SIG_DFL);
    if (!stop_signal)
        sigprocmask(SIG_SETMASK, &old, NULL);
    free(pl.worker);
    free(pl.poll);
    free(pl.todo);
    return stop_signal ? (int)stop_signal : rc;
}

static bool local_leads(void)
{
    return true;
}

const struct ns_runner ns_runner_local = {"local", run_local, local_leads, NULL, NULL};
