/*
 * `--html FILE` of numasched run and sweep: the run's page (report/html.c),
 * titled by its scenario and seed; the sweep's, made of the files the sweep
 * wrote (summary.md, plot-METRIC.svg) and links to its runs, so that the
 * page shows nothing the folder does not hold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numasched/config.h"
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

/* ---- a sweep ------------------------------------------------------------------------------- */

/* The whole text of @dir/@name, NUL-terminated; NULL with @err set. */
static char *read_text(const char *dir, const char *name, struct ns_err *err)
{
    char *path = ns_path_join(dir, name), *text = NULL;
    size_t len = 0;
    FILE *in = fopen(path, "r"), *out = open_memstream(&text, &len);
    char buf[8192];
    size_t n;

    if (!out)
        abort();
    if (in) {
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, n, out);
        fclose(in);
    } else {
        ns_err_set(err, path, 0, NULL, "cannot read: %s", strerror(errno));
    }
    fclose(out);
    free(path);
    if (!in) {
        free(text);
        return NULL;
    }
    return text;
}

static int sweep_tables(struct ns_html *h, const char *dir, struct ns_err *err)
{
    char *md = read_text(dir, "summary.md", err);

    if (!md)
        return -1;
    ns_html_heading(h, "Summary");
    ns_html_md_table(h, md);
    free(md);
    for (size_t m = 0; ns_sweep_metric_name(m); m++) {
        char name[96];
        snprintf(name, sizeof(name), "plot-%s.svg", ns_sweep_metric_name(m));
        char *svg = read_text(dir, name, err);
        if (!svg)
            return -1;
        ns_html_heading(h, ns_sweep_metric_name(m));
        ns_html_svg(h, svg);
        free(svg);
    }
    return 0;
}

/* DIR/runs/NAME/seed-K/results.json, in the sweep's order (docs/sweeps.md). */
static void sweep_runs(struct ns_html *h, const struct ns_sweep *s, const char *dir,
                       const char *page)
{
    ns_html_heading(h, "Runs");
    for (size_t p = 0; p < ns_sweep_nr_points(s); p++) {
        char *name = ns_sweep_point_name(s, p);
        size_t n = strlen(name) + 64;
        char *rel = ns_xmalloc(n), *text = ns_xmalloc(n);
        for (size_t k = 0; k < s->nr_seeds; k++) {
            unsigned long long seed = (unsigned long long)s->seed[k];
            snprintf(rel, n, "runs/%s/seed-%llu/results.json", name, seed);
            snprintf(text, n, "%s seed %llu", name, seed);
            char *file = ns_path_join(dir, rel), *href = ns_html_href(page, file);
            ns_html_link(h, href, text);
            free(href);
            free(file);
        }
        free(text);
        free(rel);
        free(name);
    }
}

int cli_html_sweep(const char *file, const char *dir, const char *page, struct ns_err *err)
{
    struct ns_sweep s;
    char title[512];

    if (ns_sweep_load(file, &s, err) < 0)
        return -1;
    if (s.relations) {          /* an experiment's page: the runner wrote it */
        ns_sweep_free(&s);
        return 0;
    }
    snprintf(title, sizeof(title), "numasched sweep %s", file);
    struct ns_html *h = ns_html_new(title);
    int rc = sweep_tables(h, dir, err);
    if (rc == 0) {
        sweep_runs(h, &s, dir, page);
        rc = ns_html_write(h, page, err);
    }
    ns_html_free(h);
    ns_sweep_free(&s);
    return rc;
}
