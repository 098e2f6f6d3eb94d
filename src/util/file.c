/*
 * Output files that appear only when complete, and path helpers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numasched/util.h"

int ns_outfile_open(struct ns_outfile *o, const char *path, struct ns_err *err)
{
    size_t n = strlen(path) + 32;

    o->path = ns_xstrdup(path);
    o->tmp = ns_xmalloc(n);
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        ns_err_set(err, path, 0, NULL, "cannot create: %s", strerror(errno));
        free(o->path);
        free(o->tmp);
        o->path = o->tmp = NULL;
        return -1;
    }
    return 0;
}

static void release(struct ns_outfile *o)
{
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
    o->f = NULL;
}

int ns_outfile_commit(struct ns_outfile *o, struct ns_err *err)
{
    /* A write error (full disk) may only show at flush or close. */
    bool bad = ferror(o->f) != 0;

    if (fclose(o->f) != 0)
        bad = true;
    o->f = NULL;
    if (bad || rename(o->tmp, o->path) != 0) {
        ns_err_set(err, o->path, 0, NULL, "cannot write: %s", strerror(errno ? errno : EIO));
        unlink(o->tmp);
        release(o);
        return -1;
    }
    release(o);
    return 0;
}

void ns_outfile_abort(struct ns_outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    release(o);
}

char *ns_path_join(const char *dir, const char *rel)
{
    if (!dir || !*dir || rel[0] == '/')
        return ns_xstrdup(rel);
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = ns_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

char *ns_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return ns_xstrdup(".");
    if (slash == path)
        return ns_xstrdup("/");
    size_t n = (size_t)(slash - path);
    char *d = ns_xmalloc(n + 1);
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}
