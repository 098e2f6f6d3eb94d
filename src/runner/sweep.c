/*
 * Sweeps: a sweep file's points, each run once per seed as one job of a
 * batch, and the tables written from the runs' results files:
 *
 *   DIR/runs/pN/point.txt                  what point N is: its settings
 *   DIR/runs/pN/seed-K/results.json (+ .csv)  every run, as `run --out` writes it
 *   DIR/results.csv, summary.md, plot-METRIC.svg
 *
 * (pN, or the point's name when the file gives one.) A sweep with
 * `relations` is an experiment: it writes the experiment tables instead
 * (report/experiment.c, results.csv, mechanisms.csv, table.md, plot.svg and
 * with published measurements compare.csv), a cell per point, and checks
 * before any run that each point's scenario has its cell's guests and
 * workload, so a file that no longer matches its cell cannot skew a table.
 *
 * Every point is loaded (and placed) before the first run: a typo or a host
 * too small for one point fails the command at once, naming the point,
 * instead of hours later.
 *
 * A run is complete once its results files were renamed into place
 * (ns_report_write_dir writes them under temporary names first) and its
 * point's point.txt says the same settings and the same fingerprint of the
 * files the point reads, made by the same model (ns_model_id); a later
 * command with the same sweep skips complete runs, so an interrupted sweep
 * resumes where it stopped, and neither a changed sweep file, a scenario or
 * domain file edited in place, nor a rebuilt numasched gets a run made from
 * something else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numasched/config.h"
#include "numasched/runner.h"
#include "numasched/workload.h"
#include "runner/internal.h"

struct point {
    char *label;                /* "sched=rr, guests=6", for messages */
    char *name;                 /* "p3", or the file's point_name */
    char *scenario;             /* its scenario file */
    char *dir;                  /* DIR/runs/NAME */
    char *text;                 /* point.txt: the settings that make it */
    unsigned weight;            /* relative cost of one run */
};

struct job {
    size_t point, seed;         /* seed: index into sweep.seed */
    char *name, *out;           /* out: DIR/runs/pN/seed-K */
};

/* With relations: the experiment's axes, each value as a cell of the tables. */
struct cells {
    struct ns_exp_axes axes;
    unsigned *vms;
    size_t *point;              /* [cell]: the point that is it */
    struct ns_exp_published published;
    bool has_published;
};

struct sweep {
    struct ns_sweep s;
    struct ns_sweep_opts o;
    char *title;
    struct point *point;
    size_t nr_points;
    struct job *job;            /* every run, longest first */
    size_t nr_jobs;
    struct cells cells;
};

/* ---- points ------------------------------------------------------------------------ */

static char *point_label(const struct ns_sweep *s, size_t p)
{
    size_t idx[s->nr_axes], len = 1;

    ns_sweep_point(s, p, idx);
    for (size_t a = 0; a < s->nr_axes; a++)
        len += strlen(s->axis[a].name) + strlen(s->axis[a].value[idx[a]]) + 3;
    char *out = ns_xmalloc(len), *q = out;
    *q = '\0';
    for (size_t a = 0; a < s->nr_axes; a++)
        q += sprintf(q, "%s%s=%s", a ? ", " : "", s->axis[a].name, s->axis[a].value[idx[a]]);
    return out;
}

/* Everything that decides a point's runs apart from the seed: the files as
 * they read now (@inputs), not only their names, so an edited domain file
 * makes its point's runs stale, and the model that runs them. */
