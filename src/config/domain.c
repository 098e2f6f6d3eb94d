/*
 * Domain files: ordinary xl.cfg files plus numasched's `workload` and its
 * parameters. Keys xl knows but numasched does not model (disk, vif,
 * kernel, ...) are left alone, so real configs load as they are.
 *
 * Where the memory lives is not decided here: place/ runs libxl's placement
 * and Xen's allocator over the whole scenario (ns_place_spec). The keys it
 * reads are memory, maxmem, shadow_memory, type, vcpus, maxvcpus, cpus,
 * cpus_soft, pool, and numasched's node_affinity and memory_nodes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

/* Far beyond what Xen gives a guest (HVM: 128 on x86); a bigger number is a typo. */
#define MAX_VCPUS ((long)NS_MAX_DOMAIN_VCPUS)
/* 1 PiB, in MiB. */
#define MAX_MEMORY_MIB (1L << 30)
#define DOM0_NAME "Domain-0"

static int load_name(struct cfg_file *f, const struct cfg_domain_ctx *c,
                     struct ns_domain_spec *d, struct ns_err *err)
{
    const char *name = DOM0_NAME;

    /* Whatever dom0's file calls it, Xen's dom0 is Domain-0. */
    if (!c->dom0) {
        int rc = cfg_get_string(f, "name", &name, err);
        if (rc < 0)
            return -1;
        if (rc > 0)
            return cfg_fail(f, "name", err, "missing: every domain needs a name");
        if (!*name)
            return cfg_fail(f, "name", err, "must not be empty");
        if (cfg_check_name(f, "name", name, err) < 0)
            return -1;
        if (strcmp(name, DOM0_NAME) == 0)
            return cfg_fail(f, "name", err, "\"%s\" is dom0's name (a scenario gives dom0 "
                            "with dom0 = \"FILE\")", DOM0_NAME);
    }
    /* Whole: cutting the name could split a UTF-8 character. */
    char *own = c->number ? ns_xasprintf("%s-%u", name, c->number) : ns_xstrdup(name);
    for (size_t i = 0; i < c->nr_others; i++) {
        if (strcmp(c->others[i].name, own) == 0) {
            cfg_fail(f, "name", err, "\"%s\" is already the name of the domain in %s", own,
                     c->others[i].file);
            free(own);
            return -1;
        }
    }
    d->name = own;
    return 0;
}

/*
 * type = "pv" | "hvm" | "pvh"; older configs say builder = "hvm" or
 * "generic" (PV), which xl still reads and checks against type (xl_parse.c,
 * RELEASE-4.22.0): any other builder, or one that contradicts type, is an
 * error there too. PVH is not PV for memory purposes (2 MiB overhead, HAP),
 * so it counts as hvm; pvh is set too because libxc lays out its memory
 * without the device model's VGA hole and video RAM (place/alloc.c).
 */
static int load_type(struct cfg_file *f, struct ns_domain_spec *d, struct ns_err *err)
{
    const char *type = NULL, *builder;
    int rc = cfg_get_string(f, "type", &type, err);

    if (rc < 0)
        return -1;
    if (type && strcmp(type, "pv") != 0 && strcmp(type, "hvm") != 0 && strcmp(type, "pvh") != 0)
        return cfg_fail(f, "type", err, "unknown type \"%s\" (use pv, hvm or pvh)", type);
    rc = cfg_get_string(f, "builder", &builder, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (strcmp(builder, "generic") != 0 && strcmp(builder, "hvm") != 0)
            return cfg_fail(f, "builder", err, "unknown builder \"%s\" (use hvm or generic, "
                            "or type)", builder);
        const char *as_type = strcmp(builder, "hvm") == 0 ? "hvm" : "pv";
        if (type && strcmp(type, as_type) != 0)
            return cfg_fail(f, "builder", err, "\"%s\" contradicts type = \"%s\"", builder,
                            type);
        type = as_type;
    }
    d->hvm = type && strcmp(type, "pv") != 0;
    d->pvh = type && strcmp(type, "pvh") == 0;
    return 0;
}

/*
 * numasched's rtds_period_us, rtds_budget_us and rtds_extratime: what
 * `xl sched-rtds -d DOM -v all -p P -b B -e E` gives every vCPU of the
 * domain, under Xen's bounds (rt_dom_cntl): both at least 10 us, the budget
 * at most the period. The most is libxl's, whose parameters are ints of us.
 * Whichever is not given keeps Xen's default (10000 us, 4000 us, extratime
 * on). Any scheduler accepts them; only rtds reads them.
 */
