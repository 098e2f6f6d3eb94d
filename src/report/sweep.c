/*
 * A sweep's tables: results.csv (a row per point and seed, axes then
 * metrics), summary.md (a row per point: means with 95% confidence
 * intervals) and one plot per metric, axis 0 across and a line per
 * combination of the other axes. Everything comes from the runs' results
 * files (struct ns_exp_run), so a number can always be traced to a run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

struct metric {
    const char *name;               /* results.csv's column, plot-NAME.svg */
    const char *label;              /* the y axis; "%s": the workload's unit */
    size_t offset;                  /* of a double in struct ns_exp_run */
};

static const struct metric metrics[] = {
    {"value", "%s per VM", offsetof(struct ns_exp_run, value)},
    {"local_pct", "run time with local memory (%%)", offsetof(struct ns_exp_run, local_pct)},
    {"running_pct", "vCPU time running (%%)", offsetof(struct ns_exp_run, running_pct)},
    {"runnable_pct", "vCPU time runnable (%%)", offsetof(struct ns_exp_run, runnable_pct)},
    {"mig_core_per_s", "core moves per VM and s", offsetof(struct ns_exp_run, mig_core)},
    {"mig_socket_per_s", "socket moves per VM and s", offsetof(struct ns_exp_run, mig_socket)},
    {"mig_node_per_s", "node moves per VM and s", offsetof(struct ns_exp_run, mig_node)},
    {"wakeups_per_s", "wake-ups per VM and s", offsetof(struct ns_exp_run, wakeups)},
    {"wake_us", "mean wake-up latency (us)", offsetof(struct ns_exp_run, wake_us)},
};
#define NR_METRICS (sizeof(metrics) / sizeof(metrics[0]))

const char *ns_sweep_metric_name(size_t m)
{
    return m < NR_METRICS ? metrics[m].name : NULL;
}

static double metric_of(const struct ns_exp_run *r, size_t m)
{
    return *(const double *)((const char *)r + metrics[m].offset);
}

static const char *value_of(const struct ns_sweep_table *t, size_t p, size_t a)
{
    return t->axis[a].value[t->point[p * t->nr_axes + a]];
}

static void stat_of(const struct ns_sweep_table *t, size_t p, size_t m, struct ns_exp_stat *s)
{
    double *x = ns_xcalloc(t->nr_seeds, sizeof(double));

    for (size_t k = 0; k < t->nr_seeds; k++)
        x[k] = metric_of(&t->run[p * t->nr_seeds + k], m);
    ns_exp_stat(x, (unsigned)t->nr_seeds, s);
    free(x);
}

/* ---- results.csv ------------------------------------------------------------- */

static void put_number(FILE *f, double v)
{
    char buf[NS_REPORT_DBL_LEN];

    ns_report_fmt_double(buf, v);
    fputs(buf, f);
}

void ns_sweep_emit_csv(const struct ns_sweep_table *t, FILE *f)
{
    for (size_t a = 0; a < t->nr_axes; a++) {
        ns_report_csv_text(f, t->axis[a].name);
        fputc(',', f);
    }
    fputs("seed,metric,unit", f);
    for (size_t m = 0; m < NR_METRICS; m++)
        fprintf(f, ",%s", metrics[m].name);
    fputc('\n', f);
    for (size_t p = 0; p < t->nr_points; p++) {
        for (size_t k = 0; k < t->nr_seeds; k++) {
            const struct ns_exp_run *r = &t->run[p * t->nr_seeds + k];
            for (size_t a = 0; a < t->nr_axes; a++) {
                ns_report_csv_text(f, value_of(t, p, a));
                fputc(',', f);
            }
            fprintf(f, "%llu,", (unsigned long long)t->seed[k]);
            ns_report_csv_text(f, r->metric);
            fputc(',', f);
            ns_report_csv_text(f, r->unit);
            for (size_t m = 0; m < NR_METRICS; m++) {
                fputc(',', f);
                put_number(f, metric_of(r, m));
            }
            fputc('\n', f);
        }
    }
}

