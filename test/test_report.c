/*
 * report: results.json, results.csv and the terminal summary, checked on a
 * hand-built result set whose expected numbers are worked out below.
 *
 * The run: 1 s measured after 100 ms warm-up, seed 42, credit scheduler.
 * Host: 2 nodes, one socket each, 2 cores each, no SMT: pCPUs 0-1 on node 0,
 * 2-3 on node 1, 6 GiB per node, SLIT 10/20.
 *
 *   dom 0 "Domain-0" (idle), 2 vCPUs
 *     v0: running 500 ms, runnable 100, blocked 400; local 500 remote 0;
 *         moves socket 3 node 1; 10 wake-ups, mean 2 us
 *     v1: running 300 ms, runnable 100, blocked 600; local 200 remote 100;
 *         moves socket 2; 30 wake-ups, mean 6 us
 *     => running 800/2000 = 40.0%, runnable 10.0%, blocked 50.0%, offline 0.0%,
 *        local 700/800 = 87.5%, moves 0/5/1,
 *        wake mean (10*2 + 30*6)/40 = 5.00 us
 *   dom 1 "guest-1" (sysbench-memory, 8192.75 MB/s), 1 vCPU
 *     v0: running 750 ms, runnable 100, blocked 100, offline 50;
 *         local 600 remote 150; moves core 1 socket 4 node 2;
 *         100 wake-ups, mean 12.5 us
 *     => 75.0 / 10.0 / 10.0 / 5.0 %, local 600/750 = 80.0%, 12.50 us
 *   pCPUs busy 900, 500, 250, 100 ms
 *     => node 0: 1400/2000 = 70.0%, node 1: 350/2000 = 17.5%
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/report.h"
#include "report/report_internal.h"

#define MS NS_MS

/* ---- the hand-built results -------------------------------------------- */

static struct ns_topo topo;
static struct ns_topo_pcpu topo_pcpu[4];
static struct ns_topo_group topo_core[4], topo_socket[2];
static struct ns_topo_node topo_node[2];
static unsigned distance[4] = {10, 20, 20, 10};

static struct ns_vcpu_result dom0_vcpu[2], dom1_vcpu[1];
static uint64_t dom0_mem[2] = {1048576, 1048576};   /* 1 GiB + 1 GiB */
static uint64_t dom1_mem[2] = {983552, 0};          /* 960.5 MiB on node 0 */
static struct ns_domain_result dom[2];
static struct ns_pcpu_result pcpu[4];
static double node_bw[2] = {3.25, 0.5};
static struct ns_results res;

static char *dir;               /* this test's scratch directory */

static void group(struct ns_topo_group *g, unsigned first, unsigned count)
{
    g->os_index = first;
    ns_mask_init(&g->cpus, 4);
    for (unsigned c = first; c < first + count; c++)
        ns_mask_set(&g->cpus, c);
}

static void build_topo(void)
{
    topo = (struct ns_topo){
        .source = "hand-made", .nr_pcpus = 4, .nr_cores = 4, .nr_sockets = 2,
        .nr_nodes = 2, .pcpu = topo_pcpu, .core = topo_core, .socket = topo_socket,
        .node = topo_node, .distance = distance, .distance_source = NS_DIST_SCENARIO,
    };
    for (unsigned c = 0; c < 4; c++) {
        topo_pcpu[c] = (struct ns_topo_pcpu){c, c, c / 2, c / 2};
        group(&topo_core[c], c, 1);
    }
    for (unsigned s = 0; s < 2; s++) {
        group(&topo_socket[s], 2 * s, 2);
        topo_node[s].os_index = s;
        ns_mask_dup(&topo_node[s].cpus, &topo_socket[s].cpus);
        topo_node[s].memory_bytes = 6ULL << 30;
    }
}

