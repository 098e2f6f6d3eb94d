/*
 * report: what a run produced, for people and for programs: a summary on a
 * terminal, results.json and results.csv; and what many runs of an experiment
 * add up to: means with confidence intervals, tables and a plot. Files are
 * written atomically.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_REPORT_H
#define NUMASCHED_REPORT_H

#include "numasched/results.h"

void ns_report_summary(const struct ns_results *r, FILE *out);
int ns_report_write_json(const struct ns_results *r, const char *path, struct ns_err *err);
int ns_report_write_csv(const struct ns_results *r, const char *path, struct ns_err *err);
/* Both files into @dir (created if missing). */
int ns_report_write_dir(const struct ns_results *r, const char *dir, struct ns_err *err);
/* mkdir -p @dir; the error names @dir and, if different, the part that failed. */
int ns_report_make_dirs(const char *dir, struct ns_err *err);

/* ---- experiments: many runs, one table (src/report/experiment.c, plot.c) ---- */

/*
 * What one run of an experiment contributes, read back from its results.json
 * so that every number of a table can be traced to a file. Guests only:
 * Domain-0 is the host's background, not a subject of the comparison.
 */
struct ns_exp_run {
    char metric[32], unit[16];
    bool higher_is_better;
    double value;                   /* the metric, mean over the guest domains */
    unsigned guests;
    double duration_s, warmup_s;
    double local_pct;               /* guest run time with local memory */
    double running_pct, runnable_pct; /* shares of all guest vCPU time */
    double mig_core, mig_socket, mig_node; /* per guest and second */
    double wakeups;                 /* per guest and second */
    double wake_us;                 /* mean wake-up latency over guest wake-ups */
};

int ns_exp_read_run(const char *path, struct ns_exp_run *out, struct ns_err *err);

/* One guest's metric in a run's results.json, for runs whose guests report
 * different metrics (ns_exp_read_run refuses them). */
struct ns_exp_guest {
    char name[256], metric[32], unit[16];
    bool higher_is_better;
    double value;
};

/* The guests of @path in its order, Domain-0 left out; *@out malloc'd. */
int ns_exp_read_guests(const char *path, struct ns_exp_guest **out, size_t *n,
                       struct ns_err *err);

/* Mean and half-width of the 95% confidence interval of the mean, Student t
 * with n - 1 degrees of freedom; ci95 is NAN when n < 2. */
struct ns_exp_stat {
    unsigned n;
    double mean, sd, ci95;
};

void ns_exp_stat(const double *x, unsigned n, struct ns_exp_stat *out);
/* Half-width of the 95% confidence interval of a.mean - b.mean (Welch);
 * NAN when either has fewer than 2 values. */
double ns_exp_diff_ci95(const struct ns_exp_stat *a, const struct ns_exp_stat *b);
/* How much better @subject is than @base, in % of @base, + meaning better. */
double ns_exp_rel_better(double subject, double base, bool higher_is_better);

/*
 * The axes of a full factorial experiment: workloads x VM counts x policies,
 * one scenario per combination (a cell). Cells are numbered row-major,
 * [workload][vms][policy]: the runner's cell i and the table's cell i are
 * the same scenario because both number them with ns_exp_cell_index.
 */
struct ns_exp_axes {
    const char *name;               /* "numa2013" */
    const char *summary;            /* one line for --help */
    const char *const *workloads;
    size_t nr_workloads;
    const unsigned *vms;
    size_t nr_vms;
    const char *const *policies;
    size_t nr_policies;
    const char *subject;            /* the policy compared against each other one */
    const char *published;          /* measurements to compare with, a file of the
                                       scenario folder (ns_exp_published_read); NULL: none */
};

size_t ns_exp_nr_cells(const struct ns_exp_axes *x);
size_t ns_exp_cell_index(const struct ns_exp_axes *x, size_t w, size_t v, size_t p);
/* The inverse: the workload, VM count and policy of cell @i. */
void ns_exp_cell_axes(const struct ns_exp_axes *x, size_t i, size_t *w, size_t *v, size_t *p);

