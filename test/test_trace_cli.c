/*
 * Traces as a user meets them: `numasched run --trace/--perfetto`, then
 * `numasched analyze`, whose --json output equals results.json for every
 * vCPU and runstate; damaged files refused with the byte offset and exit 1;
 * misuse exit 2; no trace file left behind when a run cannot write one.
 * Runs the binary named by $NUMASCHED (make test points it at the sanitized
 * build).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/util.h"

#define LMBENCH_HOST "pack:2 [numa(memory=4GiB)] core:2 pu:2"

static json_object *json_file(const char *path)
{
    json_object *o = json_object_from_file(path);
    cr_assert_not_null(o, "%s: %s", path, json_util_get_last_err());
    return o;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v;
    cr_assert(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
    return v;
}

static uint64_t u64(json_object *o, const char *key) { return json_object_get_uint64(get(o, key)); }

/* The analysis's vCPU @id of domain @dom. */
static json_object *an_vcpu(json_object *an, uint64_t dom, uint64_t id)
{
    json_object *doms = get(an, "domains");
    for (size_t i = 0; i < json_object_array_length(doms); i++) {
        json_object *d = json_object_array_get_idx(doms, i);
        if (u64(d, "id") != dom)
            continue;
        json_object *vs = get(d, "vcpus");
        for (size_t j = 0; j < json_object_array_length(vs); j++)
            if (u64(json_object_array_get_idx(vs, j), "id") == id)
                return json_object_array_get_idx(vs, j);
    }
    cr_assert_fail("d%lluv%llu not in the analysis", (unsigned long long)dom,
                   (unsigned long long)id);
    return NULL;
}

/* results.json and `analyze --json` agree on every vCPU, state and pCPU. */
static void assert_same(json_object *res, json_object *an)
{
    static const char *const states[] = {"running", "runnable", "blocked", "offline"};
    static const char *const lat[] = {"p50", "p99", "max"};
    static const char *const kinds[] = {"core", "socket", "node"};
    json_object *doms = get(res, "domains");
    size_t vcpus = 0;

    cr_assert_eq(u64(res, "duration_ns"), u64(an, "duration_ns"));
    cr_assert_eq(u64(res, "trace_hz"), u64(an, "trace_hz"));
    for (size_t i = 0; i < json_object_array_length(doms); i++) {
        json_object *d = json_object_array_get_idx(doms, i), *vs = get(d, "vcpus");
        for (size_t j = 0; j < json_object_array_length(vs); j++, vcpus++) {
            json_object *v = json_object_array_get_idx(vs, j);
            json_object *a = an_vcpu(an, u64(d, "id"), u64(v, "id"));
            json_object *rs = get(v, "runstate_ns"), *ars = get(a, "runstate_ns");
            for (size_t k = 0; k < 4; k++)
                cr_assert_eq(u64(rs, states[k]), u64(ars, states[k]), "d%llu v%zu %s",
                             (unsigned long long)u64(d, "id"), j, states[k]);
            cr_assert_eq(u64(v, "wakeups"), u64(a, "wakeups"));
            for (size_t k = 0; k < 3; k++)
                cr_assert_eq(u64(get(v, "wake_latency_ns"), lat[k]),
                             u64(get(a, "wake_latency_ns"), lat[k]));
            for (size_t k = 0; k < 3; k++)
                cr_assert_eq(u64(get(v, "migrations"), kinds[k]),
                             u64(get(a, "migrations"), kinds[k]));
        }
    }
    size_t an_vcpus = 0;
    json_object *adoms = get(an, "domains");
    for (size_t i = 0; i < json_object_array_length(adoms); i++)
        an_vcpus += json_object_array_length(get(json_object_array_get_idx(adoms, i), "vcpus"));
    cr_assert_eq(an_vcpus, vcpus);
    json_object *rp = get(res, "pcpus"), *ap = get(an, "pcpus");
    cr_assert_eq(json_object_array_length(rp), json_object_array_length(ap));
    for (size_t i = 0; i < json_object_array_length(rp); i++)
        cr_assert_eq(u64(json_object_array_get_idx(rp, i), "busy_ns"),
                     u64(json_object_array_get_idx(ap, i), "busy_ns"));
}