static void build_domains(void)
{
    dom0_vcpu[0] = (struct ns_vcpu_result){
        .id = 0, .runstate_ns = {500 * MS, 100 * MS, 400 * MS, 0},
        .local_run_ns = 500 * MS, .remote_run_ns = 0,
        .migrations = {[NS_MOVE_SOCKET] = 3, [NS_MOVE_NODE] = 1},
        .wakeups = 10, .wake_latency_mean_ns = 2000,
        .wake_latency_p50_ns = 1800, .wake_latency_p99_ns = 4000, .wake_latency_max_ns = 5000,
    };
    dom0_vcpu[1] = (struct ns_vcpu_result){
        .id = 1, .runstate_ns = {300 * MS, 100 * MS, 600 * MS, 0},
        .local_run_ns = 200 * MS, .remote_run_ns = 100 * MS,
        .migrations = {[NS_MOVE_SOCKET] = 2},
        .wakeups = 30, .wake_latency_mean_ns = 6000,
        .wake_latency_p50_ns = 5000, .wake_latency_p99_ns = 9000, .wake_latency_max_ns = 12000,
    };
    dom1_vcpu[0] = (struct ns_vcpu_result){
        .id = 0, .runstate_ns = {750 * MS, 100 * MS, 100 * MS, 50 * MS},
        .local_run_ns = 600 * MS, .remote_run_ns = 150 * MS,
        .migrations = {[NS_MOVE_CORE] = 1, [NS_MOVE_SOCKET] = 4, [NS_MOVE_NODE] = 2},
        .wakeups = 100, .wake_latency_mean_ns = 12500,
        .wake_latency_p50_ns = 11000, .wake_latency_p99_ns = 30000, .wake_latency_max_ns = 45000,
    };
    dom[0] = (struct ns_domain_result){
        .id = 0, .name = "Domain-0", .workload = "idle", .pool = "Pool-0",
        .metric = {.name = "ops", .unit = "ops/s", .higher_is_better = true, .value = 0},
        .memory_kb_per_node = dom0_mem, .nr_vcpus = 2, .vcpu = dom0_vcpu,
    };
    dom[1] = (struct ns_domain_result){
        .id = 1, .name = "guest-1", .workload = "sysbench-memory", .pool = "Pool-0",
        .metric = {.name = "bandwidth", .unit = "MB/s", .higher_is_better = true,
                   .value = 8192.75, .p50 = 8000, .p90 = 0, .p99 = 9000.25},
        .memory_kb_per_node = dom1_mem, .nr_vcpus = 1, .vcpu = dom1_vcpu,
    };
}

static void setup(void)
{
    build_topo();
    build_domains();
    const ns_time_t busy[4] = {900 * MS, 500 * MS, 250 * MS, 100 * MS};
    for (unsigned c = 0; c < 4; c++)
        pcpu[c] = (struct ns_pcpu_result){c, c / 2, c / 2, c, busy[c]};
    res = (struct ns_results){
        .seed = 42, .duration_ns = 1000 * MS, .warmup_ns = 100 * MS, .topo = &topo,
        .sched = "credit", .events = 123456, .nr_domains = 2, .dom = dom, .pcpu = pcpu,
        .node_bw_gbs = node_bw,
    };
    dir = tmpdir();
}

static void teardown(void)
{
    rm_rf(dir);
    free(dir);
    for (unsigned i = 0; i < 4; i++)
        ns_mask_free(&topo_core[i].cpus);
    for (unsigned i = 0; i < 2; i++) {
        ns_mask_free(&topo_socket[i].cpus);
        ns_mask_free(&topo_node[i].cpus);
    }
}

