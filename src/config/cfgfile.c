/*
 * One configuration file: libxlutil parses it, we keep its text to tell
 * the user which line a bad value sits on, and we turn libxlutil's return
 * codes into one-line errors with file, line and key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

/* ---- opening ------------------------------------------------------------- */

/* A configuration file beyond this is not one: xl.cfg files are a few KiB,
 * a scenario naming thousands of domains a few hundred. */
#define CFG_MAX_BYTES (16u << 20)

/* Slurp @path into a NUL-terminated buffer, up to CFG_MAX_BYTES + 1 bytes. */
static char *read_text(const char *path, size_t *len, struct ns_err *err)
{
    FILE *in = ns_input_fopen(path, path, err);
    if (!in)
        return NULL;

    size_t cap = 4096, n = 0;
    char *buf = ns_xmalloc(cap);
    for (;;) {
        n += fread(buf + n, 1, cap - n - 1, in);
        if (n < cap - 1 || n > CFG_MAX_BYTES)
            break;
        cap *= 2;
        buf = ns_xrealloc(buf, cap);
    }
    int bad = ferror(in);
    int saved = errno;
    fclose(in);
    if (bad) {
        free(buf);
        ns_err_set(err, path, 0, NULL, "cannot read: %s", strerror(saved ? saved : EIO));
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The first line libxlutil wrote to its report stream, without the newline. */
static void first_report_line(struct cfg_file *f, char *out, size_t cap)
{
    fflush(f->report);
    const char *s = f->report_buf ? f->report_buf : "";
    size_t n = strcspn(s, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/*
 * Settings go after the file's text, one per line, so that libxlutil reads
 * them last (its getters answer a key's last assignment) and line
 * own_lines + 1 + i is setting i: cfg_origin maps it back to where the
 * setting was written.
 */
static void append_settings(struct cfg_file *f, size_t *len)
{
    if (f->nr_set == 0)
        return;
    if (*len > 0 && f->text[*len - 1] != '\n')
        f->text[(*len)++] = '\n';   /* read_text leaves room for one byte */
    f->text[*len] = '\0';
    for (size_t i = 0; i < *len; i++)
        f->own_lines += f->text[i] == '\n';
    for (size_t i = 0; i < f->nr_set; i++) {
        size_t n = strlen(f->set[i].stmt);
        f->text = ns_xrealloc(f->text, *len + n + 2);
        memcpy(f->text + *len, f->set[i].stmt, n);
        *len += n;
        f->text[(*len)++] = '\n';
        f->text[*len] = '\0';
    }
}

void cfg_origin(const struct cfg_file *f, int line, const char **file, int *origin_line)
{
    size_t i = (size_t)(line - f->own_lines - 1);

    *file = f->path;
    *origin_line = line;
    if (line > f->own_lines && i < f->nr_set) {
        *file = f->set[i].file;
        *origin_line = f->set[i].line;
    }
}

int cfg_open(struct cfg_file *f, const char *path, struct ns_err *err)
{
    return cfg_open_set(f, path, NULL, 0, err);
}

int cfg_open_set(struct cfg_file *f, const char *path, const struct ns_setting *set,
                 size_t nr_set, struct ns_err *err)
{
    size_t len;

    memset(f, 0, sizeof(*f));
    f->text = read_text(path, &len, err);
    if (!f->text)
        return -1;
    /*
     * libxlutil measures quoted strings with strlen and asserts (aborts) when
     * a NUL byte cuts one short (xlu__cfgl_dequote, Xen 4.17): a text file
     * has no NUL, so refuse one before the parser sees it.
     */
    const char *nul = len > CFG_MAX_BYTES ? NULL : memchr(f->text, '\0', len);
    if (len > CFG_MAX_BYTES || nul) {
        int line = 1;
        for (const char *p = f->text; nul && p < nul; p++)
            line += *p == '\n';
        if (nul)
            ns_err_set(err, path, line, NULL, "a NUL byte: not a text file");
        else
            ns_err_set(err, path, 0, NULL, "larger than numasched's limit of %u MiB for a "
                       "configuration file", CFG_MAX_BYTES >> 20);
        free(f->text);
        f->text = NULL;
        return -1;
    }
    f->path = ns_xstrdup(path);
    f->set = set;
    f->nr_set = nr_set;
    append_settings(f, &len);

    /* It fails only when memory runs out, which ns_xmalloc treats as fatal too. */
    f->report = ns_xmemstream(&f->report_buf, &f->report_len);
    f->xlu = xlu_cfg_init(f->report, path);
    if (!f->xlu) {
        fprintf(stderr, "numasched: out of memory reading %s\n", path);
        abort();
    }

    if (xlu_cfg_readdata(f->xlu, f->text, (int)len) != 0) {
        /* libxlutil's own words already carry "PATH:LINE:". */
        char line[sizeof(err->msg)];
        first_report_line(f, line, sizeof(line));
        /* libxlutil's lexer, and so xl, takes a carriage return for a stray
         * character; its message then quotes a blank. */
        if (line[0] && memchr(f->text, '\r', len))
            ns_err_set(err, NULL, 0, NULL, "%s (the file has carriage returns, \"\\r\", as Windows "
                       "line ends do; libxlutil, as xl, ends a line with \"\\n\" only)", line);
        else if (line[0])
            ns_err_set(err, NULL, 0, NULL, "%s", line);
        else
            ns_err_set(err, path, 0, NULL, "cannot parse");
        cfg_close(f);
        return -1;
    }
    return 0;
}

void cfg_fold_inputs(const struct cfg_file *f, uint64_t *inputs)
{
    /* The path too: the same text read as another file is another input. */
    *inputs = ns_fnv1a(*inputs, f->path, strlen(f->path) + 1);
    *inputs = ns_fnv1a(*inputs, f->text, strlen(f->text) + 1);
}

void cfg_close(struct cfg_file *f)
{
    if (f->xlu)
        xlu_cfg_destroy(f->xlu);
    if (f->report)
        fclose(f->report);
    free(f->report_buf);
    for (size_t i = 0; i < f->nr_lists; i++)
        free(f->lists[i]);
    free(f->lists);
    free(f->text);
    free(f->path);
    memset(f, 0, sizeof(*f));
}

/* ---- finding the line of a key --------------------------------------------- */

/*
 * A statement starts at the beginning of the file, after a newline outside
 * brackets, or after ';'. It is "IDENT = value" or "IDENT += value". Strings
 * ('...' or "...") and comments (# to end of line) are skipped so that a key
 * name inside them is not mistaken for an assignment.
 */
static const char *skip_string(const char *p, int *line)
{
    char quote = *p++;

    while (*p && *p != quote) {
        if (*p == '\\' && p[1] && p[1] != '\n')
            p++;
        else if (*p == '\n')
            (*line)++;
        p++;
    }
    return *p ? p + 1 : p;
}

static bool is_ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
/* libxlutil's names are [a-z][._0-9a-z]*: a dot belongs to the key. */
static bool is_ident(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.'; }

int cfg_each_key(const struct cfg_file *f, cfg_key_fn fn, void *arg)
{
    const char *p = f->text;
    int line = 1, depth = 0;
    bool start = true;

    while (*p) {
        char c = *p;
        if (c == '#') {
            p += strcspn(p, "\n");
        } else if (c == '"' || c == '\'') {
            p = skip_string(p, &line);
            start = false;
        } else if (c == '\n') {
            line++;
            if (depth == 0)
                start = true;
            p++;
        } else if (c == ';' && depth == 0) {
            start = true;
            p++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            p++;
        } else if (start && is_ident_start(c)) {
            const char *name = p;
            while (is_ident(*p))
                p++;
            size_t len = (size_t)(p - name);
            const char *q = p;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=' || (q[0] == '+' && q[1] == '=')) {
                int rc = fn(arg, name, len, line);
                if (rc)
                    return rc;
            }
            start = false;
        } else {
            if (c == '[')
                depth++;
            else if (c == ']' && depth > 0)
                depth--;
            start = false;
            p++;
        }
    }
    return 0;
}

struct key_search {
    const char *key;
    int line;
    bool appends;   /* the statement is "key += ..." */
};

static int match_key(void *arg, const char *key, size_t len, int line)
{
    struct key_search *s = arg;

    if (strlen(s->key) == len && memcmp(s->key, key, len) == 0) {
        s->line = line;   /* keep going: the last assignment wins */
        s->appends = key[len + strspn(key + len, " \t")] == '+';
    }
    return 0;
}

int cfg_key_line(const struct cfg_file *f, const char *key)
{
    struct key_search s = {key, 0, false};

    cfg_each_key(f, match_key, &s);
    return s.line;
}

static bool key_appends(const struct cfg_file *f, const char *key)
{
    struct key_search s = {key, 0, false};

    cfg_each_key(f, match_key, &s);
    return s.appends;
}

/* ---- errors ----------------------------------------------------------------- */

int cfg_fail(const struct cfg_file *f, const char *key, struct ns_err *err,
             const char *fmt, ...)
{
    va_list ap;

    const char *file;
    int line;

    cfg_origin(f, key ? cfg_key_line(f, key) : 0, &file, &line);
    va_start(ap, fmt);
    ns_err_vset(err, file, line, key, fmt, ap);
    va_end(ap);
    return -1;
}

/*
 * The length of the UTF-8 sequence at @s if it is a printable character,
 * else 0. Names reach results.json (JSON is UTF-8 only: a stray byte makes
 * the whole file invalid), the summary table and the terminal (an escape
 * sequence in a name would rewrite the screen), so they must be text:
 * well-formed UTF-8 (no overlong form, surrogate or code point past
 * U+10FFFF) and no C0 or C1 control character.
 */
static size_t printable_char(const unsigned char *s)
{
    unsigned c = s[0], len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                                           : (c & 0xf8) == 0xf0 ? 4 : 0;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};

    if (len == 0)
        return 0;
    for (unsigned i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
        return 0;
    return len;
}

int cfg_check_name(const struct cfg_file *f, const char *key, const char *name,
                   struct ns_err *err)
{
    const unsigned char *s = (const unsigned char *)name;

    for (size_t at = 0; s[at];) {
        size_t n = printable_char(s + at);
        if (n == 0)
            return cfg_fail(f, key, err, "byte %zu (0x%02x) is not printable text: a name "
                            "must be UTF-8 without control characters", at + 1, s[at]);
        at += n;
    }
    return 0;
}

int cfg_wrap(const struct cfg_file *f, const char *key, struct ns_err *err,
             const struct ns_err *inner)
{
    char msg[sizeof(inner->msg)];

    /* inner may be err itself. */
    memcpy(msg, inner->msg, sizeof(msg));
    return cfg_fail(f, key, err, "%s", msg);
}

/* ---- getters ------------------------------------------------------------------ */

/*
 * libxlutil answers 0 (found), ESRCH (absent) or EINVAL (wrong shape: a list
 * where a single value was asked for or the reverse, or not a number). We ask
 * it not to print warnings and say what was wrong ourselves.
 */

bool cfg_has(const struct cfg_file *f, const char *key)
{
    const char *s;
    return xlu_cfg_get_string(f->xlu, key, &s, 1) != ESRCH;
}

bool cfg_is_list(const struct cfg_file *f, const char *key)
{
    return xlu_cfg_get_list(f->xlu, key, NULL, NULL, 1) == 0;
}

int cfg_get_string(const struct cfg_file *f, const char *key, const char **out,
                   struct ns_err *err)
{
    int rc = xlu_cfg_get_string(f->xlu, key, out, 1);

    if (rc == ESRCH)
        return 1;
    if (rc)
        return cfg_fail(f, key, err, "expected a single value, not a list");
    return 0;
}

/*
 * The text of a number. libxlutil joins the texts of "k = 2" and "k += 2"
 * into "22"; its own number getters refuse +=, and so do we, rather than
 * read 22.
 */
static int get_number_text(const struct cfg_file *f, const char *key, const char **out,
                           struct ns_err *err)
{
    int rc = cfg_get_string(f, key, out, err);

    if (rc == 0 && key_appends(f, key))
        return cfg_fail(f, key, err, "+= joins texts; a number is set with =");
    return rc;
}

int cfg_get_long(const struct cfg_file *f, const char *key, long min, long max,
                 long *out, struct ns_err *err)
{
    const char *s;
    long v;
    int rc = get_number_text(f, key, &s, err);

    if (rc)
        return rc;
    rc = xlu_cfg_get_long(f->xlu, key, &v, 1);
    if (rc == ERANGE)
        return cfg_fail(f, key, err, "%s is out of range", s);
    if (rc)
        return cfg_fail(f, key, err, "\"%s\" is not an integer", s);
    if (v < min || v > max) {
        if (max == LONG_MAX)
            return cfg_fail(f, key, err, "must be at least %ld, not %ld", min, v);
        return cfg_fail(f, key, err, "must be between %ld and %ld, not %ld", min, max, v);
    }
    *out = v;
    return 0;
}

int cfg_get_number(const struct cfg_file *f, const char *key, double *out,
                   struct ns_err *err)
{
    const char *s;
    int rc = get_number_text(f, key, &s, err);

    if (rc)
        return rc;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v))
        return cfg_fail(f, key, err, "\"%s\" is not a number", s);
    *out = v;
    return 0;
}

int cfg_get_duration(const struct cfg_file *f, const char *key, ns_time_t *out,
                     struct ns_err *err)
{
    const char *s;
    int rc = get_number_text(f, key, &s, err);

    if (rc)
        return rc;
    if (ns_duration_parse(s, out, err))
        return cfg_wrap(f, key, err, err);
    return 0;
}

int cfg_get_list(const struct cfg_file *f, const char *key, XLU_ConfigList **list,
                 int *n, struct ns_err *err)
{
    int rc = xlu_cfg_get_list(f->xlu, key, list, n, 1);

    if (rc == ESRCH)
        return 1;
    if (rc)
        return cfg_fail(f, key, err, "expected a list [ ... ], not a single value");
    return 0;
}

int cfg_get_strings(struct cfg_file *f, const char *key, size_t *n,
                    const char *const **items, struct ns_err *err)
{
    XLU_ConfigList *list;
    int count;
    int rc = cfg_get_list(f, key, &list, &count, err);

    if (rc)
        return rc;
    const char **v = ns_xcalloc((size_t)count + 1, sizeof(*v));
    for (int i = 0; i < count; i++) {
        v[i] = xlu_cfg_get_listitem(list, i);
        if (!v[i]) {
            free(v);
            return cfg_fail(f, key, err, "element %d is a list, expected a single value", i);
        }
    }
    f->lists = ns_xrealloc(f->lists, (f->nr_lists + 1) * sizeof(*f->lists));
    f->lists[f->nr_lists++] = v;
    *n = (size_t)count;
    *items = v;
    return 0;
}

const char *cfg_join(const char *const *names, char *buf, size_t cap)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; names[i] && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", names[i]);
    return buf;
}

/* ---- the workload's view ---------------------------------------------------------- */

static int params_number(void *ctx, const char *key, double *out, struct ns_err *err)
{
    return cfg_get_number(ctx, key, out, err);
}

static int params_duration(void *ctx, const char *key, ns_time_t *out, struct ns_err *err)
{
    return cfg_get_duration(ctx, key, out, err);
}

static int params_string(void *ctx, const char *key, const char **out, struct ns_err *err)
{
    return cfg_get_string(ctx, key, out, err);
}

static int params_list(void *ctx, const char *key, size_t *n, const char *const **items,
                       struct ns_err *err)
{
    return cfg_get_strings(ctx, key, n, items, err);
}

static int params_fail(void *ctx, const char *key, struct ns_err *err, const char *msg)
{
    return cfg_fail(ctx, key, err, "%s", msg);
}

void cfg_params(struct cfg_file *f, struct ns_params *p)
{
    p->ctx = f;
    p->get_number = params_number;
    p->get_duration = params_duration;
    p->get_string = params_string;
    p->get_list = params_list;
    p->fail = params_fail;
}
