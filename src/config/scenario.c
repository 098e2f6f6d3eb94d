/*
 * Scenario files: the host, the scheduler, how long to run, placement, the
 * cpupool files and which domain files to boot. The keys are numasched's
 * own, but the syntax is xl's, read by libxlutil like everything else.
 *
 * Relative paths (domain files, pool files, topology XML) are relative to
 * the scenario file's folder, so a scenario folder can be moved and run
 * from anywhere.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/internal.h"

/* Every key a scenario may have: anything else is a typo worth reporting,
 * since a misspelt "duraton" would otherwise be silently ignored. */
static const char *const scenario_keys[] = {
    "host", "distances", "memory_per_node",
    "sched", "tslice_ms", "ratelimit_us", "migration_delay_us", "credit_compat",
    "quirk_fixes", "credit2_compat", "credit2_runqueue", "sched_credit2_max_cpus_runqueue",
    "sched_credit2_migrate_resist", "null_compat", "rtds_compat", "duration", "warmup", "create_gap", "seed", "check",
    "dom0", "dom0_memory", "domains", "placement", "placement_version", "pools", "cpupool_numa_split",
    NULL,
};

struct key_check {
    const struct cfg_file *f;
    struct ns_err *err;
};

static int check_key(void *arg, const char *key, size_t len, int line)
{
    struct key_check *c = arg;
    char name[64], known[512];

    for (size_t i = 0; scenario_keys[i]; i++)
        if (strlen(scenario_keys[i]) == len && memcmp(scenario_keys[i], key, len) == 0)
            return 0;
    const char *file;
    int origin;
    cfg_origin(c->f, line, &file, &origin);
    snprintf(name, sizeof(name), "%.*s", (int)len, key);
    return ns_err_set(c->err, file, origin, name, "unknown scenario key (known: %s)",
                      cfg_join(scenario_keys, known, sizeof(known)));
}

/* ---- host ------------------------------------------------------------------ */

/* One SLIT value: SLIT entries are bytes, 10 meaning local. */
static int distance_value(const struct cfg_file *f, const char *s, int row, unsigned *out,
                          struct ns_err *err)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);

    if (end == s || *end || errno || s[0] == '-' || v < 1 || v > 255)
        return cfg_fail(f, "distances", err, "row %d: \"%s\" is not a distance (1..255)", row, s);
    *out = (unsigned)v;
    return 0;
}

/* Row @row: "10 20", "10,20" or [10, 20]. Appends to *m (of *n values). */
static int distance_row(const struct cfg_file *f, XLU_ConfigList *rows, int row,
                        unsigned **m, size_t *n, struct ns_err *err)
{
    const char *s = xlu_cfg_get_listitem(rows, row);

    if (s) {
        char *copy = ns_xstrdup(s), *save = NULL;
        int rc = 0;
        for (char *tok = strtok_r(copy, " \t,", &save); tok && !rc;
             tok = strtok_r(NULL, " \t,", &save)) {
            *m = ns_xrealloc(*m, (*n + 1) * sizeof(**m));
            rc = distance_value(f, tok, row, &(*m)[(*n)++], err);
        }
        free(copy);
        return rc;
    }

    XLU_ConfigList *cols;
    if (xlu_cfg_value_get_list(f->xlu, xlu_cfg_get_listitem2(rows, row), &cols, 1))
        return cfg_fail(f, "distances", err, "row %d is neither a string nor a list", row);
    for (int i = 0; xlu_cfg_get_listitem2(cols, i); i++) {
        const char *v = xlu_cfg_get_listitem(cols, i);
        if (!v)
            return cfg_fail(f, "distances", err, "row %d: element %d is a list", row, i);
        *m = ns_xrealloc(*m, (*n + 1) * sizeof(**m));
        if (distance_value(f, v, row, &(*m)[(*n)++], err))
            return -1;
    }
    return 0;
}

