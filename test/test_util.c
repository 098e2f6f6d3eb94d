/*
 * util: masks, the event heap, random streams, errors, atomic output files,
 * registries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/util.h"

static void set_bits(struct ns_mask *m, const size_t *bits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ns_mask_set(m, bits[i]);
}

Test(util, mask_beyond_one_word)
{
    struct ns_mask m;
    ns_mask_init(&m, 1500);             /* a 1,500-pCPU host: 24 words */
    set_bits(&m, (size_t[]){0, 63, 64, 1023, 1499}, 5);
    cr_assert_eq(ns_mask_weight(&m), 5);
    cr_assert_eq(ns_mask_first(&m), 0);
    cr_assert_eq(ns_mask_next(&m, 0), 63);
    cr_assert_eq(ns_mask_next(&m, 63), 64);
    cr_assert_eq(ns_mask_next(&m, 64), 1023);
    cr_assert_eq(ns_mask_next(&m, 1499), NS_MASK_NONE);
    ns_mask_fill(&m);
    cr_assert_eq(ns_mask_weight(&m), 1500);   /* no stray bits past nbits */
    cr_assert(ns_mask_full(&m));
    ns_mask_free(&m);
}

Test(util, mask_cycle_wraps_like_xen)
{
    struct ns_mask m;
    ns_mask_init(&m, 16);
    set_bits(&m, (size_t[]){3, 9}, 2);
    cr_assert_eq(ns_mask_cycle(&m, 3), 9);
    cr_assert_eq(ns_mask_cycle(&m, 9), 3);    /* wrap */
    cr_assert_eq(ns_mask_cycle(&m, 12), 3);
    cr_assert_eq(ns_mask_cycle(&m, 0), 3);
    ns_mask_zero(&m);
    cr_assert_eq(ns_mask_cycle(&m, 0), NS_MASK_NONE);
    ns_mask_free(&m);
}

Test(util, mask_set_algebra)
{
    struct ns_mask a, b, c;
    ns_mask_init(&a, 130);
    ns_mask_init(&b, 130);
    ns_mask_init(&c, 130);
    set_bits(&a, (size_t[]){1, 2, 3, 100}, 4);
    set_bits(&b, (size_t[]){2, 100, 129}, 3);
    ns_mask_and(&c, &a, &b);
    cr_assert_eq(ns_mask_weight(&c), 2);
    cr_assert(ns_mask_subset(&c, &a) && ns_mask_subset(&c, &b));
    ns_mask_or(&c, &a, &b);
    cr_assert_eq(ns_mask_weight(&c), 5);
    ns_mask_andnot(&c, &a, &b);               /* {1, 3} */
    char *s = ns_mask_format(&c);
    cr_assert_str_eq(s, "1,3");
    free(s);
    cr_assert(ns_mask_intersects(&a, &b));
    cr_assert_not(ns_mask_subset(&a, &b));
    ns_mask_free(&a);
    ns_mask_free(&b);
    ns_mask_free(&c);
}

Test(util, mask_format_ranges)
{
    struct ns_mask m;
    ns_mask_init(&m, 16);
    char *s = ns_mask_format(&m);
    cr_assert_str_eq(s, "none");
    free(s);
    set_bits(&m, (size_t[]){0, 1, 2, 3, 5, 8, 9}, 7);
    s = ns_mask_format(&m);
    cr_assert_str_eq(s, "0-3,5,8-9");
    free(s);
    ns_mask_free(&m);
}

Test(util, heap_orders_by_time_then_insertion)
{
    struct ns_heap h;
    struct ns_event e[5];
    ns_heap_init(&h);
    for (int i = 0; i < 5; i++)
        ns_event_init(&e[i]);
    ns_heap_schedule(&h, &e[0], 50);
    ns_heap_schedule(&h, &e[1], 10);
    ns_heap_schedule(&h, &e[2], 50);
    ns_heap_schedule(&h, &e[3], 30);
    ns_heap_schedule(&h, &e[4], 10);
    ns_heap_schedule(&h, &e[3], 50);          /* moved: now after e[0], e[2] */
    ns_heap_cancel(&h, &e[2]);
    cr_assert_not(ns_event_queued(&e[2]));
    struct ns_event *want[] = {&e[1], &e[4], &e[0], &e[3]};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(ns_heap_pop(&h), want[i], "pop %d", i);
    cr_assert_null(ns_heap_pop(&h));
    ns_heap_free(&h);
}

