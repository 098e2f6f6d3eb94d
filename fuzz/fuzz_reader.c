/*
 * libFuzzer harness: the xentrace reader on any bytes. Opening walks the
 * window chain, then every record is read in the merged order. Whatever the
 * input, the reader must either refuse it with a message or read it to the
 * end, within bounds (ASan, UBSan) and without hanging.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "numasched/xentrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ns_err err;
    struct ns_xt_reader *r = ns_xt_open_mem(data, size, "fuzz", &err);
    struct ns_xt_record rec;
    uint64_t last = 0;
    int got;

    if (!r) {
        if (!strstr(err.msg, "byte "))
            __builtin_trap();               /* every refusal names the byte */
        return 0;
    }
    while ((got = ns_xt_next(r, &rec, &err)) > 0) {
        if (rec.n > 7 || rec.offset >= size || rec.tsc < last)
            __builtin_trap();               /* merged in TSC order, within the file */
        last = rec.tsc;
    }
    if (got < 0 && !strstr(err.msg, "byte "))
        __builtin_trap();
    ns_xt_close(r);
    return 0;
}
