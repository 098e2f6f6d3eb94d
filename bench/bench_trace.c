/*
 * Tracing speed on the main example (examples/specjbb-2node.cfg, 10 s):
 *
 *  - writer: the scheduling facts of one run are recorded in memory, then
 *    replayed into the xentrace writer alone, so the figure is MB of trace
 *    per second of writing (formatting, windows, the file), not simulation;
 *  - analyze: the same trace read back by `numasched analyze`'s code;
 *  - run: wall time of the whole run without a trace, with --trace and with
 *    --trace and --perfetto, best of several, and the slowdown.
 *
 * Files go to build/bench/. Figures are printed, never asserted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/perfetto.h"
#include "numasched/report.h"
#include "numasched/xentrace.h"

#define MAIN_EXAMPLE "examples/specjbb-2node.cfg"
#define OUT_DIR      "build/bench"
#define REPEAT       7

int bench_trace(const char *filter);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- a sink that records every call, to replay it later ------------------------- */

enum { C_START, C_RUNSTATE, C_SWITCH, C_CONT, C_WAKE, C_BLOCK, C_SLEEP, C_CLASS, C_VSTART };

struct call {
    uint8_t kind;
    unsigned cpu, n, a, b, c;
    ns_time_t t, x, y, z;
    struct ns_trace_vcpu v, w;
    uint32_t event, words[7];
};

struct tape {
    struct call *c;
    size_t n, cap;
};

static struct call *push(struct tape *p, uint8_t kind, ns_time_t t, unsigned cpu)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 65536;
        p->c = ns_xrealloc(p->c, p->cap * sizeof(*p->c));
    }
    struct call *c = &p->c[p->n++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->t = t;
    c->cpu = cpu;
    return c;
}

static void r_start(void *p, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    push(p, C_START, t, cpu)->v = v;
}

static void r_runstate(void *p, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v, unsigned from,
                       unsigned to, unsigned processor)
{
    struct call *c = push(p, C_RUNSTATE, t, cpu);
    c->v = v;
    c->a = from;
    c->b = to;
    c->c = processor;
}

static void r_switch(void *p, ns_time_t t, unsigned cpu, struct ns_trace_vcpu prev, ns_time_t ran,
                     struct ns_trace_vcpu next, ns_time_t waited, ns_time_t slice)
{
    struct call *c = push(p, C_SWITCH, t, cpu);
    c->v = prev;
    c->w = next;
    c->x = ran;
    c->y = waited;
    c->z = slice;
}

static void r_cont(void *p, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v, ns_time_t ran,
                   ns_time_t slice)
{
    struct call *c = push(p, C_CONT, t, cpu);
    c->v = v;
    c->x = ran;
    c->z = slice;
}

static void r_wake(void *p, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    push(p, C_WAKE, t, cpu)->v = v;
}

static void r_block(void *p, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    push(p, C_BLOCK, t, cpu)->v = v;
}

static void r_sleep(void *p, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    push(p, C_SLEEP, t, cpu)->v = v;
}

static void r_class(void *p, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                    const uint32_t *words)
{
    struct call *c = push(p, C_CLASS, t, cpu);
    c->event = event;
    c->n = n > 7 ? 7 : n;
    memcpy(c->words, words, c->n * sizeof(*words));
}

static void r_vstart(void *p, ns_time_t t, struct ns_trace_vcpu v, unsigned runstate,
                     unsigned processor, unsigned last_cpu, ns_time_t woke_at)
{
    struct call *c = push(p, C_VSTART, t, 0);
    c->v = v;
    c->a = runstate;
    c->b = processor;
    c->c = last_cpu;
    c->x = woke_at;
}

static const struct ns_trace_sink_ops tape_ops = {
    .start = r_start, .runstate = r_runstate, .switch_ = r_switch, .cont = r_cont,
    .wake = r_wake, .block = r_block, .sleep = r_sleep, .sched_class = r_class,
    .vcpu_start = r_vstart,
};

static void replay(const struct tape *p, const struct ns_trace_sink *s)
{
    const struct ns_trace_sink_ops *o = s->ops;

    for (size_t i = 0; i < p->n; i++) {
        const struct call *c = &p->c[i];
        switch (c->kind) {
        case C_START: o->start(s->ctx, c->t, c->cpu, c->v); break;
        case C_RUNSTATE: o->runstate(s->ctx, c->t, c->cpu, c->v, c->a, c->b, c->c); break;
        case C_SWITCH: o->switch_(s->ctx, c->t, c->cpu, c->v, c->x, c->w, c->y, c->z); break;
        case C_CONT: o->cont(s->ctx, c->t, c->cpu, c->v, c->x, c->z); break;
        case C_WAKE: o->wake(s->ctx, c->t, c->cpu, c->v); break;
        case C_BLOCK: o->block(s->ctx, c->t, c->cpu, c->v); break;
        case C_SLEEP: o->sleep(s->ctx, c->t, c->cpu, c->v); break;
        case C_CLASS: o->sched_class(s->ctx, c->t, c->cpu, c->event, c->n, c->words); break;
        case C_VSTART: o->vcpu_start(s->ctx, c->t, c->v, c->a, c->b, c->c, c->x); break;
        }
    }
}

/* ---- the measurements ------------------------------------------------------------- */

enum { NO_TRACE, XENTRACE, BOTH };

