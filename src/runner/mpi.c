/*
 * The MPI runner: a batch over the ranks of `mpirun -np N build/numasched-mpi`,
 * built only by `make mpi` (this file needs mpicc).
 *
 * Every rank reads the same sweep and so holds the same job list; only job
 * numbers travel. Rank 0 hands the jobs out in the batch's order (longest
 * first) to whichever rank asks next, so a rank that drew short jobs simply
 * asks more often, and runs jobs itself in a worker process between two
 * answers. A job writes its results files where every rank sees them (the
 * same machine, or a shared file system on a cluster); rank 0 calls finish
 * once all jobs are in, so the tables are built from the same files, in the
 * same order, as a local run's: the outputs are byte for byte the same.
 *
 * Losing a rank (killed, its node gone) or a stop signal ends the batch:
 * rank 0 names the runs that were out and not back and counts those never
 * handed out, which together are exactly what the same command reruns,
 * since finished runs are complete on disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "numasched/runner.h"
#include "runner/internal.h"

enum { TAG_JOB = 1, TAG_DONE = 2 };
#define NO_JOB (-1LL)

/* What travels: a job number and, coming back, how it went. */
struct msg {
    long long job;
    long long ok;               /* 1: the job succeeded */
};

struct dispatch {
    const struct ns_batch *b;
    int ranks;
    long long *out;             /* [rank]: the job it runs, NO_JOB if none */
    size_t next, done, nr_todo;
    size_t *todo;
    struct runner_worker own;   /* rank 0's own jobs run here, one at a time */
    bool failed;
    double last_line;
    struct timespec start;
};

/* ---- workers ---------------------------------------------------------------------- */

static bool run_one(const struct ns_batch *b, size_t job)
{
    struct ns_err err;

    if (b->run(b->arg, job, &err) == 0)
        return true;
    fprintf(stderr, "%s: %s: %s\n", b->who, b->name(b->arg, job), err.msg);
    fflush(stderr);
    return false;
}

/* Ranks 1..N-1: ask, run, report, until rank 0 says there is nothing left. */
static int work(const struct ns_batch *b)
{
    struct msg m = {NO_JOB, 1};

    for (;;) {
        if (MPI_Send(&m, 2, MPI_LONG_LONG, 0, TAG_DONE, MPI_COMM_WORLD) != MPI_SUCCESS ||
            MPI_Recv(&m, 2, MPI_LONG_LONG, 0, TAG_JOB, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
                MPI_SUCCESS)
            return -1;
        if (m.job == NO_JOB)
            return 0;
        m.ok = run_one(b, (size_t)m.job);
    }
}

/* ---- rank 0 ----------------------------------------------------------------------- */

static double elapsed_s(const struct dispatch *d)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - d->start.tv_sec) + (now.tv_nsec - d->start.tv_nsec) / 1e9;
}

static void progress(struct dispatch *d, size_t job)
{
    double t = elapsed_s(d);

    if (d->b->quiet || (d->done < d->nr_todo && t - d->last_line < 1.0))
        return;
    d->last_line = t;
    fprintf(stderr, "%s: %zu/%zu runs on %d ranks (%s), %.0f s elapsed\n", d->b->title,
            d->done, d->nr_todo, d->ranks, d->b->name(d->b->arg, job), t);
    fflush(stderr);
}

/* d->out and d->next change only with stops held: last_words reads them. */
static void job_back(struct dispatch *d, int rank, bool ok)
{
    size_t job = (size_t)d->out[rank];

    ns_runner_hold_stops();
    d->out[rank] = NO_JOB;
    ns_runner_release_stops();
    if (!ok) {
        d->failed = true;
        return;
    }
    d->done++;
    progress(d, job);
}

/* The next job for @rank, or NO_JOB once there is none or the batch is ending. */
static long long next_job(struct dispatch *d, int rank)
{
    if (d->failed || ns_runner_stopped() || d->next >= d->nr_todo)
        return NO_JOB;
    ns_runner_hold_stops();
    d->out[rank] = (long long)d->todo[d->next++];
    ns_runner_release_stops();
    return d->out[rank];
}

