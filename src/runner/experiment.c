/*
 * Experiments: a whole experiment in one call. Every cell (workload x VM
 * count x policy) is a plain scenario file under examples/NAME/ that
 * `numasched run` also accepts; each runs once per seed, as one job of a
 * batch, and the results come back as files:
 *
 *   DIR/runs/CELL/seed-K/results.json (+ .csv)   every run, as `run --out` writes it
 *   DIR/results.csv, mechanisms.csv, table.md, plot.svg   the experiment
 *   DIR/compare.csv     against the published measurements, when the
 *                       scenario folder has them (report/compare.c)
 *
 * The tables are computed from the results.json files on disk, so every number
 * in them can be traced to a run, and a runner that puts jobs on other
 * machines needs nothing back but those files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/runner.h"
#include "runner/internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * An experiment names its axes; the scenarios themselves are files, found as
 * DIR/WORKLOAD-VMS-POLICY.cfg. Nothing about a scenario is made up here.
 */
static const char *const numa2013_workloads[] = {"specjbb", "sysbench-memory", "lmbench-proc"};
static const unsigned numa2013_vms[] = {2, 6, 10};
static const char *const numa2013_policies[] = {"none", "pin", "numa"};

static const struct ns_exp_axes experiments[] = {
    {"numa2013", "no affinity vs pinning vs NUMA-aware credit (Xen 4.3), 2-node Westmere-EP",
     numa2013_workloads, COUNT(numa2013_workloads), numa2013_vms, COUNT(numa2013_vms),
     numa2013_policies, COUNT(numa2013_policies), "numa", "published.csv"},
    {"numa-credit2", "the same cells under credit2 (Xen 4.22): no affinity vs pinning vs soft",
     numa2013_workloads, COUNT(numa2013_workloads), numa2013_vms, COUNT(numa2013_vms),
     numa2013_policies, COUNT(numa2013_policies), "numa", NULL},
};

const struct ns_exp_axes *ns_experiment_find(const char *name)
{
    for (size_t i = 0; i < COUNT(experiments); i++)
        if (strcmp(name, experiments[i].name) == 0)
            return &experiments[i];
    return NULL;
}

void ns_experiment_list(FILE *out)
{
    for (size_t i = 0; i < COUNT(experiments); i++)
        fprintf(out, "  %-13s %s\n", experiments[i].name, experiments[i].summary);
}

/* One run: a cell's scenario with one seed. */
struct job {
    size_t cell;
    unsigned seed;
    char *name;                 /* "specjbb-6-pin seed 3", for messages */
    char *out;                  /* DIR/runs/specjbb-6-pin/seed-3 */
};

struct exp {
    const struct ns_exp_axes *x;
    const struct ns_experiment_opts *o;
    char **scenario;            /* [cell] */
    char **label;               /* [cell]: "specjbb-6-pin" */
    struct ns_exp_published published;
    bool has_published;
    struct job *job;
    size_t nr_jobs;
};

/* ---- the scenarios ---------------------------------------------------------------------- */

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * examples/NAME from the current folder (the source tree), else from the
 * folders above the binary (build/numasched, build/asan/numasched), so the
 * command works from anywhere in a checkout, else where `make install` puts
 * the examples (PREFIX/share/numasched/examples beside PREFIX/bin).
 */
static char *installed_examples(const char *bin_dir, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "../share/numasched/examples/%s", name);
    return ns_path_join(bin_dir, rel);
}

static char *find_scenarios(const struct exp *ex)
{
    char rel[256], exe[4096];

    if (ex->o->scenarios)
        return ns_xstrdup(ex->o->scenarios);
    snprintf(rel, sizeof(rel), "examples/%s", ex->x->name);
    if (is_dir(rel))
        return ns_xstrdup(rel);

    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = ns_path_dir(exe), *installed = installed_examples(dir, ex->x->name);
        if (is_dir(installed)) {
            free(dir);
            return installed;
        }
        free(installed);
        for (int up = 0; up < 3; up++) {
            char *cand = ns_path_join(dir, rel), *parent = ns_path_dir(dir);
            if (is_dir(cand)) {
                free(dir);
                free(parent);
                return cand;
            }
            free(cand);
            free(dir);
            dir = parent;
        }
        free(dir);
    }
    return ns_xstrdup(rel);
}