static char *point_text(const struct sweep *sw, const char *scenario,
                        const struct ns_overrides *ov, uint64_t inputs)
{
    size_t len = strlen(scenario) + 200;

    for (size_t i = 0; i < ov->nr_scenario; i++)
        len += strlen(ov->scenario[i].stmt) + 1;
    for (size_t i = 0; i < ov->nr_guest; i++)
        len += strlen(ov->guest[i].stmt) + 8;
    for (size_t i = 0; i < sw->o.nr_params; i++)
        len += strlen(sw->o.params[i].name) + strlen(sw->o.params[i].value) + 8;
    char *t = ns_xmalloc(len), *q = t;
    q += sprintf(q, "scenario %s\n", scenario);
    q += sprintf(q, "inputs %016llx\n", (unsigned long long)inputs);
    q += sprintf(q, "model %s\n", ns_model_id());
    for (size_t i = 0; i < ov->nr_scenario; i++)
        q += sprintf(q, "%s\n", ov->scenario[i].stmt);
    for (size_t i = 0; i < ov->nr_guest; i++)
        q += sprintf(q, "guest %s\n", ov->guest[i].stmt);
    for (size_t i = 0; i < sw->o.nr_params; i++)
        q += sprintf(q, "set %s=%s\n", sw->o.params[i].name, sw->o.params[i].value);
    if (sw->o.has_duration)
        q += sprintf(q, "duration %llu ns\n", (unsigned long long)sw->o.duration);
    if (sw->o.has_warmup)
        sprintf(q, "warmup %llu ns\n", (unsigned long long)sw->o.warmup);
    return t;
}

/* Point @p with @seed (NULL: the scenario's own), as the command line asks. */
static int load_point(const struct sweep *sw, size_t p, const uint64_t *seed,
                      struct ns_sim_spec *spec, struct ns_err *err)
{
    struct ns_overrides ov;

    ns_sweep_overrides(&sw->s, p, &ov);
    ov.has_seed = seed != NULL;
    ov.seed = seed ? *seed : 0;
    ov.has_duration = sw->o.has_duration;
    ov.duration = sw->o.duration;
    ov.params = sw->o.params;
    ov.nr_params = sw->o.nr_params;
    int rc = ns_config_create(sw->point[p].scenario, &ov, spec, NULL, err);
    ns_sweep_overrides_free(&ov);
    if (rc == 0 && sw->o.has_warmup)
        spec->warmup = sw->o.warmup;
    return rc;
}

/* vCPU-milliseconds: what a run costs, near enough to put the long ones first. */
static unsigned spec_weight(const struct ns_sim_spec *spec)
{
    unsigned long long vcpus = 0, ms = (spec->duration + spec->warmup) / 1000000;

    for (size_t i = 0; i < spec->nr_dom; i++)
        vcpus += spec->dom[i].max_vcpus;
    unsigned long long w = (vcpus ? vcpus : 1) * (ms ? ms : 1);
    return w > 1u << 30 ? 1u << 30 : (unsigned)w;
}

/* The value index of the axis playing @role (NS_REL_*) in a point's @idx;
 * with relations the sweep's axes are exactly those three. */
static size_t role_index(const struct sweep *sw, const size_t *idx, int role)
{
    return idx[sw->s.rel_axis[role]];
}

static const char *role_value(const struct sweep *sw, const size_t *idx, int role)
{
    return sw->s.axis[sw->s.rel_axis[role]].value[role_index(sw, idx, role)];
}

/* With relations: the point's scenario still has its cell's guests and workload. */
static int check_cell(const struct sweep *sw, size_t p, const struct ns_sim_spec *spec,
                      struct ns_err *err)
{
    size_t idx[NS_NR_REL];

    ns_sweep_point(&sw->s, p, idx);
    const char *workload = role_value(sw, idx, NS_REL_WORKLOAD);
    unsigned vms = (unsigned)strtoul(role_value(sw, idx, NS_REL_VMS), NULL, 10);
    size_t guests = spec->nr_dom - (spec->has_dom0 ? 1 : 0);

    if (guests != vms)
        return ns_err_set(err, sw->point[p].scenario, 0, "domains", "%zu guest domains, but "
                          "this cell has %u VMs", guests, vms);
    for (size_t i = spec->has_dom0; i < spec->nr_dom; i++) {
        const char *w = ns_workload_spec_name(spec->dom[i].workload);
        if (strcmp(w, workload) != 0)
            return ns_err_set(err, spec->dom[i].file, 0, "workload", "\"%s\", but this cell "
                              "runs %s", w, workload);
    }
    return 0;
}

/*
 * A point's tables average its guests' metric: guests that report different
 * ones (ops/s beside us) cannot be averaged, which the tables would find
 * only once every run is done.
 */
