/*
 * numasched advise: every candidate run, ranked, and the winner applied.
 *
 * A candidate is a placement policy with a scheduler. The policies are the
 * three of the 2013 experiment (examples/numa2013/README.md), applied to the
 * operator's scenario the way its files express them:
 *
 *   none   placement = "none": no affinity, memory striped over all nodes
 *   pin    libxl placement as 4.2 did it: hard affinity to the chosen node
 *   numa   libxl placement as the scheduler's Xen version does it (4.3-4.4:
 *          node affinity; 4.5+: node and soft affinity), 4.3 at the oldest
 *
 * and the schedulers are every one in the scheduler registry, so that a new
 * scheduler is a candidate as soon as it is registered; one that gives each
 * vCPU a pCPU of its own and never time-shares (null) only when the host has
 * a pCPU for every vCPU, Domain-0's included: else some guest would never
 * run, which needs no measuring. One that Xen's SUPPORT.md calls
 * Experimental (rtds) is no candidate either: it is not security supported,
 * and its reservations are for the operator to size per guest, not ours to
 * guess, so a ranking of it under Xen's default reservation would be no
 * advice. Domains whose files
 * give cpus= or cpus_soft= keep them: libxl would not place them either.
 *
 * A host of several NUMA nodes whose scenario has Pool-0 alone gets one
 * more policy per scheduler, "split": one cpupool per node as `xl
 * cpupool-numa-split` makes them, each guest in the pool of the node libxl's
 * placement (policy numa) gives it, and placed again in there. Pools keep a
 * guest's vCPUs off other nodes for good, where affinity only steers them:
 * the ranking says whether that pays. A scenario with cpupools of its own
 * keeps them (xl splits only while Pool-0 is the only pool, and the pools
 * are the operator's choice); every pool runs the candidate's scheduler.
 *
 * Each candidate runs with seeds 1..N as one batch of jobs, through the
 * runner the caller names (local worker processes today). As for an
 * experiment, the jobs report back only through the results files they
 * write, and the ranking is computed from those files.
 *
 * The winner is ranked on the guests' metric, mean over the seeds, and the
 * ranking says how far apart the candidates are (95% confidence intervals),
 * since two candidates within each other's noise are not a recommendation.
 * The winner's settings are then written as files and read back through
 * config/ (libxlutil, as xl reads them): the check that what advise prints
 * is what it measured.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "advise_internal.h"
#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/place.h"

static const char *const policies[] = {"none", "pin", "numa", NULL};
#define NR_POLICIES 3
static const char split_policy[] = "split";


struct cand {
    const char *policy, *sched;
    bool split;                     /* one cpupool per node */
    char label[64];                 /* "numa-credit" */
    size_t order;                   /* in the list of candidates: breaks ties */
    struct ns_exp_stat stat;
    struct ns_exp_run run1;         /* seed 1: the metric's name and unit */
};

struct adv {
    const char *scenario;
    const struct ns_advise_opts *o;
    const char *dir;
    FILE *out;
    struct cand *cand;
    size_t nr_cand;
    size_t nr_policies;             /* per scheduler: NR_POLICIES, and split if offered */
    char **job_name;                /* [nr_cand * seeds] */
    char *mixed;                    /* the guests' metrics when they differ (NULL: one) */
    char reference[64];             /* the candidate they are taken relative to */
    char *settings;                 /* the winner's, as printed */
};

/* ---- candidates ------------------------------------------------------------------------ */

/*
 * Every policy under every scheduler Xen has. numasched's own baseline (rr)
 * is left out: an operator cannot boot Xen with it, so it is no advice.
 */
