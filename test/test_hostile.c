/*
 * Hostile inputs (issue 13, docs/robustness.md): inputs an attacker would
 * try, generated here rather than stored, one test per way in. Each class
 * of the issue has its tests: hangs, unbounded memory, silent loss or lies,
 * partial outputs, unclear messages. What every test wants is the promise:
 * the command works, or it refuses with exit 1 (2 for a misused command
 * line) and one line on stderr, and leaves no file it did not finish.
 *
 * The slow cases (multi-GB traces, memory caps) are in `make check-hostile`
 * (scripts/hostile.sh). Commands run under a hang guard (cli_opts): a hang
 * becomes a failed test (status 142), not a stuck suite.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/xentrace.h"
#include "numasched/util.h"

/* ASan's count of the bytes malloc has handed out and not had back (the
 * suite runs under ASan; its header ships with clang, not gcc). */
/* ASan's allocator statistics; absent (NULL) in a build without it, such as
 * `make coverage`'s, where the test that needs them is skipped. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

#define GUARD 120               /* seconds: far beyond any of these commands */

static const struct cli_opts guarded = {.hang_guard_s = GUARD, .in_dir = true};

/* ---- the generator -------------------------------------------------------------- */

/*
 * A scenario on a small 2-node host with one domain, in @dir: the scenario
 * (s.cfg) with @scenario_extra appended, the domain (vm.cfg) with
 * @domain_extra replacing its workload line when given.
 */
static void scenario(const char *dir, const char *scenario_extra, const char *domain_extra)
{
    char s[4096], v[4096];

    snprintf(s, sizeof(s), "host = \"pack:2 [numa(memory=4GiB)] core:2 pu:1\"\n"
             "sched = \"credit\"\nduration = \"20ms\"\ndomains = [ \"vm.cfg\" ]\n%s\n",
             scenario_extra ? scenario_extra : "");
    snprintf(v, sizeof(v), "name = \"vm\"\nvcpus = 2\nmemory = 256\n%s\n",
             domain_extra ? domain_extra : "workload = \"cpu\"");
    write_file(dir, "s.cfg", s);
    write_file(dir, "vm.cfg", v);
}

static struct outcome run_in(const char *dir, const char *const *args)
{
    return cli_with(dir, &guarded, args);
}

/* Exit @status and exactly one line on stderr, holding @needle. */
static void refused_status(const struct outcome *r, int status, const char *needle)
{
    cr_assert_eq(r->status, status, "exit %d, stderr: %s", r->status, r->err);
    char *nl = strchr(r->err, '\n');
    cr_assert(nl && nl[1] == '\0', "not one line: %s", r->err);
    cr_assert_not_null(strstr(r->err, needle), "\"%s\" not in: %s", needle, r->err);
}

static void refused_with(const struct outcome *r, const char *needle)
{
    refused_status(r, 1, needle);
}

/* A run in @dir of s.cfg with @extra options, refused with @needle. */
static void run_refused(const char *dir, const char *const *extra, const char *needle)
{
    const char *args[24] = {"run", "s.cfg", "--quiet"};
    size_t n = 3;

    for (; *extra; extra++)
        args[n++] = *extra;
    args[n] = NULL;
    struct outcome r = run_in(dir, args);
    refused_with(&r, needle);
    outcome_free(&r);
}

/* No temporary file of numasched's ("NAME.tmp.PID.N") anywhere under @dir. */
static bool has_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    bool found = false;

    cr_assert_not_null(d, "%s", dir);
    for (struct dirent *e; !found && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = ns_path_join(dir, e->d_name);
        struct stat st;
        found = strstr(e->d_name, ".tmp.") != NULL ||
                (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && has_temporaries(p));
        free(p);
    }
    closedir(d);
    return found;
}

/* "@dir/@name", valid until the fourth call after this one. */
static const char *in(const char *dir, const char *name)
{
    static char buf[4][1024];
    static unsigned k;

    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
    return buf[k];
}

static void make_fifo(const char *dir, const char *name)
{
    cr_assert_eq(mkfifo(in(dir, name), 0644), 0);
}

static void done(char *dir)
{
    rm_rf(dir);
    free(dir);
}

/* ---- hangs ---------------------------------------------------------------------------- */

/* open() on a FIFO blocks until a writer comes: every input must be looked at first. */
Test(hostile, a_fifo_as_the_scenario_is_refused)
{
    char *d = tmpdir();
    make_fifo(d, "f.cfg");
    struct outcome r = run_in(d, (const char *[]){"run", "f.cfg", NULL});
    refused_with(&r, "f.cfg: not a regular file");
    outcome_free(&r);
    done(d);
}

