/*
 * numasched sweep FILE: every point of a sweep file, once per seed, over
 * local worker processes (src/runner/sweep.c; the format: docs/sweeps.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "cli.h"

static const char sweep_help[] =
    "usage: numasched sweep FILE [OPTIONS]\n\n"
    "Run every point of the sweep FILE (a base scenario, the axes to vary, the\n"
    "seeds; docs/sweeps.md) once per seed, over worker processes, after loading\n"
    "every point, and write:\n"
    "  DIR/results.csv         the axes, seed, then every metric: a row per run\n"
    "  DIR/summary.md          means with 95% confidence intervals, a row per point\n"
    "  DIR/plot-METRIC.svg     each metric against the first axis\n"
    "  DIR/runs/pN/seed-K/results.json (+ .csv)   every run\n"
    "Runs complete from an earlier command with the same FILE are not run again.\n\n"
    "options:\n"
    "  --out DIR           where to write (default: FILE's name without .cfg)\n"
    "  --duration SECONDS  measured time of every run, e.g. 30 or 500ms\n"
    "                      (default: the scenario's `duration`)\n"
    "  --warmup SECONDS    warm-up of every run (default: the scenario's `warmup`)\n"
    "  --set KEY=VALUE     a model parameter for every run (docs/model.md names\n"
    "                      them: remote_ratio=1.5, create_gap=0, ...); repeatable\n"
    "  --html FILE         also write the summary, the plots and a link to every run\n"
    "                      as a self-contained HTML page\n"
    "  --jobs J            worker processes (default: the number of CPUs)\n"
    "  --quiet             no progress line, no table on stdout\n"
    "  --help              this text\n";

static void help(FILE *out)
{
    fputs(sweep_help, out);
}

int cli_sweep_option(const char *cmd, struct cli_sweep_args *a, int c, const char *val)
{
    struct ns_sweep_opts *o = &a->o;

    switch (c) {
    case 'P': return cli_opt_set(cmd, val, &a->set, &a->nr_set);
    case 'o': o->out = val; return CLI_OK;
    case 'H': o->html = val; return CLI_OK;
    case 'q': o->quiet = true; return CLI_OK;
    case 'j': return cli_opt_count(cmd, "--jobs", val, 1, 1024, &o->jobs);
    case 'd':
        o->has_duration = true;
        return cli_opt_duration(cmd, "--duration", val, false, &o->duration);
    default:                    /* 'w' */
        o->has_warmup = true;
        return cli_opt_duration(cmd, "--warmup", val, true, &o->warmup);
    }
}

static int option(void *ctx, int c, const char *val)
{
    return cli_sweep_option("sweep", ctx, c, val);
}

int cli_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},
        {"set", required_argument, NULL, 'P'},
        {"jobs", required_argument, NULL, 'j'},
        {"html", required_argument, NULL, 'H'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"sweep", opts, option, help, "a sweep FILE"};
    struct cli_sweep_args a = {{0}, NULL, 0};
    const char *file;
    struct ns_err err;

    int rc = cli_parse(&args, argc, argv, &a, &file);
    if (rc == CLI_OK) {
        a.o.params = a.set;
        a.o.nr_params = a.nr_set;
        rc = ns_sweep_run(file, &a.o, &CLI_RUNNER, &err);
        rc = cli_batch_status("sweep", rc, &err,
                              "complete runs are kept, the same command resumes");
    }
    cli_set_free(a.set, a.nr_set);
    return rc == CLI_HELP ? CLI_OK : rc;
}
