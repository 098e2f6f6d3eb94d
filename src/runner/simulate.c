/*
 * One run of a batch, from a loaded scenario to its results files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "numasched/engine.h"
#include "numasched/runner.h"
#include "runner/internal.h"

int runner_simulate(const struct ns_sim_spec *spec, const char *out, struct ns_err *err)
{
    struct ns_engine *e = ns_engine_create(spec, err);
    int rc = -1;

    if (!e)
        return -1;
    if (ns_engine_run(e, err) == 0) {
        ns_runner_hold_stops();
        rc = ns_report_write_dir(ns_engine_results(e), out, err);
        ns_runner_release_stops();
    }
    ns_engine_free(e);
    return rc;
}
