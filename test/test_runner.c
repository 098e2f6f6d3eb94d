/*
 * runner: the local runner on batches of tiny jobs whose outcome is known by
 * construction. A job runs in a worker process, so it shows that it ran the
 * only way a real one does: by the file it writes (DIR/job-I) and its exit
 * status.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/runner.h"

struct fake {
    char *dir;
    long fail;                  /* the job that returns an error, -1: none */
    long killed;                /* the job that dies of SIGKILL, -1: none */
    int begun, finished, files_at_finish;
    long complete;              /* jobs below this one were complete before the batch */
    char names[8][16], sources[8][16];
};

static const char *fake_name(void *arg, size_t i)
{
    struct fake *f = arg;
    snprintf(f->names[i], sizeof(f->names[i]), "job %zu", i);
    return f->names[i];
}

static const char *fake_source(void *arg, size_t i)
{
    struct fake *f = arg;
    snprintf(f->sources[i], sizeof(f->sources[i]), "src-%zu", i);
    return f->sources[i];
}

static unsigned fake_weight(void *arg, size_t i)
{
    (void)arg;
    return (unsigned)i + 1;
}

static int fake_run(void *arg, size_t i, struct ns_err *err)
{
    struct fake *f = arg;
    char name[32];

    if ((long)i == f->killed)
        raise(SIGKILL);
    if ((long)i == f->fail)
        return ns_err_set(err, NULL, 0, NULL, "broken on purpose");
    snprintf(name, sizeof(name), "job-%zu", i);
    write_file(f->dir, name, "done\n");
    return 0;
}

static bool fake_complete(void *arg, size_t i)
{
    struct fake *f = arg;
    return (long)i < f->complete;
}

static void fake_begin(void *arg)
{
    struct fake *f = arg;
    f->begun++;
}

static int fake_finish(void *arg, struct ns_err *err)
{
    struct fake *f = arg;
    (void)err;
    f->finished++;
    f->files_at_finish = count_entries(f->dir);
    return 0;
}

static int run_batch(struct fake *f, size_t jobs, unsigned workers, struct ns_err *err)
{
    struct ns_batch b = {"test", "fake", jobs, workers, true, f, fake_name, fake_source,
                         fake_weight, fake_run, fake_complete, fake_begin, fake_finish};
    return ns_runner_local.run(&b, err);
}

Test(runner, every_job_runs_once_then_finish)
{
    /* 7 jobs over 3 workers: 7 files, written before finish runs, once. */
    struct fake f = {.dir = tmpdir(), .fail = -1, .killed = -1};
    struct ns_err err = {{0}};

    cr_assert_eq(run_batch(&f, 7, 3, &err), 0, "%s", err.msg);
    cr_assert_eq(f.begun, 1);
    cr_assert_eq(f.finished, 1);
    cr_assert_eq(f.files_at_finish, 7);
    rm_rf(f.dir);
    free(f.dir);
}

Test(runner, jobs_complete_from_before_are_skipped)
{
    /* Jobs 0..2 of 6 complete: only jobs 3, 4 and 5 write their files. */
    struct fake f = {.dir = tmpdir(), .fail = -1, .killed = -1, .complete = 3};
    struct ns_err err = {{0}};

    cr_assert_eq(run_batch(&f, 6, 2, &err), 0, "%s", err.msg);
    cr_assert_eq(f.finished, 1);
    cr_assert_eq(f.files_at_finish, 3);
    char *first = ns_path_join(f.dir, "job-3");
    cr_assert_eq(access(first, F_OK), 0);
    free(first);
    rm_rf(f.dir);
    free(f.dir);
}

Test(runner, a_failing_job_fails_the_batch_and_skips_finish)
{
    /* One worker, so job 2 fails after jobs 0 and 1 and before any other starts. */
    struct fake f = {.dir = tmpdir(), .fail = 2, .killed = -1};
    struct ns_err err = {{0}};

    cr_assert_eq(run_batch(&f, 5, 1, &err), -1);
    /* The job's own reason, once, in the batch's error (fake_run's words). */
    cr_assert_str_eq(err.msg, "job 2 failed: broken on purpose (scenario src-2); "
                     "no tables written");
    cr_assert_eq(f.finished, 0);
    cr_assert_eq(count_entries(f.dir), 2);
    rm_rf(f.dir);
    free(f.dir);
}

Test(runner, a_killed_job_is_named_with_its_signal)
{
    struct fake f = {.dir = tmpdir(), .fail = -1, .killed = 0};
    struct ns_err err = {{0}};

    cr_assert_eq(run_batch(&f, 3, 1, &err), -1);
    cr_assert(strstr(err.msg, "job 0 failed (killed by signal 9, "), "%s", err.msg);
    cr_assert_eq(f.finished, 0);
    cr_assert_eq(count_entries(f.dir), 0);
    rm_rf(f.dir);
    free(f.dir);
}
