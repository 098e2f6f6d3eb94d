/*
 * numasched experiment NAME: a whole experiment in one command, run by the
 * runner part over local worker processes (src/runner/experiment.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

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
    "  DIR/runs/CELL/seed-K/results.json   every run\n\n"
    "experiments:\n";

static const char experiment_options[] =
    "\noptions:\n"
    "  --out DIR           where to write (default: NAME)\n"
    "  --seeds N           runs per scenario, seeds 1..N (default 5)\n"
    "  --duration SECONDS  measured time of every run, e.g. 30 or 500ms\n"
    "                      (default: each scenario's `duration`)\n"
    "  --warmup SECONDS    warm-up of every run (default: each scenario's `warmup`)\n"
    "  --jobs J            worker processes (default: the number of CPUs)\n"
    "  --scenarios DIR     the scenario folder (default: examples/NAME of the\n"
    "                      source tree)\n"
    "  --set KEY=VALUE     a model parameter for every run (docs/model.md names\n"
    "                      them: remote_ratio=1.5, create_gap=0, dom0_memory=striped)\n"
    "  --vary KEY[=LO,HI]  then rerun with KEY at each end of its documented range\n"
    "                      (or LO and HI) into DIR/vary/KEY=VALUE, and write\n"
    "                      DIR/sensitivity.csv and sensitivity.md: which relations\n"
    "                      keep their direction over the range (repeatable)\n"
    "  --html FILE         also write the plot, the tables and a link to every run\n"
    "                      as one self-contained HTML page\n"
    "  --quiet             no progress line, no table on stdout\n"
    "  --help              this text\n";

static void help(FILE *out)
{
    fputs(experiment_help, out);
    ns_experiment_list(out);
    fputs(experiment_options, out);
}

/* The options, and the parameters --set and --vary collect. */
struct exp_args {
    struct ns_experiment_opts o;
    struct ns_param_value *set;
    size_t nr_set;
    struct ns_experiment_vary *vary;
    size_t nr_vary;
};

/* A value is checked by setting it in a scratch spec: the same code as the runs. */
static int check_param(const char *name, const char *value, struct ns_err *err)
{
    struct ns_sim_spec scratch = {0};
    return ns_config_param_set(&scratch, name, value, err);
}

/* KEY=VALUE, split in a copy that the parameter keeps. */
static int add_set(struct exp_args *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    struct ns_err err;

    if (!eq || eq == arg)
        return cli_misuse("experiment", "--set %s: want KEY=VALUE", arg);
    char *name = ns_xstrdup(arg);
    name[eq - arg] = '\0';
    if (check_param(name, name + (eq - arg) + 1, &err) < 0) {
        free(name);
        return cli_misuse("experiment", "--set: %s", err.msg);
    }
    a->set = ns_xrealloc(a->set, (a->nr_set + 1) * sizeof(*a->set));
    a->set[a->nr_set++] = (struct ns_param_value){name, name + (eq - arg) + 1};
    return CLI_OK;
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

static int add_vary(struct exp_args *a, const char *arg)
{
    struct ns_experiment_vary v;
    struct ns_err err;

    if (parse_vary(arg, &v, &err) < 0 || check_param(v.name, v.lo, &err) < 0 ||
        check_param(v.name, v.hi, &err) < 0) {
        free((char *)v.name);
        return cli_misuse("experiment", "--vary: %s", err.msg);
    }
    a->vary = ns_xrealloc(a->vary, (a->nr_vary + 1) * sizeof(*a->vary));
    a->vary[a->nr_vary++] = v;
    return CLI_OK;
}

static void args_free(struct exp_args *a)
{
    for (size_t i = 0; i < a->nr_set; i++)
        free((char *)a->set[i].name);
    for (size_t i = 0; i < a->nr_vary; i++)
        free((char *)a->vary[i].name);
    free(a->set);
    free(a->vary);
}

static int option(void *ctx, int c, const char *val)
{
    struct exp_args *a = ctx;
    struct ns_experiment_opts *o = &a->o;
    const char *cmd = "experiment";

    switch (c) {
    case 'P': return add_set(a, val);
    case 'V': return add_vary(a, val);
    case 'o': o->out = val; return CLI_OK;
    case 'S': o->scenarios = val; return CLI_OK;
    case 'H': o->html = val; return CLI_OK;
    case 'q': o->quiet = true; return CLI_OK;
    case 's': return cli_opt_count(cmd, "--seeds", val, 1, 1000, &o->seeds);
    case 'j': return cli_opt_count(cmd, "--jobs", val, 1, 1024, &o->jobs);
    case 'd':
        o->has_duration = true;
        return cli_opt_duration(cmd, "--duration", val, false, &o->duration);
    default:                    /* 'w' */
        o->has_warmup = true;
        return cli_opt_duration(cmd, "--warmup", val, true, &o->warmup);
    }
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
    struct exp_args a = {.o = {.seeds = 5}};
    const struct ns_exp_axes *x = NULL;
    const char *name;
    struct ns_err err;

    int rc = cli_parse(&args, argc, argv, &a, &name);
    if (rc == CLI_OK && !(x = ns_experiment_find(name)))
        rc = cli_misuse("experiment", "no experiment named \"%s\"", name);
    if (rc == CLI_OK && a.nr_vary && !x->published)
        rc = cli_misuse("experiment", "--vary compares with published measurements, and "
                        "%s has none", name);
    if (rc != CLI_OK) {
        args_free(&a);
        return rc == CLI_HELP ? CLI_OK : rc;
    }
    a.o.params = a.set;
    a.o.nr_params = a.nr_set;
    rc = ns_experiment_run(x, &a.o, &ns_runner_local, &err);
    if (rc == 0 && a.nr_vary)
        rc = ns_experiment_vary(x, &a.o, a.vary, a.nr_vary, &ns_runner_local, &err);
    args_free(&a);
    if (rc > 0) {
        fprintf(stderr, "numasched experiment: stopped by signal %d (%s); no tables written\n",
                rc, strsignal(rc));
        return 128 + rc;
    }
    if (rc < 0) {
        fprintf(stderr, "numasched experiment: %s\n", err.msg);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}