/* The spec of a run, as the options ask: the same for the check and the run. */
static int load(const struct ns_experiment_opts *o, const char *path, const unsigned *seed,
                struct ns_sim_spec *spec, struct ns_err *err)
{
    struct ns_overrides ov = {.has_seed = seed != NULL, .seed = seed ? *seed : 0,
                              .has_duration = o->has_duration, .duration = o->duration,
                              .params = o->params, .nr_params = o->nr_params};

    /* Create the domains as xl would: libxl placement, then Xen's allocator. */
    if (ns_config_create(path, &ov, spec, NULL, err) < 0)
        return -1;
    if (o->has_warmup)
        spec->warmup = o->warmup;
    return 0;
}

/*
 * Load a cell's scenario once before any run: a typo fails the command in a
 * second instead of after an hour, and a file that no longer matches its cell
 * (another VM count, another workload) is caught before it skews a table.
 */
static int check_scenario(const struct exp *ex, const char *path, const char *workload,
                          unsigned vms, struct ns_err *err)
{
    struct ns_sim_spec spec = {0};
    int rc = 0;

    if (access(path, R_OK) != 0)
        return ns_err_set(err, path, 0, NULL, "cannot read: %s (give the scenario folder "
                          "with --scenarios DIR)", strerror(errno));
    /* Placement too: a host too small for the cell's VMs fails here. */
    if (load(ex->o, path, NULL, &spec, err) < 0)
        return -1;
    size_t guests = spec.nr_dom - (spec.has_dom0 ? 1 : 0);
    if (guests != vms)
        rc = ns_err_set(err, path, 0, "domains", "%zu guest domains, but this cell has %u VMs",
                        guests, vms);
    for (size_t i = spec.has_dom0; i < spec.nr_dom && !rc; i++) {
        const char *w = ns_workload_spec_name(spec.dom[i].workload);
        if (strcmp(w, workload) != 0)
            rc = ns_err_set(err, spec.dom[i].file, 0, "workload", "\"%s\", but this cell "
                            "runs %s", w, workload);
    }
    ns_sim_spec_free(&spec);
    return rc;
}

static int load_cells(struct exp *ex, const char *dir, struct ns_err *err)
{
    const struct ns_exp_axes *x = ex->x;
    size_t n = ns_exp_nr_cells(x);

    ex->scenario = ns_xcalloc(n, sizeof(char *));
    ex->label = ns_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        size_t w, v, p;
        char label[128], file[160];
        ns_exp_cell_axes(x, i, &w, &v, &p);
        snprintf(label, sizeof(label), "%s-%u-%s", x->workloads[w], x->vms[v], x->policies[p]);
        snprintf(file, sizeof(file), "%s.cfg", label);
        ex->label[i] = ns_xstrdup(label);
        ex->scenario[i] = ns_path_join(dir, file);
        if (check_scenario(ex, ex->scenario[i], x->workloads[w], x->vms[v], err) < 0) {
            struct ns_err inner = *err;
            return ns_err_set(err, NULL, 0, NULL, "scenario %s: %s", label, inner.msg);
        }
    }
    return 0;
}

/*
 * The published measurements, read and checked against the axes before any
 * run. A folder without the file (an edited copy, another host) simply gets
 * no comparison; a file that is there but wrong fails the command.
 */
static int load_published(struct exp *ex, const char *dir, struct ns_err *err)
{
    const struct ns_exp_axes *x = ex->x;

    if (!x->published)
        return 0;
    char *path = ns_path_join(dir, x->published);
    int rc = 0;
    if (access(path, F_OK) == 0) {
        rc = ns_exp_published_read(path, &ex->published, err);
        if (rc == 0)
            rc = ns_exp_published_covers(&ex->published, path, x->workloads, x->nr_workloads,
                                         x->vms, x->nr_vms, x->policies, x->nr_policies, err);
        ex->has_published = rc == 0;
    }
    free(path);
    return rc;
}

/* ---- the jobs -------------------------------------------------------------------------- */

