/*
 * Experiments: many runs of a few scenarios, turned into the tables a paper
 * would print. The numbers come back from each run's results.json, not from
 * memory, so every mean in results.csv can be recomputed from the files next
 * to it.
 *
 *   results.csv     one row per cell: mean and 95% confidence half-width
 *   mechanisms.csv  one row per cell: what the runs did (locality, waiting,
 *                   migrations, wake-ups), the "why" behind results.csv
 *   table.md        both, per workload, with the subject policy's relative
 *                   difference against every other policy
 *   plot.svg        see plot.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gsl/gsl_cdf.h>
#include <json-c/json.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* ---- reading one run back ---------------------------------------------------------- */

static json_object *get(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static double num(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return v ? json_object_get_double(v) : 0;
}

static int copy_str(char *dst, size_t n, json_object *v)
{
    const char *s = v ? json_object_get_string(v) : NULL;

    if (!s || strlen(s) >= n)
        return -1;
    strcpy(dst, s);
    return 0;
}

/* Sums over the guests' vCPUs, turned into the shares and rates of a run. */
struct sums {
    double run_state[4], local, remote, mig[3], wakeups, wake_ns;
};

static void add_vcpu(struct sums *s, json_object *v)
{
    json_object *rs = get(v, "runstate_ns"), *mig = get(v, "migrations");
    double wakeups = num(v, "wakeups");

    for (int i = 0; i < 4; i++)
        s->run_state[i] += num(rs, ns_runstate_name((enum ns_runstate)i));
    for (int i = 0; i < 3; i++)
        s->mig[i] += num(mig, rj_move_name((enum ns_move_kind)(NS_MOVE_CORE + i)));
    s->local += num(v, "local_run_ns");
    s->remote += num(v, "remote_run_ns");
    s->wakeups += wakeups;
    s->wake_ns += wakeups * num(get(v, "wake_latency_ns"), "mean");
}

static double share(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : NAN;
}

static void finish(struct ns_exp_run *r, const struct sums *s)
{
    double all = s->run_state[0] + s->run_state[1] + s->run_state[2] + s->run_state[3];
    double per = r->guests * r->duration_s;     /* guest-seconds */

    r->value /= r->guests;
    r->local_pct = share(s->local, s->local + s->remote);
    r->running_pct = share(s->run_state[0], all);
    r->runnable_pct = share(s->run_state[1], all);
    r->mig_core = per > 0 ? s->mig[0] / per : NAN;
    r->mig_socket = per > 0 ? s->mig[1] / per : NAN;
    r->mig_node = per > 0 ? s->mig[2] / per : NAN;
    r->wakeups = per > 0 ? s->wakeups / per : NAN;
    r->wake_us = s->wakeups > 0 ? s->wake_ns / s->wakeups / 1000.0 : NAN;
}

/* One guest domain: its metric must agree with the ones before it. */
static int add_guest(struct ns_exp_run *r, struct sums *s, json_object *d, const char *path,
                     struct ns_err *err)
{
    json_object *m = get(d, "metric"), *vcpus = get(d, "vcpus");
    char name[32], unit[16], better[8];

    if (copy_str(name, sizeof(name), get(m, "name")) ||
        copy_str(unit, sizeof(unit), get(m, "unit")) ||
        copy_str(better, sizeof(better), get(m, "better")) || !get(m, "value"))
        return ns_err_set(err, path, 0, NULL, "domain %s: no usable metric",
                          json_object_get_string(get(d, "name")));
    if (r->guests == 0) {
        strcpy(r->metric, name);
        strcpy(r->unit, unit);
        r->higher_is_better = strcmp(better, "higher") == 0;
    } else if (strcmp(r->metric, name) != 0 || strcmp(r->unit, unit) != 0) {
        return ns_err_set(err, path, 0, NULL, "the guests report different metrics "
                          "(%s in %s, %s in %s): an experiment cell compares one",
                          r->metric, r->unit, name, unit);
    }
    r->guests++;
    r->value += json_object_get_double(get(m, "value"));
    for (size_t i = 0; i < json_object_array_length(vcpus); i++)
        add_vcpu(s, json_object_array_get_idx(vcpus, i));
    return 0;
}

int ns_exp_read_run(const char *path, struct ns_exp_run *out, struct ns_err *err)
{
    json_object *root = json_object_from_file(path);
    struct sums s = {0};
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!root)
        return ns_err_set(err, path, 0, NULL, "cannot read results: %s",
                          json_util_get_last_err() ? json_util_get_last_err() : "?");
    json_object *doms = get(root, "domains");
    if (!doms || !json_object_is_type(doms, json_type_array) || !get(root, "duration_ns")) {
        json_object_put(root);
        return ns_err_set(err, path, 0, NULL, "not a numasched results.json");
    }
    out->duration_s = num(root, "duration_ns") / 1e9;
    out->warmup_s = num(root, "warmup_ns") / 1e9;

    for (size_t i = 0; i < json_object_array_length(doms) && !rc; i++) {
        json_object *d = json_object_array_get_idx(doms, i);
        const char *name = json_object_get_string(get(d, "name"));
        if (name && strcmp(name, "Domain-0") != 0)
            rc = add_guest(out, &s, d, path, err);
    }
    if (!rc && out->guests == 0)
        rc = ns_err_set(err, path, 0, NULL, "no guest domain besides Domain-0");
    if (!rc)
        finish(out, &s);
    json_object_put(root);
    return rc;
}