/* One cell of an experiment: one scenario, run once per seed. */
struct ns_exp_cell {
    const char *workload, *policy;
    unsigned vms;
    unsigned nr_runs;
    struct ns_exp_run *run;         /* [nr_runs], in seed order */
};

struct ns_exp_table {
    const struct ns_exp_axes *axes;
    struct ns_exp_cell *cell;       /* [ns_exp_nr_cells(axes)], by ns_exp_cell_index */
    const struct ns_exp_published *published; /* to compare with; NULL: none */
};

struct ns_exp_cell *ns_exp_cell(const struct ns_exp_table *t, size_t w, size_t v, size_t p);

/* Check that the runs of each cell agree on their metric (and every cell has
 * runs); the error names the first cell that does not. */
int ns_exp_check(const struct ns_exp_table *t, struct ns_err *err);

void ns_exp_emit_csv(const struct ns_exp_table *t, FILE *f);        /* results.csv */
void ns_exp_emit_mechanisms(const struct ns_exp_table *t, FILE *f); /* mechanisms.csv */
void ns_exp_emit_markdown(const struct ns_exp_table *t, FILE *f);   /* table.md */
void ns_exp_emit_svg(const struct ns_exp_table *t, FILE *f);        /* plot.svg */

/* The files ns_exp_write puts in a directory, NULL-terminated. */
const char *const *ns_exp_output_names(void);
/* All of them into @dir (created if missing): each is written in full under
 * a temporary name before any is renamed, so a failure or an interruption
 * never leaves a half table. */
int ns_exp_write(const struct ns_exp_table *t, const char *dir, struct ns_err *err);

/* ---- comparison with published measurements (src/report/compare.c) ---- */

/*
 * A published table, as the experiment's scenario folder holds it: CSV with
 * the header workload,vms,policy,metric,unit,better,value, one row per cell;
 * lines starting with # are comments (the source goes there). Units differ
 * from the model's, so only relations are compared, never raw values.
 */
struct ns_exp_published {
    size_t nr;
    struct ns_exp_pub_row {
        char workload[32], policy[32];
        unsigned vms;
        bool higher_is_better;
        double value;
    } *row;
};

/* Read @path; a bad line fails with the file, line and column named. */
int ns_exp_published_read(const char *path, struct ns_exp_published *out, struct ns_err *err);
void ns_exp_published_free(struct ns_exp_published *p);
/* Every cell of the experiment's axes must have a row in @p (@path for messages). */
int ns_exp_published_covers(const struct ns_exp_published *p, const char *path,
                            const char *const *workloads, size_t nr_workloads,
                            const unsigned *vms, size_t nr_vms,
                            const char *const *policies, size_t nr_policies,
                            struct ns_err *err);

/*
 * One relation, published beside simulated. A pair says how much better
 * policy a is than policy b at one VM count, in % of b (+: a better); a
 * ratio is one policy's metric at the last VM count over the first.
 */
struct ns_exp_relation {
    bool is_ratio;
    const char *workload, *a, *b;   /* b: NULL for a ratio */
    unsigned vms, vms_base;         /* a ratio: vms / vms_base; a pair: equal */
    double published, simulated;
    bool agrees;                    /* pair: same direction; ratio: within 15 % */
    double error;                   /* pair: |sim - pub| in points; ratio: % off */
};

struct ns_exp_comparison {
    size_t nr_pairs, nr_ratios;
    struct ns_exp_relation *rel;    /* [nr_pairs + nr_ratios], the pairs first */
    size_t pairs_agree, ratios_within;
    double mae;                     /* mean |sim - pub| over the pairs, points */
};

/* A relation within this many % either way is flat (no direction); ratios
 * agree when within NS_EXP_RATIO_TOL of the published one. */
#define NS_EXP_FLAT_PCT 1.5
#define NS_EXP_RATIO_TOL 0.15

