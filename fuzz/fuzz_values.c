/*
 * libFuzzer harness: the value syntaxes of config files on any string. The
 * first byte picks one of four hosts (1 pCPU; 2 nodes x 8; 4 nodes x 3; 64
 * nodes x 2, so masks cross a 64-bit word), the rest is the value, read as:
 *
 *   - an xl cpu-list ("0-3,^2", "node:1", "nodes:0-1", "all") and a node list,
 *   - a duration ("500ms"), a memory size ("6GiB"), a Xen version ("4.3"),
 *     a TSC rate ("2.4G").
 *
 * Each must refuse with one non-empty line or give a value that is within
 * its limits and reads back the same: a mask printed by ns_mask_format and
 * parsed again is the same mask, a duration printed in ns and a size printed
 * in bytes parse to the same number.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "numasched/xentrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ns_topo *host(unsigned i)
{
    static const char *const specs[4] = {
        "pack:1 [numa(memory=1GiB)] pu:1",
        "pack:2 [numa(memory=1GiB)] core:4 pu:2",
        "pack:4 [numa(memory=1GiB)] core:3 pu:1",
        "pack:64 [numa(memory=1GiB)] core:2 pu:1",
    };
    static struct ns_topo *t[4];
    struct ns_err err;

    if (!t[i] && !(t[i] = ns_topo_load(specs[i], NULL, &err)))
        abort();
    return t[i];
}

static void check_refusal(const struct ns_err *err)
{
    if (!err->msg[0] || strchr(err->msg, '\n'))
        __builtin_trap();
}

typedef int (*list_parser)(const char *, const struct ns_topo *, struct ns_mask *,
                           struct ns_err *);

/* A list parses, or not; what it gives prints and parses back the same. */
static void list(list_parser parse, const char *s, const struct ns_topo *t, size_t nbits)
{
    struct ns_mask m, again;
    struct ns_err err = {{0}};

    ns_mask_init(&m, nbits);
    if (parse(s, t, &m, &err) < 0) {
        check_refusal(&err);
    } else if (!ns_mask_empty(&m)) {
        char *text = ns_mask_format(&m);
        ns_mask_init(&again, nbits);
        if (parse(text, t, &again, &err) < 0 || !ns_mask_equal(&m, &again))
            __builtin_trap();
        ns_mask_free(&again);
        free(text);
    }
    ns_mask_free(&m);
}

static void duration(const char *s)
{
    struct ns_err err = {{0}};
    ns_time_t v, again;
    char text[32];

    if (ns_duration_parse(s, &v, &err) < 0) {
        check_refusal(&err);
        return;
    }
    snprintf(text, sizeof(text), "%lluns", (unsigned long long)v);
    if (v > 1000000ULL * NS_S || ns_duration_parse(text, &again, &err) < 0 || again != v)
        __builtin_trap();
}

static void size(const char *s)
{
    struct ns_err err = {{0}};
    uint64_t v, again;
    char text[32];

    if (cfg_size_parse(s, &v, &err) < 0) {
        check_refusal(&err);
        return;
    }
    snprintf(text, sizeof(text), "%lluB", (unsigned long long)v);
    if (v > (1ULL << 50) || cfg_size_parse(text, &again, &err) < 0 || again != v)
        __builtin_trap();
}

static void others(const char *s)
{
    struct ns_err err = {{0}};
    unsigned version;
    uint64_t hz;

    if (ns_xen_version_parse(s, &version, &err) < 0)
        check_refusal(&err);
    else if (version < 402 || version > 422)
        __builtin_trap();
    memset(err.msg, 0, sizeof(err.msg));
    if (ns_trace_parse_hz(s, &hz, &err) < 0)
        check_refusal(&err);
    else if (hz < NS_TRACE_MIN_HZ || hz > NS_TRACE_MAX_HZ)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size_)
{
    if (size_ == 0)
        return 0;
    const struct ns_topo *t = host(data[0] & 3);
    char *s = malloc(size_);
    memcpy(s, data + 1, size_ - 1);
    s[size_ - 1] = '\0';

    list(ns_cpulist_parse, s, t, t->nr_pcpus);
    list(cfg_nodelist_parse, s, t, t->nr_nodes);
    duration(s);
    size(s);
    others(s);
    free(s);
    return 0;
}
