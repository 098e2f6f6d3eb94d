/*
 * One-line errors and allocation that cannot fail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numasched/util.h"

/*
 * Copy @s into @out (@cap bytes). A message too long for it loses its
 * middle, not its end: "SPEC: reason" with a 2,000-byte SPEC keeps the
 * reason. Cuts fall between UTF-8 characters.
 */
static void fit(char *out, size_t cap, const char *s)
{
    static const char gap[] = " ... ";
    size_t len = strlen(s);

    if (len < cap) {
        memcpy(out, s, len + 1);
        return;
    }
    size_t head = (cap - sizeof(gap)) / 3, tail = len - (cap - sizeof(gap) - head);
    while (head > 0 && ((unsigned char)s[head] & 0xc0) == 0x80)
        head--;
    while (((unsigned char)s[tail] & 0xc0) == 0x80)
        tail++;
    snprintf(out, cap, "%.*s%s%s", (int)head, s, gap, s + tail);
}

int ns_err_vset(struct ns_err *e, const char *file, int line, const char *key,
                const char *fmt, va_list ap)
{
    char *whole;
    size_t len;
    FILE *out = ns_xmemstream(&whole, &len);

    /* Written apart from e->msg: @fmt's arguments may be e->msg itself. */
    if (file && line > 0)
        fprintf(out, "%s:%d: ", file, line);
    else if (file)
        fprintf(out, "%s: ", file);
    if (key)
        fprintf(out, "%s: ", key);
    vfprintf(out, fmt, ap);
    fclose(out);
    fit(e->msg, sizeof(e->msg), whole);
    free(whole);
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
