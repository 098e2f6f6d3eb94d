/*
 * Sweep files: which scenario to start from, what to vary, which seeds.
 * The syntax is xl's, read by libxlutil like every other input:
 *
 *   scenario = "numa2013/specjbb-2-none.cfg"   # the base, relative to this file
 *   template = "specjbb-vm.cfg"                # for guests: as `domains` names it
 *   seeds = 5                                  # 1..5, or a list [ 3, 17 ]
 *   scenario_sched = [ "credit", "rr" ]        # any scenario key
 *   domain_vcpus = [ 1, 2 ]                    # a key of every guest's domain file
 *   guests = [ 2, 6, 10 ]                      # N guests from the template
 *   points = [ [ "credit", 1, 2 ], ... ]       # optional: only these combinations
 *
 * and, for sweeps over scenario files and the tables of an experiment:
 *
 *   scenario = "{workload}-{vms}-{policy}.cfg" # {KEY}: a value of file_KEY
 *   file_policy = [ "none", "pin", "numa" ]    # one scenario file per value
 *   point_name = "{workload}-{vms}-{policy}"   # runs/NAME instead of runs/pN
 *   relations = [ "workload", "vms", "policy" ] # the experiment tables
 *   subject = "numa"                           # compared against each other policy
 *   published = "published.csv"                # measurements to compare with
 *   summary = "one line"                       # what the sweep is, for --help
 *
 * Axes are the keys that vary, in the order they are written. Nothing is
 * checked against the scenario here: the runner loads every point before it
 * runs any, and errors about a value name this file's line through
 * struct ns_setting. What only this file decides (placeholders, names,
 * the roles of the relations' axes) is checked here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

#define SCENARIO_PREFIX "scenario_"
#define DOMAIN_PREFIX "domain_"
#define FILE_PREFIX "file_"
#define MAX_SEEDS 1000000L

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len > n && memcmp(s, prefix, n) == 0;
}

static bool is_key(const char *s, size_t len, const char *key)
{
    return strlen(key) == len && memcmp(s, key, len) == 0;
}

/* ---- axes ------------------------------------------------------------------ */

struct reader {
    struct cfg_file *f;
    struct ns_sweep *s;
    struct ns_err *err;
};

static int by_value(const void *a, const void *b, void *arg)
{
    const struct ns_sweep_axis *axis = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(axis->value[x], axis->value[y]);

    return c ? c : (x > y) - (x < y);
}

/*
 * A value given twice would run its points twice and make `points = [...]`
 * ambiguous. Sorted, so that an axis of many values costs n log n.
 */
static int check_repeats(struct reader *r, const struct ns_sweep_axis *a, const char *key)
{
    size_t *order = ns_xcalloc(a->nr_values, sizeof(size_t));
    int rc = 0;

    for (size_t i = 0; i < a->nr_values; i++)
        order[i] = i;
    qsort_r(order, a->nr_values, sizeof(size_t), by_value, (void *)a);
    for (size_t i = 1; rc == 0 && i < a->nr_values; i++)
        if (strcmp(a->value[order[i - 1]], a->value[order[i]]) == 0)
            rc = cfg_fail(r->f, key, r->err, "value %zu repeats value %zu (\"%s\"): each "
                          "value gives its points once", order[i] + 1, order[i - 1] + 1,
                          a->value[order[i]]);
    free(order);
    return rc;
}

/*
 * A value becomes a statement `key = "value"` on one line: a quote, a
 * backslash or a line break in it could not be written back as the same
 * value, so it is refused here rather than misread later.
 */
static int axis_values(struct reader *r, struct ns_sweep_axis *a, const char *key)
{
    XLU_ConfigList *list;
    int n;
    int rc = cfg_get_list(r->f, key, &list, &n, r->err);

    if (rc)
        return -1;
    if (n == 0)
        return cfg_fail(r->f, key, r->err, "an empty axis: give at least one value");
    a->value = ns_xcalloc((size_t)n, sizeof(char *));
    for (int i = 0; i < n; i++) {
        const char *v = xlu_cfg_get_listitem(list, i);
        if (!v)
            return cfg_fail(r->f, key, r->err, "value %d is a list, expected a single value",
                            i + 1);
        if (strpbrk(v, "\"\\\n"))
            return cfg_fail(r->f, key, r->err, "value %d: a quote, backslash or line break "
                            "cannot be set", i + 1);
        a->value[a->nr_values++] = ns_xstrdup(v);
    }
    return check_repeats(r, a, key);
}