/* ---- summary.md ---------------------------------------------------------------- */

/* The metrics a reader compares points by; the rest are in results.csv. */
static const size_t summary_metrics[] = {0, 1, 3, 6, 8};
#define NR_SUMMARY (sizeof(summary_metrics) / sizeof(summary_metrics[0]))

/* A value in a table cell: a '|' would end the cell. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void md_cell(FILE *f, const struct ns_exp_stat *s)
{
    if (isnan(s->mean))
        fputs(" - |", f);
    else if (isnan(s->ci95))
        fprintf(f, " %.4g |", s->mean);
    else
        fprintf(f, " %.4g ± %.2g |", s->mean, s->ci95);
}

void ns_sweep_emit_summary(const struct ns_sweep_table *t, FILE *f)
{
    fprintf(f, "# %s: mean ± half-width of the 95%% confidence interval over %zu seed%s\n\n|",
            t->name, t->nr_seeds, t->nr_seeds == 1 ? "" : "s");
    for (size_t a = 0; a < t->nr_axes; a++)
        fprintf(f, " %s |", t->axis[a].name);
    fputs(" metric |", f);
    for (size_t i = 0; i < NR_SUMMARY; i++)
        fprintf(f, " %s |", metrics[summary_metrics[i]].name);
    fputs("\n|", f);
    for (size_t a = 0; a < t->nr_axes + 1; a++)
        fputs("---|", f);
    for (size_t i = 0; i < NR_SUMMARY; i++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t p = 0; p < t->nr_points; p++) {
        const struct ns_exp_run *r0 = &t->run[p * t->nr_seeds];
        fputc('|', f);
        for (size_t a = 0; a < t->nr_axes; a++) {
            fputc(' ', f);
            md_text(f, value_of(t, p, a));
            fputs(" |", f);
        }
        fprintf(f, " %s (%s) |", r0->metric, r0->unit);
        for (size_t i = 0; i < NR_SUMMARY; i++) {
            struct ns_exp_stat s;
            stat_of(t, p, summary_metrics[i], &s);
            md_cell(f, &s);
        }
        fputc('\n', f);
    }
}

/* ---- plots ------------------------------------------------------------------------- */

enum { LEGEND_X = 340, LEGEND_ROW = 16, WIDTH = 860, MIN_HEIGHT = 400 };

/* Points by the values of axes 1.. (a line each), then by axis 0 (across). */
static int by_line(const void *x, const void *y, void *arg)
{
    const struct ns_sweep_table *t = arg;
    const size_t *a = &t->point[*(const size_t *)x * t->nr_axes];
    const size_t *b = &t->point[*(const size_t *)y * t->nr_axes];

    for (size_t i = 1; i <= t->nr_axes; i++) {
        size_t k = i % t->nr_axes;
        if (a[k] != b[k])
            return a[k] < b[k] ? -1 : 1;
    }
    return 0;
}

static bool same_line(const struct ns_sweep_table *t, size_t p, size_t q)
{
    for (size_t a = 1; a < t->nr_axes; a++)
        if (t->point[p * t->nr_axes + a] != t->point[q * t->nr_axes + a])
            return false;
    return true;
}

static void line_label(const struct ns_sweep_table *t, size_t p, FILE *f)
{
    for (size_t a = 1; a < t->nr_axes; a++) {
        fprintf(f, "%s%s=", a > 1 ? ", " : "", t->axis[a].name);
        ns_plot_text(f, value_of(t, p, a));
    }
}

static double x_of(const struct ns_sweep_table *t, size_t p)
{
    double gw = (double)(PLOT_RIGHT - PLOT_LEFT) / t->axis[0].nr_values;
    return PLOT_LEFT + (t->point[p * t->nr_axes] + 0.5) * gw;
}