TestSuite(report, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------ */

static char *path_in(const char *rel)
{
    return ns_path_join(dir, rel);
}

/* A file the test expects to be there. */
static char *read_back(const char *path)
{
    char *text = slurp(path, NULL);
    cr_assert_not_null(text, "cannot open %s", path);
    return text;
}

static bool path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Entries of @d other than . and .., and whether any is a leftover temporary. */
static size_t entries_and_temps(const char *d, bool *tmp_seen)
{
    DIR *h = opendir(d);
    struct dirent *e;
    size_t n = 0;

    cr_assert_not_null(h);
    *tmp_seen = false;
    while ((e = readdir(h))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (strstr(e->d_name, ".tmp."))
            *tmp_seen = true;
    }
    closedir(h);
    return n;
}

static json_object *parse_json_file(const char *path)
{
    char *text = read_back(path);
    json_object *root = json_tokener_parse(text);
    free(text);
    cr_assert_not_null(root, "%s does not parse", path);
    return root;
}

static json_object *at(json_object *o, const char *key)
{
    json_object *v = NULL;
    cr_assert(json_object_object_get_ex(o, key, &v), "missing key \"%s\"", key);
    return v;
}

static json_object *idx(json_object *arr, size_t i)
{
    cr_assert(json_object_is_type(arr, json_type_array));
    cr_assert_lt(i, json_object_array_length(arr));
    return json_object_array_get_idx(arr, i);
}

static uint64_t u64(json_object *o, const char *key)
{
    json_object *v = at(o, key);
    cr_assert(json_object_is_type(v, json_type_int), "\"%s\" is not an integer", key);
    return json_object_get_uint64(v);
}

static double dbl(json_object *o, const char *key)
{
    json_object *v = at(o, key);
    cr_assert(json_object_is_type(v, json_type_double), "\"%s\" is not a real", key);
    return json_object_get_double(v);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v = at(o, key);
    cr_assert(json_object_is_type(v, json_type_string), "\"%s\" is not a string", key);
    return json_object_get_string(v);
}

static json_object *write_and_parse(void)
{
    struct ns_err err;
    char *path = path_in("results.json");
    cr_assert_eq(ns_report_write_json(&res, path, &err), 0, "%s", err.msg);
    json_object *root = parse_json_file(path);
    free(path);
    return root;
}

/* The summary as a string. */
static char *summary(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    ns_report_summary(&res, f);
    fclose(f);
    return text;
}

/* The whitespace-separated words of the first line of @text containing @needle. */
static size_t line_words(const char *text, const char *needle, char words[][32], size_t max)
{
    const char *hit = strstr(text, needle);
    cr_assert_not_null(hit, "no line with \"%s\" in:\n%s", needle, text);
    while (hit > text && hit[-1] != '\n')
        hit--;
    size_t n = 0;
    for (const char *p = hit; *p && *p != '\n';) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " \n");
        if (!len)
            break;
        cr_assert_lt(n, max);
        cr_assert_lt(len, 32);
        memcpy(words[n], p, len);
        words[n++][len] = '\0';
        p += len;
    }
    return n;
}

static void assert_words(const char *text, const char *needle, const char *const *want,
                         size_t nwant)
{
    char words[32][32];
    size_t n = line_words(text, needle, words, 32);
    cr_assert_eq(n, nwant, "line with \"%s\" has %zu words, want %zu", needle, n, nwant);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(words[i], want[i], "line with \"%s\", word %zu", needle, i);
}

/* ---- results.json -------------------------------------------------------- */

Test(report, json_run_and_host)
{
    json_object *root = write_and_parse();

    cr_assert_eq(u64(root, "seed"), 42);
    cr_assert_eq(u64(root, "duration_ns"), 1000000000);
    cr_assert_eq(u64(root, "warmup_ns"), 100000000);
    cr_assert_str_eq(str(root, "sched"), "credit");
    cr_assert_eq(u64(root, "events"), 123456);

    json_object *host = at(root, "host");
    cr_assert_eq(u64(host, "nodes"), 2);
    cr_assert_eq(u64(host, "sockets"), 2);
    cr_assert_eq(u64(host, "cores"), 4);
    cr_assert_eq(u64(host, "pcpus"), 4);
    json_object *d = at(host, "distances");
    cr_assert_eq(json_object_array_length(d), 2);
    const int want[2][2] = {{10, 20}, {20, 10}};
    for (size_t a = 0; a < 2; a++) {
        cr_assert_eq(json_object_array_length(idx(d, a)), 2);
        for (size_t b = 0; b < 2; b++)
            cr_assert_eq(json_object_get_int(idx(idx(d, a), b)), want[a][b]);
    }
    json_object_put(root);
}

Test(report, json_domains_and_metric)
{
    json_object *root = write_and_parse();
    json_object *doms = at(root, "domains");
    cr_assert_eq(json_object_array_length(doms), 2);

    json_object *d0 = idx(doms, 0), *d1 = idx(doms, 1);
    cr_assert_eq(u64(d0, "id"), 0);
    cr_assert_str_eq(str(d0, "name"), "Domain-0");
    cr_assert_str_eq(str(d0, "workload"), "idle");
    cr_assert_str_eq(str(d0, "pool"), "Pool-0");
    cr_assert_eq(u64(d1, "id"), 1);
    cr_assert_str_eq(str(d1, "name"), "guest-1");
    cr_assert_str_eq(str(d1, "workload"), "sysbench-memory");

    json_object *m = at(d1, "metric");
    cr_assert_str_eq(str(m, "name"), "bandwidth");
    cr_assert_str_eq(str(m, "unit"), "MB/s");
    cr_assert_str_eq(str(m, "better"), "higher");
    cr_assert_eq(dbl(m, "value"), 8192.75);
    cr_assert_eq(dbl(m, "p50"), 8000);
    cr_assert_not(json_object_object_get_ex(m, "p90", NULL), "p90 is zero: left out");
    cr_assert_eq(dbl(m, "p99"), 9000.25);

    /* Dom0's metric is 0 with no spread: value kept, percentiles left out. */
    m = at(d0, "metric");
    cr_assert_eq(dbl(m, "value"), 0);
    cr_assert_not(json_object_object_get_ex(m, "p50", NULL));
    cr_assert_not(json_object_object_get_ex(m, "p99", NULL));

    json_object *mem = at(d1, "memory_mb_per_node");
    cr_assert_eq(json_object_array_length(mem), 2);
    cr_assert_eq(json_object_get_double(idx(mem, 0)), 960.5);
    cr_assert_eq(json_object_get_double(idx(mem, 1)), 0);
    cr_assert_eq(json_object_get_double(idx(at(d0, "memory_mb_per_node"), 1)), 1024);
    json_object_put(root);
}

