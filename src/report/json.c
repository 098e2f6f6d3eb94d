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

static double kb_to_mb(uint64_t kb) { return (double)kb / 1024.0; }

static json_object *host_json(const struct ns_topo *t)
{
    json_object *h = rj_obj(), *dist = rj_arr();

    rj_put(h, "nodes", rj_u64(t->nr_nodes));
    rj_put(h, "sockets", rj_u64(t->nr_sockets));
    rj_put(h, "cores", rj_u64(t->nr_cores));
    rj_put(h, "pcpus", rj_u64(t->nr_pcpus));
    for (unsigned a = 0; a < t->nr_nodes; a++) {
        json_object *row = rj_arr();
        for (unsigned b = 0; b < t->nr_nodes; b++)
            rj_push(row, rj_u64(ns_topo_distance(t, a, b)));
        rj_push(dist, row);
    }
    rj_put(h, "distances", dist);
    return h;
}

/* Percentiles are optional: a zero means the workload has no spread to give. */
static json_object *metric_json(const struct ns_metric *m)
{
    json_object *o = rj_obj();

    rj_put(o, "name", rj_str(m->name));
    rj_put(o, "unit", rj_str(m->unit));
    rj_put(o, "better", rj_str(m->higher_is_better ? "higher" : "lower"));
    rj_put(o, "value", rj_dbl(m->value));
    if (m->p50 != 0)
        rj_put(o, "p50", rj_dbl(m->p50));
    if (m->p90 != 0)
        rj_put(o, "p90", rj_dbl(m->p90));
    if (m->p99 != 0)
        rj_put(o, "p99", rj_dbl(m->p99));
    return o;
}

static json_object *vcpu_json(const struct ns_vcpu_result *v)
{
    return rj_vcpu_json(&(struct rj_vcpu){
        .id = v->id,
        .runstate_ns = v->runstate_ns,
        .local_run_ns = &v->local_run_ns,
        .remote_run_ns = &v->remote_run_ns,
        .migrations = v->migrations,
        .wakeups = v->wakeups,
        .wake_latency_mean_ns = v->wake_latency_mean_ns,
        .wake_latency_p50_ns = v->wake_latency_p50_ns,
        .wake_latency_p99_ns = v->wake_latency_p99_ns,
        .wake_latency_max_ns = v->wake_latency_max_ns,
    });
}

static json_object *domain_json(const struct ns_domain_result *d, unsigned nr_nodes)
{
    json_object *o = rj_obj(), *mem = rj_arr(), *vcpus = rj_arr();

    rj_put(o, "id", rj_u64(d->id));
    rj_put(o, "name", rj_str(d->name));
    rj_put(o, "workload", rj_str(d->workload));
    rj_put(o, "pool", rj_str(d->pool));
    rj_put(o, "metric", metric_json(&d->metric));
    for (unsigned n = 0; n < nr_nodes; n++)
        rj_push(mem, rj_dbl(d->memory_kb_per_node ? kb_to_mb(d->memory_kb_per_node[n]) : 0));
    rj_put(o, "memory_mb_per_node", mem);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        rj_push(vcpus, vcpu_json(&d->vcpu[i]));
    rj_put(o, "vcpus", vcpus);
    return o;
}

static json_object *pcpu_json(const struct ns_pcpu_result *p, ns_time_t duration)
{
    json_object *o = rj_obj();

    rj_put(o, "id", rj_u64(p->id));
    rj_put(o, "node", rj_u64(p->node));
    rj_put(o, "socket", rj_u64(p->socket));
    rj_put(o, "core", rj_u64(p->core));
    rj_put(o, "busy_ns", rj_u64(p->busy_ns));
    rj_put(o, "utilisation", rj_dbl(duration ? (double)p->busy_ns / (double)duration : 0));
    return o;
}

static json_object *node_json(const struct ns_results *r, unsigned n)
{
    const struct ns_topo_node *node = &r->topo->node[n];
    json_object *o = rj_obj();
    char *cpus = ns_mask_format(&node->cpus);

    rj_put(o, "id", rj_u64(n));
    rj_put(o, "cpus", rj_str(cpus));
    rj_put(o, "memory_mb", rj_dbl((double)node->memory_bytes / (1024.0 * 1024.0)));
    rj_put(o, "bandwidth_gbs", rj_dbl(r->node_bw_gbs ? r->node_bw_gbs[n] : 0));
    free(cpus);
    return o;
}

static json_object *results_json(const struct ns_results *r)
{
    const struct ns_topo *t = r->topo;
    json_object *root = rj_obj(), *doms = rj_arr(), *pcpus = rj_arr(), *nodes = rj_arr();

    rj_put(root, "seed", rj_u64(r->seed));
    rj_put(root, "duration_ns", rj_u64(r->duration_ns));
    rj_put(root, "warmup_ns", rj_u64(r->warmup_ns));
    rj_put(root, "sched", rj_str(r->sched));
    rj_put(root, "events", rj_u64(r->events));
    if (r->trace_hz > 0)        /* the TSC rate of the run's xentrace file */
        rj_put(root, "trace_hz", rj_u64((uint64_t)r->trace_hz));
    rj_put(root, "host", host_json(t));
    for (size_t i = 0; i < r->nr_domains; i++)
        rj_push(doms, domain_json(&r->dom[i], t->nr_nodes));
    rj_put(root, "domains", doms);
    for (unsigned p = 0; p < t->nr_pcpus; p++)
        rj_push(pcpus, pcpu_json(&r->pcpu[p], r->duration_ns));
    rj_put(root, "pcpus", pcpus);
    for (unsigned n = 0; n < t->nr_nodes; n++)
        rj_push(nodes, node_json(r, n));
    rj_put(root, "nodes", nodes);
    return root;
}

void ns_report_emit_json(const struct ns_results *r, FILE *f)
{
    rj_print(results_json(r), f);
}
