/*
 * The commands of the numasched command line. Private to src/cli/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_CLI_H
#define NUMASCHED_CLI_H

#include "numasched/util.h"

enum { CLI_OK = 0, CLI_BAD_INPUT = 1, CLI_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv);
};

int cli_run(int argc, char **argv);
int cli_topo(int argc, char **argv);

/* Print "numasched: MSG" and return CLI_BAD_INPUT. */
int cli_fail(const struct ns_err *err);
/* Print "numasched CMD: FMT(arg) (see ...)" and return CLI_USAGE. */
int cli_misuse(const char *cmd, const char *fmt, const char *arg);

#endif
