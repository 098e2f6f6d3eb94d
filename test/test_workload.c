/*
 * Tests of the workload models: parameters and their errors, step
 * sequences, metrics from scripted next() calls, and determinism. Expected
 * values are worked out by hand in the comments.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "numasched/workload.h"

#define EPS 1e-9

/* ---- a domain file in memory --------------------------------------------- */

struct kv {
    const char *key;
    double num;
    const char *const *list;
    size_t n;
};

struct fake {
    const struct kv *kv;
    size_t n;
};

static const struct kv *lookup(void *ctx, const char *key)
{
    const struct fake *f = ctx;

    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->kv[i].key, key) == 0)
            return &f->kv[i];
    return NULL;
}

static int fake_number(void *ctx, const char *key, double *out, struct ns_err *err)
{
    const struct kv *kv = lookup(ctx, key);

    (void)err;
    if (!kv || kv->list)
        return 1;
    *out = kv->num;
    return 0;
}

static int fake_list(void *ctx, const char *key, size_t *n, const char *const **items,
                     struct ns_err *err)
{
    const struct kv *kv = lookup(ctx, key);

    (void)err;
    if (!kv || !kv->list)
        return 1;
    *n = kv->n;
    *items = kv->list;
    return 0;
}

static int fake_fail(void *ctx, const char *key, struct ns_err *err, const char *msg)
{
    (void)ctx;
    return ns_err_set(err, "vm1.cfg", 7, key, "%s", msg);
}

#define PARAMS(f) {.ctx = &(f), .get_number = fake_number, .get_list = fake_list, \
                   .fail = fake_fail}

static struct ns_workload_spec *parse_ok(const char *name, const struct ns_params *p)
{
    struct ns_err err = {{0}};
    struct ns_workload_spec *s = ns_workload_parse(name, p, &err);

    cr_assert_not_null(s, "%s: %s", name, err.msg);
    return s;
}

/* Parse must fail with a message containing every string in @want. */
static void parse_fails(const char *name, const struct ns_params *p, const char *want1,
                        const char *want2)
{
    struct ns_err err = {{0}};
    struct ns_workload_spec *s = ns_workload_parse(name, p, &err);

    cr_assert_null(s, "%s parsed but should not have", name);
    cr_assert(strstr(err.msg, want1), "\"%s\" lacks \"%s\"", err.msg, want1);
    if (want2)
        cr_assert(strstr(err.msg, want2), "\"%s\" lacks \"%s\"", err.msg, want2);
}

static void next(struct ns_workload *w, unsigned v, ns_time_t now, struct ns_step *st)
{
    ns_workload_next(w, v, now, st);
}

/* ---- parameters ------------------------------------------------------------ */

Test(workload, names)
{
    const char *const *n = ns_workload_names();
    const char *want[] = {"cpu", "specjbb", "sysbench-memory", "lmbench-proc", "idle", "phases"};

    for (size_t i = 0; i < 6; i++)
        cr_assert_str_eq(n[i], want[i]);
    cr_assert_null(n[6]);
}

Test(workload, unknown_name)
{
    struct fake f = {0};
    struct ns_params p = PARAMS(f);

    parse_fails("stream", &p, "workload", "\"stream\"");
    parse_fails("stream", NULL, "workload", "known: cpu");
}

Test(workload, default_profiles)
{
    struct ns_workload_spec *s = parse_ok("specjbb", NULL);
    const struct ns_mem_profile *m = ns_workload_spec_mem(s);

    cr_assert_str_eq(ns_workload_spec_name(s), "specjbb");
    cr_assert_float_eq(m->mem_stall, 0.35, EPS);
    cr_assert_float_eq(m->llc_hot_mb, 6.0, EPS);
    cr_assert_float_eq(m->dram_gbs, 1.0, EPS);
    cr_assert_float_eq(m->smt_speed, 0.65, EPS);
    ns_workload_spec_free(s);

    s = parse_ok("cpu", NULL);
    cr_assert_float_eq(ns_workload_spec_mem(s)->smt_speed, 0.69, EPS);
    cr_assert_float_eq(ns_workload_spec_mem(s)->mem_stall, 0.01, EPS);
    ns_workload_spec_free(s);

    s = parse_ok("sysbench-memory", NULL);
    cr_assert_float_eq(ns_workload_spec_mem(s)->mem_stall, 0.03, EPS);
    cr_assert_float_eq(ns_workload_spec_mem(s)->smt_speed, 0.75, EPS);
    /* memory-scope=global: the 1 KiB buffer's 16 lines and 3 mutexes per
     * 1.8 us request, 19 / 1.8 = 10.556 lines per us. */
    cr_assert_float_eq(ns_workload_spec_mem(s)->shared_lines_per_us, 19.0 / 1.8, EPS);
    ns_workload_spec_free(s);

    s = parse_ok("lmbench-proc", NULL);
    cr_assert_float_eq(ns_workload_spec_mem(s)->llc_hot_mb, 1.0, EPS);
    cr_assert_float_eq(ns_workload_spec_mem(s)->dram_gbs, 0.3, EPS);
    cr_assert_float_eq(ns_workload_spec_mem(s)->smt_speed, 0.7, EPS);
    ns_workload_spec_free(s);
}

