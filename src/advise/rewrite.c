/*
 * The winner, written down as files `numasched run` takes: the operator's
 * own scenario and domain files, each copied as it is but for the keys the
 * winner sets, which are dropped and written again at the end. The copies
 * keep every comment and every workload parameter; libxlutil reads the last
 * of two assignments of a key, but dropping the old one leaves no doubt to
 * a reader.
 *
 * Domain files get the winner's affinity (settings.c's xl lines) and, where
 * placement set one, the node affinity, under numasched's own key: libxl's
 * placement sets it (from Xen 4.3) and xl has no key for it. The
 * scenario gets the winner's scheduler and the copies' names, and its
 * cpupools: `cpupool_numa_split = 1` when they are xl's split, else one
 * xlcpupool.cfg file per pool beyond Pool-0 (settings.c writes them as the
 * operator is told to), read back through the pool loader like any other.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "advise_internal.h"
#include "numasched/spec.h"

/* Is @line an assignment of one of @keys? */
static bool assigns(const char *line, const char *const *keys)
{
    while (isspace((unsigned char)*line))
        line++;
    for (const char *const *k = keys; *k; k++) {
        size_t n = strlen(*k);
        if (strncmp(line, *k, n) == 0 && (line[n] == '=' || isspace((unsigned char)line[n])))
            return true;
    }
    return false;
}

/*
 * Copy @src to @out without the assignments of @keys (a list value over
 * several lines goes with its key). *@had: whether @src assigns @probe.
 */
static int copy_without(const char *src, FILE *out, const char *const *keys, const char *probe,
                        bool *had, struct ns_err *err)
{
    FILE *in = fopen(src, "r");
    char *line = NULL;
    size_t cap = 0;
    bool skipping = false;

    if (!in)
        return ns_err_set(err, src, 0, NULL, "cannot read: %s", strerror(errno));
    *had = false;
    while (getline(&line, &cap, in) > 0) {
        if (probe && assigns(line, (const char *[]){probe, NULL}))
            *had = true;
        if (!skipping && assigns(line, keys))
            skipping = strchr(line, '[') && !strchr(line, ']');
        else if (skipping)
            skipping = !strchr(line, ']');
        else
            fputs(line, out);
    }
    free(line);
    fclose(in);
    return 0;
}

/* "Domain-0.cfg" for Domain-0 (no guest may take that name), NAME.cfg for a guest. */
static char *copy_name(const struct ns_sim_spec *s, size_t idx)
{
    const char *name = ns_spec_is_dom0(s, idx) ? "Domain-0" : s->dom[idx].name;
    size_t len = strlen(name) + 5;
    char *f = ns_xmalloc(len);

    snprintf(f, len, "%s.cfg", name);
    for (char *c = f; *c; c++)
        if (*c == '/')
            *c = '_';
    return f;
}

static int rewrite_domain(const struct ns_sim_spec *s, size_t idx, const char *workload,
                          const char *dir, struct ns_err *err)
{
    static const char *const keys[] = {"cpus", "cpus_soft", "node_affinity", "pool", NULL};
    const struct ns_domain_spec *d = &s->dom[idx];
    char *name = copy_name(s, idx), *path = ns_path_join(dir, name);
    struct ns_outfile o;
    bool had_workload;

    free(name);
    int rc = ns_outfile_open(&o, path, err);
    free(path);
    if (rc < 0)
        return -1;
    if (ns_spec_is_dom0(s, idx)) {
        rc = copy_without(d->file, o.f, (const char *[]){NULL}, NULL, &had_workload, err);
    } else {
        rc = copy_without(d->file, o.f, keys, "workload", &had_workload, err);
        fputs("\n# numasched advise: the winner's settings\n", o.f);
        ns_advise_xl_lines(s, idx, o.f);
        if (!ns_mask_empty(&d->node_affinity)) {
            char *n = ns_mask_format(&d->node_affinity);
            fprintf(o.f, "node_affinity = \"%s\"   # set by libxl's placement; xl has no key "
                    "for it\n", n);
            free(n);
        }
        if (!had_workload && workload)
            fprintf(o.f, "workload = \"%s\"\n", workload);
    }
    if (rc < 0) {
        ns_outfile_abort(&o);
        return -1;
    }
    return ns_outfile_commit(&o, err);
}