static void run_and_analyze(const char *scenario, const char *host, const char *hz)
{
    char *d = tmpdir();
    char *out = ns_path_join(d, "out"), *trace = ns_path_join(d, "t.bin");
    char *pf = ns_path_join(d, "t.json"), *res_path = ns_path_join(out, "results.json");
    const char *args[16] = {"run", scenario, "--duration", "300ms", "--out", out,
                            "--trace", trace, "--perfetto", pf, "--check"};
    size_t n = 11;
    if (hz) {
        args[n++] = "--trace-hz";
        args[n++] = hz;
    }
    struct outcome r = cli(d, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, hz ? "xentrace TSC rate 3GHz (xenalyze --cpu-hz=3G)"
                                        : "xentrace TSC rate 2.4GHz (xenalyze --cpu-hz=2.4G)"),
                       "%s", r.out);
    outcome_free(&r);
    json_object *res = json_file(res_path);
    cr_assert_eq(u64(res, "trace_hz"), hz ? 3000000000ULL : 2400000000ULL);
    json_object *p = json_file(pf);
    cr_assert_gt(json_object_array_length(get(p, "traceEvents")), 100);
    json_object_put(p);

    r = cli(d, (const char *[]){"analyze", trace, "--json", "--host", host, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *an_path = ns_path_join(d, "an.json");
    FILE *f = fopen(an_path, "w");
    fputs(r.out, f);
    fclose(f);
    outcome_free(&r);
    json_object *an = json_file(an_path);
    cr_assert_str_eq(json_object_get_string(get(an, "trace_hz_source")), "trace");
    assert_same(res, an);
    json_object_put(an);
    json_object_put(res);

    r = cli(d, (const char *[]){"analyze", trace, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "from the trace; xenalyze --cpu-hz="), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "runstate changes"));
    cr_assert_not_null(strstr(r.out, "util%"));
    outcome_free(&r);
    rm_rf(d);
    free(d);
    free(out);
    free(trace);
    free(pf);
    free(res_path);
    free(an_path);
}

Test(trace_cli, run_trace_then_analyze_equals_results_json)
{
    run_and_analyze("examples/lmbench-proc.cfg", LMBENCH_HOST, NULL);
}

Test(trace_cli, another_rate_is_recorded_and_found)
{
    run_and_analyze("examples/lmbench-proc.cfg", LMBENCH_HOST, "3G");
}

/* The same under credit2, with a credit pool beside it (its class records
 * are only counted by analyze, which must still agree with results.json). */
Test(trace_cli, credit2_trace_analyzes_to_results_json)
{
    run_and_analyze("examples/credit2.cfg", "pack:2 [numa(memory=6GiB)] core:4 pu:2", NULL);
}