Test(workload, profile_overrides)
{
    static const struct kv kv[] = {
        {.key = "mem_stall", .num = 0.5}, {.key = "llc_mb", .num = 3},
        {.key = "dram_gbs", .num = 2}, {.key = "smt_speed", .num = 0.8},
    };
    struct fake f = {kv, 4};
    struct ns_params p = PARAMS(f);
    struct ns_workload_spec *s = parse_ok("specjbb", &p);
    const struct ns_mem_profile *m = ns_workload_spec_mem(s);

    cr_assert_float_eq(m->mem_stall, 0.5, EPS);
    cr_assert_float_eq(m->llc_hot_mb, 3.0, EPS);
    cr_assert_float_eq(m->dram_gbs, 2.0, EPS);
    cr_assert_float_eq(m->smt_speed, 0.8, EPS);
    ns_workload_spec_free(s);
}

Test(workload, bad_values_name_the_key)
{
    static const struct kv stall[] = {{.key = "mem_stall", .num = 1.5}};
    static const struct kv smt[] = {{.key = "smt_speed", .num = 0}};
    static const struct kv op[] = {{.key = "op_us", .num = -1}};
    static const struct kv thr[] = {{.key = "threads", .num = 1.5}};
    static const struct kv fork[] = {{.key = "fork_us", .num = 0}};
    static const struct kv par[] = {{.key = "parallel", .num = 1.5}};
    static const struct kv par0[] = {{.key = "parallel", .num = 0}};
    static const struct kv gap[] = {{.key = "gap_us", .num = NAN}};
    struct fake f;
    struct ns_params p = PARAMS(f);

    f = (struct fake){stall, 1};
    parse_fails("specjbb", &p, "vm1.cfg:7", "mem_stall");
    f = (struct fake){smt, 1};
    parse_fails("cpu", &p, "smt_speed", "> 0");
    f = (struct fake){op, 1};
    parse_fails("specjbb", &p, "op_us", "-1");
    f = (struct fake){thr, 1};
    parse_fails("sysbench-memory", &p, "threads", "whole number");
    f = (struct fake){fork, 1};
    parse_fails("lmbench-proc", &p, "fork_us", NULL);
    f = (struct fake){par, 1};
    parse_fails("lmbench-proc", &p, "parallel", "whole number");
    f = (struct fake){par0, 1};
    parse_fails("lmbench-proc", &p, "parallel", NULL);
    f = (struct fake){gap, 1};
    parse_fails("idle", &p, "gap_us", NULL);
}

/* ---- throughput workloads ------------------------------------------------------ */