/*
 * Rank 0's own share: in a worker process (worker.c), forked once, which
 * owns nothing of MPI and leaves through _exit, so that rank 0 keeps
 * answering while a job runs.
 */
static void give_own(struct dispatch *d)
{
    struct ns_err err;
    sigset_t mask;

    if (d->own.pid == 0) {
        sigprocmask(SIG_BLOCK, NULL, &mask);
        if (runner_worker_start(&d->own, d->b, &mask, NULL, 0, &err) < 0) {
            fprintf(stderr, "%s: %s\n", d->b->who, err.msg);
            d->failed = true;
            return;
        }
    }
    long long job = next_job(d, 0);
    if (job != NO_JOB && runner_worker_give(&d->own, (size_t)job) < 0)
        job_back(d, 0, false);
}

/* The outcome of rank 0's own job, if it is in: true if it was. */
static bool collect_own(struct dispatch *d)
{
    struct pollfd p = {d->own.done, POLLIN, 0};
    char why[sizeof(((struct ns_err *)0)->msg)];

    if (!d->own.busy || poll(&p, 1, 0) <= 0)
        return false;
    size_t job = d->own.job;
    enum runner_outcome o = runner_worker_collect(&d->own, why, sizeof(why));
    if (o == RUNNER_WORKER_GONE)
        runner_worker_reap(&d->own);
    else if (o == RUNNER_JOB_FAILED)
        fprintf(stderr, "%s: %s: %s\n", d->b->who, d->b->name(d->b->arg, job), why);
    job_back(d, 0, o == RUNNER_JOB_DONE);
    return true;
}

/* Once the loop is over: the worker ends with its job pipe (or is told to). */
static void end_own(struct dispatch *d)
{
    if (d->own.pid == 0)
        return;
    if (d->own.busy)
        kill(d->own.pid, SIGTERM);
    runner_worker_dismiss(&d->own);
    runner_worker_reap(&d->own);
}