Test(hostile, a_fifo_as_a_domain_file_is_refused)
{
    char *d = tmpdir();
    scenario(d, NULL, NULL);
    unlink(in(d, "vm.cfg"));
    make_fifo(d, "vm.cfg");
    run_refused(d, (const char *[]){NULL}, "vm.cfg: not a regular file");
    done(d);
}

Test(hostile, a_fifo_as_a_pool_file_is_refused)
{
    char *d = tmpdir();
    scenario(d, "pools = [ \"p.pool\" ]", NULL);
    make_fifo(d, "p.pool");
    run_refused(d, (const char *[]){NULL}, "p.pool: not a regular file");
    done(d);
}

Test(hostile, a_fifo_or_a_device_as_the_trace_is_refused)
{
    char *d = tmpdir();
    make_fifo(d, "t.bin");
    struct outcome r = run_in(d, (const char *[]){"analyze", "t.bin", NULL});
    refused_with(&r, "t.bin: not a regular file");
    outcome_free(&r);
    r = run_in(d, (const char *[]){"run", "/dev/zero", NULL});
    refused_with(&r, "/dev/zero: not a regular file");
    outcome_free(&r);
    done(d);
}

/* 1e-300 us per fork is 10^300 events per simulated second: below 10 ns is no workload. */
Test(hostile, a_step_shorter_than_10ns_is_refused)
{
    static const char *const cases[][2] = {
        {"workload = \"lmbench-proc\"\nfork_us = \"1e-300\"", "fork_us"},
        {"workload = \"lmbench-proc\"\nexit_us = \"0.001\"", "exit_us"},
        {"workload = \"idle\"\ngap_us = \"1e-20\"", "gap_us"},
        {"workload = \"phases\"\nphases = [ \"run 1e-300ns\", \"block 1ms\" ]", "phases"},
        {"workload = \"phases\"\nphases = [ \"run 1ms\", \"block 1e30s\" ]", "phases"},
    };
    char *d = tmpdir();

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scenario(d, NULL, cases[i][0]);
        run_refused(d, (const char *[]){NULL}, cases[i][1]);
    }
    done(d);
}

/*
 * One window per pCPU in turn, 512 pCPUs, 16 rounds: finding a pCPU's next
 * window by walking the chain from its last one reads 511 other headers
 * each time (4 million in all). The reader must read each header a bounded
 * number of times: at most twice per window (opening, then merging).
 */
Test(hostile, reading_many_small_windows_is_linear)
{
    const unsigned cpus = 512, rounds = 16;
    size_t len = (size_t)cpus * rounds * 24;
    uint32_t *w = ns_xmalloc(len), *p = w;

    for (unsigned k = 0; k < rounds; k++) {
        for (unsigned c = 0; c < cpus; c++) {
            *p++ = NS_TRC_CPU_CHANGE | 2u << 28;     /* window: cpu c, 12 bytes */
            *p++ = c;
            *p++ = 12;
            *p++ = 0x00022fffu | 1u << 31;           /* an unknown event with a TSC */
            *p++ = k;                                /* TSC: the round */
            *p++ = 0;
        }
    }
    struct ns_err err;
    struct ns_xt_reader *r = ns_xt_open_mem(w, len, "windows", &err);
    struct ns_xt_record rec;
    uint64_t n = 0;

    cr_assert_not_null(r, "%s", err.msg);
    while (ns_xt_next(r, &rec, &err) > 0)
        n++;
    cr_assert_eq(n, (uint64_t)cpus * rounds);
    cr_assert_eq(ns_xt_info(r)->windows, (uint64_t)cpus * rounds);
    cr_assert_leq(ns_xt_info(r)->headers_read, 2 * (uint64_t)cpus * rounds);
    ns_xt_close(r);
    free(w);
}

/* ---- unbounded memory ---------------------------------------------------------------- */

/*
 * A vCPU that wakes once in a trace costs 16 bytes of trace; its latency
 * histogram must cost about as much, not the 7.8 KB of all buckets:
 * `analyze` keeps one per vCPU. Measured with ASan's allocator statistics.
 */
Test(hostile, a_histogram_of_few_samples_is_small)
{
    struct ns_hist h;

    if (!__sanitizer_get_current_allocated_bytes)
        cr_skip_test("needs AddressSanitizer's allocator statistics");
    size_t before = __sanitizer_get_current_allocated_bytes();

    ns_hist_init(&h);
    ns_hist_add(&h, 123456789);
    ns_hist_add(&h, 5);
    cr_assert_leq(__sanitizer_get_current_allocated_bytes() - before, 256);
    cr_assert_eq(h.count, 2);
    cr_assert_eq(ns_hist_quantile(&h, 0.0), 5);
    ns_hist_free(&h);
}