Test(workload, specjbb_chunks_and_ops)
{
    struct ns_workload_spec *s = parse_ok("specjbb", NULL);
    struct ns_workload *w = ns_workload_create(s, 2, 1, 7);
    struct ns_metric m;
    struct ns_step st;

    /* a chunk is 10 ops of 100 us = 1 ms of nominal work */
    for (unsigned v = 0; v < 2; v++) {
        next(w, v, 0, &st);
        cr_assert_eq(st.kind, NS_STEP_RUN);
        cr_assert_float_eq(st.work_ns, 1e6, EPS);
        cr_assert_eq(st.mem, ns_workload_spec_mem(s));
        cr_assert_eq(st.signal_vcpu, -1);
    }
    /* warm-up: the chunks ending at 1 ms are not counted */
    next(w, 0, NS_MS, &st);
    next(w, 1, NS_MS, &st);
    ns_workload_start_measure(w, NS_MS);
    /* 5 chunks per vCPU end at 2..6 ms */
    for (unsigned k = 2; k <= 6; k++) {
        next(w, 0, k * NS_MS, &st);
        next(w, 1, k * NS_MS, &st);
    }
    /* 2 vCPUs x 5 chunks x 10 ops = 100 ops in 5 ms = 20000 ops/s */
    ns_workload_metric(w, 6 * NS_MS, &m);
    cr_assert_str_eq(m.name, "ops");
    cr_assert_str_eq(m.unit, "ops/s");
    cr_assert(m.higher_is_better);
    cr_assert_float_eq(m.value, 20000.0, EPS);
    /* the same ops over a longer window: 100 ops in 9 ms */
    ns_workload_metric(w, 10 * NS_MS, &m);
    cr_assert_float_eq(m.value, 100.0 / 0.009, 1e-6);

    ns_workload_free(w);
    ns_workload_spec_free(s);
}