/* One line: its points joined in axis-0 order, each with its error bar. */
static void draw_line(const struct ns_sweep_table *t, const size_t *order, size_t n, size_t m,
                      double top, const char *colour, FILE *f)
{
    const char *cmd = "M";

    fputs("<path d=\"", f);
    for (size_t i = 0; i < n; i++) {
        struct ns_exp_stat s;
        stat_of(t, order[i], m, &s);
        if (isnan(s.mean))
            continue;
        fprintf(f, "%s%.1f %.1f ", cmd, x_of(t, order[i]), ns_plot_y(s.mean, top));
        cmd = "L";
    }
    fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", colour);
    for (size_t i = 0; i < n; i++) {
        struct ns_exp_stat s;
        stat_of(t, order[i], m, &s);
        if (isnan(s.mean))
            continue;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                x_of(t, order[i]), ns_plot_y(s.mean, top), colour);
        ns_plot_error_bar(f, x_of(t, order[i]), 4, &s, top);
    }
}

static double highest(const struct ns_sweep_table *t, size_t m)
{
    double hi = 0;

    for (size_t p = 0; p < t->nr_points; p++) {
        struct ns_exp_stat s;
        stat_of(t, p, m, &s);
        double y = s.mean + (isnan(s.ci95) ? 0 : s.ci95);
        hi = y > hi ? y : hi;
    }
    return hi;
}

static void x_labels(const struct ns_sweep_table *t, FILE *f)
{
    const struct ns_sweep_col *x = &t->axis[0];
    double gw = (double)(PLOT_RIGHT - PLOT_LEFT) / x->nr_values;

    for (size_t v = 0; v < x->nr_values; v++) {
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
                PLOT_LEFT + (v + 0.5) * gw, PLOT_BOTTOM + 18);
        ns_plot_text(f, x->value[v]);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
            (PLOT_LEFT + PLOT_RIGHT) / 2.0, PLOT_BOTTOM + 40);
    ns_plot_text(f, x->name);
    fputs("</text>\n", f);
}

/* A run whose metric's unit is not the first run's, or NULL when all agree. */
static const struct ns_exp_run *other_unit(const struct ns_sweep_table *t)
{
    for (size_t i = 1; i < t->nr_points * t->nr_seeds; i++)
        if (strcmp(t->run[i].unit, t->run[0].unit) != 0)
            return &t->run[i];
    return NULL;
}

/*
 * A sweep over workloads gives points whose metrics differ (ops/s, us): one
 * axis for both would read as a comparison it is not. The plot says so;
 * results.csv and summary.md give each value with its unit.
 */
static void emit_no_common_axis(const struct ns_sweep_table *t, const struct ns_exp_run *o,
                                FILE *f)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<title>", WIDTH, MIN_HEIGHT / 4, WIDTH, MIN_HEIGHT / 4);
    ns_plot_text(f, t->name);
    fprintf(f, ": value</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
            "<text x=\"%d\" y=\"40\">The points report different metrics (", PLOT_LEFT);
    ns_plot_text(f, t->run[0].unit);
    fputs(", ", f);
    ns_plot_text(f, o->unit);
    fputs("), which share no axis: results.csv and summary.md give each value with its "
          "unit.</text>\n</svg>\n", f);
}

