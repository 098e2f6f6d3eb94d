/*
 * numasched place SCENARIO: what libxl's automatic NUMA placement and Xen's
 * allocator make of a scenario's domains, step by step, without simulating.
 * Works against a real host (host = "live" or an XML export) and real xl.cfg
 * files: a scenario for it needs only `host` and `domains`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numasched/config.h"
#include "numasched/place.h"

static const char place_help[] =
    "usage: numasched place SCENARIO [--xen VERSION]\n\n"
    "Create the scenario's domains in order, as `xl create` would, and print for\n"
    "each: whether libxl's automatic NUMA placement ran (or why not), its memory\n"
    "need, every candidate node set with its pCPUs, vCPUs and free memory, the one\n"
    "chosen, and then the domain's node affinity, hard and soft affinity and where\n"
    "Xen's allocator put its memory. Nothing is simulated, so `duration` and the\n"
    "workloads may be left out: `host = \"live\"` and your own xl.cfg files in\n"
    "`domains` show what this host would do with them.\n\n"
    "options:\n"
    "  --xen VERSION  libxl semantics to follow, \"4.2\" .. \"4.22\" or \"current\"\n"
    "                 (overrides the scenario's placement_version)\n"
    "  --help         this text\n";

/* ---- formatting ------------------------------------------------------------- */

/* KiB as MiB, exact to 3 decimals: "960 MiB", "5.75 MiB". */
static const char *mib(uint64_t kb, char *buf, size_t cap)
{
    if (kb % 1024 == 0) {
        snprintf(buf, cap, "%llu MiB", (unsigned long long)(kb / 1024));
        return buf;
    }
    snprintf(buf, cap, "%.3f", (double)kb / 1024.0);
    char *end = buf + strlen(buf);
    while (end[-1] == '0')
        *--end = '\0';
    snprintf(end, cap - (size_t)(end - buf), " MiB");
    return buf;
}

static void print_mask(FILE *out, const struct ns_mask *m)
{
    char *s = ns_mask_format(m);
    fputs(s, out);
    free(s);
}

/* "node 0 5120 MiB, node 1 5120 MiB" */
static void print_per_node(FILE *out, const struct ns_topo *t, const uint64_t *kb)
{
    char buf[64];

    for (unsigned n = 0; n < t->nr_nodes; n++)
        fprintf(out, "%snode %u %s", n ? ", " : "", n, mib(kb ? kb[n] : 0, buf, sizeof(buf)));
}

/* One mask for all vCPUs when they agree, else one per vCPU. */
static void print_affinity(FILE *out, const char *what, const struct ns_mask *m, unsigned n)
{
    bool same = true;

    for (unsigned v = 1; v < n; v++)
        same = same && ns_mask_equal(&m[v], &m[0]);
    fprintf(out, "%s ", what);
    for (unsigned v = 0; v < (same ? 1 : n); v++) {
        if (!same)
            fprintf(out, "%svCPU %u: ", v ? ", " : "", v);
        print_mask(out, &m[v]);
    }
}

static void print_host(FILE *out, const struct ns_sim_spec *s, const char *path, unsigned version)
{
    const struct ns_topo *t = s->topo;
    char buf[64];

    fprintf(out, "%s: %u node%s, %u pCPUs, %s\n", path, t->nr_nodes,
            t->nr_nodes == 1 ? "" : "s", t->nr_pcpus,
            mib(ns_topo_total_memory(t) / 1024, buf, sizeof(buf)));
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        fprintf(out, "  node %u: pCPUs ", n);
        print_mask(out, &t->node[n].cpus);
        fprintf(out, ", %s\n", mib(t->node[n].memory_bytes / 4096 * 4, buf, sizeof(buf)));
    }
    for (size_t i = 0; i < s->nr_pools; i++) {
        fprintf(out, "cpupool %s (%s): pCPUs ", s->pool[i].name, s->pool[i].sched);
        print_mask(out, &s->pool[i].cpus);
        fputc('\n', out);
    }
    if (s->placement_off)
        fprintf(out, "placement: off (placement = \"none\")\n\n");
    else
        fprintf(out, "placement: libxl of Xen 4.%u\n\n", version - 400);
}

/* ---- one domain ------------------------------------------------------------------ */

/* Why a candidate lost to the chosen one (7.3). */
static const char *verdict(const struct ns_place_domain *r, size_t i)
{
    const struct ns_place_candidate *c = &r->cand[i], *best = &r->cand[r->chosen];

    if (i == r->chosen)
        return "<- chosen";
    if (c->nr_vcpus > best->nr_vcpus)
        return "(more vCPUs)";
    if (c->free_kb < best->free_kb)
        return "(same vCPUs, less free memory)";
    if (c->free_kb > best->free_kb)
        return "(same vCPUs, more free memory: lost to the QUIRK of 7.3, int overflow)";
    return i > r->chosen ? "(a tie: libxl keeps the first found)" : "";
}

