/*
 * The terminal summary: one header line about the run, a table with one row
 * per domain and a table with one row per node. Cells are formatted first and
 * the columns sized to the widest cell, so long domain names widen the table
 * instead of being cut or pushing later columns out of line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* ---- a small table of preformatted cells -------------------------------- */

struct column {
    const char *head;
    bool right;                 /* numbers are right-aligned */
};

struct table {
    const struct column *col;
    size_t ncols;
    size_t ncells, cap;
    char **cell;                /* row-major, ncols per row */
};

static void table_init(struct table *t, const struct column *col, size_t ncols)
{
    *t = (struct table){.col = col, .ncols = ncols};
}

static void cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cell(struct table *t, const char *fmt, ...)
{
    va_list ap;
    char buf[64];

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    char *s = ns_xmalloc((size_t)n + 1);
    if ((size_t)n < sizeof(buf)) {
        memcpy(s, buf, (size_t)n + 1);
    } else {                    /* a long name: format again at full size */
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (t->ncells == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->cell = ns_xrealloc(t->cell, t->cap * sizeof(*t->cell));
    }
    t->cell[t->ncells++] = s;
}

/* Terminal columns, not bytes: UTF-8 continuation bytes take no room. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

/* One line; the last column is not padded on the right (no trailing blanks). */
static void print_line(FILE *out, const struct table *t, const char *const *text,
                       const size_t *width)
{
    for (size_t c = 0; c < t->ncols; c++) {
        size_t gap = width[c] - text_width(text[c]);
        if (c > 0)
            fputs("  ", out);
        if (t->col[c].right)
            pad(out, gap);
        fputs(text[c], out);
        if (!t->col[c].right && c + 1 < t->ncols)
            pad(out, gap);
    }
    fputc('\n', out);
}

static void table_print(const struct table *t, FILE *out)
{
    size_t *width = ns_xcalloc(t->ncols, sizeof(*width));
    const char **head = ns_xcalloc(t->ncols, sizeof(*head));
    size_t total = 0;

    for (size_t c = 0; c < t->ncols; c++) {
        head[c] = t->col[c].head;
        width[c] = text_width(head[c]);
    }
    for (size_t i = 0; i < t->ncells; i++) {
        size_t w = text_width(t->cell[i]);
        if (w > width[i % t->ncols])
            width[i % t->ncols] = w;
    }
    print_line(out, t, head, width);
    for (size_t c = 0; c < t->ncols; c++)
        total += width[c] + (c ? 2 : 0);
    while (total--)
        fputc('-', out);
    fputc('\n', out);
    for (size_t i = 0; i < t->ncells; i += t->ncols)
        print_line(out, t, (const char *const *)&t->cell[i], width);
    free(head);
    free(width);
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cell[i]);
    free(t->cell);
}

/* ---- numbers ------------------------------------------------------------ */

/* A share in percent with one decimal, or "-" when there is nothing to share. */
static void cell_pct(struct table *t, double part, double whole)
{
    if (whole > 0)
        cell(t, "%.1f", 100.0 * part / whole);
    else
        cell(t, "-");
}

/* Enough digits to read, few enough to scan: 1234567, 8192.5, 12.35, 0.0123. */
static void cell_value(struct table *t, double v)
{
    double a = v < 0 ? -v : v;

    if (a >= 1000)
        cell(t, "%.0f", v);
    else if (a >= 100)
        cell(t, "%.1f", v);
    else if (a >= 1 || a == 0)
        cell(t, "%.2f", v);
    else
        cell(t, "%.3g", v);
}

static void print_duration(FILE *out, ns_time_t ns)
{
    if (ns >= NS_S)
        fprintf(out, "%.3f s", (double)ns / NS_S);
    else if (ns >= NS_MS)
        fprintf(out, "%.3f ms", (double)ns / NS_MS);
    else
        fprintf(out, "%" PRIu64 " ns", ns);
}

/* ---- the summary -------------------------------------------------------- */

/* A domain's vCPUs added up. */
struct dom_total {
    double runstate[NS_RUNSTATES], all;
    double local, remote;
    uint64_t mig[NS_MOVE_KINDS];
    uint64_t wakeups;
    double wake_ns;             /* sum of latencies: mean x wakeups per vCPU */
};

