/*
 * trace: the xentrace writer and reader, the analysis, the Perfetto writer.
 *
 *  - Round trip: scenarios under rr and credit on 1, 2 and 4 nodes with
 *    blocking workloads run with both trace sinks; the analysis of the
 *    xentrace file equals the run's results for every vCPU and runstate, to
 *    the nanosecond, and so do wake-ups, latency percentiles, migrations by
 *    kind and pCPU busy time. The Perfetto file's slices add up to the same
 *    running time.
 *  - The trace obeys what xenalyze needs (facts/xentrace.md sections 4 and 7),
 *    checked record by record, and credit's own records come through as the
 *    scheduler emitted them.
 *  - Same seed, same bytes.
 *  - The reader refuses damaged files with the byte offset, and skips records
 *    it does not know.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/config.h"
#include "numasched/engine.h"
#include "numasched/perfetto.h"
#include "numasched/report.h"
#include "numasched/xentrace.h"

/*
 * Criterion reports every assertion to its runner, passing ones too; the
 * loops below check millions of facts, so they only call into Criterion
 * when a check fails.
 */
#define EXPECT(cond, ...)                  \
    do {                                   \
        if (!(cond))                       \
            cr_assert(cond, __VA_ARGS__);  \
    } while (0)
#define EXPECT_EQ(a, b, ...) EXPECT((a) == (b), __VA_ARGS__)
/* Equal within @tol: times read back from a TSC are exact "to the tick". */
#define EXPECT_NEAR(a, b, tol, ...) \
    EXPECT((a) + (tol) >= (b) && (b) + (tol) >= (a), __VA_ARGS__)

/* ---- scenarios -------------------------------------------------------------------------- */

struct scenario {
    const char *name;
    const char *text;                 /* the scenario file */
    const char *files[12];            /* domain files: name, text, name, text, ... NULL */
};

#define LAT "name = \"lat\"\nvcpus = 2\nmemory = 512\nworkload = \"lmbench-proc\"\n"
#define LAT_PINNED LAT "cpus = [ \"node:0\", \"node:1\" ]\n"
#define BUSY(n) "name = \"busy\"\nvcpus = " #n "\nmemory = 512\nworkload = \"cpu\"\n"
#define JBB(name, n) "name = \"" name "\"\nvcpus = " #n "\nmemory = 960\nworkload = \"specjbb\"\n"
#define MEMVM "name = \"mem\"\nvcpus = 4\nmemory = 512\nworkload = \"sysbench-memory\"\n"
#define IDLE0(n) "vcpus = " #n "\nmemory = 1024\nworkload = \"idle\"\nburst_us = 50\ngap_us = 2000\n"
#define PHASES "name = \"ph\"\nvcpus = 2\nmemory = 256\nworkload = \"phases\"\n" \
               "phases = [ \"run 300us\", \"block ~700us\" ]\n"

static const struct scenario scenarios[] = {
    {"1 node, rr: lmbench-proc next to busy vCPUs",
     "host = \"pack:1 [numa(memory=4GiB)] core:2 pu:2\"\nsched = \"rr\"\n"
     "duration = \"400ms\"\nwarmup = \"50ms\"\nseed = 3\ndomains = [ \"lat.cfg\", \"busy.cfg\" ]\n",
     {"lat.cfg", LAT, "busy.cfg", BUSY(3), NULL}},
    {"2 nodes, credit: dom0, lmbench-proc across sockets, specjbb",
     "host = \"pack:2 [numa(memory=4GiB)] core:2 pu:2\"\nsched = \"credit\"\n"
     "duration = \"400ms\"\nwarmup = \"100ms\"\nseed = 1\ndom0 = \"dom0.cfg\"\n"
     "domains = [ \"lat.cfg\", \"jbb.cfg\" ]\n",
     {"dom0.cfg", IDLE0(8), "lat.cfg", LAT_PINNED, "jbb.cfg", JBB("jbb", 4), NULL}},
    {"4 nodes, credit: overcommitted, memory-bound and blocking",
     "host = \"pack:4 [numa(memory=2GiB)] core:2 pu:1\"\nsched = \"credit\"\n"
     "duration = \"300ms\"\nseed = 7\ndom0 = \"dom0.cfg\"\n"
     "domains = [ \"mem.cfg\", \"lat.cfg\", \"busy.cfg\", \"ph.cfg\" ]\n",
     {"dom0.cfg", IDLE0(4), "mem.cfg", MEMVM, "lat.cfg", LAT, "busy.cfg", BUSY(4), "ph.cfg",
      PHASES, NULL}},
    {"4 nodes, rr: the same",
     "host = \"pack:4 [numa(memory=2GiB)] core:2 pu:1\"\nsched = \"rr\"\n"
     "duration = \"300ms\"\nwarmup = \"20ms\"\nseed = 7\ndom0 = \"dom0.cfg\"\n"
     "domains = [ \"mem.cfg\", \"lat.cfg\", \"busy.cfg\", \"ph.cfg\" ]\n",
     {"dom0.cfg", IDLE0(4), "mem.cfg", MEMVM, "lat.cfg", LAT, "busy.cfg", BUSY(4), "ph.cfg",
      PHASES, NULL}},
    {"2 nodes, credit: three specjbb VMs and two lmbench-proc VMs on 8 pCPUs",
     "host = \"pack:2 [numa(memory=4GiB)] core:2 pu:2\"\nsched = \"credit\"\n"
     "duration = \"300ms\"\nwarmup = \"27ms\"\nseed = 11\n"
     "domains = [ \"j1.cfg\", \"j2.cfg\", \"j3.cfg\", \"lat.cfg\", \"lat2.cfg\" ]\n",
     {"j1.cfg", JBB("j1", 4), "j2.cfg", JBB("j2", 4), "j3.cfg", JBB("j3", 4), "lat.cfg", LAT,
      "lat2.cfg", "name = \"lat2\"\nvcpus = 2\nmemory = 512\nworkload = \"lmbench-proc\"\n", NULL}},
};

#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* A run with the xentrace and Perfetto sinks (and @extra) attached. */
struct traced {
    char *dir, *trace, *perfetto;
    struct ns_sim_spec spec;
    struct ns_engine *e;
    const struct ns_results *r;
    struct ns_xentrace_stats st;
};