static int load_distances(const struct cfg_file *f, struct ns_topo *t, struct ns_err *err)
{
    XLU_ConfigList *rows;
    int nr_rows;
    int rc = cfg_get_list(f, "distances", &rows, &nr_rows, err);

    if (rc)
        return rc < 0 ? -1 : 0;
    if ((unsigned)nr_rows != t->nr_nodes)
        return cfg_fail(f, "distances", err, "%d rows, but the host has %u nodes",
                        nr_rows, t->nr_nodes);

    unsigned *m = NULL;
    size_t n = 0;
    for (int r = 0; r < nr_rows && !rc; r++) {
        size_t before = n;
        rc = distance_row(f, rows, r, &m, &n, err);
        if (!rc && n - before != (size_t)nr_rows)
            rc = cfg_fail(f, "distances", err, "row %d has %zu values, expected %d", r,
                          n - before, nr_rows);
    }
    if (!rc) {
        struct ns_err inner;
        if (ns_topo_set_distances(t, m, (unsigned)nr_rows, &inner))
            rc = cfg_wrap(f, "distances", err, &inner);
    }
    free(m);
    return rc;
}

static int load_memory_per_node(const struct cfg_file *f, struct ns_topo *t,
                                struct ns_err *err)
{
    const char *s;
    uint64_t bytes;
    struct ns_err inner;
    int rc = cfg_get_string(f, "memory_per_node", &s, err);

    if (rc == 0) {
        if (cfg_size_parse(s, &bytes, &inner))
            return cfg_wrap(f, "memory_per_node", err, &inner);
        if (bytes == 0)
            return cfg_fail(f, "memory_per_node", err, "must be more than 0");
        ns_topo_set_memory_per_node(t, bytes);
    } else if (rc < 0) {
        return -1;
    }

    /* Domains' memory lives on nodes: a node without any is a topology
     * string that forgot numa(memory=...). */
    for (unsigned i = 0; i < t->nr_nodes; i++)
        if (t->node[i].memory_bytes == 0)
            return cfg_fail(f, "host", err, "node %u has no memory: give it in the host "
                            "string, e.g. [numa(memory=6GiB)], or set memory_per_node", i);
    return 0;
}

/* The host as loaded, not its file: an XML export or "live" is an input too. */
static void fold_host(const struct ns_topo *t, uint64_t *inputs)
{
    char *json = NULL;
    size_t len = 0;
    FILE *f = ns_xmemstream(&json, &len);

    ns_topo_print_json(t, f);
    fclose(f);
    *inputs = ns_fnv1a(*inputs, json, len);
    free(json);
}

static int load_host(const struct cfg_file *f, const char *dir, struct ns_sim_spec *s,
                     struct ns_err *err)
{
    const char *spec;
    struct ns_err inner;
    int rc = cfg_get_string(f, "host", &spec, err);

    if (rc < 0)
        return -1;
    if (rc > 0)
        return cfg_fail(f, "host", err, "missing: give an hwloc synthetic string, "
                        "an hwloc XML file or \"live\"");
    s->topo = ns_topo_load(spec, dir, &inner);
    if (!s->topo)
        return cfg_wrap(f, "host", err, &inner);
    if (load_distances(f, s->topo, err) || load_memory_per_node(f, s->topo, err))
        return -1;
    fold_host(s->topo, &s->inputs);
    ns_host_params_default(&s->host);
    return 0;
}

/* ---- run ------------------------------------------------------------------- */

static int load_seed(const struct cfg_file *f, uint64_t *seed, struct ns_err *err)
{
    const char *s;
    int rc = cfg_get_string(f, "seed", &s, err);

    if (rc)
        return rc < 0 ? -1 : 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno)
        return cfg_fail(f, "seed", err, "\"%s\" is not a non-negative integer below 2^64", s);
    *seed = v;
    return 0;
}

static int load_run(const struct cfg_file *f, const struct ns_overrides *ov,
                    struct ns_sim_spec *s, struct ns_err *err)
{
    long check = 0;
    int rc = cfg_get_duration(f, "duration", &s->duration, err);

