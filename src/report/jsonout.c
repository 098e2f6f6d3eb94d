/*
 * Building JSON with json-c for every report file (results.json, analyze
 * --json): json-c signals running out of memory with NULL or -1, and, like
 * ns_xmalloc, we stop rather than write a file with holes in it. Doubles go
 * through the one number format of the result files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "report/report_internal.h"

static _Noreturn void oom(void)
{
    fputs("numasched: out of memory (json-c)\n", stderr);
    abort();
}

json_object *rj_must(json_object *v)
{
    if (!v)
        oom();
    return v;
}

void rj_put(json_object *obj, const char *key, json_object *v)
{
    if (json_object_object_add(obj, key, v) != 0)
        oom();
}

void rj_push(json_object *arr, json_object *v)
{
    if (json_object_array_add(arr, v) != 0)
        oom();
}

json_object *rj_obj(void) { return rj_must(json_object_new_object()); }
json_object *rj_arr(void) { return rj_must(json_object_new_array()); }
json_object *rj_u64(uint64_t v) { return rj_must(json_object_new_uint64(v)); }
json_object *rj_i64(int64_t v) { return rj_must(json_object_new_int64(v)); }

json_object *rj_str(const char *s)
{
    return s ? rj_must(json_object_new_string(s)) : NULL;
}

json_object *rj_dbl(double v)
{
    char buf[NS_REPORT_DBL_LEN];

    if (!ns_report_fmt_double(buf, v))
        return NULL;
    return rj_must(json_object_new_double_s(v, buf));
}

/* Pretty, with "MB/s" unescaped, then a newline; frees @root. */
void rj_print(json_object *root, FILE *f)
{
    int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                JSON_C_TO_STRING_NOSLASHESCAPE;
    const char *text = json_object_to_json_string_ext(root, flags);

    if (!text)
        oom();
    fputs(text, f);
    fputc('\n', f);
    json_object_put(root);       /* text belongs to root */
}