static void traced_run(struct traced *t, const struct scenario *s, uint64_t hz,
                       const struct ns_trace_sink *extra)
{
    struct ns_err err;
    struct ns_overrides ov = {0};

    memset(t, 0, sizeof(*t));
    t->dir = tmpdir();
    write_file(t->dir, "s.cfg", s->text);
    for (size_t i = 0; s->files[i]; i += 2)
        write_file(t->dir, s->files[i], s->files[i + 1]);
    char *path = ns_path_join(t->dir, "s.cfg");
    cr_assert_eq(ns_config_create(path, &ov, &t->spec, NULL, &err), 0, "%s: %s", s->name, err.msg);
    free(path);
    t->spec.check = true;
    t->spec.trace_hz = (double)hz;
    t->trace = ns_path_join(t->dir, "trace.bin");
    t->perfetto = ns_path_join(t->dir, "trace.json");
    t->e = ns_engine_create(&t->spec, &err);
    cr_assert_not_null(t->e, "%s: %s", s->name, err.msg);

    struct ns_xentrace *xt = ns_xentrace_open(t->trace, hz, t->spec.topo->nr_pcpus, &err);
    cr_assert_not_null(xt, "%s", err.msg);
    struct ns_perfetto_domain doms[16];
    cr_assert_leq(t->spec.nr_dom, 16);
    for (size_t i = 0; i < t->spec.nr_dom; i++)
        doms[i] = (struct ns_perfetto_domain){ns_spec_domid(&t->spec, i),
                                              t->spec.dom[i].name,
                                              t->spec.dom[i].memory_kb_per_node};
    struct ns_perfetto *pf = ns_perfetto_open(t->perfetto, t->spec.topo, doms, t->spec.nr_dom, &err);
    cr_assert_not_null(pf, "%s", err.msg);
    ns_engine_add_sink(t->e, ns_xentrace_sink(xt));
    ns_engine_add_sink(t->e, ns_perfetto_sink(pf));
    if (extra)
        ns_engine_add_sink(t->e, extra);
    cr_assert_eq(ns_engine_run(t->e, &err), 0, "%s: %s", s->name, err.msg);
    ns_time_t end = ns_sim_spec_end(&t->spec);
    cr_assert_eq(ns_xentrace_finish(xt, end, &t->st, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_perfetto_finish(pf, end, &err), 0, "%s", err.msg);
    t->r = ns_engine_results(t->e);
}

static void traced_free(struct traced *t)
{
    ns_engine_free(t->e);
    ns_sim_spec_free(&t->spec);
    rm_rf(t->dir);
    free(t->dir);
    free(t->trace);
    free(t->perfetto);
}

/* ---- the round trip ---------------------------------------------------------------------- */

static const struct ns_an_vcpu *find_vcpu(const struct ns_trace_analysis *a, unsigned dom,
                                          unsigned vcpu)
{
    for (size_t i = 0; i < a->nr_vcpus; i++)
        if (a->vcpu[i].dom == dom && a->vcpu[i].vcpu == vcpu)
            return &a->vcpu[i];
    return NULL;
}

/*
 * Everything the analysis can know equals the results: exactly when the
 * writer kept every time inside its nanosecond (@tol = 0); otherwise times
 * within @tol ns, the ticks the writer had to nudge records by (latency
 * percentiles are then not compared, one nudge can move them).
 */
static void assert_matches(const char *name, const struct ns_results *r,
                           const struct ns_trace_analysis *a, ns_time_t tol)
{
    size_t vcpus = 0;

    EXPECT_EQ(a->duration_ns, r->duration_ns, "%s: traced %llu ns", name,
              (unsigned long long)a->duration_ns);
    EXPECT_EQ(a->mismatches, 0, "%s", name);
    for (size_t d = 0; d < r->nr_domains; d++) {
        const struct ns_domain_result *dr = &r->dom[d];
        for (unsigned i = 0; i < dr->nr_vcpus; i++, vcpus++) {
            const struct ns_vcpu_result *v = &dr->vcpu[i];
            const struct ns_an_vcpu *x = find_vcpu(a, dr->id, v->id);
            EXPECT((x) != NULL, "%s: d%uv%u not in the trace", name, dr->id, v->id);
            for (int k = 0; k < NS_RUNSTATES; k++)
                EXPECT_NEAR(x->runstate_ns[k], v->runstate_ns[k], tol, "%s: d%uv%u %s: %llu vs %llu",
                          name, dr->id, v->id, ns_runstate_name((enum ns_runstate)k),
                          (unsigned long long)x->runstate_ns[k],
                          (unsigned long long)v->runstate_ns[k]);
            EXPECT_EQ(x->wakeups, v->wakeups, "%s: d%uv%u wake-ups", name, dr->id, v->id);
            if (!tol) {
                EXPECT_EQ(x->wake_latency_p50_ns, v->wake_latency_p50_ns, "%s: d%uv%u p50", name,
                          dr->id, v->id);
                EXPECT_EQ(x->wake_latency_p99_ns, v->wake_latency_p99_ns, "%s: d%uv%u p99", name,
                          dr->id, v->id);
                EXPECT_EQ(x->wake_latency_max_ns, v->wake_latency_max_ns, "%s: d%uv%u max", name,
                          dr->id, v->id);
            }
            uint64_t moves = 0;
            for (int k = NS_MOVE_CORE; k < NS_MOVE_KINDS; k++) {
                EXPECT_EQ(x->migrations[k], v->migrations[k], "%s: d%uv%u moves of kind %d",
                          name, dr->id, v->id, k);
                moves += v->migrations[k];
            }
            EXPECT_EQ(x->pcpu_changes, moves, "%s: d%uv%u", name, dr->id, v->id);
        }
    }
    EXPECT_EQ(a->nr_vcpus, vcpus, "%s: %zu vCPUs in the trace, %zu in the run", name,
              a->nr_vcpus, vcpus);
    EXPECT_EQ(a->nr_pcpus, r->topo->nr_pcpus, "%s", name);
    for (size_t p = 0; p < a->nr_pcpus; p++)
        EXPECT_NEAR(a->pcpu[p].busy_ns, r->pcpu[a->pcpu[p].id].busy_ns, tol, "%s: pCPU %u busy", name,
                  a->pcpu[p].id);
}

static void round_trip(const struct scenario *s, uint64_t hz)
{
    struct traced t;
    struct ns_trace_analysis a;
    struct ns_err err;

    traced_run(&t, s, hz, NULL);
    struct ns_analyze_opts o = {0, t.spec.topo};
    cr_assert_eq(ns_analyze_trace(t.trace, &o, &a, &err), 0, "%s: %s", s->name, err.msg);
    cr_assert_eq(a.hz, hz, "%s: the trace's own rate is used", s->name);
    cr_assert_str_eq(a.hz_source, "trace");
    /* From 2 GHz a nudge stays inside its nanosecond; below, each one may
     * move a time by a tick (1 ns at 1 GHz). */
    ns_time_t tick = (ns_time_t)((NS_S + hz - 1) / hz);
    if (hz >= 2 * NS_S)
        cr_assert_eq(t.st.spilled, 0, "%s: %llu nudges left their nanosecond", s->name,
                     (unsigned long long)t.st.spilled);
    assert_matches(s->name, t.r, &a, t.st.spilled * tick);
    cr_assert_eq(a.unknown_records + a.other_records, 0);
    cr_assert_gt(a.runstate_records, 100, "%s: a busy trace", s->name);
    ns_analysis_free(&a);
    traced_free(&t);
}

Test(trace, analysis_equals_results_on_every_scenario)
{
    for (size_t i = 0; i < NR_SCENARIOS; i++)
        round_trip(&scenarios[i], NS_TRACE_DEFAULT_HZ);
}

Test(trace, analysis_equals_results_at_other_rates)
{
    round_trip(&scenarios[1], 1000000000ULL);
    round_trip(&scenarios[1], 3100000000ULL);
    round_trip(&scenarios[4], 2000000000ULL);
}

/* ---- what xenalyze needs ------------------------------------------------------------------- */

struct xcpu {
    bool seen_sched;
    bool has_curr;
    uint32_t curr;
};

struct xv {
    bool seen;
    unsigned state, last_cpu;
    uint64_t last_tsc;
    bool running;
    unsigned running_on;
};

static bool legal(unsigned from, unsigned to)
{
    static const bool ok[4][4] = {
        /* to: running runnable blocked offline */
        {false, true, true, true},      /* from running */
        {true, false, false, true},     /* from runnable */
        {false, true, false, true},     /* from blocked */
        {false, true, false, false},    /* from offline */
    };
    return from < 4 && to < 4 && ok[from][to];
}

/*
 * Check a trace record by record against xenalyze's rules: one class bit per
 * event, non-zero TSCs, each pCPU's first scheduling record a
 * CONTINUE_RUNNING, a vCPU enters running only on a pCPU its previous
 * occupant has left and leaves it only where it runs, transitions are Xen's,
 * records of one vCPU on two pCPUs have strictly increasing TSCs, idle vCPUs
 * are domain 32767 with the pCPU's number, and nothing uses domain 32768.
 */
static void assert_xenalyze_rules(const char *path)
{
    struct ns_err err;
    struct ns_xt_reader *r = ns_xt_open(path, &err);
    EXPECT((r) != NULL, "%s", err.msg);
    const struct ns_xt_info *info = ns_xt_info(r);
    struct xcpu *cpu = ns_xcalloc(info->nr_cpus, sizeof(*cpu));
    struct ns_trace_vtab *vt = ns_trace_vtab_new();
    struct xv *v = ns_xcalloc(4096, sizeof(*v));
    struct ns_xt_record rec;
    int got;

    while ((got = ns_xt_next(r, &rec, &err)) > 0) {
        unsigned main_ = (rec.event >> 16) & 0xfff;
        EXPECT_EQ(__builtin_popcount(main_ & 0xff), 1, "byte %llu: event 0x%08x",
                  (unsigned long long)rec.offset, rec.event);
        EXPECT(rec.has_tsc && rec.tsc >= NS_TRACE_TSC_BASE, "byte %llu: TSC", (unsigned long long)rec.offset);
        EXPECT((rec.cpu) < (256), "out of range");
        if ((rec.event & 0x0ffff000u) != NS_TRC_SCHED_MIN)
            continue;
        unsigned dom = rec.d[0] >> 16, id = rec.d[0] & 0xffff;
        struct xcpu *c = &cpu[rec.cpu_index];
        EXPECT((dom) != (32768), "unexpected");
        EXPECT((id) < (256), "out of range");
        if (dom == NS_TRACE_IDLE_DOM)
            EXPECT_EQ(id, rec.cpu, "idle vCPU %u on pCPU %u", id, rec.cpu);
        size_t slot = ns_trace_vtab_get(vt, dom, id, NULL);
        EXPECT((slot) < (4096), "out of range");
        struct xv *x = &v[slot];
        if (x->seen && x->last_cpu != rec.cpu)
            EXPECT((rec.tsc) > (x->last_tsc), "byte %llu: d%uv%u on two pCPUs at one TSC",
                   (unsigned long long)rec.offset, dom, id);
        if (rec.event == NS_TRC_CONTINUE_RUNNING) {
            if (!c->seen_sched) {
                c->has_curr = true;
                c->curr = rec.d[0];
                x->running = true;
                x->running_on = rec.cpu;
                x->state = NS_RUNSTATE_RUNNING;
            }
            EXPECT(c->has_curr && c->curr == rec.d[0], "byte %llu: continue of a vCPU not "
                   "running there", (unsigned long long)rec.offset);
            EXPECT(x->running && x->running_on == rec.cpu, "byte %llu: continue elsewhere",
                   (unsigned long long)rec.offset);
        } else {
            EXPECT(c->seen_sched, "byte %llu: pCPU %u starts without CONTINUE_RUNNING",
                   (unsigned long long)rec.offset, rec.cpu);
            EXPECT_EQ(rec.event & 0xf, 1, "byte %llu: SCHED_MIN type", (unsigned long long)rec.offset);
            unsigned from = (rec.event >> 8) & 0xf, to = (rec.event >> 4) & 0xf;
            EXPECT(legal(from, to), "byte %llu: %u -> %u", (unsigned long long)rec.offset,
                   from, to);
            if (x->seen)
                EXPECT_EQ(from, x->state, "byte %llu: d%uv%u leaves %u, was in %u",
                          (unsigned long long)rec.offset, dom, id, from, x->state);
            if (from == NS_RUNSTATE_RUNNING) {
                EXPECT(c->has_curr && c->curr == rec.d[0] && x->running_on == rec.cpu,
                       "byte %llu: leaves running where it does not run",
                       (unsigned long long)rec.offset);
                c->has_curr = false;
                x->running = false;
            }
            if (to == NS_RUNSTATE_RUNNING) {
                EXPECT(!c->has_curr, "byte %llu: p->current not NULL",
                       (unsigned long long)rec.offset);
                c->has_curr = true;
                c->curr = rec.d[0];
                x->running = true;
                x->running_on = rec.cpu;
            }
            x->state = to;
        }
        c->seen_sched = true;
        x->seen = true;
        x->last_cpu = rec.cpu;
        x->last_tsc = rec.tsc;
    }
    EXPECT_EQ(got, 0, "%s", err.msg);
    ns_trace_vtab_free(vt);
    free(v);
    free(cpu);
    ns_xt_close(r);
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * xenalyze starts reading a pCPU when it meets that pCPU's first window, so
 * every pCPU must have a window before any pCPU has its second (the first
 * "round" of xentrace's copying): otherwise xenalyze merges later records of
 * the busy pCPUs before early ones of a quiet pCPU. Returns the number of
 * windows, so callers can see that the trace had more than one round.
 */
static size_t assert_first_round_has_every_pcpu(const char *path)
{
    size_t len, windows = 0, first_round = 0;
    uint8_t *b = (uint8_t *)slurp(path, &len);
    cr_assert_not_null(b, "%s", path);
    bool in_round[64] = {false}, seen[64] = {false}, round_over = false;

    for (size_t at = 0; at + 12 <= len; windows++) {
        uint32_t cpu = le32(b + at + 4), size = le32(b + at + 8);
        cr_assert_eq(le32(b + at), 0x2001f003u);
        cr_assert_lt(cpu, 64);
        if (in_round[cpu])
            round_over = true;
        if (!round_over) {
            in_round[cpu] = true;
            first_round++;
        }
        cr_assert(!seen[cpu] || round_over, "pCPU %u twice in the first round", cpu);
        cr_assert(in_round[cpu], "byte %zu: pCPU %u's first window after the first round", at, cpu);
        seen[cpu] = true;
        at += 12 + size;
    }
    size_t cpus = 0;
    for (int i = 0; i < 64; i++)
        cpus += seen[i];
    cr_assert_eq(first_round, cpus);
    free(b);
    return windows;
}

Test(trace, traces_keep_xenalyzes_rules)
{
    size_t most = 0;

    for (size_t i = 0; i < NR_SCENARIOS; i++) {
        struct traced t;
        traced_run(&t, &scenarios[i], NS_TRACE_DEFAULT_HZ, NULL);
        assert_xenalyze_rules(t.trace);
        size_t w = assert_first_round_has_every_pcpu(t.trace);
        most = w > most ? w : most;
        traced_free(&t);
    }
    cr_assert_gt(most, 16, "no scenario fills a window: the rounds are not tested");
}

/* ---- credit's own records ------------------------------------------------------------------ */

struct class_log {
    size_t n, cap;
    uint32_t *w;                /* per record: event, n, words[7] */
};

static void log_class(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                      const uint32_t *words)
{
    struct class_log *l = ctx;
    (void)t;
    (void)cpu;
    if (l->n + 9 > l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4096;
        l->w = ns_xrealloc(l->w, l->cap * sizeof(*l->w));
    }
    uint32_t *p = l->w + l->n;
    memset(p, 0, 9 * sizeof(*p));
    p[0] = event;
    p[1] = n;
    memcpy(p + 2, words, n * sizeof(*words));
    l->n += 9;
}

static const struct ns_trace_sink_ops class_ops = {.sched_class = log_class};

static int cmp_rec(const void *a, const void *b)
{
    return memcmp(a, b, 9 * sizeof(uint32_t));
}

Test(trace, credit_records_pass_through_unchanged)
{
    struct class_log log = {0};
    struct ns_trace_sink sink = {&class_ops, &log};
    struct traced t;
    struct ns_err err;
    struct ns_xt_record rec;
    size_t at = 0, kinds[16] = {0};
    int got;

    traced_run(&t, &scenarios[2], NS_TRACE_DEFAULT_HZ, &sink);
    /* The reader merges pCPUs by TSC, not in emission order: compare the
     * records as multisets, word for word. */
    struct ns_xt_reader *r = ns_xt_open(t.trace, &err);
    cr_assert_not_null(r, "%s", err.msg);
    size_t nlog = log.n / 9, nfile = 0;
    uint32_t *file = ns_xcalloc(log.n ? log.n : 9, sizeof(uint32_t));
    while ((got = ns_xt_next(r, &rec, &err)) > 0) {
        if ((rec.event & 0x0ffff000u) != NS_TRC_SCHED_CLASS)
            continue;
        EXPECT((nfile) < (nlog), "more class records in the file than emitted");
        uint32_t *p = file + 9 * nfile++;
        p[0] = rec.event;
        p[1] = rec.n;
        memcpy(p + 2, rec.d, rec.n * sizeof(uint32_t));
        EXPECT_EQ(rec.event & ~0x1ffu, NS_TRC_SCHED_CLASS, "credit is scheduler id 0");
        kinds[rec.event & 0xf]++;
    }
    cr_assert_eq(got, 0, "%s", err.msg);
    cr_assert_eq(nfile, nlog);
    qsort(file, nfile, 9 * sizeof(uint32_t), cmp_rec);
    qsort(log.w, nlog, 9 * sizeof(uint32_t), cmp_rec);
    for (; at < log.n; at++)
        EXPECT_EQ(file[at], log.w[at], "record %zu word %zu", at / 9, at % 9);
    /* The credit events the issue names are all there. */
    cr_assert_gt(kinds[6], 0, "tickle");
    cr_assert_gt(kinds[5], 0, "pick_cpu");
    cr_assert_gt(kinds[9], 0, "schedule");
    cr_assert_gt(kinds[2] + kinds[3], 0, "accounting");
    cr_assert_gt(kinds[11], 0, "steal check");
    cr_assert_gt(kinds[4], 0, "stolen vCPU");
    cr_assert_gt(kinds[7], 0, "boost start");
    cr_assert_gt(kinds[8], 0, "boost end");
    free(file);
    free(log.w);
    ns_xt_close(r);
    traced_free(&t);
}

/*
 * A guest that yields: one vCPU alone on one pCPU, running 1 ms of nominal
 * work (at rate 1: local memory, an idle sibling, a lone core's clock) and
 * then yielding, so Xen's do_yield traces one YIELD (domain 1, vCPU 0) at
 * 1, 2, ... ms. The 100 ms window from t = 0 holds those at 1 to 99 ms,
 * and the one at 100 ms too if the window's end counts it.
 */
Test(trace, a_yield_is_traced_as_xen_traces_it)
{
    static const struct scenario yielder = {
        "1 pCPU, credit: a vCPU that runs 1 ms and yields",
        "host = \"pack:1 [numa(memory=1GiB)] core:1 pu:1\"\nsched = \"credit\"\n"
        "duration = \"100ms\"\nwarmup = \"0ms\"\nseed = 1\ndomains = [ \"y.cfg\" ]\n",
        {"y.cfg", "name = \"y\"\nvcpus = 1\nmemory = 256\nworkload = \"phases\"\n"
                  "phases = [ \"run 1ms\", \"yield\" ]\n", NULL}};
    struct traced t;
    struct ns_err err;
    struct ns_xt_record rec;
    size_t yields = 0;
    int got;

    traced_run(&t, &yielder, NS_TRACE_DEFAULT_HZ, NULL);
    struct ns_xt_reader *r = ns_xt_open(t.trace, &err);
    cr_assert_not_null(r, "%s", err.msg);
    while ((got = ns_xt_next(r, &rec, &err)) > 0) {
        if (rec.event != NS_TRC_YIELD)
            continue;
        cr_assert_eq(rec.n, 2);
        cr_assert_eq(rec.d[0], 1, "domain");
        cr_assert_eq(rec.d[1], 0, "vCPU");
        yields++;
    }
    cr_assert_eq(got, 0, "%s", err.msg);
    cr_assert(yields == 99 || yields == 100, "%zu yields", yields);
    ns_xt_close(r);
    traced_free(&t);
}

/*
 * SWITCH_INFNEXT's third word is the time since the incoming unit's
 * state_entry_time, which Xen 4.13+ stamps when the unit leaves a pCPU
 * (sched/core.c: unit_context_saved, sched_switch_units), so for a vCPU
 * woken from a 2 ms block it is the 2 ms plus the wake-up path, not the
 * microseconds since the wake. The idle vCPU is runnable while it does not
 * run: switching back to it gives the time the guest ran, 1 ms of work plus
 * the dead time of its wake-up (25 us) and switches.
 */
Test(trace, infnext_counts_from_when_the_unit_left_its_pcpu)
{
    static const struct scenario sleeper = {
        "1 pCPU, credit: a vCPU that runs 1 ms and blocks 2 ms",
        "host = \"pack:1 [numa(memory=1GiB)] core:1 pu:1\"\nsched = \"credit\"\n"
        "duration = \"30ms\"\nwarmup = \"0ms\"\nseed = 1\ndomains = [ \"z.cfg\" ]\n",
        {"z.cfg", "name = \"z\"\nvcpus = 1\nmemory = 256\nworkload = \"phases\"\n"
                  "phases = [ \"run 1ms\", \"block 2ms\" ]\n", NULL}};
    struct traced t;
    struct ns_err err;
    struct ns_xt_record rec;
    size_t to_guest = 0, to_idle = 0;
    int got;

    traced_run(&t, &sleeper, NS_TRACE_DEFAULT_HZ, NULL);
    struct ns_xt_reader *r = ns_xt_open(t.trace, &err);
    cr_assert_not_null(r, "%s", err.msg);
    while ((got = ns_xt_next(r, &rec, &err)) > 0) {
        if (rec.event != NS_TRC_SWITCH_INFNEXT)
            continue;
        cr_assert_eq(rec.n, 4);
        if (rec.d[0] == NS_TRACE_IDLE_DOM) {
            cr_expect(rec.d[2] >= 1000000 && rec.d[2] < 1100000, "to idle: %u ns", rec.d[2]);
            to_idle++;
        } else if (to_guest++ > 0) {   /* the first counts from its creation */
            cr_expect(rec.d[2] >= 2000000 && rec.d[2] < 2050000, "to z: %u ns", rec.d[2]);
        }
    }
    cr_assert_eq(got, 0, "%s", err.msg);
    cr_expect_geq(to_guest, 9);
    cr_expect_geq(to_idle, 9);
    ns_xt_close(r);
    traced_free(&t);
}

/* ---- blocks and migrate requests are not sleeps (src/engine/core.c) ---------------------- */

/* What a sink hears: blocks, sleeps, switches, and credit2's SCHEDULE words. */
struct block_log {
    size_t blocks, sleeps, busy_schedules, busy_tickled, blocks_switched, block_schedules;
    ns_time_t last_block;
    unsigned last_block_cpu;
};

static void bl_block(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    struct block_log *l = ctx;
    (void)v;
    l->blocks++;
    l->last_block = t;
    l->last_block_cpu = cpu;
}

static void bl_sleep(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    (void)t, (void)cpu, (void)v;
    ((struct block_log *)ctx)->sleeps++;
}

static void bl_switch(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu prev,
                      ns_time_t ran, struct ns_trace_vcpu next, ns_time_t waited, ns_time_t slice)
{
    struct block_log *l = ctx;
    (void)prev, (void)ran, (void)waited, (void)slice;
    if (l->blocks && t == l->last_block && cpu == l->last_block_cpu &&
        next.dom == NS_TRACE_IDLE_DOM)
        l->blocks_switched++;
}

/* TRC_CSCHED2_SCHEDULE: word 1 is tasklet | idle << 8 | smt_idle << 16 | tickled << 24. */
static void bl_class(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                     const uint32_t *w)
{
    struct block_log *l = ctx;
    if (event != (NS_TRC_SCHED_CLASS | (1u << 9) | 21u) || n < 2 || ((w[1] >> 8) & 0xff))
        return;
    l->busy_schedules++;
    l->busy_tickled += (w[1] >> 24) & 0xff;
    if (l->blocks && t == l->last_block && cpu == l->last_block_cpu)
        l->block_schedules++;
}

static const struct ns_trace_sink_ops block_ops = {
    .block = bl_block, .sleep = bl_sleep, .switch_ = bl_switch, .sched_class = bl_class};

/*
 * A block is Xen's vcpu_block: the flag, TRC_SCHED_BLOCK and the schedule
 * softirq on the vCPU's own pCPU, never the scheduler's sleep hook
 * (xen/common/schedule.c 4.3-4.13, sched/core.c 4.14+). Credit2 4.22 on one
 * pCPU, one vCPU running 1 ms then blocking 2 ms, 30 ms from t = 0: blocks
 * at about 1, 4, 7, ... ms, 10 of them (the 1 ms of work takes a little
 * more than 1 ms of wall time with the wake-up's dead time, so the tenth
 * ends before 30 ms).
 *  - Each block switches the pCPU to idle at the same instant: the softirq
 *    is raised locally, with no IPI delay.
 *  - Each block is followed at once by a schedule of the busy pCPU, and
 *    Xen's csched2_schedule then finds the pCPU's bit of rqd->tickled
 *    clear: the wake's tickle that sent the vCPU there was cleared by the
 *    schedule that switched it in, and vcpu_block never calls tickle_cpu
 *    (only csched2_unit_sleep does, from 4.9). So SCHEDULE's tickled byte
 *    is 0 for those 10 schedules; through the sleep hook it was 1. The one
 *    other schedule of the busy pCPU, at about 28.2 ms, is the slice timer
 *    (the vCPU's credit, 10 ms less about 1 ms per 3 ms, reaches 0 there:
 *    a reset and the same vCPU again), not tickled either.
 *  - No SLEEP record: nothing paused it.
 */
Test(trace, a_block_reschedules_its_pcpu_without_the_sleep_hook)
{
    static const struct scenario blocker = {
        "1 pCPU, credit2: a vCPU that runs 1 ms and blocks 2 ms",
        "host = \"pack:1 [numa(memory=1GiB)] core:1 pu:1\"\nsched = \"credit2\"\n"
        "duration = \"30ms\"\nwarmup = \"0ms\"\nseed = 1\ndomains = [ \"z.cfg\" ]\n",
        {"z.cfg", "name = \"z\"\nvcpus = 1\nmemory = 256\nworkload = \"phases\"\n"
                  "phases = [ \"run 1ms\", \"block 2ms\" ]\n", NULL}};
    struct block_log log = {0};
    struct ns_trace_sink sink = {&block_ops, &log};
    struct traced t;

    traced_run(&t, &blocker, NS_TRACE_DEFAULT_HZ, &sink);
    cr_expect_eq(log.blocks, 10);
    cr_expect_eq(log.blocks_switched, log.blocks, "%zu of %zu blocks switched at once",
                 log.blocks_switched, log.blocks);
    cr_expect_eq(log.block_schedules, log.blocks);
    cr_expect_eq(log.busy_schedules, log.blocks + 1);
    cr_expect_eq(log.busy_tickled, 0, "%zu schedules after a block saw their pCPU tickled",
                 log.busy_tickled);
    cr_expect_eq(log.sleeps, 0);
    traced_free(&t);
}

/*
 * A scheduler's migrate request on a running vCPU is not a sleep either:
 * credit's tick (csched_vcpu_acct; csched_unit_acct from 4.13) and its
 * kick-away (__runq_tickle) set _VPF_migrating and raise the softirq, and
 * neither calls vcpu_sleep_nosync, so Xen writes no TRC_SCHED_SLEEP record.
 * Credit 4.3 with caps nowhere (no cap parking, the one pause credit makes),
 * a busy host of 2 nodes: the ticks move running vCPUs (tick_migrations in
 * the scheduler's counters, counted from t = 0 like the trace) and no SLEEP
 * is heard.
 */
Test(trace, a_tick_migration_writes_no_sleep_record)
{
    static const struct scenario mover = {
        "2 nodes, credit 4.3: specjbb and lmbench-proc, no caps",
        "host = \"pack:2 [numa(memory=4GiB)] core:2 pu:2\"\nsched = \"credit\"\n"
        "credit_compat = \"4.3\"\nduration = \"300ms\"\nwarmup = \"0ms\"\nseed = 5\n"
        "domains = [ \"j1.cfg\", \"lat.cfg\", \"busy.cfg\" ]\n",
        {"j1.cfg", JBB("j1", 4), "lat.cfg", LAT, "busy.cfg", BUSY(3), NULL}};
    struct block_log log = {0};
    struct ns_trace_sink sink = {&block_ops, &log};
    struct traced t;
    char *buf = NULL;
    size_t len = 0;
    unsigned long long migrations = 0, parks = 0;

    traced_run(&t, &mover, NS_TRACE_DEFAULT_HZ, &sink);
    FILE *out = ns_xmemstream(&buf, &len);
    ns_engine_print_sched_stats(t.e, out);
    fclose(out);
    const char *m = strstr(buf, "tick_migrations="), *p = strstr(buf, " parks=");
    cr_assert(m && p, "%s", buf);
    migrations = strtoull(m + strlen("tick_migrations="), NULL, 10);
    parks = strtoull(p + strlen(" parks="), NULL, 10);
    cr_assert_gt(migrations, 0, "no tick migration to look at: %s", buf);
    cr_assert_eq(parks, 0, "%s", buf);
    cr_expect_eq(log.sleeps, 0, "%zu SLEEP records for %llu tick migrations", log.sleeps,
                 migrations);
    free(buf);
    traced_free(&t);
}

/* ---- credit2's cap parking is not a pause (src/sched/credit2_cap.c) ----------------------- */

/* What a sink hears of guest vCPUs: sleeps, wakes, runstate changes by (from, to). */
struct park_log {
    size_t sleeps, wakes, changes[NS_RUNSTATES][NS_RUNSTATES];
};

static void pl_sleep(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    (void)t, (void)cpu;
    if (v.dom != NS_TRACE_IDLE_DOM && v.dom != 0)
        ((struct park_log *)ctx)->sleeps++;
}

static void pl_wake(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    (void)cpu;
    if (t > 0 && v.dom != NS_TRACE_IDLE_DOM && v.dom != 0)
        ((struct park_log *)ctx)->wakes++;
}

static void pl_runstate(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                        unsigned from, unsigned to, unsigned processor)
{
    (void)cpu, (void)processor;
    if (t > 0 && v.dom != NS_TRACE_IDLE_DOM && v.dom != 0 && from < NS_RUNSTATES &&
        to < NS_RUNSTATES)
        ((struct park_log *)ctx)->changes[from][to]++;
}

static const struct ns_trace_sink_ops park_ops = {
    .sleep = pl_sleep, .wake = pl_wake, .runstate = pl_runstate};

/*
 * Credit2's cap parking only sets and clears _VPF_parked (Xen 4.10
 * sched_credit2.c park_vcpu / unpark_parked_vcpus; 4.13+ park_unit /
 * unpark_parked_units, sched_set_pause_flags / sched_clear_pause_flags): no
 * vcpu_pause_nosync and no vcpu_wake, so no SLEEP or WAKE record and no
 * runstate change of their own. Credit2 4.22 on one pCPU, one vCPU of a
 * domain capped at 50 % that always wants to run, 30 ms from t = 0: a budget
 * of 5 ms per 10 ms period and a quota of max(5 ms / 1, 500 us) = 5 ms.
 * It runs [0, 5) ms, is parked as the current vCPU at 5 ms and switched out
 * (running -> offline, as Xen's schedule() gives a vCPU not runnable and not
 * blocked); the refill at 10 ms unparks it back to the queue and tickles
 * the pCPU, the timer's own, so it runs at once: offline -> running, no
 * runnable in between. Again at 15 and 20, 25 and (perhaps) 30 ms: 3
 * running -> offline, 2 offline -> running (t = 30 ms may end the run
 * first), and none of offline -> runnable, runnable -> offline, SLEEP or
 * WAKE (through a pause: 3 SLEEP, 2 WAKE, 2 offline -> runnable).
 */
Test(trace, credit2_cap_parking_is_not_a_pause)
{
    static const struct scenario capped = {
        "1 pCPU, credit2: a busy vCPU capped at 50 %",
        "host = \"pack:1 [numa(memory=1GiB)] core:1 pu:1\"\nsched = \"credit2\"\n"
        "duration = \"30ms\"\nwarmup = \"0ms\"\nseed = 1\ndomains = [ \"c.cfg\" ]\n",
        {"c.cfg", "name = \"c\"\nvcpus = 1\nmemory = 256\ncap = 50\nworkload = \"cpu\"\n",
         NULL}};
    struct park_log log = {0};
    struct ns_trace_sink sink = {&park_ops, &log};
    struct traced t;

    traced_run(&t, &capped, NS_TRACE_DEFAULT_HZ, &sink);
    cr_expect_eq(log.sleeps, 0);
    cr_expect_eq(log.wakes, 0);
    cr_expect_eq(log.changes[NS_RUNSTATE_RUNNING][NS_RUNSTATE_OFFLINE], 3);
    cr_expect_geq(log.changes[NS_RUNSTATE_OFFLINE][NS_RUNSTATE_RUNNING], 2);
    cr_expect_leq(log.changes[NS_RUNSTATE_OFFLINE][NS_RUNSTATE_RUNNING], 3);
    cr_expect_eq(log.changes[NS_RUNSTATE_OFFLINE][NS_RUNSTATE_RUNNABLE], 0);
    cr_expect_eq(log.changes[NS_RUNSTATE_RUNNABLE][NS_RUNSTATE_OFFLINE], 0);
    traced_free(&t);
}

/* The scheduler counter @name= of the run, from its stats line. */
static unsigned long long sched_stat(const struct traced *t, const char *name)
{
    char *buf = NULL, key[64];
    size_t len = 0;
    FILE *out = ns_xmemstream(&buf, &len);

    ns_engine_print_sched_stats(t->e, out);
    fclose(out);
    snprintf(key, sizeof(key), " %s=", name);
    const char *at = strstr(buf, key);
    cr_assert_not_null(at, "no %s in %s", name, buf);
    unsigned long long n = strtoull(at + strlen(key), NULL, 10);
    free(buf);
    return n;
}

/*
 * Credit's cap parking is a pause (csched_acct: vcpu_pause_nosync), and
 * Xen's vcpu_sleep_nosync writes TRC_SCHED_SLEEP at every call, whether the
 * vCPU runs, waits or is blocked at that instant (xen/common/schedule.c,
 * 4.3 to 4.13). Credit 4.3 on one pCPU, a guest capped at 20 % whose vCPU
 * runs 4 ms and blocks 3 ms: it wants 57 % and so is over its cap at most
 * accounting instants (every 30 ms), and, its 7 ms pattern drifting against
 * them, blocked at some. 600 ms: each park is one SLEEP record, no more, no
 * fewer (when only runnable vCPUs wrote one: 5 for 7 parks).
 */
Test(trace, every_credit_park_writes_a_sleep_record)
{
    static const struct scenario capped = {
        "1 pCPU, credit 4.3: a guest capped at 20 % that runs 4 ms and blocks 3 ms",
        "host = \"pack:1 [numa(memory=1GiB)] core:1 pu:1\"\nsched = \"credit\"\n"
        "credit_compat = \"4.3\"\nduration = \"600ms\"\nwarmup = \"0ms\"\nseed = 1\n"
        "domains = [ \"c.cfg\" ]\n",
        {"c.cfg", "name = \"c\"\nvcpus = 1\nmemory = 256\ncap = 20\nworkload = \"phases\"\n"
                  "phases = [ \"run 4ms\", \"block 3ms\" ]\n", NULL}};
    struct park_log log = {0};
    struct ns_trace_sink sink = {&park_ops, &log};
    struct traced t;

    traced_run(&t, &capped, NS_TRACE_DEFAULT_HZ, &sink);
    unsigned long long parks = sched_stat(&t, "parks");
    cr_assert_gt(parks, 0);
    cr_expect_eq(log.sleeps, parks, "%zu SLEEP records for %llu parks", log.sleeps, parks);
    traced_free(&t);
}

/* Where WAKE falls against credit's BOOST_START of the same wake-up. */
struct wake_order {
    ns_time_t boost_at, wake_at;
    size_t boost_then_wake, wake_then_boost;
};

static void wo_wake(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    struct wake_order *o = ctx;
    (void)cpu;
    if (v.dom == NS_TRACE_IDLE_DOM || v.dom == 0)
        return;
    o->wake_at = t;
    o->boost_then_wake += o->boost_at == t;
}

static void wo_class(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                     const uint32_t *w)
{
    struct wake_order *o = ctx;
    (void)cpu;
    if (event != (NS_TRC_SCHED_CLASS | 7u) || n < 1 || w[0] == 0)
        return;
    o->boost_at = t;
    o->wake_then_boost += o->wake_at == t;
}

static const struct ns_trace_sink_ops wake_order_ops = {.wake = wo_wake, .sched_class = wo_class};

/*
 * Xen's vcpu_wake writes TRC_SCHED_WAKE after the scheduler's wake hook up
 * to 4.6 and before it from 4.7 (xen/common/schedule.c, RELEASE-4.6.0 and
 * -4.7.0). Credit on one pCPU, a guest that runs 1 ms and blocks 2 ms for
 * 100 ms: a wake-up that boosts it (csched_vcpu_wake's BOOST_START; not all
 * do, as a boost lasts until a tick finds the vCPU running) writes that
 * record at the instant of its WAKE: before it at 4.6, after it at 4.7.
 */
static void wake_order_at(const char *compat, struct wake_order *o)
{
    char text[512];
    snprintf(text, sizeof(text),
             "host = \"pack:1 [numa(memory=1GiB)] core:1 pu:1\"\nsched = \"credit\"\n"
             "credit_compat = \"%s\"\nduration = \"100ms\"\nwarmup = \"0ms\"\nseed = 1\n"
             "domains = [ \"z.cfg\" ]\n", compat);
    struct scenario sc = {"1 pCPU, credit: a vCPU that runs 1 ms and blocks 2 ms", text,
                          {"z.cfg", "name = \"z\"\nvcpus = 1\nmemory = 256\n"
                                    "workload = \"phases\"\n"
                                    "phases = [ \"run 1ms\", \"block 2ms\" ]\n", NULL}};
    struct ns_trace_sink sink = {&wake_order_ops, o};
    struct traced t;

    *o = (struct wake_order){.boost_at = -1, .wake_at = -1};
    traced_run(&t, &sc, NS_TRACE_DEFAULT_HZ, &sink);
    traced_free(&t);
}

Test(trace, wake_follows_the_hook_up_to_46_and_precedes_it_from_47)
{
    struct wake_order o46, o47;

    wake_order_at("4.6", &o46);
    wake_order_at("4.7", &o47);
    cr_expect_gt(o46.boost_then_wake, 0);
    cr_expect_eq(o46.wake_then_boost, 0);
    cr_expect_eq(o47.boost_then_wake, 0);
    cr_expect_gt(o47.wake_then_boost, 0);
}

/* Xen's TRACE_4D stores its arguments in a uint32_t array: a vCPU that ran
 * 2^32 + 5 ns is traced as 5, not held at 0xffffffff. */
Test(trace, long_times_wrap_as_xens_do)
{
    struct ns_err err;
    char *d = tmpdir(), *p = ns_path_join(d, "t.bin");
    struct ns_xentrace *w = ns_xentrace_open(p, NS_TRACE_DEFAULT_HZ, 1, &err);
    struct ns_trace_vcpu v = {1, 0};
    const ns_time_t ran = (1ULL << 32) + 5, t = ran + 1000;

    cr_assert_not_null(w, "%s", err.msg);
    const struct ns_trace_sink *s = ns_xentrace_sink(w);
    s->ops->start(w, 0, 0, v);
    s->ops->cont(w, t, 0, v, ran, 30000000);
    cr_assert_eq(ns_xentrace_finish(w, t, NULL, &err), 0, "%s", err.msg);

    struct ns_xt_reader *r = ns_xt_open(p, &err);
    struct ns_xt_record rec;
    int got;
    bool seen = false;
    cr_assert_not_null(r, "%s", err.msg);
    while ((got = ns_xt_next(r, &rec, &err)) > 0) {
        if (rec.event == NS_TRC_SWITCH_INFCONT) {
            cr_expect_eq(rec.d[2], 5);
            cr_expect_eq(rec.d[3], 30000000);
            seen = true;
        }
    }
    cr_assert_eq(got, 0, "%s", err.msg);
    cr_expect(seen);
    ns_xt_close(r);
    free(p);
    rm_rf(d);
    free(d);
}

/* ---- determinism and bounded windows ------------------------------------------------------- */

Test(trace, same_seed_same_bytes)
{
    struct traced a, b;
    size_t la, lb, pa, pb;

    traced_run(&a, &scenarios[2], NS_TRACE_DEFAULT_HZ, NULL);
    traced_run(&b, &scenarios[2], NS_TRACE_DEFAULT_HZ, NULL);
    char *ta = slurp(a.trace, &la), *tb = slurp(b.trace, &lb);
    char *ja = slurp(a.perfetto, &pa), *jb = slurp(b.perfetto, &pb);
    cr_assert(ta && tb && ja && jb);
    cr_assert(la == lb && memcmp(ta, tb, la) == 0, "xentrace files differ");
    cr_assert(pa == pb && memcmp(ja, jb, pa) == 0, "Perfetto files differ");
    /* Windows: a CPU-change record, then at most 64 KiB of one pCPU. */
    size_t windows = 0;
    for (size_t off = 0; off < la; windows++) {
        uint32_t size;
        memcpy(&size, ta + off + 8, 4);
        cr_assert_leq(size, 64 * 1024);
        off += 12 + size;
    }
    cr_assert_eq(windows, a.st.windows);
    cr_assert_eq(la, a.st.bytes);
    free(ta);
    free(tb);
    free(ja);
    free(jb);
    traced_free(&a);
    traced_free(&b);
}

/* ---- Perfetto ------------------------------------------------------------------------------- */

struct slice {
    int64_t ts, dur;
};

static int by_ts(const void *a, const void *b)
{
    const struct slice *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int64_t us_to_ns(json_object *o)
{
    return llround(json_object_get_double(o) * 1000.0);
}

static void check_perfetto(const struct scenario *s)
{
    struct traced t;
    size_t len;

    traced_run(&t, s, NS_TRACE_DEFAULT_HZ, NULL);
    char *text = slurp(t.perfetto, &len);
    cr_assert_not_null(text);
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    cr_assert_not_null(root, "not JSON: %s", json_tokener_error_desc(json_tokener_get_error(tok)));
    cr_assert_eq(json_tokener_get_error(tok), json_tokener_success);
    json_tokener_free(tok);
    json_object *ev;
    cr_assert(json_object_object_get_ex(root, "traceEvents", &ev));
    size_t n = json_object_array_length(ev);
    const struct ns_topo *topo = t.spec.topo;
    unsigned P = topo->nr_pcpus, names = 0;
    struct slice **per = ns_xcalloc(P, sizeof(*per));
    size_t *cnt = ns_xcalloc(P, sizeof(*cnt));
    int64_t run_ns[128] = {0};          /* by dom * 16 + vcpu */
    size_t counters = 0;
    bool node_counted[8] = {false};
    cr_assert_leq(topo->nr_nodes, 8);

    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(ev, i), *ph, *args, *x;
        EXPECT(json_object_object_get_ex(e, "ph", &ph));
        const char *p = json_object_get_string(ph);
        json_object_object_get_ex(e, "args", &args);
        if (strcmp(p, "M") == 0) {
            json_object *name, *tid;
            json_object_object_get_ex(e, "name", &name);
            if (strcmp(json_object_get_string(name), "thread_name") == 0) {
                EXPECT(json_object_object_get_ex(e, "tid", &tid));
                unsigned c = (unsigned)json_object_get_int(tid);
                char want[128];
                snprintf(want, sizeof(want), "pCPU %u (node %u, socket %u, core %u)", c,
                         topo->pcpu[c].node, topo->pcpu[c].socket, topo->pcpu[c].core);
                EXPECT(json_object_object_get_ex(args, "name", &x));
                cr_assert_str_eq(json_object_get_string(x), want);
                names++;
            }
        } else if (strcmp(p, "X") == 0) {
            json_object *tid, *ts, *dur, *dom, *vcpu, *mem;
            EXPECT(json_object_object_get_ex(e, "tid", &tid));
            EXPECT(json_object_object_get_ex(e, "ts", &ts));
            EXPECT(json_object_object_get_ex(e, "dur", &dur));
            EXPECT(json_object_object_get_ex(args, "dom", &dom));
            EXPECT(json_object_object_get_ex(args, "vcpu", &vcpu));
            EXPECT(json_object_object_get_ex(args, "memory", &mem));
            const char *m = json_object_get_string(mem);
            EXPECT(!strcmp(m, "local") || !strcmp(m, "remote") || !strcmp(m, "mixed"), "%s", m);
            unsigned c = (unsigned)json_object_get_int(tid);
            EXPECT((c) < (P), "out of range");
            per[c] = ns_xrealloc(per[c], (cnt[c] + 1) * sizeof(**per));
            per[c][cnt[c]++] = (struct slice){us_to_ns(ts), us_to_ns(dur)};
            unsigned d = (unsigned)json_object_get_int(dom), v = (unsigned)json_object_get_int(vcpu);
            EXPECT((d * 16 + v) < (128), "out of range");
            run_ns[d * 16 + v] += us_to_ns(dur);
        } else if (strcmp(p, "C") == 0) {
            json_object *name;
            json_object_object_get_ex(e, "name", &name);
            unsigned node;
            EXPECT(sscanf(json_object_get_string(name), "runnable vCPUs node %u", &node) == 1,
                   "counter %s", json_object_get_string(name));
            EXPECT((node) < (topo->nr_nodes), "node %u", node);
            node_counted[node] = true;
            EXPECT(json_object_object_get_ex(args, "runnable", &x));
            EXPECT((json_object_get_int(x)) >= (0), "negative");
            counters++;
        }
    }
    cr_assert_eq(names, P, "a named track per pCPU");
    cr_assert_gt(counters, topo->nr_nodes);
    for (unsigned node = 0; node < topo->nr_nodes; node++)
        cr_assert(node_counted[node], "%s: no counter track for node %u", s->name, node);
    for (unsigned c = 0; c < P; c++) {
        qsort(per[c], cnt[c], sizeof(**per), by_ts);
        for (size_t i = 1; i < cnt[c]; i++)
            EXPECT(per[c][i - 1].ts + per[c][i - 1].dur <= per[c][i].ts,
                   "pCPU %u: slices overlap at %lld us", c, (long long)per[c][i].ts / 1000);
        free(per[c]);
    }
    /* The slices of each vCPU add up to its running time. */
    for (size_t d = 0; d < t.r->nr_domains; d++)
        for (unsigned v = 0; v < t.r->dom[d].nr_vcpus; v++)
            EXPECT_EQ(run_ns[t.r->dom[d].id * 16 + v],
                      (int64_t)t.r->dom[d].vcpu[v].runstate_ns[NS_RUNSTATE_RUNNING],
                      "d%uv%u", t.r->dom[d].id, v);
    free(per);
    free(cnt);
    json_object_put(root);
    free(text);
    traced_free(&t);
}

Test(trace, perfetto_json_parses_and_slices_never_overlap)
{
    for (size_t i = 0; i < NR_SCENARIOS; i++)
        check_perfetto(&scenarios[i]);
}

/* ---- TSC arithmetic --------------------------------------------------------------------------- */

Test(trace, tsc_maps_back_to_the_nanosecond)
{
    static const uint64_t rates[] = {1000000000ULL, 2000000000ULL, 2400000000ULL, 3100000000ULL,
                                     100000000000ULL};
    struct ns_rng rng;

    ns_rng_seed(&rng, 1, 2);
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        uint64_t hz = rates[i];
        for (int k = 0; k < 20000; k++) {
            ns_time_t t = k < 1000 ? (ns_time_t)k : ns_rng_u64(&rng) % (NS_S * 1000000);
            uint64_t tsc = ns_trace_tsc(hz, t);
            EXPECT_EQ(ns_trace_ns(hz, tsc), (int64_t)t, "hz %llu t %llu",
                      (unsigned long long)hz, (unsigned long long)t);
            EXPECT(ns_trace_tsc(hz, t + 1) > tsc, "hz %llu t %llu", (unsigned long long)hz,
                   (unsigned long long)t);
            if (hz >= 2000000000ULL)   /* a one-tick nudge stays in its nanosecond */
                EXPECT_EQ(ns_trace_ns(hz, tsc + 1), (int64_t)t, "nudge at t %llu",
                          (unsigned long long)t);
        }
    }
    cr_assert_eq(ns_trace_tsc(2400000000ULL, 0), NS_TRACE_TSC_BASE);
    cr_assert_eq(ns_trace_tsc(2400000000ULL, NS_S), NS_TRACE_TSC_BASE + 2400000000ULL);
    cr_assert_lt(ns_trace_ns(2400000000ULL, 0), 0);
}

Test(trace, rates_parse_like_xenalyzes_cpu_hz)
{
    struct ns_err err;
    uint64_t hz;
    char buf[32];

    cr_assert_eq(ns_trace_parse_hz("2.4G", &hz, &err), 0);
    cr_assert_eq(hz, 2400000000ULL);
    cr_assert_eq(ns_trace_parse_hz("2400M", &hz, &err), 0);
    cr_assert_eq(hz, 2400000000ULL);
    cr_assert_eq(ns_trace_parse_hz("1000000000", &hz, &err), 0);
    cr_assert_eq(hz, 1000000000ULL);
    cr_assert_eq(ns_trace_parse_hz("3.1GHz", &hz, &err), 0);
    cr_assert_eq(hz, 3100000000ULL);
    cr_assert_str_eq(ns_trace_format_hz(2400000000ULL, buf), "2.4G");
    cr_assert_str_eq(ns_trace_format_hz(1000000000ULL, buf), "1G");
    cr_assert_str_eq(ns_trace_format_hz(2500000ULL, buf), "2.5M");
    cr_assert_str_eq(ns_trace_format_hz(2400000001ULL, buf), "2.400000001G");
    const char *bad[] = {"", "fast", "2.4X", "-1G", "0", "1k", "200G", "nan", "inf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(ns_trace_parse_hz(bad[i], &hz, &err), -1, "\"%s\"", bad[i]);
}

/* ---- damaged and foreign files ------------------------------------------------------------------ */

/* A little trace built by hand, little-endian words. */
struct buf {
    uint8_t b[4096];
    size_t n;
};

static void w32(struct buf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->b[b->n++] = (uint8_t)(v >> (8 * i));
}

static void window(struct buf *b, unsigned cpu, uint32_t bytes)
{
    w32(b, 0x2001f003u);
    w32(b, cpu);
    w32(b, bytes);
}

static void record(struct buf *b, uint32_t event, uint64_t tsc, unsigned n, const uint32_t *d)
{
    w32(b, event | (uint32_t)n << 28 | (tsc ? 1u << 31 : 0));
    if (tsc) {
        w32(b, (uint32_t)tsc);
        w32(b, (uint32_t)(tsc >> 32));
    }
    for (unsigned i = 0; i < n; i++)
        w32(b, d[i]);
}

#define T0 NS_TRACE_TSC_BASE
#define D1V0 0x00010000u
#define IDLE(c) (0x7fff0000u | (c))

/* Two pCPUs: d1v0 runs on pCPU 0, blocks, wakes on pCPU 1, runs on pCPU 1. */
static void good_trace(struct buf *b)
{
    b->n = 0;
    window(b, 0, 3 * 16);
    record(b, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){D1V0});
    record(b, ns_trc_runstate_event(0, 2), T0 + 2400, 1, (uint32_t[]){D1V0});
    record(b, ns_trc_runstate_event(1, 0), T0 + 2400, 1, (uint32_t[]){IDLE(0)});
    window(b, 1, 4 * 16);
    record(b, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){IDLE(1)});
    record(b, ns_trc_runstate_event(2, 1), T0 + 4800, 1, (uint32_t[]){D1V0});
    record(b, ns_trc_runstate_event(0, 1), T0 + 7200, 1, (uint32_t[]){IDLE(1)});
    record(b, ns_trc_runstate_event(1, 0), T0 + 7200, 1, (uint32_t[]){D1V0});
    window(b, 0, 16);
    record(b, NS_TRC_CONTINUE_RUNNING, T0 + 24000, 1, (uint32_t[]){IDLE(0)});
    window(b, 1, 16);
    record(b, NS_TRC_CONTINUE_RUNNING, T0 + 24000, 1, (uint32_t[]){D1V0});
}

