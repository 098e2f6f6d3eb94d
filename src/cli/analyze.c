/*
 * numasched analyze FILE: what a xentrace file says happened, per domain,
 * vCPU and pCPU.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "numasched/report.h"
#include "numasched/xentrace.h"

static const char analyze_help[] =
    "usage: numasched analyze FILE [OPTIONS]\n\n"
    "Read a xentrace binary trace (from `numasched run --trace`, or from xentrace\n"
    "on a Xen host) and print, per domain and vCPU, the time spent running,\n"
    "runnable, blocked and offline, wake-to-run latency percentiles and moves\n"
    "between pCPUs, then each pCPU's utilisation. For a trace numasched wrote,\n"
    "the runstate times equal those of the run's results.json.\n\n"
    "options:\n"
    "  --trace-hz HZ   the TSC rate, e.g. 2.4G or 2400M (default: the rate a numasched\n"
    "                  trace records, else 2.4G as xenalyze assumes)\n"
    "  --host SPEC     the host the trace comes from (as `numasched topo` takes it):\n"
    "                  migrations are then split into core, socket and node moves\n"
    "  --json          print JSON instead of tables\n"
    "  --help          this text\n\n"
    "A damaged file is refused with the byte offset of the problem (exit 1).\n";

struct analyze_opts {
    const char *file, *host;
    uint64_t hz;
    bool json;
};

static void help(FILE *out)
{
    fputs(analyze_help, out);
}

static int option(void *ctx, int c, const char *val)
{
    struct analyze_opts *o = ctx;

    switch (c) {
    case 'z': return cli_opt_hz("analyze", "--trace-hz", val, &o->hz);
    case 'H': o->host = val; return CLI_OK;
    default: o->json = true; return CLI_OK;         /* 'j' */
    }
}

int cli_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trace-hz", required_argument, NULL, 'z'},
        {"host", required_argument, NULL, 'H'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"analyze", opts, option, help, "a trace FILE"};
    struct analyze_opts o = {0};
    struct ns_trace_analysis a;
    struct ns_topo *topo = NULL;
    struct ns_err err;

    int rc = cli_parse(&args, argc, argv, &o, &o.file);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (o.host && !(topo = ns_topo_load(o.host, NULL, &err)))
        return cli_fail(&err);
    struct ns_analyze_opts ao = {o.hz, topo};
    if (ns_analyze_trace(o.file, &ao, &a, &err) < 0) {
        ns_topo_free(topo);
        return cli_fail(&err);
    }
    if (a.trace_hz && o.hz && a.trace_hz != o.hz) {
        char mine[32], theirs[32];
        fprintf(stderr, "numasched: warning: %s was written at %sHz, analysed at --trace-hz %sHz\n",
                o.file, ns_trace_format_hz(a.trace_hz, theirs), ns_trace_format_hz(o.hz, mine));
    }
    if (o.json)
        ns_analysis_print_json(&a, stdout);
    else
        ns_analysis_print(&a, stdout);
    ns_analysis_free(&a);
    ns_topo_free(topo);
    return CLI_OK;
}
