/*
 * workload: the table of built-in workloads, parameter reading, and the
 * bookkeeping every workload shares (per-vCPU state and random streams,
 * the measurement window). What a workload does step by step is in its own
 * file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workload/internal.h"

static const struct wl_kind *const kinds[] = {
    &wl_cpu, &wl_specjbb, &wl_sysbench_memory, &wl_lmbench_proc, &wl_idle, &wl_phases,
};
static const struct ns_registry registry = NS_REGISTRY_OF_POINTERS(kinds);

const char *const *ns_workload_names(void) { return ns_registry_names(&registry); }

/* ---- parameters ------------------------------------------------------------ */

int wl_fail(const struct ns_params *p, const char *key, struct ns_err *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (p && p->fail)
        return p->fail(p->ctx, key, err, msg);
    return ns_err_set(err, NULL, 0, key, "%s", msg);
}

int wl_number(const struct ns_params *p, const char *key, double lo, bool lo_open, double hi,
              double *v, struct ns_err *err)
{
    double x;
    int rc;

    if (!p || !p->get_number)
        return 1;
    rc = p->get_number(p->ctx, key, &x, err);
    if (rc != 0)
        return rc < 0 ? -1 : 1;
    if (!isfinite(x) || x < lo || (lo_open && x == lo) || x > hi) {
        if (isinf(hi))
            return wl_fail(p, key, err, "must be a number %s %g (got %g)",
                           lo_open ? ">" : ">=", lo, x);
        return wl_fail(p, key, err, "must be a number %s %g and <= %g (got %g)",
                       lo_open ? ">" : ">=", lo, hi, x);
    }
    *v = x;
    return 0;
}

int wl_micros(const struct ns_params *p, const char *key, double *ns, struct ns_err *err)
{
    double us = 0.0;
    int rc = wl_number(p, key, WL_MIN_STEP_NS / 1e3, false, WL_MAX_STEP_NS / 1e3, &us, err);

    if (rc == 0)
        *ns = us * 1e3;
    return rc;
}

/* The memory-profile keys every workload accepts. */
static int parse_mem(struct ns_mem_profile *m, const struct ns_params *p, struct ns_err *err)
{
    if (wl_number(p, "mem_stall", 0.0, false, 1.0, &m->mem_stall, err) < 0 ||
        wl_number(p, "llc_mb", 0.0, false, INFINITY, &m->llc_hot_mb, err) < 0 ||
        wl_number(p, "dram_gbs", 0.0, false, INFINITY, &m->dram_gbs, err) < 0 ||
        wl_number(p, "smt_speed", 0.0, true, 1.0, &m->smt_speed, err) < 0)
        return -1;
    return 0;
}

struct ns_workload_spec *ns_workload_parse(const char *name, const struct ns_params *p,
                                           struct ns_err *err)
{
    const struct wl_kind *kind = ns_registry_find(&registry, name);
    struct ns_workload_spec *s;

    if (!kind) {
        char *known = ns_registry_join(&registry);
        wl_fail(p, "workload", err, "unknown workload \"%s\" (known: %s)", name, known);
        free(known);
        return NULL;
    }
    s = ns_xcalloc(1, sizeof(*s));
    s->kind = kind;
    s->mem = kind->mem;
    if (parse_mem(&s->mem, p, err) < 0 || kind->parse(s, p, err) < 0) {
        ns_workload_spec_free(s);
        return NULL;
    }
    return s;
}

void ns_workload_spec_free(struct ns_workload_spec *spec)
{
    if (!spec)
        return;
    free(spec->phase);
    free(spec);
}

const char *ns_workload_spec_name(const struct ns_workload_spec *spec)
{
    return spec->kind->name;
}

const struct ns_mem_profile *ns_workload_spec_mem(const struct ns_workload_spec *spec)
{
    return &spec->mem;
}

/* ---- a running workload ---------------------------------------------------- */

/*
 * Each vCPU draws from its own stream, derived from the domain's stream and
 * the vCPU index by a hash, so vCPU k of one domain never shares draws with
 * vCPU j of a domain whose stream id happens to be near.
 */
struct ns_workload *ns_workload_create(const struct ns_workload_spec *spec, unsigned nr_vcpus,
                                       uint64_t seed, uint64_t stream)
{
    struct ns_workload *w = ns_xcalloc(1, sizeof(*w));

    w->spec = spec;
    w->nr_vcpus = nr_vcpus;
    w->vcpu = ns_xcalloc(nr_vcpus ? nr_vcpus : 1, sizeof(*w->vcpu));
    for (unsigned v = 0; v < nr_vcpus; v++)
        ns_rng_seed(&w->vcpu[v].rng, seed, ns_rng_stream_id("workload-vcpu", stream, v));
    ns_hist_init(&w->iter);
    return w;
}

void ns_workload_free(struct ns_workload *w)
{
    if (!w)
        return;
    ns_hist_free(&w->iter);
    free(w->vcpu);
    free(w);
}

void ns_workload_next(struct ns_workload *w, unsigned vcpu, ns_time_t now, struct ns_step *out)
{
    struct wl_vcpu *v = &w->vcpu[vcpu];

    *out = (struct ns_step){.signal_vcpu = -1};
    w->spec->kind->next(w, vcpu, now, out);
    v->started = true;
    v->last = out->kind;
}

/* Work completed from here on counts; anything before is forgotten. */
void ns_workload_start_measure(struct ns_workload *w, ns_time_t now)
{
    w->measuring = true;
    w->measure_start = now;
    w->done = 0.0;
    ns_hist_reset(&w->iter);
}

void wl_rate_metric(const struct ns_workload *w, double seconds, struct ns_metric *out)
{
    out->value = w->done / seconds;
}

void ns_workload_spec_metric(const struct ns_workload_spec *spec, struct ns_metric *out)
{
    const struct wl_kind *k = spec->kind;

    *out = (struct ns_metric){
        .name = k->metric_name,
        .unit = k->metric_unit,
        .higher_is_better = k->higher_is_better,
    };
}

void ns_workload_metric(const struct ns_workload *w, ns_time_t now, struct ns_metric *out)
{
    double seconds = 0.0;

    if (w->measuring && now > w->measure_start)
        seconds = (double)(now - w->measure_start) / 1e9;
    ns_workload_spec_metric(w->spec, out);
    if (seconds > 0.0)
        w->spec->kind->metric(w, seconds, out);
}