static int read_guest(json_object *d, struct ns_exp_guest *g, const char *path,
                      struct ns_err *err)
{
    json_object *m = get(d, "metric");
    char better[8];

    if (copy_str(g->name, sizeof(g->name), get(d, "name")))
        return ns_err_set(err, path, 0, NULL, "a domain name of more than %zu bytes",
                          sizeof(g->name) - 1);
    if (copy_str(g->metric, sizeof(g->metric), get(m, "name")) ||
        copy_str(g->unit, sizeof(g->unit), get(m, "unit")) ||
        copy_str(better, sizeof(better), get(m, "better")) || !get(m, "value"))
        return ns_err_set(err, path, 0, NULL, "domain %s: no usable metric", g->name);
    g->higher_is_better = strcmp(better, "higher") == 0;
    g->value = json_object_get_double(get(m, "value"));
    return 0;
}

/* Each guest's metric, where a run's guests need not share one (advise). */
int ns_exp_read_guests(const char *path, struct ns_exp_guest **out, size_t *n,
                       struct ns_err *err)
{
    json_object *root = json_object_from_file(path), *doms = get(root, "domains");
    int rc = 0;

    *out = NULL;
    *n = 0;
    if (!root || !doms || !json_object_is_type(doms, json_type_array)) {
        json_object_put(root);
        return ns_err_set(err, path, 0, NULL, "not a numasched results.json");
    }
    *out = ns_xcalloc(json_object_array_length(doms) + 1, sizeof(**out));
    for (size_t i = 0; i < json_object_array_length(doms) && !rc; i++) {
        json_object *d = json_object_array_get_idx(doms, i);
        const char *name = json_object_get_string(get(d, "name"));
        if (name && strcmp(name, "Domain-0") != 0)
            rc = read_guest(d, &(*out)[(*n)++], path, err);
    }
    json_object_put(root);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- statistics --------------------------------------------------------------------- */

/* The 97.5% quantile of Student's t: a two-sided 95% interval. */
static double t975(double df)
{
    return gsl_cdf_tdist_Pinv(0.975, df);
}

void ns_exp_stat(const double *x, unsigned n, struct ns_exp_stat *out)
{
    double sum = 0, ss = 0;

    out->n = n;
    out->mean = out->sd = out->ci95 = NAN;
    if (n == 0)
        return;
    for (unsigned i = 0; i < n; i++)
        sum += x[i];
    out->mean = sum / n;
    if (n < 2)
        return;
    for (unsigned i = 0; i < n; i++)
        ss += (x[i] - out->mean) * (x[i] - out->mean);
    out->sd = sqrt(ss / (n - 1));
    out->ci95 = t975(n - 1) * out->sd / sqrt(n);
}

/*
 * Welch's interval: the two cells need not have the same spread, and their
 * runs are independent (same seeds, but a different policy sends the random
 * draws down different paths). Degrees of freedom by Welch-Satterthwaite.
 */
double ns_exp_diff_ci95(const struct ns_exp_stat *a, const struct ns_exp_stat *b)
{
    if (a->n < 2 || b->n < 2)
        return NAN;
    double va = a->sd * a->sd / a->n, vb = b->sd * b->sd / b->n;
    if (va + vb == 0)
        return 0;               /* no spread at all: any difference is real */
    double df = (va + vb) * (va + vb) /
                (va * va / (a->n - 1) + vb * vb / (b->n - 1));
    return t975(df) * sqrt(va + vb);
}

double ns_exp_rel_better(double subject, double base, bool higher_is_better)
{
    if (base == 0)
        return NAN;
    double d = higher_is_better ? subject - base : base - subject;
    return 100.0 * d / fabs(base);
}

/* ---- the table ------------------------------------------------------------------------ */

size_t ns_exp_nr_cells(const struct ns_exp_axes *x)
{
    return x->nr_workloads * x->nr_vms * x->nr_policies;
}

size_t ns_exp_cell_index(const struct ns_exp_axes *x, size_t w, size_t v, size_t p)
{
    return (w * x->nr_vms + v) * x->nr_policies + p;
}

void ns_exp_cell_axes(const struct ns_exp_axes *x, size_t i, size_t *w, size_t *v, size_t *p)
{
    *p = i % x->nr_policies;
    *v = i / x->nr_policies % x->nr_vms;
    *w = i / (x->nr_policies * x->nr_vms);
}

struct ns_exp_cell *ns_exp_cell(const struct ns_exp_table *t, size_t w, size_t v, size_t p)
{
    return &t->cell[ns_exp_cell_index(t->axes, w, v, p)];
}

/* The statistic of one double field of the runs (offsetof in ns_exp_run). */
static void cell_stat(const struct ns_exp_cell *c, size_t field, struct ns_exp_stat *out)
{
    double *x = ns_xcalloc(c->nr_runs ? c->nr_runs : 1, sizeof(double));

    for (unsigned i = 0; i < c->nr_runs; i++)
        x[i] = *(const double *)((const char *)&c->run[i] + field);
    ns_exp_stat(x, c->nr_runs, out);
    free(x);
}

static void value_stat(const struct ns_exp_cell *c, struct ns_exp_stat *out)
{
    cell_stat(c, offsetof(struct ns_exp_run, value), out);
}

/* The subject policy's index; the table always has one. */
static size_t subject_index(const struct ns_exp_table *t)
{
    for (size_t p = 0; p < t->axes->nr_policies; p++)
        if (strcmp(t->axes->policies[p], t->axes->subject) == 0)
            return p;
    return 0;
}

int ns_exp_check(const struct ns_exp_table *t, struct ns_err *err)
{
    for (size_t w = 0; w < t->axes->nr_workloads; w++) {
        const struct ns_exp_run *first = NULL;
        for (size_t i = 0; i < t->axes->nr_vms * t->axes->nr_policies; i++) {
            const struct ns_exp_cell *c = ns_exp_cell(t, w, i / t->axes->nr_policies,
                                                      i % t->axes->nr_policies);
            if (c->nr_runs == 0)
                return ns_err_set(err, NULL, 0, NULL, "%s-%u-%s: no runs", c->workload,
                                  c->vms, c->policy);
            for (unsigned r = 0; r < c->nr_runs; r++) {
                const struct ns_exp_run *x = &c->run[r];
                if (!first)
                    first = x;
                if (strcmp(x->metric, first->metric) || strcmp(x->unit, first->unit) ||
                    x->higher_is_better != first->higher_is_better)
                    return ns_err_set(err, NULL, 0, NULL, "%s-%u-%s: run %u reports %s in %s, "
                                      "but the workload's first run %s in %s", c->workload,
                                      c->vms, c->policy, r + 1, x->metric, x->unit,
                                      first->metric, first->unit);
            }
        }
    }
    return 0;
}

/* ---- results.csv and mechanisms.csv ---------------------------------------------------------- */

static void put_double(FILE *f, double v)
{
    char buf[NS_REPORT_DBL_LEN];

    ns_report_fmt_double(buf, v);     /* "" for NaN: an empty field */
    fputs(buf, f);
}

/* workload,vms,policy: the names as the sweep file gives them, quoted if need be. */
static void put_cell_key(FILE *f, const struct ns_exp_cell *c)
{
    ns_report_csv_text(f, c->workload);
    fprintf(f, ",%u,", c->vms);
    ns_report_csv_text(f, c->policy);
}

void ns_exp_emit_csv(const struct ns_exp_table *t, FILE *f)
{
    fputs("workload,vms,policy,metric,unit,better,mean,ci95,runs\n", f);
    for (size_t i = 0; i < ns_exp_nr_cells(t->axes); i++) {
        const struct ns_exp_cell *c = &t->cell[i];
        const struct ns_exp_run *r = c->nr_runs ? &c->run[0] : NULL;
        struct ns_exp_stat s;

        value_stat(c, &s);
        put_cell_key(f, c);
        fputc(',', f);
        ns_report_csv_text(f, r ? r->metric : "");
        fputc(',', f);
        ns_report_csv_text(f, r ? r->unit : "");
        fprintf(f, ",%s,", r ? (r->higher_is_better ? "higher" : "lower") : "");
        put_double(f, s.mean);
        fputc(',', f);
        put_double(f, s.ci95);
        fprintf(f, ",%u\n", c->nr_runs);
    }
}

/* The columns of mechanisms.csv and of the "why" tables in table.md. */
static const struct mech_col {
    const char *csv, *md;
    size_t field;
    int decimals;
} mech_cols[] = {
    {"local_pct", "local %", offsetof(struct ns_exp_run, local_pct), 1},
    {"running_pct", "running %", offsetof(struct ns_exp_run, running_pct), 1},
    {"runnable_pct", "runnable %", offsetof(struct ns_exp_run, runnable_pct), 1},
    {"mig_core_per_s", "to sibling/s", offsetof(struct ns_exp_run, mig_core), 1},
    {"mig_socket_per_s", "in socket/s", offsetof(struct ns_exp_run, mig_socket), 1},
    {"mig_node_per_s", "cross-node/s", offsetof(struct ns_exp_run, mig_node), 1},
    {"wakeups_per_s", "wake-ups/s", offsetof(struct ns_exp_run, wakeups), 0},
    {"wake_us", "wake-up us", offsetof(struct ns_exp_run, wake_us), 1},
};
#define NR_MECH_COLS (sizeof(mech_cols) / sizeof(mech_cols[0]))

void ns_exp_emit_mechanisms(const struct ns_exp_table *t, FILE *f)
{
    fputs("workload,vms,policy,runs", f);
    for (size_t k = 0; k < NR_MECH_COLS; k++)
        fprintf(f, ",%s", mech_cols[k].csv);
    fputc('\n', f);
    for (size_t i = 0; i < ns_exp_nr_cells(t->axes); i++) {
        const struct ns_exp_cell *c = &t->cell[i];
        put_cell_key(f, c);
        fprintf(f, ",%u", c->nr_runs);
        for (size_t k = 0; k < NR_MECH_COLS; k++) {
            struct ns_exp_stat s;
            cell_stat(c, mech_cols[k].field, &s);
            fputc(',', f);
            put_double(f, s.mean);
        }
        fputc('\n', f);
    }
}

/* ---- table.md --------------------------------------------------------------------------------- */

/* Enough decimals for four significant digits of the workload's largest mean. */
static int decimals_for(double largest)
{
    return largest >= 1000 ? 0 : largest >= 100 ? 1 : largest >= 10 ? 2 : 3;
}

static void put_mean_ci(FILE *f, const struct ns_exp_stat *s, int dec)
{
    if (isnan(s->mean))
        fputs("-", f);
    else if (isnan(s->ci95))
        fprintf(f, "%.*f", dec, s->mean);
    else
        fprintf(f, "%.*f ± %.*f", dec, s->mean, dec, s->ci95);
}

/* "+3.2 ± 0.4 % *": the relative difference, its interval, and a star when the
 * difference is larger than the interval. */
static void put_rel(FILE *f, const struct ns_exp_stat *subj, const struct ns_exp_stat *base,
                    bool higher)
{
    double rel = ns_exp_rel_better(subj->mean, base->mean, higher);
    double ci = ns_exp_diff_ci95(subj, base);

    if (isnan(rel)) {
        fputs("-", f);
        return;
    }
    if (fabs(rel) < 0.05)
        rel = 0;                /* no "-0.0" */
    fprintf(f, "%+.1f", rel);
    if (!isnan(ci))
        fprintf(f, " ± %.1f", 100.0 * ci / fabs(base->mean));
    fputs(" %", f);
    if (!isnan(ci) && fabs(subj->mean - base->mean) > ci)
        fputs(" *", f);
}

/* The number of seeds and run lengths, as one phrase, from the runs themselves. */
static void put_design(const struct ns_exp_table *t, FILE *f)
{
    unsigned lo = ~0u, hi = 0;
    double dur = -1, warm = -1;
    bool same = true;

    for (size_t i = 0; i < ns_exp_nr_cells(t->axes); i++) {
        const struct ns_exp_cell *c = &t->cell[i];
        lo = c->nr_runs < lo ? c->nr_runs : lo;
        hi = c->nr_runs > hi ? c->nr_runs : hi;
        for (unsigned r = 0; r < c->nr_runs; r++) {
            if (dur < 0) {
                dur = c->run[r].duration_s;
                warm = c->run[r].warmup_s;
            }
            same = same && c->run[r].duration_s == dur && c->run[r].warmup_s == warm;
        }
    }
    if (lo == hi)
        fprintf(f, "%u seed%s per cell", lo, lo == 1 ? "" : "s");
    else
        fprintf(f, "%u to %u seeds per cell", lo, hi);
    if (same && dur >= 0)
        fprintf(f, ", each run %g s measured after %g s of warm-up", dur, warm);
    fputs(".\n", f);
}

static void md_intro(const struct ns_exp_table *t, FILE *f)
{
    fprintf(f, "# %s\n\n", t->axes->name);
    put_design(t, f);
    fprintf(f, "\nEach cell: the per-VM metric (mean over the VMs of a run), as the mean over\n"
            "the seeds ± the half-width of its 95%% confidence interval (Student t, n - 1\n"
            "degrees of freedom). \"%s vs X\": how much better %s is than X, in %% of X\n"
            "(+ means %s is better, whichever way the metric points), ± the 95%% confidence\n"
            "interval of the difference (Welch); * marks a difference larger than that\n"
            "interval.\n", t->axes->subject, t->axes->subject, t->axes->subject);
}

static void md_results(const struct ns_exp_table *t, size_t w, size_t subj, FILE *f)
{
    const struct ns_exp_run *r0 = &ns_exp_cell(t, w, 0, 0)->run[0];
    double largest = 0;

    for (size_t i = 0; i < t->axes->nr_vms * t->axes->nr_policies; i++) {
        struct ns_exp_stat s;
        value_stat(ns_exp_cell(t, w, i / t->axes->nr_policies, i % t->axes->nr_policies), &s);
        largest = s.mean > largest ? s.mean : largest;
    }
    fprintf(f, "\n## %s: %s per VM, %s is better\n\n| VMs |", t->axes->workloads[w], r0->unit,
            r0->higher_is_better ? "higher" : "lower");
    for (size_t p = 0; p < t->axes->nr_policies; p++)
        fprintf(f, " %s |", t->axes->policies[p]);
    for (size_t p = 0; p < t->axes->nr_policies; p++)
        if (p != subj)
            fprintf(f, " %s vs %s |", t->axes->subject, t->axes->policies[p]);
    fputs("\n|---:|", f);
    for (size_t p = 0; p < 2 * t->axes->nr_policies - 1; p++)
        fputs("---:|", f);
    fputc('\n', f);

    for (size_t v = 0; v < t->axes->nr_vms; v++) {
        struct ns_exp_stat s[t->axes->nr_policies];
        fprintf(f, "| %u |", t->axes->vms[v]);
        for (size_t p = 0; p < t->axes->nr_policies; p++) {
            value_stat(ns_exp_cell(t, w, v, p), &s[p]);
            fputc(' ', f);
            put_mean_ci(f, &s[p], decimals_for(largest));
            fputs(" |", f);
        }
        for (size_t p = 0; p < t->axes->nr_policies; p++) {
            if (p == subj)
                continue;
            fputc(' ', f);
            put_rel(f, &s[subj], &s[p], r0->higher_is_better);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
}

static void md_mechanisms(const struct ns_exp_table *t, size_t w, FILE *f)
{
    fputs("\nWhy: what the guests' vCPUs did, means over the seeds. local: run time with\n"
          "the memory on the pCPU's node; running/runnable: shares of all vCPU time;\n"
          "moves (to the SMT sibling, to another core of the socket, to another socket)\n"
          "and wake-ups per VM and second; wake-up us: from wake-up to running.\n"
          "\n| VMs | policy |", f);
    for (size_t k = 0; k < NR_MECH_COLS; k++)
        fprintf(f, " %s |", mech_cols[k].md);
    fputs("\n|---:|:---|", f);
    for (size_t k = 0; k < NR_MECH_COLS; k++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t v = 0; v < t->axes->nr_vms; v++) {
        for (size_t p = 0; p < t->axes->nr_policies; p++) {
            const struct ns_exp_cell *c = ns_exp_cell(t, w, v, p);
            fprintf(f, "| %u | %s |", t->axes->vms[v], t->axes->policies[p]);
            for (size_t k = 0; k < NR_MECH_COLS; k++) {
                struct ns_exp_stat s;
                cell_stat(c, mech_cols[k].field, &s);
                if (isnan(s.mean))
                    fputs(" - |", f);
                else
                    fprintf(f, " %.*f |", mech_cols[k].decimals, s.mean);
            }
            fputc('\n', f);
        }
    }
}

void ns_exp_emit_markdown(const struct ns_exp_table *t, FILE *f)
{
    size_t subj = subject_index(t);

    md_intro(t, f);
    for (size_t w = 0; w < t->axes->nr_workloads; w++) {
        md_results(t, w, subj, f);
        md_mechanisms(t, w, f);
    }
    ns_exp_emit_compare_markdown(t, f);
}

/* ---- writing them all ------------------------------------------------------------------------------- */

/* compare.csv last: it is written only when the table has a published one. */
static const char *const output_names[] = {
    "results.csv", "mechanisms.csv", "table.md", "plot.svg", "compare.csv", NULL,
};

const char *const *ns_exp_output_names(void)
{
    return output_names;
}

static void emit_csv(const void *t, FILE *f) { ns_exp_emit_csv(t, f); }
static void emit_mech(const void *t, FILE *f) { ns_exp_emit_mechanisms(t, f); }
static void emit_md(const void *t, FILE *f) { ns_exp_emit_markdown(t, f); }
static void emit_svg(const void *t, FILE *f) { ns_exp_emit_svg(t, f); }
static void emit_compare(const void *t, FILE *f) { ns_exp_emit_compare_csv(t, f); }

static ns_report_emit_fn *const emitters[] = {emit_csv, emit_mech, emit_md, emit_svg,
                                              emit_compare};
#define NR_OUTPUTS (sizeof(emitters) / sizeof(emitters[0]))

/* All or none, so the folder never holds a table without its plot (ns_report_write_set). */
int ns_exp_write(const struct ns_exp_table *t, const char *dir, struct ns_err *err)
{
    if (ns_exp_check(t, err) < 0)
        return -1;
    /* The comparison with the published figures only when there are some. */
    size_t nr = NR_OUTPUTS - (t->published ? 0 : 1);
    return ns_report_write_set(dir, output_names, emitters, nr, t, err);
}