    if (rc < 0)
        return -1;
    if (rc == 0 && s->duration == 0)
        return cfg_fail(f, "duration", err, "must be longer than 0");
    if (rc > 0 && !(ov && ov->has_duration))
        return cfg_fail(f, "duration", err, "missing: give the measured time, "
                        "e.g. duration = 30 (seconds) or \"500ms\"");
    s->warmup = 0;
    if (cfg_get_duration(f, "warmup", &s->warmup, err) < 0)
        return -1;
    /* `xl create` takes 1 to 2.5 s per domain with a vif and disks (Lucina,
     * mirageos-devel, 2014-12): the low end, docs/model.md. */
    s->create_gap_ns = NS_CREATE_GAP_DEFAULT;
    if (cfg_get_duration(f, "create_gap", &s->create_gap_ns, err) < 0)
        return -1;
    s->seed = 1;
    if (load_seed(f, &s->seed, err))
        return -1;
    if (cfg_get_long(f, "check", 0, 1, &check, err) < 0)
        return -1;
    s->check = check;

    if (ov && ov->has_duration)
        s->duration = ov->duration;
    if (ov && ov->has_seed)
        s->seed = ov->seed;
    return 0;
}

/* ---- scheduler and Pool-0 ---------------------------------------------------- */

/* @key: a Xen version, "4.2" .. "4.22" or "current" (402 .. 422). */
static int load_version(const struct cfg_file *f, const char *key, unsigned *version,
                        struct ns_err *err)
{
    const char *s;
    int rc = cfg_get_string(f, key, &s, err);

    if (rc)
        return rc < 0 ? -1 : 0;
    if (ns_xen_version_parse(s, version, err))
        return cfg_wrap(f, key, err, err);
    return 0;
}

/* Bounds as Xen's sysctls enforce them (facts 1.4). */
int cfg_sched_params(const struct cfg_file *f, struct ns_sched_params *params,
                     struct ns_err *err)
{
    long tslice = params->tslice_ms, ratelimit = params->ratelimit_us;
    long delay = params->migration_delay_us;

    if (cfg_get_long(f, "tslice_ms", 1, 1000, &tslice, err) < 0 ||
        cfg_get_long(f, "ratelimit_us", 0, 500000, &ratelimit, err) < 0 ||
        cfg_get_long(f, "migration_delay_us", 0, 100000, &delay, err) < 0)
        return -1;
    if (ratelimit > 0 && ratelimit < 100)
        return cfg_fail(f, "ratelimit_us", err, "must be 0 (off) or between 100 and 500000, "
                        "not %ld", ratelimit);
    params->tslice_ms = (unsigned)tslice;
    params->ratelimit_us = (unsigned)ratelimit;
    params->migration_delay_us = (unsigned)delay;
    return 0;
}

/*
 * quirk_fixes = [ "NAME", ... ]: switch on the fix of each named QUIRK,
 * scheduler quirks (every pool) and placement quirks alike.
 */
static int load_quirk_fixes(struct cfg_file *f, struct ns_sched_params *params,
                            unsigned *place_fixes, struct ns_err *err)
{
    size_t n = 0;
    const char *const *names;
    int rc = cfg_get_strings(f, "quirk_fixes", &n, &names, err);

    if (rc)
        return rc < 0 ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        int sched_bit = ns_sched_quirk_bit(names[i]);
        int place_bit = ns_place_quirk_bit(names[i]);
        if (sched_bit > 0) {
            params->quirk_fixes |= (unsigned)sched_bit;
        } else if (place_bit > 0) {
            *place_fixes |= (unsigned)place_bit;
        } else {
            char a[512], b[256];
            return cfg_fail(f, "quirk_fixes", err, "unknown quirk \"%s\" (known: %s, %s)",
                            names[i], cfg_join(ns_sched_quirk_names(), a, sizeof(a)),
                            cfg_join(ns_place_quirk_names(), b, sizeof(b)));
        }
    }
    return 0;
}

