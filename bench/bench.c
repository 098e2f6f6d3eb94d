/*
 * numasched's own speed: simulated seconds per wall second and events per
 * second on fixed scenarios, from the main example (16 pCPUs) to a 24-node,
 * 384-pCPU host with 600 two-vCPU VMs. Figures are printed, never asserted:
 * machines are shared and noisy.
 *
 * The cost per event should not grow with the host beyond a log factor (the
 * event heap) and the scheduler's own work; the 2-, 8- and 48-node rows have
 * the same load per pCPU on 16, 64 and 384 pCPUs, so their ns/event show it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/workload.h"

struct bench {
    const char *name;
    const char *scenario;      /* a scenario file, or NULL for a built one */
    const char *host;
    const char *sched;
    unsigned vms, vcpus;
    const char *workload;
    double seconds;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void add_vm(struct ns_domain_spec *d, const struct ns_topo *t, unsigned i,
                   const struct bench *b)
{
    struct ns_err err;
    char name[32];

    snprintf(name, sizeof(name), "vm%u", i + 1);
    d->name = ns_xstrdup(name);
    d->file = ns_xstrdup("bench");
    d->nr_vcpus = d->max_vcpus = b->vcpus;
    d->memory_kb = 960 * 1024;
    d->weight = 256;
    d->hard = ns_xcalloc(b->vcpus, sizeof(*d->hard));
    d->soft = ns_xcalloc(b->vcpus, sizeof(*d->soft));
    for (unsigned v = 0; v < b->vcpus; v++) {
        ns_mask_init(&d->hard[v], t->nr_pcpus);
        ns_mask_fill(&d->hard[v]);
        ns_mask_init(&d->soft[v], t->nr_pcpus);
        ns_mask_fill(&d->soft[v]);
    }
    ns_mask_init(&d->node_affinity, t->nr_nodes);
    /* Memory on the VM's "home" node, spread round robin like placement would. */
    d->memory_kb_per_node = ns_xcalloc(t->nr_nodes, sizeof(uint64_t));
    d->memory_kb_per_node[i % t->nr_nodes] = d->memory_kb;
    d->workload = ns_workload_parse(b->workload, NULL, &err);
}

static int build(const struct bench *b, struct ns_sim_spec *s, struct ns_err *err)
{
    if (b->scenario) {
        struct ns_overrides ov = {.has_duration = true,
                                  .duration = (ns_time_t)(b->seconds * NS_S)};
        return ns_config_create(b->scenario, &ov, s, NULL, err);
    }
    s->topo = ns_topo_load(b->host, NULL, err);
    if (!s->topo)
        return -1;
    ns_host_params_default(&s->host);
    s->duration = (ns_time_t)(b->seconds * NS_S);
    s->seed = 1;
    s->nr_pools = 1;
    s->pool = ns_xcalloc(1, sizeof(*s->pool));
    s->pool[0].name = ns_xstrdup("Pool-0");
    s->pool[0].sched = ns_xstrdup(b->sched);
    ns_sched_params_default(&s->pool[0].params);
    ns_mask_init(&s->pool[0].cpus, s->topo->nr_pcpus);
    ns_mask_fill(&s->pool[0].cpus);
    s->nr_dom = b->vms;
    s->dom = ns_xcalloc(b->vms, sizeof(*s->dom));
    for (unsigned i = 0; i < b->vms; i++)
        add_vm(&s->dom[i], s->topo, i, b);
    return 0;
}