static int check_metrics(const struct ns_sim_spec *spec, struct ns_err *err)
{
    struct ns_metric first = {0}, m;

    for (size_t i = spec->has_dom0; i < spec->nr_dom; i++) {
        ns_workload_spec_metric(spec->dom[i].workload, &m);
        if (i == spec->has_dom0)
            first = m;
        else if (strcmp(m.name, first.name) != 0 || strcmp(m.unit, first.unit) != 0)
            return ns_err_set(err, spec->dom[i].file, 0, "workload", "%s reports %s in %s, "
                              "the guests before it %s in %s: a point's tables average one "
                              "metric", spec->dom[i].name, m.name, m.unit, first.name,
                              first.unit);
    }
    return 0;
}

static int check_point(struct sweep *sw, size_t p, struct ns_err *err)
{
    struct point *pt = &sw->point[p];
    struct ns_sim_spec spec = {0};
    struct ns_overrides ov;

    pt->label = point_label(&sw->s, p);
    pt->name = ns_sweep_point_name(&sw->s, p);
    pt->scenario = ns_sweep_scenario(&sw->s, p);
    pt->dir = ns_xasprintf("%s/runs/%s", sw->o.out, pt->name);
    if (access(pt->scenario, R_OK) != 0)
        return ns_err_set(err, sw->s.file, sw->s.scenario_line, "scenario", "point %zu (%s): "
                          "%s: cannot read: %s", p + 1, pt->label, pt->scenario,
                          strerror(errno));
    int rc = load_point(sw, p, NULL, &spec, err);
    if (rc == 0)
        rc = check_metrics(&spec, err);
    if (rc == 0 && sw->s.relations)
        rc = check_cell(sw, p, &spec, err);
    if (rc < 0) {
        struct ns_err inner = *err;
        ns_sim_spec_free(&spec);
        return ns_err_set(err, sw->s.file, 0, NULL, "point %zu (%s): %s", p + 1, pt->label,
                          inner.msg);
    }
    ns_sweep_overrides(&sw->s, p, &ov);
    pt->text = point_text(sw, pt->scenario, &ov, spec.inputs);
    ns_sweep_overrides_free(&ov);
    pt->weight = spec_weight(&spec);
    ns_sim_spec_free(&spec);
    return 0;
}

/*
 * The lists of points and runs: a sweep file can ask for more than memory
 * holds (three axes of a thousand values), which is the user's to hear about
 * in one line, not an abort.
 */
static int make_lists(struct sweep *sw, struct ns_err *err)
{
    size_t seeds = sw->s.nr_seeds, runs = sw->nr_points * seeds;
    bool counted = sw->nr_points <= SIZE_MAX / seeds;     /* --seeds may raise it */

    sw->point = counted ? calloc(sw->nr_points, sizeof(struct point)) : NULL;
    sw->job = sw->point ? calloc(runs, sizeof(struct job)) : NULL;
    if (!sw->job)
        return ns_err_set(err, sw->s.file, 0, NULL, "%zu points x %zu seeds = %zu runs: not "
                          "enough memory to list them; split the sweep", sw->nr_points,
                          seeds, counted ? runs : SIZE_MAX);
    return 0;
}

static int check_points(struct sweep *sw, struct ns_err *err)
{
    sw->nr_points = ns_sweep_nr_points(&sw->s);
    if (make_lists(sw, err) < 0)
        return -1;
    for (size_t p = 0; p < sw->nr_points; p++)
        if (check_point(sw, p, err) < 0)
            return -1;
    return 0;
}

/* ---- relations: the experiment's cells ------------------------------------------------- */

/*
 * The axes of the tables, in the roles relations gives them, and the point
 * of each cell: the tables number cells [workload][vms][policy] whatever
 * order the sweep file writes its axes in.
 */