void ns_exp_compare(const struct ns_exp_table *t, struct ns_exp_comparison *out);
/* A relation's direction: +1 up, -1 down, 0 flat (within NS_EXP_FLAT_PCT);
 * two relations agree when their directions are equal. */
int ns_exp_direction(double pct);
bool ns_exp_same_direction(double published, double simulated);
void ns_exp_comparison_free(struct ns_exp_comparison *c);
void ns_exp_emit_compare_csv(const struct ns_exp_table *t, FILE *f); /* compare.csv */
/* The table.md section and the plot.svg row of panels (nothing without t->published). */
void ns_exp_emit_compare_markdown(const struct ns_exp_table *t, FILE *f);
double ns_exp_compare_svg_height(const struct ns_exp_table *t);
void ns_exp_emit_compare_svg(const struct ns_exp_table *t, double y0, FILE *f);

/*
 * Sensitivity (src/report/sensitivity.c): the experiment in @dir was rerun
 * with one parameter at each end of its range, into @lo_dir and @hi_dir;
 * from the three compare.csv files, write sensitivity.csv rows to @csv and
 * a markdown table to @md: per parameter, the relations that keep their
 * direction over the range and the agreement at each end.
 */
struct ns_exp_vary {
    const char *name, *lo, *hi;
    const char *lo_dir, *hi_dir;
};

int ns_exp_sensitivity(const char *dir, const struct ns_exp_vary *v, size_t n, FILE *csv,
                       FILE *md, struct ns_err *err);
/* The two files: "sensitivity.csv", "sensitivity.md", NULL. */
const char *const *ns_exp_sensitivity_names(void);

/* ---- sweeps: any axes, one row per point and seed (src/report/sweep.c) ---- */

struct ns_sweep_col {
    const char *name;               /* "sched", "guests" */
    char *const *value;
    size_t nr_values;
};

struct ns_sweep_table {
    const char *name;               /* the sweep file's, for titles */
    const struct ns_sweep_col *axis;
    size_t nr_axes;
    const size_t *point;            /* [nr_points * nr_axes]: a value index per axis */
    size_t nr_points;
    const uint64_t *seed;
    size_t nr_seeds;
    const struct ns_exp_run *run;   /* [point * nr_seeds + seed] */
};

void ns_sweep_emit_csv(const struct ns_sweep_table *t, FILE *f);       /* results.csv */
void ns_sweep_emit_summary(const struct ns_sweep_table *t, FILE *f);   /* summary.md */
/* Metric @m (results.csv's m-th metric column) against axis 0, a line per
 * combination of the other axes. */
void ns_sweep_emit_svg(const struct ns_sweep_table *t, size_t m, FILE *f);
/* results.csv, summary.md and plot-METRIC.svg per metric into @dir, all
 * staged before any is renamed, as ns_exp_write does. */
int ns_sweep_write(const struct ns_sweep_table *t, const char *dir, struct ns_err *err);
/* The name of metric @m in results.csv and in plot-NAME.svg; NULL past the
 * last. */
const char *ns_sweep_metric_name(size_t m);
/* The @i-th file ns_sweep_write puts in @dir (malloc'd); NULL past the last. */
char *ns_sweep_output_path(const char *dir, size_t i);

/* ---- the HTML report (src/report/html.c) ---- */

/*
 * A self-contained HTML page, built block by block in the order the caller
 * wants and written atomically: styles inline, plots as inline SVG, no
 * script, links relative to the page. `--html` on run, experiment, advise and
 * sweep writes one.
 */
struct ns_html;
struct ns_html *ns_html_new(const char *title);
void ns_html_heading(struct ns_html *h, const char *text);
void ns_html_pre(struct ns_html *h, const char *text);       /* preformatted text */
void ns_html_link(struct ns_html *h, const char *href, const char *text);
/* A table: the first row is the header; ns_html_table_end closes it. */
void ns_html_row(struct ns_html *h, size_t n, const char *const *cells);
void ns_html_table_end(struct ns_html *h);
/* Horizontal bars with optional 95% whiskers (err may be NULL, or NAN per bar). */
struct ns_html_bars {
    const char *caption, *unit;
    size_t n;
    const char *const *label;
    const double *value, *err;
};
void ns_html_bars(struct ns_html *h, const struct ns_html_bars *b);
/* A link's href from the page at @page to the file @target (both existing):
 * relative when @target is under the page's folder, else absolute, as a
 * percent-encoded URL path; malloc'd. */