static int add_axis(struct reader *r, const char *key, size_t len)
{
    struct ns_sweep *s = r->s;
    enum ns_axis_kind kind = NS_AXIS_GUESTS;
    const char *set_key = "domains", *column = "guests";
    char name[128];

    snprintf(name, sizeof(name), "%.*s", (int)len, key);
    if (has_prefix(key, len, SCENARIO_PREFIX)) {
        kind = NS_AXIS_SCENARIO;
        set_key = column = name + strlen(SCENARIO_PREFIX);
    } else if (has_prefix(key, len, DOMAIN_PREFIX)) {
        kind = NS_AXIS_GUEST_KEY;
        set_key = name + strlen(DOMAIN_PREFIX);
        column = name;
    } else if (has_prefix(key, len, FILE_PREFIX)) {
        kind = NS_AXIS_FILE;
        set_key = column = name + strlen(FILE_PREFIX);
    }
    /* A key assigned twice is one axis, with libxlutil's last value; two
     * keys with one column (scenario_K, file_K) would be two axes nobody
     * could tell apart in the tables. */
    for (size_t i = 0; i < s->nr_axes; i++) {
        if (strcmp(s->axis[i].name, column) != 0)
            continue;
        if (s->axis[i].kind == kind)
            return 0;
        return cfg_fail(r->f, name, r->err, "a second axis named %s: rename one", column);
    }
    s->axis = ns_xrealloc(s->axis, (s->nr_axes + 1) * sizeof(*s->axis));
    struct ns_sweep_axis *a = &s->axis[s->nr_axes++];
    *a = (struct ns_sweep_axis){kind, ns_xstrdup(column), ns_xstrdup(set_key), NULL, 0,
                                cfg_key_line(r->f, name)};
    return axis_values(r, a, name);
}

static const char *const plain_keys[] = {"scenario", "template", "seeds", "points",
                                         "point_name", "summary", "relations", "subject",
                                         "published", NULL};

static int read_key(void *arg, const char *key, size_t len, int line)
{
    struct reader *r = arg;
    char name[64], known[256];

    for (size_t i = 0; plain_keys[i]; i++)
        if (is_key(key, len, plain_keys[i]))
            return 0;
    if (is_key(key, len, "guests") || has_prefix(key, len, SCENARIO_PREFIX) ||
        has_prefix(key, len, DOMAIN_PREFIX) || has_prefix(key, len, FILE_PREFIX))
        return add_axis(r, key, len);
    snprintf(name, sizeof(name), "%.*s", (int)len, key);
    return ns_err_set(r->err, r->f->path, line, name, "unknown sweep key (known: %s, guests, "
                      SCENARIO_PREFIX "KEY, " DOMAIN_PREFIX "KEY, " FILE_PREFIX "KEY)",
                      cfg_join(plain_keys, known, sizeof(known)));
}

/* ---- the rest ------------------------------------------------------------------ */

static int read_path(struct reader *r, const char *key, bool relative, char **out)
{
    const char *v;
    int rc = cfg_get_string(r->f, key, &v, r->err);

    if (rc < 0)
        return -1;
    if (rc > 0 || !*v)
        return 1;
    char *dir = ns_path_dir(r->f->path);
    *out = relative ? cfg_scenario_path(dir, v) : ns_xstrdup(v);
    free(dir);
    return 0;
}

static int read_seed_list(struct reader *r, struct ns_sweep *s)
{
    size_t n;
    const char *const *items;

    if (cfg_get_strings(r->f, "seeds", &n, &items, r->err) < 0)
        return -1;
    if (n == 0)
        return cfg_fail(r->f, "seeds", r->err, "an empty list: give at least one seed");
    s->seed = ns_xcalloc(n, sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        char *end;
        errno = 0;
        s->seed[i] = strtoull(items[i], &end, 10);
        if (items[i][0] < '0' || items[i][0] > '9' || *end || errno)
            return cfg_fail(r->f, "seeds", r->err, "\"%s\" is not a seed (an integer from 0)",
                            items[i]);
        for (size_t j = 0; j < i; j++)
            if (s->seed[j] == s->seed[i])
                return cfg_fail(r->f, "seeds", r->err, "seed %s twice", items[i]);
    }
    s->nr_seeds = n;
    return 0;
}

