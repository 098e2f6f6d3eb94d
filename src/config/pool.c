/*
 * cpupools (facts 5): xlcpupool.cfg files listed in the scenario,
 *
 *     pools = [ "node1.pool" ]          # name, sched, cpus or nodes
 *
 * or the split `xl cpupool-numa-split` makes (`cpupool_numa_split = 1`).
 *
 * Pool-0 exists from boot with the scenario's scheduler, holds every pCPU
 * at first, CPU 0 always, and Domain-0. A pool file takes its pCPUs from
 * the free ones, as `xl cpupool-create` does after the operator has taken
 * them out of Pool-0 with `xl cpupool-cpu-remove`: here every pCPU but
 * CPU 0 counts as free until a pool file (in list order) takes it, and
 * Pool-0 keeps what no pool took. Each pool runs its own scheduler
 * instance; its tunables start as Pool-0's and a pool file may set its own
 * tslice_ms, ratelimit_us and migration_delay_us (numasched keys: Xen sets
 * them per pool with `xl sched-credit -p`).
 *
 * Pool file keys, as `xl cpupool-create` reads them (5.1):
 *   name    the pool's name, unique; xl uses the file's name without one
 *   sched   its scheduler; default: Pool-0's
 *   nodes   [N, ...]: the free pCPUs of those nodes (none free: error)
 *   cpus    [N, ...] or an xl cpu-list string: those pCPUs, all free
 *   neither: a pool without pCPUs, as xl 4.22's code creates it (its man
 *   page says "the first free CPU"); no domain can be put in it.
 * nodes wins over cpus when both are given, as in xl.
 *
 * The man page says nodes may be "an integer or a list", but xl reads it
 * only as a list (xlu_cfg_get_list) and, warned, goes on as if it were
 * absent: `nodes = 1` makes an empty pool there. And xl reads each item of
 * either list with atoi(), so [ "8-15" ] is pCPU 8 alone. A single value
 * for nodes and an item that is not a plain number are refused here rather
 * than given a meaning xl would not give them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/internal.h"

/* Who holds each pCPU while the pool files are read. */
struct pool_load {
    struct ns_sim_spec *s;
    const struct ns_topo *t;
    size_t *owner;        /* [nr_pcpus]: index into s->pool; 0 = Pool-0 */
};

static struct ns_pool_spec *add_pool(struct ns_sim_spec *s, const char *name, const char *sched)
{
    s->pool = ns_xrealloc(s->pool, (s->nr_pools + 1) * sizeof(*s->pool));
    struct ns_pool_spec *p = &s->pool[s->nr_pools++];

    memset(p, 0, sizeof(*p));
    p->name = ns_xstrdup(name);
    p->sched = ns_xstrdup(sched);
    p->params = s->pool[0].params;
    ns_mask_init(&p->cpus, s->topo->nr_pcpus);
    return p;
}

/* Move @cpus from Pool-0 to pool @idx. */
static void give(struct pool_load *l, size_t idx, const struct ns_mask *cpus)
{
    ns_mask_or(&l->s->pool[idx].cpus, &l->s->pool[idx].cpus, cpus);
    ns_mask_andnot(&l->s->pool[0].cpus, &l->s->pool[0].cpus, cpus);
    ns_mask_for_each(cpu, cpus)
        l->owner[cpu] = idx;
}