/*
 * credit2's version (4.8 to 4.22: older credit2 was experimental) and boot
 * options, under Xen's names (facts 3.1, 3.2, 3.8): the runqueue
 * arrangement, the most pCPUs per runqueue, migrate_resist in us.
 */
static int load_credit2(const struct cfg_file *f, struct ns_sched_params *params,
                        struct ns_err *err)
{
    const char *arrangement;
    long max = params->credit2_max_cpus_runqueue, resist = params->credit2_migrate_resist_us;
    char known[128];
    int rc;

    if (load_version(f, "credit2_compat", &params->credit2_compat, err))
        return -1;
    if (params->credit2_compat < 408)
        return cfg_fail(f, "credit2_compat", err, "credit2 is modelled from Xen 4.8 (\"4.8\" "
                        "to \"4.22\"), not 4.%u", params->credit2_compat - 400);
    rc = cfg_get_string(f, "credit2_runqueue", &arrangement, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        int a = ns_c2_runqueue_parse(arrangement);
        if (a < 0)
            return cfg_fail(f, "credit2_runqueue", err, "unknown arrangement \"%s\" (known: %s)",
                            arrangement, cfg_join(ns_c2_runqueue_names(), known, sizeof(known)));
        params->credit2_runqueue = (enum ns_c2_runqueue)a;
    }
    if (cfg_get_long(f, "sched_credit2_max_cpus_runqueue", 1, NS_TOPO_MAX_PCPUS, &max, err) < 0 ||
        cfg_get_long(f, "sched_credit2_migrate_resist", 0, 1000000, &resist, err) < 0)
        return -1;
    params->credit2_max_cpus_runqueue = (unsigned)max;
    params->credit2_migrate_resist_us = (unsigned)resist;
    return 0;
}

/* The null scheduler's version: Xen has it from 4.9 (facts 4.1). */
static int load_null(const struct cfg_file *f, struct ns_sched_params *params, struct ns_err *err)
{
    if (load_version(f, "null_compat", &params->null_compat, err))
        return -1;
    if (params->null_compat < 409)
        return cfg_fail(f, "null_compat", err, "the null scheduler is Xen's from 4.9 (\"4.9\" "
                        "to \"4.22\"), not 4.%u", params->null_compat - 400);
    return 0;
}

/* RTDS's version: modelled from 4.7, when it became event driven. */
static int load_rtds(const struct cfg_file *f, struct ns_sched_params *params, struct ns_err *err)
{
    if (load_version(f, "rtds_compat", &params->rtds_compat, err))
        return -1;
    if (params->rtds_compat < 407)
        return cfg_fail(f, "rtds_compat", err, "RTDS is modelled from Xen 4.7, when it became "
                        "event driven (\"4.7\" to \"4.22\"), not 4.%u",
                        params->rtds_compat - 400);
    return 0;
}

static int load_sched(struct cfg_file *f, const struct ns_topo *t,
                      struct ns_sim_spec *s, struct ns_err *err)
{
    const char *name = "credit";
    struct ns_sched_params params;
    char known[256];

    if (cfg_get_string(f, "sched", &name, err) < 0)
        return -1;
    if (!ns_sched_find(name))
        return cfg_fail(f, "sched", err, "unknown scheduler \"%s\" (known: %s)", name,
                        cfg_join(ns_sched_names(), known, sizeof(known)));

    ns_sched_params_default(&params);
    if (cfg_sched_params(f, &params, err) ||
        load_version(f, "credit_compat", &params.compat, err) ||
        load_credit2(f, &params, err) ||
        load_null(f, &params, err) ||
        load_rtds(f, &params, err) ||
        load_quirk_fixes(f, &params, &s->placement_fixes, err))
        return -1;