/* seeds = N: seeds 1..N, as `experiment --seeds N`; or a list of seeds. */
static int read_seeds(struct reader *r, struct ns_sweep *s)
{
    long n = 1;

    if (cfg_is_list(r->f, "seeds"))
        return read_seed_list(r, s);
    if (cfg_get_long(r->f, "seeds", 1, MAX_SEEDS, &n, r->err) < 0)
        return -1;
    s->nr_seeds = (size_t)n;
    s->seed = ns_xcalloc(s->nr_seeds, sizeof(uint64_t));
    for (size_t i = 0; i < s->nr_seeds; i++)
        s->seed[i] = i + 1;
    return 0;
}

static int find_value(const struct ns_sweep_axis *a, const char *v, size_t *idx)
{
    for (size_t i = 0; i < a->nr_values; i++)
        if (strcmp(a->value[i], v) == 0) {
            *idx = i;
            return 0;
        }
    return -1;
}

/* points = [ [ v0, v1, ... ], ... ]: one value per axis, in the axes' order. */
static int read_points(struct reader *r, struct ns_sweep *s)
{
    XLU_ConfigList *list, *row;
    int n;
    int rc = cfg_get_list(r->f, "points", &list, &n, r->err);

    if (rc)
        return rc < 0 ? -1 : 0;
    if (n == 0)
        return cfg_fail(r->f, "points", r->err, "an empty list: leave it out to run every "
                        "combination of the axes");
    s->listed = ns_xcalloc((size_t)n * (s->nr_axes ? s->nr_axes : 1), sizeof(size_t));
    for (int p = 0; p < n; p++) {
        if (xlu_cfg_value_get_list(r->f->xlu, xlu_cfg_get_listitem2(list, p), &row, 1))
            return cfg_fail(r->f, "points", r->err, "point %d: expected a list of %zu values",
                            p + 1, s->nr_axes);
        size_t k = 0;
        for (const char *v; (v = xlu_cfg_get_listitem(row, (int)k)) != NULL; k++) {
            if (k >= s->nr_axes)
                break;
            if (find_value(&s->axis[k], v, &s->listed[(size_t)p * s->nr_axes + k]) < 0)
                return cfg_fail(r->f, "points", r->err, "point %d: \"%s\" is not a value of "
                                "the axis %s", p + 1, v, s->axis[k].name);
        }
        if (k != s->nr_axes || xlu_cfg_get_listitem2(row, (int)k))
            return cfg_fail(r->f, "points", r->err, "point %d: expected %zu values, one per "
                            "axis", p + 1, s->nr_axes);
        s->nr_listed++;
    }
    return 0;
}

static bool has_guests_axis(const struct ns_sweep *s)
{
    for (size_t i = 0; i < s->nr_axes; i++)
        if (s->axis[i].kind == NS_AXIS_GUESTS)
            return true;
    return false;
}

/* A guest count is a whole number of domains, at least one. */
static bool guest_count(const char *v)
{
    char *end;

    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    return v[0] >= '1' && v[0] <= '9' && !*end && !errno && n < NS_MAX_DOMAINS;
}

static int check_guests(struct reader *r, const struct ns_sweep *s)
{
    for (size_t i = 0; i < s->nr_axes; i++) {
        const struct ns_sweep_axis *a = &s->axis[i];
        for (size_t k = 0; a->kind == NS_AXIS_GUESTS && k < a->nr_values; k++)
            if (!guest_count(a->value[k]))
                return cfg_fail(r->f, "guests", r->err, "\"%s\" is not a number of guests "
                                "(1 to %u)", a->value[k], NS_MAX_DOMAINS - 1);
    }
    return 0;
}

/* ---- placeholders: {KEY} in scenario and point_name ------------------------------ */