static void make_candidates(struct adv *a, bool split, bool vcpus_fit)
{
    const char *const *scheds = ns_sched_names();
    size_t nr_sched = 0;

    while (scheds[nr_sched])
        nr_sched++;
    a->nr_policies = NR_POLICIES + split;
    a->cand = ns_xcalloc(a->nr_policies * nr_sched, sizeof(struct cand));
    a->nr_cand = 0;
    for (size_t k = 0; k < nr_sched; k++) {
        const struct ns_sched_ops *ops = ns_sched_find(scheds[k]);
        if (!ops->in_xen || ops->experimental || (ops->pcpu_per_vcpu && !vcpus_fit))
            continue;
        for (size_t j = 0; j < a->nr_policies; j++) {
            struct cand *c = &a->cand[a->nr_cand];
            c->split = j == NR_POLICIES;
            c->policy = c->split ? split_policy : policies[j];
            c->sched = scheds[k];
            c->order = a->nr_cand++;
            snprintf(c->label, sizeof(c->label), "%s-%s", c->policy, c->sched);
        }
    }
}

/* split places as numa does, inside each guest's pool. */
static void apply_candidate(struct ns_sim_spec *s, const struct cand *c)
{
    unsigned compat = s->pool[0].params.compat;

    for (size_t i = 0; i < s->nr_pools; i++) {
        free(s->pool[i].sched);
        s->pool[i].sched = ns_xstrdup(c->sched);
    }
    s->placement_off = strcmp(c->policy, "none") == 0;
    if (strcmp(c->policy, "pin") == 0)
        s->placement_version = 402;
    else
        s->placement_version = compat < 403 ? 403 : compat;
}

static void overrides(const struct adv *a, unsigned seed, struct ns_overrides *ov)
{
    const struct ns_advise_opts *o = a->o;
    *ov = (struct ns_overrides){.has_seed = true, .seed = seed, .has_duration = o->has_duration,
                                .duration = o->duration, .workload = o->workload};
}

/* The node holding most of domain @i's memory (the lowest of equals). */
static unsigned memory_node(const struct ns_sim_spec *s, size_t i)
{
    unsigned best = 0;
    for (unsigned n = 1; n < s->topo->nr_nodes; n++)
        if (s->dom[i].memory_kb_per_node[n] > s->dom[i].memory_kb_per_node[best])
            best = n;
    return best;
}

/*
 * Each domain's node as policy numa places it with @c's scheduler in the
 * scenario as written (Pool-0 alone): the node of its memory, which
 * placement chose. [nr_dom], malloc'd.
 */
static unsigned *numa_nodes(const struct adv *a, const struct cand *c, unsigned seed,
                            struct ns_err *err)
{
    struct cand numa = {.policy = "numa", .sched = c->sched};
    struct ns_overrides ov;
    struct ns_sim_spec s = {0};

    overrides(a, seed, &ov);
    if (ns_config_load(a->scenario, &ov, &s, err) < 0)
        return NULL;
    apply_candidate(&s, &numa);
    if (ns_place_spec(&s, NULL, err) < 0) {
        ns_sim_spec_free(&s);
        return NULL;
    }
    unsigned *node = ns_xcalloc(s.nr_dom, sizeof(unsigned));
    for (size_t i = 0; i < s.nr_dom; i++)
        node[i] = memory_node(&s, i);
    ns_sim_spec_free(&s);
    return node;
}

/* Put each guest in the pool xl's split names after its node ("Pool-node1");
 * the node of CPU 0 is Pool-0's, renamed, where a guest goes without pool=. */
static void join_node_pools(struct ns_sim_spec *s, const unsigned *node)
{
    for (size_t i = s->has_dom0; i < s->nr_dom; i++) {
        char name[32];
        snprintf(name, sizeof(name), "Pool-node%u", node[i]);
        free(s->dom[i].pool);
        s->dom[i].pool = strcmp(name, s->pool[0].name) ? ns_xstrdup(name) : NULL;
    }
}

/* The scenario as the candidate runs it with @seed: loaded, changed, placed. */
static int load_candidate(const struct adv *a, const struct cand *c, unsigned seed,
                          struct ns_sim_spec *s, struct ns_err *err)
{
    const struct ns_setting split = {"cpupool_numa_split = 1", a->scenario, 0};
    struct ns_overrides ov;
    unsigned *node = NULL;

