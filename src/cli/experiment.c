/*
 * numasched experiment NAME: a short name for `numasched sweep
 * examples/NAME/NAME.cfg`, a sweep file whose `relations` make it write the
 * experiment tables (src/runner/sweep.c), plus what only experiments have:
 * --set, --vary, --html, and a default of 5 seeds. Every experiment is
 * such a file; none is described in code.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "numasched/config.h"
#include "numasched/runner.h"

static const char experiment_help[] =
    "usage: numasched experiment NAME [OPTIONS]\n\n"
    "Run every scenario of experiment NAME with several seeds, over worker\n"
    "processes, and write:\n"
    "  DIR/results.csv     workload,vms,policy,metric,unit,better,mean,ci95,runs\n"
    "  DIR/mechanisms.csv  locality, waiting, migrations, wake-ups per cell\n"
    "  DIR/table.md        the means with 95% confidence intervals and the\n"
    "                      relative differences, per workload\n"
    "  DIR/plot.svg        one panel per workload, error bars at 95%\n"
    "  DIR/compare.csv     against the published measurements (when the\n"
    "                      scenario folder has them): relations and ratios\n"
    "  DIR/runs/CELL/seed-K/results.json   every run\n"
    "An experiment NAME is the sweep file examples/NAME/NAME.cfg (docs/sweeps.md,\n"
    "docs/experiments.md); runs complete from an earlier command are kept.\n\n"
    "experiments:\n";

static const char experiment_options[] =
    "\noptions:\n"
    "  --out DIR           where to write (default: NAME)\n"
    "  --seeds N           runs per scenario, seeds 1..N (default: the file's, 5)\n"
    "  --duration SECONDS  measured time of every run, e.g. 30 or 500ms\n"
    "                      (default: each scenario's `duration`)\n"
    "  --warmup SECONDS    warm-up of every run (default: each scenario's `warmup`)\n"
    "  --jobs J            worker processes (default: the number of CPUs)\n"
    "  --scenarios DIR     the experiment's folder: DIR/NAME.cfg, its scenarios\n"
    "                      and measurements (default: examples/NAME)\n"
    "  --set KEY=VALUE     a model parameter for every run (docs/model.md names\n"
    "                      them: remote_ratio=1.5, create_gap=0, dom0_memory=striped,\n"
    "                      lmbench-proc.mem_stall=0.2 for every guest of a workload)\n"
    "  --vary KEY[=LO,HI]  then rerun with KEY at each end of its documented range\n"
    "                      (or LO and HI) into DIR/vary/KEY=VALUE, and write\n"
    "                      DIR/sensitivity.csv and sensitivity.md: which relations\n"
    "                      keep their direction over the range (repeatable)\n"
    "  --html FILE         also write the plot, the tables and a link to every run\n"
    "                      as one self-contained HTML page\n"
    "  --quiet             no progress line, no table on stdout\n"
    "  --help              this text\n";

static bool exists_as(const char *path, bool dir)
{
    struct stat st;
    return stat(path, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/*
 * @rel ("examples/numa2013/numa2013.cfg") from the current folder (the
 * source tree), else where `make install` puts the examples
 * (PREFIX/share/numasched beside PREFIX/bin), else from the folders above
 * the binary (build/numasched, build/asan/numasched), so the command works
 * from anywhere in a checkout. NULL: nowhere.
 */
static char *locate(const char *rel, bool dir)
{
    char exe[4096];

    if (exists_as(rel, dir))
        return ns_xstrdup(rel);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *d = ns_path_dir(exe), *share = ns_path_join(d, "../share/numasched");
    char *found = ns_path_join(share, rel);
    if (!exists_as(found, dir)) {
        free(found);
        found = NULL;
    }
    for (int up = 0; up < 3 && !found; up++) {
        char *cand = ns_path_join(d, rel), *parent = ns_path_dir(d);
        if (exists_as(cand, dir))
            found = cand;
        else
            free(cand);
        free(d);
        d = parent;
    }
    free(d);
    free(share);
    return found;
}

