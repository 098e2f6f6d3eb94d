/*
 * The HTML report: one self-contained file per run, experiment, advice or
 * sweep, that any browser opens from disk. Everything it shows is inside it:
 * the styles in a <style> element, the plots as inline SVG, no script, no
 * font or image fetched; links point at the runs' own files, relative to the
 * report, so a folder moved or copied whole keeps working.
 *
 * A command builds its report from blocks (headings, text, tables, bar
 * charts, links) in the order it wants them; the document is kept in memory
 * and written atomically, so a failure leaves no half page behind. Every
 * number is printed with a fixed format, so the same results give the same
 * bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

struct ns_html {
    FILE *f;
    char *buf;
    size_t len;
    bool in_table;
};

static const char style[] =
    "body{font-family:sans-serif;margin:2em;color:#222;background:#fff}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #bbb;padding:.2em .6em;text-align:right}"
    "th{background:#e8eef6}td:first-child,th:first-child{text-align:left}"
    "pre{background:#f4f4f4;padding:.8em;overflow-x:auto}"
    "svg{display:block;margin:.5em 0}";

/* @s with &, <, >, " and ' escaped. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

struct ns_html *ns_html_new(const char *title)
{
    struct ns_html *h = ns_xcalloc(1, sizeof(*h));

    h->f = ns_xmemstream(&h->buf, &h->len);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", h->f);
    esc(h->f, title);
    fprintf(h->f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    esc(h->f, title);
    fputs("</h1>\n", h->f);
    return h;
}

void ns_html_heading(struct ns_html *h, const char *text)
{
    fputs("<h2>", h->f);
    esc(h->f, text);
    fputs("</h2>\n", h->f);
}

void ns_html_pre(struct ns_html *h, const char *text)
{
    fputs("<pre>", h->f);
    esc(h->f, text);
    fputs("</pre>\n", h->f);
}

void ns_html_link(struct ns_html *h, const char *href, const char *text)
{
    fputs("<a href=\"", h->f);
    esc(h->f, href);
    fputs("\">", h->f);
    esc(h->f, text);
    fputs("</a>\n", h->f);
}

/* A row of @n cells; the first row of a table is its header. */
void ns_html_row(struct ns_html *h, size_t n, const char *const *cells)
{
    const char *tag = h->in_table ? "td" : "th";

    if (!h->in_table)
        fputs("<table>\n", h->f);
    fputs("<tr>", h->f);
    for (size_t i = 0; i < n; i++) {
        fprintf(h->f, "<%s>", tag);
        esc(h->f, cells[i]);
        fprintf(h->f, "</%s>", tag);
    }
    fputs("</tr>\n", h->f);
    h->in_table = true;
}

void ns_html_table_end(struct ns_html *h)
{
    if (h->in_table)
        fputs("</table>\n", h->f);
    h->in_table = false;
}

/*
 * Horizontal bars, one per label, scaled to the largest value plus its
 * error; an error (the half-width of a 95% interval) is drawn as a whisker.
 * Horizontal, so that long labels (candidates, domains) need no rotation.
 */
enum { LABEL_W = 160, BAR_W = 420, ROW_H = 22, VALUE_W = 150 };

void ns_html_bars(struct ns_html *h, const struct ns_html_bars *b)
{
    double top = 0;

    for (size_t i = 0; i < b->n; i++) {
        double e = b->err && !isnan(b->err[i]) ? b->err[i] : 0;
        top = b->value[i] + e > top ? b->value[i] + e : top;
    }
    if (top <= 0)
        top = 1;
    unsigned height = (unsigned)(b->n * ROW_H + 10);
    fprintf(h->f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
            "role=\"img\"><title>", LABEL_W + BAR_W + VALUE_W, height);
    esc(h->f, b->caption);
    fputs("</title>\n", h->f);
    for (size_t i = 0; i < b->n; i++) {
        double w = b->value[i] > 0 ? b->value[i] / top * BAR_W : 0;
        double y = 5 + (double)i * ROW_H;
        fprintf(h->f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">",
                LABEL_W - 6, y + 15);
        esc(h->f, b->label[i]);
        fprintf(h->f, "</text><rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
                "fill=\"#4e79a7\"/>", LABEL_W, y + 2, w, ROW_H - 6);
        double end = LABEL_W + w;               /* of the bar or its whisker */
        if (b->err && !isnan(b->err[i]) && b->err[i] > 0) {
            double lo = (b->value[i] - b->err[i]) / top * BAR_W + LABEL_W;
            end = (b->value[i] + b->err[i]) / top * BAR_W + LABEL_W;
            fprintf(h->f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"#222\"/>", lo, end, y + 10, y + 10);
        }
        fprintf(h->f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%.2f ", end + 6, y + 15,
                b->value[i]);
        esc(h->f, b->unit);
        fputs("</text>\n", h->f);
    }
    fputs("</svg>\n", h->f);
}

/*
 * A Markdown pipe table (summary.md), as a table: its lines that start with
 * '|' are rows, the first the header, the |---| line skipped; a "\|" is a
 * '|' inside a cell. Any other non-empty line is a paragraph, without the
 * '#'s of a title.
 */
