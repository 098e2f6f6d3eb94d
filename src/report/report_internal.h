/*
 * report internals shared by the JSON, CSV and summary writers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_REPORT_INTERNAL_H
#define NUMASCHED_REPORT_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "numasched/host.h"
#include "numasched/report.h"
#include "numasched/xentrace.h"

/*
 * The one number format of the result files: the shortest of "%.15g",
 * "%.16g", "%.17g" that reads back as the same double, with ".0" added to
 * integral values so a reader always sees a real. A pure function of the
 * value, so identical runs give identical bytes, and no precision is lost.
 * Returns false (and writes "") for NaN and infinities, which JSON cannot
 * hold. @buf needs NS_REPORT_DBL_LEN bytes. Callers run in the C numeric
 * locale, or a decimal comma would corrupt both formats.
 */
#define NS_REPORT_DBL_LEN 40
bool ns_report_fmt_double(char *buf, double v);

/* json-c with out-of-memory handled (jsonout.c). rj_put and rj_push take
 * ownership of @v; NULL stands for JSON null (rj_str(NULL), rj_dbl(NaN)). */
json_object *rj_must(json_object *v);
void rj_put(json_object *obj, const char *key, json_object *v);
void rj_push(json_object *arr, json_object *v);
json_object *rj_obj(void);
json_object *rj_arr(void);
json_object *rj_u64(uint64_t v);
json_object *rj_i64(int64_t v);
json_object *rj_str(const char *s);
json_object *rj_dbl(double v);
void rj_print(json_object *root, FILE *f);

/*
 * One vCPU's entry in results.json and `analyze --json` (vcpu_json.c).
 * Arrays are [NS_RUNSTATES] or [NS_MOVE_KINDS]; a NULL member is something
 * the source does not know, and its key is left out.
 */
struct rj_vcpu {
    unsigned id;
    const ns_time_t *runstate_ns;
    const ns_time_t *local_run_ns, *remote_run_ns;  /* a run's memory locality */
    const uint64_t *pcpu_changes;                   /* a trace's count of moves */
    const uint64_t *migrations;                     /* by kind */
    uint64_t wakeups;
    double wake_latency_mean_ns;
    ns_time_t wake_latency_p50_ns, wake_latency_p99_ns, wake_latency_max_ns;
    const ns_time_t *xenalyze_uncounted_ns;         /* a trace's, by runstate */
};
json_object *rj_vcpu_json(const struct rj_vcpu *v);
/* "core", "socket", "node": the keys of a move kind in every report file. */
const char *rj_move_name(enum ns_move_kind k);

/* A CSV text field (csv.c); quoted only when it holds a separator, a quote
 * or a line break, as RFC 4180 says. NULL writes nothing. */
void ns_report_csv_text(FILE *f, const char *s);
/* Split one line of such a file in place into at most @max fields, undoing
 * that quoting. Returns the number of fields, or -1 when there are more
 * than @max or a quote is left open (a quoted line break included: the
 * readers take one line at a time). */
int ns_report_csv_split(char *line, char **field, int max);

/*
 * The plot geometry and helpers every SVG plot shares (plot.c): a panel's
 * y axis from 0 to @top in steps of @step, drawn at x offset @x0 with the
 * plot area PLOT_LEFT..PLOT_RIGHT x PLOT_TOP..PLOT_BOTTOM.
 */
enum { PLOT_LEFT = 70, PLOT_RIGHT = 315, PLOT_TOP = 80, PLOT_BOTTOM = 330 };
extern const char *const ns_plot_colours[];
extern const size_t ns_plot_nr_colours;
/* An axis for values up to @hi: a step of 1, 2 or 5 times a power of ten. */
/* @s as text inside an SVG element: names and values may hold XML's special
 * characters (a sweep file's name, an axis value, a policy). */
void ns_plot_text(FILE *f, const char *s);
void ns_plot_scale(double hi, double *top, double *step);
double ns_plot_y(double v, double top);
void ns_plot_axes(FILE *f, double x0, double top, double step, const char *label);
/* The 95% error bar of a mean at @cx, whiskers @half wide; nothing without one. */
void ns_plot_error_bar(FILE *f, double cx, double half, const struct ns_exp_stat *s, double top);

/* Write the body of results.json / results.csv to @f. Errors show in ferror(f). */
void ns_report_emit_json(const struct ns_results *r, FILE *f);
void ns_report_emit_csv(const struct ns_results *r, FILE *f);

/*
 * Write a file's content under its temporary name, in the C locale; the caller
 * commits (or aborts) @o. @emit writes @ctx to @f; errors show in ferror(f).
 */
typedef void ns_report_emit_fn(const void *ctx, FILE *f);
int ns_report_stage(struct ns_outfile *o, const char *path, ns_report_emit_fn *emit,
                    const void *ctx, struct ns_err *err);
/* Write @n files @names[i] in @dir (created) with @emit[i](@ctx), all or none. */
int ns_report_write_set(const char *dir, const char *const *names, ns_report_emit_fn *const *emit,
                        size_t n, const void *ctx, struct ns_err *err);

#endif