char *ns_html_href(const char *page, const char *target);
/* An SVG document (plot.svg), inline. */
void ns_html_svg(struct ns_html *h, const char *svg);
/* A Markdown pipe table (summary.md) as a table, its other lines as text. */
void ns_html_md_table(struct ns_html *h, const char *md);
int ns_html_write(struct ns_html *h, const char *path, struct ns_err *err);
void ns_html_free(struct ns_html *h);

/* The HTML page of one run: the summary, a bar per domain's metric and per
 * pCPU's utilisation. */
void ns_report_html(const struct ns_results *r, struct ns_html *h);

/* ---- trace analysis: `numasched analyze` (src/report/analyze.c) ---- */

struct ns_analyze_opts {
    uint64_t hz;                  /* TSC rate; 0: the trace's own, else 2.4 GHz */
    const struct ns_topo *topo;   /* classify migrations by kind; NULL: pCPU changes only */
};

/* One vCPU of a trace (guests and dom0; idle vCPUs only count as pCPU idle time). */
struct ns_an_vcpu {
    unsigned dom, vcpu;
    ns_time_t runstate_ns[NS_RUNSTATES];
    uint64_t wakeups;                        /* blocked -> runnable -> running */
    double wake_latency_mean_ns;
    ns_time_t wake_latency_p50_ns, wake_latency_p99_ns, wake_latency_max_ns;
    uint64_t pcpu_changes;                   /* runs that started on another pCPU */
    uint64_t migrations[NS_MOVE_KINDS];      /* the same by kind, with a topology */
    /* The part of runstate_ns that xenalyze leaves out: until the vCPU is
     * first seen running (xenalyze keeps a vCPU in its INIT state until
     * then; numasched's VCPU_START record, which it ignores, places that
     * time) and the open interval at the end unless the vCPU is running
     * (xenalyze closes only running vCPUs' intervals). */
    ns_time_t xenalyze_uncounted_ns[NS_RUNSTATES];
};

struct ns_an_pcpu {
    unsigned id;
    ns_time_t busy_ns;                       /* running a non-idle vCPU */
};

struct ns_trace_analysis {
    char *file;
    uint64_t bytes, windows, records;
    uint64_t hz;                             /* the rate used */
    const char *hz_source;                   /* "trace", "option" or "default" */
    uint64_t trace_hz;                       /* the trace's own, 0 if it has none */
    int64_t start_ns, end_ns;                /* virtual time of the first and last TSC */
    ns_time_t duration_ns;
    uint64_t runstate_records, continue_records, class_records, verbose_records,
             numasched_records, unknown_records, other_records, lost_records;
    uint64_t mismatches;                     /* changes from a state the vCPU was not in */
    const struct ns_topo *topo;
    size_t nr_vcpus;
    struct ns_an_vcpu *vcpu;                 /* by (dom, vcpu) */
    size_t nr_pcpus;
    struct ns_an_pcpu *pcpu;                 /* by id */
};

/* Analyse a xentrace file; errors (a damaged file) name the byte offset. */
int ns_analyze_trace(const char *path, const struct ns_analyze_opts *o,
                     struct ns_trace_analysis *out, struct ns_err *err);
/* The same over a buffer (the fuzz harness). */
int ns_analyze_trace_mem(const void *data, size_t len, const char *name,
                         const struct ns_analyze_opts *o, struct ns_trace_analysis *out,
                         struct ns_err *err);
void ns_analysis_free(struct ns_trace_analysis *a);
void ns_analysis_print(const struct ns_trace_analysis *a, FILE *out);
void ns_analysis_print_json(const struct ns_trace_analysis *a, FILE *out);

#endif