/* The axis whose column is the @len bytes at @name; nr_axes if none. */
static size_t axis_named(const struct ns_sweep *s, const char *name, size_t len)
{
    size_t a = 0;

    while (a < s->nr_axes && !is_key(name, len, s->axis[a].name))
        a++;
    return a;
}

/*
 * Every {KEY} of @pattern (the value of @key) must name an axis, a file
 * axis when @files_only: a placeholder nothing fills would reach the file
 * system or a folder name as written. Axes named are marked in @used.
 */
static int check_placeholders(struct reader *r, const char *key, const char *pattern,
                              bool files_only, bool *used)
{
    const struct ns_sweep *s = r->s;

    for (const char *p = pattern; (p = strchr(p, '{')) != NULL;) {
        const char *end = strchr(p, '}');
        if (!end)
            return cfg_fail(r->f, key, r->err, "a { without its }: write {AXIS}");
        int len = (int)(end - p - 1);
        size_t a = axis_named(s, p + 1, (size_t)len);
        if (a == s->nr_axes || (files_only && s->axis[a].kind != NS_AXIS_FILE))
            return cfg_fail(r->f, key, r->err, "{%.*s}: no %s%.*s axis gives it a value",
                            len, p + 1, files_only ? FILE_PREFIX : "", len, p + 1);
        used[a] = true;
        p = end + 1;
    }
    return 0;
}

/* @pattern with each {KEY} replaced by its axis's value at @idx, into @out
 * (NULL: only measure); returns the length. */
static size_t expand(const struct ns_sweep *s, const char *pattern, const size_t *idx, char *out)
{
    size_t n = 0;

    for (const char *p = pattern; *p;) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        size_t a = end ? axis_named(s, p + 1, (size_t)(end - p - 1)) : s->nr_axes;
        const char *v = a < s->nr_axes ? s->axis[a].value[idx[a]] : p;
        size_t len = a < s->nr_axes ? strlen(v) : 1;
        if (out)
            memcpy(out + n, v, len);
        n += len;
        p = a < s->nr_axes ? end + 1 : p + 1;
    }
    if (out)
        out[n] = '\0';
    return n;
}

static char *expand_at(const struct ns_sweep *s, const char *pattern, size_t p)
{
    size_t idx[s->nr_axes ? s->nr_axes : 1];

    ns_sweep_point(s, p, idx);
    char *out = ns_xmalloc(expand(s, pattern, idx, NULL) + 1);
    expand(s, pattern, idx, out);
    return out;
}

char *ns_sweep_scenario(const struct ns_sweep *s, size_t p)
{
    char *rel = expand_at(s, s->scenario, p), *path = cfg_scenario_path(s->dir, rel);

    free(rel);
    return path;
}

char *ns_sweep_point_name(const struct ns_sweep *s, size_t p)
{
    char buf[32];

    if (s->point_name)
        return expand_at(s, s->point_name, p);
    snprintf(buf, sizeof(buf), "p%zu", p + 1);
    return ns_xstrdup(buf);
}

/* The scenario's placeholders name file axes, and every file axis is used:
 * one that changed nothing would run the same file under several labels. */
static int read_scenario(struct reader *r, struct ns_sweep *s)
{
    const char *v;
    int rc = cfg_get_string(r->f, "scenario", &v, r->err);

    if (rc < 0)
        return -1;
    if (rc > 0 || !*v)
        return cfg_fail(r->f, "scenario", r->err, "missing: name the base scenario file, "
                        "e.g. scenario = \"base.cfg\"");
    s->scenario = ns_xstrdup(v);
    s->scenario_line = cfg_key_line(r->f, "scenario");
    s->dir = ns_path_dir(r->f->path);
    bool used[s->nr_axes ? s->nr_axes : 1];
    memset(used, 0, sizeof(used));
    if (check_placeholders(r, "scenario", v, true, used) < 0)
        return -1;
    for (size_t a = 0; a < s->nr_axes; a++) {
        char key[160];
        if (s->axis[a].kind != NS_AXIS_FILE || used[a])
            continue;
        snprintf(key, sizeof(key), FILE_PREFIX "%s", s->axis[a].name);
        return ns_err_set(r->err, r->f->path, s->axis[a].line, key, "no {%s} in scenario = "
                          "\"%s\": this axis would change nothing", s->axis[a].name, v);
    }
    return 0;
}

