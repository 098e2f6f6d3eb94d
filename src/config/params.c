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
#include <stdbool.h>
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
    double min, max;            /* what the model can take */
    bool above_min;             /* min itself is not */
};

/*
 * What a value may be, as against what its sources say it is (lo, hi):
 * anything the model's arithmetic stays physical for. Most parameters are
 * times, costs or switches, for which 0 (off) up to SET_MAX will do. Six
 * are not: a remote access faster than a local one (remote_ratio < 1) makes
 * a far node's latency negative on a host with several distances; no
 * bandwidth, no latency or no memory-level parallelism divides by zero; a
 * cache that speeds its misses up (llc_k_max < 1) is not one. Upward,
 * remote_ratio stops at 25.4, the farthest distance a SLIT can write (254)
 * over a local 10, and a local DRAM access at a microsecond, several times
 * any measured one: that keeps a cold-cache migration of the whole L3 at
 * the far end of a SLIT within minutes, not past ns_time_t.
 */
#define SET_MAX 1e6
#define ZERO_UP 0, SET_MAX, false    /* min, max, above_min of most */

#define HOST(f) offsetof(struct ns_host_params, f)

static const struct param params[] = {
    {"remote_ratio", PLAIN, HOST(remote_ratio), 1.5, 1.75, 1, 25.4, false},
    {"local_latency_ns", PLAIN, HOST(local_latency_ns), 60, 87, 0, 1000, true},
    {"node_bw_gbs", PLAIN, HOST(node_bw_gbs), 15, 19, 0, SET_MAX, true},
    {"link_bw_gbs", PLAIN, HOST(link_bw_gbs), 9, 10.4, 0, SET_MAX, true},
    {"queue_k", PLAIN, HOST(queue_k), 0, 0, ZERO_UP},
    {"llc_k_max", PLAIN, HOST(llc_k_max), 0, 0, 1, SET_MAX, false},
    {"mlp", PLAIN, HOST(mlp), 0, 0, 1, SET_MAX, false},
    {"switch_us", MICROS, HOST(switch_ns), 1, 5, ZERO_UP},
    {"wake_us", MICROS, HOST(wake_ns), 2, 10, ZERO_UP},
    {"wake_idle_extra_us", MICROS, HOST(wake_idle_extra_ns), 1, 100, ZERO_UP},
    {"migrate_socket_us", MICROS, HOST(migrate_socket_ns), 10, 30, ZERO_UP},
    {"ipi_us", MICROS, HOST(ipi_ns), 2, 10, ZERO_UP},
    {"hitm_socket_ns", PLAIN, HOST(hitm_socket_ns), 65 / 2.4, 75 / 2.4, ZERO_UP},
    {"hitm_remote_ns", PLAIN, HOST(hitm_remote_ns), 100 / 2.4, 300 / 2.4, ZERO_UP},
    {"turbo_bin_mhz", PLAIN, HOST(turbo_bin_mhz), 0, 0, ZERO_UP},
    {"create_gap", SECONDS, SIZE_MAX, 1, 2.5, ZERO_UP},
    {"dom0_memory", DOM0_MEMORY, SIZE_MAX, 0, 0, ZERO_UP},
    /* docs/model.md, "Memory profiles" and the workloads' tables. */
    {"specjbb.mem_stall", WORKLOAD_KEY, SIZE_MAX, 0.25, 0.45, ZERO_UP},
    {"specjbb.llc_mb", WORKLOAD_KEY, SIZE_MAX, 3, 12, ZERO_UP},
    {"specjbb.dram_gbs", WORKLOAD_KEY, SIZE_MAX, 0.5, 2, ZERO_UP},
    {"sysbench-memory.mem_stall", WORKLOAD_KEY, SIZE_MAX, 0, 0.1, ZERO_UP},
    {"sysbench-memory.op_us", WORKLOAD_KEY, SIZE_MAX, 1.5, 2.0, ZERO_UP},
    {"lmbench-proc.mem_stall", WORKLOAD_KEY, SIZE_MAX, 0.2, 0.5, ZERO_UP},
    {"lmbench-proc.llc_mb", WORKLOAD_KEY, SIZE_MAX, 0.5, 2, ZERO_UP},
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
    bool bad = value[0] == '\0' || *end || errno || !isfinite(v) || v > p->max ||
               (p->above_min ? v <= p->min : v < p->min);
    if (bad)
        return ns_err_set(err, NULL, 0, NULL, "%s=%s: want a number %s %.10g %s %.10g", p->name,
                          value, p->above_min ? "above" : "from", p->min,
                          p->above_min ? "up to" : "to", p->max);
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