/* pCPUs come out ascending whatever the order of their windows, and a pCPU
 * id finds its place among them: windows of 7, 40, 2 make cpus {2, 7, 40}. */
Test(trace, pcpus_are_sorted_and_found_by_id)
{
    static const unsigned order[] = {7, 40, 2};
    struct buf b = {.n = 0};
    struct ns_err err;

    for (size_t i = 0; i < 3; i++) {
        window(&b, order[i], 16);
        record(&b, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){IDLE(order[i])});
    }
    struct ns_xt_reader *r = ns_xt_open_mem(b.b, b.n, "t.bin", &err);
    cr_assert_not_null(r, "%s", err.msg);
    const struct ns_xt_info *info = ns_xt_info(r);
    cr_assert_eq(info->nr_cpus, 3);
    cr_assert_eq(info->cpus[0], 2);
    cr_assert_eq(info->cpus[1], 7);
    cr_assert_eq(info->cpus[2], 40);
    cr_assert_eq(ns_xt_cpu_index(info, 2), 0);
    cr_assert_eq(ns_xt_cpu_index(info, 7), 1);
    cr_assert_eq(ns_xt_cpu_index(info, 40), 2);
    cr_assert_eq(ns_xt_cpu_index(info, 0), NS_XT_NO_INDEX);   /* below all */
    cr_assert_eq(ns_xt_cpu_index(info, 3), NS_XT_NO_INDEX);   /* between */
    cr_assert_eq(ns_xt_cpu_index(info, 41), NS_XT_NO_INDEX);  /* above all */
    ns_xt_close(r);
}