/* ---- point names ------------------------------------------------------------------ */

/* A name is a folder under DIR/runs: one path component. */
static bool folder_name(const char *n)
{
    return *n && !strchr(n, '/') && strcmp(n, ".") != 0 && strcmp(n, "..") != 0;
}

static int by_name(const void *a, const void *b, void *arg)
{
    char *const *name = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(name[x], name[y]);

    return c ? c : (x > y) - (x < y);
}

/*
 * The runs must be countable: a product of axes that overflowed would wrap
 * to a small number and silently drop most points.
 */
static int check_size(struct reader *r, const struct ns_sweep *s)
{
    size_t n = s->listed ? s->nr_listed : 1;

    for (size_t i = 0; !s->listed && i < s->nr_axes; i++) {
        if (n > SIZE_MAX / s->axis[i].nr_values)
            return ns_err_set(r->err, r->f->path, s->axis[i].line, s->axis[i].name, "the axes "
                              "up to this one give more points than can be counted");
        n *= s->axis[i].nr_values;
    }
    if (n > SIZE_MAX / s->nr_seeds)
        return ns_err_set(r->err, r->f->path, 0, "seeds", "%zu points x %zu seeds: more runs "
                          "than can be counted", n, s->nr_seeds);
    return 0;
}

/* Names are folders and messages: each must be one, and two points never share one. */
static int check_point_names(struct reader *r, struct ns_sweep *s)
{
    size_t n = ns_sweep_nr_points(s), *order = ns_xcalloc(n, sizeof(size_t));
    char **name = ns_xcalloc(n, sizeof(char *));
    bool used[s->nr_axes ? s->nr_axes : 1];  /* marked, not read: names may use any axis */
    int rc = check_placeholders(r, "point_name", s->point_name, false, used);

    for (size_t p = 0; p < n; p++) {
        order[p] = p;
        name[p] = ns_sweep_point_name(s, p);
        if (rc == 0 && !folder_name(name[p]))
            rc = cfg_fail(r->f, "point_name", r->err, "point %zu: \"%s\" is not a folder "
                          "name", p + 1, name[p]);
    }
    qsort_r(order, n, sizeof(size_t), by_name, name);
    for (size_t i = 1; rc == 0 && i < n; i++)
        if (strcmp(name[order[i - 1]], name[order[i]]) == 0)
            rc = cfg_fail(r->f, "point_name", r->err, "points %zu and %zu are both named "
                          "\"%s\": name them by more axes", order[i - 1] + 1, order[i] + 1,
                          name[order[i]]);
    for (size_t p = 0; p < n; p++)
        free(name[p]);
    free(name);
    free(order);
    return rc;
}

/* ---- relations: the experiment tables ----------------------------------------------- */

/*
 * relations = [ W, V, P ]: the tables have a cell per combination of the
 * three (ns_exp_axes), so they are the sweep's only axes and every
 * combination runs; V's values are guest counts.
 */
static int read_roles(struct reader *r, struct ns_sweep *s, size_t n, const char *const *item)
{
    if (n != NS_NR_REL)
        return cfg_fail(r->f, "relations", r->err, "want three axes, [ WORKLOAD, VMS, "
                        "POLICY ], not %zu", n);
    for (size_t i = 0; i < n; i++) {
        size_t a = axis_named(s, item[i], strlen(item[i]));
        if (a == s->nr_axes)
            return cfg_fail(r->f, "relations", r->err, "\"%s\" is not an axis of this sweep",
                            item[i]);
        for (size_t j = 0; j < i; j++)
            if (s->rel_axis[j] == a)
                return cfg_fail(r->f, "relations", r->err, "the axis %s twice", item[i]);
        s->rel_axis[i] = a;
    }
    if (s->nr_axes != NS_NR_REL)
        return cfg_fail(r->f, "relations", r->err, "a cell per point: the sweep's axes must be "
                        "these three, and it has %zu", s->nr_axes);
    if (s->listed)
        return cfg_fail(r->f, "points", r->err, "the tables need every combination: leave "
                        "points out with relations");
    const struct ns_sweep_axis *vms = &s->axis[s->rel_axis[NS_REL_VMS]];
    for (size_t k = 0; k < vms->nr_values; k++)
        if (!guest_count(vms->value[k]))
            return cfg_fail(r->f, "relations", r->err, "%s: \"%s\" is not a number of guests "
                            "(1 to %u)", vms->name, vms->value[k], NS_MAX_DOMAINS - 1);
    /* The tables' CSV files and the published table hold the values unquoted. */
    for (size_t i = 0; i < NS_NR_REL; i++) {
        const struct ns_sweep_axis *a = &s->axis[s->rel_axis[i]];
        for (size_t k = 0; k < a->nr_values; k++)
            if (strchr(a->value[k], ','))
                return cfg_fail(r->f, "relations", r->err, "%s: \"%s\": a comma cannot be in "
                                "a table's value", a->name, a->value[k]);
    }
    return 0;
}