static void print_search(FILE *out, const struct ns_domain_spec *dom,
                         const struct ns_place_domain *r)
{
    char a[64], b[64], c[64], d[64];

    fprintf(out, "  needs %s (memory %s + paging %s + %s, rounded up to 2 MiB) and %u pCPUs "
            "(maxvcpus): %u node%s or more\n", mib(r->need_kb, a, sizeof(a)),
            mib(dom->memory_kb, b, sizeof(b)), mib(r->paging_kb, c, sizeof(c)),
            mib(r->extra_kb, d, sizeof(d)), r->min_cpus, r->min_nodes,
            r->min_nodes > 1 ? "s" : "");
    fprintf(out, "  %llu node set%s examined, %zu candidate%s%s\n",
            (unsigned long long)r->subsets, r->subsets == 1 ? "" : "s", r->nr_cand,
            r->nr_cand == 1 ? "" : "s", r->nr_cand ? ":" : "");
    for (size_t i = 0; i < r->nr_cand; i++) {
        const struct ns_place_candidate *x = &r->cand[i];
        char *nodes = ns_mask_format(&x->nodes);
        fprintf(out, "    nodes %-8s %4u pCPUs %5u vCPUs %14s free  %s\n", nodes, x->nr_cpus,
                x->nr_vcpus, mib(x->free_kb, a, sizeof(a)), verdict(r, i));
        free(nodes);
    }
}

static void print_domain(FILE *out, const struct ns_sim_spec *s, const struct ns_place_report *rep,
                         size_t i)
{
    const struct ns_domain_spec *d = &s->dom[i];
    const struct ns_place_domain *r = &rep->dom[i];
    bool ran = r->status == NS_PLACE_PLACED || r->status == NS_PLACE_NO_CANDIDATE;

    fprintf(out, "%s: %s\n", d->name, ns_place_status_text(r->status, rep->version));
    fprintf(out, "  free before: ");
    print_per_node(out, s->topo, r->free_kb);
    fputc('\n', out);
    if (ran)
        print_search(out, d, r);
    fprintf(out, "  node affinity ");
    print_mask(out, &r->node_affinity);
    fprintf(out, " (%s)\n  ", r->auto_node_affinity ? "automatic, from the vCPU affinities"
            : r->status == NS_PLACE_PLACED ? "set by placement" : "given");
    print_affinity(out, "hard affinity", d->hard, d->max_vcpus);
    fprintf(out, "\n  ");
    print_affinity(out, "soft affinity", d->soft, d->max_vcpus);
    fprintf(out, "\n  memory over nodes ");
    print_mask(out, &r->memory_nodes);
    fprintf(out, ": ");
    print_per_node(out, s->topo, d->memory_kb_per_node);
    fprintf(out, "\n\n");
}

/* ---- the command --------------------------------------------------------------------- */

static void help(FILE *out)
{
    fputs(place_help, out);
}

static int option(void *ctx, int c, const char *val)
{
    struct ns_err err;

    (void)c;                    /* 'x', the only one */
    if (ns_xen_version_parse(val, ctx, &err) < 0)
        return cli_misuse("place", "--xen: %s", err.msg);
    return CLI_OK;
}

int cli_place(int argc, char **argv)
{
    static const struct option opts[] = {
        {"xen", required_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct cli_args args = {"place", opts, option, help, "a SCENARIO file"};
    const char *scenario = NULL;
    unsigned version = 0;
    int rc = cli_parse(&args, argc, argv, &version, &scenario);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;

    /* Nothing runs: a duration is not needed. */
    struct ns_overrides ov = {.has_duration = true, .duration = NS_S};
    struct ns_sim_spec spec = {0};
    struct ns_place_report rep = {0};
    struct ns_err err;

    if (ns_config_load(scenario, &ov, &spec, &err) < 0) {
        ns_sim_spec_free(&spec);
        return cli_fail(&err);
    }
    if (version)
        spec.placement_version = version;
    rc = ns_place_spec(&spec, &rep, &err) < 0 ? cli_fail(&err) : CLI_OK;
    if (rc == CLI_OK) {
        print_host(stdout, &spec, scenario, rep.version);
        for (size_t i = 0; i < spec.nr_dom; i++)
            print_domain(stdout, &spec, &rep, i);
    }
    ns_place_report_free(&rep);
    ns_sim_spec_free(&spec);
    return rc;
}
