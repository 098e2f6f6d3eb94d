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
int cli_place(int argc, char **argv);
int cli_experiment(int argc, char **argv);
int cli_analyze(int argc, char **argv);

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

/*
 * `numasched run --determinism-check` (src/cli/determinism.c). Run 1 records
 * checkpoints of its fact stream through cli_det_sink and ends with
 * cli_det_finish; cli_det_verify then loads the scenario again with @load
 * (exactly as run 1 was loaded), runs it, and compares. 0: the runs agree
 * (a line on stdout); -1: @err names the first fact that differs.
 */
struct ns_results;
struct ns_trace_sink;
struct cli_det;
typedef int (*cli_spec_loader)(void *arg, struct ns_sim_spec *spec, struct ns_err *err);
struct cli_det *cli_det_new(void);
const struct ns_trace_sink *cli_det_sink(struct cli_det *d);
void cli_det_finish(struct cli_det *d, const struct ns_results *r);
int cli_det_verify(const struct cli_det *one, const char *name, cli_spec_loader load,
                   void *arg, struct ns_err *err);
void cli_det_free(struct cli_det *d);

/* Print "numasched: MSG" and return CLI_BAD_INPUT. */
int cli_fail(const struct ns_err *err);
/* Print "numasched CMD: FMT(arg) (see ...)" and return CLI_USAGE. */
int cli_misuse(const char *cmd, const char *fmt, const char *arg);

#endif
