/*
 * The trace files of `numasched run --trace/--perfetto`: opened and added to
 * the engine as sinks before the run, completed (or dropped, so that no
 * half-written file remains) after it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numasched/engine.h"
#include "numasched/perfetto.h"
#include "numasched/report.h"
#include "numasched/xentrace.h"

/* mkdir -p the folder of @path, so that `--out DIR --trace DIR/t.bin` works
 * before the results create DIR. */
static int make_parent(const char *path, struct ns_err *err)
{
    char *dir = ns_path_dir(path);
    int rc = ns_report_make_dirs(dir, err);

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
            d[i] = (struct ns_perfetto_domain){ns_spec_domid(spec, i), spec->dom[i].name,
                                               spec->dom[i].memory_kb_per_node};
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