static unsigned cell_weight(const struct exp *ex, size_t cell)
{
    size_t w, v, p;
    ns_exp_cell_axes(ex->x, cell, &w, &v, &p);
    return ex->x->vms[v];
}

/* Largest first: the big scenarios start early and the small ones fill the
 * gaps at the end, so the workers finish together. Stable by cell and seed. */
static int by_weight(const void *a, const void *b, void *arg)
{
    const struct job *x = a, *y = b;
    unsigned wx = cell_weight(arg, x->cell), wy = cell_weight(arg, y->cell);

    if (wx != wy)
        return wx > wy ? -1 : 1;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return x->seed < y->seed ? -1 : x->seed > y->seed;
}

static void make_jobs(struct exp *ex)
{
    const struct ns_experiment_opts *o = ex->o;

    ex->nr_jobs = ns_exp_nr_cells(ex->x) * o->seeds;
    ex->job = ns_xcalloc(ex->nr_jobs, sizeof(struct job));
    for (size_t i = 0; i < ex->nr_jobs; i++) {
        struct job *j = &ex->job[i];
        char buf[512];
        j->cell = i / o->seeds;
        j->seed = (unsigned)(i % o->seeds) + 1;
        snprintf(buf, sizeof(buf), "%s seed %u", ex->label[j->cell], j->seed);
        j->name = ns_xstrdup(buf);
        snprintf(buf, sizeof(buf), "%s/runs/%s/seed-%u", o->out, ex->label[j->cell], j->seed);
        j->out = ns_xstrdup(buf);
    }
    qsort_r(ex->job, ex->nr_jobs, sizeof(struct job), by_weight, ex);
}

static const char *job_name(void *arg, size_t i)
{
    const struct exp *ex = arg;
    return ex->job[i].name;
}

static const char *job_source(void *arg, size_t i)
{
    const struct exp *ex = arg;
    return ex->scenario[ex->job[i].cell];
}

static unsigned job_weight(void *arg, size_t i)
{
    const struct exp *ex = arg;
    return cell_weight(ex, ex->job[i].cell);
}

/* One run, as `numasched run SCENARIO --seed K --out DIR` does it: load,
 * place (libxl), build, run, write. */
static int run_job(void *arg, size_t i, struct ns_err *err)
{
    const struct exp *ex = arg;
    const struct job *j = &ex->job[i];
    struct ns_sim_spec spec = {0};

    int rc = load(ex->o, ex->scenario[j->cell], &j->seed, &spec, err);
    if (rc == 0)
        rc = runner_simulate(&spec, j->out, err);
    ns_sim_spec_free(&spec);
    return rc;
}

/* ---- the results ----------------------------------------------------------------------- */

/* The table, read back from the runs' results.json files. */
static int collect(const struct exp *ex, struct ns_exp_table *t, struct ns_err *err)
{
    const struct ns_exp_axes *x = ex->x;
    unsigned seeds = ex->o->seeds;

    t->axes = x;
    t->published = ex->has_published ? &ex->published : NULL;
    t->cell = ns_xcalloc(ns_exp_nr_cells(x), sizeof(struct ns_exp_cell));
    for (size_t i = 0; i < ns_exp_nr_cells(x); i++) {
        struct ns_exp_cell *c = &t->cell[i];
        size_t w, v, p;
        ns_exp_cell_axes(x, i, &w, &v, &p);
        *c = (struct ns_exp_cell){x->workloads[w], x->policies[p], x->vms[v], seeds, NULL};
        c->run = ns_xcalloc(seeds, sizeof(struct ns_exp_run));
        for (unsigned k = 0; k < seeds; k++) {
            char path[600];
            snprintf(path, sizeof(path), "%s/runs/%s/seed-%u/results.json", ex->o->out,
                     ex->label[i], k + 1);
            if (ns_exp_read_run(path, &c->run[k], err) < 0)
                return -1;
        }
    }
    return 0;
}

static void table_free(struct ns_exp_table *t)
{
    for (size_t i = 0; t->cell && i < ns_exp_nr_cells(t->axes); i++)
        free(t->cell[i].run);
    free(t->cell);
}

/* What @emit writes, as a string. */
static char *emitted(void (*emit)(const struct ns_exp_table *, FILE *), const struct ns_exp_table *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        abort();
    emit(t, f);
    fclose(f);
    return text;
}

