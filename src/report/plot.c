/*
 * plot.svg: one panel per workload, a group of bars per VM count, one bar per
 * policy, error bars at the 95% confidence interval; with published
 * measurements, a second row of panels shows the relations beside them
 * (compare.c). Written as plain SVG
 * text with fixed formats, so the same table always gives the same bytes and
 * nothing beyond libc is needed to draw it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stddef.h>

#include "report/report_internal.h"

/* Geometry in SVG user units (pixels). */
enum {
    PANEL_W = 330,        /* one workload */
    MARGIN = 20,
    HEIGHT = 400,         /* the plot area inside a panel: report_internal.h */
};

/* Tableau 10, colour-blind safe enough for three bars: none, pin, numa. */
const char *const ns_plot_colours[] = {
    "#bab0ac", "#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#76b7b2", "#edc948",
};
const size_t ns_plot_nr_colours = sizeof(ns_plot_colours) / sizeof(ns_plot_colours[0]);

/* 1, 2 or 5 times a power of ten, at least @x: a step a reader can add up. */
static double nice_step(double x)
{
    double p = pow(10, floor(log10(x))), f = x / p;

    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void stat_of(const struct ns_exp_cell *c, struct ns_exp_stat *s)
{
    double x[c->nr_runs ? c->nr_runs : 1];

    for (unsigned i = 0; i < c->nr_runs; i++)
        x[i] = c->run[i].value;
    ns_exp_stat(x, c->nr_runs, s);
}

/* The top of a panel's axis: the highest bar or error bar, rounded up to a step. */
static void y_axis(const struct ns_exp_table *t, size_t w, double *top, double *step)
{
    double hi = 0;

    for (size_t v = 0; v < t->axes->nr_vms; v++) {
        for (size_t p = 0; p < t->axes->nr_policies; p++) {
            struct ns_exp_stat s;
            stat_of(ns_exp_cell(t, w, v, p), &s);
            double y = s.mean + (isnan(s.ci95) ? 0 : s.ci95);
            hi = y > hi ? y : hi;
        }
    }
    ns_plot_scale(hi, top, step);
}

void ns_plot_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else
            fputc(*s, f);
    }
}

void ns_plot_scale(double hi, double *top, double *step)
{
    if (!(hi > 0))
        hi = 1;
    *step = nice_step(hi / 5);
    *top = ceil(hi / *step - 1e-9) * *step;
}

double ns_plot_y(double v, double top)
{
    return PLOT_BOTTOM - v / top * (PLOT_BOTTOM - PLOT_TOP);
}

void ns_plot_axes(FILE *f, double x0, double top, double step, const char *label)
{
    for (int k = 0; k * step <= top * (1 + 1e-9); k++) {
        double y = ns_plot_y(k * step, top);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n",
                x0 + PLOT_LEFT, y, x0 + PLOT_RIGHT, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                x0 + PLOT_LEFT - 6, y + 4, k * step);
    }
    fprintf(f, "<path d=\"M%.1f %d V%d H%.1f\" fill=\"none\" stroke=\"#333\"/>\n",
            x0 + PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM, x0 + PLOT_RIGHT);
    fprintf(f, "<text transform=\"translate(%.1f %d) rotate(-90)\" text-anchor=\"middle\">",
            x0 + 16, (PLOT_TOP + PLOT_BOTTOM) / 2);
    ns_plot_text(f, label);
    fputs("</text>\n", f);
}

void ns_plot_error_bar(FILE *f, double cx, double half, const struct ns_exp_stat *s, double top)
{
    if (isnan(s->mean) || isnan(s->ci95) || s->ci95 <= 0)
        return;
    double lo = ns_plot_y(s->mean - s->ci95, top), hi = ns_plot_y(s->mean + s->ci95, top);
    fprintf(f, "<path d=\"M%.1f %.1f V%.1f M%.1f %.1f H%.1f M%.1f %.1f H%.1f\" "
            "stroke=\"#000\" fill=\"none\"/>\n",
            cx, lo, hi, cx - half, lo, cx + half, cx - half, hi, cx + half);
}

static void bar(FILE *f, double x, double w, const struct ns_exp_stat *s, double top,
                const char *colour)
{
    if (isnan(s->mean))
        return;
    double y = ns_plot_y(s->mean, top);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
            x, y, w, PLOT_BOTTOM - y, colour);
    ns_plot_error_bar(f, x + w / 2, w / 4, s, top);
}

static void panel(const struct ns_exp_table *t, size_t w, FILE *f)
{
    const struct ns_exp_run *r0 = &ns_exp_cell(t, w, 0, 0)->run[0];
    double x0 = MARGIN + (double)w * PANEL_W, top, step;
    double gw = (double)(PLOT_RIGHT - PLOT_LEFT) / t->axes->nr_vms;
    double bw = gw * 0.75 / t->axes->nr_policies;
    char label[96];

    snprintf(label, sizeof(label), "%s per VM (%s is better)", r0->unit,
             r0->higher_is_better ? "higher" : "lower");
    y_axis(t, w, &top, &step);
    fprintf(f, "<g>\n<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">",
            x0 + (PLOT_LEFT + PLOT_RIGHT) / 2.0, PLOT_TOP - 14);
    ns_plot_text(f, t->axes->workloads[w]);
    fputs("</text>\n", f);
    ns_plot_axes(f, x0, top, step, label);
    for (size_t v = 0; v < t->axes->nr_vms; v++) {
        double gx = x0 + PLOT_LEFT + v * gw;
        for (size_t p = 0; p < t->axes->nr_policies; p++) {
            struct ns_exp_stat s;
            stat_of(ns_exp_cell(t, w, v, p), &s);
            bar(f, gx + gw * 0.125 + p * bw, bw, &s, top, ns_plot_colours[p % ns_plot_nr_colours]);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%u VMs</text>\n",
                gx + gw / 2, PLOT_BOTTOM + 18, t->axes->vms[v]);
    }
    fputs("</g>\n", f);
}

static void legend(const struct ns_exp_table *t, double width, FILE *f)
{
    double item = 90, x = width / 2 - item * t->axes->nr_policies / 2;

    for (size_t p = 0; p < t->axes->nr_policies; p++, x += item) {
        fprintf(f, "<rect x=\"%.1f\" y=\"20\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", x,
                ns_plot_colours[p % ns_plot_nr_colours]);
        fprintf(f, "<text x=\"%.1f\" y=\"32\">", x + 20);
        ns_plot_text(f, t->axes->policies[p]);
        fputs("</text>\n", f);
    }
}

void ns_exp_emit_svg(const struct ns_exp_table *t, FILE *f)
{
    double width = 2 * MARGIN + (double)t->axes->nr_workloads * PANEL_W;
    double height = HEIGHT + ns_exp_compare_svg_height(t);
    unsigned seeds = t->cell[0].nr_runs;

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<title>", width, height, width, height);
    ns_plot_text(f, t->axes->name);
    fputs("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", f);
    legend(t, width, f);
    for (size_t w = 0; w < t->axes->nr_workloads; w++)
        panel(t, w, f);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">"
            "Mean per-VM metric over %u seed%s; error bars: 95%% confidence interval "
            "of the mean.</text>\n", width / 2, HEIGHT - 20, seeds, seeds == 1 ? "" : "s");
    ns_exp_emit_compare_svg(t, HEIGHT, f);
    fputs("</svg>\n", f);
}