static void make_cells(struct sweep *sw)
{
    struct cells *c = &sw->cells;
    const struct ns_sweep_axis *w = &sw->s.axis[sw->s.rel_axis[NS_REL_WORKLOAD]];
    const struct ns_sweep_axis *v = &sw->s.axis[sw->s.rel_axis[NS_REL_VMS]];
    const struct ns_sweep_axis *p = &sw->s.axis[sw->s.rel_axis[NS_REL_POLICY]];

    c->vms = ns_xcalloc(v->nr_values, sizeof(unsigned));
    for (size_t k = 0; k < v->nr_values; k++)
        c->vms[k] = (unsigned)strtoul(v->value[k], NULL, 10);
    c->axes = (struct ns_exp_axes){sw->title, sw->s.summary ? sw->s.summary : "",
                                   (const char *const *)w->value, w->nr_values, c->vms,
                                   v->nr_values, (const char *const *)p->value, p->nr_values,
                                   sw->s.subject, sw->s.published};
    c->point = ns_xcalloc(sw->nr_points, sizeof(size_t));
    for (size_t pt = 0; pt < sw->nr_points; pt++) {
        size_t idx[NS_NR_REL];
        ns_sweep_point(&sw->s, pt, idx);
        c->point[ns_exp_cell_index(&c->axes, role_index(sw, idx, NS_REL_WORKLOAD),
                                   role_index(sw, idx, NS_REL_VMS),
                                   role_index(sw, idx, NS_REL_POLICY))] = pt;
    }
}

/* The published measurements, read and checked against the axes before any run. */
static int load_published(struct sweep *sw, struct ns_err *err)
{
    struct cells *c = &sw->cells;
    const struct ns_exp_axes *x = &c->axes;

    if (!sw->s.published)
        return 0;
    if (ns_exp_published_read(sw->s.published, &c->published, err) < 0 ||
        ns_exp_published_covers(&c->published, sw->s.published, x->workloads, x->nr_workloads,
                                x->vms, x->nr_vms, x->policies, x->nr_policies, err) < 0)
        return -1;
    c->has_published = true;
    return 0;
}

/* ---- what is left to do ------------------------------------------------------------- */

static bool file_is(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    size_t n = strlen(text);
    char *buf;
    bool same;

    if (!f)
        return false;
    buf = ns_xmalloc(n + 2);
    same = fread(buf, 1, n + 1, f) == n && memcmp(buf, text, n) == 0;
    fclose(f);
    free(buf);
    return same;
}

static bool exists(const char *dir, const char *name)
{
    char *path = ns_path_join(dir, name);
    bool ok = access(path, F_OK) == 0;
    free(path);
    return ok;
}

/* A run whose files were both renamed into place, for this very point. */
static bool run_complete(const struct sweep *sw, size_t p, const char *out)
{
    char *path = ns_path_join(sw->point[p].dir, "point.txt");
    bool same = file_is(path, sw->point[p].text);

    free(path);
    return same && exists(out, "results.json") && exists(out, "results.csv");
}

static char *run_dir(const struct sweep *sw, size_t p, size_t k)
{
    return ns_xasprintf("%s/seed-%llu", sw->point[p].dir, (unsigned long long)sw->s.seed[k]);
}

/* Largest first: the long runs start early and the short ones fill the gaps
 * at the end, so the workers finish together. Stable by point and seed. */