/* One run of the main example; @tape records the facts if given. */
static int run_once(int mode, struct tape *tape, double *wall, struct ns_err *err)
{
    struct ns_sim_spec spec = {0};
    struct ns_overrides ov = {0};
    struct ns_xentrace *xt = NULL;
    struct ns_perfetto *pf = NULL;
    struct ns_trace_sink rec = {&tape_ops, tape};
    int rc = -1;

    if (ns_config_create(MAIN_EXAMPLE, &ov, &spec, NULL, err) < 0)
        goto out;
    double t0 = now_s();
    struct ns_engine *e = ns_engine_create(&spec, err);
    if (!e)
        goto out;
    if (mode >= XENTRACE) {
        xt = ns_xentrace_open(OUT_DIR "/main.bin", NS_TRACE_DEFAULT_HZ, spec.topo->nr_pcpus, err);
        if (!xt)
            goto free_engine;
        ns_engine_add_sink(e, ns_xentrace_sink(xt));
    }
    if (mode == BOTH) {
        struct ns_perfetto_domain *d = ns_xcalloc(spec.nr_dom, sizeof(*d));
        for (size_t i = 0; i < spec.nr_dom; i++)
            d[i] = (struct ns_perfetto_domain){ns_spec_domid(&spec, i),
                                               spec.dom[i].name, spec.dom[i].memory_kb_per_node};
        pf = ns_perfetto_open(OUT_DIR "/main.json", spec.topo, d, spec.nr_dom, err);
        free(d);
        if (!pf)
            goto free_engine;
        ns_engine_add_sink(e, ns_perfetto_sink(pf));
    }
    if (tape)
        ns_engine_add_sink(e, &rec);
    if (ns_engine_run(e, err) == 0) {
        ns_time_t end = ns_sim_spec_end(&spec);
        bool bad = pf && ns_perfetto_finish(pf, end, err) < 0;
        pf = NULL;
        if (xt && !bad) {
            bad = ns_xentrace_finish(xt, end, NULL, err) < 0;
            xt = NULL;                      /* finished or not, it is freed */
        }
        if (!bad) {
            *wall = now_s() - t0;
            rc = 0;
        }
    }
free_engine:
    ns_xentrace_abort(xt);
    ns_perfetto_abort(pf);
    ns_engine_free(e);
out:
    ns_sim_spec_free(&spec);
    return rc;
}

static int best_run(int mode, double *best, struct ns_err *err)
{
    *best = 1e30;
    for (int i = 0; i < REPEAT; i++) {
        double w;
        if (run_once(mode, NULL, &w, err) < 0)
            return -1;
        if (w < *best)
            *best = w;
    }
    return 0;
}

/* Replay the tape into the writer: best MB/s of several. */
static int writer_speed(const struct tape *tape, double *mbs, uint64_t *bytes, uint64_t *records,
                        struct ns_err *err)
{
    *mbs = 0;
    for (int i = 0; i < REPEAT; i++) {
        struct ns_xentrace_stats st;
        double t0 = now_s();
        struct ns_xentrace *xt = ns_xentrace_open(OUT_DIR "/replay.bin", NS_TRACE_DEFAULT_HZ, 16,
                                                  err);
        if (!xt)
            return -1;
        replay(tape, ns_xentrace_sink(xt));
        if (ns_xentrace_finish(xt, 10 * NS_S, &st, err) < 0)
            return -1;
        double s = now_s() - t0, v = (double)st.bytes / s / 1e6;
        if (v > *mbs)
            *mbs = v;
        *bytes = st.bytes;
        *records = st.records;
    }
    return 0;
}

static int analyze_speed(const char *path, double *mbs, struct ns_err *err)
{
    *mbs = 0;
    for (int i = 0; i < REPEAT; i++) {
        struct ns_trace_analysis a;
        double t0 = now_s();
        if (ns_analyze_trace(path, NULL, &a, err) < 0)
            return -1;
        double v = (double)a.bytes / (now_s() - t0) / 1e6;
        if (v > *mbs)
            *mbs = v;
        ns_analysis_free(&a);
    }
    return 0;
}

int bench_trace(const char *filter)
{
    static const char name[] = "trace: main example (specjbb-2node.cfg)";
    struct tape tape = {0};
    struct ns_err err;
    double wall, plain, traced, both, wmbs, ambs;
    uint64_t bytes = 0, records = 0;

    if (filter && !strstr(name, filter))
        return 0;
    mkdir("build", 0777);
    mkdir(OUT_DIR, 0777);
    if (run_once(NO_TRACE, &tape, &wall, &err) < 0 ||
        writer_speed(&tape, &wmbs, &bytes, &records, &err) < 0 ||
        analyze_speed(OUT_DIR "/replay.bin", &ambs, &err) < 0 ||
        best_run(NO_TRACE, &plain, &err) < 0 || best_run(XENTRACE, &traced, &err) < 0 ||
        best_run(BOTH, &both, &err) < 0) {
        fprintf(stderr, "bench %s: %s\n", name, err.msg);
        free(tape.c);
        return -1;
    }
    printf("%s: %.1f MB, %llu records\n", name, (double)bytes / 1e6, (unsigned long long)records);
    printf("  xentrace writer    %7.0f MB/s of trace (%.1f M records/s)\n", wmbs,
           wmbs * 1e6 / ((double)bytes / (double)records) / 1e6);
    printf("  analyze            %7.0f MB/s of trace\n", ambs);
    printf("  run, no trace      %7.1f ms\n", plain * 1e3);
    printf("  run --trace        %7.1f ms  (x%.2f)\n", traced * 1e3, traced / plain);
    printf("  run --trace --perfetto %3.1f ms  (x%.2f)\n", both * 1e3, both / plain);
    free(tape.c);
    return 0;
}
