/*
 * What the test files share: temporary folders and files, and running the
 * numasched command as a user does (the binary named by $NUMASCHED, which
 * `make test` points at the sanitized build).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_TEST_HELPERS_H
#define NUMASCHED_TEST_HELPERS_H

#include <stddef.h>

/* A new, empty folder under /tmp (free the name). */
char *tmpdir(void);
void rm_rf(const char *dir);
void write_file(const char *dir, const char *name, const char *text);
/* The whole file, NUL-terminated (its length in @len, which may be NULL);
 * NULL if it cannot be opened. */
char *slurp(const char *path, size_t *len);
/* The entries of @dir that do not start with a dot; -1 if it does not exist. */
int count_entries(const char *dir);

/* A finished command: exit status (128 + signal if killed), stdout, stderr. */
struct outcome {
    int status;
    char *out, *err;
};

/* Run numasched with @args (NULL-terminated) in @dir, which holds its
 * output while it runs; cli_perturbed also sets the determinism check's
 * test hook (NUMASCHED_TEST_PERTURB) to @perturb. */
struct outcome cli(const char *dir, const char *const *args);
struct outcome cli_perturbed(const char *dir, const char *perturb, const char *const *args);
void outcome_free(struct outcome *r);
/* The numasched binary the command-line tests run. */
const char *binary(void);

#endif