Test(workload, metric_before_measure_is_zero)
{
    struct ns_workload_spec *s = parse_ok("cpu", NULL);
    struct ns_workload *w = ns_workload_create(s, 1, 1, 7);
    struct ns_metric m;
    struct ns_step st;

    next(w, 0, 0, &st);
    next(w, 0, NS_MS, &st);
    ns_workload_metric(w, 2 * NS_MS, &m);
    cr_assert_float_eq(m.value, 0.0, EPS);
    /* cpu: 1 op = 1 ms; one chunk completed in 1 ms of measurement = 1000 ops/s */
    ns_workload_start_measure(w, NS_MS);
    next(w, 0, 2 * NS_MS, &st);
    ns_workload_metric(w, 2 * NS_MS, &m);
    cr_assert_float_eq(m.value, 1000.0, EPS);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

Test(workload, sysbench_memory)
{
    struct ns_workload_spec *s = parse_ok("sysbench-memory", NULL);
    struct ns_workload *w = ns_workload_create(s, 2, 1, 7);
    struct ns_metric m;
    struct ns_step st;

    ns_workload_start_measure(w, 0);
    /* one thread: vCPU 1 blocks for good */
    next(w, 1, 0, &st);
    cr_assert_eq(st.kind, NS_STEP_WAIT);
    cr_assert_eq(st.signal_vcpu, -1);
    /* vCPU 0: floor(1 ms / 1.8 us) = 555 ops of 1.8 us = 999000 ns per chunk */
    next(w, 0, 0, &st);
    cr_assert_eq(st.kind, NS_STEP_RUN);
    cr_assert_float_eq(st.work_ns, 999000.0, 1e-6);
    for (unsigned k = 1; k <= 3; k++)
        next(w, 0, k * 999000, &st);
    /* 3 x 555 KiB in 2.997 ms = 1 KiB / 1.8 us = 1e6 / 1.8 / 1024 MB/s = 542.53 */
    ns_workload_metric(w, 3 * 999000, &m);
    cr_assert_str_eq(m.unit, "MB/s");
    cr_assert_float_eq(m.value, 1e6 / 1.8 / 1024.0, 1e-6);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

Test(workload, sysbench_memory_threads)
{
    static const struct kv kv[] = {{.key = "threads", .num = 3}};
    struct fake f = {kv, 1};
    struct ns_params p = PARAMS(f);
    struct ns_workload_spec *s = parse_ok("sysbench-memory", &p);
    struct ns_workload *w = ns_workload_create(s, 2, 1, 7);
    struct ns_step st;

    /* more threads than vCPUs: every vCPU works */
    for (unsigned v = 0; v < 2; v++) {
        next(w, v, 0, &st);
        cr_assert_eq(st.kind, NS_STEP_RUN);
    }
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

/* ---- lmbench-proc ---------------------------------------------------------- */

static void expect(const struct ns_step *st, enum ns_step_kind kind, double work_ns, int signal)
{
    cr_assert_eq(st->kind, kind);
    if (kind == NS_STEP_RUN)
        cr_assert_float_eq(st->work_ns, work_ns, EPS);
    cr_assert_eq(st->signal_vcpu, signal);
}

Test(workload, lmbench_two_vcpus)
{
    struct ns_workload_spec *s = parse_ok("lmbench-proc", NULL);
    struct ns_workload *w = ns_workload_create(s, 3, 1, 7);
    struct ns_metric m;
    struct ns_step st;
    const ns_time_t us = NS_US;

    ns_workload_start_measure(w, 0);
    next(w, 0, 0, &st);
    expect(&st, NS_STEP_RUN, 120e3, -1);         /* parent: fork */
    next(w, 1, 0, &st);
    expect(&st, NS_STEP_WAIT, 0, -1);            /* child: not born yet */
    next(w, 2, 0, &st);
    expect(&st, NS_STEP_WAIT, 0, -1);            /* a third vCPU idles */

    /* iteration 1: fork ends at 120, child exits 125-205, reap 210-260 */
    next(w, 0, 120 * us, &st);
    expect(&st, NS_STEP_WAIT, 0, 1);             /* wait, waking the child */
    next(w, 1, 125 * us, &st);
    expect(&st, NS_STEP_RUN, 80e3, -1);          /* child: exit */
    next(w, 1, 205 * us, &st);
    expect(&st, NS_STEP_WAIT, 0, 0);             /* wake the parent, wait */
    next(w, 0, 210 * us, &st);
    expect(&st, NS_STEP_RUN, 50e3, -1);          /* parent: reap */
    next(w, 0, 260 * us, &st);
    expect(&st, NS_STEP_RUN, 120e3, -1);         /* next fork: 1 iteration */

    /* 1 iteration in 260 us: 260 us per fork+exit, every percentile 260 */
    ns_workload_metric(w, 260 * us, &m);
    cr_assert_str_eq(m.name, "fork_latency");
    cr_assert_str_eq(m.unit, "us");
    cr_assert(!m.higher_is_better);
    cr_assert_float_eq(m.value, 260.0, EPS);
    cr_assert_float_eq(m.p50, 260.0, EPS);
    cr_assert_float_eq(m.p99, 260.0, EPS);

    /* iteration 2 takes 300 us: 260-380 fork, child 390-470, reap 510-560 */
    next(w, 0, 380 * us, &st);
    expect(&st, NS_STEP_WAIT, 0, 1);
    next(w, 1, 390 * us, &st);
    expect(&st, NS_STEP_RUN, 80e3, -1);
    next(w, 1, 470 * us, &st);
    expect(&st, NS_STEP_WAIT, 0, 0);
    next(w, 0, 510 * us, &st);
    expect(&st, NS_STEP_RUN, 50e3, -1);
    next(w, 0, 560 * us, &st);
    expect(&st, NS_STEP_RUN, 120e3, -1);

    /* 560 us / 2 = 280 us; p50 = rank ceil(0.5 * 2) = 1 -> the 260 us sample,
     * p99 = rank 2 -> the 300 us one (bucket middles are clamped to the
     * observed min and max, so a single-valued bucket reads exactly) */
    ns_workload_metric(w, 560 * us, &m);
    cr_assert_float_eq(m.value, 280.0, EPS);
    cr_assert_float_eq(m.p50, 260.0, EPS);
    cr_assert_float_eq(m.p99, 300.0, EPS);

    ns_workload_free(w);
    ns_workload_spec_free(s);
}

Test(workload, lmbench_one_vcpu)
{
    struct ns_workload_spec *s = parse_ok("lmbench-proc", NULL);
    struct ns_workload *w = ns_workload_create(s, 1, 1, 7);
    struct ns_metric m;
    struct ns_step st;

    /* a warm-up iteration, ending at 250 us before the measurement starts */
    next(w, 0, 0, &st);
    next(w, 0, 120 * NS_US, &st);
    next(w, 0, 200 * NS_US, &st);
    next(w, 0, 250 * NS_US, &st);
    expect(&st, NS_STEP_RUN, 120e3, -1);
    ns_workload_start_measure(w, 250 * NS_US);
    /* fork, exit, reap back to back on the one vCPU, never a WAIT */
    next(w, 0, 370 * NS_US, &st);
    expect(&st, NS_STEP_RUN, 80e3, -1);
    next(w, 0, 450 * NS_US, &st);
    expect(&st, NS_STEP_RUN, 50e3, -1);
    next(w, 0, 500 * NS_US, &st);
    expect(&st, NS_STEP_RUN, 120e3, -1);
    /* one iteration in 250 us of measurement */
    ns_workload_metric(w, 500 * NS_US, &m);
    cr_assert_float_eq(m.value, 250.0, EPS);
    cr_assert_float_eq(m.p90, 250.0, EPS);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

Test(workload, lmbench_durations_overridable)
{
    static const struct kv kv[] = {{.key = "fork_us", .num = 200}, {.key = "reap_us", .num = 10}};
    struct fake f = {kv, 2};
    struct ns_params p = PARAMS(f);
    struct ns_workload_spec *s = parse_ok("lmbench-proc", &p);
    struct ns_workload *w = ns_workload_create(s, 2, 1, 7);
    struct ns_step st;

    next(w, 0, 0, &st);
    expect(&st, NS_STEP_RUN, 200e3, -1);
    next(w, 0, 1, &st);
    next(w, 0, 2, &st);
    expect(&st, NS_STEP_RUN, 10e3, -1);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

/* lat_proc -P 2 in a 2-vCPU guest: one lone worker per vCPU, no WAIT. */
Test(workload, lmbench_two_workers_two_vcpus)
{
    static const struct kv kv[] = {{.key = "parallel", .num = 2}};
    struct fake f = {kv, 1};
    struct ns_params p = PARAMS(f);
    struct ns_workload_spec *s = parse_ok("lmbench-proc", &p);
    struct ns_workload *w = ns_workload_create(s, 2, 1, 7);
    struct ns_metric m;
    struct ns_step st;

    ns_workload_start_measure(w, 0);
    for (unsigned v = 0; v < 2; v++) {
        next(w, v, 0, &st);
        expect(&st, NS_STEP_RUN, 120e3, -1);     /* fork */
        next(w, v, 120 * NS_US, &st);
        expect(&st, NS_STEP_RUN, 80e3, -1);      /* its own child's exit */
        next(w, v, 200 * NS_US, &st);
        expect(&st, NS_STEP_RUN, 50e3, -1);      /* reap */
        next(w, v, 250 * NS_US, &st);
        expect(&st, NS_STEP_RUN, 120e3, -1);     /* the next fork */
    }
    /* 2 iterations (one per worker) in 250 us, each worker sees
     * 250 x 2 / 2 = 250 us per fork+exit */
    ns_workload_metric(w, 250 * NS_US, &m);
    cr_assert_float_eq(m.value, 250.0, EPS);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

/* -P 2 on 3 vCPUs: a pair on vCPUs 0-1, a lone worker on vCPU 2; -P 3 on
 * 2 vCPUs: two lone vCPUs shared by three workers. */
Test(workload, lmbench_workers_and_vcpus)
{
    static const struct kv two[] = {{.key = "parallel", .num = 2}};
    static const struct kv three[] = {{.key = "parallel", .num = 3}};
    struct fake f = {two, 1};
    struct ns_params p = PARAMS(f);
    struct ns_workload_spec *s = parse_ok("lmbench-proc", &p);
    struct ns_workload *w = ns_workload_create(s, 3, 1, 7);
    struct ns_metric m;
    struct ns_step st;

    next(w, 0, 0, &st);
    next(w, 0, 120 * NS_US, &st);
    expect(&st, NS_STEP_WAIT, 0, 1);             /* parent waits, wakes vCPU 1 */
    next(w, 2, 0, &st);
    next(w, 2, 120 * NS_US, &st);
    expect(&st, NS_STEP_RUN, 80e3, -1);          /* lone worker: exit */
    ns_workload_free(w);
    ns_workload_spec_free(s);

    f = (struct fake){three, 1};
    s = parse_ok("lmbench-proc", &p);
    w = ns_workload_create(s, 2, 1, 7);
    ns_workload_start_measure(w, 0);
    for (unsigned v = 0; v < 2; v++) {
        next(w, v, 0, &st);
        next(w, v, 120 * NS_US, &st);
        expect(&st, NS_STEP_RUN, 80e3, -1);
        next(w, v, 200 * NS_US, &st);
        next(w, v, 250 * NS_US, &st);
    }
    /* 2 iterations in 250 us shared by 3 workers: 250 x 3 / 2 = 375 us each */
    ns_workload_metric(w, 250 * NS_US, &m);
    cr_assert_float_eq(m.value, 375.0, EPS);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

/* ---- idle -------------------------------------------------------------------- */

/* Record the first @n steps of vCPU @v, calling next() back to back. */
static void record(struct ns_workload *w, unsigned v, struct ns_step *out, size_t n)
{
    ns_time_t now = 0;

    for (size_t i = 0; i < n; i++) {
        next(w, v, now, &out[i]);
        now += out[i].kind == NS_STEP_BLOCK ? out[i].block_ns : (ns_time_t)out[i].work_ns;
    }
}

static bool same_steps(const struct ns_step *a, const struct ns_step *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].kind != b[i].kind || a[i].block_ns != b[i].block_ns ||
            a[i].work_ns != b[i].work_ns)
            return false;
    return true;
}

Test(workload, idle_determinism)
{
    enum { N = 200 };
    struct ns_workload_spec *s = parse_ok("idle", NULL);
    struct ns_workload *a = ns_workload_create(s, 2, 42, 3);
    struct ns_workload *b = ns_workload_create(s, 2, 42, 3);
    struct ns_workload *c = ns_workload_create(s, 2, 43, 3);
    struct ns_workload *d = ns_workload_create(s, 2, 42, 4);
    static struct ns_step sa[N], sb[N], sc[N], sd[N], sa1[N];

    record(a, 0, sa, N);
    record(b, 0, sb, N);
    record(c, 0, sc, N);
    record(d, 0, sd, N);
    record(a, 1, sa1, N);
    cr_assert(same_steps(sa, sb, N), "same seed, same stream: same steps");
    cr_assert(!same_steps(sa, sc, N), "another seed: other gaps");
    cr_assert(!same_steps(sa, sd, N), "another stream: other gaps");
    cr_assert(!same_steps(sa, sa1, N), "another vCPU: other gaps");

    /* gap, burst, gap, burst...; bursts are 50 us */
    for (size_t i = 0; i < N; i++) {
        cr_assert_eq(sa[i].kind, i % 2 ? NS_STEP_RUN : NS_STEP_BLOCK);
        if (i % 2)
            cr_assert_float_eq(sa[i].work_ns, 50e3, EPS);
    }
    ns_workload_free(a);
    ns_workload_free(b);
    ns_workload_free(c);
    ns_workload_free(d);
    ns_workload_spec_free(s);
}

Test(workload, idle_gaps_and_metric)
{
    enum { N = 20000 };
    struct ns_workload_spec *s = parse_ok("idle", NULL);
    struct ns_workload *w = ns_workload_create(s, 1, 5, 1);
    struct ns_metric m;
    struct ns_step st;
    ns_time_t now = 0, gaps = 0;

    ns_workload_start_measure(w, 0);
    for (size_t i = 0; i < N; i++) {
        next(w, 0, now, &st);
        if (st.kind == NS_STEP_BLOCK)
            gaps += st.block_ns;
        now += st.kind == NS_STEP_BLOCK ? st.block_ns : (ns_time_t)st.work_ns;
    }
    /* 10000 exponential gaps of mean 10 ms: the sample mean is within 3 %
     * (its standard error is 1 %) */
    cr_assert(fabs((double)gaps / (N / 2) - 10e6) < 0.03 * 10e6);
    /* N/2 - 1 bursts finished: the last step handed out is the last burst */
    ns_workload_metric(w, now, &m);
    cr_assert_str_eq(m.unit, "bursts/s");
    cr_assert_float_eq(m.value, (N / 2 - 1) / ((double)now / 1e9), 1e-9);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

/* ---- phases ------------------------------------------------------------------- */

static struct ns_workload_spec *phases(const char *const *items, size_t n)
{
    struct kv kv = {.key = "phases", .list = items, .n = n};
    struct fake f = {&kv, 1};
    struct ns_params p = PARAMS(f);

    return parse_ok("phases", &p);
}

static void phases_fail(const char *const *items, size_t n, const char *want1, const char *want2)
{
    struct kv kv = {.key = "phases", .list = items, .n = n};
    struct fake f = {&kv, 1};
    struct ns_params p = PARAMS(f);

    parse_fails("phases", &p, want1, want2);
}

Test(workload, phases_sequence_and_metric)
{
    static const char *const items[] = {"run 2ms", " block 8ms ", "run 0.5 us", "block 1s"};
    struct ns_workload_spec *s = phases(items, 4);
    struct ns_workload *w = ns_workload_create(s, 1, 1, 1);
    struct ns_metric m;
    struct ns_step st;

    ns_workload_start_measure(w, 0);
    next(w, 0, 0, &st);
    expect(&st, NS_STEP_RUN, 2e6, -1);
    next(w, 0, 2 * NS_MS, &st);
    cr_assert_eq(st.kind, NS_STEP_BLOCK);
    cr_assert_eq(st.block_ns, 8 * NS_MS);
    next(w, 0, 10 * NS_MS, &st);
    expect(&st, NS_STEP_RUN, 500.0, -1);
    next(w, 0, 10 * NS_MS + 500, &st);
    cr_assert_eq(st.block_ns, NS_S);
    next(w, 0, NS_S + 10 * NS_MS + 500, &st);
    expect(&st, NS_STEP_RUN, 2e6, -1);          /* and around again */
    /* 2 run phases done in 2 s */
    ns_workload_metric(w, 2 * NS_S, &m);
    cr_assert_str_eq(m.unit, "phases/s");
    cr_assert_float_eq(m.value, 1.0, EPS);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

Test(workload, phases_yield)
{
    /* "yield" is a step of its own, without a duration; only run phases count. */
    static const char *const items[] = {"run 100us", " yield "};
    struct ns_workload_spec *s = phases(items, 2);
    struct ns_workload *w = ns_workload_create(s, 1, 1, 1);
    struct ns_metric m;
    struct ns_step st;

    ns_workload_start_measure(w, 0);
    next(w, 0, 0, &st);
    expect(&st, NS_STEP_RUN, 100e3, -1);
    next(w, 0, 100 * NS_US, &st);
    cr_assert_eq(st.kind, NS_STEP_YIELD);
    cr_assert_eq(st.signal_vcpu, -1);
    next(w, 0, NS_S, &st);
    expect(&st, NS_STEP_RUN, 100e3, -1);
    /* 1 run phase done in 1 s */
    ns_workload_metric(w, NS_S, &m);
    cr_assert_float_eq(m.value, 1.0, EPS);
    ns_workload_free(w);
    ns_workload_spec_free(s);
}

Test(workload, phases_random_durations)
{
    static const char *const items[] = {"run ~2ms", "block ~ 8ms"};
    struct ns_workload_spec *s = phases(items, 2);
    struct ns_workload *a = ns_workload_create(s, 1, 9, 1);
    struct ns_workload *b = ns_workload_create(s, 1, 9, 1);
    struct ns_step sa[40], sb[40];
    double run = 0;

    record(a, 0, sa, 40);
    record(b, 0, sb, 40);
    cr_assert(same_steps(sa, sb, 40));
    for (size_t i = 0; i < 40; i += 2)
        run += sa[i].work_ns;
    /* exponential, not the fixed mean every time */
    cr_assert(sa[0].work_ns != 2e6 || sa[2].work_ns != 2e6);
    cr_assert(run > 0);
    ns_workload_free(a);
    ns_workload_free(b);
    ns_workload_spec_free(s);
}

Test(workload, phases_errors)
{
    static const char *const walk[] = {"run 2ms", "walk 3ms"};
    static const char *const no_unit[] = {"run 2"};
    static const char *const negative[] = {"block -1ms"};
    static const char *const zero[] = {"run 0ms"};
    static const char *const glued[] = {"run2ms"};
    static const char *const bad_unit[] = {"block 3 hours"};
    static const char *const hex[] = {"run 0x10ms"};
    static const char *const yield_for[] = {"yield 1ms"};
    struct fake none = {0};
    struct ns_params p = PARAMS(none);

    phases_fail(walk, 2, "phases", "item 2 \"walk 3ms\"");
    phases_fail(no_unit, 1, "phases", "item 1 \"run 2\"");
    phases_fail(negative, 1, "phases", "\"block -1ms\"");
    phases_fail(zero, 1, "phases", "\"run 0ms\"");
    phases_fail(glued, 1, "phases", "\"run2ms\"");
    phases_fail(bad_unit, 1, "phases", "\"block 3 hours\"");
    phases_fail(hex, 1, "phases", "\"run 0x10ms\"");
    phases_fail(yield_for, 1, "phases", "\"yield 1ms\"");
    phases_fail(walk, 0, "phases", "needs a list");
    parse_fails("phases", &p, "vm1.cfg:7: phases", "needs a list");
}