    overrides(a, seed, &ov);
    if (c->split) {
        if (!(node = numa_nodes(a, c, seed, err)))
            return -1;
        ov.scenario = &split;
        ov.nr_scenario = 1;
    }
    int rc = ns_config_load(a->scenario, &ov, s, err);
    if (rc == 0 && node)
        join_node_pools(s, node);
    free(node);
    if (rc < 0)
        return -1;
    apply_candidate(s, c);
    if (ns_place_spec(s, NULL, err) < 0) {
        ns_sim_spec_free(s);
        return -1;
    }
    return 0;
}

/* ---- the jobs --------------------------------------------------------------------------- */

static char *run_dir(const struct adv *a, size_t cand, unsigned seed)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "runs/%s/seed-%u", a->cand[cand].label, seed);
    return ns_path_join(a->dir, rel);
}

static const char *job_name(void *arg, size_t i)
{
    const struct adv *a = arg;
    return a->job_name[i];
}

static const char *job_source(void *arg, size_t i)
{
    (void)i;
    return ((const struct adv *)arg)->scenario;
}

static unsigned job_weight(void *arg, size_t i)
{
    (void)arg;
    (void)i;
    return 1;
}

static int run_job(void *arg, size_t i, struct ns_err *err)
{
    const struct adv *a = arg;
    size_t cand = i / a->o->seeds;
    unsigned seed = (unsigned)(i % a->o->seeds) + 1;
    struct ns_sim_spec spec = {0};

    if (load_candidate(a, &a->cand[cand], seed, &spec, err) < 0)
        return -1;
    struct ns_engine *e = ns_engine_create(&spec, err);
    int rc = e ? ns_engine_run(e, err) : -1;
    if (rc == 0) {
        char *dir = run_dir(a, cand, seed);
        ns_runner_hold_stops();
        rc = ns_report_write_dir(ns_engine_results(e), dir, err);
        ns_runner_release_stops();
        free(dir);
    }
    if (e)
        ns_engine_free(e);
    ns_sim_spec_free(&spec);
    return rc;
}

static void begin(void *arg)
{
    const struct adv *a = arg;
    if (!a->o->quiet)
        fprintf(stderr, "advise: %zu candidates x %u seeds = %zu runs on %u workers\n",
                a->nr_cand, a->o->seeds, a->nr_cand * a->o->seeds, a->o->jobs);
}

/* ---- the ranking ------------------------------------------------------------------------ */

static char *run_file(const struct adv *a, size_t cand, unsigned seed)
{
    char *dir = run_dir(a, cand, seed), *path = ns_path_join(dir, "results.json");
    free(dir);
    return path;
}

/* Guests of one workload kind: their metric, mean over the guests. */
static int collect_one_metric(struct adv *a, struct ns_err *err)
{
    unsigned seeds = a->o->seeds;
    double *x = ns_xcalloc(seeds, sizeof(double));
    int rc = 0;

    for (size_t c = 0; c < a->nr_cand && rc == 0; c++) {
        for (unsigned k = 1; k <= seeds && rc == 0; k++) {
            char *path = run_file(a, c, k);
            struct ns_exp_run r;
            rc = ns_exp_read_run(path, &r, err);
            if (rc == 0 && k == 1)
                a->cand[c].run1 = r;
            x[k - 1] = rc == 0 ? r.value : 0;
            free(path);
        }
        if (rc == 0)
            ns_exp_stat(x, seeds, &a->cand[c].stat);
    }
    free(x);
    return rc;
}

/*
 * Guests of different workloads report different metrics (ops/s, µs) that
 * no mean can add. Each guest's value is then taken relative to its mean
 * over the seeds under a reference candidate (the first: policy none with
 * the first scheduler, nothing placed), inverted where lower is better, so
 * that above 1 is always better; a run scores the geometric mean of its
 * guests' ratios. The geometric mean weighs every guest the same whatever
 * its unit or scale, and a guest twice as fast offsets one twice as slow;
 * being a product, it makes the reference scale every score by one and the
 * same factor, so the ranking does not depend on which candidate is the
 * reference (docs/advise.md).
 */