static void refused(const struct buf *b, size_t len, const char *needle)
{
    struct ns_trace_analysis a;
    struct ns_err err;

    cr_assert_eq(ns_analyze_trace_mem(b->b, len, "t.bin", NULL, &a, &err), -1,
                 "accepted (wanted: %s)", needle);
    cr_assert_not_null(strstr(err.msg, needle), "\"%s\" not in: %s", needle, err.msg);
    cr_assert_not_null(strstr(err.msg, "t.bin: byte "), "%s", err.msg);
    cr_assert_null(strchr(err.msg, '\n'));
}

Test(trace, a_hand_made_trace_is_analysed)
{
    struct buf b;
    struct ns_trace_analysis a;
    struct ns_err err;

    good_trace(&b);
    cr_assert_eq(ns_analyze_trace_mem(b.b, b.n, "t.bin", NULL, &a, &err), 0, "%s", err.msg);
    cr_assert_eq(a.hz, NS_TRACE_DEFAULT_HZ);
    cr_assert_str_eq(a.hz_source, "default");
    cr_assert_eq(a.duration_ns, 10000);
    cr_assert_eq(a.nr_vcpus, 1);
    cr_assert_eq(a.vcpu[0].runstate_ns[NS_RUNSTATE_RUNNING], 1000 + 7000);
    cr_assert_eq(a.vcpu[0].runstate_ns[NS_RUNSTATE_BLOCKED], 1000);
    cr_assert_eq(a.vcpu[0].runstate_ns[NS_RUNSTATE_RUNNABLE], 1000);
    cr_assert_eq(a.vcpu[0].wakeups, 1);
    cr_assert_eq(a.vcpu[0].wake_latency_max_ns, 1000);
    cr_assert_eq(a.vcpu[0].pcpu_changes, 1);
    cr_assert_eq(a.nr_pcpus, 2);
    cr_assert_eq(a.pcpu[0].busy_ns, 1000);
    cr_assert_eq(a.pcpu[1].busy_ns, 7000);
    cr_assert_eq(a.mismatches, 0);
    ns_analysis_free(&a);
}