#define RTDS_MIN_US 10L
#define RTDS_MAX_US 2147483647L

static int load_rtds(struct cfg_file *f, struct ns_domain_spec *d, struct ns_err *err)
{
    long period = 10000, budget = 4000, extratime = 1;

    if (cfg_get_long(f, "rtds_period_us", RTDS_MIN_US, RTDS_MAX_US, &period, err) < 0 ||
        cfg_get_long(f, "rtds_budget_us", RTDS_MIN_US, RTDS_MAX_US, &budget, err) < 0)
        return -1;
    if (budget > period)
        return cfg_fail(f, "rtds_budget_us", err, "%ld is more than the period, %ld us (Xen "
                        "wants budget <= period)", budget, period);
    /* xl's -e takes 0 or 1. */
    if (cfg_get_long(f, "rtds_extratime", 0, 1, &extratime, err) < 0)
        return -1;
    d->rtds = (struct ns_rtds_params){.period_us = (unsigned)period,
                                      .budget_us = (unsigned)budget,
                                      .no_extratime = extratime == 0};
    return 0;
}

static int load_vcpus(struct cfg_file *f, const struct ns_topo *t, bool dom0,
                      struct ns_domain_spec *d, struct ns_err *err)
{
    long vcpus = dom0 ? (long)t->nr_pcpus : 1, maxvcpus, weight = 256, cap = 0;

    if (cfg_get_long(f, "vcpus", 1, MAX_VCPUS, &vcpus, err) < 0)
        return -1;
    maxvcpus = vcpus;
    if (cfg_get_long(f, "maxvcpus", 1, MAX_VCPUS, &maxvcpus, err) < 0)
        return -1;
    if (maxvcpus < vcpus)
        return cfg_fail(f, "maxvcpus", err, "%ld is fewer than vcpus = %ld", maxvcpus, vcpus);
    if (cfg_get_long(f, "cpu_weight", 1, 65535, &weight, err) < 0)
        return -1;
    /* Xen bounds a cap by the domain's vCPUs, each worth 100. */
    if (cfg_get_long(f, "cap", 0, 100 * maxvcpus, &cap, err) < 0)
        return -1;

    d->nr_vcpus = (unsigned)vcpus;
    d->max_vcpus = (unsigned)maxvcpus;
    d->weight = (unsigned)weight;
    d->cap = (unsigned)cap;
    return 0;
}

/* A node list given as a string, or as a list of strings whose union is taken. */
static int get_nodes(struct cfg_file *f, const char *key, const struct ns_topo *t,
                     struct ns_mask *out, struct ns_err *err)
{
    const char *s;
    struct ns_err inner;

    if (!cfg_is_list(f, key)) {
        if (cfg_get_string(f, key, &s, err))
            return -1;
        if (cfg_nodelist_parse(s, t, out, &inner))
            return cfg_wrap(f, key, err, &inner);
        return 0;
    }

    size_t n;
    const char *const *items;
    struct ns_mask one;
    if (cfg_get_strings(f, key, &n, &items, err))
        return -1;
    ns_mask_zero(out);
    ns_mask_init(&one, out->nbits);
    for (size_t i = 0; i < n; i++) {
        if (cfg_nodelist_parse(items[i], t, &one, &inner)) {
            ns_mask_free(&one);
            return cfg_wrap(f, key, err, &inner);
        }
        ns_mask_or(out, out, &one);
    }
    ns_mask_free(&one);
    return 0;
}

/* Xen cannot build a domain whose memory is not free: check what the
 * domains before this one left of the host. */
static int check_fits(struct cfg_file *f, const struct cfg_domain_ctx *c,
                      const struct ns_domain_spec *d, struct ns_err *err)
{
    uint64_t host_kb = ns_topo_total_memory(c->topo) / 1024, used_kb = 0;

    for (size_t i = 0; i < c->nr_others; i++)
        used_kb += c->others[i].memory_kb;
    if (used_kb + d->memory_kb <= host_kb)
        return 0;
    return cfg_fail(f, "memory", err,
                    "%s does not fit: it needs %llu MiB, but the domains before it leave "
                    "%llu MiB of the host's %llu MiB", d->name,
                    (unsigned long long)(d->memory_kb / 1024),
                    (unsigned long long)((used_kb < host_kb ? host_kb - used_kb : 0) / 1024),
                    (unsigned long long)(host_kb / 1024));
}

/* maxmem= (MiB, at least memory=) and shadow_memory= (MiB): the memory need
 * libxl's placement computes (facts 7.2). */
