/*
 * What the test files share: temporary folders and files, and running the
 * numasched command as a user does (the binary named by $NUMASCHED, which
 * `make test` points at the sanitized build).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_TEST_HELPERS_H
#define NUMASCHED_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ns_engine;
struct ns_sim_spec;

/* A new, empty folder under /tmp (free the name). */
char *tmpdir(void);
void rm_rf(const char *dir);
/* A fresh tmpdir() for every test of a suite: TestSuite(name, .init =
 * suite_dir_make, .fini = suite_dir_drop), then suite_dir in the tests. */
extern char *suite_dir;
void suite_dir_make(void);
void suite_dir_drop(void);
void write_file(const char *dir, const char *name, const char *text);
void write_filef(const char *dir, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The whole file, NUL-terminated (its length in @len, which may be NULL);
 * NULL if it cannot be opened. */
char *slurp(const char *path, size_t *len);
/* `mpirun --oversubscribe -np 3 MPI ARGS...` (NULL-terminated), started: its
 * pid; stdout to /dev/null, stderr into @errfile. mpirun_wait: its exit
 * status (128 + signal if killed). */
int mpirun_start(const char *mpi, const char *const *args, const char *errfile);
int mpirun_wait(int pid);

/* Whether two folders hold the same files, byte for byte (`diff -r`, which
 * prints what differs on stderr). */
bool same_tree(const char *a, const char *b);
/* Whether DIR/NAME exists. */
bool exists(const char *dir, const char *name);
/* The entries of @dir that do not start with a dot; -1 if it does not exist. */
int count_entries(const char *dir);

/* A finished command: exit status (128 + signal if killed), stdout, stderr. */
struct outcome {
    int status;
    char *out, *err;
};

/* Run the scenario file @path through the engine for @duration with every
 * invariant checked after each event; the engine, to read its results, to
 * free with ns_engine_free, then @spec with ns_sim_spec_free. */
struct ns_engine *engine_run_checked(const char *path, uint64_t duration_ns,
                                     struct ns_sim_spec *spec);

/* Run numasched with @args (NULL-terminated) in @dir, which holds its
 * output while it runs; cli_perturbed also sets the determinism check's
 * test hook (NUMASCHED_TEST_PERTURB) to @perturb. */
struct outcome cli(const char *dir, const char *const *args);
struct outcome cli_perturbed(const char *dir, const char *perturb, const char *const *args);
void outcome_free(struct outcome *r);

/*
 * The same, for hostile inputs: stdout to @stdout_path (e.g. /dev/full)
 * instead of a file, a file-size limit (RLIMIT_FSIZE, 0 = none), and a
 * guard that kills a hung command after @hang_guard_s seconds (SIGALRM,
 * status 142), so that a hang fails its test rather than the whole suite;
 * with @in_dir the command runs in @dir, so that relative paths are there;
 * with @ignore_hup it starts with SIGHUP ignored, as under nohup.
 * cli_start/cli_finish split it, for a test that signals the command.
 */
struct cli_opts {
    const char *stdout_path;
    long fsize_limit;
    unsigned hang_guard_s;
    bool in_dir, ignore_hup;
};
struct outcome cli_with(const char *dir, const struct cli_opts *o, const char *const *args);
int cli_start(const char *dir, const struct cli_opts *o, const char *const *args);
struct outcome cli_finish(const char *dir, int pid);
/* The numasched binary the command-line tests run. */
const char *binary(void);

#endif
