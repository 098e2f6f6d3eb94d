/*
 * The winner's settings, said the ways an operator applies them.
 *
 * What placement decided lives in the spec as masks: each vCPU's hard and
 * soft affinity, the domain's node affinity and where its memory went. xl
 * takes the first two (cpus=, cpus_soft=, or `xl vcpu-pin` on a running
 * domain) and derives the rest as Xen does: the node affinity from the
 * vCPUs' affinities, and the memory from the node affinity. So the memory
 * node hints are the cpu lists themselves, written with xl's "node:N"
 * syntax wherever a mask is exactly some nodes' pCPUs.
 *
 * cpus= is always written as a list, one item per vCPU: from xl 4.12 only a
 * per-vCPU list turns libxl's own placement off (facts 7.1), and a domain
 * whose affinity is given must not be placed a second time over it.
 *
 * cpupools: a guest outside Pool-0 gets pool= in its xl.cfg, or `xl
 * cpupool-migrate` when it runs; the move resets its vCPUs' affinities to
 * all (facts 5), so the pinning is said after it. The pools themselves are
 * `xl cpupool-numa-split` when the winner's are that split, else one
 * xlcpupool.cfg file each, created after its pCPUs have left Pool-0 (xl
 * takes only free pCPUs). A pool file says its pCPUs as a cpu list, which
 * names the exact pCPUs whatever pools came before, where `nodes=` would
 * take whichever of them are still free.
 *
 * libvirt has no soft affinity for Xen guests; its fragment pins what is
 * hard and states the memory policy in <numatune>: "interleave" for memory
 * striped over several nodes (what Xen's allocator does), "strict" for one
 * node the vCPUs are pinned to, "preferred" for one node they only favour.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "advise_internal.h"
#include "numasched/spec.h"
#include "numasched/workload.h"

/* ---- cpu lists ------------------------------------------------------------------------ */

/* The nodes whose pCPUs @m holds entirely, when @m is nothing but them. */
static bool as_nodes(const struct ns_topo *t, const struct ns_mask *m, struct ns_mask *nodes)
{
    struct ns_mask u;
    ns_mask_init(&u, t->nr_pcpus);
    for (unsigned n = 0; n < t->nr_nodes; n++)
        if (!ns_mask_empty(&t->node[n].cpus) && ns_mask_subset(&t->node[n].cpus, m)) {
            ns_mask_set(nodes, n);
            ns_mask_or(&u, &u, &t->node[n].cpus);
        }
    bool eq = !ns_mask_empty(nodes) && ns_mask_equal(&u, m);
    ns_mask_free(&u);
    return eq;
}

/* "node:1", "nodes:0-1,node:3" or "all" when xl can say it so, else "0-3,8". */
char *adv_cpulist(const struct ns_topo *t, const struct ns_mask *m)
{
    if (ns_mask_full(m))
        return ns_xstrdup("all");

    struct ns_mask nodes;
    ns_mask_init(&nodes, t->nr_nodes);
    if (!as_nodes(t, m, &nodes)) {
        ns_mask_free(&nodes);
        return ns_mask_format(m);
    }
    size_t cap = 16 * t->nr_nodes + 1, len = 0;
    char *s = ns_xmalloc(cap);
    s[0] = '\0';
    ns_mask_for_each(n, &nodes) {
        size_t end = n;
        if (n > 0 && ns_mask_test(&nodes, n - 1))
            continue;                           /* inside a run already written */
        while (end + 1 < t->nr_nodes && ns_mask_test(&nodes, end + 1))
            end++;
        len += (size_t)snprintf(s + len, cap - len, end > n ? "%snodes:%zu-%zu" : "%snode:%zu",
                                len ? "," : "", n, end);
    }
    ns_mask_free(&nodes);
    return s;
}

static bool all_equal(const struct ns_mask *m, unsigned n)
{
    for (unsigned v = 1; v < n; v++)
        if (!ns_mask_equal(&m[v], &m[0]))
            return false;
    return true;
}

static bool any_partial(const struct ns_mask *m, unsigned n)
{
    for (unsigned v = 0; v < n; v++)
        if (!ns_mask_full(&m[v]))
            return true;
    return false;
}

/* key = ["a", "b", ...], one item per vCPU. */
static void xl_list(const struct ns_topo *t, const char *key, const struct ns_mask *m, unsigned n,
                    FILE *out)
{
    fprintf(out, "%s = [", key);
    for (unsigned v = 0; v < n; v++) {
        char *s = adv_cpulist(t, &m[v]);
        fprintf(out, "%s\"%s\"", v ? ", " : "", s);
        free(s);
    }
    fputs("]\n", out);
}