/* hwloc allocates an array as large as the largest explicit index, and parses
 * arities with strtoul(..., 0): hex, octal and a sign are numbers to it too.
 * A level needs no blank before it: "244244pu4pu:4" is 244244 x 4 PUs to
 * hwloc (and took it 20 s before the guard's alarm), "2 4097pu:1" is 8194,
 * and "[numa]" ends at its ']' (a fuzz_synthetic find). */
Test(hostile, a_synthetic_host_is_measured_as_hwloc_reads_it)
{
    static const char *const cases[][2] = {
        {"pu:2(indexes=0,4000000000)", "index 4000000000"},
        {"pack:0x2000 pu:1", "describes more PUs than"},
        {"pack:+4097 pu:1", "describes more PUs than"},
        {"pack:020000 pu:1", "describes more PUs than"},
        {"pack:0x100000 pu:0x1000", "describes more PUs than"},
        {"244244pu4pu:4", "describes more PUs than"},
        {"2 4097pu:1", "describes more PUs than"},
        {"pack:2[numa]core:4097 pu:1", "describes more PUs than"},
        {"[numa(indexes=0,5000)]pu:2", "index 5000"},
    };
    char *d = tmpdir();

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct outcome r = run_in(d, (const char *[]){"topo", cases[i][0], NULL});
        refused_with(&r, cases[i][1]);
        outcome_free(&r);
    }
    done(d);
}

/* ---- silent loss or lies ----------------------------------------------------------------- */

/* A summary that could not be written is a failure, as a results file would be. */
Test(hostile, a_lost_summary_is_exit_1)
{
    static const struct cli_opts full = {.stdout_path = "/dev/full", .hang_guard_s = GUARD,
                                         .in_dir = true};
    char *d = tmpdir();

    scenario(d, NULL, NULL);
    struct outcome r = cli_with(d, &full, (const char *[]){"run", "s.cfg", "--out", "o", NULL});
    refused_with(&r, "standard output: cannot write: No space left on device");
    cr_assert_eq(count_entries(d), 2, "a failed run leaves no results");   /* s.cfg, vm.cfg */
    outcome_free(&r);
    r = cli_with(d, &full, (const char *[]){"topo", "pack:2 pu:2", NULL});
    refused_with(&r, "standard output");
    outcome_free(&r);
    done(d);
}

/* Outputs that are inputs, or each other, are refused before the run, and the inputs stay. */
Test(hostile, an_output_naming_an_input_or_another_output_is_refused)
{
    char *d = tmpdir();
    scenario(d, NULL, NULL);
    char *before = slurp(in(d, "s.cfg"), NULL);

    run_refused(d, (const char *[]){"--trace", "s.cfg", NULL}, "is an input of this run");
    run_refused(d, (const char *[]){"--perfetto", "./sub/../vm.cfg", NULL},
                "is an input of this run");
    cr_assert_eq(symlink("s.cfg", in(d, "link.bin")), 0);
    run_refused(d, (const char *[]){"--trace", "link.bin", NULL}, "is an input of this run");
    cr_assert_eq(link(in(d, "vm.cfg"), in(d, "hard.json")), 0);
    run_refused(d, (const char *[]){"--perfetto", "hard.json", NULL}, "is an input of this run");
    run_refused(d, (const char *[]){"--trace", "x", "--perfetto", "x", NULL},
                "x: named twice as an output of this run");
    run_refused(d, (const char *[]){"--trace", "o/results.json", "--out", "o", NULL},
                "named twice as an output of this run");
    run_refused(d, (const char *[]){"--out", ".", "--perfetto", "./results.csv", NULL},
                "named twice as an output of this run");
    /* A FIFO of our own, never /dev/null: a regression would, as root, replace it. */
    make_fifo(d, "fifo");
    run_refused(d, (const char *[]){"--trace", "fifo", NULL}, "not a regular file");

    char *after = slurp(in(d, "s.cfg"), NULL);
    cr_assert_str_eq(after, before);
    cr_assert_not(exists(d, "x") || exists(d, "o") || exists(d, "results.csv"));
    cr_assert_not(has_temporaries(d));
    free(before);
    free(after);
    done(d);
}