static int read_subject(struct reader *r, struct ns_sweep *s)
{
    const struct ns_sweep_axis *pol = &s->axis[s->rel_axis[NS_REL_POLICY]];
    const char *v;
    size_t idx;
    int rc = cfg_get_string(r->f, "subject", &v, r->err);

    if (rc < 0)
        return -1;
    if (rc > 0)
        return cfg_fail(r->f, "relations", r->err, "needs subject = \"VALUE\", the value of "
                        "%s compared against the others", pol->name);
    if (find_value(pol, v, &idx) < 0)
        return cfg_fail(r->f, "subject", r->err, "\"%s\" is not a value of the axis %s", v,
                        pol->name);
    s->subject = ns_xstrdup(v);
    return 0;
}

static int read_relations(struct reader *r, struct ns_sweep *s)
{
    size_t n;
    const char *const *item;
    int rc = cfg_get_strings(r->f, "relations", &n, &item, r->err);

    if (rc < 0)
        return -1;
    if (rc > 0) {
        const char *orphan = cfg_has(r->f, "subject") ? "subject" :
                             cfg_has(r->f, "published") ? "published" : NULL;
        return orphan ? cfg_fail(r->f, orphan, r->err, "only with relations = [ WORKLOAD, "
                                 "VMS, POLICY ]") : 0;
    }
    s->relations = true;
    if (read_roles(r, s, n, item) < 0 || read_subject(r, s) < 0)
        return -1;
    rc = read_path(r, "published", true, &s->published);
    return rc < 0 ? -1 : 0;
}

/* ---- the whole file --------------------------------------------------------------- */

static int read_sweep(struct reader *r, struct ns_sweep *s)
{
    int rc = cfg_each_key(r->f, read_key, r);

    if (rc)
        return -1;
    if (s->nr_axes == 0)
        return ns_err_set(r->err, r->f->path, 0, NULL, "no axis: vary at least one key, e.g. "
                          "scenario_sched = [ \"credit\", \"rr\" ]");
    if (read_scenario(r, s) < 0)
        return -1;
    if ((rc = read_path(r, "template", false, &s->template)) < 0)
        return -1;
    if (rc > 0 && has_guests_axis(s))
        return cfg_fail(r->f, "guests", r->err, "needs template = \"FILE\", the domain file "
                        "each guest is made from");
    if (rc == 0 && strpbrk(s->template, "\"\\\n"))
        return cfg_fail(r->f, "template", r->err, "a quote, backslash or line break cannot be "
                        "set in `domains`");
    if (check_guests(r, s) < 0 || read_seeds(r, s) < 0 || read_points(r, s) < 0 ||
        check_size(r, s) < 0)
        return -1;
    if (read_path(r, "point_name", false, &s->point_name) < 0 ||
        read_path(r, "summary", false, &s->summary) < 0)
        return -1;
    if (s->point_name && check_point_names(r, s) < 0)
        return -1;
    return read_relations(r, s);
}

int ns_sweep_load(const char *path, struct ns_sweep *out, struct ns_err *err)
{
    struct cfg_file f;

    memset(out, 0, sizeof(*out));
    if (cfg_open(&f, path, err))
        return -1;
    out->file = ns_xstrdup(path);
    struct reader r = {&f, out, err};
    int rc = read_sweep(&r, out);
    cfg_close(&f);
    if (rc)
        ns_sweep_free(out);
    return rc ? -1 : 0;
}

