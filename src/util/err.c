/*
 * One-line errors and allocation that cannot fail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/util.h"

int ns_err_vset(struct ns_err *e, const char *file, int line, const char *key,
                const char *fmt, va_list ap)
{
    size_t n = 0, cap = sizeof(e->msg);

    if (file && line > 0)
        n = (size_t)snprintf(e->msg, cap, "%s:%d: ", file, line);
    else if (file)
        n = (size_t)snprintf(e->msg, cap, "%s: ", file);
    if (key && n < cap)
        n += (size_t)snprintf(e->msg + n, cap - n, "%s: ", key);
    if (n < cap)
        vsnprintf(e->msg + n, cap - n, fmt, ap);
    /*
     * A message is one line of plain text: fold any newline a library handed
     * us, and blank out every other control character a file name or a value
     * may carry (an escape sequence would rewrite the user's terminal).
     */
    for (char *p = e->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return -1;
}

int ns_err_set(struct ns_err *e, const char *file, int line, const char *key,
               const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ns_err_vset(e, file, line, key, fmt, ap);
    va_end(ap);
    return -1;
}

static void *oom(size_t size)
{
    fprintf(stderr, "numasched: out of memory (%zu bytes)\n", size);
    abort();
}

void *ns_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    return p ? p : oom(size);
}

void *ns_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom(n * size);
}

void *ns_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    return q ? q : oom(size);
}

char *ns_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(ns_xmalloc(n), s, n);
}

char *ns_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("numasched: out of memory (a formatted string)\n", stderr);
        abort();
    }
    return s;
}

FILE *ns_xmemstream(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);

    if (!f) {                           /* it fails only when memory runs out */
        fputs("numasched: out of memory (a memory stream)\n", stderr);
        abort();
    }
    return f;
}