static size_t md_cells(char *line, char **cell)
{
    size_t n = 0;
    char *w = line, *start = line;

    for (char *r = line + 1; *r; r++) {
        if (*r == '\\' && r[1] == '|') {
            *w++ = *++r;
            continue;
        }
        if (*r != '|') {
            *w++ = *r;
            continue;
        }
        *w++ = '\0';
        cell[n++] = start;
        start = w;
    }
    for (size_t i = 0; i < n; i++) {         /* the blanks around a cell's text */
        while (*cell[i] == ' ')
            cell[i]++;
        for (char *e = cell[i] + strlen(cell[i]); e > cell[i] && e[-1] == ' ';)
            *--e = '\0';
    }
    return n;
}

void ns_html_md_table(struct ns_html *h, const char *md)
{
    char *text = ns_xstrdup(md), *save = NULL;
    char **cell = ns_xcalloc(strlen(md) + 1, sizeof(char *));

    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '|' && strncmp(line, "|---", 4) != 0) {
            size_t n = md_cells(line, cell);
            ns_html_row(h, n, (const char *const *)cell);
        } else if (line[0] != '|') {
            ns_html_table_end(h);
            line += strspn(line, "# ");
            fputs("<p>", h->f);
            esc(h->f, line);
            fputs("</p>\n", h->f);
        }
    }
    ns_html_table_end(h);
    free(cell);
    free(text);
}

/* A plot another part drew (plot.svg): its text, as it is, inline. */
void ns_html_svg(struct ns_html *h, const char *svg)
{
    const char *start = strstr(svg, "<svg");
    fputs(start ? start : "", h->f);
    fputc('\n', h->f);
}

int ns_html_write(struct ns_html *h, const char *path, struct ns_err *err)
{
    struct ns_outfile o;

    ns_html_table_end(h);
    fputs("</body>\n</html>\n", h->f);
    fflush(h->f);
    if (ns_outfile_open(&o, path, err) < 0)
        return -1;
    fwrite(h->buf, 1, h->len, o.f);
    return ns_outfile_commit(&o, err);
}

void ns_html_free(struct ns_html *h)
{
    if (!h)
        return;
    fclose(h->f);
    free(h->buf);
    free(h);
}

/* ---- one run ------------------------------------------------------------------------------ */

static void domain_table(const struct ns_results *r, struct ns_html *h)
{
    static const char *const head[] = {"domain", "workload", "metric", "unit", "better"};

    ns_html_row(h, 5, head);
    for (size_t i = 0; i < r->nr_domains; i++) {
        const struct ns_domain_result *d = &r->dom[i];
        char value[64];
        snprintf(value, sizeof(value), "%.2f", d->metric.value);
        const char *row[] = {d->name, d->workload, value, d->metric.unit,
                             d->metric.higher_is_better ? "higher" : "lower"};
        ns_html_row(h, 5, row);
    }
    ns_html_table_end(h);
}

/* Each pCPU's share of the measured time spent running a domain's vCPU. */
static void pcpu_bars(const struct ns_results *r, struct ns_html *h)
{
    size_t n = r->topo->nr_pcpus;
    char **label = ns_xcalloc(n, sizeof(char *));
    double *busy = ns_xcalloc(n, sizeof(double));

    for (size_t i = 0; i < n; i++) {
        const struct ns_pcpu_result *p = &r->pcpu[i];
        char buf[48];
        snprintf(buf, sizeof(buf), "pCPU %u (node %u)", p->id, p->node);
        label[i] = ns_xstrdup(buf);
        busy[i] = r->duration_ns ? 100.0 * (double)p->busy_ns / (double)r->duration_ns : 0;
    }
    struct ns_html_bars b = {"pCPU utilisation", "%", n, (const char *const *)label, busy, NULL};
    ns_html_bars(h, &b);
    for (size_t i = 0; i < n; i++)
        free(label[i]);
    free(label);
    free(busy);
}

void ns_report_html(const struct ns_results *r, struct ns_html *h)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = ns_xmemstream(&text, &len);

    ns_report_summary(r, f);
    fclose(f);
    ns_html_heading(h, "Domains");
    domain_table(r, h);
    ns_html_heading(h, "pCPU utilisation (% of the measured time)");
    pcpu_bars(r, h);
    ns_html_heading(h, "Summary");
    ns_html_pre(h, text);
    free(text);
}

/* @path as a URL path: every byte but RFC 3986's unreserved ones and '/'
 * percent-encoded, so a run named "a b#2" or "50%" still links to itself. */
static char *url_path(const char *path)
{
    char *out = ns_xmalloc(3 * strlen(path) + 1), *q = out;

    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p))
            *q++ = (char)*p;
        else
            q += sprintf(q, "%%%02X", *p);
    }
    *q = '\0';
    return out;
}

/*
 * A link from @page to @target: relative when @target lies in the page's
 * folder or below (a report beside its runs, moved or copied with them),
 * else absolute. Both must exist. malloc'd.
 */
char *ns_html_href(const char *page, const char *target)
{
    char *dir = ns_path_dir(page);
    char *base = realpath(dir, NULL), *abs = realpath(target, NULL);
    size_t n = base ? strlen(base) : 0;
    const char *path = !abs ? target
                       : base && strncmp(abs, base, n) == 0 && abs[n] == '/' ? abs + n + 1
                       : abs;
    char *href = url_path(path);

    free(dir);
    free(base);
    free(abs);
    return href;
}