/*
 * xenalyze's view of one vCPU: pCPU 0 idles, d1v0 is blocked when the trace
 * starts (numasched's VCPU_START says so), wakes at 1 us, runs on pCPU 0
 * from 2 us to 4 us and blocks until the end at 10 us. analyze counts all
 * of it; xenalyze keeps the vCPU in INIT until it first runs (the 1 us
 * blocked and 1 us runnable before 2 us) and never closes the open blocked
 * interval at the end (6 us): 7 us blocked and 1 us runnable uncounted.
 */
Test(trace, what_xenalyze_leaves_out_is_reported)
{
    struct buf b = {.n = 0};
    struct ns_trace_analysis a;
    struct ns_err err;
    uint32_t start[6] = {D1V0, NS_RUNSTATE_BLOCKED, 0, NS_TRACE_NO_CPU, 0xffffffffu, 0xffffffffu};

    window(&b, 0, 16 + 36 + 5 * 16 + 16);
    record(&b, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){IDLE(0)});
    record(&b, NS_TRC_NS_VCPU_START, T0, 6, start);
    record(&b, ns_trc_runstate_event(2, 1), T0 + 2400, 1, (uint32_t[]){D1V0});
    record(&b, ns_trc_runstate_event(0, 1), T0 + 4800, 1, (uint32_t[]){IDLE(0)});
    record(&b, ns_trc_runstate_event(1, 0), T0 + 4800, 1, (uint32_t[]){D1V0});
    record(&b, ns_trc_runstate_event(0, 2), T0 + 9600, 1, (uint32_t[]){D1V0});
    record(&b, ns_trc_runstate_event(1, 0), T0 + 9600, 1, (uint32_t[]){IDLE(0)});
    record(&b, NS_TRC_CONTINUE_RUNNING, T0 + 24000, 1, (uint32_t[]){IDLE(0)});
    cr_assert_eq(ns_analyze_trace_mem(b.b, b.n, "t.bin", NULL, &a, &err), 0, "%s", err.msg);
    cr_assert_eq(a.nr_vcpus, 1);
    const struct ns_an_vcpu *v = &a.vcpu[0];
    cr_assert_eq(v->runstate_ns[NS_RUNSTATE_BLOCKED], 1000 + 6000);
    cr_assert_eq(v->runstate_ns[NS_RUNSTATE_RUNNABLE], 1000);
    cr_assert_eq(v->runstate_ns[NS_RUNSTATE_RUNNING], 2000);
    cr_assert_eq(v->xenalyze_uncounted_ns[NS_RUNSTATE_BLOCKED], 7000);
    cr_assert_eq(v->xenalyze_uncounted_ns[NS_RUNSTATE_RUNNABLE], 1000);
    cr_assert_eq(v->xenalyze_uncounted_ns[NS_RUNSTATE_RUNNING], 0);
    ns_analysis_free(&a);

    /* Running from the start to the end: xenalyze counts everything. */
    good_trace(&b);
    cr_assert_eq(ns_analyze_trace_mem(b.b, b.n, "t.bin", NULL, &a, &err), 0, "%s", err.msg);
    for (int k = 0; k < NS_RUNSTATES; k++)
        cr_assert_eq(a.vcpu[0].xenalyze_uncounted_ns[k], 0, "state %d", k);
    ns_analysis_free(&a);
}