static int run_bench(const struct bench *b)
{
    struct ns_sim_spec spec = {0};
    struct ns_err err;
    int rc = -1;

    if (build(b, &spec, &err) == 0) {
        double t0 = wall_now();
        struct ns_engine *e = ns_engine_create(&spec, &err);
        if (e && ns_engine_run(e, &err) == 0) {
            double wall = wall_now() - t0;
            const struct ns_results *r = ns_engine_results(e);
            double sim = (double)r->duration_ns / (double)NS_S;
            size_t vcpus = 0;
            for (size_t i = 0; i < spec.nr_dom; i++)
                vcpus += spec.dom[i].nr_vcpus;
            printf("%-38s %4u pCPUs %5zu vCPUs %7.2f sim-s/wall-s %10.0f events/s %5.0f ns/event\n",
                   b->name, spec.topo->nr_pcpus, vcpus, sim / wall, (double)r->events / wall, wall * 1e9 / (double)r->events);
            rc = 0;
        }
        ns_engine_free(e);
    }
    if (rc < 0)
        fprintf(stderr, "bench %s: %s\n", b->name, err.msg);
    ns_sim_spec_free(&spec);
    return rc;
}

int bench_trace(const char *filter);   /* bench_trace.c */

/* With an argument, only the benchmarks whose name contains it run. */
int main(int argc, char **argv)
{
    static const struct bench benches[] = {
        {"main example (specjbb-2node.cfg)", "examples/specjbb-2node.cfg", NULL, NULL, 4, 2, NULL, 10},
        {"2-node, 10 specjbb VMs, rr", NULL, "pack:2 [numa(memory=6GiB)] core:4 pu:2", "rr", 10, 2, "specjbb", 10},
        {"2-node, 10 specjbb VMs, credit", NULL, "pack:2 [numa(memory=6GiB)] core:4 pu:2", "credit", 10, 2, "specjbb", 10},
        {"2-node, 10 specjbb VMs, credit2", NULL, "pack:2 [numa(memory=6GiB)] core:4 pu:2", "credit2", 10, 2, "specjbb", 10},
        /* The same load per pCPU (1.25 busy vCPUs) on 4x and 24x the host. */
        {"8-node, 40 specjbb VMs, rr", NULL, "pack:8 [numa(memory=6GiB)] core:4 pu:2", "rr", 40, 2, "specjbb", 4},
        {"8-node, 40 specjbb VMs, credit", NULL, "pack:8 [numa(memory=6GiB)] core:4 pu:2", "credit", 40, 2, "specjbb", 4},
        {"8-node, 40 specjbb VMs, credit2", NULL, "pack:8 [numa(memory=6GiB)] core:4 pu:2", "credit2", 40, 2, "specjbb", 4},
        {"48-node, 240 specjbb VMs, rr", NULL, "pack:48 [numa(memory=6GiB)] core:4 pu:2", "rr", 240, 2, "specjbb", 1},
        {"48-node, 240 specjbb VMs, credit", NULL, "pack:48 [numa(memory=6GiB)] core:4 pu:2", "credit", 240, 2, "specjbb", 1},
        {"48-node, 240 specjbb VMs, credit2", NULL, "pack:48 [numa(memory=6GiB)] core:4 pu:2", "credit2", 240, 2, "specjbb", 1},
        /* null needs a pCPU per vCPU: 384 fork-heavy vCPUs that block and wake. */
        {"48-node, 192 lmbench-proc VMs, null", NULL, "pack:48 [numa(memory=6GiB)] core:4 pu:2", "null", 192, 2, "lmbench-proc", 1},
        {"24-node, 600 specjbb VMs, rr", NULL, "pack:24 [numa(memory=64GiB)] core:8 pu:2", "rr", 600, 2, "specjbb", 2},
        {"24-node, 600 specjbb VMs, credit", NULL, "pack:24 [numa(memory=64GiB)] core:8 pu:2", "credit", 600, 2, "specjbb", 2},
        {"24-node, 600 lmbench-proc VMs, credit", NULL, "pack:24 [numa(memory=64GiB)] core:8 pu:2", "credit", 600, 2, "lmbench-proc", 1},
    };
    int rc = 0;

    printf("numasched bench: one core, optimised build\n");
    for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
        if ((argc < 2 || strstr(benches[i].name, argv[1])) && run_bench(&benches[i]) < 0)
            rc = 1;
    if (bench_trace(argc < 2 ? NULL : argv[1]) < 0)
        rc = 1;
    return rc;
}