Test(report, json_vcpus)
{
    json_object *root = write_and_parse();
    json_object *doms = at(root, "domains");
    json_object *v0 = at(idx(doms, 0), "vcpus"), *v1 = at(idx(doms, 1), "vcpus");
    cr_assert_eq(json_object_array_length(v0), 2);
    cr_assert_eq(json_object_array_length(v1), 1);

    json_object *v = idx(v1, 0);
    cr_assert_eq(u64(v, "id"), 0);
    json_object *rs = at(v, "runstate_ns");
    cr_assert_eq(u64(rs, "running"), 750000000);
    cr_assert_eq(u64(rs, "runnable"), 100000000);
    cr_assert_eq(u64(rs, "blocked"), 100000000);
    cr_assert_eq(u64(rs, "offline"), 50000000);
    cr_assert_eq(u64(v, "local_run_ns"), 600000000);
    cr_assert_eq(u64(v, "remote_run_ns"), 150000000);
    json_object *mig = at(v, "migrations");
    cr_assert_eq(u64(mig, "core"), 1);
    cr_assert_eq(u64(mig, "socket"), 4);
    cr_assert_eq(u64(mig, "node"), 2);
    cr_assert_eq(u64(v, "wakeups"), 100);
    json_object *wl = at(v, "wake_latency_ns");
    cr_assert_eq(dbl(wl, "mean"), 12500);
    cr_assert_eq(u64(wl, "p50"), 11000);
    cr_assert_eq(u64(wl, "p99"), 30000);
    cr_assert_eq(u64(wl, "max"), 45000);

    v = idx(v0, 1);
    cr_assert_eq(u64(v, "id"), 1);
    cr_assert_eq(u64(at(v, "runstate_ns"), "blocked"), 600000000);
    cr_assert_eq(u64(at(v, "migrations"), "core"), 0);
    cr_assert_eq(u64(at(v, "migrations"), "socket"), 2);
    json_object_put(root);
}

Test(report, json_pcpus_and_nodes)
{
    json_object *root = write_and_parse();
    json_object *p = at(root, "pcpus");
    cr_assert_eq(json_object_array_length(p), 4);
    json_object *p2 = idx(p, 2);
    cr_assert_eq(u64(p2, "id"), 2);
    cr_assert_eq(u64(p2, "node"), 1);
    cr_assert_eq(u64(p2, "socket"), 1);
    cr_assert_eq(u64(p2, "core"), 2);
    cr_assert_eq(u64(p2, "busy_ns"), 250000000);
    cr_assert_eq(dbl(p2, "utilisation"), 0.25);

    json_object *n = at(root, "nodes");
    cr_assert_eq(json_object_array_length(n), 2);
    cr_assert_eq(u64(idx(n, 1), "id"), 1);
    cr_assert_str_eq(str(idx(n, 1), "cpus"), "2-3");
    cr_assert_eq(dbl(idx(n, 0), "memory_mb"), 6144);
    cr_assert_eq(dbl(idx(n, 0), "bandwidth_gbs"), 3.25);
    cr_assert_eq(dbl(idx(n, 1), "bandwidth_gbs"), 0.5);
    json_object_put(root);
}