static int by_weight(const void *a, const void *b, void *arg)
{
    const struct sweep *sw = arg;
    const struct job *x = a, *y = b;
    unsigned wx = sw->point[x->point].weight, wy = sw->point[y->point].weight;

    if (wx != wy)
        return wx > wy ? -1 : 1;
    if (x->point != y->point)
        return x->point < y->point ? -1 : 1;
    return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static void make_jobs(struct sweep *sw)
{
    size_t seeds = sw->s.nr_seeds;

    for (size_t p = 0; p < sw->nr_points; p++) {
        for (size_t k = 0; k < seeds; k++) {
            struct job *j = &sw->job[sw->nr_jobs++];
            j->point = p;
            j->seed = k;
            j->out = run_dir(sw, p, k);
            /* A named point is known by its name; pN by its values. */
            if (sw->s.point_name)
                j->name = ns_xasprintf("%s seed %llu", sw->point[p].name,
                                    (unsigned long long)sw->s.seed[k]);
            else
                j->name = ns_xasprintf("point %zu (%s) seed %llu", p + 1, sw->point[p].label,
                                    (unsigned long long)sw->s.seed[k]);
        }
    }
    qsort_r(sw->job, sw->nr_jobs, sizeof(struct job), by_weight, sw);
}

/* ---- the batch ------------------------------------------------------------------------ */

static const char *job_name(void *arg, size_t i)
{
    const struct sweep *sw = arg;
    return sw->job[i].name;
}

static const char *job_source(void *arg, size_t i)
{
    const struct sweep *sw = arg;
    return sw->point[sw->job[i].point].scenario;
}

static unsigned job_weight(void *arg, size_t i)
{
    const struct sweep *sw = arg;
    return sw->point[sw->job[i].point].weight;
}

static int run_job(void *arg, size_t i, struct ns_err *err)
{
    const struct sweep *sw = arg;
    const struct job *j = &sw->job[i];
    struct ns_sim_spec spec = {0};

    /* A run killed while writing (a rank lost mid-rename) left its temporaries. */
    ns_outfile_remove_stale(j->out);
    int rc = load_point(sw, j->point, &sw->s.seed[j->seed], &spec, err);
    if (rc == 0)
        rc = runner_simulate(&spec, j->out, err);
    ns_sim_spec_free(&spec);
    return rc;
}

/* The runs of point @p, as far as they got: none of them is of its settings. */
static void remove_runs(const struct sweep *sw, size_t p)
{
    for (size_t k = 0; k < sw->s.nr_seeds; k++) {
        char *dir = run_dir(sw, p, k), *json = ns_path_join(dir, "results.json");
        char *csv = ns_path_join(dir, "results.csv");
        unlink(csv);
        unlink(json);
        free(csv);
        free(json);
        free(dir);
    }
}

/*
 * point.txt goes in before the point's first run, written whole (a
 * temporary name, then a rename) and only when it changed, after the runs
 * of the settings it used to say are gone: the runs it vouches for are
 * always runs of the settings it says, even if this command is stopped
 * before it reruns them.
 */
static int write_point_file(const struct sweep *sw, size_t p, struct ns_err *err)
{
    const struct point *pt = &sw->point[p];
    char *path = ns_path_join(pt->dir, "point.txt");
    struct ns_outfile o;
    int rc = 0;

    if (!file_is(path, pt->text)) {
        remove_runs(sw, p);
        rc = ns_report_make_dirs(pt->dir, err);
        if (rc == 0)
            rc = ns_outfile_open(&o, path, err);
        if (rc == 0) {
            fputs(pt->text, o.f);
            rc = ns_outfile_commit(&o, err);
        }
    }
    free(path);
    return rc;
}

static int write_point_files(const struct sweep *sw, struct ns_err *err)
{
    for (size_t p = 0; p < sw->nr_points; p++)
        if (write_point_file(sw, p, err) < 0)
            return -1;
    return 0;
}

static bool job_complete(void *arg, size_t i)
{
    const struct sweep *sw = arg;
    return run_complete(sw, sw->job[i].point, sw->job[i].out);
}

/*
 * The @i-th table in DIR that this run replaces (NULL past the last):
 * removed before its first run and written after its last. An experiment's sensitivity
 * files go too: they describe reruns of an earlier experiment, and only a
 * run with --vary writes them again.
 */
static char *old_table(const struct sweep *sw, size_t i)
{
    const char *const *list[] = {ns_exp_output_names(), ns_exp_sensitivity_names()};

    if (!sw->s.relations)
        return ns_sweep_output_path(sw->o.out, i);
    for (size_t l = 0; l < 2; l++)
        for (const char *const *name = list[l]; *name; name++)
            if (i-- == 0)
                return ns_path_join(sw->o.out, *name);
    return NULL;
}

/* All of them, NULL-terminated. */
static char **old_tables(const struct sweep *sw)
{
    size_t n = 0, cap = 8;
    char **path = ns_xcalloc(cap, sizeof(char *));

    for (char *p; (p = old_table(sw, n)) != NULL; n++) {
        if (n + 1 == cap)
            path = ns_xrealloc(path, (cap *= 2) * sizeof(char *));
        path[n] = p;
    }
    path[n] = NULL;
    return path;
}

static void free_paths(char **path)
{
    for (char **p = path; *p; p++)
        free(*p);
    free(path);
}

/* --html names a file of its own, not a table nor anything under runs/. */
static int check_html(const struct sweep *sw, char **table, struct ns_err *err)
{
    char *html = ns_path_resolve(sw->o.html), *runs = ns_path_join(sw->o.out, "runs");
    char *real_runs = ns_path_resolve(runs);
    size_t n = strlen(real_runs);
    int rc = ns_output_check(sw->o.html, err);

    if (rc == 0 && strncmp(html, real_runs, n) == 0 && (html[n] == '/' || !html[n]))
        rc = ns_err_set(err, sw->o.html, 0, NULL, "is inside %s, where the runs' files go: "
                        "name a file of its own", runs);
    for (char **t = table; rc == 0 && *t; t++) {
        char *real = ns_path_resolve(*t);
        if (strcmp(real, html) == 0)
            rc = ns_err_set(err, sw->o.html, 0, NULL, "is %s, a table of this run: "
                            "name a file of its own", *t);
        free(real);
    }
    free(html);
    free(runs);
    free(real_runs);
    return rc;
}

/*
 * Before anything is removed or run: no table about to be replaced may be
 * an input of this run (a published table kept in DIR as compare.csv, say),
 * and --html must be a file of its own. Found at begin() the input would
 * already be gone; found at the end, so would the hours of runs.
 */
static int check_outputs(const struct sweep *sw, struct ns_err *err)
{
    char **table = old_tables(sw);
    int rc = 0;

    for (char **t = table; rc == 0 && *t; t++)
        rc = ns_output_check(*t, err);
    if (rc == 0 && sw->o.html)
        rc = check_html(sw, table, err);
    free_paths(table);
    return rc;
}

/* Old tables go before the first run: after an interrupted or failed run the
 * folder holds no table that the runs next to it do not support. */
static void remove_old_tables(const struct sweep *sw)
{
    char **table = old_tables(sw);

    for (char **t = table; *t; t++)
        unlink(*t);
    free_paths(table);
}

static void begin(void *arg)
{
    const struct sweep *sw = arg;
    size_t complete = 0;

    remove_old_tables(sw);
    if (sw->o.quiet)
        return;
    for (size_t i = 0; i < sw->nr_jobs; i++)
        complete += job_complete(arg, i);
    fprintf(stderr, "%s: %zu points x %zu seeds = %zu runs, %zu complete from before, "
            "into %s\n", sw->title, sw->nr_points, sw->s.nr_seeds, sw->nr_jobs, complete,
            sw->o.out);
}

static int read_run(const struct sweep *sw, size_t p, size_t k, struct ns_exp_run *out,
                    struct ns_err *err)
{
    char *dir = run_dir(sw, p, k), *path = ns_path_join(dir, "results.json");
    int rc = ns_exp_read_run(path, out, err);

    free(path);
    free(dir);
    return rc;
}

/* The table, read back from every run's results.json, old and new alike. */
static int collect(const struct sweep *sw, struct ns_exp_run *run, struct ns_err *err)
{
    for (size_t p = 0; p < sw->nr_points; p++)
        for (size_t k = 0; k < sw->s.nr_seeds; k++)
            if (read_run(sw, p, k, &run[p * sw->s.nr_seeds + k], err) < 0)
                return -1;
    return 0;
}

/*
 * --html: summary.md as a table, every plot, and a link to every run in
 * point and seed order; made from the tables just written, so the page
 * shows nothing the folder does not hold.
 */
static int write_sweep_html(const struct sweep *sw, const struct ns_sweep_table *t,
                            struct ns_err *err)
{
    char *title = ns_xasprintf("%s %s", sw->o.command, sw->s.file), *text;
    size_t len;
    struct ns_html *h = ns_html_new(title);
    FILE *f = ns_xmemstream(&text, &len);

    ns_sweep_emit_summary(t, f);
    fclose(f);
    ns_html_heading(h, "Summary");
    ns_html_md_table(h, text);
    free(text);
    for (size_t m = 0; ns_sweep_metric_name(m); m++) {
        f = ns_xmemstream(&text, &len);
        ns_sweep_emit_svg(t, m, f);
        fclose(f);
        ns_html_heading(h, ns_sweep_metric_name(m));
        ns_html_svg(h, text);
        free(text);
    }
    ns_html_heading(h, "Runs");
    for (size_t p = 0; p < sw->nr_points; p++) {
        for (size_t k = 0; k < sw->s.nr_seeds; k++) {
            char *dir = run_dir(sw, p, k), *file = ns_path_join(dir, "results.json");
            char *href = ns_html_href(sw->o.html, file);
            char *label = ns_xasprintf("%s seed %llu", sw->point[p].name,
                                    (unsigned long long)sw->s.seed[k]);
            ns_html_link(h, href, label);
            free(label);
            free(href);
            free(file);
            free(dir);
        }
    }
    int rc = ns_html_write(h, sw->o.html, err);
    ns_html_free(h);
    free(title);
    return rc;
}

static int finish_sweep(const struct sweep *sw, struct ns_err *err)
{
    size_t nr_axes = sw->s.nr_axes;
    struct ns_exp_run *run = ns_xcalloc(sw->nr_points * sw->s.nr_seeds, sizeof(*run));
    struct ns_sweep_col *col = ns_xcalloc(nr_axes, sizeof(*col));
    size_t *idx = ns_xcalloc(sw->nr_points * nr_axes, sizeof(size_t));

    for (size_t a = 0; a < nr_axes; a++)
        col[a] = (struct ns_sweep_col){sw->s.axis[a].name, sw->s.axis[a].value,
                                       sw->s.axis[a].nr_values};
    for (size_t p = 0; p < sw->nr_points; p++)
        ns_sweep_point(&sw->s, p, &idx[p * nr_axes]);
    struct ns_sweep_table t = {sw->title, col, nr_axes, idx, sw->nr_points, sw->s.seed,
                               sw->s.nr_seeds, run};
    int rc = collect(sw, run, err);
    if (rc == 0)
        rc = ns_sweep_write(&t, sw->o.out, err);
    if (rc == 0 && sw->o.html)
        rc = write_sweep_html(sw, &t, err);
    if (rc == 0 && !sw->o.quiet) {
        ns_sweep_emit_summary(&t, stdout);
        fflush(stdout);
        fprintf(stderr, "%s: wrote %s/results.csv, summary.md, plot-*.svg and runs/\n",
                sw->title, sw->o.out);
    }
    free(idx);
    free(col);
    free(run);
    return rc;
}

/* ---- relations: the experiment tables ------------------------------------------------- */

/* The cells' runs, in seed order, read back from their results.json files. */
static int collect_cells(const struct sweep *sw, struct ns_exp_table *t, struct ns_err *err)
{
    const struct cells *c = &sw->cells;
    size_t n = ns_exp_nr_cells(&c->axes);

    t->axes = &c->axes;
    t->published = c->has_published ? &c->published : NULL;
    t->cell = ns_xcalloc(n, sizeof(struct ns_exp_cell));
    for (size_t i = 0; i < n; i++) {
        struct ns_exp_cell *cell = &t->cell[i];
        size_t w, v, p;
        ns_exp_cell_axes(&c->axes, i, &w, &v, &p);
        *cell = (struct ns_exp_cell){c->axes.workloads[w], c->axes.policies[p], c->axes.vms[v],
                                     (unsigned)sw->s.nr_seeds, NULL};
        cell->run = ns_xcalloc(sw->s.nr_seeds, sizeof(struct ns_exp_run));
        for (size_t k = 0; k < sw->s.nr_seeds; k++)
            if (read_run(sw, c->point[i], k, &cell->run[k], err) < 0)
                return -1;
    }
    return 0;
}

static void cells_table_free(struct ns_exp_table *t)
{
    for (size_t i = 0; t->cell && i < ns_exp_nr_cells(t->axes); i++)
        free(t->cell[i].run);
    free(t->cell);
}

/* What @emit writes, as a string. */
static char *emitted(void (*emit)(const struct ns_exp_table *, FILE *), const struct ns_exp_table *t)
{
    char *text;
    size_t len;
    FILE *f = ns_xmemstream(&text, &len);

    emit(t, f);
    fclose(f);
    return text;
}

/* --html: the tables, the plot and a link to every run, in one page. */
static int write_html(const struct sweep *sw, const struct ns_exp_table *t, struct ns_err *err)
{
    char *md = emitted(ns_exp_emit_markdown, t), *svg = emitted(ns_exp_emit_svg, t);
    char *title = ns_xasprintf("%s %s", sw->o.command, sw->title);
    struct ns_html *h = ns_html_new(title);

    ns_html_heading(h, "Plot");
    ns_html_svg(h, svg);
    ns_html_heading(h, "Tables");
    ns_html_pre(h, md);
    ns_html_heading(h, "Runs");
    for (size_t i = 0; i < sw->nr_jobs; i++) {
        char *file = ns_path_join(sw->job[i].out, "results.json");
        char *href = ns_html_href(sw->o.html, file);
        ns_html_link(h, href, sw->job[i].name);
        free(href);
        free(file);
    }
    int rc = ns_html_write(h, sw->o.html, err);
    ns_html_free(h);
    free(title);
    free(md);
    free(svg);
    return rc;
}

static int finish_relations(const struct sweep *sw, struct ns_err *err)
{
    struct ns_exp_table t = {0};
    int rc = collect_cells(sw, &t, err);

    if (rc == 0)
        rc = ns_exp_write(&t, sw->o.out, err);
    if (rc == 0 && sw->o.html)
        rc = write_html(sw, &t, err);
    if (rc == 0 && !sw->o.quiet) {
        ns_exp_emit_markdown(&t, stdout);
        fflush(stdout);
        fprintf(stderr, "%s: wrote %s/results.csv, mechanisms.csv, table.md, plot.svg%s and "
                "runs/\n", sw->title, sw->o.out, t.published ? ", compare.csv" : "");
    }
    cells_table_free(&t);
    return rc;
}

static int finish(void *arg, struct ns_err *err)
{
    const struct sweep *sw = arg;
    return sw->s.relations ? finish_relations(sw, err) : finish_sweep(sw, err);
}

/* ---- the whole sweep --------------------------------------------------------------------- */

/* "numa.cfg" -> "numa": the title, and the folder unless --out says otherwise. */
static char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/'), *b = slash ? slash + 1 : path;
    size_t n = strlen(b);

    if (n > 4 && strcmp(b + n - 4, ".cfg") == 0)
        n -= 4;
    return ns_xasprintf("%.*s", (int)n, b);
}

