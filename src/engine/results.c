/*
 * Statistics: reset at the end of warm-up, collected at the end of the run
 * into plain data for report/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"

/* Start counting from now: what happened during warm-up is forgotten. */
void results_reset(struct ns_engine *e)
{
    e->counted_from = e->now;
    for (unsigned i = 0; i < e->topo->nr_pcpus; i++) {
        progress_flush_run(e, &e->pcpus[i]);
        e->pcpus[i].busy_ns = 0;
    }
    for (size_t i = 0; i < e->nr_vcpus; i++) {
        struct evcpu *v = e->vcpus[i];
        memset(v->runstate_ns, 0, sizeof(v->runstate_ns));
        v->v.runstate_entry = e->now;
        v->local_run_ns = v->remote_run_ns = 0;
        memset(v->migrations, 0, sizeof(v->migrations));
        ns_hist_reset(&v->wake_latency);
    }
    for (size_t i = 0; i < e->nr_doms; i++)
        ns_workload_start_measure(e->doms[i].wl, e->now);
    ns_host_refresh(e->host, e->now);
    if (!e->traffic_at_measure)
        e->traffic_at_measure = ns_xcalloc(e->topo->nr_nodes, sizeof(double));
    for (unsigned n = 0; n < e->topo->nr_nodes; n++)
        e->traffic_at_measure[n] = ns_host_node_traffic_gb(e->host, n);
}

static void collect_vcpu(struct ns_engine *e, struct evcpu *v, struct ns_vcpu_result *r)
{
    progress_set_runstate(e, v, v->v.runstate);     /* close the open interval */
    r->id = v->v.id;
    memcpy(r->runstate_ns, v->runstate_ns, sizeof(r->runstate_ns));
    r->local_run_ns = (ns_time_t)(v->local_run_ns + 0.5);
    r->remote_run_ns = (ns_time_t)(v->remote_run_ns + 0.5);
    memcpy(r->migrations, v->migrations, sizeof(r->migrations));
    r->wakeups = v->wake_latency.count;
    r->wake_latency_mean_ns = ns_hist_mean(&v->wake_latency);
    r->wake_latency_p50_ns = ns_hist_quantile(&v->wake_latency, 0.50);
    r->wake_latency_p99_ns = ns_hist_quantile(&v->wake_latency, 0.99);
    r->wake_latency_max_ns = v->wake_latency.max;
}

static void collect_domain(struct ns_engine *e, struct edomain *d, struct ns_domain_result *r)
{
    r->id = d->d.id;
    r->name = d->d.name;
    r->workload = ns_workload_spec_name(d->spec->workload);
    r->pool = d->d.pool->name;
    ns_workload_metric(d->wl, e->now, &r->metric);
    r->memory_kb_per_node = d->spec->memory_kb_per_node;
    r->nr_vcpus = d->d.nr_vcpus;
    r->vcpu = ns_xcalloc(d->d.nr_vcpus, sizeof(*r->vcpu));
    for (unsigned i = 0; i < d->d.nr_vcpus; i++)
        collect_vcpu(e, &d->vcpus[i], &r->vcpu[i]);
}

void results_collect(struct ns_engine *e)
{
    struct ns_results *r = &e->results;
    const struct ns_topo *t = e->topo;
    double secs = (double)e->spec->duration / (double)NS_S;

    r->seed = e->spec->seed;
    r->duration_ns = e->spec->duration;
    r->warmup_ns = e->spec->warmup;
    r->topo = t;
    r->sched = e->pools[0].sched->ops->name;
    r->events = e->events;
    r->trace_hz = e->spec->trace_hz;
    r->pcpu = ns_xcalloc(t->nr_pcpus, sizeof(*r->pcpu));
    for (unsigned i = 0; i < t->nr_pcpus; i++) {
        progress_flush_run(e, &e->pcpus[i]);
        r->pcpu[i] = (struct ns_pcpu_result){i, t->pcpu[i].node, t->pcpu[i].socket,
                                             t->pcpu[i].core, e->pcpus[i].busy_ns};
    }
    r->nr_domains = e->nr_doms;
    r->dom = ns_xcalloc(e->nr_doms, sizeof(*r->dom));
    for (size_t i = 0; i < e->nr_doms; i++)
        collect_domain(e, &e->doms[i], &r->dom[i]);
    r->node_bw_gbs = ns_xcalloc(t->nr_nodes, sizeof(double));
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        double gb = ns_host_node_traffic_gb(e->host, n) - e->traffic_at_measure[n];
        r->node_bw_gbs[n] = secs > 0 ? gb / secs : 0;
    }
}

void results_free(struct ns_engine *e)
{
    struct ns_results *r = &e->results;

    for (size_t i = 0; r->dom && i < r->nr_domains; i++)
        free(r->dom[i].vcpu);
    free(r->dom);
    free(r->pcpu);
    free(r->node_bw_gbs);
    memset(r, 0, sizeof(*r));
}