Test(util, heap_many_events_stay_sorted)
{
    enum { N = 5000 };
    struct ns_heap h;
    struct ns_event *e = calloc(N, sizeof(*e));
    struct ns_rng r;
    ns_heap_init(&h);
    ns_rng_seed(&r, 7, 1);
    for (int i = 0; i < N; i++) {
        ns_event_init(&e[i]);
        ns_heap_schedule(&h, &e[i], ns_rng_u64(&r) % 1000);
    }
    for (int i = 0; i < N; i += 3)            /* move a third of them */
        ns_heap_schedule(&h, &e[i], ns_rng_u64(&r) % 1000);
    ns_time_t last = 0;
    uint64_t last_seq = 0;
    for (int i = 0; i < N; i++) {
        struct ns_event *x = ns_heap_pop(&h);
        cr_assert(x->time > last || (x->time == last && (i == 0 || x->seq > last_seq)));
        last = x->time;
        last_seq = x->seq;
    }
    ns_heap_free(&h);
    free(e);
}

Test(util, rng_streams_are_reproducible_and_independent)
{
    struct ns_rng a, b, c;
    ns_rng_seed(&a, 42, ns_rng_stream_id("vcpu", 1, 0));
    ns_rng_seed(&b, 42, ns_rng_stream_id("vcpu", 1, 0));
    ns_rng_seed(&c, 42, ns_rng_stream_id("vcpu", 1, 1));
    int same = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = ns_rng_u64(&a), y = ns_rng_u64(&b), z = ns_rng_u64(&c);
        cr_assert_eq(x, y);
        same += x == z;
    }
    cr_assert_eq(same, 0);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = ns_rng_uniform(&a);
        cr_assert(u >= 0 && u < 1);
        sum += ns_rng_exponential(&b, 2.0);
    }
    /* Mean of 1e5 exponentials of mean 2: standard error 2/sqrt(1e5) = 0.0063. */
    cr_assert_float_eq(sum / 100000, 2.0, 0.03);
}

Test(util, err_formats_file_line_key)
{
    struct ns_err e;
    cr_assert_eq(ns_err_set(&e, "vm1.cfg", 3, "vcpus", "must be at least %d", 1), -1);
    cr_assert_str_eq(e.msg, "vm1.cfg:3: vcpus: must be at least 1");
    ns_err_set(&e, "x.cfg", 0, NULL, "no\nnewlines");
    cr_assert_str_eq(e.msg, "x.cfg: no newlines");
    ns_err_set(&e, NULL, 0, "seed", "bad");
    cr_assert_str_eq(e.msg, "seed: bad");
}

/*
 * A message longer than ns_err's 1024 bytes keeps its start and its end:
 * the reason after a 2,000-byte host string. The middle gives way to
 * " ... ", never inside a UTF-8 character. Wrapping an error in itself (as
 * cfg_wrap may) is safe.
 */
Test(util, a_long_message_keeps_its_reason)
{
    struct ns_err e;
    char spec[2001];

    memset(spec, 'x', 2000);
    spec[2000] = '\0';
    /* The head is (1024 - 6) / 3 = 339 bytes; after the 18 of 'scn.cfg:2:
     * host: "' an é at spec[320] spans bytes 338-339 of the message. */
    memcpy(spec + 320, "\xc3\xa9", 2);
    ns_err_set(&e, "scn.cfg", 2, "host", "\"%s\": the reason", spec);
    size_t len = strlen(e.msg);
    cr_assert_lt(len, sizeof(e.msg));
    cr_expect(strncmp(e.msg, "scn.cfg:2: host: \"xxx", 21) == 0, "%s", e.msg);
    cr_expect_str_eq(e.msg + len - 13, "\": the reason");
    const char *gap = strstr(e.msg, " ... ");
    cr_assert_not_null(gap);
    cr_expect_eq(gap - e.msg, 338, "the cut moved back to the é's first byte");

    ns_err_set(&e, NULL, 0, NULL, "inner");
    ns_err_set(&e, "outer.cfg", 1, "k", "%s", e.msg);
    cr_expect_str_eq(e.msg, "outer.cfg:1: k: inner");
}