double ns_advise_score(const double *value, const double *ref, const bool *higher, size_t n)
{
    double logs = 0;

    for (size_t g = 0; g < n; g++)
        logs += log(higher[g] ? value[g] / ref[g] : ref[g] / value[g]);
    return exp(logs / (double)n);
}

/* The guests of every run: [cand][seed][guest] into @v, each run checked to
 * have the guests and metrics of @g0 (the first run's). */
static int read_guests(const struct adv *a, const struct ns_exp_guest *g0, size_t n, double *v,
                       struct ns_err *err)
{
    int rc = 0;

    for (size_t c = 0; c < a->nr_cand && rc == 0; c++) {
        for (unsigned k = 1; k <= a->o->seeds && rc == 0; k++) {
            char *path = run_file(a, c, k);
            struct ns_exp_guest *g;
            size_t m;
            rc = ns_exp_read_guests(path, &g, &m, err);
            for (size_t i = 0; rc == 0 && i < n; i++) {
                if (m != n || strcmp(g[i].name, g0[i].name) || strcmp(g[i].metric, g0[i].metric))
                    rc = ns_err_set(err, path, 0, NULL, "has other guests or metrics than the "
                                    "other runs");
                else if (!g0[i].higher_is_better && !(g[i].value > 0))
                    rc = ns_err_set(err, path, 0, NULL, "guest %s: %s %g cannot be compared as "
                                    "a ratio", g[i].name, g[i].metric, g[i].value);
                else
                    v[((c * a->o->seeds) + k - 1) * n + i] = g[i].value;
            }
            free(g);
            free(path);
        }
    }
    return rc;
}

/* "ops in ops/s, fork_latency in us (lower is better)": each metric once. */
static char *metric_list(const struct ns_exp_guest *g, size_t n)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = ns_xmemstream(&s, &len);

    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= strcmp(g[j].metric, g[i].metric) == 0 && strcmp(g[j].unit, g[i].unit) == 0;
        if (!seen)
            fprintf(f, "%s%s in %s%s", i ? ", " : "", g[i].metric, g[i].unit,
                    g[i].higher_is_better ? "" : " (lower is better)");
    }
    fclose(f);
    return s;
}

static int collect_normalized(struct adv *a, const struct ns_exp_guest *g0, size_t n,
                              struct ns_err *err)
{
    unsigned seeds = a->o->seeds;
    double *v = ns_xcalloc(a->nr_cand * seeds * n, sizeof(double));
    double *ref = ns_xcalloc(n, sizeof(double)), *x = ns_xcalloc(seeds, sizeof(double));
    bool *higher = ns_xcalloc(n, sizeof(bool));
    int rc = read_guests(a, g0, n, v, err);

    for (size_t i = 0; i < n && rc == 0; i++) {
        higher[i] = g0[i].higher_is_better;
        for (unsigned k = 0; k < seeds; k++)
            ref[i] += v[k * n + i] / seeds;
        if (!(ref[i] > 0) || !isfinite(ref[i]))
            rc = ns_err_set(err, a->scenario, 0, NULL, "guest %s: its %s under %s is %g, no "
                            "base for a ratio", g0[i].name, g0[i].metric, a->cand[0].label,
                            ref[i]);
    }
    for (size_t c = 0; c < a->nr_cand && rc == 0; c++) {
        for (unsigned k = 0; k < seeds; k++)
            x[k] = ns_advise_score(&v[(c * seeds + k) * n], ref, higher, n);
        ns_exp_stat(x, seeds, &a->cand[c].stat);
        struct ns_exp_run *r = &a->cand[c].run1;
        snprintf(r->metric, sizeof(r->metric), "score");
        snprintf(r->unit, sizeof(r->unit), "x");     /* times the reference */
        r->higher_is_better = true;
    }
    if (rc == 0) {
        snprintf(a->reference, sizeof(a->reference), "%s", a->cand[0].label);
        a->mixed = metric_list(g0, n);
    }
    free(higher);
    free(x);
    free(ref);
    free(v);
    return rc;
}

