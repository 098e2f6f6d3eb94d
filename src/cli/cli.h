/*
 * The commands of the numasched command line. Private to src/cli/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_CLI_H
#define NUMASCHED_CLI_H

#include <getopt.h>

#include "numasched/config.h"
#include "numasched/runner.h"
#include "numasched/util.h"

/* Exit statuses; CLI_HELP (never an exit status): --help was answered. */
enum { CLI_OK = 0, CLI_BAD_INPUT = 1, CLI_USAGE = 2, CLI_HELP = -1 };

struct cli_command {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv);
};

int cli_run(int argc, char **argv);
int cli_topo(int argc, char **argv);
int cli_place(int argc, char **argv);
int cli_experiment(int argc, char **argv);
int cli_sweep(int argc, char **argv);

/* How sweeps and experiments run: build/numasched-mpi (`make mpi`) runs
 * them over MPI ranks, build/numasched over local worker processes. */
#ifdef NUMASCHED_MPI
#define CLI_RUNNER ns_runner_mpi
#else
#define CLI_RUNNER ns_runner_local
#endif
int cli_analyze(int argc, char **argv);
int cli_advise(int argc, char **argv);

/*
 * A command's command line (src/cli/args.c): the options of @opts, each
 * handed to @option (which answers CLI_OK or, through cli_misuse, CLI_USAGE),
 * `--help` (its option value must be 'h') printing @help, then exactly one
 * operand, named in messages by @operand ("a SCENARIO file").
 */
struct cli_args {
    const char *cmd;
    const struct option *opts;
    int (*option)(void *ctx, int opt, const char *val);
    void (*help)(FILE *out);
    const char *operand;
};
/* CLI_OK with *@operand set, CLI_HELP, or CLI_USAGE (a line on stderr). */
int cli_parse(const struct cli_args *a, int argc, char **argv, void *ctx, const char **operand);

/* The values several commands take; CLI_OK, or CLI_USAGE naming @opt. */
int cli_opt_duration(const char *cmd, const char *opt, const char *val, bool zero_ok,
                     ns_time_t *out);
int cli_opt_count(const char *cmd, const char *opt, const char *val, unsigned lo, unsigned hi,
                  unsigned *out);
int cli_opt_hz(const char *cmd, const char *opt, const char *val, uint64_t *out);

/* Print "numasched: MSG" and return CLI_BAD_INPUT. */
int cli_fail(const struct ns_err *err);
/* --set KEY=VALUE: checked as the runs will set it (ns_config_param_set) and
 * appended to *@set; CLI_OK, or CLI_USAGE naming the value. */
int cli_opt_set(const char *cmd, const char *arg, struct ns_param_value **set, size_t *n);
void cli_set_free(struct ns_param_value *set, size_t n);
/* What sweep and experiment both take: struct ns_sweep_opts's options, and
 * the parameters --set collects (src/cli/sweep.c). */
struct cli_sweep_args {
    struct ns_sweep_opts o;
    struct ns_param_value *set;
    size_t nr_set;
};
/* --out, --html, --quiet, --jobs, --duration, --warmup ('w', the default)
 * and --set of CMD; CLI_OK or CLI_USAGE. */
int cli_sweep_option(const char *cmd, struct cli_sweep_args *a, int c, const char *val);

/* The exit status of CMD after a batch of runs returned @rc: > 0 the stop
 * signal, said with @stopped (what the stop leaves behind, or NULL), and
 * 128 + it; < 0 @err's message and CLI_BAD_INPUT; 0 CLI_OK. */
int cli_batch_status(const char *cmd, int rc, const struct ns_err *err, const char *stopped);
/* Print "numasched CMD: FMT... (see ...)" and return CLI_USAGE. */
int cli_misuse(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The trace files of `numasched run --trace/--perfetto` (src/cli/traces.c):
 * opened and added as sinks before the run, finished or dropped after it. */
struct ns_sim_spec;
struct ns_engine;
struct cli_trace_opts {
    const char *trace, *perfetto;
    uint64_t hz;
};
struct cli_traces {
    struct ns_xentrace *xt;
    struct ns_perfetto *pf;
};
int cli_traces_open(struct cli_traces *t, const struct cli_trace_opts *o,
                    const struct ns_sim_spec *spec, struct ns_engine *e, struct ns_err *err);
int cli_traces_finish(struct cli_traces *t, ns_time_t end, struct ns_err *err);
void cli_traces_abort(struct cli_traces *t);

/* `run --html FILE` (src/cli/html.c): the run's self-contained HTML page. */
struct ns_results;
int cli_html_run(const struct ns_results *r, const char *scenario, const char *path,
                 struct ns_err *err);

#endif
