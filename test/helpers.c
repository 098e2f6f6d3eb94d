/*
 * What the test files share (helpers.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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

void write_file(const char *dir, const char *name, const char *text)
{
    char *p = ns_path_join(dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(text, f);
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

struct outcome cli_perturbed(const char *dir, const char *perturb, const char *const *args)
{
    char *out_path = ns_path_join(dir, ".stdout"), *err_path = ns_path_join(dir, ".stderr");
    const char *argv[32] = {binary()};
    size_t n = 1;

    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
        dup2(open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
        if (perturb)
            setenv("NUMASCHED_TEST_PERTURB", perturb, 1);
        else
            unsetenv("NUMASCHED_TEST_PERTURB");
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
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

struct outcome cli(const char *dir, const char *const *args)
{
    return cli_perturbed(dir, NULL, args);
}

void outcome_free(struct outcome *r)
{
    free(r->out);
    free(r->err);
}
