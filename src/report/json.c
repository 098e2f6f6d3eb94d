/*
 * results.json: the whole run for programs, built with json-c.
 *
 * json-c keeps object keys in insertion order and we format every double
 * ourselves, so the same results always serialise to the same bytes. Keys are
 * added in the order a reader would look for them: run, host, domains, pCPUs,
 * nodes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-c/json.h>
#include <stdlib.h>

#include "report/report_internal.h"

/* json-c reports running out of memory as NULL or -1; like ns_xmalloc, we stop. */
static _Noreturn void oom(void)
{
    fputs("numasched: out of memory (json-c)\n", stderr);
    abort();
}

static json_object *must(json_object *v)
{
    if (!v)
        oom();
    return v;
}

/* Add @v (NULL = JSON null) under @key, a string literal. */
static void put(json_object *obj, const char *key, json_object *v)
{
    if (json_object_object_add(obj, key, v) != 0)
        oom();
}

static void push(json_object *arr, json_object *v)
{
    if (json_object_array_add(arr, v) != 0)
        oom();
}

static json_object *j_obj(void) { return must(json_object_new_object()); }
static json_object *j_arr(void) { return must(json_object_new_array()); }
static json_object *j_u64(uint64_t v) { return must(json_object_new_uint64(v)); }

static json_object *j_str(const char *s)
{
    return s ? must(json_object_new_string(s)) : NULL;
}

/* A double in the fixed file format; null when not finite. */
static json_object *j_dbl(double v)
{
    char buf[NS_REPORT_DBL_LEN];

    if (!ns_report_fmt_double(buf, v))
        return NULL;
    return must(json_object_new_double_s(v, buf));
}

static double kb_to_mb(uint64_t kb) { return (double)kb / 1024.0; }

static json_object *host_json(const struct ns_topo *t)
{
    json_object *h = j_obj(), *dist = j_arr();

    put(h, "nodes", j_u64(t->nr_nodes));
    put(h, "sockets", j_u64(t->nr_sockets));
    put(h, "cores", j_u64(t->nr_cores));
    put(h, "pcpus", j_u64(t->nr_pcpus));
    for (unsigned a = 0; a < t->nr_nodes; a++) {
        json_object *row = j_arr();
        for (unsigned b = 0; b < t->nr_nodes; b++)
            push(row, j_u64(ns_topo_distance(t, a, b)));
        push(dist, row);
    }
    put(h, "distances", dist);
    return h;
}

/* Percentiles are optional: a zero means the workload has no spread to give. */
static json_object *metric_json(const struct ns_metric *m)
{
    json_object *o = j_obj();

    put(o, "name", j_str(m->name));
    put(o, "unit", j_str(m->unit));
    put(o, "better", j_str(m->higher_is_better ? "higher" : "lower"));
    put(o, "value", j_dbl(m->value));
    if (m->p50 != 0)
        put(o, "p50", j_dbl(m->p50));
    if (m->p90 != 0)
        put(o, "p90", j_dbl(m->p90));
    if (m->p99 != 0)
        put(o, "p99", j_dbl(m->p99));
    return o;
}

static json_object *vcpu_json(const struct ns_vcpu_result *v)
{
    json_object *o = j_obj(), *rs = j_obj(), *mig = j_obj(), *wl = j_obj();

    put(o, "id", j_u64(v->id));
    put(rs, "running", j_u64(v->runstate_ns[NS_RUNSTATE_RUNNING]));
    put(rs, "runnable", j_u64(v->runstate_ns[NS_RUNSTATE_RUNNABLE]));
    put(rs, "blocked", j_u64(v->runstate_ns[NS_RUNSTATE_BLOCKED]));
    put(rs, "offline", j_u64(v->runstate_ns[NS_RUNSTATE_OFFLINE]));
    put(o, "runstate_ns", rs);
    put(o, "local_run_ns", j_u64(v->local_run_ns));
    put(o, "remote_run_ns", j_u64(v->remote_run_ns));
    put(mig, "core", j_u64(v->migrations[NS_MOVE_CORE]));
    put(mig, "socket", j_u64(v->migrations[NS_MOVE_SOCKET]));
    put(mig, "node", j_u64(v->migrations[NS_MOVE_NODE]));
    put(o, "migrations", mig);
    put(o, "wakeups", j_u64(v->wakeups));
    put(wl, "mean", j_dbl(v->wake_latency_mean_ns));
    put(wl, "p50", j_u64(v->wake_latency_p50_ns));
    put(wl, "p99", j_u64(v->wake_latency_p99_ns));
    put(wl, "max", j_u64(v->wake_latency_max_ns));
    put(o, "wake_latency_ns", wl);
    return o;
}

