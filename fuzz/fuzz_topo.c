/*
 * libFuzzer harness: hwloc XML topologies through numasched's entry point,
 * ns_topo_load, as a scenario's `host = "FILE.xml"` or `numasched topo FILE`
 * reach it. The bytes are written to a file and loaded: hwloc first loads
 * them in a child process (src/topo/guard.c), so hwloc's own crashes and
 * hangs are refusals here, not findings; anything numasched does with what
 * hwloc returns runs in this process and is checked.
 *
 * A refusal is one non-empty line naming the file. A host is within the
 * limits and consistent: the nodes partition the pCPUs, every pCPU's core,
 * socket and node exist and contain it, distances are positive with the
 * smallest on the diagonal; and it prints, as text and as JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numasched/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_host(const struct ns_topo *t)
{
    struct ns_mask seen;

    if (t->nr_pcpus == 0 || t->nr_pcpus > NS_TOPO_MAX_PCPUS || t->nr_nodes == 0 ||
        t->nr_nodes > NS_TOPO_MAX_NODES)
        __builtin_trap();
    ns_mask_init(&seen, t->nr_pcpus);
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        if (ns_mask_intersects(&seen, &t->node[n].cpus))
            __builtin_trap();
        ns_mask_or(&seen, &seen, &t->node[n].cpus);
        for (unsigned m = 0; m < t->nr_nodes; m++)
            if (ns_topo_distance(t, n, m) == 0 ||
                (m != n && ns_topo_distance(t, n, m) <= ns_topo_distance(t, n, n)))
                __builtin_trap();
    }
    if (!ns_mask_full(&seen))
        __builtin_trap();
    ns_mask_free(&seen);
    for (unsigned i = 0; i < t->nr_pcpus; i++) {
        const struct ns_topo_pcpu *p = &t->pcpu[i];
        if (p->core >= t->nr_cores || p->socket >= t->nr_sockets || p->node >= t->nr_nodes ||
            !ns_mask_test(ns_topo_siblings(t, i), i) || !ns_mask_test(ns_topo_socket_cpus(t, i), i) ||
            !ns_mask_test(&t->node[p->node].cpus, i))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    static FILE *null;
    struct ns_err err = {{0}};

    if (!path[0]) {
        snprintf(path, sizeof(path), "/tmp/ns-fuzz-topo-%d.xml", (int)getpid());
        null = fopen("/dev/null", "w");
    }
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);

    struct ns_topo *t = ns_topo_load(path, NULL, &err);
    if (!t) {
        if (!err.msg[0] || strchr(err.msg, '\n') || !strstr(err.msg, path))
            __builtin_trap();
        return 0;
    }
    check_host(t);
    ns_topo_print(t, null);
    ns_topo_print_json(t, null);
    ns_topo_free(t);
    return 0;
}