/* A host read from a file is named again by its absolute path: the copy
 * lives in another folder. */
static void host_file(const char *scenario, const char *source, FILE *out)
{
    char *dir = ns_path_dir(scenario), *rel = ns_path_join(dir, source);
    char *abs = realpath(rel, NULL);

    if (abs && strcmp(source, "live") != 0)
        fprintf(out, "host = \"%s\"\n", abs);
    free(abs);
    free(rel);
    free(dir);
}

static int write_pool_file(const struct ns_sim_spec *s, size_t i, const char *dir,
                           struct ns_err *err)
{
    char *name = adv_pool_file_name(s, i), *path = ns_path_join(dir, name);
    struct ns_outfile o;

    free(name);
    int rc = ns_outfile_open(&o, path, err);
    free(path);
    if (rc < 0)
        return -1;
    fputs("# numasched advise: the winner's cpupool (xl cpupool-create FILE)\n", o.f);
    adv_pool_file(s, i, "", o.f);
    return ns_outfile_commit(&o, err);
}

/* The winner's cpupools, as scenario keys (and pool files into @dir). */
static int pools_keys(const struct ns_sim_spec *s, const char *dir, FILE *out,
                      struct ns_err *err)
{
    if (adv_numa_split(s)) {
        fputs("cpupool_numa_split = 1\n", out);
        return 0;
    }
    for (size_t i = 1; i < s->nr_pools; i++) {
        char *name = adv_pool_file_name(s, i);
        int rc = write_pool_file(s, i, dir, err);
        if (rc == 0)
            fprintf(out, "%s\"%s\"", i == 1 ? "pools = [ " : ", ", name);
        free(name);
        if (rc < 0)
            return -1;
    }
    fputs(s->nr_pools > 1 ? " ]\n" : "", out);
    return 0;
}

static int rewrite_scenario(const char *scenario, const struct ns_sim_spec *s,
                            const struct ns_advise_opts *opts, const char *dir,
                            struct ns_err *err)
{
    static const char *const keys[] = {"sched", "dom0", "domains", "pools",
                                       "cpupool_numa_split", NULL};
    char *path = ns_path_join(dir, "scenario.cfg");
    struct ns_outfile o;
    bool unused;

    int rc = ns_outfile_open(&o, path, err);
    free(path);
    if (rc < 0)
        return -1;
    if (copy_without(scenario, o.f, keys, NULL, &unused, err) < 0) {
        ns_outfile_abort(&o);
        return -1;
    }
    fprintf(o.f, "\n# numasched advise: the winner's scheduler, cpupools, and the domain "
            "files with its\n# settings\nsched = \"%s\"\n", s->pool[0].sched);
    if (pools_keys(s, dir, o.f, err) < 0) {
        ns_outfile_abort(&o);
        return -1;
    }
    host_file(scenario, s->topo->source, o.f);
    if (opts->has_duration)             /* in ns: exact, and ns_duration_parse reads it so */
        fprintf(o.f, "duration = \"%lluns\"\n", (unsigned long long)opts->duration);
    for (size_t i = 0; i < s->nr_dom; i++) {
        char *name = copy_name(s, i);
        if (ns_spec_is_dom0(s, i))
            fprintf(o.f, "dom0 = \"%s\"\n", name);
        else
            fprintf(o.f, "%s\"%s\"", i == s->has_dom0 ? "domains = [\n    " : ",\n    ", name);
        free(name);
    }
    fputs(s->nr_dom > s->has_dom0 ? ",\n]\n" : "", o.f);
    return ns_outfile_commit(&o, err);
}

int ns_advise_rewrite(const char *scenario, const struct ns_sim_spec *spec,
                      const struct ns_advise_opts *o, const char *dir, struct ns_err *err)
{
    for (size_t i = 0; i < spec->nr_dom; i++)
        if (rewrite_domain(spec, i, o->workload, dir, err) < 0)
            return -1;
    return rewrite_scenario(scenario, spec, o, dir, err);
}
