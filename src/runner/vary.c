/*
 * Sensitivity runs: the whole experiment (a sweep with relations) again
 * with one parameter at each end of its range, the others as given.
 *
 * Each rerun is an ordinary sweep run into DIR/vary/NAME=VALUE with
 * NAME=VALUE added to the run's model parameters, so its tables, its
 * compare.csv and every results.json stay there to be read; the summary
 * (report/sensitivity.c) is computed from those files, as the tables are
 * from the runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/config.h"
#include "numasched/runner.h"

/*
 * The experiment once more, with @name=@value added to the parameters, into
 * @out. Quietly, and without the HTML page: that shows the main run.
 */
static int rerun(const char *path, const struct ns_sweep_opts *o, const char *name,
                 const char *value, const char *out, const struct ns_runner *runner,
                 struct ns_err *err)
{
    struct ns_sweep_opts sub = *o;
    struct ns_param_value *p = ns_xcalloc(o->nr_params + 1, sizeof(*p));

    if (o->nr_params > 0)       /* params is NULL without --set */
        memcpy(p, o->params, o->nr_params * sizeof(*p));
    p[o->nr_params] = (struct ns_param_value){name, value};
    sub.params = p;
    sub.nr_params = o->nr_params + 1;
    sub.out = out;
    sub.quiet = true;
    sub.html = NULL;
    if (!o->quiet && runner->leads())
        fprintf(stderr, "%s: again with %s=%s, into %s\n", path, name, value, out);
    int rc = ns_sweep_run(path, &sub, runner, err);
    free(p);
    return rc;
}

/* sensitivity.csv and sensitivity.md, each whole or not at all. */
static int write_sensitivity(const char *dir, const struct ns_exp_vary *v, size_t n, bool quiet,
                             struct ns_err *err)
{
    struct ns_outfile csv, md;
    const char *const *name = ns_exp_sensitivity_names();
    char *pc = ns_path_join(dir, name[0]), *pm = ns_path_join(dir, name[1]);
    int rc = ns_outfile_open(&csv, pc, err);

    if (rc == 0 && (rc = ns_outfile_open(&md, pm, err)) < 0)
        ns_outfile_abort(&csv);
    if (rc == 0) {
        rc = ns_exp_sensitivity(dir, v, n, csv.f, md.f, err);
        if (rc == 0 && (rc = ns_outfile_commit(&csv, err)) == 0)
            rc = ns_outfile_commit(&md, err);
        else
            ns_outfile_abort(&csv);
        if (rc < 0)
            ns_outfile_abort(&md);
    }
    FILE *f = rc == 0 && !quiet ? fopen(pm, "r") : NULL;
    for (int ch; f && (ch = fgetc(f)) != EOF;)
        putchar(ch);
    if (f)
        fclose(f);
    free(pc);
    free(pm);
    return rc;
}

int ns_experiment_vary(const char *path, const struct ns_sweep_opts *o,
                       const struct ns_experiment_vary *v, size_t n,
                       const struct ns_runner *runner, struct ns_err *err)
{
    const char *out = o->out;
    struct ns_exp_vary *sv = ns_xcalloc(n ? n : 1, sizeof(*sv));
    char **dir = ns_xcalloc(2 * n + 1, sizeof(char *));
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        for (int end = 0; end < 2 && rc == 0; end++) {
            const char *value = end ? v[i].hi : v[i].lo;
            size_t len = strlen(out) + strlen(v[i].name) + strlen(value) + 16;
            dir[2 * i + end] = ns_xcalloc(len, 1);
            snprintf(dir[2 * i + end], len, "%s/vary/%s=%s", out, v[i].name, value);
            rc = rerun(path, o, v[i].name, value, dir[2 * i + end], runner, err);
        }
        sv[i] = (struct ns_exp_vary){v[i].name, v[i].lo, v[i].hi, dir[2 * i], dir[2 * i + 1]};
    }
    /* Every rank ran the reruns; rank 0 wrote their tables, and it alone reads them. */
    if (rc == 0 && runner->leads())
        rc = write_sensitivity(out, sv, n, o->quiet, err);
    for (size_t i = 0; i < 2 * n; i++)
        free(dir[i]);
    free(dir);
    free(sv);
    return rc;
}
