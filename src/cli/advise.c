/*
 * numasched advise SCENARIO: which placement policy and scheduler, and how
 * to apply them (src/advise/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "cli.h"
#include "numasched/advise.h"

static const char advise_help[] =
    "usage: numasched advise SCENARIO [OPTIONS]\n\n"
    "Run every candidate, each placement policy (none, pin, numa, and split: one\n"
    "cpupool per NUMA node, when the scenario has Pool-0 alone) with each\n"
    "scheduler Xen has, with several seeds; print them ranked by the guests'\n"
    "metric with 95% confidence intervals, then the winner's settings: xl\n"
    "cpupool commands and pool files, xl.cfg lines (pool, cpus, cpus_soft), xl\n"
    "cpupool-migrate and vcpu-pin commands and libvirt domain XML.\n"
    "The host may be \"live\"; the domain files may be plain xl.cfg files (their\n"
    "workload: the `workload` key, else --workload).\n\n"
    "options:\n"
    "  --out DIR           keep DIR/runs/POLICY-SCHED/seed-K/ (every run) and write\n"
    "                      DIR/apply/scenario.cfg with the winner's domain and\n"
    "                      pool files,\n"
    "                      which `numasched run` runs as the winner ran\n"
    "  --seeds N           runs per candidate, seeds 1..N (default 3)\n"
    "  --duration SECONDS  measured time of every run (default: the scenario's)\n"
    "  --workload NAME     the workload of guests whose file names none (default cpu)\n"
    "  --html FILE         also write the ranking, a plot and the settings as a\n"
    "                      self-contained HTML page (with links to the runs of --out)\n"
    "  --jobs J            worker processes (default: the number of CPUs)\n"
    "  --quiet             no progress lines\n"
    "  --help              this text\n";

static void help(FILE *out)
{
    fputs(advise_help, out);
}

static int option(void *ctx, int c, const char *val)
{
    struct ns_advise_opts *o = ctx;
    const char *cmd = "advise";

    switch (c) {
    case 'o': o->out = val; return CLI_OK;
    case 'W': o->workload = val; return CLI_OK;
    case 'H': o->html = val; return CLI_OK;
    case 'q': o->quiet = true; return CLI_OK;
    case 's': return cli_opt_count(cmd, "--seeds", val, 1, 1000, &o->seeds);
    case 'j': return cli_opt_count(cmd, "--jobs", val, 1, 1024, &o->jobs);
    default:                    /* 'd' */
        o->has_duration = true;
        return cli_opt_duration(cmd, "--duration", val, false, &o->duration);
    }
}

int cli_advise(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"seeds", required_argument, NULL, 's'},
        {"duration", required_argument, NULL, 'd'},
        {"workload", required_argument, NULL, 'W'},
        {"html", required_argument, NULL, 'H'},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"advise", opts, option, help, "a SCENARIO file"};
    struct ns_advise_opts o = {.seeds = 3};
    const char *scenario;
    struct ns_err err;

    int rc = cli_parse(&args, argc, argv, &o, &scenario);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    rc = ns_advise_run(scenario, &o, &ns_runner_local, stdout, &err);
    return cli_batch_status("advise", rc, &err, NULL);
}
