/*
 * numasched topo SPEC: what numasched makes of a host.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

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

int cli_topo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': fputs(topo_help, stdout); return CLI_OK;
        default: return cli_misuse("topo", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_misuse("topo", "%s", optind >= argc ? "needs one SPEC" : "takes one SPEC");

    struct ns_err err;
    struct ns_topo *t = ns_topo_load(argv[optind], NULL, &err);
    if (!t)
        return cli_fail(&err);
    if (json)
        ns_topo_print_json(t, stdout);
    else
        ns_topo_print(t, stdout);
    ns_topo_free(t);
    return CLI_OK;
}
