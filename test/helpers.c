/*
 * What the test files share (helpers.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "numasched/config.h"
#include "numasched/engine.h"

#include "helpers.h"
#include "numasched/util.h"

char *tmpdir(void)
{
    char *d = ns_xstrdup("/tmp/numasched-test-XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    return d;
}

void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

char *suite_dir;

void suite_dir_make(void)
{
    suite_dir = tmpdir();
}

void suite_dir_drop(void)
{
    rm_rf(suite_dir);
    free(suite_dir);
    suite_dir = NULL;
}

void write_file(const char *dir, const char *name, const char *text)
{
    write_filef(dir, name, "%s", text);
}

void write_filef(const char *dir, const char *name, const char *fmt, ...)
{
    char *p = ns_path_join(dir, name);
    FILE *f = fopen(p, "w");
    va_list ap;

    cr_assert_not_null(f, "%s", p);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    free(p);
}

char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *s = ns_xmalloc(cap);
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            s = ns_xrealloc(s, cap *= 2);
    }
    s[n] = '\0';
    fclose(f);
    if (len)
        *len = n;
    return s;
}

int mpirun_start(const char *mpi, const char *const *args, const char *errfile)
{
    size_t n = 0;

    while (args[n])
        n++;
    const char **argv = ns_xcalloc(n + 6, sizeof(char *));
    memcpy(argv, (const char *[]){"mpirun", "--oversubscribe", "-np", "3", mpi},
           5 * sizeof(char *));
    memcpy(argv + 5, args, (n + 1) * sizeof(char *));
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(open("/dev/null", O_WRONLY), 1);
        dup2(e, 2);
        /* Open MPI refuses root unless told twice; CI runs as root. */
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
        execvp("mpirun", (char *const *)argv);
        _exit(127);
    }
    free(argv);
    return pid;
}

int mpirun_wait(int pid)
{
    int st;

    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool same_tree(const char *a, const char *b)
{
    char *cmd = ns_xasprintf("diff -r '%s' '%s' >&2", a, b);
    int rc = system(cmd);

    free(cmd);
    return rc == 0;
}

bool exists(const char *dir, const char *name)
{
    char *p = ns_path_join(dir, name);
    bool ok = access(p, F_OK) == 0;
    free(p);
    return ok;
}

int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

const char *binary(void)
{
    const char *b = getenv("NUMASCHED");
    return b && *b ? b : "build/asan/numasched";
}

/* A file the command wrote, "" if it wrote none. */
static char *output(const char *path)
{
    char *s = slurp(path, NULL);
    return s ? s : ns_xstrdup("");
}

/* The child: stdout and stderr to files of @dir, limits, then numasched. */
static void exec_child(const char *dir, const char *perturb, const struct cli_opts *o,
                       const char *const *argv)
{
    char *out_path = ns_path_join(dir, ".stdout"), *err_path = ns_path_join(dir, ".stderr");
    const char *out = o && o->stdout_path ? o->stdout_path : out_path;

    dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
    dup2(open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
    if (perturb)
        setenv("NUMASCHED_TEST_PERTURB", perturb, 1);
    else
        unsetenv("NUMASCHED_TEST_PERTURB");
    if (o && o->fsize_limit) {
        struct rlimit lim = {(rlim_t)o->fsize_limit, (rlim_t)o->fsize_limit};
        setrlimit(RLIMIT_FSIZE, &lim);
    }
    if (o && o->hang_guard_s)
        alarm(o->hang_guard_s);
    if (o && o->ignore_hup)
        signal(SIGHUP, SIG_IGN);
    if (o && o->in_dir && chdir(dir) != 0)
        _exit(126);
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

static int start(const char *dir, const char *perturb, const struct cli_opts *o,
                 const char *const *args)
{
    char *bin = realpath(binary(), NULL);
    const char *argv[32] = {bin ? bin : binary()};
    size_t n = 1;

    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0)
        exec_child(dir, perturb, o, argv);
    free(bin);
    return pid;
}

struct outcome cli_finish(const char *dir, int pid)
{
    char *out_path = ns_path_join(dir, ".stdout"), *err_path = ns_path_join(dir, ".stderr");
    int st;

    waitpid(pid, &st, 0);
    struct outcome r = {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), output(out_path),
                        output(err_path)};
    unlink(out_path);
    unlink(err_path);
    free(out_path);
    free(err_path);
    return r;
}

struct outcome cli_perturbed(const char *dir, const char *perturb, const char *const *args)
{
    return cli_finish(dir, start(dir, perturb, NULL, args));
}

int cli_start(const char *dir, const struct cli_opts *o, const char *const *args)
{
    return start(dir, NULL, o, args);
}

struct outcome cli_with(const char *dir, const struct cli_opts *o, const char *const *args)
{
    return cli_finish(dir, start(dir, NULL, o, args));
}

struct outcome cli(const char *dir, const char *const *args)
{
    return cli_perturbed(dir, NULL, args);
}

void outcome_free(struct outcome *r)
{
    free(r->out);
    free(r->err);
}

struct ns_engine *engine_run_checked(const char *path, uint64_t duration_ns,
                                     struct ns_sim_spec *spec)
{
    struct ns_overrides ov = {.has_duration = true, .duration = duration_ns};
    struct ns_err err;

    *spec = (struct ns_sim_spec){0};
    cr_assert_eq(ns_config_create(path, &ov, spec, NULL, &err), 0, "%s", err.msg);
    spec->check = true;
    struct ns_engine *e = ns_engine_create(spec, &err);
    cr_assert_not_null(e, "%s: %s", path, err.msg);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s: %s", path, err.msg);
    return e;
}
