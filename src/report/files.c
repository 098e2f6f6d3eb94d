/*
 * Writing the result files: each one through ns_outfile (a temporary name,
 * renamed when complete), and the pair in ns_report_write_dir so that a
 * failure leaves the previous pair, not a mix of old and new.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/report_internal.h"

bool ns_report_fmt_double(char *buf, double v)
{
    buf[0] = '\0';
    if (!isfinite(v))
        return false;
    if (v == 0)
        v = 0;                  /* -0 prints as 0 */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, NS_REPORT_DBL_LEN, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;              /* %.17g always gets here */
    }
    if (!strpbrk(buf, ".e"))
        strcat(buf, ".0");
    return true;
}

/*
 * Write @path's content to its temporary file; the caller commits. The C
 * locale is forced meanwhile: a program that called setlocale() would
 * otherwise get "0,5" in its JSON and a broken column in its CSV.
 */
int ns_report_stage(struct ns_outfile *o, const char *path, ns_report_emit_fn *emit,
                    const void *ctx, struct ns_err *err)
{
    if (ns_outfile_open(o, path, err) < 0)
        return -1;

    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t saved = c ? uselocale(c) : (locale_t)0;

    errno = 0;
    emit(ctx, o->f);
    bool bad = fflush(o->f) != 0 || ferror(o->f);
    int e = errno ? errno : EIO;

    if (c) {
        uselocale(saved);
        freelocale(c);
    }
    if (bad) {
        ns_outfile_abort(o);
        return ns_err_set(err, path, 0, NULL, "cannot write: %s", strerror(e));
    }
    return 0;
}

static void emit_json(const void *r, FILE *f) { ns_report_emit_json(r, f); }
static void emit_csv(const void *r, FILE *f) { ns_report_emit_csv(r, f); }

static int write_one(const struct ns_results *r, const char *path, ns_report_emit_fn *emit,
                     struct ns_err *err)
{
    struct ns_outfile o;

    if (ns_report_stage(&o, path, emit, r, err) < 0)
        return -1;
    return ns_outfile_commit(&o, err);
}

int ns_report_write_json(const struct ns_results *r, const char *path, struct ns_err *err)
{
    return write_one(r, path, emit_json, err);
}

int ns_report_write_csv(const struct ns_results *r, const char *path, struct ns_err *err)
{
    return write_one(r, path, emit_csv, err);
}

/* A component that exists as a directory is fine whatever mkdir said (EEXIST, EACCES, EROFS). */
static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p @dir; the error names @dir and, if different, the part that failed. */
int ns_report_make_dirs(const char *dir, struct ns_err *err)
{
    if (!*dir)
        return 0;                       /* "": the current directory */

    char *p = ns_xstrdup(dir);
    int rc = 0;

    for (char *s = p + 1;; s++) {
        bool last = *s == '\0';
        if (*s != '/' && !last)
            continue;
        *s = '\0';
        int e = mkdir(p, 0777) == 0 ? 0 : errno;
        if (e && !is_dir(p)) {
            if (e == EEXIST)
                e = ENOTDIR;            /* a file is in the way */
            if (strcmp(p, dir) == 0)
                rc = ns_err_set(err, dir, 0, NULL, "cannot create directory: %s", strerror(e));
            else
                rc = ns_err_set(err, dir, 0, NULL, "cannot create directory %s: %s", p,
                                strerror(e));
            break;
        }
        if (last)
            break;
        *s = '/';
    }
    free(p);
    return rc;
}

/*
 * A set of files in @dir, all or none: each is written in full under a
 * temporary name, and they are renamed together (ns_outputs_hold), so a
 * full disk, a permission problem or a signal leaves the old set as it was,
 * and a run beside this one cannot leave one file of each.
 */
int ns_report_write_set(const char *dir, const char *const *names, ns_report_emit_fn *const *emit,
                        size_t n, const void *ctx, struct ns_err *err)
{
    struct ns_outfile o;
    int rc = 0;

    if (ns_report_make_dirs(dir, err) < 0)
        return -1;
    ns_outputs_hold();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *path = ns_path_join(dir, names[i]);
        if (ns_report_stage(&o, path, emit[i], ctx, err) < 0 || ns_outfile_commit(&o, err) < 0)
            rc = -1;
        free(path);
    }
    if (rc < 0) {
        ns_outputs_drop();
        return -1;
    }
    return ns_outputs_commit(err);
}

int ns_report_write_dir(const struct ns_results *r, const char *dir, struct ns_err *err)
{
    static const char *const names[] = {"results.json", "results.csv"};
    static ns_report_emit_fn *const emit[] = {emit_json, emit_csv};

    return ns_report_write_set(dir, names, emit, 2, r, err);
}