static void dom_total(const struct ns_domain_result *d, struct dom_total *s)
{
    *s = (struct dom_total){0};
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        const struct ns_vcpu_result *v = &d->vcpu[i];
        for (int k = 0; k < NS_RUNSTATES; k++) {
            s->runstate[k] += (double)v->runstate_ns[k];
            s->all += (double)v->runstate_ns[k];
        }
        s->local += (double)v->local_run_ns;
        s->remote += (double)v->remote_run_ns;
        for (int k = 0; k < NS_MOVE_KINDS; k++)
            s->mig[k] += v->migrations[k];
        s->wakeups += v->wakeups;
        s->wake_ns += v->wake_latency_mean_ns * (double)v->wakeups;
    }
}

static const struct column dom_cols[] = {
    {"id", true},         {"domain", false},    {"workload", false},
    {"metric", true},     {"unit", false},      {"running%", true},
    {"runnable%", true},  {"blocked%", true},   {"offline%", true},
    {"local%", true},     {"mig-core", true},   {"mig-socket", true},
    {"mig-node", true},   {"wake-us", true},
};

static void domain_row(struct table *t, const struct ns_domain_result *d)
{
    struct dom_total s;

    dom_total(d, &s);
    cell(t, "%u", d->id);
    cell(t, "%s", d->name ? d->name : "-");
    cell(t, "%s", d->workload ? d->workload : "-");
    cell_value(t, d->metric.value);
    cell(t, "%s", d->metric.unit ? d->metric.unit : "-");
    for (int k = 0; k < NS_RUNSTATES; k++)
        cell_pct(t, s.runstate[k], s.all);
    cell_pct(t, s.local, s.local + s.remote);
    cell(t, "%" PRIu64, s.mig[NS_MOVE_CORE]);
    cell(t, "%" PRIu64, s.mig[NS_MOVE_SOCKET]);
    cell(t, "%" PRIu64, s.mig[NS_MOVE_NODE]);
    if (s.wakeups)
        cell(t, "%.2f", s.wake_ns / (double)s.wakeups / NS_US);
    else
        cell(t, "-");
}

static const struct column node_cols[] = {
    {"node", true}, {"pcpus", false}, {"util%", true}, {"dram-GB/s", true},
};

/* Utilisation: busy time of the node's pCPUs over their total time. */
static void node_row(struct table *t, const struct ns_results *r, unsigned n)
{
    double busy = 0, cpus = 0;
    char *list = ns_mask_format(&r->topo->node[n].cpus);

    for (unsigned p = 0; p < r->topo->nr_pcpus; p++) {
        if (r->pcpu[p].node != n)
            continue;
        busy += (double)r->pcpu[p].busy_ns;
        cpus += 1;
    }
    cell(t, "%u", n);
    cell(t, "%s", list);
    cell_pct(t, busy, cpus * (double)r->duration_ns);
    cell(t, "%.2f", r->node_bw_gbs ? r->node_bw_gbs[n] : 0.0);
    free(list);
}

static void print_header(const struct ns_results *r, FILE *out)
{
    const struct ns_topo *t = r->topo;

    fprintf(out, "host: %u nodes, %u sockets, %u cores, %u pCPUs; scheduler %s; duration ",
            t->nr_nodes, t->nr_sockets, t->nr_cores, t->nr_pcpus, r->sched ? r->sched : "-");
    print_duration(out, r->duration_ns);
    fputs(" (warm-up ", out);
    print_duration(out, r->warmup_ns);
    fprintf(out, "); seed %" PRIu64 "; %" PRIu64 " events\n", r->seed, r->events);
    if (r->trace_hz > 0) {
        char hz[32];
        ns_trace_format_hz((uint64_t)r->trace_hz, hz);
        fprintf(out, "xentrace TSC rate %sHz (xenalyze --cpu-hz=%s)\n", hz, hz);
    }
}

void ns_report_summary(const struct ns_results *r, FILE *out)
{
    struct table t;

    print_header(r, out);

    fputc('\n', out);
    table_init(&t, dom_cols, sizeof(dom_cols) / sizeof(dom_cols[0]));
    for (size_t i = 0; i < r->nr_domains; i++)
        domain_row(&t, &r->dom[i]);
    table_print(&t, out);
    table_free(&t);

    fputc('\n', out);
    table_init(&t, node_cols, sizeof(node_cols) / sizeof(node_cols[0]));
    for (unsigned n = 0; n < r->topo->nr_nodes; n++)
        node_row(&t, r, n);
    table_print(&t, out);
    table_free(&t);
}