    /* Pool-0: every pCPU, the scenario's scheduler (Xen's boot cpupool). */
    s->pool = ns_xcalloc(1, sizeof(*s->pool));
    s->nr_pools = 1;
    s->pool[0].name = ns_xstrdup("Pool-0");
    s->pool[0].sched = ns_xstrdup(name);
    ns_mask_init(&s->pool[0].cpus, t->nr_pcpus);
    ns_mask_fill(&s->pool[0].cpus);
    s->pool[0].params = params;
    return 0;
}

/*
 * libxl's automatic NUMA placement is on unless placement = "none" (libxl's
 * numa_placement defaults to true). It follows the Xen version of
 * credit_compat unless placement_version names another one.
 */
static int load_placement(const struct cfg_file *f, struct ns_sim_spec *s, struct ns_err *err)
{
    const char *placement;
    int rc = cfg_get_string(f, "placement", &placement, err);

    if (rc < 0)
        return -1;
    if (rc == 0 && strcmp(placement, "none") != 0 && strcmp(placement, "auto") != 0)
        return cfg_fail(f, "placement", err, "\"%s\": use \"auto\" (libxl places new "
                        "domains, the default) or \"none\"", placement);
    s->placement_off = rc == 0 && strcmp(placement, "none") == 0;
    return load_version(f, "placement_version", &s->placement_version, err);
}

/* ---- domains ---------------------------------------------------------------------- */

/* @rel relative to the scenario's folder; "vm1.cfg" stays "vm1.cfg" when
 * the scenario is in the current folder, which reads better in messages. */
char *cfg_scenario_path(const char *dir, const char *rel)
{
    return strcmp(dir, ".") == 0 ? ns_xstrdup(rel) : ns_path_join(dir, rel);
}

static int load_domain(const struct cfg_file *f, const char *key, const char *dir,
                       const char *rel, bool dom0, const struct ns_overrides *ov,
                       struct ns_sim_spec *s, struct ns_err *err)
{
    char *path = cfg_scenario_path(dir, rel);
    struct cfg_domain_ctx c = {s->topo, dom0, s->dom, s->nr_dom, s, NULL, 0, 0, NULL,
                               &s->inputs, ov ? ov->params : NULL, ov ? ov->nr_params : 0};
    int rc;

    if (!dom0 && ov) {
        c.set = ov->guest;
        c.nr_set = ov->nr_guest;
        c.number = ov->number_guests ? (unsigned)(s->nr_dom + 1 - s->has_dom0) : 0;
        c.workload = ov->workload;
    }

    /* A missing file is the scenario's mistake: say where it is named. */
    if (access(path, R_OK) != 0)
        rc = cfg_fail(f, key, err, "%s: cannot read: %s", path, strerror(errno));
    else
        rc = cfg_domain_load(path, &c, &s->dom[s->nr_dom], err);
    free(path);
    if (rc == 0)
        s->nr_dom++;
    return rc;
}

/* dom0_memory = "xen" (Xen's dom0 builder, the default) or "striped" (as a
 * guest's): the second is the model before it knew the first (docs/model.md). */
static int load_dom0_memory(const struct cfg_file *f, struct ns_sim_spec *s, struct ns_err *err)
{
    const char *v;
    int rc = cfg_get_string(f, "dom0_memory", &v, err);

    if (rc)
        return rc < 0 ? -1 : 0;
    if (strcmp(v, "xen") != 0 && strcmp(v, "striped") != 0)
        return cfg_fail(f, "dom0_memory", err, "\"%s\": want \"xen\" or \"striped\"", v);
    s->dom0_striped = v[0] == 's';
    return 0;
}

static int load_domains(struct cfg_file *f, const char *dir, const struct ns_overrides *ov,
                        struct ns_sim_spec *s, struct ns_err *err)
{
    const char *dom0;
    size_t n = 0;
    const char *const *files = NULL;
    int has_dom0 = cfg_get_string(f, "dom0", &dom0, err);
    int rc = cfg_get_strings(f, "domains", &n, &files, err);

