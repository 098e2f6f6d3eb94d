/*
 * `--html FILE` of numasched run: the run's page (report/html.c), titled by
 * its scenario and seed. A sweep's page is the sweep runner's (it writes it
 * with the tables, src/runner/sweep.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>

#include "cli.h"
#include "numasched/report.h"

int cli_html_run(const struct ns_results *r, const char *scenario, const char *path,
                 struct ns_err *err)
{
    char title[512];

    snprintf(title, sizeof(title), "numasched run %s (seed %llu, scheduler %s)", scenario,
             (unsigned long long)r->seed, r->sched);
    struct ns_html *h = ns_html_new(title);
    ns_report_html(r, h);
    int rc = ns_html_write(h, path, err);
    ns_html_free(h);
    return rc;
}