Test(trace, damaged_files_are_refused_with_the_byte)
{
    struct buf b;

    good_trace(&b);
    refused(&b, 0, "byte 0: empty file");
    refused(&b, 7, "byte 0: truncated");
    refused(&b, 12 + 20, "byte 0: truncated: the window of cpu 0 declares 48 bytes");
    refused(&b, b.n - 4, "truncated: the window of cpu 1 declares 16 bytes");
    refused(&b, b.n - 16 - 6, "truncated: a CPU-change record needs 12 bytes, 6 remain");

    /* The first record is not a CPU-change record (a header, or another record). */
    struct buf c = {.n = 0};
    record(&c, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){D1V0});
    memcpy(c.b + c.n, b.b, b.n);
    refused(&c, c.n + b.n, "byte 0: does not start with a CPU-change record");
    /* A CPU-change record with a TSC, as some writers get wrong. */
    c = b;
    c.b[3] |= 0x80;
    refused(&c, c.n, "byte 0: does not start with a CPU-change record");

    /* Window sizes: one record short, one record long, not a multiple of 4. */
    c = b;
    c.b[8] = 32;
    refused(&c, c.n, "byte 44: expected the CPU-change record of the next window, found "
                     "header 0x90021101: bad window size 32 for cpu 0 at byte 0?");
    c = b;
    c.b[8] = 64;
    refused(&c, c.n, "bad window size 64 for cpu 0 at byte 0?");
    c = b;
    c.b[8] = 46;
    refused(&c, c.n, "byte 0: bad window size 46 for cpu 0: not a multiple of 4");
    /* A size that ends inside a record: caught when that record is read. */
    c.n = 0;
    window(&c, 0, 40);
    record(&c, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){D1V0});
    record(&c, ns_trc_runstate_event(0, 2), T0 + 2400, 1, (uint32_t[]){D1V0});
    record(&c, ns_trc_runstate_event(1, 0), T0 + 2400, 1, (uint32_t[]){IDLE(0)});
    c.n -= 8;
    refused(&c, c.n, "byte 44: a record of 16 bytes runs past the end of its window "
                     "(cpu 0, window at byte 0 ends at byte 52)");

    /* Too many data words for the event. */
    c.n = 0;
    window(&c, 0, 24);
    record(&c, ns_trc_runstate_event(1, 0), T0, 3, (uint32_t[]){D1V0, 0, 0});
    refused(&c, c.n, "byte 12: event 0x00021101 has 3 data words, expected 1 or 5");
    c.n = 0;
    window(&c, 0, 20);
    record(&c, NS_TRC_CONTINUE_RUNNING, T0, 2, (uint32_t[]){D1V0, 0});
    refused(&c, c.n, "byte 12: event 0x00021002 has 2 data words, expected 1");
    c.n = 0;
    window(&c, 0, 24);
    record(&c, NS_TRC_LOST_RECORDS, T0, 3, (uint32_t[]){1, 2, 3});
    refused(&c, c.n, "expected 4 (lost records)");

    /* A TSC going backwards within one pCPU, across its windows too. */
    c.n = 0;
    window(&c, 0, 32);
    record(&c, NS_TRC_CONTINUE_RUNNING, T0 + 100, 1, (uint32_t[]){D1V0});
    record(&c, ns_trc_runstate_event(0, 2), T0 + 99, 1, (uint32_t[]){D1V0});
    refused(&c, c.n, "byte 28: TSC goes backwards on cpu 0: 1000000000099 after 1000000000100");
    c.n = 0;
    window(&c, 0, 16);
    record(&c, NS_TRC_CONTINUE_RUNNING, T0 + 100, 1, (uint32_t[]){D1V0});
    window(&c, 1, 16);
    record(&c, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){IDLE(1)});
    window(&c, 0, 16);
    record(&c, ns_trc_runstate_event(0, 2), T0 + 50, 1, (uint32_t[]){D1V0});
    refused(&c, c.n, "byte 68: TSC goes backwards on cpu 0");

    /* A CPU-change record inside a window. */
    c.n = 0;
    window(&c, 0, 28);
    record(&c, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){D1V0});
    window(&c, 0, 0);
    refused(&c, c.n, "byte 28: a CPU-change record inside the window of cpu 0");
}