void ns_advise_xl_lines(const struct ns_sim_spec *spec, size_t idx, FILE *out)
{
    const struct ns_domain_spec *d = &spec->dom[idx];

    if (d->pool)
        fprintf(out, "pool = \"%s\"\n", d->pool);
    xl_list(spec->topo, "cpus", d->hard, d->max_vcpus, out);
    if (!any_partial(d->soft, d->max_vcpus))
        return;
    if (all_equal(d->soft, d->max_vcpus)) {
        char *s = adv_cpulist(spec->topo, &d->soft[0]);
        fprintf(out, "cpus_soft = \"%s\"\n", s);
        free(s);
    } else {
        xl_list(spec->topo, "cpus_soft", d->soft, d->max_vcpus, out);
    }
}

/* ---- shell words --------------------------------------------------------------------------- */

/*
 * @s as one shell word: the commands are pasted into a shell, and a domain,
 * pool or file may be named "web 1" or "db's". Plain words stay as they are.
 */
static void sh_word(FILE *out, const char *s)
{
    size_t n = strlen(s);

    if (n && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789._+:@%/=,-") == n) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", out);
        else
            fputc(*s, out);
    }
    fputc('\'', out);
}

/* ---- cpupools ----------------------------------------------------------------------------- */

bool adv_numa_split(const struct ns_sim_spec *s)
{
    return strcmp(s->pool[0].name, "Pool-0") != 0;
}

/* NAME.pool, a '/' of the name made '_' as for the domain files' copies. */
char *adv_pool_file_name(const struct ns_sim_spec *s, size_t i)
{
    size_t len = strlen(s->pool[i].name) + 6;
    char *f = ns_xmalloc(len);

    snprintf(f, len, "%s.pool", s->pool[i].name);
    for (char *c = f; *c; c++)
        if (*c == '/')
            *c = '_';
    return f;
}

/* A tunable of pool @i, when it is not Pool-0's (which it starts from). */
static void pool_tunable(const char *prefix, const char *key, unsigned v, unsigned pool0,
                         FILE *out)
{
    if (v != pool0)
        fprintf(out, "%s%s = %u\n", prefix, key, v);
}

void adv_pool_file(const struct ns_sim_spec *s, size_t i, const char *prefix, FILE *out)
{
    const struct ns_pool_spec *p = &s->pool[i];
    const struct ns_sched_params *p0 = &s->pool[0].params;

    fprintf(out, "%sname = \"%s\"\n%ssched = \"%s\"\n", prefix, p->name, prefix, p->sched);
    if (!ns_mask_empty(&p->cpus)) {
        char *cpus = adv_cpulist(s->topo, &p->cpus);
        fprintf(out, "%scpus = \"%s\"\n", prefix, cpus);
        free(cpus);
    }
    pool_tunable(prefix, "tslice_ms", p->params.tslice_ms, p0->tslice_ms, out);
    pool_tunable(prefix, "ratelimit_us", p->params.ratelimit_us, p0->ratelimit_us, out);
    pool_tunable(prefix, "migration_delay_us", p->params.migration_delay_us,
                 p0->migration_delay_us, out);
}

static void xl_numa_split(const struct ns_sim_spec *s, FILE *out)
{
    fprintf(out, "\n# cpupools: one per NUMA node, as xl splits the host while Pool-0 is the "
            "only\n# cpupool: Pool-0 becomes %s, every other node N gets Pool-nodeN, all with "
            "Pool-0's\n# scheduler", s->pool[0].name);
    if (s->has_dom0)
        fprintf(out, "; Domain-0 keeps %u vCPU(s) online", s->dom[0].nr_vcpus);
    fputs("\nxl cpupool-numa-split\n", out);
}

static void xl_pool_files(const struct ns_sim_spec *s, FILE *out)
{
    fputs("\n# cpupools: each one's pCPUs leave Pool-0, then xl creates it from its\n"
          "# xlcpupool.cfg file (below; with --out, in DIR/apply/). A pool that exists with\n"
          "# another scheduler goes first: its domains to Pool-0 (xl cpupool-migrate), its\n"
          "# pCPUs out (xl cpupool-cpu-remove), then xl cpupool-destroy.\n", out);
    for (size_t i = 1; i < s->nr_pools; i++) {
        char *file = adv_pool_file_name(s, i);
        if (!ns_mask_empty(&s->pool[i].cpus)) {
            char *cpus = adv_cpulist(s->topo, &s->pool[i].cpus);
            fputs("xl cpupool-cpu-remove ", out);
            sh_word(out, s->pool[0].name);
            fprintf(out, " %s\n", cpus);
            free(cpus);
        }
        fputs("xl cpupool-create ", out);
        sh_word(out, file);
        fputc('\n', out);
        free(file);
    }
    for (size_t i = 1; i < s->nr_pools; i++) {
        char *file = adv_pool_file_name(s, i);
        fprintf(out, "# %s:\n", file);
        adv_pool_file(s, i, "#   ", out);
        free(file);
    }
}

/* ---- xl commands ------------------------------------------------------------------------ */

