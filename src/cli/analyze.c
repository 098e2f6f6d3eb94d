/*
 * numasched analyze FILE: what a xentrace file says happened, per domain,
 * vCPU and pCPU; and the trace files `numasched run` writes (--trace,
 * --perfetto), opened before and finished after the run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "numasched/report.h"

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

static int parse_analyze_args(int argc, char **argv, struct analyze_opts *o, bool *help)
{
    static const struct option opts[] = {
        {"trace-hz", required_argument, NULL, 'z'},
        {"host", required_argument, NULL, 'H'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ns_err err;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'z':
            if (ns_trace_parse_hz(optarg, &o->hz, &err) < 0)
                return cli_misuse("analyze", "--trace-hz: %s", err.msg);
            break;
        case 'H': o->host = optarg; break;
        case 'j': o->json = true; break;
        case 'h': *help = true; return CLI_OK;
        case ':': return cli_misuse("analyze", "%s needs a value", argv[optind - 1]);
        default: return cli_misuse("analyze", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_misuse("analyze", "%s", optind >= argc ? "needs a trace FILE" : "takes one FILE");
    o->file = argv[optind];
    return CLI_OK;
}

int cli_analyze(int argc, char **argv)
{
    struct analyze_opts o = {0};
    struct ns_trace_analysis a;
    struct ns_topo *topo = NULL;
    struct ns_err err;
    bool help = false;

    int rc = parse_analyze_args(argc, argv, &o, &help);
    if (rc != CLI_OK || help) {
        if (help)
            fputs(analyze_help, stdout);
        return rc;
    }
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

/* ---- the trace files of `numasched run` ----------------------------------------- */

/* mkdir -p the folder of @path, so that `--out DIR --trace DIR/t.bin` works
 * before the results create DIR. */
static int make_parent(const char *path, struct ns_err *err)
{
    char *dir = ns_path_dir(path);
    int rc = 0;

    for (char *s = dir + 1; rc == 0; s++) {
        bool last = *s == '\0';
        if (*s != '/' && !last)
            continue;
        *s = '\0';
        struct stat st;
        if (mkdir(dir, 0777) != 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            rc = ns_err_set(err, path, 0, NULL, "cannot create directory %s: %s", dir,
                            strerror(errno == EEXIST ? ENOTDIR : errno));
        if (last)
            break;
        *s = '/';
    }
    free(dir);
    return rc;
}

int cli_traces_open(struct cli_traces *t, const struct cli_trace_opts *o,
                    const struct ns_sim_spec *spec, struct ns_engine *e, struct ns_err *err)
{
    memset(t, 0, sizeof(*t));
    if ((o->trace && make_parent(o->trace, err) < 0) ||
        (o->perfetto && make_parent(o->perfetto, err) < 0))
        return -1;
    if (o->trace) {
        t->xt = ns_xentrace_open(o->trace, o->hz, spec->topo->nr_pcpus, err);
        if (!t->xt)
            return -1;
        ns_engine_add_sink(e, ns_xentrace_sink(t->xt));
    }
    if (o->perfetto) {
        struct ns_perfetto_domain *d = ns_xcalloc(spec->nr_dom ? spec->nr_dom : 1, sizeof(*d));
        for (size_t i = 0; i < spec->nr_dom; i++)
            d[i] = (struct ns_perfetto_domain){spec->has_dom0 ? (unsigned)i : (unsigned)i + 1,
                                               spec->dom[i].name, spec->dom[i].memory_kb_per_node};
        t->pf = ns_perfetto_open(o->perfetto, spec->topo, d, spec->nr_dom, err);
        free(d);
        if (!t->pf) {
            cli_traces_abort(t);
            return -1;
        }
        ns_engine_add_sink(e, ns_perfetto_sink(t->pf));
    }
    return 0;
}

/* Each file appears only complete; when the Perfetto file cannot be
 * written, the xentrace file is dropped too. */
int cli_traces_finish(struct cli_traces *t, ns_time_t end, struct ns_err *err)
{
    int rc = 0;

    if (t->pf && ns_perfetto_finish(t->pf, end, err) < 0)
        rc = -1;
    t->pf = NULL;
    if (t->xt && rc < 0)
        ns_xentrace_abort(t->xt);
    else if (t->xt && ns_xentrace_finish(t->xt, end, NULL, err) < 0)
        rc = -1;
    t->xt = NULL;
    return rc;
}

void cli_traces_abort(struct cli_traces *t)
{
    ns_xentrace_abort(t->xt);
    ns_perfetto_abort(t->pf);
    t->xt = NULL;
    t->pf = NULL;
}