Test(trace, records_it_does_not_know_are_counted_and_skipped)
{
    struct buf b = {.n = 0};
    struct ns_trace_analysis a;
    struct ns_err err;

    window(&b, 3, 0);                                              /* size set below */
    record(&b, 0x0800f001u, 0, 0, NULL);                          /* guest record, no TSC */
    record(&b, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){D1V0});
    record(&b, 0x00028fffu, T0 + 10, 1, (uint32_t[]){0});          /* unknown verbose */
    record(&b, 0x00081001u, T0 + 20, 3, (uint32_t[]){1, 2, 3});    /* an HVM event */
    record(&b, 0x00022a05u, T0 + 30, 0, NULL);                     /* null scheduler */
    record(&b, NS_TRC_WRAP_BUFFER, T0 + 1, 6, (uint32_t[]){0, 0, 0, 0, 0, 0});  /* padding */
    record(&b, NS_TRC_LOST_RECORDS, T0 + 40, 4, (uint32_t[]){5, D1V0, 0, 0});
    record(&b, 0x00021005u, T0 + 50, 1, (uint32_t[]){D1V0});       /* unknown SCHED_MIN */
    record(&b, ns_trc_runstate_event(0, 2), T0 + 2400, 1, (uint32_t[]){D1V0});
    uint32_t size = (uint32_t)(b.n - 12);
    memcpy(b.b + 8, &size, 4);
    cr_assert_eq(ns_analyze_trace_mem(b.b, b.n, "t.bin", NULL, &a, &err), 0, "%s", err.msg);
    cr_assert_eq(a.unknown_records + a.other_records, 3, "guest, HVM and SCHED_MIN 5");
    cr_assert_eq(a.verbose_records, 1);
    cr_assert_eq(a.class_records, 1);
    cr_assert_eq(a.lost_records, 5);
    cr_assert_eq(a.nr_pcpus, 1);
    cr_assert_eq(a.pcpu[0].id, 3);
    cr_assert_eq(a.nr_vcpus, 1);
    cr_assert_eq(a.vcpu[0].runstate_ns[NS_RUNSTATE_RUNNING], 1000);
    ns_analysis_free(&a);
}