/* A real trace, cut or patched, is refused: exit 1, one line, the byte. */
Test(trace_cli, analyze_refuses_damaged_files_with_the_byte)
{
    char *d = tmpdir();
    char *trace = ns_path_join(d, "t.bin"), *bad = ns_path_join(d, "bad.bin");
    size_t len;

    struct outcome r = cli(d, (const char *[]){"run", "examples/idle.cfg", "--duration", "50ms",
                                               "--quiet", "--trace", trace, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
    char *data = slurp(trace, &len);
    cr_assert_gt(len, 1000);
    struct { size_t cut; size_t patch_at; uint8_t patch; const char *needle; } cases[] = {
        {len - 5, 0, 0, "truncated"},
        {len, 0, 0x04, "byte 0: does not start with a CPU-change record"},
        {len, 8, 0x44, "bad window size"},
        /* The first record (CONTINUE_RUNNING, 1 word) claims 2 words. */
        {len, 15, 0xa0, "byte 12: event 0x00021002 has 2 data words, expected 1"},
        /* The first record's TSC 2^56 ticks later: the next one goes back. */
        {len, 23, 0x01, "TSC goes backwards on cpu 0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *copy = ns_xmalloc(len);
        memcpy(copy, data, len);
        if (cases[i].patch)
            copy[cases[i].patch_at] = (char)cases[i].patch;
        FILE *f = fopen(bad, "wb");
        fwrite(copy, 1, cases[i].cut, f);
        fclose(f);
        free(copy);
        r = cli(d, (const char *[]){"analyze", bad, NULL});
        cr_assert_eq(r.status, 1, "case %zu: exit %d", i, r.status);
        cr_assert_not_null(strstr(r.err, cases[i].needle), "case %zu: %s", i, r.err);
        cr_assert_not_null(strstr(r.err, "bad.bin: byte "), "%s", r.err);
        char *nl = strchr(r.err, '\n');
        cr_assert(nl && nl[1] == '\0', "not one line: %s", r.err);
        cr_assert_eq(r.out[0], '\0');
        outcome_free(&r);
    }
    free(data);
    rm_rf(d);
    free(d);
    free(trace);
    free(bad);
}

Test(trace_cli, misuse_is_exit_2_bad_input_exit_1)
{
    char *d = tmpdir();
    const char *const *misuses[] = {
        (const char *[]){"analyze", NULL},
        (const char *[]){"analyze", "a.bin", "b.bin", NULL},
        (const char *[]){"analyze", "a.bin", "--trace-hz", "fast", NULL},
        (const char *[]){"analyze", "a.bin", "--trace-hz", NULL},
        (const char *[]){"analyze", "a.bin", "--bogus", NULL},
        (const char *[]){"run", "examples/idle.cfg", "--trace-hz", "2G", NULL},
        (const char *[]){"run", "examples/idle.cfg", "--trace", "t.bin", "--trace-hz", "0", NULL},
        (const char *[]){"run", "examples/idle.cfg", "--trace", NULL},
    };
    for (size_t i = 0; i < sizeof(misuses) / sizeof(misuses[0]); i++) {
        struct outcome r = cli(d, misuses[i]);
        cr_assert_eq(r.status, 2, "case %zu: exit %d (%s)", i, r.status, r.err);
        cr_assert_neq(r.err[0], '\0');
        outcome_free(&r);
    }
    struct outcome r = cli(d, (const char *[]){"analyze", "/nonexistent/t.bin", NULL});
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "/nonexistent/t.bin: cannot read: No such file"), "%s",
                       r.err);
    outcome_free(&r);
    r = cli(d, (const char *[]){"analyze", "--help", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "--trace-hz"));
    cr_assert_not_null(strstr(r.out, "--host"));
    outcome_free(&r);
    r = cli(d, (const char *[]){"run", "--help", NULL});
    cr_assert_not_null(strstr(r.out, "--perfetto"));
    outcome_free(&r);
    rm_rf(d);
    free(d);
}

/* A trace that cannot be written stops the run before it starts, and leaves
 * neither results nor the other trace file. The folder of a trace file is
 * created as --out's is. */
Test(trace_cli, unwritable_trace_leaves_nothing)
{
    char *d = tmpdir();
    char *out = ns_path_join(d, "out"), *good = ns_path_join(d, "t.bin");
    char *blocker = ns_path_join(d, "file"), *bad = ns_path_join(d, "file/sub/p.json");
    FILE *f = fopen(blocker, "w");
    fclose(f);

    struct outcome r = cli(d, (const char *[]){"run", "examples/idle.cfg", "--duration", "20ms",
                                               "--out", out, "--trace", good, "--perfetto", bad,
                                               NULL});
    cr_assert_eq(r.status, 1, "%s", r.err);
    /* The folder the file needs, and the one in its way. */
    cr_assert_not_null(strstr(r.err, "file/sub: cannot create directory "), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "/file: Not a directory"), "%s", r.err);
    outcome_free(&r);
    cr_assert_leq(count_entries(out), 0);
    cr_assert_eq(count_entries(d), 1, "left behind in %s", d);
    r = cli(d, (const char *[]){"run", "examples/idle.cfg", "--duration", "20ms", "--trace", bad,
                                NULL});
    cr_assert_eq(r.status, 1, "%s", r.err);
    outcome_free(&r);
    char *deep = ns_path_join(d, "new/dir/t.bin"), *pdeep = ns_path_join(d, "new/p.json");
    r = cli(d, (const char *[]){"run", "examples/idle.cfg", "--duration", "20ms", "--quiet",
                                "--out", out, "--trace", deep, "--perfetto", pdeep, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(access(deep, R_OK), 0);
    cr_assert_eq(access(pdeep, R_OK), 0);
    outcome_free(&r);
    rm_rf(d);
    free(d);
    free(out);
    free(good);
    free(blocker);
    free(bad);
    free(deep);
    free(pdeep);
}

/* --trace-hz other than the trace's own: used, with a warning. */
Test(trace_cli, analyze_at_another_rate_warns)
{
    char *d = tmpdir();
    char *trace = ns_path_join(d, "t.bin");

    struct outcome r = cli(d, (const char *[]){"run", "examples/idle.cfg", "--duration", "20ms",
                                               "--quiet", "--trace", trace, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
    r = cli(d, (const char *[]){"analyze", trace, "--trace-hz", "1.2G", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "written at 2.4GHz, analysed at --trace-hz 1.2GHz"), "%s",
                       r.err);
    cr_assert_not_null(strstr(r.out, "0.040000000 s traced"), "%s", r.out);
    outcome_free(&r);
    rm_rf(d);
    free(d);
    free(trace);
}

/* A host beyond xenalyze's 256 pCPUs: written anyway, one warning, and our
 * own analysis reads it. */
Test(trace_cli, big_hosts_warn_once_about_xenalyzes_limit)
{
    char *d = tmpdir();
    char *s = ns_path_join(d, "s.cfg"), *vm = ns_path_join(d, "vm.cfg");
    char *trace = ns_path_join(d, "t.bin");
    FILE *f = fopen(s, "w");
    fputs("host = \"pack:2 [numa(memory=2GiB)] core:80 pu:2\"\nsched = \"credit\"\n"
          "duration = \"2ms\"\ndomains = [ \"vm.cfg\" ]\n", f);
    fclose(f);
    f = fopen(vm, "w");
    fputs("name = \"vm\"\nvcpus = 2\nmemory = 512\nworkload = \"lmbench-proc\"\n", f);
    fclose(f);

    struct outcome r = cli(d, (const char *[]){"run", s, "--quiet", "--trace", trace, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *w = strstr(r.err, "xenalyze reads pCPU and vCPU ids below 256 only");
    cr_assert_not_null(w, "%s", r.err);
    cr_assert_null(strstr(w + 1, "xenalyze reads"), "warned twice: %s", r.err);
    outcome_free(&r);
    r = cli(d, (const char *[]){"analyze", trace, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "320 pCPUs"), "%s", r.out);
    outcome_free(&r);
    rm_rf(d);
    free(d);
    free(s);
    free(vm);
    free(trace);
}
