/*
 * Worker processes: forked once, each runs job after job until its job pipe
 * closes.
 *
 * Why not a fork per job: it cost more than a small job itself, 1 to 3 ms
 * on the development VM, whose page-table copies are slow, and 10 ms from
 * an MPI rank with its shared-memory segments mapped, against microseconds
 * for a job number down a pipe and its outcome back (bench/dispatch). Jobs
 * already ran one after another in one process on MPI's worker ranks, with
 * files byte for byte those of a fork each. A job that crashes or exits
 * still takes only its worker with it, and the caller counts that as the
 * job's failure.
 *
 * Up the pipe comes one record per job: whether it failed and the length of
 * its reason, then the reason. A record is far below PIPE_BUF, so it is
 * written whole, and a worker that dies mid-job leaves none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/internal.h"

struct outcome {
    int32_t failed;
    uint32_t len;
};

static void close_fds(struct runner_worker *w)
{
    if (w->jobs >= 0)
        close(w->jobs);
    if (w->done >= 0)
        close(w->done);
    w->jobs = w->done = -1;
}

/*
 * In the child: jobs, with the signals as they were before the batch, and
 * a stop signal (the caller's SIGTERM when another job failed) removing the
 * job's temporary files as it would the command's.
 */
static _Noreturn void serve_jobs(const struct ns_batch *b, int jobs, int done,
                                 const sigset_t *mask)
{
    char rec[sizeof(struct outcome) + sizeof(((struct ns_err *)0)->msg)];
    size_t job;

    ns_runner_default_stops();
    signal(SIGPIPE, SIG_DFL);
    ns_io_catch_signals();
    sigprocmask(SIG_SETMASK, mask, NULL);
    while (ns_read_full(jobs, &job, sizeof(job)) == (ssize_t)sizeof(job)) {
        struct ns_err err;
        int rc = b->run(b->arg, job, &err);
        struct outcome o = {rc < 0, rc < 0 ? (uint32_t)strlen(err.msg) : 0};

        fflush(NULL);
        memcpy(rec, &o, sizeof(o));
        memcpy(rec + sizeof(o), err.msg, o.len);
        if (write(done, rec, sizeof(o) + o.len) != (ssize_t)(sizeof(o) + o.len))
            _exit(1);
    }
    _exit(0);
}

static int pipe_failed(int *fds, int n, struct ns_err *err)
{
    int saved = errno;

    for (int i = 0; i < n; i++)
        close(fds[i]);
    return ns_err_set(err, NULL, 0, NULL, "cannot start a worker: %s", strerror(saved));
}

int runner_worker_start(struct runner_worker *w, const struct ns_batch *b, const sigset_t *mask,
                        struct runner_worker *others, size_t n, struct ns_err *err)
{
    int fds[4];                 /* down: 0 read, 1 write; up: 2 read, 3 write */

    if (pipe2(fds, O_CLOEXEC) < 0)
        return pipe_failed(fds, 0, err);
    if (pipe2(fds + 2, O_CLOEXEC) < 0)
        return pipe_failed(fds, 2, err);
    fflush(NULL);               /* or the child would print the parent's buffers again */
    pid_t pid = fork();
    if (pid < 0)
        return pipe_failed(fds, 4, err);
    if (pid == 0) {
        for (size_t i = 0; i < n; i++)
            close_fds(&others[i]);
        close(fds[1]);
        close(fds[2]);
        serve_jobs(b, fds[0], fds[3], mask);
    }
    close(fds[0]);
    close(fds[3]);
    *w = (struct runner_worker){pid, 0, false, fds[1], fds[2]};
    return 0;
}

int runner_worker_give(struct runner_worker *w, size_t job)
{
    if (write(w->jobs, &job, sizeof(job)) != (ssize_t)sizeof(job))
        return -1;
    w->job = job;
    w->busy = true;
    return 0;
}

enum runner_outcome runner_worker_collect(struct runner_worker *w, char *why, size_t n)
{
    struct outcome o;

    why[0] = '\0';
    if (ns_read_full(w->done, &o, sizeof(o)) != (ssize_t)sizeof(o))
        return RUNNER_WORKER_GONE;
    size_t len = o.len < n ? o.len : n - 1;
    if (ns_read_full(w->done, why, len) != (ssize_t)len)
        return RUNNER_WORKER_GONE;
    why[len] = '\0';
    w->busy = false;
    return o.failed ? RUNNER_JOB_FAILED : RUNNER_JOB_DONE;
}

void runner_worker_dismiss(struct runner_worker *w)
{
    if (w->jobs >= 0)
        close(w->jobs);
    w->jobs = -1;
}

int runner_worker_reap(struct runner_worker *w)
{
    int st = 0;

    while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
        ;
    close_fds(w);
    w->pid = 0;
    w->busy = false;
    return st;
}