Test(report, json_key_order_and_layout)
{
    struct ns_err err;
    char *path = path_in("results.json");
    cr_assert_eq(ns_report_write_json(&res, path, &err), 0, "%s", err.msg);
    char *text = read_back(path);
    /* Top-level keys: indented by two spaces in json-c's pretty layout. */
    const char *keys[] = {"{\n  \"seed\": 42,", "\n  \"duration_ns\"", "\n  \"warmup_ns\"",
                          "\n  \"sched\"", "\n  \"events\"", "\n  \"host\"",
                          "\n  \"domains\"", "\n  \"pcpus\"", "\n  \"nodes\""};
    const char *prev = NULL;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *k = strstr(text, keys[i]);
        cr_assert(k && (!prev || k > prev), "%s missing or out of order", keys[i]);
        prev = k;
    }
    cr_assert_not_null(strstr(text, "\"unit\": \"MB/s\""), "no escaped slash");
    cr_assert_eq(text[strlen(text) - 1], '\n');
    free(text);
    free(path);
}

/* A full 64-bit seed must not wrap negative; it is the key to reproduce a run. */
Test(report, json_seed_full_64_bits)
{
    res.seed = UINT64_MAX;
    json_object *root = write_and_parse();
    cr_assert_eq(u64(root, "seed"), UINT64_MAX);
    json_object_put(root);
}

/* JSON has no NaN: such a value is written as null and the file still parses. */
Test(report, json_non_finite_is_null)
{
    dom[1].metric.value = NAN;
    dom[1].metric.p50 = INFINITY;
    json_object *root = write_and_parse();
    json_object *m = at(idx(at(root, "domains"), 1), "metric");
    cr_assert(json_object_is_type(at(m, "value"), json_type_null));
    cr_assert(json_object_is_type(at(m, "p50"), json_type_null));
    json_object_put(root);
}

Test(report, json_no_domains)
{
    res.nr_domains = 0;
    json_object *root = write_and_parse();
    cr_assert_eq(json_object_array_length(at(root, "domains")), 0);
    cr_assert_eq(json_object_array_length(at(root, "pcpus")), 4);
    json_object_put(root);
}

Test(report, double_format)
{
    char buf[NS_REPORT_DBL_LEN];
    cr_assert(ns_report_fmt_double(buf, 0.1));
    cr_assert_str_eq(buf, "0.1");
    ns_report_fmt_double(buf, 2);
    cr_assert_str_eq(buf, "2.0");
    ns_report_fmt_double(buf, -0.0);
    cr_assert_str_eq(buf, "0.0");
    ns_report_fmt_double(buf, 1e300);
    cr_assert_str_eq(buf, "1e+300");
    ns_report_fmt_double(buf, 1.0 / 3);
    cr_assert_eq(strtod(buf, NULL), 1.0 / 3, "%s does not read back", buf);
    ns_report_fmt_double(buf, 0.1 + 0.2);          /* needs 17 digits */
    cr_assert_str_eq(buf, "0.30000000000000004");
    cr_assert_not(ns_report_fmt_double(buf, NAN));
    cr_assert_str_eq(buf, "");
}

/* ---- results.csv ------------------------------------------------------------ */

Test(report, csv_rows)
{
    struct ns_err err;
    char *path = path_in("results.csv");
    cr_assert_eq(ns_report_write_csv(&res, path, &err), 0, "%s", err.msg);
    char *text = read_back(path);
    cr_assert_str_eq(text,
        "domain_id,domain,workload,vcpu,running_ns,runnable_ns,blocked_ns,offline_ns,"
        "local_run_ns,remote_run_ns,migrations_core,migrations_socket,migrations_node,"
        "wakeups,wake_p50_ns,wake_p99_ns,metric,metric_unit,metric_value\n"
        "0,Domain-0,idle,0,500000000,100000000,400000000,0,500000000,0,0,3,1,"
        "10,1800,4000,ops,ops/s,0.0\n"
        "0,Domain-0,idle,1,300000000,100000000,600000000,0,200000000,100000000,0,2,0,"
        "30,5000,9000,ops,ops/s,0.0\n"
        "1,guest-1,sysbench-memory,0,750000000,100000000,100000000,50000000,"
        "600000000,150000000,1,4,2,100,11000,30000,bandwidth,MB/s,8192.75\n");
    free(text);
    free(path);
}