static int load_memory_limits(struct cfg_file *f, struct ns_domain_spec *d, struct ns_err *err)
{
    long memory_mib = (long)(d->memory_kb / 1024), maxmem = memory_mib, shadow;
    int rc;

    if (cfg_get_long(f, "maxmem", 1, MAX_MEMORY_MIB, &maxmem, err) < 0)
        return -1;
    if (maxmem < memory_mib)
        return cfg_fail(f, "maxmem", err, "%ld is less than memory = %ld", maxmem, memory_mib);
    d->max_memory_kb = (uint64_t)maxmem * 1024;
    rc = cfg_get_long(f, "shadow_memory", 0, MAX_MEMORY_MIB, &shadow, err);
    if (rc < 0)
        return -1;
    d->shadow_given = rc == 0;
    d->shadow_kb = d->shadow_given ? (uint64_t)shadow * 1024 : 0;
    return 0;
}

/*
 * memory_nodes (numasched only): stripe this domain's memory over these
 * nodes instead of its node affinity, with the allocator's usual spilling.
 * For what-if runs ("memory on node 1, vCPUs anywhere"); Xen itself has no
 * such key (vNUMA's pnode comes closest).
 */
static int load_memory_nodes(struct cfg_file *f, const struct ns_topo *t,
                             struct ns_domain_spec *d, struct ns_err *err)
{
    ns_mask_init(&d->memory_nodes, t->nr_nodes);
    if (!cfg_has(f, "memory_nodes"))
        return 0;
    if (get_nodes(f, "memory_nodes", t, &d->memory_nodes, err))
        return -1;
    if (ns_mask_empty(&d->memory_nodes))
        return cfg_fail(f, "memory_nodes", err, "selects no node");
    return 0;
}

static int load_memory(struct cfg_file *f, const struct cfg_domain_ctx *c,
                       struct ns_domain_spec *d, struct ns_err *err)
{
    long mib;
    int rc = cfg_get_long(f, "memory", 1, MAX_MEMORY_MIB, &mib, err);

    if (rc < 0)
        return -1;
    if (rc > 0)
        return cfg_fail(f, "memory", err, "missing: give the domain's memory in MiB");
    d->memory_kb = (uint64_t)mib * 1024;
    if (check_fits(f, c, d, err) || load_memory_limits(f, d, err))
        return -1;
    return load_memory_nodes(f, c->topo, d, err);
}

/* Parse one cpu-list for @key (element @elem of a list, or -1) into @m. */
static int parse_cpus(struct cfg_file *f, const char *key, int elem, const char *s,
                      const struct ns_topo *t, struct ns_mask *m, struct ns_err *err)
{
    struct ns_err inner;

    if (ns_cpulist_parse(s, t, m, &inner)) {
        if (elem < 0)
            return cfg_wrap(f, key, err, &inner);
        return cfg_fail(f, key, err, "element %d: %s", elem, inner.msg);
    }
    /* Xen refuses an empty affinity. */
    if (ns_mask_empty(m)) {
        if (elem < 0)
            return cfg_fail(f, key, err, "\"%s\" selects no pCPU", s);
        return cfg_fail(f, key, err, "element %d: \"%s\" selects no pCPU", elem, s);
    }
    return 0;
}

/*
 * cpus= / cpus_soft=: one string for every vCPU, or a list whose element i
 * is vCPU i's mask. Elements beyond max_vcpus are ignored and vCPUs without
 * one keep "all", as xl does.
 */
static int load_affinity(struct cfg_file *f, const char *key, const struct ns_topo *t,
                         struct ns_domain_spec *d, struct ns_mask **masks, bool *given,
                         bool *is_list, struct ns_err *err)
{
    *masks = ns_xcalloc(d->max_vcpus, sizeof(**masks));
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        ns_mask_init(&(*masks)[i], t->nr_pcpus);
        ns_mask_fill(&(*masks)[i]);
    }
    if (!cfg_has(f, key))
        return 0;
    *given = true;

    if (!cfg_is_list(f, key)) {
        const char *s;
        if (cfg_get_string(f, key, &s, err) ||
            parse_cpus(f, key, -1, s, t, &(*masks)[0], err))
            return -1;
        for (unsigned i = 1; i < d->max_vcpus; i++)
            ns_mask_copy(&(*masks)[i], &(*masks)[0]);
        return 0;
    }

    XLU_ConfigList *list;
    int n;
    if (cfg_get_list(f, key, &list, &n, err))
        return -1;
    if (is_list)
        *is_list = true;
    for (int i = 0; i < n && (unsigned)i < d->max_vcpus; i++) {
        const char *s = xlu_cfg_get_listitem(list, i);
        if (!s)
            return cfg_fail(f, key, err, "element %d is a list, expected a cpu-list string", i);
        if (parse_cpus(f, key, i, s, t, &(*masks)[i], err))
            return -1;
    }
    return 0;
}

