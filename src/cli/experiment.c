/*
 * numasched experiment NAME: a whole experiment in one command, run by the
 * runner part over local worker processes (src/runner/experiment.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "cli.h"
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
    "  --quiet             no progress line, no table on stdout\n"
    "  --help              this text\n";

static void help(FILE *out)
{
    fputs(experiment_help, out);
    ns_experiment_list(out);
    fputs(experiment_options, out);
}

static int option(void *ctx, int c, const char *val)
{
    struct ns_experiment_opts *o = ctx;
    const char *cmd = "experiment";

    switch (c) {
    case 'o': o->out = val; return CLI_OK;
    case 'S': o->scenarios = val; return CLI_OK;
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
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"experiment", opts, option, help,
                                         "an experiment NAME (numa2013)"};
    struct ns_experiment_opts o = {.seeds = 5};
    const struct ns_exp_axes *x;
    const char *name;
    struct ns_err err;

    int rc = cli_parse(&args, argc, argv, &o, &name);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (!(x = ns_experiment_find(name)))
        return cli_misuse("experiment", "no experiment named \"%s\"", name);

    rc = ns_experiment_run(x, &o, &ns_runner_local, &err);
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