/* NAME's sweep file: DIR/NAME.cfg with --scenarios DIR, else the examples'. */
static char *experiment_file(const char *name, const char *folder)
{
    char rel[512];

    if (folder) {
        char *path = ns_path_join(folder, name);
        char *file = ns_xrealloc(path, strlen(path) + 5);
        strcat(file, ".cfg");
        return file;
    }
    snprintf(rel, sizeof(rel), "examples/%s/%s.cfg", name, name);
    return locate(rel, false);
}

/* An example folder D with a sweep file D/D.cfg that has relations is an experiment. */
static void list_one(const char *examples, const char *name, FILE *out)
{
    char rel[600];
    struct ns_sweep s;
    struct ns_err err;

    snprintf(rel, sizeof(rel), "%s/%s.cfg", name, name);
    char *path = ns_path_join(examples, rel);
    if (!exists_as(path, false)) {
        free(path);
        return;
    }
    if (ns_sweep_load(path, &s, &err) < 0) {
        fprintf(out, "  %-13s (unreadable: %s)\n", name, err.msg);
    } else {
        if (s.relations)
            fprintf(out, "  %-13s %s\n", name, s.summary ? s.summary : "");
        ns_sweep_free(&s);
    }
    free(path);
}

static void list_experiments(FILE *out)
{
    char *examples = locate("examples", true);
    struct dirent **entry;
    int n = examples ? scandir(examples, &entry, NULL, alphasort) : -1;

    for (int i = 0; i < n; i++) {
        if (entry[i]->d_name[0] != '.')
            list_one(examples, entry[i]->d_name, out);
        free(entry[i]);
    }
    if (n >= 0)
        free(entry);
    else
        fputs("  (no examples folder found)\n", out);
    free(examples);
}

static void help(FILE *out)
{
    fputs(experiment_help, out);
    list_experiments(out);
    fputs(experiment_options, out);
}

/* The options, and the parameters --set and --vary collect. */
struct exp_args {
    struct cli_sweep_args s;    /* the options it shares with sweep */
    const char *folder;         /* --scenarios */
    struct ns_experiment_vary *vary;
    size_t nr_vary;
};

/* A value is checked by setting it in a scratch spec: the same code as the runs. */
static int check_param(const char *name, const char *value, struct ns_err *err)
{
    struct ns_sim_spec scratch = {0};
    return ns_config_param_set(&scratch, name, value, err);
}

/* KEY (its documented range) or KEY=LO,HI. */
static int parse_vary(const char *arg, struct ns_experiment_vary *v, struct ns_err *err)
{
    char *name = ns_xstrdup(arg), *eq = strchr(name, '='), buf[64];
    double lo, hi;

    *v = (struct ns_experiment_vary){name, NULL, NULL};
    if (eq) {
        char *comma = strchr(eq + 1, ',');
        *eq = '\0';
        if (!comma)
            return ns_err_set(err, NULL, 0, NULL, "%s: want KEY or KEY=LO,HI", arg);
        *comma = '\0';
        v->lo = eq + 1;
        v->hi = comma + 1;
        return 0;
    }
    if (ns_config_param_range(name, &lo, &hi, err) < 0)
        return -1;
    size_t n = strlen(name) + 1;
    name = ns_xrealloc(name, n + 2 * sizeof(buf));
    v->name = name;
    snprintf(buf, sizeof(buf), "%.4g", lo);
    v->lo = strcpy(name + n, buf);
    snprintf(buf, sizeof(buf), "%.4g", hi);
    v->hi = strcpy(name + n + strlen(v->lo) + 1, buf);
    return 0;
}

/* The table says lo / default / hi: a reversed range would mislabel its columns. */
static int check_order(const struct ns_experiment_vary *v, struct ns_err *err)
{
    if (strtod(v->lo, NULL) > strtod(v->hi, NULL))
        return ns_err_set(err, NULL, 0, NULL, "%s=%s,%s: LO is above HI", v->name, v->lo,
                          v->hi);
    return 0;
}