static void sweep_free(struct sweep *sw)
{
    for (size_t p = 0; sw->point && p < sw->nr_points; p++) {
        free(sw->point[p].label);
        free(sw->point[p].name);
        free(sw->point[p].scenario);
        free(sw->point[p].dir);
        free(sw->point[p].text);
    }
    free(sw->point);
    for (size_t i = 0; i < sw->nr_jobs; i++) {
        free(sw->job[i].name);
        free(sw->job[i].out);
    }
    free(sw->job);
    free(sw->title);
    free(sw->cells.vms);
    free(sw->cells.point);
    ns_exp_published_free(&sw->cells.published);
    ns_sweep_free(&sw->s);
}

/* --seeds N: seeds 1..N instead of the file's. */
static void set_seeds(struct ns_sweep *s, unsigned n)
{
    free(s->seed);
    s->nr_seeds = n;
    s->seed = ns_xcalloc(n, sizeof(uint64_t));
    for (size_t i = 0; i < n; i++)
        s->seed[i] = i + 1;
}

static int prepare(struct sweep *sw, struct ns_err *err)
{
    if (check_points(sw, err) < 0)
        return -1;
    if (sw->s.relations) {
        make_cells(sw);
        if (load_published(sw, err) < 0)
            return -1;
    }
    if (check_outputs(sw, err) < 0)
        return -1;
    make_jobs(sw);
    return write_point_files(sw, err);
}

int ns_sweep_run(const char *path, const struct ns_sweep_opts *opts,
                 const struct ns_runner *runner, struct ns_err *err)
{
    struct sweep sw = {.o = *opts};

    if (ns_sweep_load(path, &sw.s, err) < 0)
        return -1;
    sw.title = base_name(path);
    if (!sw.o.out)
        sw.o.out = sw.title;
    if (!sw.o.command)
        sw.o.command = "numasched sweep";
    if (sw.o.seeds)
        set_seeds(&sw.s, sw.o.seeds);
    if (sw.o.jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        sw.o.jobs = n > 0 ? (unsigned)n : 1;
    }
    int rc = prepare(&sw, err);
    if (rc == 0) {
        struct ns_batch b = {sw.o.command, sw.title, sw.nr_jobs, sw.o.jobs, sw.o.quiet, &sw,
                             job_name, job_source, job_weight, run_job, job_complete, begin,
                             finish};
        rc = runner->run(&b, err);
    }
    sweep_free(&sw);
    return rc;
}