/* One metric, or several (then normalised): the first run's guests say. */
static int collect(struct adv *a, struct ns_err *err)
{
    char *path = run_file(a, 0, 1);
    struct ns_exp_guest *g;
    size_t n;
    int rc = ns_exp_read_guests(path, &g, &n, err);

    free(path);
    if (rc < 0)
        return -1;
    bool mixed = false;
    for (size_t i = 1; i < n; i++)
        mixed |= strcmp(g[i].metric, g[0].metric) || strcmp(g[i].unit, g[0].unit);
    rc = mixed ? collect_normalized(a, g, n, err) : collect_one_metric(a, err);
    free(g);
    return rc;
}

/* Best first; equal means keep the candidates' order (policy, then scheduler). */
static int better_first(const void *pa, const void *pb)
{
    const struct cand *x = pa, *y = pb;
    bool higher = x->run1.higher_is_better;

    if (x->stat.mean != y->stat.mean)
        return (x->stat.mean > y->stat.mean) == higher ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Apart from the winner: their difference is more than its 95% confidence
 * interval (Welch). Equal runs are not apart, and neither is anything
 * measured once. */
static bool candidate_apart(const struct cand *c, const struct cand *best)
{
    double diff = ns_exp_diff_ci95(&c->stat, &best->stat);
    return !isnan(diff) && fabs(c->stat.mean - best->stat.mean) > diff;
}

/* A score near 1 needs more digits than a metric in the thousands. */
static int decimals(const struct adv *a)
{
    return a->mixed ? 4 : 2;
}

/* The half-width of @s's 95% interval as text; "?" from one run, which has
 * no interval (not 0: one run says nothing about the spread). */
static void ci_text(const struct adv *a, const struct ns_exp_stat *s, char *buf, size_t n)
{
    if (s->n < 2 || isnan(s->ci95))
        snprintf(buf, n, "?");
    else
        snprintf(buf, n, "%.*f", decimals(a), s->ci95);
}

/* After the recommendation: which candidates the seeds cannot tell from it. */
static void print_closeness(const struct adv *a)
{
    const struct cand *best = &a->cand[0];
    size_t close = 0;

    if (best->stat.n < 2) {
        fprintf(a->out, "one seed per candidate: how far apart they are is unknown "
                "(--seeds 2 or more gives 95%% confidence intervals)\n");
        return;
    }
    for (size_t i = 1; i < a->nr_cand; i++)
        close += !candidate_apart(&a->cand[i], best);
    if (close)
        fprintf(a->out, "%zu other candidate(s) are not apart from it: the difference is within "
                "its 95%% confidence interval (more seeds or a longer --duration may tell)\n",
                close);
}

static void print_ranking(const struct adv *a)
{
    const struct cand *best = &a->cand[0];
    const struct ns_exp_run *r = &best->run1;

    if (a->mixed)
        fprintf(a->out, "advise: %s, %zu candidates x %u seeds; the guests' metrics differ "
                "(%s):\neach guest's is taken relative to its mean under %s (inverted where "
                "lower is better),\nand a run scores the geometric mean over its guests; higher "
                "is better\n\n", a->scenario, a->nr_cand, a->o->seeds, a->mixed, a->reference);
    else
        fprintf(a->out, "advise: %s, %zu candidates x %u seeds; the guests' %s in %s, %s is "
                "better\n\n", a->scenario, a->nr_cand, a->o->seeds, r->metric, r->unit,
                r->higher_is_better ? "higher" : "lower");
    fprintf(a->out, "rank  policy  scheduler  %14s  95%% CI      vs winner  %s\n", "mean",
            "apart from the winner");
    for (size_t i = 0; i < a->nr_cand; i++) {
        const struct cand *c = &a->cand[i];
        double rel = ns_exp_rel_better(c->stat.mean, best->stat.mean, r->higher_is_better);
        bool one_seed = c->stat.n < 2;
        char ci[48];
        ci_text(a, &c->stat, ci, sizeof(ci));
        fprintf(a->out, "%4zu  %-6s  %-9s  %14.*f  ± %-9s  %+8.1f%%  %s\n", i + 1, c->policy,
                c->sched, decimals(a), c->stat.mean, ci, rel,
                i == 0 ? "-" : one_seed ? "unknown (one seed)"
                : candidate_apart(c, best) ? "yes" : "no");
    }
    fprintf(a->out, "\nrecommended: policy %s with scheduler %s: %.*f %s%s%s", best->policy,
            best->sched, decimals(a), best->stat.mean, r->unit, a->mixed ? " " : "",
            a->mixed ? a->reference : "");
    if (best->stat.n < 2) {
        fputs(" (one seed: no interval)\n", a->out);
    } else {
        char ci[48];
        ci_text(a, &best->stat, ci, sizeof(ci));
        fprintf(a->out, " ± %s (95%% CI, %u seeds)\n", ci, a->o->seeds);
    }
    print_closeness(a);
}

/* ---- the HTML page ------------------------------------------------------------------------ */

static void html_ranking(const struct adv *a, struct ns_html *h)
{
    static const char *const head[] = {"rank", "policy", "scheduler", "mean", "95% CI ±",
                                       "vs winner"};
    const char **label = ns_xcalloc(a->nr_cand, sizeof(char *));
    double *mean = ns_xcalloc(a->nr_cand, sizeof(double));
    double *ci = ns_xcalloc(a->nr_cand, sizeof(double));
    const struct cand *best = &a->cand[0];

    ns_html_row(h, 6, head);
    for (size_t i = 0; i < a->nr_cand; i++) {
        const struct cand *c = &a->cand[i];
        char rank[24], m[48], e[48], rel[48];
        snprintf(rank, sizeof(rank), "%zu", i + 1);
        snprintf(m, sizeof(m), "%.*f", decimals(a), c->stat.mean);
        ci_text(a, &c->stat, e, sizeof(e));
        snprintf(rel, sizeof(rel), "%+.1f%%", ns_exp_rel_better(c->stat.mean, best->stat.mean,
                                                                best->run1.higher_is_better));
        const char *row[] = {rank, c->policy, c->sched, m, e, rel};
        ns_html_row(h, 6, row);
        label[i] = c->label;
        mean[i] = c->stat.mean;
        ci[i] = c->stat.ci95;
    }
    ns_html_table_end(h);
    struct ns_html_bars b = {"mean metric per candidate", best->run1.unit, a->nr_cand, label,
                             mean, ci};
    ns_html_bars(h, &b);
    free(label);
    free(mean);
    free(ci);
}

/* Links to every run's results.json, when the runs are kept (--out). */
static void html_runs(const struct adv *a, struct ns_html *h)
{
    ns_html_heading(h, "Runs");
    for (size_t c = 0; c < a->nr_cand; c++) {
        for (unsigned k = 1; k <= a->o->seeds; k++) {
            char *dir = run_dir(a, c, k), *file = ns_path_join(dir, "results.json");
            char *href = ns_html_href(a->o->html, file), text[128];
            snprintf(text, sizeof(text), "%s seed %u", a->cand[c].label, k);
            ns_html_link(h, href, text);
            free(href);
            free(file);
            free(dir);
        }
    }
}

static int adv_html(const struct adv *a, struct ns_err *err)
{
    char title[512];

    snprintf(title, sizeof(title), "numasched advise %s", a->scenario);
    struct ns_html *h = ns_html_new(title);
    ns_html_heading(h, "Ranking");
    html_ranking(a, h);
    ns_html_heading(h, "The winner's settings");
    ns_html_pre(h, a->settings);
    if (a->o->out)
        html_runs(a, h);
    int rc = ns_html_write(h, a->o->html, err);
    ns_html_free(h);
    return rc;
}

/* ---- the winner's files, checked ------------------------------------------------------- */

static bool same_domain(const struct ns_sim_spec *s, const struct ns_domain_spec *x,
                        const struct ns_domain_spec *y)
{
    if (x->nr_vcpus != y->nr_vcpus || x->max_vcpus != y->max_vcpus ||
        !ns_mask_equal(&x->node_affinity, &y->node_affinity))
        return false;
    for (unsigned v = 0; v < x->max_vcpus; v++)
        if (!ns_mask_equal(&x->hard[v], &y->hard[v]) || !ns_mask_equal(&x->soft[v], &y->soft[v]))
            return false;
    for (unsigned n = 0; n < s->topo->nr_nodes; n++)
        if (x->memory_kb_per_node[n] != y->memory_kb_per_node[n])
            return false;
    return true;
}

/* The same cpupools, in the same order, each with the same pCPUs, scheduler
 * and tunables. */
static bool same_pools(const struct ns_sim_spec *x, const struct ns_sim_spec *y)
{
    if (x->nr_pools != y->nr_pools)
        return false;
    for (size_t i = 0; i < x->nr_pools; i++) {
        const struct ns_pool_spec *p = &x->pool[i], *q = &y->pool[i];
        if (strcmp(p->name, q->name) || strcmp(p->sched, q->sched) ||
            !ns_mask_equal(&p->cpus, &q->cpus) || p->params.tslice_ms != q->params.tslice_ms ||
            p->params.ratelimit_us != q->params.ratelimit_us ||
            p->params.migration_delay_us != q->params.migration_delay_us)
            return false;
    }
    return true;
}

/* The rewritten scenario, read back as `numasched run` reads it, must give
 * the winner's cpupools and every domain the winner's pool, affinities and
 * memory. */
static int check_rewrite(const struct ns_sim_spec *win, const char *path, struct ns_err *err)
{
    struct ns_sim_spec back = {0};
    struct ns_overrides ov = {.has_seed = true, .seed = 1};

    if (ns_config_create(path, &ov, &back, NULL, err) < 0)
        return -1;
    int rc = 0;
    if (back.nr_dom != win->nr_dom || !same_pools(win, &back))
        rc = ns_err_set(err, path, 0, NULL, "does not hold the winner's domains, cpupools and "
                        "schedulers (a bug in numasched advise)");
    for (size_t i = 0; i < win->nr_dom && rc == 0; i++)
        if (ns_spec_pool_of(win, i) - win->pool != ns_spec_pool_of(&back, i) - back.pool ||
            !same_domain(win, &win->dom[i], &back.dom[i]))
            rc = ns_err_set(err, back.dom[i].file, 0, NULL, "gives %s another cpupool, other "
                            "affinities or memory than the winner's (a bug in numasched advise)",
                            win->dom[i].name);
    ns_sim_spec_free(&back);
    return rc;
}

static int apply_winner(struct adv *a, struct ns_err *err)
{
    struct ns_sim_spec win = {0};

    if (load_candidate(a, &a->cand[0], 1, &win, err) < 0)
        return -1;
    char *dir = ns_path_join(a->dir, "apply"), *path = ns_path_join(dir, "scenario.cfg");
    int rc = 0;
    if (mkdir(dir, 0777) < 0 && errno != EEXIST)
        rc = ns_err_set(err, dir, 0, NULL, "cannot create: %s", strerror(errno));
    if (rc == 0)
        rc = ns_advise_rewrite(a->scenario, &win, a->o, dir, err);
    if (rc == 0)
        rc = check_rewrite(&win, path, err);
    if (rc == 0) {
        size_t len;
        FILE *f = ns_xmemstream(&a->settings, &len);
        ns_advise_print_settings(&win, f);
        if (a->o->out)
            fprintf(f, "\n# the winner as files: numasched run %s\n", path);
        fclose(f);
        fputs(a->settings, a->out);
    }
    ns_sim_spec_free(&win);
    free(path);
    free(dir);
    return rc;
}

static int finish(void *arg, struct ns_err *err)
{
    struct adv *a = arg;

    if (collect(a, err) < 0)
        return -1;
    qsort(a->cand, a->nr_cand, sizeof(struct cand), better_first);
    print_ranking(a);
    int rc = apply_winner(a, err);
    fflush(a->out);
    if (rc == 0 && a->o->html)
        rc = adv_html(a, err);
    return rc;
}

/* ---- the whole command ------------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Nodes with pCPUs: those xl's split makes a pool for. */
static unsigned cpu_nodes(const struct ns_topo *t)
{
    unsigned n = 0;
    for (unsigned i = 0; i < t->nr_nodes; i++)
        n += !ns_mask_empty(&t->node[i].cpus);
    return n;
}

/* Whether to offer split (see the top): several nodes, Pool-0 alone; and
 * whether every vCPU could have a pCPU of its own. */
static int probe_scenario(const struct adv *a, bool *split, bool *vcpus_fit, struct ns_err *err)
{
    struct ns_overrides ov;
    struct ns_sim_spec s = {0};
    size_t vcpus = 0;

    overrides(a, 1, &ov);
    if (ns_config_load(a->scenario, &ov, &s, err) < 0)
        return -1;
    *split = s.nr_pools == 1 && cpu_nodes(s.topo) > 1;
    for (size_t i = 0; i < s.nr_dom; i++)
        vcpus += s.dom[i].nr_vcpus;
    *vcpus_fit = vcpus <= s.topo->nr_pcpus;
    int rc = s.nr_dom == (size_t)s.has_dom0
             ? ns_err_set(err, a->scenario, 0, "domains", "no guest to advise on") : 0;
    ns_sim_spec_free(&s);
    return rc;
}

/*
 * The scenario is checked once before any run, with every policy: a typo or
 * a host too small fails the command at once, not after the first batch.
 */
static int check_scenario(struct adv *a, struct ns_err *err)
{
    for (size_t c = 0; c < a->nr_policies; c++) {
        struct ns_sim_spec s = {0};
        if (load_candidate(a, &a->cand[c], 1, &s, err) < 0)
            return -1;
        ns_sim_spec_free(&s);
    }
    return 0;
}

static int run_batch(struct adv *a, const struct ns_runner *runner, struct ns_err *err)
{
    const struct ns_advise_opts *o = a->o;
    size_t n = a->nr_cand * o->seeds;

    a->job_name = ns_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s seed %zu", a->cand[i / o->seeds].label,
                 i % o->seeds + 1);
        a->job_name[i] = ns_xstrdup(buf);
    }
    struct ns_batch b = {"numasched advise", "advise", n, o->jobs, o->quiet, a, job_name,
                         job_source, job_weight, run_job, NULL, begin, finish};
    int rc = runner->run(&b, err);
    for (size_t i = 0; i < n; i++)
        free(a->job_name[i]);
    free(a->job_name);
    return rc;
}

int ns_advise_run(const char *scenario, const struct ns_advise_opts *opts,
                  const struct ns_runner *runner, FILE *out, struct ns_err *err)
{
    struct ns_advise_opts o = *opts;
    struct adv a = {.scenario = scenario, .o = &o, .out = out};
    char tmp[] = "/tmp/numasched-advise-XXXXXX";

    if (o.jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.jobs = n > 0 ? (unsigned)n : 1;
    }
    if (o.out)
        a.dir = o.out;
    else if (!(a.dir = mkdtemp(tmp)))
        return ns_err_set(err, tmp, 0, NULL, "cannot create: %s", strerror(errno));
    bool split, vcpus_fit;
    int rc = probe_scenario(&a, &split, &vcpus_fit, err);
    if (rc == 0) {
        make_candidates(&a, split, vcpus_fit);
        rc = check_scenario(&a, err);
    }
    if (rc == 0)
        rc = run_batch(&a, runner, err);
    if (!o.out)
        nftw(a.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(a.cand);
    free(a.settings);
    free(a.mixed);
    return rc;
}