/* Two nodes of 2^63 bytes are 2^64 bytes, which a uint64_t holds as 0. */
Test(hostile, host_memory_is_never_wrapped)
{
    char *d = tmpdir();
    struct outcome r = run_in(d, (const char *[]){"topo",
                              "pack:2 [numa(memory=9223372036854775808)] pu:1", NULL});
    refused_with(&r, "memory");
    outcome_free(&r);
    done(d);
}

/* 1e-306 us per op: 10^306 ops per chunk is infinite in a double, and 0 ops/s came out. */
Test(hostile, a_rate_that_cannot_be_finite_is_refused)
{
    char *d = tmpdir();
    scenario(d, NULL, "workload = \"cpu\"\nop_us = \"1e-306\"");
    run_refused(d, (const char *[]){NULL}, "op_us");
    scenario(d, NULL, "workload = \"sysbench-memory\"\nblock_kb = \"1e308\"");
    run_refused(d, (const char *[]){NULL}, "block_kb");
    done(d);
}

/* JSON holds UTF-8 only, and a terminal obeys control characters: a name is text. */
Test(hostile, a_name_that_is_not_printable_text_is_refused)
{
    static const char *const names[] = {
        "name = \"vm\\xff\\xfe\"",              /* not UTF-8 */
        "name = \"vm\\xc0\\xaf\"",              /* an overlong "/" */
        "name = \"vm\\x1b[2Jx\"",               /* clears the terminal */
        "name = \"a\\rb\"",
    };
    char *d = tmpdir();

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char text[256], *v = ns_path_join(d, "vm.cfg");
        scenario(d, NULL, NULL);
        /* libxlutil has no escapes: write the bytes themselves. */
        size_t n = 0;
        for (const char *s = names[i]; *s; s++) {
            if (s[0] == '\\' && s[1] == 'x') {
                text[n++] = (char)strtol((char[3]){s[2], s[3], 0}, NULL, 16);
                s += 3;
            } else if (s[0] == '\\' && s[1] == 'r') {
                text[n++] = '\r';
                s++;
            } else {
                text[n++] = *s;
            }
        }
        text[n] = '\0';
        FILE *f = fopen(v, "w");
        fprintf(f, "%s\nvcpus = 1\nmemory = 256\nworkload = \"cpu\"\n", text);
        fclose(f);
        run_refused(d, (const char *[]){NULL}, "vm.cfg:1: name:");
        free(v);
    }
    done(d);
}

/*
 * A SLIT of zeros is invalid. Xen ignores it and uses 10/20 (slit_valid() in
 * xen/arch/x86/srat.c), so numasched does too, but must not report that the
 * host has no SLIT.
 */
Test(hostile, an_invalid_slit_is_reported_as_ignored_not_as_missing)
{
    char *d = tmpdir(), *src = ns_path_join(getenv("TOPOLOGIES"), "24em64t-2n6c2t-pci.xml");
    char *xml = slurp(src, NULL), *at;

    cr_assert_not_null(xml, "%s", src);
    cr_assert_not_null(at = strstr(xml, "<u64values length=\"12\">10 20 20 10 </u64values>"));
    const char *zero = "<u64values length=\"12\">00 20 20 10 </u64values>";  /* 0 to itself */
    memcpy(at, zero, strlen(zero));
    write_file(d, "zero.xml", xml);
    struct outcome r = run_in(d, (const char *[]){"topo", "zero.xml", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "distances: default, 10 local and 20 remote: the "
                              "firmware's SLIT is invalid"), "%s", r.out);
    outcome_free(&r);
    r = run_in(d, (const char *[]){"topo", "zero.xml", "--json", NULL});
    cr_assert_not_null(strstr(r.out, "\"distance_source\":\"default-invalid-slit\""), "%s", r.out);
    outcome_free(&r);

    /* A SLIT entry is a byte: 300 is no firmware's, whatever hwloc's XML holds. */
    const char *big = "<u64values length=\"14\">10 300 300 10 </u64values>";
    char *wide = ns_xasprintf("%.*s%s%s", (int)(at - xml), xml, big,
                              at + strlen(zero));
    write_file(d, "wide.xml", wide);
    r = run_in(d, (const char *[]){"topo", "wide.xml", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "the firmware's SLIT is invalid"), "%s", r.out);
    outcome_free(&r);
    free(wide);
    free(xml);
    free(src);
    done(d);
}

/* ---- partial outputs ------------------------------------------------------------------- */

/* Wait (no deadline: the hang guard is the test's) until the run has a temporary file. */
static void wait_for_temporary(const char *dir)
{
    while (!has_temporaries(dir))
        usleep(10000);
}