static json_object *domain_json(const struct ns_domain_result *d, unsigned nr_nodes)
{
    json_object *o = j_obj(), *mem = j_arr(), *vcpus = j_arr();

    put(o, "id", j_u64(d->id));
    put(o, "name", j_str(d->name));
    put(o, "workload", j_str(d->workload));
    put(o, "pool", j_str(d->pool));
    put(o, "metric", metric_json(&d->metric));
    for (unsigned n = 0; n < nr_nodes; n++)
        push(mem, j_dbl(d->memory_kb_per_node ? kb_to_mb(d->memory_kb_per_node[n]) : 0));
    put(o, "memory_mb_per_node", mem);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        push(vcpus, vcpu_json(&d->vcpu[i]));
    put(o, "vcpus", vcpus);
    return o;
}

static json_object *pcpu_json(const struct ns_pcpu_result *p, ns_time_t duration)
{
    json_object *o = j_obj();

    put(o, "id", j_u64(p->id));
    put(o, "node", j_u64(p->node));
    put(o, "socket", j_u64(p->socket));
    put(o, "core", j_u64(p->core));
    put(o, "busy_ns", j_u64(p->busy_ns));
    put(o, "utilisation", j_dbl(duration ? (double)p->busy_ns / (double)duration : 0));
    return o;
}

static json_object *node_json(const struct ns_results *r, unsigned n)
{
    const struct ns_topo_node *node = &r->topo->node[n];
    json_object *o = j_obj();
    char *cpus = ns_mask_format(&node->cpus);

    put(o, "id", j_u64(n));
    put(o, "cpus", j_str(cpus));
    put(o, "memory_mb", j_dbl((double)node->memory_bytes / (1024.0 * 1024.0)));
    put(o, "bandwidth_gbs", j_dbl(r->node_bw_gbs ? r->node_bw_gbs[n] : 0));
    free(cpus);
    return o;
}

static json_object *results_json(const struct ns_results *r)
{
    const struct ns_topo *t = r->topo;
    json_object *root = j_obj(), *doms = j_arr(), *pcpus = j_arr(), *nodes = j_arr();

    put(root, "seed", j_u64(r->seed));
    put(root, "duration_ns", j_u64(r->duration_ns));
    put(root, "warmup_ns", j_u64(r->warmup_ns));
    put(root, "sched", j_str(r->sched));
    put(root, "events", j_u64(r->events));
    if (r->trace_hz > 0)        /* the TSC rate of the run's xentrace file */
        put(root, "trace_hz", j_u64((uint64_t)r->trace_hz));
    put(root, "host", host_json(t));
    for (size_t i = 0; i < r->nr_domains; i++)
        push(doms, domain_json(&r->dom[i], t->nr_nodes));
    put(root, "domains", doms);
    for (unsigned p = 0; p < t->nr_pcpus; p++)
        push(pcpus, pcpu_json(&r->pcpu[p], r->duration_ns));
    put(root, "pcpus", pcpus);
    for (unsigned n = 0; n < t->nr_nodes; n++)
        push(nodes, node_json(r, n));
    put(root, "nodes", nodes);
    return root;
}

void ns_report_emit_json(const struct ns_results *r, FILE *f)
{
    json_object *root = results_json(r);
    int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                JSON_C_TO_STRING_NOSLASHESCAPE;
    const char *text = json_object_to_json_string_ext(root, flags);

    if (!text)
        oom();
    fputs(text, f);
    fputc('\n', f);
    json_object_put(root);       /* text belongs to root */
}