/* --html: the tables, the plot and a link to every run, in one page. */
static int write_html(const struct exp *ex, const struct ns_exp_table *t, struct ns_err *err)
{
    char *md = emitted(ns_exp_emit_markdown, t), *svg = emitted(ns_exp_emit_svg, t);
    char title[256];

    snprintf(title, sizeof(title), "numasched experiment %s", ex->x->name);
    struct ns_html *h = ns_html_new(title);
    ns_html_heading(h, "Plot");
    ns_html_svg(h, svg);
    ns_html_heading(h, "Tables");
    ns_html_pre(h, md);
    ns_html_heading(h, "Runs");
    for (size_t i = 0; i < ex->nr_jobs; i++) {
        char *file = ns_path_join(ex->job[i].out, "results.json");
        char *href = ns_html_href(ex->o->html, file);
        ns_html_link(h, href, ex->job[i].name);
        free(href);
        free(file);
    }
    int rc = ns_html_write(h, ex->o->html, err);
    ns_html_free(h);
    free(md);
    free(svg);
    return rc;
}

static int finish(void *arg, struct ns_err *err)
{
    const struct exp *ex = arg;
    struct ns_exp_table t = {0};
    int rc = collect(ex, &t, err);

    if (rc == 0)
        rc = ns_exp_write(&t, ex->o->out, err);
    if (rc == 0 && ex->o->html)
        rc = write_html(ex, &t, err);
    if (rc == 0 && !ex->o->quiet) {
        ns_exp_emit_markdown(&t, stdout);
        fflush(stdout);
        fprintf(stderr, "%s: wrote %s/results.csv, mechanisms.csv, table.md, plot.svg%s and "
                "runs/\n", ex->x->name, ex->o->out, t.published ? ", compare.csv" : "");
    }
    table_free(&t);
    return rc;
}

/*
 * Old tables go before the first run: after an interrupted or failed run the
 * folder holds no results.csv that the runs next to it do not support.
 */
static void remove_old_outputs(const char *dir)
{
    for (const char *const *n = ns_exp_output_names(); *n; n++) {
        char *p = ns_path_join(dir, *n);
        unlink(p);
        free(p);
    }
}

static void begin(void *arg)
{
    const struct exp *ex = arg;
    const struct ns_experiment_opts *o = ex->o;

    remove_old_outputs(o->out);
    if (!o->quiet)
        fprintf(stderr, "%s: %zu scenarios x %u seeds = %zu runs on %u workers, into %s\n",
                ex->x->name, ns_exp_nr_cells(ex->x), o->seeds, ex->nr_jobs, o->jobs, o->out);
}

static void exp_free(struct exp *ex)
{
    size_t n = ns_exp_nr_cells(ex->x);

    for (size_t i = 0; i < n; i++) {
        if (ex->scenario)
            free(ex->scenario[i]);
        if (ex->label)
            free(ex->label[i]);
    }
    free(ex->scenario);
    free(ex->label);
    ns_exp_published_free(&ex->published);
    for (size_t i = 0; i < ex->nr_jobs; i++) {
        free(ex->job[i].name);
        free(ex->job[i].out);
    }
    free(ex->job);
}

int ns_experiment_run(const struct ns_exp_axes *x, const struct ns_experiment_opts *opts,
                      const struct ns_runner *runner, struct ns_err *err)
{
    struct ns_experiment_opts o = *opts;
    struct exp ex = {.x = x, .o = &o};

    if (!o.out)
        o.out = x->name;
    if (o.jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.jobs = n > 0 ? (unsigned)n : 1;
    }
    char *dir = find_scenarios(&ex);
    int rc = load_cells(&ex, dir, err);
    if (rc == 0)
        rc = load_published(&ex, dir, err);
    free(dir);
    if (rc == 0) {
        make_jobs(&ex);
        struct ns_batch b = {"numasched experiment", x->name, ex.nr_jobs, o.jobs, o.quiet, &ex,
                             job_name, job_source, job_weight, run_job, NULL, begin, finish};
        rc = runner->run(&b, err);
    }
    exp_free(&ex);
    return rc;
}