static int add_vary(struct exp_args *a, const char *arg)
{
    struct ns_experiment_vary v;
    struct ns_err err;

    if (parse_vary(arg, &v, &err) < 0 || check_param(v.name, v.lo, &err) < 0 ||
        check_param(v.name, v.hi, &err) < 0 || check_order(&v, &err) < 0) {
        free((char *)v.name);
        return cli_misuse("experiment", "--vary: %s", err.msg);
    }
    a->vary = ns_xrealloc(a->vary, (a->nr_vary + 1) * sizeof(*a->vary));
    a->vary[a->nr_vary++] = v;
    return CLI_OK;
}

static void args_free(struct exp_args *a)
{
    for (size_t i = 0; i < a->nr_vary; i++)
        free((char *)a->vary[i].name);
    cli_set_free(a->s.set, a->s.nr_set);
    free(a->vary);
}

static int option(void *ctx, int c, const char *val)
{
    struct exp_args *a = ctx;

    switch (c) {
    case 'V': return add_vary(a, val);
    case 'S': a->folder = val; return CLI_OK;
    case 's': return cli_opt_count("experiment", "--seeds", val, 1, 1000, &a->s.o.seeds);
    default: return cli_sweep_option("experiment", &a->s, c, val);
    }
}

/*
 * A key varied twice would run its reruns twice and list it twice; a key
 * also given by --set would have its base run at the --set value while the
 * table calls that column the default.
 */
static int check_vary_keys(const struct exp_args *a)
{
    for (size_t i = 0; i < a->nr_vary; i++) {
        const char *k = a->vary[i].name;
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->vary[j].name, k) == 0)
                return cli_misuse("experiment", "--vary %s: given twice", k);
        for (size_t j = 0; j < a->s.nr_set; j++)
            if (strcmp(a->s.set[j].name, k) == 0)
                return cli_misuse("experiment", "--vary %s: also given by --set, which "
                                  "would move the default the reruns are compared with", k);
    }
    return CLI_OK;
}

/* --vary compares relations with published ones: the file must have some. */
static int check_vary(const struct exp_args *a, const char *name, const char *file)
{
    struct ns_sweep s;
    struct ns_err err;

    if (!a->nr_vary)
        return CLI_OK;
    int rc = check_vary_keys(a);
    if (rc != CLI_OK)
        return rc;
    if (ns_sweep_load(file, &s, &err) < 0)
        return cli_fail(&err);
    bool published = s.published != NULL;
    ns_sweep_free(&s);
    if (!published)
        return cli_misuse("experiment", "--vary compares with published measurements, and "
                          "%s has none", name);
    return CLI_OK;
}

static int experiment(struct exp_args *a, const char *name)
{
    char *file = experiment_file(name, a->folder);
    struct ns_err err;

    int rc = file ? check_vary(a, name, file) :
             cli_misuse("experiment", "no experiment named \"%s\"", name);
    if (rc != CLI_OK) {
        free(file);
        return rc;
    }
    struct ns_sweep_opts *o = &a->s.o;
    o->params = a->s.set;
    o->nr_params = a->s.nr_set;
    if (!o->out)
        o->out = name;
    rc = ns_sweep_run(file, o, &CLI_RUNNER, &err);
    if (rc == 0 && a->nr_vary)
        rc = ns_experiment_vary(file, o, a->vary, a->nr_vary, &CLI_RUNNER, &err);
    free(file);
    return cli_batch_status("experiment", rc, &err,
                            "no tables written, complete runs are kept");
}

int cli_experiment(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"seeds", required_argument, NULL, 's'},
        {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},
        {"jobs", required_argument, NULL, 'j'},
        {"scenarios", required_argument, NULL, 'S'},
        {"set", required_argument, NULL, 'P'},
        {"vary", required_argument, NULL, 'V'},
        {"html", required_argument, NULL, 'H'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"experiment", opts, option, help,
                                         "an experiment NAME (numa2013)"};
    struct exp_args a = {.s.o.command = "numasched experiment"};
    const char *name;

    int rc = cli_parse(&args, argc, argv, &a, &name);
    if (rc == CLI_OK)
        rc = experiment(&a, name);
    args_free(&a);
    return rc == CLI_HELP ? CLI_OK : rc;
}