/* One message from a worker, if one is waiting: 1 handled, 0 none, -1 MPI failed. */
static int serve(struct dispatch *d, int *asking)
{
    MPI_Status st;
    struct msg m;
    int flag;

    if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS)
        return -1;
    if (!flag)
        return 0;
    if (MPI_Recv(&m, 2, MPI_LONG_LONG, st.MPI_SOURCE, TAG_DONE, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return -1;
    if (m.job != NO_JOB)
        job_back(d, st.MPI_SOURCE, m.ok);
    m.job = next_job(d, st.MPI_SOURCE);
    if (m.job == NO_JOB)
        (*asking)--;
    return MPI_Send(&m, 2, MPI_LONG_LONG, st.MPI_SOURCE, TAG_JOB, MPI_COMM_WORLD) ==
           MPI_SUCCESS ? 1 : -1;
}

/* With one rank, or after the last worker was told to stop, rank 0 still
 * has the rest of the jobs to run itself. */
static bool more_for_rank0(const struct dispatch *d)
{
    return d->next < d->nr_todo && !d->failed && !ns_runner_stopped();
}

/* ---- last words ------------------------------------------------------------------- */

/*
 * When a rank dies, mpirun ends the job: SIGTERM to every other rank, then
 * SIGKILL a few milliseconds later (5 ms, seen with Open MPI 4.1 under
 * strace). Rank 0 cannot finish its loop in that time, so the line naming
 * what is unfinished (the runs out on a rank, and how many were never
 * handed out: exactly what the same command reruns) is written from the
 * handler of the SIGTERM itself, with write(2) only.
 */
static const struct dispatch *speaker;

static void say(const char *s)
{
    size_t n = strlen(s);

    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void say_count(size_t n)
{
    char buf[24], *p = buf + sizeof(buf);

    *--p = '\0';
    do
        *--p = (char)('0' + n % 10);
    while ((n /= 10) > 0);
    say(p);
}

static void last_words(int sig)
{
    const struct dispatch *d = speaker;
    size_t named = 0, waiting = d->nr_todo - d->next;

    (void)sig;
    /* Our own worker would outlive a SIGKILL of ours and finish its run
     * beside the rerun of it: it goes now, its temporaries with it. */
    if (d->own.pid > 0)
        kill(d->own.pid, SIGTERM);
    say(d->b->who);
    say(": stopped; runs not finished: ");
    for (int r = 0; r < d->ranks; r++) {
        if (d->out[r] == NO_JOB)
            continue;
        say(named++ ? ", " : "");
        say(d->b->name(d->b->arg, (size_t)d->out[r]));
    }
    if (waiting > 0) {
        say(named ? ", and " : "");
        say_count(waiting);
        say(" not started");
    } else if (named == 0) {
        say("none");
    }
    say(" (the same command reruns them)\n");
}

/*
 * Until every worker has been told there is nothing left and rank 0's own
 * job is back. The loop polls (MPI_Iprobe, poll), since rank 0 must notice a
 * stop signal and its own job as well as messages, and no call waits for all
 * three. An idle round sleeps IDLE_MIN_NS, doubling up to IDLE_MAX_NS while
 * nothing happens: a burst of short jobs is served at once, and a rank 0
 * waiting through long runs wakes a thousand times a second, not twenty
 * thousand, leaving the core to its own worker and to the ranks beside it.
 */
#define IDLE_MIN_NS 50000L
#define IDLE_MAX_NS 1000000L

static int dispatch(struct dispatch *d, struct ns_err *err)
{
    int asking = d->ranks - 1;
    long idle_ns = IDLE_MIN_NS;

    /* Once stopped, workers may be gone with the signal: wait only for our own. */
    while ((asking > 0 && !ns_runner_stopped()) || d->own.busy || more_for_rank0(d)) {
        int rc = serve(d, &asking);
        bool busy = rc > 0 || collect_own(d);
        if (rc < 0) {
            ns_runner_hold_stops();
            last_words(0);
            ns_runner_release_stops();
            return ns_err_set(err, NULL, 0, NULL, "a rank was lost (the runs above are "
                              "not finished)");
        }
        if (ns_runner_stopped() && d->own.busy)
            kill(d->own.pid, SIGTERM);
        if (!d->own.busy && more_for_rank0(d))
            give_own(d);
        if (busy) {
            idle_ns = IDLE_MIN_NS;
        } else {
            nanosleep(&(struct timespec){0, idle_ns}, NULL);
            idle_ns = idle_ns * 2 > IDLE_MAX_NS ? IDLE_MAX_NS : idle_ns * 2;
        }
    }
    return d->failed ? ns_err_set(err, NULL, 0, NULL, "a run failed (its error is above); "
                                  "no tables written") : 0;
}

static int lead(const struct ns_batch *b, int ranks, struct ns_err *err)
{
    struct dispatch d = {.b = b, .ranks = ranks, .own = {.jobs = -1, .done = -1}};

    d.out = ns_xcalloc((size_t)ranks, sizeof(long long));
    for (int r = 0; r < ranks; r++)
        d.out[r] = NO_JOB;
    d.todo = ns_xcalloc(b->nr_jobs ? b->nr_jobs : 1, sizeof(size_t));
    b->begin(b->arg);
    for (size_t i = 0; i < b->nr_jobs; i++)
        if (!b->complete || !b->complete(b->arg, i))
            d.todo[d.nr_todo++] = i;
    clock_gettime(CLOCK_MONOTONIC, &d.start);
    fflush(NULL);
    speaker = &d;
    ns_runner_on_stop(last_words);

    int rc = dispatch(&d, err);
    end_own(&d);
    ns_runner_on_stop(NULL);
    if (rc == 0 && !ns_runner_stopped()) {
        if (!b->quiet)
            fprintf(stderr, "%s: %zu runs in %.1f s on %d ranks\n", b->title, d.nr_todo,
                    elapsed_s(&d), ranks);
        ns_runner_hold_stops();
        rc = b->finish(b->arg, err);
        ns_runner_release_stops();
    }
    free(d.todo);
    free(d.out);
    return ns_runner_stopped() ? ns_runner_stopped() : rc;
}

/* ---- one voice --------------------------------------------------------------------- */

/*
 * Every rank parses the same command line and reads the same files, so up
 * to the first batch each would print the same usage error, the same bad
 * line of a sweep file, the same --help: N copies under `mpirun -np N`.
 * Each rank therefore writes its standard output and error into temporary
 * files until then. At the first batch, or at exit for a command that never
 * reaches one, the ranks compare: rank 0 prints what it wrote, then what
 * any other rank wrote differently (a file missing on one node of a
 * cluster) under that rank's number. If a rank failed, the batch does not
 * start, and the other ranks say nothing more: rank 0 has said it all.
 */
struct voice {
    FILE *buf;          /* where the stream goes meanwhile; NULL: not muffled */
    int saved;          /* the stream's own file */
};

static struct voice voices[2];      /* standard output, standard error */
static bool compared = true;        /* nothing (more) to compare */

static void muffle(void)
{
    fflush(NULL);
    for (int i = 0; i < 2; i++) {
        struct voice *v = &voices[i];
        v->buf = tmpfile();
        v->saved = v->buf ? dup(i + 1) : -1;
        if (v->saved < 0 || dup2(fileno(v->buf), i + 1) < 0) {
            if (v->saved >= 0)
                close(v->saved);
            if (v->buf)
                fclose(v->buf);
            v->buf = NULL;     /* this stream speaks for itself */
        }
    }
    compared = false;
}

/* Put stream @i back on its file; what it wrote meanwhile, as a string. */
static char *unmuffle(int i)
{
    struct voice *v = &voices[i];
    char *said = NULL;
    size_t n = 0;

    if (!v->buf)
        return ns_xstrdup("");
    fflush(i ? stderr : stdout);
    dup2(v->saved, i + 1);
    close(v->saved);
    long len = fseek(v->buf, 0, SEEK_END) == 0 ? ftell(v->buf) : -1;
    if (len > 0 && fseek(v->buf, 0, SEEK_SET) == 0) {
        said = ns_xmalloc((size_t)len + 1);
        n = fread(said, 1, (size_t)len, v->buf);
        said[n] = '\0';
    }
    fclose(v->buf);
    v->buf = NULL;
    return said ? said : ns_xstrdup("");
}

/* Rank @rank's @n bytes of words that rank 0 did not say, each line under its number. */
static void say_as(FILE *out, int rank, const char *said, size_t n)
{
    const char *end = said + n;

    while (said < end) {
        const char *nl = memchr(said, '\n', (size_t)(end - said));
        size_t len = (size_t)((nl ? nl : end) - said);
        fprintf(out, "rank %d: %.*s\n", rank, (int)len, said);
        said += len + (nl != NULL);
    }
}

/* Rank 0 gathers stream @i's words (@mine on this rank) and prints them once. */
static int gather_words(int i, const char *mine, int rank, int ranks)
{
    int len = (int)strlen(mine), *lens = NULL, *at = NULL, total = 0;
    char *all = NULL;

    if (rank == 0) {
        lens = ns_xcalloc((size_t)ranks, sizeof(int));
        at = ns_xcalloc((size_t)ranks, sizeof(int));
    }
    int rc = MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int r = 0; rank == 0 && r < ranks; r++) {
        at[r] = total;
        total += lens[r];
    }
    if (rank == 0)
        all = ns_xmalloc((size_t)total + 1);
    if (rc == MPI_SUCCESS)
        rc = MPI_Gatherv(mine, len, MPI_CHAR, all, lens, at, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rc == MPI_SUCCESS && rank == 0) {
        FILE *out = i ? stderr : stdout;
        fputs(mine, out);
        for (int r = 1; r < ranks; r++)
            if (lens[r] != len || memcmp(all + at[r], mine, (size_t)len) != 0)
                say_as(out, r, all + at[r], (size_t)lens[r]);
        fflush(out);
    }
    free(all);
    free(at);
    free(lens);
    return rc;
}

/* From now on this rank says nothing: rank 0 has spoken for it. */
static void silence(void)
{
    int null = open("/dev/null", O_WRONLY);

    fflush(NULL);
    if (null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    }
}

/*
 * The ranks compare what they wrote, and whether each was @ok: 1 if every
 * rank was, 0 if one was not (the first in *@failed), -1 if MPI failed.
 * Unless 1, the ranks but rank 0 are silenced for good.
 */
static int compare_words(bool ok, int *failed)
{
    int rank, ranks, me;
    char *said[2] = {unmuffle(0), unmuffle(1)};

    compared = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    me = ok ? INT_MAX : rank;
    *failed = INT_MAX;
    bool talked = gather_words(0, said[0], rank, ranks) == MPI_SUCCESS &&
                  gather_words(1, said[1], rank, ranks) == MPI_SUCCESS &&
                  MPI_Allreduce(&me, failed, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) ==
                      MPI_SUCCESS;
    free(said[0]);
    free(said[1]);
    if (talked && *failed == INT_MAX)
        return 1;
    if (rank != 0)
        silence();
    return talked ? 0 : -1;
}

/* ---- the runner ------------------------------------------------------------------- */

/*
 * MPI is started before the command parses anything (the dispatch benchmark
 * starts it itself) and ended when the process exits, so that a command can
 * run several batches (an experiment and its --vary reruns), every rank
 * taking part in each in the same order. After a failure it is not ended:
 * the rank exits non-zero without waiting for the others, and mpirun ends
 * the job.
 */
static bool mpi_failed;

static void end_mpi(void)
{
    int ended;

    MPI_Finalized(&ended);
    if (!mpi_failed && !ended)
        MPI_Finalize();
}

/* MPI errors return instead of aborting, so that rank 0 can name the runs a
 * lost rank took with it. */
static void start_mpi(void)
{
    int started;

    MPI_Initialized(&started);
    if (!started) {
        MPI_Init(NULL, NULL);
        atexit(end_mpi);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

static void mpi_enter(void)
{
    int ranks;

    start_mpi();
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (ranks > 1)
        muffle();
}

static void mpi_leave(int rc)
{
    int failed;

    if (!compared)
        compare_words(rc == 0, &failed);
    if (rc != 0)
        mpi_failed = true;
}

static bool mpi_leads(void)
{
    int started, rank = 0;

    MPI_Initialized(&started);
    if (started)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank == 0;
}

static int run_mpi(const struct ns_batch *b, struct ns_err *err)
{
    int rank, ranks, rc, failed;

    start_mpi();
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    /* Every rank has prepared its folders before the first job is out. */
    rc = compared ? 1 : compare_words(true, &failed);
    if (rc == 1)
        rc = MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS ? 1 : -1;
    if (rc < 1) {
        mpi_failed = true;
        return rc == 0 ? ns_err_set(err, NULL, 0, NULL, "rank %d could not start the runs "
                                    "(its message is above)", failed)
                       : ns_err_set(err, NULL, 0, NULL, "the ranks could not meet to start");
    }
    if (rank == 0) {
        ns_runner_catch_stops();
        rc = lead(b, ranks, err);
        ns_runner_default_stops();
    } else {
        rc = work(b);
        if (rc < 0)
            ns_err_set(err, NULL, 0, NULL, "rank %d lost rank 0", rank);
    }
    if (rc != 0)
        mpi_failed = true;
    return rc;
}

const struct ns_runner ns_runner_mpi = {"mpi", run_mpi, mpi_leads, mpi_enter, mpi_leave};
