/*
 * libFuzzer harness: hwloc synthetic topology strings ("pack:2
 * [numa(memory=6GiB)] core:4 pu:2"), as a scenario's `host` key gives them,
 * through ns_topo_load and so through the hwloc guard (src/topo/guard.c)
 * and the limit on PUs checked before hwloc builds anything. A refusal is
 * one non-empty line naming the string; a host is within the limits and
 * every pCPU's core, socket and node contain it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numasched/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[] = "/tmp/ns-fuzz-synthetic-XXXXXX";
    static bool ready;
    struct ns_err err = {{0}};

    /* An empty folder as the base: a string naming a file there would be
     * read as XML, which is the other harness's business. */
    if (!ready && !(ready = mkdtemp(dir) != NULL))
        abort();
    if (size > 4096 || memchr(data, '/', size) || memchr(data, '\0', size))
        return 0;
    char *spec = malloc(size + 1);
    memcpy(spec, data, size);
    spec[size] = '\0';
    if (strcmp(spec, "live") == 0) {
        free(spec);
        return 0;
    }
    struct ns_topo *t = ns_topo_load(spec, dir, &err);
    if (!t) {
        if (!err.msg[0] || strchr(err.msg, '\n'))
            __builtin_trap();
    } else {
        if (t->nr_pcpus == 0 || t->nr_pcpus > NS_TOPO_MAX_PCPUS || t->nr_nodes == 0 ||
            t->nr_nodes > NS_TOPO_MAX_NODES)
            __builtin_trap();
        for (unsigned i = 0; i < t->nr_pcpus; i++)
            if (!ns_mask_test(ns_topo_siblings(t, i), i) ||
                !ns_mask_test(ns_topo_socket_cpus(t, i), i) ||
                !ns_mask_test(&t->node[t->pcpu[i].node].cpus, i))
                __builtin_trap();
        ns_topo_free(t);
    }
    free(spec);
    return 0;
}