/* ---- one pool file ------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int pool_name(struct cfg_file *f, const struct ns_sim_spec *s, const char **out,
                     struct ns_err *err)
{
    int rc = cfg_get_string(f, "name", out, err);

    if (rc < 0)
        return -1;
    if (rc > 0)
        *out = base_name(f->path);
    if (!**out)
        return cfg_fail(f, "name", err, "must not be empty");
    if (cfg_check_name(f, "name", *out, err) < 0)
        return -1;
    for (size_t i = 0; i < s->nr_pools; i++)
        if (strcmp(s->pool[i].name, *out) == 0)
            return cfg_fail(f, rc ? NULL : "name", err, "a cpupool named \"%s\" exists already",
                            *out);
    return 0;
}

static int pool_sched(struct cfg_file *f, const struct ns_sim_spec *s, const char **out,
                      struct ns_err *err)
{
    char known[256];

    *out = s->pool[0].sched;
    if (cfg_get_string(f, "sched", out, err) < 0)
        return -1;
    if (!ns_sched_find(*out))
        return cfg_fail(f, "sched", err, "unknown scheduler \"%s\" (known: %s)", *out,
                        cfg_join(ns_sched_names(), known, sizeof(known)));
    return 0;
}

/* The union of @key's items, each a plain number read by @parse. */
static int get_numbers(struct cfg_file *f, const char *key, const char *what,
                       const struct ns_topo *t,
                       int (*parse)(const char *, const struct ns_topo *, struct ns_mask *,
                                    struct ns_err *),
                       struct ns_mask *out, struct ns_err *err)
{
    size_t n;
    const char *const *items;
    struct ns_mask m;
    struct ns_err inner;
    int rc = 0;

    if (cfg_get_strings(f, key, &n, &items, err))
        return -1;
    ns_mask_zero(out);
    ns_mask_init(&m, out->nbits);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *item = items[i];

        if (!*item || item[strspn(item, "0123456789")])
            rc = cfg_fail(f, key, err, "\"%s\" is not a %s number (xl reads each item "
                          "with atoi)", item, what);
        else if (parse(item, t, &m, &inner))
            rc = cfg_wrap(f, key, err, &inner);
        ns_mask_or(out, out, &m);
    }
    ns_mask_free(&m);
    return rc;
}

/* nodes = [N, ...]: the free pCPUs of those nodes, at least one. */
static int pool_nodes(struct cfg_file *f, struct pool_load *l, struct ns_mask *cpus,
                      struct ns_err *err)
{
    struct ns_mask nodes;
    int rc;

    if (!cfg_is_list(f, "nodes"))
        return cfg_fail(f, "nodes", err, "must be a list, nodes = [ N, ... ] (xl ignores a "
                        "single value)");
    ns_mask_init(&nodes, l->t->nr_nodes);
    rc = get_numbers(f, "nodes", "node", l->t, cfg_nodelist_parse, &nodes, err);
    ns_mask_zero(cpus);
    ns_mask_for_each(n, &nodes)
        ns_mask_or(cpus, cpus, &l->t->node[n].cpus);
    for (unsigned cpu = 0; cpu < l->t->nr_pcpus; cpu++)
        if (cpu == 0 || l->owner[cpu] != 0)
            ns_mask_clear(cpus, cpu);
    if (rc == 0 && ns_mask_empty(cpus)) {
        char *list = ns_mask_format(&nodes);
        rc = cfg_fail(f, "nodes", err, "no free pCPU in node(s) %s (xl: \"no free cpu "
                      "found\")", list);
        free(list);
    }
    ns_mask_free(&nodes);
    return rc;
}

/* cpus = [N, ...] or "cpu-list": those pCPUs, every one of them free. */
static int pool_cpus(struct cfg_file *f, struct pool_load *l, struct ns_mask *cpus,
                     struct ns_err *err)
{
    const char *list;
    struct ns_err inner;

    if (cfg_is_list(f, "cpus")) {
        if (get_numbers(f, "cpus", "pCPU", l->t, ns_cpulist_parse, cpus, err))
            return -1;
    } else if (cfg_get_string(f, "cpus", &list, err)) {
        return -1;
    } else if (ns_cpulist_parse(list, l->t, cpus, &inner)) {
        return cfg_wrap(f, "cpus", err, &inner);
    }
    ns_mask_for_each(cpu, cpus) {
        if (cpu == 0)
            return cfg_fail(f, "cpus", err, "pCPU 0 belongs to Pool-0 and can never leave it");
        if (l->owner[cpu] != 0)
            return cfg_fail(f, "cpus", err, "pCPU %zu is already in cpupool %s", cpu,
                            l->s->pool[l->owner[cpu]].name);
    }
    return 0;
}

