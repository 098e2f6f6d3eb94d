/*
 * numasched run SCENARIO: simulate, print a summary, write results files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/report.h"
#include "numasched/runner.h"
#include "numasched/xentrace.h"

static const char run_help[] =
    "usage: numasched run SCENARIO [OPTIONS]\n\n"
    "Simulate the scenario (a file in xl.cfg syntax naming a host, a scheduler and\n"
    "domain files) and print, per domain, its metric, runstate shares, the share\n"
    "of run time with local memory, migrations and wake-up latency.\n\n"
    "options:\n"
    "  --seed N            random seed (overrides the scenario's `seed`)\n"
    "  --duration SECONDS  measured time, e.g. 10 or 500ms (overrides `duration`)\n"
    "  --set KEY=VALUE     a model parameter (docs/model.md names them:\n"
    "                      remote_ratio=1.5, turbo_bin_mhz=0, create_gap=0, or\n"
    "                      lmbench-proc.mem_stall=0.2 for every guest of a\n"
    "                      workload), over the scenario's; repeatable\n"
    "  --out DIR           write DIR/results.json and DIR/results.csv\n"
    "  --html FILE         write a self-contained HTML report: domains, pCPU use, summary\n"
    "  --trace FILE        write a xentrace binary trace of the measured time, for\n"
    "                      `numasched analyze` and Xen's xenalyze\n"
    "  --trace-hz HZ       its TSC rate, e.g. 2.4G (the default, as xenalyze assumes)\n"
    "  --perfetto FILE     write a timeline for ui.perfetto.dev (Chrome JSON)\n"
    "  --check             check the scheduling invariants after every event;\n"
    "                      a violation stops the run with the event that broke it\n"
    "  --determinism-check run the scenario a second time in this process and compare\n"
    "                      the two runs' scheduling facts and results; exit 1 naming\n"
    "                      the first fact that differs (time, kind, pCPU, vCPU)\n"
    "  --quiet             no summary on stdout\n"
    "  --help              this text\n";

struct run_opts {
    const char *scenario, *out, *html;
    struct ns_overrides ov;
    struct ns_param_value *set;     /* --set, which ov.params points to */
    size_t nr_set;
    struct cli_trace_opts trace;
    bool check, quiet, determinism;
};

static int parse_seed(const char *s, uint64_t *out)
{
    char *end;

    errno = 0;
    if (*s == '-' || *s == '\0')
        return -1;
    *out = strtoull(s, &end, 10);
    return errno || *end ? -1 : 0;
}

static void help(FILE *out)
{
    fputs(run_help, out);
}

static int option(void *ctx, int c, const char *val)
{
    struct run_opts *o = ctx;

    switch (c) {
    case 's':
        if (parse_seed(val, &o->ov.seed) < 0)
            return cli_misuse("run", "--seed wants a non-negative integer, not \"%s\"", val);
        o->ov.has_seed = true;
        return CLI_OK;
    case 'd':
        o->ov.has_duration = true;
        return cli_opt_duration("run", "--duration", val, false, &o->ov.duration);
    case 'P': return cli_opt_set("run", val, &o->set, &o->nr_set);
    case 'z': return cli_opt_hz("run", "--trace-hz", val, &o->trace.hz);
    case 'o': o->out = val; return CLI_OK;
    case 'H': o->html = val; return CLI_OK;
    case 't': o->trace.trace = val; return CLI_OK;
    case 'p': o->trace.perfetto = val; return CLI_OK;
    case 'c': o->check = true; return CLI_OK;
    case 'D': o->determinism = true; return CLI_OK;
    default: o->quiet = true; return CLI_OK;        /* 'q' */
    }
}

static int parse_run_args(int argc, char **argv, struct run_opts *o)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},
        {"duration", required_argument, NULL, 'd'},
        {"set", required_argument, NULL, 'P'},
        {"out", required_argument, NULL, 'o'},
        {"html", required_argument, NULL, 'H'},
        {"trace", required_argument, NULL, 't'},
        {"trace-hz", required_argument, NULL, 'z'},
        {"perfetto", required_argument, NULL, 'p'},
        {"check", no_argument, NULL, 'c'},
        {"determinism-check", no_argument, NULL, 'D'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"run", opts, option, help, "a SCENARIO file"};

    int rc = cli_parse(&args, argc, argv, o, &o->scenario);
    if (rc == CLI_OK && o->trace.hz && !o->trace.trace)
        return cli_misuse("run", "%s", "--trace-hz goes with --trace FILE");
    return rc;
}

/* What --check saw: that every invariant held, and the schedulers' own
 * counters, where credit1's known blind spots are counted (docs/schedulers.md). */