Test(util, outfile_appears_only_on_commit)
{
    char *dir = tmpdir();
    char *path = ns_path_join(dir, "out.txt");
    struct ns_outfile o;
    struct ns_err err;
    cr_assert_eq(ns_outfile_open(&o, path, &err), 0);
    fputs("hello\n", o.f);
    cr_assert_neq(access(path, F_OK), 0);
    cr_assert_eq(ns_outfile_commit(&o, &err), 0);
    cr_assert_eq(access(path, F_OK), 0);
    cr_assert_eq(ns_outfile_open(&o, path, &err), 0);
    fputs("half", o.f);
    ns_outfile_abort(&o);                     /* the old file is untouched */
    char *text = slurp(path, NULL);
    cr_assert_str_eq(text, "hello\n");
    free(text);
    rm_rf(dir);
    free(dir);
    free(path);
    cr_assert_eq(ns_outfile_open(&o, "/nonexistent-dir/x", &err), -1);
    cr_assert_not_null(strstr(err.msg, "/nonexistent-dir/x"));
}

/*
 * What a killed writer leaves is exactly "NAME.tmp.PID.N", as ns_outfile_open
 * names it; anything else that merely looks like it is someone's file.
 */
Test(util, outfile_stale_temporaries_and_only_they_are_removed)
{
    static const char *const stale[] = {"results.json.tmp.4242.1", "results.csv.tmp.7.12"};
    static const char *const kept[] = {
        "results.json", "notes.tmp.12", "a.tmp.x.1", ".tmp.1.2", "b.tmp.1.2.3", "c.tmp.1.",
    };
    char *dir = tmpdir();

    for (size_t i = 0; i < 2; i++)
        write_file(dir, stale[i], "half");
    for (size_t i = 0; i < 6; i++)
        write_file(dir, kept[i], "x");
    ns_outfile_remove_stale(dir);
    cr_assert_eq(count_entries(dir), 5);      /* it skips dot files: .tmp.1.2 is below */
    for (size_t i = 0; i < 6; i++) {
        char *p = ns_path_join(dir, kept[i]);
        cr_assert_eq(access(p, F_OK), 0, "%s was removed", kept[i]);
        free(p);
    }
    ns_outfile_remove_stale("/nonexistent-dir");    /* nothing to do, no error */
    rm_rf(dir);
    free(dir);
}

Test(util, paths)
{
    char *p = ns_path_join("examples", "vm1.cfg");
    cr_assert_str_eq(p, "examples/vm1.cfg");
    free(p);
    p = ns_path_join("examples", "/abs/vm1.cfg");
    cr_assert_str_eq(p, "/abs/vm1.cfg");
    free(p);
    p = ns_path_dir("a/b/c.cfg");
    cr_assert_str_eq(p, "a/b");
    free(p);
    p = ns_path_dir("c.cfg");
    cr_assert_str_eq(p, ".");
    free(p);
}

/* Names of a file that does not exist yet, in a folder that does not
 * either, resolve alike: "." and ".." as the kernel will take them. */
Test(util, missing_paths_resolve_their_dots)
{
    char *dir = tmpdir(), *real = realpath(dir, NULL);
    char *want = ns_path_join(real, "out/table.md");
    static const char *const names[] = {"out/table.md", "out/./table.md",
                                        "out/x/../table.md", "./out//table.md"};

    for (size_t i = 0; i < 4; i++) {
        char *p = ns_path_join(dir, names[i]), *got = ns_path_resolve(p);
        cr_assert_str_eq(got, want, "%s", names[i]);
        free(got);
        free(p);
    }
    free(want);
    free(real);
    rm_rf(dir);
    free(dir);
}