static void xl_vcpu_pin(const struct ns_sim_spec *spec, const struct ns_domain_spec *d, FILE *out)
{
    const struct ns_topo *t = spec->topo;
    bool same = all_equal(d->hard, d->max_vcpus) && all_equal(d->soft, d->max_vcpus);

    if (d->pool) {
        fputs("xl cpupool-migrate ", out);
        sh_word(out, d->name);
        fputc(' ', out);
        sh_word(out, d->pool);
        fputs("     # first: it resets the affinities\n", out);
    }
    for (unsigned v = 0; v < (same ? 1 : d->max_vcpus); v++) {
        char *h = adv_cpulist(t, &d->hard[v]), *s = adv_cpulist(t, &d->soft[v]);
        char which[16];
        snprintf(which, sizeof(which), "%u", v);
        fputs("xl vcpu-pin ", out);
        sh_word(out, d->name);
        fprintf(out, " %s %s %s\n", same ? "all" : which, h, s);
        free(h);
        free(s);
    }
}

/* ---- libvirt ----------------------------------------------------------------------------- */

static void xml_text(const char *s, FILE *out)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '\'': fputs("&apos;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* The nodes holding some of @d's memory. */
static void memory_nodes(const struct ns_sim_spec *spec, const struct ns_domain_spec *d,
                         struct ns_mask *nodes)
{
    for (unsigned n = 0; n < spec->topo->nr_nodes; n++)
        if (d->memory_kb_per_node && d->memory_kb_per_node[n])
            ns_mask_set(nodes, n);
}

static void xml_numatune(const struct ns_sim_spec *spec, const struct ns_domain_spec *d, FILE *out)
{
    struct ns_mask nodes;
    ns_mask_init(&nodes, spec->topo->nr_nodes);
    memory_nodes(spec, d, &nodes);
    if (!ns_mask_empty(&nodes)) {
        const char *mode = ns_mask_weight(&nodes) > 1 ? "interleave"
                           : any_partial(d->hard, d->max_vcpus) ? "strict" : "preferred";
        char *set = ns_mask_format(&nodes);
        fprintf(out, "  <numatune>\n    <memory mode='%s' nodeset='%s'/>\n  </numatune>\n",
                mode, set);
        free(set);
    }
    ns_mask_free(&nodes);
}

void ns_advise_libvirt_xml(const struct ns_sim_spec *spec, size_t idx, FILE *out)
{
    const struct ns_domain_spec *d = &spec->dom[idx];
    bool pinned = any_partial(d->hard, d->max_vcpus);

    fputs("<domain type='xen'>\n  <name>", out);
    xml_text(d->name, out);
    fprintf(out, "</name>\n  <memory unit='KiB'>%llu</memory>\n",
            (unsigned long long)d->memory_kb);
    if (pinned && all_equal(d->hard, d->max_vcpus)) {
        char *set = ns_mask_format(&d->hard[0]);
        fprintf(out, "  <vcpu placement='static' cpuset='%s'>%u</vcpu>\n", set, d->max_vcpus);
        free(set);
    } else {
        fprintf(out, "  <vcpu placement='static'>%u</vcpu>\n", d->max_vcpus);
    }
    if (pinned && !all_equal(d->hard, d->max_vcpus)) {
        fputs("  <cputune>\n", out);
        for (unsigned v = 0; v < d->max_vcpus; v++) {
            char *set = ns_mask_format(&d->hard[v]);
            fprintf(out, "    <vcpupin vcpu='%u' cpuset='%s'/>\n", v, set);
            free(set);
        }
        fputs("  </cputune>\n", out);
    }
    xml_numatune(spec, d, out);
    fprintf(out, "  <os>\n    <type>%s</type>\n  </os>\n</domain>\n", d->hvm ? "hvm" : "linux");
}

/* ---- all of it ----------------------------------------------------------------------------- */

void ns_advise_print_settings(const struct ns_sim_spec *spec, FILE *out)
{
    fprintf(out, "\n# Xen: Pool-0's scheduler is a boot option, sched=%s on Xen's command line\n"
            "# (check with `xl cpupool-list`)\n", spec->pool[0].sched);
    if (adv_numa_split(spec))
        xl_numa_split(spec, out);
    else if (spec->nr_pools > 1)
        xl_pool_files(spec, out);
    for (size_t i = spec->has_dom0; i < spec->nr_dom; i++) {
        const struct ns_domain_spec *d = &spec->dom[i];
        fprintf(out, "\n## %s (%s)\n\n# xl.cfg: these lines replace any cpus= and cpus_soft=\n",
                d->name, d->file);
        ns_advise_xl_lines(spec, i, out);
        fputs("\n# or, on the running domain (its memory stays where it is):\n", out);
        xl_vcpu_pin(spec, d, out);
        fputs("\n# libvirt: the <vcpu>, <cputune> and <numatune> of its domain XML\n", out);
        if (d->pool)
            fputs("# (numasched knows no libvirt element for a cpupool: move it with xl as "
                  "above)\n", out);
        ns_advise_libvirt_xml(spec, i, out);
    }
}
