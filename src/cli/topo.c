/*
 * numasched topo SPEC: what numasched makes of a host.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"
#include "numasched/topo.h"

static const char topo_help[] =
    "usage: numasched topo SPEC [--json]\n\n"
    "Load a host and print its nodes, sockets, cores, pCPUs, memory per node and\n"
    "the NUMA distance matrix (SLIT).\n\n"
    "SPEC is one of:\n"
    "  live                       this machine\n"
    "  FILE.xml                   an hwloc XML export (lstopo --of xml)\n"
    "  \"pack:2 [numa(memory=6GiB)] core:4 pu:2\"   an hwloc synthetic string\n\n"
    "options:\n"
    "  --json     print JSON (nodes, sockets, cores, pcpus, distances, ...)\n"
    "  --help     this text\n";

static void help(FILE *out)
{
    fputs(topo_help, out);
}

static int option(void *ctx, int c, const char *val)
{
    (void)c;                    /* 'j', the only one */
    (void)val;
    *(bool *)ctx = true;
    return CLI_OK;
}

int cli_topo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"topo", opts, option, help, "a host SPEC"};
    const char *spec;
    bool json = false;

    int rc = cli_parse(&args, argc, argv, &json, &spec);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;

    struct ns_err err;
    struct ns_topo *t = ns_topo_load(spec, NULL, &err);
    if (!t)
        return cli_fail(&err);
    if (json)
        ns_topo_print_json(t, stdout);
    else
        ns_topo_print(t, stdout);
    ns_topo_free(t);
    return CLI_OK;
}