Test(util, hist_small_values_exact_and_quantiles)
{
    struct ns_hist h;
    ns_hist_init(&h);
    cr_assert_eq(ns_hist_quantile(&h, 0.5), 0);
    for (uint64_t v = 1; v <= 10; v++)        /* values below 16 are exact */
        ns_hist_add(&h, v);
    cr_assert_eq(ns_hist_quantile(&h, 0.5), 5);   /* rank ceil(0.5*10) = 5 */
    cr_assert_eq(ns_hist_quantile(&h, 0.99), 10);
    cr_assert_eq(ns_hist_quantile(&h, 0.0), 1);
    cr_assert_float_eq(ns_hist_mean(&h), 5.5, 1e-12);
    ns_hist_free(&h);
}

Test(util, hist_large_values_within_one_bucket)
{
    struct ns_hist h;
    ns_hist_init(&h);
    /* 1000 samples of 100 us and one of 10 ms. 100000 has its top bit at
     * 2^16, buckets there are 2^12 wide, and (100000 >> 12) & 15 = 8: the
     * bucket is [2^16 + 8 * 2^12, + 2^12) = [98304, 102400), middle 100352. */
    for (int i = 0; i < 1000; i++)
        ns_hist_add(&h, 100000);
    ns_hist_add(&h, 10000000);
    cr_assert_eq(ns_hist_quantile(&h, 0.5), 100352);
    cr_assert_eq(ns_hist_quantile(&h, 1.0), 10000000);
    cr_assert_eq(h.max, 10000000);
    ns_hist_reset(&h);
    cr_assert_eq(h.count, 0);
    /* 150000: top bit 2^17, width 2^13, (150000 >> 13) & 15 = 2, bucket
     * [147456, 155648), middle 151552. The middle of 1's bucket would be
     * below the minimum, so a lone small sample reports itself. */
    ns_hist_add(&h, 150000);
    ns_hist_add(&h, 250000);
    cr_assert_eq(ns_hist_quantile(&h, 0.5), 151552);
    ns_hist_reset(&h);
    ns_hist_add(&h, 147500);                          /* same bucket, mid above */
    cr_assert_eq(ns_hist_quantile(&h, 0.5), 147500);  /* clamped to max */
    ns_hist_free(&h);
}

/* Two registries of the shapes the parts use: entries in the table (the
 * quirks) and pointers to entries defined elsewhere (schedulers, workloads). */
struct fruit {
    const char *name;
    unsigned grams;
};
static const struct fruit apple = {"apple", 150}, plum = {"plum", 40};
static const struct fruit by_value[] = {{"fig", 50}, {"kiwi", 75}, {"lime", 60}};
static const struct fruit *const by_pointer[] = {&apple, &plum};
static const struct ns_registry value_reg = NS_REGISTRY(by_value);
static const struct ns_registry pointer_reg = NS_REGISTRY_OF_POINTERS(by_pointer);

Test(util, registry_finds_entries_and_lists_names)
{
    const struct fruit *f = ns_registry_find(&value_reg, "kiwi");
    cr_assert_not_null(f);
    cr_assert_eq(f->grams, 75);             /* the second entry of by_value */
    cr_assert_eq(ns_registry_find(&pointer_reg, "plum"), &plum); /* the entry, not the slot */
    cr_assert_null(ns_registry_find(&value_reg, "plum"));
    cr_assert_null(ns_registry_find(&pointer_reg, "appl"));     /* whole names only */

    const char *const *n = ns_registry_names(&value_reg);
    cr_assert_str_eq(n[0], "fig");
    cr_assert_str_eq(n[1], "kiwi");
    cr_assert_str_eq(n[2], "lime");
    cr_assert_null(n[3]);
    n = ns_registry_names(&pointer_reg);
    cr_assert_str_eq(n[0], "apple");
    cr_assert_str_eq(n[1], "plum");
    cr_assert_null(n[2]);

    char *all = ns_registry_join(&value_reg);
    cr_assert_str_eq(all, "fig, kiwi, lime");
    free(all);
}