static void signal_leaves_nothing(int sig)
{
        char *d = tmpdir();

    scenario(d, NULL, "workload = \"lmbench-proc\"");   /* 1000 s of it: a long run */
    int pid = cli_start(d, &guarded, (const char *[]){"run", "s.cfg", "--duration", "1000",
                        "--quiet", "--trace", "t.bin", "--perfetto", "t.json", "--out", "o",
                        NULL});
    wait_for_temporary(d);
    kill(pid, sig);
    struct outcome r = cli_finish(d, pid);
    cr_assert_eq(r.status, 128 + sig, "exit %d: %s", r.status, r.err);
    cr_assert_not(has_temporaries(d));
    cr_assert_not(exists(d, "t.bin") || exists(d, "t.json"));
    outcome_free(&r);
    done(d);
}

Test(hostile, sigint_leaves_no_temporary_file) { signal_leaves_nothing(SIGINT); }
Test(hostile, sigterm_leaves_no_temporary_file) { signal_leaves_nothing(SIGTERM); }
Test(hostile, sighup_leaves_no_temporary_file) { signal_leaves_nothing(SIGHUP); }

/*
 * Under nohup SIGHUP is ignored, and must stay so: the run goes on. SIGHUP is
 * sent before SIGTERM, and Linux delivers pending signals lowest number
 * first, so a run that caught SIGHUP would die of it (129), not of SIGTERM.
 */
Test(hostile, a_run_under_nohup_survives_sighup)
{
    static const struct cli_opts nohup = {.hang_guard_s = GUARD, .in_dir = true,
                                          .ignore_hup = true};
    char *d = tmpdir();

    scenario(d, NULL, "workload = \"lmbench-proc\"");
    int pid = cli_start(d, &nohup, (const char *[]){"run", "s.cfg", "--duration", "1000",
                        "--quiet", "--trace", "t.bin", NULL});
    wait_for_temporary(d);
    kill(pid, SIGHUP);
    kill(pid, SIGTERM);
    struct outcome r = cli_finish(d, pid);
    cr_assert_eq(r.status, 128 + SIGTERM, "exit %d: %s", r.status, r.err);
    cr_assert_not(has_temporaries(d));
    outcome_free(&r);
    done(d);
}

/* A run that fails after its traces were complete leaves none of its outputs. */
Test(hostile, a_failed_run_leaves_no_output)
{
    char *d = tmpdir();
    scenario(d, NULL, NULL);
    write_file(d, "o", "a file where --out wants a folder\n");
    run_refused(d, (const char *[]){"--trace", "t.bin", "--perfetto", "t.json", "--out", "o",
                                    NULL}, "o: cannot create directory");
    cr_assert_not(exists(d, "t.bin") || exists(d, "t.json"));
    cr_assert_not(has_temporaries(d));
    done(d);
}

/* `ulimit -f`: the write past the limit fails (EFBIG) and the run is refused, cleaned up. */
Test(hostile, a_file_size_limit_is_a_clean_refusal)
{
    static const struct cli_opts small = {.fsize_limit = 64 * 1024, .hang_guard_s = GUARD,
                                          .in_dir = true};
    char *d = tmpdir();

    scenario(d, NULL, NULL);
    struct outcome r = cli_with(d, &small, (const char *[]){"run", "s.cfg", "--quiet",
                                "--duration", "20s", "--trace", "t.bin", NULL});
    refused_with(&r, "t.bin: cannot write: File too large");
    cr_assert_not(exists(d, "t.bin"));
    cr_assert_not(has_temporaries(d));
    outcome_free(&r);
    done(d);
}

/* ---- unclear messages ------------------------------------------------------------------ */

Test(hostile, a_bare_command_line_is_one_line)
{
    char *d = tmpdir();
    struct outcome r = run_in(d, (const char *[]){NULL});
    refused_status(&r, 2, "numasched --help");
    outcome_free(&r);
    done(d);
}

/* The refusal of a trace whose pCPUs the host lacks must not leak (LeakSanitizer's exit 23). */
Test(hostile, a_trace_from_a_bigger_host_is_refused_cleanly)
{
    char *d = tmpdir();
    scenario(d, NULL, NULL);
    struct outcome r = run_in(d, (const char *[]){"run", "s.cfg", "--quiet", "--trace", "t.bin",
                                                  NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    outcome_free(&r);
    r = run_in(d, (const char *[]){"analyze", "t.bin", "--host", "pu:2", NULL});
    refused_with(&r, "the trace has pCPU 3, the host (pu:2) only 2 pCPUs");
    outcome_free(&r);
    done(d);
}
