/*
 * numasched: the command line. Each command is a small function that parses
 * its options, calls the parts, and turns an error into one line on stderr:
 * exit 1 for bad input, 2 for a misused command line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
    {"run", "simulate a scenario and report throughput, latency and locality", cli_run},
    {"topo", "show a host topology: nodes, sockets, cores, pCPUs, distances", cli_topo},
    {"place", "show where libxl places each domain and where Xen puts its memory", cli_place},
    {"experiment", "run a whole experiment (numa2013, a sweep file) and write its tables and plot", cli_experiment},
    {"sweep", "run every point of a sweep file over seeds: results.csv, summary, plots", cli_sweep},
    {"analyze", "read a xentrace file: runstates, wake-up latency, moves, pCPU use", cli_analyze},
    {"advise", "rank placement policies and schedulers for your VMs; print the settings", cli_advise},
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fputs("usage: numasched COMMAND [OPTIONS] ...\n\n"
          "Xen's NUMA placement and vCPU schedulers on a modelled NUMA host.\n\n"
          "commands:\n", out);
    for (size_t i = 0; i < NR_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n`numasched COMMAND --help` describes each command and its options;\n"
          "`numasched --version` names the model this build runs.\n", out);
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs("numasched: which command? (see numasched --help)\n", stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {   /* which model made a result */
        printf("numasched model %s\n", ns_model_id());
        return 0;
    }
    for (size_t i = 0; i < NR_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "numasched: unknown command \"%s\" (see numasched --help)\n", argv[1]);
    return CLI_USAGE;
}

/*
 * A summary written to a full disk or a closed pipe is lost only when
 * stdout is flushed, after the command returned: that is an error too
 * (exit 1), as coreutils' close_stdout makes it.
 */
int main(int argc, char **argv)
{
    struct ns_err err;

    ns_io_catch_signals();
    if (CLI_RUNNER.enter)
        CLI_RUNNER.enter();
    int rc = dispatch(argc, argv);
    if (CLI_RUNNER.leave)
        CLI_RUNNER.leave(rc);
    if (ns_std_close(&err) < 0 && rc == CLI_OK) {   /* else the command said why */
        fprintf(stderr, "numasched: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    return rc;
}
