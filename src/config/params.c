/*
 * Model parameters that a command line may set for every run: the host
 * model's (docs/model.md), the engine's creation gap, and the workloads'
 * profile keys whose values are judgements inside a range (WORKLOAD.KEY, for
 * every guest of that workload), by the names the documentation uses, each
 * with the range its sources give.
 *
 * Why a table: an ablation switches a mechanism off (`create_gap=0`,
 * `dom0_memory=striped`, `hitm_remote_ns=0`) and a sensitivity run moves
 * one value to each end of its range, both without editing 27 scenario
 * files; and a range written next to the name cannot drift from the one
 * the sensitivity run uses.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

enum unit { PLAIN, MICROS, SECONDS, DOM0_MEMORY, WORKLOAD_KEY };

struct param {
    const char *name;
    enum unit unit;             /* how the value is written on the command line */
    size_t offset;              /* in struct ns_host_params; SIZE_MAX: elsewhere */
    double lo, hi;              /* the documented range (lo == hi: none) */
};

#define HOST(f) offsetof(struct ns_host_params, f)

static const struct param params[] = {
    {"remote_ratio", PLAIN, HOST(remote_ratio), 1.5, 1.75},
    {"local_latency_ns", PLAIN, HOST(local_latency_ns), 60, 87},
    {"node_bw_gbs", PLAIN, HOST(node_bw_gbs), 15, 19},
    {"link_bw_gbs", PLAIN, HOST(link_bw_gbs), 9, 10.4},
    {"queue_k", PLAIN, HOST(queue_k), 0, 0},
    {"llc_k_max", PLAIN, HOST(llc_k_max), 0, 0},
    {"mlp", PLAIN, HOST(mlp), 0, 0},
    {"switch_us", MICROS, HOST(switch_ns), 1, 5},
    {"wake_us", MICROS, HOST(wake_ns), 2, 10},
    {"wake_idle_extra_us", MICROS, HOST(wake_idle_extra_ns), 1, 100},
    {"migrate_socket_us", MICROS, HOST(migrate_socket_ns), 10, 30},
    {"ipi_us", MICROS, HOST(ipi_ns), 2, 10},
    {"hitm_socket_ns", PLAIN, HOST(hitm_socket_ns), 65 / 2.4, 75 / 2.4},
    {"hitm_remote_ns", PLAIN, HOST(hitm_remote_ns), 100 / 2.4, 300 / 2.4},
    {"turbo_bin_mhz", PLAIN, HOST(turbo_bin_mhz), 0, 0},
    {"create_gap", SECONDS, SIZE_MAX, 1, 2.5},
    {"dom0_memory", DOM0_MEMORY, SIZE_MAX, 0, 0},
    /* docs/model.md, "Memory profiles" and the workloads' tables. */
    {"specjbb.mem_stall", WORKLOAD_KEY, SIZE_MAX, 0.25, 0.45},
    {"specjbb.llc_mb", WORKLOAD_KEY, SIZE_MAX, 3, 12},
    {"specjbb.dram_gbs", WORKLOAD_KEY, SIZE_MAX, 0.5, 2},
    {"sysbench-memory.mem_stall", WORKLOAD_KEY, SIZE_MAX, 0, 0.1},
    {"sysbench-memory.op_us", WORKLOAD_KEY, SIZE_MAX, 1.5, 2.0},
    {"lmbench-proc.mem_stall", WORKLOAD_KEY, SIZE_MAX, 0.2, 0.5},
    {"lmbench-proc.llc_mb", WORKLOAD_KEY, SIZE_MAX, 0.5, 2},
};
static const struct ns_registry registry = NS_REGISTRY(params);

static const struct param *find(const char *name)
{
    return ns_registry_find(&registry, name);
}

static int unknown(const char *name, struct ns_err *err)
{
    char *known = ns_registry_join(&registry);
    int rc = ns_err_set(err, NULL, 0, NULL, "no model parameter \"%s\" (known: %s)", name,
                        known);
    free(known);
    return rc;
}

int ns_config_param_range(const char *name, double *lo, double *hi, struct ns_err *err)
{
    const struct param *p = find(name);

    if (!p)
        return unknown(name, err);
    if (p->lo == p->hi)
        return ns_err_set(err, NULL, 0, NULL, "%s has no documented range: give one, "
                          "%s=LO,HI", name, name);
    *lo = p->lo;
    *hi = p->hi;
    return 0;
}

static int set_number(const struct param *p, const char *value, struct ns_sim_spec *s,
                      struct ns_err *err)
{
    char *end;

    errno = 0;
    double v = strtod(value, &end);
    if (value[0] == '\0' || *end || errno || !isfinite(v) || v < 0 || v > 1e6)
        return ns_err_set(err, NULL, 0, NULL, "%s=%s: want a number from 0 to 1000000",
                          p->name, value);
    if (p->unit == WORKLOAD_KEY)
        return 0;               /* the workload read it with the domain files */
    if (p->offset == SIZE_MAX) {
        s->create_gap_ns = (ns_time_t)llround(v * 1e9);
        return 0;
    }
    void *field = (char *)&s->host + p->offset;
    if (p->unit == MICROS)
        *(ns_time_t *)field = (ns_time_t)llround(v * 1e3);
    else
        *(double *)field = v;
    return 0;
}

int ns_config_param_set(struct ns_sim_spec *s, const char *name, const char *value,
                        struct ns_err *err)
{
    const struct param *p = find(name);

    if (!p)
        return unknown(name, err);
    if (p->unit != DOM0_MEMORY)
        return set_number(p, value, s, err);
    if (strcmp(value, "xen") != 0 && strcmp(value, "striped") != 0)
        return ns_err_set(err, NULL, 0, NULL, "dom0_memory=%s: want xen or striped", value);
    s->dom0_striped = value[0] == 's';
    return 0;
}

const char *cfg_workload_param(const struct ns_param_value *set, size_t n, const char *workload,
                               const char *key)
{
    size_t len = strlen(workload);
    const char *value = NULL;

    for (size_t i = 0; i < n; i++)
        if (strncmp(set[i].name, workload, len) == 0 && set[i].name[len] == '.' &&
            strcmp(set[i].name + len + 1, key) == 0)
            value = set[i].value;       /* the last one wins, as for every --set */
    return value;
}
