/*
 * libFuzzer harness: the whole trace analysis (`numasched analyze`) on any
 * bytes, with and without a host topology and at the rate the first byte
 * picks. It must refuse or finish, and its totals must stay consistent: no
 * vCPU spends more time in its states than the trace lasts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "numasched/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ns_topo *host(void)
{
    static struct ns_topo *t;
    struct ns_err err;

    if (!t)
        t = ns_topo_load("pack:2 [numa(memory=1GiB)] core:2 pu:2", NULL, &err);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t rates[4] = {0, 1000000000ULL, 2400000000ULL, 1000000ULL};
    struct ns_analyze_opts o = {rates[size ? data[0] & 3 : 0], size && (data[0] & 4) ? host() : NULL};
    struct ns_trace_analysis a;
    struct ns_err err;
    static FILE *null;

    if (ns_analyze_trace_mem(data, size, "fuzz", &o, &a, &err) < 0)
        return 0;
    for (size_t i = 0; i < a.nr_vcpus; i++) {
        uint64_t sum = 0;
        for (int k = 0; k < NS_RUNSTATES; k++)
            sum += a.vcpu[i].runstate_ns[k];
        if (sum > a.duration_ns)
            __builtin_trap();
    }
    if (!null)
        null = fopen("/dev/null", "w");
    ns_analysis_print(&a, null);
    ns_analysis_print_json(&a, null);
    ns_analysis_free(&a);
    return 0;
}
