/*
 * Comparing an experiment with published measurements of the same experiment.
 *
 * Why relations and not values: a model's units are not the benchmark's
 * (numasched's ops/s are not SPECjbb's bops), so the only numbers the two can
 * share are relative ones. Two kinds are compared, per workload:
 *
 *   pairs   how much better policy a is than policy b at one VM count, in %
 *           of b, "+" meaning a is better whichever way the metric points:
 *           the subject policy against each other one, then each remaining
 *           pair (later policy against earlier). For numa2013: numa vs none,
 *           numa vs pin, pin vs none at 2, 6 and 10 VMs (27 in all).
 *   ratios  each policy's metric at the largest VM count over the smallest
 *           (9 for numa2013): how the load scales, which the pairs cannot show.
 *
 * A relation within NS_EXP_FLAT_PCT either way is flat: a published 0.4 % is
 * no direction to miss, and a simulated 0.3 % is no direction found. A pair
 * agrees in direction when both are flat, or both up, or both down: a
 * published +16 % against a simulated +0.3 % does not agree, although the
 * signs match, since the model found no effect where there was one. A ratio
 * agrees when within NS_EXP_RATIO_TOL of the published one. The mean
 * absolute error of the pairs, in points of %, says how far off the sizes are.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* ---- reading the published table ------------------------------------------------- */

static const char pub_header[] = "workload,vms,policy,metric,unit,better,value";
enum { PUB_FIELDS = 7 };
static const char *const pub_keys[PUB_FIELDS] = {
    "workload", "vms", "policy", "metric", "unit", "better", "value",
};

static int copy_field(char *dst, size_t n, const char *s)
{
    if (s[0] == '\0' || strlen(s) >= n)
        return -1;
    strcpy(dst, s);
    return 0;
}

static const struct ns_exp_pub_row *find_row(const struct ns_exp_published *p, const char *w,
                                              unsigned vms, const char *policy)
{
    for (size_t i = 0; i < p->nr; i++)
        if (p->row[i].vms == vms && strcmp(p->row[i].workload, w) == 0 &&
            strcmp(p->row[i].policy, policy) == 0)
            return &p->row[i];
    return NULL;
}

/* One data line into @r; returns the index of the bad field, or -1 if all are good. */
static int parse_row(char **f, struct ns_exp_pub_row *r)
{
    char *end;

    if (copy_field(r->workload, sizeof(r->workload), f[0]) < 0)
        return 0;
    errno = 0;
    unsigned long vms = strtoul(f[1], &end, 10);
    if (f[1][0] < '1' || f[1][0] > '9' || *end || errno || vms > 1000000)
        return 1;
    r->vms = (unsigned)vms;
    if (copy_field(r->policy, sizeof(r->policy), f[2]) < 0)
        return 2;
    if (strcmp(f[5], "higher") != 0 && strcmp(f[5], "lower") != 0)
        return 5;
    r->higher_is_better = f[5][0] == 'h';
    r->value = strtod(f[6], &end);
    if (f[6][0] == '\0' || *end || !isfinite(r->value) || r->value <= 0)
        return 6;
    return -1;
}

static int read_lines(FILE *in, const char *path, struct ns_exp_published *out,
                      struct ns_err *err)
{
    char *line = NULL, *f[PUB_FIELDS];
    size_t cap = 0, alloc = 0;
    int lineno = 0, rc = 0;
    bool header = false;

