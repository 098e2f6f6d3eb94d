/*
 * Sensitivity: which conclusions survive a parameter moved to each end of
 * its documented range.
 *
 * `numasched experiment NAME --vary KEY` runs the whole experiment again
 * with KEY at its low and at its high end, each into DIR/vary/KEY=VALUE/.
 * Every run writes its compare.csv; this file reads them back (so each
 * number can be traced to its runs, as the tables can) and says, per
 * parameter, how many relations keep the simulated direction they have at
 * the default, and how many agree with the published direction at each end.
 * A conclusion that flips inside a parameter's range rests on that
 * parameter's value; one that keeps its direction does not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* The pairs of one compare.csv, in file order. */
struct pairs {
    size_t nr;
    char **label;               /* "specjbb 10 numa vs pin" */
    double *published, *simulated;
};

static void pairs_free(struct pairs *p)
{
    for (size_t i = 0; i < p->nr; i++)
        free(p->label[i]);
    free(p->label);
    free(p->published);
    free(p->simulated);
}

static int add_line(struct pairs *p, char *line, size_t *cap)
{
    char *f[8];

    if (ns_report_csv_split(line, f, 8) != 8)
        return -1;
    if (strcmp(f[0], "pair") != 0)
        return 0;
    if (p->nr == *cap) {
        *cap = *cap ? 2 * *cap : 32;
        p->label = ns_xrealloc(p->label, *cap * sizeof(*p->label));
        p->published = ns_xrealloc(p->published, *cap * sizeof(double));
        p->simulated = ns_xrealloc(p->simulated, *cap * sizeof(double));
    }
    p->label[p->nr] = ns_xasprintf("%s %s %s", f[1], f[2], f[3]);
    p->published[p->nr] = strtod(f[4], NULL);
    p->simulated[p->nr] = strtod(f[5], NULL);
    p->nr++;
    return 0;
}

static int read_pairs(const char *dir, struct pairs *p, struct ns_err *err)
{
    char *path = ns_path_join(dir, "compare.csv"), *line = NULL;
    FILE *in = fopen(path, "r");
    size_t cap = 0, n = 0;
    int rc = 0, lineno = 0;

    memset(p, 0, sizeof(*p));
    if (!in)
        rc = ns_err_set(err, path, 0, NULL, "cannot open: the run wrote no comparison");
    while (!rc && getline(&line, &n, in) >= 0)
        if (++lineno > 1 && add_line(p, line, &cap) < 0)
            rc = ns_err_set(err, path, lineno, NULL, "not a compare.csv line");
    if (in)
        fclose(in);
    free(line);
    free(path);
    return rc;
}



struct summary {
    size_t keep, agree[3];
    double mae[3];
};

static void summarise(const struct pairs *run[3], struct summary *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < run[0]->nr; i++) {
        int d = ns_exp_direction(run[0]->simulated[i]);
        s->keep += ns_exp_direction(run[1]->simulated[i]) == d && ns_exp_direction(run[2]->simulated[i]) == d;
        for (int k = 0; k < 3; k++) {
            s->agree[k] += ns_exp_same_direction(run[k]->published[i], run[k]->simulated[i]);
            s->mae[k] += fabs(run[k]->simulated[i] - run[k]->published[i]);
        }
    }
    for (int k = 0; k < 3 && run[0]->nr; k++)
        s->mae[k] /= (double)run[0]->nr;
}

static void emit_rows(FILE *csv, const struct ns_exp_vary *v, const struct pairs *run[3])
{
    for (size_t i = 0; i < run[0]->nr; i++) {
        int d = ns_exp_direction(run[0]->simulated[i]);
        bool keep = ns_exp_direction(run[1]->simulated[i]) == d && ns_exp_direction(run[2]->simulated[i]) == d;
        fprintf(csv, "%s,%s,%s,", v->name, v->lo, v->hi);
        ns_report_csv_text(csv, run[0]->label[i]);
        fprintf(csv, ",%.3f,%.3f,%.3f,%.3f,%s\n", run[0]->published[i], run[0]->simulated[i],
                run[1]->simulated[i], run[2]->simulated[i], keep ? "yes" : "no");
    }
}

static int one_parameter(const char *dir, const struct ns_exp_vary *v, const struct pairs *base,
                         FILE *csv, FILE *md, struct ns_err *err)
{
    struct pairs lo, hi;
    struct summary s;

    if (read_pairs(v->lo_dir, &lo, err) < 0)
        return -1;
    if (read_pairs(v->hi_dir, &hi, err) < 0) {
        pairs_free(&lo);
        return -1;
    }
    if (lo.nr != base->nr || hi.nr != base->nr) {
        pairs_free(&lo);
        pairs_free(&hi);
        return ns_err_set(err, dir, 0, NULL, "%s: the runs compare different relations",
                          v->name);
    }
    const struct pairs *run[3] = {base, &lo, &hi};
    summarise(run, &s);
    emit_rows(csv, v, run);
    fprintf(md, "| %s | %s .. %s | %zu of %zu | %zu / %zu / %zu | %.1f / %.1f / %.1f |\n",
            v->name, v->lo, v->hi, s.keep, base->nr, s.agree[1], s.agree[0], s.agree[2],
            s.mae[1], s.mae[0], s.mae[2]);
    pairs_free(&lo);
    pairs_free(&hi);
    return 0;
}

const char *const *ns_exp_sensitivity_names(void)
{
    static const char *const names[] = {"sensitivity.csv", "sensitivity.md", NULL};
    return names;
}

int ns_exp_sensitivity(const char *dir, const struct ns_exp_vary *v, size_t n, FILE *csv,
                       FILE *md, struct ns_err *err)
{
    struct pairs base;
    int rc = 0;

    if (read_pairs(dir, &base, err) < 0)
        return -1;
    fputs("parameter,lo,hi,relation,published,simulated,at_lo,at_hi,keeps_direction\n", csv);
    fprintf(md, "## Sensitivity\n\nEach parameter at the low and the high end of its range,\n"
            "the others at their defaults. \"keep\": relations whose simulated direction\n"
            "(+, - or flat within ±%.1f %%) is the same at both ends as at the default;\n"
            "agreement with the published directions and the mean absolute error, at the\n"
            "low end / the default / the high end.\n\n"
            "| parameter | range | keep | agree (lo / default / hi) | MAE, points |\n"
            "|:---|:---|---:|---:|---:|\n", NS_EXP_FLAT_PCT);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = one_parameter(dir, &v[i], &base, csv, md, err);
    pairs_free(&base);
    return rc;
}