static int load_node_affinity(struct cfg_file *f, const struct ns_topo *t,
                              struct ns_domain_spec *d, struct ns_err *err)
{
    ns_mask_init(&d->node_affinity, t->nr_nodes);
    if (!cfg_has(f, "node_affinity"))
        return 0;
    if (get_nodes(f, "node_affinity", t, &d->node_affinity, err))
        return -1;
    if (ns_mask_empty(&d->node_affinity))
        return cfg_fail(f, "node_affinity", err, "selects no node");
    /* As in Xen, setting every node means "back to automatic". */
    if (ns_mask_full(&d->node_affinity))
        ns_mask_zero(&d->node_affinity);
    return 0;
}

/* The pool named @name, NULL if none. */
static const struct ns_pool_spec *find_pool(const struct ns_sim_spec *s, const char *name)
{
    for (size_t i = 0; i < s->nr_pools; i++)
        if (strcmp(s->pool[i].name, name) == 0)
            return &s->pool[i];
    return NULL;
}

static int no_such_pool(struct cfg_file *f, const struct ns_sim_spec *s, const char *name,
                        struct ns_err *err)
{
    char known[512];
    const char **names = ns_xcalloc(s->nr_pools + 1, sizeof(*names));

    for (size_t i = 0; i < s->nr_pools; i++)
        names[i] = s->pool[i].name;
    cfg_join(names, known, sizeof(known));
    free(names);
    return cfg_fail(f, "pool", err, "no cpupool named \"%s\" (cpupools: %s)", name, known);
}

/*
 * Hard affinity outside the pool is refused by Xen (facts 6): every vCPU
 * with a cpus= mask must have a pCPU of the pool in it.
 */
static int check_affinity_in_pool(struct cfg_file *f, const struct ns_domain_spec *d,
                                  const struct ns_pool_spec *pool, struct ns_err *err)
{
    for (unsigned i = 0; d->hard_given && i < d->max_vcpus; i++) {
        if (ns_mask_intersects(&d->hard[i], &pool->cpus))
            continue;
        char *cpus = ns_mask_format(&d->hard[i]), *in_pool = ns_mask_format(&pool->cpus);
        cfg_fail(f, "cpus", err, "vCPU %u may run on pCPUs %s, none of them in cpupool %s "
                 "(pCPUs %s)", i, cpus, pool->name, in_pool);
        free(cpus);
        free(in_pool);
        return -1;
    }
    return 0;
}

/* pool = "NAME" (default: Pool-0, which dom0 never leaves). */
static int load_pool(struct cfg_file *f, const struct cfg_domain_ctx *c,
                     struct ns_domain_spec *d, struct ns_err *err)
{
    const struct ns_sim_spec *s = c->spec;
    const struct ns_pool_spec *pool = &s->pool[0];
    const char *name;
    int rc = cfg_get_string(f, "pool", &name, err);

    if (rc < 0)
        return -1;
    if (rc == 0) {
        pool = find_pool(s, name);
        if (!pool)
            return no_such_pool(f, s, name, err);
        if (c->dom0 && pool != &s->pool[0])
            return cfg_fail(f, "pool", err, "Domain-0 lives in %s, the boot cpupool, not %s",
                            s->pool[0].name, name);
        d->pool = ns_xstrdup(name);
    }
    /* Xen refuses to put a domain in a pool without pCPUs (facts 5). */
    if (ns_mask_empty(&pool->cpus))
        return cfg_fail(f, rc == 0 ? "pool" : NULL, err, "cpupool %s has no pCPUs: Xen "
                        "cannot add %s to it", pool->name, d->name);
    return check_affinity_in_pool(f, d, pool, err);
}

/*
 * The workload's keys as the domain file gives them, except a number the
 * command line sets for every guest of this workload (`--set
 * lmbench-proc.mem_stall=0.2`, params.c), which wins as --set's host
 * parameters win over the scenario's: a sensitivity run moves one
 * workload's profile without editing its domain files.
 */
struct wl_keys {
    struct ns_params file;
    const char *workload;
    const struct cfg_domain_ctx *c;
};