Test(report, csv_quotes_like_rfc4180)
{
    struct ns_err err;
    dom[1].name = "web \"prod\",eu";
    dom[1].workload = "plain";
    dom[1].metric.value = NAN;                     /* a missing value: empty field */
    char *path = path_in("results.csv");
    cr_assert_eq(ns_report_write_csv(&res, path, &err), 0, "%s", err.msg);
    char *text = read_back(path);
    cr_assert_not_null(strstr(text, "\n1,\"web \"\"prod\"\",eu\",plain,0,"), "%s", text);
    cr_assert_not_null(strstr(text, ",bandwidth,MB/s,\n"), "%s", text);
    free(text);
    free(path);
}

/* What csv_quotes_like_rfc4180 writes reads back as the same fields. */
Test(report, csv_split_undoes_the_quoting)
{
    char line[] = "1,\"web \"\"prod\"\",eu\",,\"\",x\r\n", *f[6];

    cr_assert_eq(ns_report_csv_split(line, f, 6), 5);
    cr_assert_str_eq(f[0], "1");
    cr_assert_str_eq(f[1], "web \"prod\",eu");
    cr_assert_str_eq(f[2], "");
    cr_assert_str_eq(f[3], "");
    cr_assert_str_eq(f[4], "x");
}

Test(report, csv_split_refuses_open_quotes_and_extra_fields)
{
    char open_quote[] = "a,\"b\n", extra[] = "a,b,c", *f[2];

    cr_assert_eq(ns_report_csv_split(open_quote, f, 2), -1);
    cr_assert_eq(ns_report_csv_split(extra, f, 2), -1);
}

/* ---- files ---------------------------------------------------------------- */

Test(report, dir_writes_both_and_leaves_no_temporaries)
{
    struct ns_err err;
    char *out = path_in("a/b/out");                /* two levels to create */
    bool tmp;

    cr_assert_eq(ns_report_write_dir(&res, out, &err), 0, "%s", err.msg);
    cr_assert_eq(entries_and_temps(out, &tmp), 2);
    cr_assert_not(tmp);
    char *json = ns_path_join(out, "results.json"), *csv = ns_path_join(out, "results.csv");
    cr_assert(path_exists(json) && path_exists(csv));

    /* Again into the same, now existing, directory. */
    cr_assert_eq(ns_report_write_dir(&res, out, &err), 0, "%s", err.msg);
    cr_assert_eq(entries_and_temps(out, &tmp), 2);
    cr_assert_not(tmp);
    free(json);
    free(csv);
    free(out);
}

static void assert_same_file(const char *a, const char *b)
{
    char *x = read_back(a), *y = read_back(b);
    cr_assert_str_eq(x, y, "%s and %s differ", a, b);
    free(x);
    free(y);
}

