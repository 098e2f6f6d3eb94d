/*
 * What a runner costs per job, and nothing else: a batch of N jobs that do
 * nothing, through the local runner (a fork per job) or, built with mpicc,
 * the MPI runner (a request and an answer per job, rank 0's own share in a
 * fork). A sweep's point costs this plus its run; `numasched sweep` over
 * bench/sweeps/tiny-sweep.cfg gives the two together (scripts/bench-sweep.sh).
 *
 *   build/numasched-dispatch-bench [--jobs J] N             the local runner
 *   mpirun -np R build/numasched-dispatch-bench-mpi N        R ranks, and
 *                                   first the runner's message exchange alone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numasched/runner.h"

#ifdef NUMASCHED_MPI
#include <mpi.h>
#define RUNNER ns_runner_mpi
#else
#define RUNNER ns_runner_local
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *job_name(void *arg, size_t job)
{
    (void)arg;
    (void)job;
    return "a job that does nothing";
}

static const char *job_source(void *arg, size_t job)
{
    (void)arg;
    (void)job;
    return "no scenario";
}

static unsigned job_weight(void *arg, size_t job)
{
    (void)arg;
    (void)job;
    return 1;
}

static int job_run(void *arg, size_t job, struct ns_err *err)
{
    (void)arg;
    (void)job;
    (void)err;
    return 0;
}

static void begin(void *arg)
{
    *(double *)arg = now_s();
}

/* Only the process that hands out the jobs (rank 0) gets here. */
static int finish(void *arg, struct ns_err *err)
{
    (void)err;
    *(double *)arg = now_s() - *(double *)arg;
    return 0;
}

#ifdef NUMASCHED_MPI
/*
 * The runner's own exchange, alone: rank 1 asks (two long longs), rank 0
 * probes for it, receives it and answers (two long longs), @n times. Rank
 * 0's time per answer bounds how many runs per second a whole cluster can be
 * handed (docs/sweeps.md projects from it).
 */
static void ping_pong(size_t n)
{
    long long m[2] = {0, 1};
    int rank, ranks, flag;
    MPI_Status st;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (ranks < 2 || rank > 1)
        return;
    double t = now_s();
    for (size_t i = 0; i < n; i++) {
        if (rank == 1) {
            MPI_Send(m, 2, MPI_LONG_LONG, 0, 2, MPI_COMM_WORLD);
            MPI_Recv(m, 2, MPI_LONG_LONG, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            continue;
        }
        do
            MPI_Iprobe(MPI_ANY_SOURCE, 2, MPI_COMM_WORLD, &flag, &st);
        while (!flag);
        MPI_Recv(m, 2, MPI_LONG_LONG, st.MPI_SOURCE, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(m, 2, MPI_LONG_LONG, st.MPI_SOURCE, 1, MPI_COMM_WORLD);
    }
    if (rank == 0)
        printf("%zu requests and answers between ranks 0 and 1: %.1f us per answer\n", n,
               (now_s() - t) * 1e6 / (double)(n ? n : 1));
}
#endif

static int usage(void)
{
    fprintf(stderr, "usage: numasched-dispatch-bench [--jobs J] N\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned jobs = 2;
    double elapsed = -1;
    struct ns_err err;
    int i = 1;

    if (argc == 4 && strcmp(argv[1], "--jobs") == 0) {
        jobs = (unsigned)strtoul(argv[2], NULL, 10);
        i = 3;
    }
    if (i != argc - 1 || jobs == 0)
        return usage();
    size_t n = strtoul(argv[i], NULL, 10);
#ifdef NUMASCHED_MPI
    MPI_Init(NULL, NULL);
    ping_pong(n);
#endif
    struct ns_batch b = {"numasched-dispatch-bench", "dispatch", n, jobs, true, &elapsed,
                         job_name, job_source, job_weight, job_run, NULL, begin, finish};

    if (RUNNER.run(&b, &err) != 0) {
        fprintf(stderr, "numasched-dispatch-bench: %s\n", err.msg);
        return 1;
    }
#ifdef NUMASCHED_MPI
    MPI_Finalize();             /* the runner ends MPI only if it started it */
#endif
    if (elapsed >= 0)
        printf("%zu empty jobs through the %s runner: %.3f s, %.1f us per job\n", n,
               RUNNER.name, elapsed, elapsed * 1e6 / (double)(n ? n : 1));
    return 0;
}