    while (rc == 0 && getline(&line, &cap, in) >= 0) {
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if (!header) {
            line[strcspn(line, "\r\n")] = '\0';
            if (strcmp(line, pub_header) != 0)
                rc = ns_err_set(err, path, lineno, NULL, "the header must be \"%s\"",
                                pub_header);
            header = true;
            continue;
        }
        if (ns_report_csv_split(line, f, PUB_FIELDS) != PUB_FIELDS) {
            rc = ns_err_set(err, path, lineno, NULL, "wants %d comma-separated fields (%s)",
                            PUB_FIELDS, pub_header);
            break;
        }
        struct ns_exp_pub_row r = {0};
        int bad = parse_row(f, &r);
        if (bad >= 0) {
            rc = ns_err_set(err, path, lineno, pub_keys[bad], "bad value \"%s\"", f[bad]);
        } else if (find_row(out, r.workload, r.vms, r.policy)) {
            rc = ns_err_set(err, path, lineno, NULL, "a second row for %s,%u,%s", r.workload,
                            r.vms, r.policy);
        } else {
            if (out->nr == alloc) {
                alloc = alloc ? 2 * alloc : 32;
                out->row = ns_xrealloc(out->row, alloc * sizeof(*out->row));
            }
            out->row[out->nr++] = r;
        }
    }
    if (rc == 0 && ferror(in))
        rc = ns_err_set(err, path, 0, NULL, "cannot read: %s", strerror(errno));
    if (rc == 0 && !header)
        rc = ns_err_set(err, path, 0, NULL, "no header line \"%s\"", pub_header);
    free(line);
    return rc;
}

int ns_exp_published_read(const char *path, struct ns_exp_published *out, struct ns_err *err)
{
    FILE *in = ns_input_fopen(path, path, err);    /* a regular file, not a FIFO */

    memset(out, 0, sizeof(*out));
    if (!in)
        return -1;
    int rc = read_lines(in, path, out, err);
    fclose(in);
    if (rc < 0)
        ns_exp_published_free(out);
    return rc;
}

void ns_exp_published_free(struct ns_exp_published *p)
{
    free(p->row);
    p->row = NULL;
    p->nr = 0;
}

int ns_exp_published_covers(const struct ns_exp_published *p, const char *path,
                            const char *const *workloads, size_t nr_workloads,
                            const unsigned *vms, size_t nr_vms,
                            const char *const *policies, size_t nr_policies,
                            struct ns_err *err)
{
    for (size_t w = 0; w < nr_workloads; w++) {
        const struct ns_exp_pub_row *first = NULL;
        for (size_t v = 0; v < nr_vms; v++) {
            for (size_t k = 0; k < nr_policies; k++) {
                const struct ns_exp_pub_row *r = find_row(p, workloads[w], vms[v], policies[k]);
                if (!r)
                    return ns_err_set(err, path, 0, NULL, "no row for the cell %s,%u,%s",
                                      workloads[w], vms[v], policies[k]);
                if (first && r->higher_is_better != first->higher_is_better)
                    return ns_err_set(err, path, 0, "better", "%s: rows disagree on "
                                      "whether higher is better", workloads[w]);
                first = r;
            }
        }
    }
    return 0;
}

/* ---- the relations ------------------------------------------------------------------ */

static double sim_mean(const struct ns_exp_cell *c)
{
    double sum = 0;

    for (unsigned i = 0; i < c->nr_runs; i++)
        sum += c->run[i].value;
    return c->nr_runs ? sum / c->nr_runs : NAN;
}

static size_t subject_of(const struct ns_exp_table *t)
{
    for (size_t p = 0; p < t->axes->nr_policies; p++)
        if (strcmp(t->axes->policies[p], t->axes->subject) == 0)
            return p;
    return 0;
}

/* The pairs of policies compared: (subject, each other), then the others
 * among themselves, later against earlier. Returns how many; fills @a, @b. */
static size_t policy_pairs(const struct ns_exp_table *t, size_t *a, size_t *b)
{
    size_t s = subject_of(t), n = 0;

    for (size_t p = 0; p < t->axes->nr_policies; p++)
        if (p != s) {
            a[n] = s;
            b[n++] = p;
        }
    for (size_t p = 0; p < t->axes->nr_policies; p++)
        for (size_t q = 0; q < p; q++)
            if (p != s && q != s) {
                a[n] = p;
                b[n++] = q;
            }
    return n;
}

int ns_exp_direction(double pct)
{
    return fabs(pct) <= NS_EXP_FLAT_PCT ? 0 : pct > 0 ? 1 : -1;
}