static const char *set_value(const struct wl_keys *w, const char *key)
{
    return cfg_workload_param(w->c->params, w->c->nr_params, w->workload, key);
}

static int keys_number(void *ctx, const char *key, double *out, struct ns_err *err)
{
    struct wl_keys *w = ctx;
    const char *v = set_value(w, key);
    char *end;

    if (!v)
        return w->file.get_number(w->file.ctx, key, out, err);
    errno = 0;
    *out = strtod(v, &end);
    if (!*v || *end || errno)
        return ns_err_set(err, NULL, 0, NULL, "--set %s.%s=%s: not a number", w->workload,
                          key, v);
    return 0;
}

static int keys_duration(void *ctx, const char *key, ns_time_t *out, struct ns_err *err)
{
    struct wl_keys *w = ctx;
    return w->file.get_duration(w->file.ctx, key, out, err);
}

static int keys_string(void *ctx, const char *key, const char **out, struct ns_err *err)
{
    struct wl_keys *w = ctx;
    return w->file.get_string(w->file.ctx, key, out, err);
}

static int keys_list(void *ctx, const char *key, size_t *n, const char *const **items,
                     struct ns_err *err)
{
    struct wl_keys *w = ctx;
    return w->file.get_list(w->file.ctx, key, n, items, err);
}

static int keys_fail(void *ctx, const char *key, struct ns_err *err, const char *msg)
{
    struct wl_keys *w = ctx;
    const char *v = set_value(w, key);

    if (!v)
        return w->file.fail(w->file.ctx, key, err, msg);
    return ns_err_set(err, NULL, 0, NULL, "--set %s.%s=%s: %s", w->workload, key, v, msg);
}

static int load_workload(struct cfg_file *f, const struct cfg_domain_ctx *c,
                         struct ns_domain_spec *d, struct ns_err *err)
{
    /* A dom0 mostly waits for its guests' I/O: light work is its natural default. */
    const char *name = c->dom0 ? "idle" : c->workload ? c->workload : "cpu";
    struct wl_keys w = {.c = c};

    if (cfg_get_string(f, "workload", &name, err) < 0)
        return -1;

    w.workload = name;
    cfg_params(f, &w.file);
    struct ns_params params = {&w, keys_number, keys_duration, keys_string, keys_list,
                               keys_fail};
    /* ns_workload_parse names the known workloads if this one is not. */
    d->workload = ns_workload_parse(name, &params, err);
    return d->workload ? 0 : -1;
}

/*
 * xl.cfg keys whose effect on placement, memory or scheduling numasched does
 * not model. Accepting them would run a scenario Xen would not: a vnuma
 * guest (4.12+) is never placed by libxl, and its memory goes to the
 * vnodes' pnodes, not striped over the node affinity.
 */
static int refuse_unmodelled(struct cfg_file *f, struct ns_err *err)
{
    if (cfg_has(f, "vnuma"))
        return cfg_fail(f, "vnuma", err, "virtual NUMA guests are not modelled (Xen would skip "
                        "placement and put each vnode's memory on its pnode): leave it out, "
                        "and give memory_nodes and cpus instead");
    return 0;
}

int cfg_domain_load(const char *path, const struct cfg_domain_ctx *c,
                    struct ns_domain_spec *d, struct ns_err *err)
{
    const struct ns_topo *t = c->topo;
    struct cfg_file f;

    if (cfg_open_set(&f, path, c->set, c->nr_set, err))
        return -1;
    cfg_fold_inputs(&f, c->inputs);
    d->file = ns_xstrdup(path);

    int rc = refuse_unmodelled(&f, err);
    if (!rc)
        rc = load_name(&f, c, d, err);
    if (!rc)
        rc = load_type(&f, d, err);
    if (!rc)
        rc = load_vcpus(&f, t, c->dom0, d, err);
    if (!rc)
        rc = load_rtds(&f, d, err);
    if (!rc)
        rc = load_memory(&f, c, d, err);
    if (!rc)
        rc = load_affinity(&f, "cpus", t, d, &d->hard, &d->hard_given, &d->hard_is_list, err);
    if (!rc)
        rc = load_affinity(&f, "cpus_soft", t, d, &d->soft, &d->soft_given, NULL, err);
    if (!rc)
        rc = load_node_affinity(&f, t, d, err);
    if (!rc)
        rc = load_pool(&f, c, d, err);
    if (!rc)
        rc = load_workload(&f, c, d, err);

    cfg_close(&f);
    if (rc)
        ns_domain_spec_free(d);
    return rc;
}