/* ---- atomic files ---------------------------------------------------------------------------- */

Test(trace, writers_leave_nothing_when_they_cannot_or_do_not_finish)
{
    struct ns_err err;
    char *d = tmpdir();
    char *bad = ns_path_join(d, "no/such/dir/t.bin"), *p = ns_path_join(d, "t.bin");
    const struct ns_topo *topo;
    struct ns_topo *t = ns_topo_load("pack:1 core:2 pu:1", NULL, &err);

    cr_assert_not_null(t, "%s", err.msg);
    topo = t;
    cr_assert_null(ns_xentrace_open(bad, NS_TRACE_DEFAULT_HZ, 2, &err));
    cr_assert_not_null(strstr(err.msg, "no/such/dir/t.bin"));
    cr_assert_null(ns_perfetto_open(bad, topo, NULL, 0, &err));
    struct ns_xentrace *w = ns_xentrace_open(p, NS_TRACE_DEFAULT_HZ, 2, &err);
    struct ns_trace_vcpu v = {1, 0};
    ns_xentrace_sink(w)->ops->start(w, 5, 0, v);
    ns_xentrace_abort(w);
    struct ns_perfetto *pf = ns_perfetto_open(p, topo, NULL, 0, &err);
    ns_perfetto_abort(pf);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", d);
    cr_assert_eq(system(cmd), 0, "files left behind");
    ns_topo_free(t);
    free(bad);
    free(p);
    rm_rf(d);
    free(d);
}

/* ---- limits ------------------------------------------------------------------------------------- */

Test(trace, rate_errors_say_why)
{
    struct ns_err err;
    uint64_t hz;

    cr_assert_eq(ns_trace_parse_hz("fast", &hz, &err), -1);
    cr_assert_not_null(strstr(err.msg, "\"fast\" is not a rate (try 2.4G or 2400M)"), "%s", err.msg);
    cr_assert_eq(ns_trace_parse_hz("2.4X", &hz, &err), -1);
    cr_assert_not_null(strstr(err.msg, "\"2.4X\" is not a rate"), "%s", err.msg);
    cr_assert_eq(ns_trace_parse_hz("200G", &hz, &err), -1);
    cr_assert_not_null(strstr(err.msg, "rate \"200G\" out of range (1M to 100G)"), "%s", err.msg);
}

Test(trace, pcpus_beyond_the_limit_are_refused)
{
    struct buf b = {.n = 0};

    window(&b, NS_TRACE_MAX_CPUS - 1, 16);
    record(&b, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){IDLE(0)});
    window(&b, NS_TRACE_MAX_CPUS, 16);
    record(&b, NS_TRC_CONTINUE_RUNNING, T0, 1, (uint32_t[]){IDLE(0)});
    refused(&b, b.n, "byte 28: cpu 4096 is beyond numasched's limit of 4096 pCPUs");
}

Test(trace, files_beyond_the_limit_are_refused)
{
    struct ns_err err;
    char *d = tmpdir(), *p = ns_path_join(d, "huge.bin");
    FILE *f = fopen(p, "w");

    /* Sparse: 64 GiB and one byte of holes, no disk used. */
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), (off_t)NS_TRACE_MAX_BYTES + 1), 0);
    fclose(f);
    cr_assert_null(ns_xt_open(p, &err));
    cr_assert_not_null(strstr(err.msg, "huge.bin: 68719476737 bytes, more than numasched's limit "
                                       "of 64 GiB for a trace"), "%s", err.msg);
    free(p);
    rm_rf(d);
    free(d);
}

/*
 * The writer stops at its limit and leaves no file. With a limit of 1000
 * bytes: pCPU 0's buffer holds CONTINUE_RUNNING (16 bytes) and CLOCK (36),
 * then 20-byte WAKE records; 52 + 3274 x 20 = 65532 bytes fill the 64 KiB
 * buffer, so the wake at t = 3275 flushes a 65544-byte window, past the limit.
 */
Test(trace, the_writer_stops_at_its_limit)
{
    struct ns_err err;
    char *d = tmpdir(), *p = ns_path_join(d, "t.bin");
    struct ns_xentrace *w = ns_xentrace_open(p, NS_TRACE_DEFAULT_HZ, 1, &err);
    struct ns_trace_vcpu v = {1, 0};

    cr_assert_not_null(w, "%s", err.msg);
    ns_xentrace_set_max_bytes(w, 1000);
    const struct ns_trace_sink *s = ns_xentrace_sink(w);
    s->ops->start(w, 0, 0, v);
    for (ns_time_t t = 1; t <= 5000; t++)
        s->ops->wake(w, t, 0, v);
    cr_assert_eq(ns_xentrace_finish(w, 5000, NULL, &err), -1);
    cr_assert_not_null(strstr(err.msg, "t.bin: the trace reached numasched's limit of 1000 bytes "
                                       "at t=3275 ns; trace a shorter --duration"), "%s", err.msg);
    cr_assert_neq(access(p, F_OK), 0, "a trace was left behind");
    free(p);
    rm_rf(d);
    free(d);
}