    if (has_dom0 < 0 || rc < 0)
        return -1;
    s->has_dom0 = has_dom0 == 0;
    if (load_dom0_memory(f, s, err) < 0)
        return -1;
    if (n == 0 && !s->has_dom0)
        return cfg_fail(f, "domains", err, "%s: a scenario needs at least one domain, "
                        "e.g. domains = [ \"vm1.cfg\" ], or a dom0", rc ? "missing" : "empty");

    if (n + s->has_dom0 > NS_MAX_DOMAINS)
        return cfg_fail(f, "domains", err, "%zu domains, more than numasched's limit of %u "
                        "(Xen's domain ids end at 32751)", n + s->has_dom0, NS_MAX_DOMAINS);

    s->dom = ns_xcalloc(n + s->has_dom0, sizeof(*s->dom));
    if (s->has_dom0 && load_domain(f, "dom0", dir, dom0, true, ov, s, err))
        return -1;
    size_t vcpus = s->has_dom0 ? s->dom[0].max_vcpus : 0;
    for (size_t i = 0; i < n; i++) {
        if (load_domain(f, "domains", dir, files[i], false, ov, s, err))
            return -1;
        vcpus += s->dom[s->nr_dom - 1].max_vcpus;
        if (vcpus > NS_MAX_VCPUS)
            return cfg_fail(f, "domains", err, "%s brings the vCPUs to %zu, more than "
                            "numasched's limit of %u", files[i], vcpus, NS_MAX_VCPUS);
    }
    return 0;
}

/* ---- the whole scenario -------------------------------------------------------------- */

/* The last domain must come up within the 1,000,000 s any duration may
 * take, so that creation + warm-up + duration stays far from wrapping. */
static int check_creation(const struct cfg_file *f, struct ns_sim_spec *s, struct ns_err *err)
{
    ns_time_t limit = 1000000 * NS_S;

    if (s->nr_dom > 1 && s->create_gap_ns > limit / (s->nr_dom - 1))
        return cfg_fail(f, "create_gap", err, "%zu domains this far apart would take more "
                        "than 1,000,000 s to create", s->nr_dom);
    return 0;
}

int ns_config_load(const char *path, const struct ns_overrides *ov,
                   struct ns_sim_spec *out, struct ns_err *err)
{
    struct cfg_file f;
    bool split = false;

    if (cfg_open_set(&f, path, ov ? ov->scenario : NULL, ov ? ov->nr_scenario : 0, err))
        return -1;
    char *dir = ns_path_dir(path);
    struct key_check kc = {&f, err};

    out->inputs = NS_FNV_BASIS;
    cfg_fold_inputs(&f, &out->inputs);

    int rc = cfg_each_key(&f, check_key, &kc);
    if (!rc)
        rc = load_host(&f, dir, out, err);
    if (!rc)
        rc = load_run(&f, ov, out, err);
    if (!rc)
        rc = load_sched(&f, out->topo, out, err);
    if (!rc)
        rc = load_placement(&f, out, err);
    if (!rc)
        rc = cfg_pools_load(&f, dir, out, &split, err);
    if (!rc)
        rc = load_domains(&f, dir, ov, out, err);
    /* The command line's model parameters win over the scenario's keys. */
    for (size_t i = 0; !rc && ov && i < ov->nr_params; i++)
        rc = ns_config_param_set(out, ov->params[i].name, ov->params[i].value, err);
    if (!rc)
        rc = check_creation(&f, out, err);
    if (!rc && split)
        cfg_pools_settle_dom0(out);
    free(dir);
    cfg_close(&f);
    if (rc)
        ns_sim_spec_free(out);   /* the caller gets nothing on failure */
    return rc ? -1 : 0;
}

int ns_config_create(const char *path, const struct ns_overrides *ov,
                     struct ns_sim_spec *out, struct ns_place_report *report,
                     struct ns_err *err)
{
    if (ns_config_load(path, ov, out, err) < 0)
        return -1;
    if (ns_place_spec(out, report, err) < 0) {
        ns_sim_spec_free(out);
        return -1;
    }
    return 0;
}
