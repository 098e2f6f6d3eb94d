/*
 * libFuzzer harness: the CSV fields report/ writes and reads back
 * (published.csv, compare.csv, which a user edits by hand). The input, cut
 * at its first NUL, is read twice:
 *
 *   - as a line, split into at most 8 fields: refused (-1), or 1 to 8
 *     fields, each inside the line;
 *   - as one field, written by ns_report_csv_text and split again: exactly
 *     one field, equal to the input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void split_line(const char *s, size_t len)
{
    char *line = ns_xmalloc(len + 1), *field[8];

    memcpy(line, s, len + 1);
    int n = ns_report_csv_split(line, field, 8);
    if (n == 0 || n < -1 || n > 8)
        __builtin_trap();
    for (int i = 0; i < n; i++)
        if (field[i] < line || field[i] + strlen(field[i]) > line + len)
            __builtin_trap();
    free(line);
}

static void round_trip(const char *s)
{
    char *text = NULL, *field[2];
    size_t len = 0;
    FILE *f = ns_xmemstream(&text, &len);

    ns_report_csv_text(f, s);
    fclose(f);
    if (ns_report_csv_split(text, field, 2) != 1 || strcmp(field[0], s) != 0)
        __builtin_trap();
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = ns_xmalloc(size + 1);

    memcpy(s, data, size);
    s[size] = '\0';
    split_line(s, strlen(s));
    round_trip(s);
    free(s);
    return 0;
}