bool ns_exp_same_direction(double pub, double sim)
{
    return ns_exp_direction(pub) == ns_exp_direction(sim);
}

static void add_pair(const struct ns_exp_table *t, size_t w, size_t v, size_t a, size_t b,
                     struct ns_exp_relation *r)
{
    const struct ns_exp_pub_row *pa = find_row(t->published, t->axes->workloads[w], t->axes->vms[v],
                                               t->axes->policies[a]);
    const struct ns_exp_pub_row *pb = find_row(t->published, t->axes->workloads[w], t->axes->vms[v],
                                               t->axes->policies[b]);
    bool higher = pa->higher_is_better;

    *r = (struct ns_exp_relation){false, t->axes->workloads[w], t->axes->policies[a], t->axes->policies[b],
                                  t->axes->vms[v], t->axes->vms[v], 0, 0, false, 0};
    r->published = ns_exp_rel_better(pa->value, pb->value, higher);
    r->simulated = ns_exp_rel_better(sim_mean(ns_exp_cell(t, w, v, a)),
                                     sim_mean(ns_exp_cell(t, w, v, b)), higher);
    r->agrees = ns_exp_same_direction(r->published, r->simulated);
    r->error = fabs(r->simulated - r->published);
}

static void add_ratio(const struct ns_exp_table *t, size_t w, size_t p, struct ns_exp_relation *r)
{
    size_t hi = t->axes->nr_vms - 1;
    const struct ns_exp_pub_row *top = find_row(t->published, t->axes->workloads[w], t->axes->vms[hi],
                                                t->axes->policies[p]);
    const struct ns_exp_pub_row *base = find_row(t->published, t->axes->workloads[w], t->axes->vms[0],
                                                 t->axes->policies[p]);

    *r = (struct ns_exp_relation){true, t->axes->workloads[w], t->axes->policies[p], NULL, t->axes->vms[hi],
                                  t->axes->vms[0], 0, 0, false, 0};
    r->published = top->value / base->value;
    r->simulated = sim_mean(ns_exp_cell(t, w, hi, p)) / sim_mean(ns_exp_cell(t, w, 0, p));
    r->error = 100.0 * (r->simulated / r->published - 1.0);
    r->agrees = fabs(r->error) <= 100.0 * NS_EXP_RATIO_TOL;
}

void ns_exp_compare(const struct ns_exp_table *t, struct ns_exp_comparison *out)
{
    size_t np = t->axes->nr_policies, a[np * np], b[np * np];
    size_t pairs = policy_pairs(t, a, b);
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    out->nr_pairs = t->axes->nr_workloads * t->axes->nr_vms * pairs;
    out->nr_ratios = t->axes->nr_vms > 1 ? t->axes->nr_workloads * np : 0;
    out->rel = ns_xcalloc(out->nr_pairs + out->nr_ratios + 1, sizeof(*out->rel));
    for (size_t w = 0; w < t->axes->nr_workloads; w++)
        for (size_t v = 0; v < t->axes->nr_vms; v++)
            for (size_t k = 0; k < pairs; k++, n++) {
                add_pair(t, w, v, a[k], b[k], &out->rel[n]);
                out->pairs_agree += out->rel[n].agrees;
                out->mae += out->rel[n].error;
            }
    if (out->nr_pairs)
        out->mae /= (double)out->nr_pairs;
    for (size_t w = 0; w < t->axes->nr_workloads && out->nr_ratios; w++)
        for (size_t p = 0; p < np; p++, n++) {
            add_ratio(t, w, p, &out->rel[n]);
            out->ratios_within += out->rel[n].agrees;
        }
}

void ns_exp_comparison_free(struct ns_exp_comparison *c)
{
    free(c->rel);
    c->rel = NULL;
}

/* ---- compare.csv -------------------------------------------------------------------- */

static void put_num(FILE *f, double v)
{
    char buf[NS_REPORT_DBL_LEN];

    ns_report_fmt_double(buf, v);
    fputs(buf, f);
}