Test(report, same_input_same_bytes)
{
    struct ns_err err;
    char *a = path_in("a"), *b = path_in("b");
    cr_assert_eq(ns_report_write_dir(&res, a, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_report_write_dir(&res, b, &err), 0, "%s", err.msg);

    const char *names[] = {"results.json", "results.csv"};
    for (size_t i = 0; i < 2; i++) {
        char *pa = ns_path_join(a, names[i]), *pb = ns_path_join(b, names[i]);
        assert_same_file(pa, pb);
        /* Overwriting in place gives the same bytes again. */
        char *before = read_back(pa);
        cr_assert_eq(ns_report_write_dir(&res, a, &err), 0, "%s", err.msg);
        char *after = read_back(pa);
        cr_assert_str_eq(before, after);
        free(before);
        free(after);
        free(pa);
        free(pb);
    }
    free(a);
    free(b);
}

Test(report, file_missing_directory_fails_cleanly)
{
    struct ns_err err = {{0}};
    char *path = path_in("missing/results.json");
    bool tmp;

    cr_assert_eq(ns_report_write_json(&res, path, &err), -1);
    cr_assert_not_null(strstr(err.msg, path), "message \"%s\" names no path", err.msg);
    cr_assert_eq(entries_and_temps(dir, &tmp), 0);
    free(path);
}

Test(report, dir_that_cannot_be_created_fails_cleanly)
{
    struct ns_err err = {{0}};
    char *file = path_in("file"), *out = path_in("file/sub/out");
    bool tmp;

    FILE *f = fopen(file, "w");                    /* a file where a folder should be */
    cr_assert_not_null(f);
    fclose(f);
    cr_assert_eq(ns_report_write_dir(&res, out, &err), -1);
    cr_assert_not_null(strstr(err.msg, out), "message \"%s\" names no path", err.msg);
    cr_assert_eq(entries_and_temps(dir, &tmp), 1);     /* only "file" */
    free(file);
    free(out);
}

/* results.csv cannot replace a directory: the results.json already renamed
 * into place must go again, so no half set remains. */
Test(report, dir_second_file_fails_removes_first)
{
    struct ns_err err = {{0}};
    char *out = path_in("out"), *csv = path_in("out/results.csv");
    char *inner = path_in("out/results.csv/keep"), *json = path_in("out/results.json");
    bool tmp;

    cr_assert_eq(mkdir(out, 0777), 0);
    cr_assert_eq(mkdir(csv, 0777), 0);
    FILE *f = fopen(inner, "w");
    cr_assert_not_null(f);
    fclose(f);

    cr_assert_eq(ns_report_write_dir(&res, out, &err), -1);
    cr_assert_not_null(strstr(err.msg, "results.csv"), "%s", err.msg);
    cr_assert_not(path_exists(json));
    cr_assert_eq(entries_and_temps(out, &tmp), 1);     /* the in-the-way folder */
    cr_assert_not(tmp);
    free(out);
    free(csv);
    free(inner);
    free(json);
}

/* ---- summary --------------------------------------------------------------- */

Test(report, summary_header)
{
    char *text = summary();
    const char *first_nl = strchr(text, '\n');
    cr_assert_not_null(first_nl);
    cr_assert_eq(strncmp(text, "host: 2 nodes, 2 sockets, 4 cores, 4 pCPUs;", 43), 0, "%s", text);
    const char *parts[] = {"scheduler credit", "duration 1.000 s", "warm-up 100.000 ms",
                           "seed 42", "123456 events"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *p = strstr(text, parts[i]);
        cr_assert(p && p < first_nl, "header lacks \"%s\":\n%s", parts[i], text);
    }
    free(text);
}

Test(report, summary_domain_rows)
{
    char *text = summary();
    assert_words(text, "guest-1",
                 (const char *[]){"1", "guest-1", "sysbench-memory", "8193", "MB/s", "75.0",
                                  "10.0", "10.0", "5.0", "80.0", "1", "4", "2", "12.50"},
                 14);
    assert_words(text, "Domain-0",
                 (const char *[]){"0", "Domain-0", "idle", "0.00", "ops/s", "40.0", "10.0",
                                  "50.0", "0.0", "87.5", "0", "5", "1", "5.00"},
                 14);
    free(text);
}

Test(report, summary_node_rows)
{
    char *text = summary();
    assert_words(text, "0-1", (const char *[]){"0", "0-1", "70.0", "3.25"}, 4);
    assert_words(text, "2-3", (const char *[]){"1", "2-3", "17.5", "0.50"}, 4);
    free(text);
}

/* Nothing to divide by: no run time, no wake-ups, no duration => "-", no NaN. */
Test(report, summary_empty_vcpu)
{
    memset(dom1_vcpu, 0, sizeof(dom1_vcpu));
    res.duration_ns = 0;
    char *text = summary();
    assert_words(text, "guest-1",
                 (const char *[]){"1", "guest-1", "sysbench-memory", "8193", "MB/s", "-", "-",
                                  "-", "-", "-", "0", "0", "0", "-"},
                 14);
    assert_words(text, "0-1", (const char *[]){"0", "0-1", "-", "3.25"}, 4);
    cr_assert_null(strstr(text, "nan"));
    free(text);
}

static size_t display_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

/* A long (and non-ASCII) name widens its column: every line of the domain
 * table, rule included, ends in the same column. */
Test(report, summary_long_names_keep_alignment)
{
    dom[1].name = "größter-gast-mit-einem-sehr-langen-namen-0123456789-0123456789-xyz";
    dom[0].workload = "a-workload-with-a-rather-long-name";
    char *text = summary();
    const char *line = strchr(text, '\n') + 2;     /* past the header and blank line */
    size_t want = 0, lines = 0;

    while (*line && *line != '\n') {
        const char *end = strchr(line, '\n');
        size_t w = display_width(line, (size_t)(end - line));
        if (lines++ == 0)
            want = w;
        cr_assert_eq(w, want, "line %zu is %zu wide, not %zu:\n%s", lines, w, want, text);
        line = end + 1;
    }
    cr_assert_eq(lines, 4);                        /* heading, rule, 2 domains */
    cr_assert_not_null(strstr(text, dom[1].name));
    free(text);
}

Test(report, summary_is_deterministic)
{
    char *a = summary(), *b = summary();
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
}