void ns_sweep_emit_svg(const struct ns_sweep_table *t, size_t m, FILE *f)
{
    const struct ns_exp_run *mixed = m == 0 ? other_unit(t) : NULL;

    if (mixed) {
        emit_no_common_axis(t, mixed, f);
        return;
    }
    size_t *order = ns_xcalloc(t->nr_points, sizeof(size_t)), lines = 0;
    double top, step;
    char label[96];

    for (size_t p = 0; p < t->nr_points; p++)
        order[p] = p;
    qsort_r(order, t->nr_points, sizeof(size_t), by_line, (void *)t);
    for (size_t i = 0; i < t->nr_points; i++)
        lines += i == 0 || !same_line(t, order[i - 1], order[i]);
    int height = MIN_HEIGHT;
    if (80 + (int)lines * LEGEND_ROW > height)
        height = 80 + (int)lines * LEGEND_ROW;

    ns_plot_scale(highest(t, m), &top, &step);
    snprintf(label, sizeof(label), metrics[m].label, t->run[0].unit);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<title>", WIDTH, height, WIDTH, height);
    ns_plot_text(f, t->name);
    fprintf(f, ": %s</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
            metrics[m].name);
    ns_plot_axes(f, 0, top, step, label);
    x_labels(t, f);
    for (size_t i = 0, line = 0; i < t->nr_points; line++) {
        size_t n = 1;
        while (i + n < t->nr_points && same_line(t, order[i], order[i + n]))
            n++;
        const char *colour = ns_plot_colours[(line + 1) % ns_plot_nr_colours];
        draw_line(t, &order[i], n, m, top, colour, f);
        double y = PLOT_TOP + (double)line * LEGEND_ROW;
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n"
                "<text x=\"%d\" y=\"%.1f\">", LEGEND_X, y - 10, colour, LEGEND_X + 18, y);
        line_label(t, order[i], f);
        fputs("</text>\n", f);
        i += n;
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555\">Mean over %zu seed%s; error bars: 95%% "
            "confidence interval of the mean.</text>\n</svg>\n", PLOT_LEFT, PLOT_TOP - 30,
            t->nr_seeds, t->nr_seeds == 1 ? "" : "s");
    free(order);
}

/* ---- writing them all ------------------------------------------------------------- */

struct staged {
    const struct ns_sweep_table *t;
    size_t metric;
};

static void emit_csv(const void *ctx, FILE *f) { ns_sweep_emit_csv(((const struct staged *)ctx)->t, f); }
static void emit_md(const void *ctx, FILE *f) { ns_sweep_emit_summary(((const struct staged *)ctx)->t, f); }

static void emit_plot(const void *ctx, FILE *f)
{
    const struct staged *s = ctx;
    ns_sweep_emit_svg(s->t, s->metric, f);
}

enum { NR_FILES = 2 + NR_METRICS };

static char *file_name(const char *dir, size_t i)
{
    char name[64];

    if (i == 0)
        return ns_path_join(dir, "results.csv");
    if (i == 1)
        return ns_path_join(dir, "summary.md");
    snprintf(name, sizeof(name), "plot-%s.svg", metrics[i - 2].name);
    return ns_path_join(dir, name);
}

int ns_sweep_write(const struct ns_sweep_table *t, const char *dir, struct ns_err *err)
{
    struct ns_outfile o[NR_FILES];
    struct staged ctx[NR_FILES];
    char *path[NR_FILES] = {0};
    size_t staged = 0, done = 0;
    int rc = -1;

    if (ns_report_make_dirs(dir, err) < 0)
        return -1;
    for (; staged < NR_FILES; staged++) {
        ctx[staged] = (struct staged){t, staged >= 2 ? staged - 2 : 0};
        path[staged] = file_name(dir, staged);
        ns_report_emit_fn *emit = staged == 0 ? emit_csv : staged == 1 ? emit_md : emit_plot;
        if (ns_report_stage(&o[staged], path[staged], emit, &ctx[staged], err) < 0)
            break;
    }
    if (staged == NR_FILES) {
        while (done < NR_FILES && ns_outfile_commit(&o[done], err) == 0)
            done++;
        rc = done == NR_FILES ? 0 : -1;
        for (size_t i = done + 1; rc < 0 && i < NR_FILES; i++)
            ns_outfile_abort(&o[i]);
        for (size_t i = 0; rc < 0 && i < done; i++)
            unlink(path[i]);
    } else {
        for (size_t i = 0; i < staged; i++)
            ns_outfile_abort(&o[i]);
    }
    for (size_t i = 0; i < NR_FILES; i++)
        free(path[i]);
    return rc;
}

char *ns_sweep_output_path(const char *dir, size_t i)
{
    return i < NR_FILES ? file_name(dir, i) : NULL;
}