void ns_exp_emit_compare_csv(const struct ns_exp_table *t, FILE *f)
{
    struct ns_exp_comparison c;

    ns_exp_compare(t, &c);
    fputs("kind,workload,vms,relation,published,simulated,agrees,error\n", f);
    for (size_t i = 0; i < c.nr_pairs + c.nr_ratios; i++) {
        const struct ns_exp_relation *r = &c.rel[i];
        fputs(r->is_ratio ? "ratio," : "pair,", f);
        ns_report_csv_text(f, r->workload);
        if (r->is_ratio) {
            fprintf(f, ",%u/%u,", r->vms, r->vms_base);
            ns_report_csv_text(f, r->a);
        } else {
            char *vs = ns_xasprintf("%s vs %s", r->a, r->b);
            fprintf(f, ",%u,", r->vms);
            ns_report_csv_text(f, vs);
            free(vs);
        }
        fputc(',', f);
        put_num(f, r->published);
        fputc(',', f);
        put_num(f, r->simulated);
        fprintf(f, ",%s,", r->agrees ? "yes" : "no");
        put_num(f, r->error);
        fputc('\n', f);
    }
    ns_exp_comparison_free(&c);
}

/* ---- the table.md section ------------------------------------------------------------- */

static void md_pairs(const struct ns_exp_comparison *c, FILE *f)
{
    fputs("\n| workload | VMs | relation | published % | simulated % | direction | "
          "error (points) |\n|:---|---:|:---|---:|---:|:---|---:|\n", f);
    for (size_t i = 0; i < c->nr_pairs; i++) {
        const struct ns_exp_relation *r = &c->rel[i];
        fprintf(f, "| %s | %u | %s vs %s | %+.1f | %+.1f | %s | %.1f |\n", r->workload, r->vms,
                r->a, r->b, r->published, r->simulated, r->agrees ? "agrees" : "**differs**",
                r->error);
    }
}

static void md_ratios(const struct ns_exp_comparison *c, FILE *f)
{
    if (!c->nr_ratios)
        return;
    fputs("\n| workload | policy | VMs | published ratio | simulated ratio | off by | "
          "within 15 % |\n|:---|:---|---:|---:|---:|---:|:---|\n", f);
    for (size_t i = c->nr_pairs; i < c->nr_pairs + c->nr_ratios; i++) {
        const struct ns_exp_relation *r = &c->rel[i];
        fprintf(f, "| %s | %s | %u/%u | %.3f | %.3f | %+.1f %% | %s |\n", r->workload, r->a,
                r->vms, r->vms_base, r->published, r->simulated, r->error,
                r->agrees ? "yes" : "**no**");
    }
}

void ns_exp_emit_compare_markdown(const struct ns_exp_table *t, FILE *f)
{
    struct ns_exp_comparison c;

    if (!t->published)
        return;
    ns_exp_compare(t, &c);
    fprintf(f, "\n## Against the published measurements\n\n"
            "Relations, not values (the units differ): \"a vs b\" is how much better a is\n"
            "than b in %% of b (+: a better). A relation within ±%.1f %% is flat; directions\n"
            "agree when both are up, both down or both flat. Ratios: the metric at the\n"
            "most VMs over the fewest, agreeing when within %.0f %% of the published one.\n\n"
            "**%zu of %zu relations agree in direction; mean absolute error %.1f points; "
            "%zu of %zu ratios within %.0f %%.**\n", NS_EXP_FLAT_PCT, 100 * NS_EXP_RATIO_TOL,
            c.pairs_agree, c.nr_pairs, c.mae, c.ratios_within, c.nr_ratios,
            100 * NS_EXP_RATIO_TOL);
    md_pairs(&c, f);
    md_ratios(&c, f);
    ns_exp_comparison_free(&c);
}

/* ---- the plot.svg row ----------------------------------------------------------------- */

