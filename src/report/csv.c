/*
 * results.csv: one row per vCPU, for spreadsheets and data frames. The
 * domain's metric is repeated on each of its rows so that every row stands
 * alone when filtered. Lines end in "\n"; fields are quoted as RFC 4180 says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <inttypes.h>
#include <string.h>

#include "report/report_internal.h"

static const char header[] =
    "domain_id,domain,workload,vcpu,running_ns,runnable_ns,blocked_ns,offline_ns,"
    "local_run_ns,remote_run_ns,migrations_core,migrations_socket,migrations_node,"
    "wakeups,wake_p50_ns,wake_p99_ns,metric,metric_unit,metric_value\n";

/* A text field; quoted only when it holds a separator, a quote or a line break. */
void ns_report_csv_text(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int ns_report_csv_split(char *line, char **field, int max)
{
    char *r = line, *w = line;     /* read and write heads: w never passes r */
    int n = 0;

    for (;;) {
        if (n == max)
            return -1;
        field[n++] = w;
        if (*r == '"') {
            for (r++;; r++) {
                if (*r == '\0')
                    return -1;
                if (*r == '"' && *++r != '"')
                    break;              /* the closing quote; "" is one quote */
                *w++ = *r;
            }
        } else {
            size_t len = strcspn(r, ",\r\n");
            memmove(w, r, len);
            w += len;
            r += len;
        }
        if (*r != ',') {
            *w = '\0';
            return *r == '\0' || *r == '\r' || *r == '\n' ? n : -1;
        }
        *w++ = '\0';
        r++;
    }
}

static void put_u64(FILE *f, uint64_t v)
{
    fprintf(f, "%" PRIu64, v);
}

/* NaN or infinity leaves the field empty, as a missing value. */
static void put_double(FILE *f, double v)
{
    char buf[NS_REPORT_DBL_LEN];

    ns_report_fmt_double(buf, v);
    fputs(buf, f);
}

static void put_row(FILE *f, const struct ns_domain_result *d, const struct ns_vcpu_result *v)
{
    put_u64(f, d->id);
    fputc(',', f);
    ns_report_csv_text(f, d->name);
    fputc(',', f);
    ns_report_csv_text(f, d->workload);
    fputc(',', f);
    put_u64(f, v->id);
    /* running, runnable, blocked, offline: the enum's order is the header's. */
    for (int s = 0; s < NS_RUNSTATES; s++) {
        fputc(',', f);
        put_u64(f, v->runstate_ns[s]);
    }
    const uint64_t counts[] = {
        v->local_run_ns, v->remote_run_ns,
        v->migrations[NS_MOVE_CORE], v->migrations[NS_MOVE_SOCKET],
        v->migrations[NS_MOVE_NODE],
        v->wakeups, v->wake_latency_p50_ns, v->wake_latency_p99_ns,
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        fputc(',', f);
        put_u64(f, counts[i]);
    }
    fputc(',', f);
    ns_report_csv_text(f, d->metric.name);
    fputc(',', f);
    ns_report_csv_text(f, d->metric.unit);
    fputc(',', f);
    put_double(f, d->metric.value);
    fputc('\n', f);
}

void ns_report_emit_csv(const struct ns_results *r, FILE *f)
{
    fputs(header, f);
    for (size_t i = 0; i < r->nr_domains; i++) {
        const struct ns_domain_result *d = &r->dom[i];
        for (unsigned v = 0; v < d->nr_vcpus; v++)
            put_row(f, d, &d->vcpu[v]);
    }
}