void ns_sweep_free(struct ns_sweep *s)
{
    for (size_t i = 0; i < s->nr_axes; i++) {
        for (size_t k = 0; k < s->axis[i].nr_values; k++)
            free(s->axis[i].value[k]);
        free(s->axis[i].value);
        free(s->axis[i].name);
        free(s->axis[i].key);
    }
    free(s->axis);
    free(s->file);
    free(s->dir);
    free(s->scenario);
    free(s->template);
    free(s->point_name);
    free(s->summary);
    free(s->subject);
    free(s->published);
    free(s->seed);
    free(s->listed);
    memset(s, 0, sizeof(*s));
}

/* ---- points -------------------------------------------------------------------- */

size_t ns_sweep_nr_points(const struct ns_sweep *s)
{
    size_t n = 1;

    if (s->listed)
        return s->nr_listed;
    for (size_t i = 0; i < s->nr_axes; i++)
        n *= s->axis[i].nr_values;
    return n;
}

void ns_sweep_point(const struct ns_sweep *s, size_t p, size_t *idx)
{
    if (s->listed) {
        memcpy(idx, &s->listed[p * s->nr_axes], s->nr_axes * sizeof(size_t));
        return;
    }
    for (size_t i = s->nr_axes; i-- > 0;) {
        idx[i] = p % s->axis[i].nr_values;
        p /= s->axis[i].nr_values;
    }
}

/* domains = [ "T", "T", ... ]: @n guests from the template. */
static char *guests_stmt(const char *template, const char *count)
{
    size_t n = strtoul(count, NULL, 10), len = strlen(template) + 4;
    char *s = ns_xmalloc(16 + n * len);
    char *p = s + sprintf(s, "domains = [");

    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s\"%s\"", i ? ", " : " ", template);
    strcpy(p, " ]");
    return s;
}

static void add_setting(struct ns_setting **set, size_t *n, char *stmt, const char *file,
                        int line)
{
    *set = ns_xrealloc(*set, (*n + 1) * sizeof(**set));
    (*set)[(*n)++] = (struct ns_setting){stmt, file, line};
}

void ns_sweep_overrides(const struct ns_sweep *s, size_t p, struct ns_overrides *ov)
{
    size_t idx[s->nr_axes ? s->nr_axes : 1];
    struct ns_setting *scen = NULL, *guest = NULL;
    size_t nr_scen = 0, nr_guest = 0;

    memset(ov, 0, sizeof(*ov));
    ns_sweep_point(s, p, idx);
    for (size_t i = 0; i < s->nr_axes; i++) {
        const struct ns_sweep_axis *a = &s->axis[i];
        const char *v = a->value[idx[i]];
        if (a->kind == NS_AXIS_GUESTS) {
            add_setting(&scen, &nr_scen, guests_stmt(s->template, v), s->file, a->line);
            ov->number_guests = true;
        } else if (a->kind == NS_AXIS_SCENARIO) {
            add_setting(&scen, &nr_scen, ns_xasprintf("%s = \"%s\"", a->key, v), s->file, a->line);
        } else if (a->kind == NS_AXIS_GUEST_KEY) {
            add_setting(&guest, &nr_guest, ns_xasprintf("%s = \"%s\"", a->key, v), s->file,
                        a->line);
        }                       /* NS_AXIS_FILE: ns_sweep_scenario picks the file */
    }
    ov->scenario = scen;
    ov->nr_scenario = nr_scen;
    ov->guest = guest;
    ov->nr_guest = nr_guest;
}

void ns_sweep_overrides_free(struct ns_overrides *ov)
{
    for (size_t i = 0; i < ov->nr_scenario; i++)
        free((char *)ov->scenario[i].stmt);
    for (size_t i = 0; i < ov->nr_guest; i++)
        free((char *)ov->guest[i].stmt);
    free((void *)ov->scenario);
    free((void *)ov->guest);
    ov->scenario = ov->guest = NULL;
    ov->nr_scenario = ov->nr_guest = 0;
}