/* Geometry of the row of relation panels, one per workload (plot.c's widths). */
enum {
    CMP_PANEL_W = 330, CMP_MARGIN = 20, CMP_LEFT = 70, CMP_RIGHT = 315,
    CMP_TOP = 40, CMP_BOTTOM = 280, CMP_HEIGHT = 330,
};

double ns_exp_compare_svg_height(const struct ns_exp_table *t)
{
    return t->published ? CMP_HEIGHT : 0;
}

/* The panel's symmetric axis: the largest |relation|, rounded up to 5 points. */
static double cmp_span(const struct ns_exp_comparison *c, size_t first, size_t n)
{
    double hi = 5;

    for (size_t i = first; i < first + n; i++) {
        hi = fabs(c->rel[i].published) > hi ? fabs(c->rel[i].published) : hi;
        hi = fabs(c->rel[i].simulated) > hi ? fabs(c->rel[i].simulated) : hi;
    }
    return ceil(hi / 5 - 1e-9) * 5;
}

static void cmp_bar(FILE *f, double x, double w, double v, double mid, double scale,
                    const char *fill)
{
    double y = v >= 0 ? mid - v * scale : mid;

    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
            x, y, w, fabs(v) * scale, fill);
}

static void cmp_panel(const struct ns_exp_comparison *c, size_t first, size_t n, double x0,
                      double y0, FILE *f)
{
    double span = cmp_span(c, first, n), mid = y0 + (CMP_TOP + CMP_BOTTOM) / 2.0;
    double scale = (CMP_BOTTOM - CMP_TOP) / 2.0 / span, gw = (double)(CMP_RIGHT - CMP_LEFT) / n;

    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\">",
            x0 + (CMP_LEFT + CMP_RIGHT) / 2.0, y0 + CMP_TOP - 14);
    ns_plot_text(f, c->rel[first].workload);
    fputs(": relations, % (+: first better)</text>\n", f);
    for (int k = -1; k <= 1; k++)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%+g</text>\n",
                x0 + CMP_LEFT - 6, mid - k * span * scale + 4, k * span);
    fprintf(f, "<path d=\"M%.1f %.1f V%.1f M%.1f %.1f H%.1f\" fill=\"none\" stroke=\"#333\"/>\n",
            x0 + CMP_LEFT, y0 + CMP_TOP, y0 + CMP_BOTTOM, x0 + CMP_LEFT, mid, x0 + CMP_RIGHT);
    for (size_t i = 0; i < n; i++) {
        const struct ns_exp_relation *r = &c->rel[first + i];
        double gx = x0 + CMP_LEFT + i * gw;
        cmp_bar(f, gx + gw * 0.15, gw * 0.35, r->published, mid, scale, "#9c755f");
        cmp_bar(f, gx + gw * 0.5, gw * 0.35, r->simulated, mid, scale,
                r->agrees ? "#59a14f" : "#e15759");
        fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-60)\" text-anchor=\"end\" "
                "font-size=\"9\">", gx + gw / 2, y0 + CMP_BOTTOM + 10);
        ns_plot_text(f, r->a);
        fputc('-', f);
        ns_plot_text(f, r->b);
        fprintf(f, " %u</text>\n", r->vms);
    }
}

void ns_exp_emit_compare_svg(const struct ns_exp_table *t, double y0, FILE *f)
{
    struct ns_exp_comparison c;

    if (!t->published)
        return;
    ns_exp_compare(t, &c);
    size_t per = t->axes->nr_workloads ? c.nr_pairs / t->axes->nr_workloads : 0;
    for (size_t w = 0; w < t->axes->nr_workloads && per; w++)
        cmp_panel(&c, w * per, per, CMP_MARGIN + (double)w * CMP_PANEL_W, y0, f);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" fill=\"#555\">Brown: published; green: simulated, "
            "same direction; red: simulated, other direction. %zu of %zu agree, mean error "
            "%.1f points.</text>\n", CMP_MARGIN, y0 + CMP_HEIGHT - 4, c.pairs_agree, c.nr_pairs,
            c.mae);
    ns_exp_comparison_free(&c);
}