static int pool_file(struct cfg_file *f, struct pool_load *l, struct ns_err *err)
{
    struct ns_sim_spec *s = l->s;
    const char *name, *sched;
    struct ns_sched_params params = s->pool[0].params;
    struct ns_mask cpus;
    int rc;

    if (pool_name(f, s, &name, err) || pool_sched(f, s, &sched, err) ||
        cfg_sched_params(f, &params, err))
        return -1;
    ns_mask_init(&cpus, l->t->nr_pcpus);
    if (cfg_has(f, "nodes"))
        rc = pool_nodes(f, l, &cpus, err);
    else if (cfg_has(f, "cpus"))
        rc = pool_cpus(f, l, &cpus, err);
    else
        rc = 0;
    if (rc == 0) {
        add_pool(s, name, sched)->params = params;
        give(l, s->nr_pools - 1, &cpus);
    }
    ns_mask_free(&cpus);
    return rc;
}

static int load_pool_file(struct cfg_file *scn, const char *dir, const char *rel,
                          struct pool_load *l, struct ns_err *err)
{
    char *path = cfg_scenario_path(dir, rel);
    struct cfg_file f;
    int rc;

    if (access(path, R_OK) != 0) {
        rc = cfg_fail(scn, "pools", err, "%s: cannot read: %s", path, strerror(errno));
    } else {
        rc = cfg_open(&f, path, err);
        if (rc == 0) {
            cfg_fold_inputs(&f, &l->s->inputs);
            rc = pool_file(&f, l, err);
            cfg_close(&f);
        }
    }
    free(path);
    return rc;
}

/* ---- xl cpupool-numa-split -------------------------------------------------------- */

/*
 * Only when Pool-0 is the only pool: Pool-0 shrinks to the node of CPU 0
 * and becomes "Pool-node<N>"; every other node with pCPUs gets a pool
 * "Pool-node<N>" with Pool-0's scheduler, in the order of their first pCPU
 * (facts 5). The dom0 vCPUs beyond Pool-0's pCPUs go offline afterwards
 * (cfg_pools_settle_dom0).
 */
static void numa_split(struct pool_load *l)
{
    struct ns_sim_spec *s = l->s;
    const struct ns_topo *t = l->t;
    unsigned home = ns_topo_node_of(t, 0);
    bool *done = ns_xcalloc(t->nr_nodes, sizeof(*done));
    char name[64];

    snprintf(name, sizeof(name), "Pool-node%u", home);
    free(s->pool[0].name);
    s->pool[0].name = ns_xstrdup(name);
    done[home] = true;
    for (unsigned cpu = 0; cpu < t->nr_pcpus; cpu++) {
        unsigned node = ns_topo_node_of(t, cpu);
        if (done[node])
            continue;
        done[node] = true;
        snprintf(name, sizeof(name), "Pool-node%u", node);
        add_pool(s, name, s->pool[0].sched);
        give(l, s->nr_pools - 1, &t->node[node].cpus);
    }
    free(done);
}

int cfg_pools_load(struct cfg_file *scenario, const char *dir, struct ns_sim_spec *s,
                   bool *numa_split_done, struct ns_err *err)
{
    struct pool_load l = {s, s->topo, ns_xcalloc(s->topo->nr_pcpus, sizeof(size_t))};
    size_t n = 0;
    const char *const *files = NULL;
    long split = 0;
    int rc = cfg_get_strings(scenario, "pools", &n, &files, err);

    if (rc >= 0)
        rc = cfg_get_long(scenario, "cpupool_numa_split", 0, 1, &split, err);
    if (rc >= 0 && split && n > 0)
        rc = cfg_fail(scenario, "cpupool_numa_split", err, "splitting is only possible "
                      "while Pool-0 is the only cpupool, and `pools` lists %zu", n);
    for (size_t i = 0; rc >= 0 && i < n; i++)
        rc = load_pool_file(scenario, dir, files[i], &l, err);
    if (rc >= 0 && split)
        numa_split(&l);
    *numa_split_done = rc >= 0 && split;
    free(l.owner);
    return rc < 0 ? -1 : 0;
}

void cfg_pools_settle_dom0(struct ns_sim_spec *s)
{
    size_t online = ns_mask_weight(&s->pool[0].cpus);

    if (s->has_dom0 && s->dom[0].nr_vcpus > online)
        s->dom[0].nr_vcpus = (unsigned)online;
}
