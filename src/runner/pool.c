/*
 * The local runner: a batch's jobs in worker processes, at most `workers`
 * at once, each job a fork of this process. A worker owns nothing of the
 * parent's after the fork, so a job that crashes, leaks or is killed costs
 * only its own run; it reports back through the files it writes and its exit
 * status.
 *
 * Failure is total: the first job that fails, or a stop signal, stops the
 * others and the batch fails as a whole, because a table with a hole in it
 * is worse than no table.
 *
 * One line for a failure. A worker does not print why its job failed: the
 * others, stopped because of it, would each add a line, and the batch's own
 * line would follow. It writes its reason to a pipe the parent reads when it
 * reaps the worker (one message, far below PIPE_BUF, so it is written whole
 * before the worker exits), and only the first failure's reason is said,
 * once, in the batch's error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "numasched/runner.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct pool {
    const struct ns_batch *b;
    size_t *todo;               /* the jobs not complete from before, in order */
    size_t nr_todo;
    pid_t *pid;                 /* [job]: 0 when not running */
    int *why;                   /* [job]: the read end of its reason's pipe, while it runs */
    size_t next, done, running; /* next: into todo */
    unsigned long weight_all, weight_done;
    struct timespec start;
    double last_line;           /* elapsed_s of the last progress line in a log */
    bool tty;
};

/* ---- signals -------------------------------------------------------------------------- */

/*
 * The parent keeps SIGCHLD and the stop signals blocked and waits for them in
 * sigsuspend, so a signal can never slip in between "is anything pending?" and
 * the wait (the classic race of waitpid + a flag).
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

/*
 * In the child: one job, with the signals as they were before the batch, and
 * a stop signal (the pool's SIGTERM when another job failed) removing the
 * job's temporary files as it would the command's. Its reason for failing
 * goes to @why, for the parent to say.
 */
static _Noreturn void worker(const struct pool *pl, size_t job, const sigset_t *mask, int why)
{
    const struct ns_batch *b = pl->b;
    struct ns_err err;

    handle_signals(SIG_DFL);
    ns_io_catch_signals();
    sigprocmask(SIG_SETMASK, mask, NULL);
    int rc = b->run(b->arg, job, &err);
    if (rc < 0 && write(why, err.msg, strlen(err.msg)) < 0)
        rc = -1;                /* the status still says it failed */
    fflush(NULL);
    _exit(rc < 0 ? 1 : 0);
}

static int spawn(struct pool *pl, size_t job, const sigset_t *mask, struct ns_err *err)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0)
        return ns_err_set(err, NULL, 0, NULL, "%s: cannot start a worker: pipe: %s",
                          pl->b->name(pl->b->arg, job), strerror(errno));
    fflush(NULL);               /* or the child would print the parent's buffers again */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return ns_err_set(err, NULL, 0, NULL, "%s: cannot start a worker: %s",
                          pl->b->name(pl->b->arg, job), strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        worker(pl, job, mask, fds[1]);
    }
    close(fds[1]);
    pl->why[job] = fds[0];
    pl->pid[job] = pid;
    pl->running++;
    return 0;
}

/* What the ended worker of @job said of its failure ("" if nothing), into @buf. */
static void read_reason(struct pool *pl, size_t job, char *buf, size_t n)
{
    ssize_t got = read(pl->why[job], buf, n - 1);

    buf[got > 0 ? got : 0] = '\0';
    close(pl->why[job]);
    pl->why[job] = -1;
}

static void stop_workers(struct pool *pl)
{
    for (size_t i = 0; i < pl->next; i++)
        if (pl->pid[pl->todo[i]] > 0)
            kill(pl->pid[pl->todo[i]], SIGTERM);
}

static bool job_of(const struct pool *pl, pid_t pid, size_t *job)
{
    for (size_t i = 0; i < pl->next; i++)
        if (pl->pid[pl->todo[i]] == pid) {
            *job = pl->todo[i];
            return true;
        }
    return false;
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

/* Collect every worker that has ended; the first failure is the batch's. */
static void reap(struct pool *pl, bool *failed, struct ns_err *err)
{
    const struct ns_batch *b = pl->b;
    size_t job;
    int st;
    pid_t pid;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (!job_of(pl, pid, &job))
            continue;
        char why[sizeof(err->msg)];
        read_reason(pl, job, why, sizeof(why));
        pl->pid[job] = 0;
        pl->running--;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            pl->done++;
            pl->weight_done += b->weight(b->arg, job);
            progress(pl, job);
        } else if (!*failed && !stop_signal && why[0]) {
            ns_err_set(err, NULL, 0, NULL, "%s failed: %s (scenario %s); no tables written",
                       b->name(b->arg, job), why, b->source(b->arg, job));
            *failed = true;
        } else if (!*failed && !stop_signal) {
            char how[96];
            describe_status(how, sizeof(how), st);
            ns_err_set(err, NULL, 0, NULL, "%s failed (%s; scenario %s); no tables written",
                       b->name(b->arg, job), how, b->source(b->arg, job));
            *failed = true;
        }
    }
}

/*
 * Keep the workers busy until every job is done. Called with SIGCHLD and the
 * stop signals blocked; @mask is the mask to wait with.
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
        while (!stopping && pl->running < pl->b->workers && pl->next < pl->nr_todo) {
            if (spawn(pl, pl->todo[pl->next], mask, err) < 0) {
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

    pl.pid = ns_xcalloc(b->nr_jobs ? b->nr_jobs : 1, sizeof(pid_t));
    pl.why = ns_xcalloc(b->nr_jobs ? b->nr_jobs : 1, sizeof(int));
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
    rc = run_pool(&pl, &old, err);
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
    free(pl.pid);
    free(pl.why);
    free(pl.todo);
    return stop_signal ? (int)stop_signal : rc;
}

const struct ns_runner ns_runner_local = {"local", run_local};