static void print_check(const struct ns_engine *e, const struct ns_results *r)
{
    printf("\ncheck: every invariant held over %llu events\n", (unsigned long long)r->events);
    ns_engine_print_sched_stats(e, stdout);
}

/* The spec of a run of @arg's scenario, as the options ask (an ns_spec_loader). */
static int load_spec(void *arg, struct ns_sim_spec *spec, struct ns_err *err)
{
    const struct run_opts *o = arg;

    /* Create the domains as xl would: libxl placement, then Xen's allocator. */
    if (ns_config_create(o->scenario, &o->ov, spec, NULL, err) < 0)
        return -1;
    spec->check = spec->check || o->check;
    if (o->trace.trace)
        spec->trace_hz = (double)o->trace.hz;
    return 0;
}

/* --determinism-check: compare @e's finished run with a second one, before
 * anything is written, so that a failed check leaves no file behind. */
static int verify(const struct run_opts *o, struct ns_det *det, const struct ns_engine *e,
                  struct ns_err *err)
{
    if (!det)
        return 0;
    ns_det_finish(det, ns_engine_results(e));
    return ns_det_verify(det, o->scenario, load_spec, (void *)o, err);
}

/*
 * The run's outputs are claimed before it starts, so that a trace named
 * like the scenario, like results.json or like the other trace is refused
 * before an hour of simulation, and held until the end: the traces, the
 * results and the summary on stdout are all there, or none of the files is.
 */
static int claim_outputs(const struct run_opts *o, struct ns_err *err)
{
    char *json = o->out ? ns_path_join(o->out, "results.json") : NULL;
    char *csv = o->out ? ns_path_join(o->out, "results.csv") : NULL;
    int rc = (o->trace.trace && ns_output_claim(o->trace.trace, err) < 0) ||
             (o->trace.perfetto && ns_output_claim(o->trace.perfetto, err) < 0) ||
             (json && ns_output_claim(json, err) < 0) ||
             (csv && ns_output_claim(csv, err) < 0) ? -1 : 0;

    free(json);
    free(csv);
    return rc;
}

static int report(const struct run_opts *o, const struct ns_sim_spec *spec,
                  const struct ns_engine *e, struct ns_err *err)
{
    const struct ns_results *r = ns_engine_results(e);

    if (!o->quiet)
        ns_report_summary(r, stdout);
    if (!o->quiet && spec->check)
        print_check(e, r);
    if (ns_stdout_check(err) < 0)
        return -1;
    if (o->out && ns_report_write_dir(r, o->out, err) < 0)
        return -1;
    return o->html ? cli_html_run(r, o->scenario, o->html, err) : 0;
}

static int simulate(const struct run_opts *o, struct ns_sim_spec *spec, struct ns_err *err)
{
    struct ns_engine *e = ns_engine_create(spec, err);
    struct ns_det *det = o->determinism ? ns_det_new() : NULL;
    struct cli_traces traces;
    int rc = -1;

    if (!e || cli_traces_open(&traces, &o->trace, spec, e, err) < 0) {
        ns_det_free(det);
        ns_engine_free(e);
        return -1;
    }
    if (det)
        ns_engine_add_sink(e, ns_det_sink(det));
    if (ns_engine_run(e, err) < 0 || verify(o, det, e, err) < 0)
        cli_traces_abort(&traces);
    else if (cli_traces_finish(&traces, ns_sim_spec_end(spec), err) == 0)
        rc = report(o, spec, e, err);
    ns_det_free(det);
    ns_engine_free(e);
    return rc;
}

static int simulate_all_or_none(const struct run_opts *o, struct ns_sim_spec *spec,
                                struct ns_err *err)
{
    ns_outputs_hold();
    if (claim_outputs(o, err) < 0 || simulate(o, spec, err) < 0) {
        ns_outputs_drop();
        return -1;
    }
    return ns_outputs_commit(err);
}

/* The parsed command: load, place, simulate, write. */
static int run(struct run_opts *o)
{
    struct ns_sim_spec spec = {0};
    struct ns_err err;
    int rc = CLI_OK;

    o->ov.params = o->set;
    o->ov.nr_params = o->nr_set;
    if (o->trace.trace && !o->trace.hz)
        o->trace.hz = NS_TRACE_DEFAULT_HZ;
    if (load_spec(o, &spec, &err) < 0 || simulate_all_or_none(o, &spec, &err) < 0)
        rc = cli_fail(&err);
    ns_sim_spec_free(&spec);
    return rc;
}

int cli_run(int argc, char **argv)
{
    struct run_opts o = {0};

    int rc = parse_run_args(argc, argv, &o);
    if (rc == CLI_OK)
        rc = run(&o);
    cli_set_free(o.set, o.nr_set);
    return rc == CLI_HELP ? CLI_OK : rc;
}
