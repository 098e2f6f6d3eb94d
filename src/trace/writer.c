/*
 * The xentrace writer: a trace sink that writes what xentrace would have
 * written had the run happened on Xen (facts/xentrace.md, recipe 7.1).
 *
 * Windows. xentrace goes round the pCPUs' hypervisor buffers and copies what
 * each holds to the file, behind a CPU-change record {cpu, bytes}. We do the
 * same: every pCPU has a 64 KiB buffer, and when a record would not fit in
 * one, every pCPU's buffer becomes a window, in pCPU order (a "round").
 * Flushing only the full buffer would not do: a quiet pCPU's first window
 * would then come after the busy ones' later windows, and xenalyze, which
 * starts a pCPU's reader only when it meets that pCPU's first window, would
 * have merged later records of the others before that pCPU's early ones (it
 * aborts: "sevt.old_runstate running, but dXvY runstate blocked"). With
 * rounds, the first one holds every pCPU and each round covers the same span
 * of time on all of them. Memory is bounded by the pCPU count, whatever the
 * length of the run. Readers merge the pCPUs by TSC.
 *
 * Records. The engine reports each fact in the order Xen's scheduling core
 * traces it; each hook becomes the records Xen would emit for it:
 *   start      CONTINUE_RUNNING of what the pCPU runs (the first scheduling
 *              record of every pCPU, which xenalyze 4.17 needs)
 *   vcpu_start numasched's VCPU_START (the vCPU's state as the trace begins),
 *              all on the first pCPU, right after its CLOCK record
 *   runstate   RUNSTATE_CHANGE, old and new state in the event id
 *   switch_    SWITCH_INFPREV, SWITCH_INFNEXT, SWITCH
 *   cont       SWITCH_INFCONT, CONTINUE_RUNNING
 *   wake/block/yield/sleep   WAKE / BLOCK / YIELD / SLEEP
 *   sched_class        the scheduler's own record, passed through as it is
 * and the end of the trace gives every pCPU a last CONTINUE_RUNNING, which
 * closes the running time of its vCPU where xenalyze closes it: at that
 * pCPU's last TSC. Xen has no generic migrate record; a move shows as a
 * vCPU entering running on another pCPU, plus credit's own PICKED_CPU and
 * STOLEN_VCPU, which come from the scheduler.
 *
 * Ties. Two pCPUs can record facts about one vCPU at the same nanosecond
 * (it leaves running on A, and B, scheduling at that instant, picks it up).
 * With equal TSCs a reader cannot tell which came first, and xenalyze,
 * which merges by TSC, may see B's record before A's and abort. So a record
 * about a vCPU whose last record was on another pCPU at a TSC at or above
 * this one's is nudged one tick past it. At 2.4 GHz a nanosecond owns two
 * or three ticks, so a nudge stays within its nanosecond and the analysis
 * still recovers the exact time; one that does not is counted ("spilled").
 * numasched's own start records are left out of this: xenalyze ignores them,
 * and readers that break TSC ties by pCPU number, as ns_xt_next does, see
 * them first because they are on the first pCPU at the first tick.
 *
 * Bytes are written little-endian, the byte order of every trace xenalyze
 * can read on x86 and arm64, whatever machine numasched runs on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/xentrace.h"

#define WINDOW_BYTES (64 * 1024)
#define MAX_RECORD   (12 + 4 * 7)
#define XENALYZE_MAX_CPUS 256

struct wcpu {
    uint8_t *buf;               /* WINDOW_BYTES, allocated with the first record */
    size_t used;
    uint64_t last_tsc;
    struct ns_trace_vcpu curr;  /* what it runs, for the closing record */
    bool started;
};

struct wvcpu {                  /* where and when a vCPU was last recorded */
    uint64_t last_tsc;
    unsigned last_cpu;
};

struct ns_xentrace {
    struct ns_trace_sink sink;
    struct ns_outfile out;
    uint64_t hz;
    unsigned nr_cpus;
    struct wcpu *cpu;           /* [nr_cpus] */
    struct ns_trace_vtab *vtab;
    struct wvcpu *v;            /* [vtab slots] */
    size_t v_cap;
    ns_time_t memo_t;           /* the last time converted, and its tick */
    uint64_t memo_tsc;
    bool clock_written, warned;
    uint64_t max_bytes;         /* NS_TRACE_MAX_BYTES unless lowered */
    bool full;                  /* reached it: nothing more is written */
    ns_time_t full_at;          /* when */
    unsigned clock_cpu;         /* the first pCPU: CLOCK and VCPU_START records */
    struct ns_xentrace_stats stats;
};

static void put32(uint8_t *p, uint32_t w)
{
    p[0] = (uint8_t)w;
    p[1] = (uint8_t)(w >> 8);
    p[2] = (uint8_t)(w >> 16);
    p[3] = (uint8_t)(w >> 24);
}

static uint32_t vcpu_word(struct ns_trace_vcpu v)
{
    return (v.vcpu & 0xffffu) | (v.dom << 16);
}

static bool is_idle(struct ns_trace_vcpu v) { return v.dom == NS_TRACE_IDLE_DOM; }

/* Many records share a time: convert each time once. */
static uint64_t tick_of(struct ns_xentrace *w, ns_time_t t)
{
    if (t != w->memo_t) {
        w->memo_t = t;
        w->memo_tsc = ns_trace_tsc(w->hz, t);
    }
    return w->memo_tsc;
}

static struct wcpu *cpu_of(struct ns_xentrace *w, unsigned cpu)
{
    if (cpu >= w->nr_cpus) {     /* the engine never does this; stay safe anyway */
        w->cpu = ns_xrealloc(w->cpu, ((size_t)cpu + 1) * sizeof(*w->cpu));
        memset(w->cpu + w->nr_cpus, 0, (cpu + 1 - w->nr_cpus) * sizeof(*w->cpu));
        w->nr_cpus = cpu + 1;
    }
    return &w->cpu[cpu];
}

static struct wvcpu *vcpu_of(struct ns_xentrace *w, struct ns_trace_vcpu v, bool *added)
{
    size_t slot = ns_trace_vtab_get(w->vtab, v.dom, v.vcpu, added);

    if (slot >= w->v_cap) {
        w->v_cap = w->v_cap ? 2 * w->v_cap : 64;
        w->v = ns_xrealloc(w->v, w->v_cap * sizeof(*w->v));
    }
    return &w->v[slot];
}

static void warn_limits(struct ns_xentrace *w, unsigned cpu, struct ns_trace_vcpu v)
{
    if (w->warned || (cpu < XENALYZE_MAX_CPUS && (is_idle(v) || v.vcpu < XENALYZE_MAX_CPUS)))
        return;
    w->warned = true;
    fprintf(stderr, "numasched: warning: %s: pCPU %u / vCPU %u: xenalyze reads pCPU and vCPU "
            "ids below %d only (numasched analyze has no such limit)\n",
            w->out.path, cpu, v.vcpu, XENALYZE_MAX_CPUS);
}

/*
 * Write pCPU @cpu's buffer as one window: CPU-change record, then the bytes.
 * A window that would take the file past its limit is not written, and
 * neither is anything after it: the trace is dropped at the end.
 */
static void flush_window(struct ns_xentrace *w, unsigned cpu)
{
    struct wcpu *c = &w->cpu[cpu];
    uint8_t head[12];

    if (!c->used)
        return;
    if (w->full || w->stats.bytes + sizeof(head) + c->used > w->max_bytes) {
        w->full = true;
        c->used = 0;
        return;
    }
    put32(head, NS_TRC_CPU_CHANGE | (2u << 28));
    put32(head + 4, cpu);
    put32(head + 8, (uint32_t)c->used);
    fwrite(head, 1, sizeof(head), w->out.f);
    fwrite(c->buf, 1, c->used, w->out.f);
    w->stats.windows++;
    w->stats.bytes += sizeof(head) + c->used;
    c->used = 0;
}

static void flush_round(struct ns_xentrace *w)
{
    for (unsigned cpu = 0; cpu < w->nr_cpus; cpu++)
        flush_window(w, cpu);
}

/*
 * The TSC of a record on @cpu at @t about the vCPUs @who: its tick, no
 * earlier than the pCPU's last one, and past any tick at which one of them
 * was last recorded on another pCPU (see "Ties" above).
 */
static uint64_t order_tsc(struct ns_xentrace *w, struct wcpu *c, unsigned cpu, ns_time_t t,
                          const struct ns_trace_vcpu *who, unsigned nwho)
{
    uint64_t base = tick_of(w, t), tsc = base > c->last_tsc ? base : c->last_tsc;
    struct wvcpu *seen[2];

    for (unsigned i = 0; i < nwho; i++) {
        bool added;
        seen[i] = NULL;
        if (is_idle(who[i]))
            continue;
        seen[i] = vcpu_of(w, who[i], &added);
        if (!added && seen[i]->last_cpu != cpu && seen[i]->last_tsc >= tsc)
            tsc = seen[i]->last_tsc + 1;
    }
    for (unsigned i = 0; i < nwho; i++)
        if (seen[i])
            *seen[i] = (struct wvcpu){tsc, cpu};
    if (tsc != base) {
        w->stats.nudged++;
        if (ns_trace_ns(w->hz, tsc) != ns_trace_ns(w->hz, base))
            w->stats.spilled++;
    }
    c->last_tsc = tsc;
    return tsc;
}

static void emit(struct ns_xentrace *w, unsigned cpu, ns_time_t t, uint32_t event, unsigned n,
                 const uint32_t *d, const struct ns_trace_vcpu *who, unsigned nwho)
{
    struct wcpu *c = cpu_of(w, cpu);

    if (w->full)
        return;
    if (n > 7)
        n = 7;                  /* the format has 3 bits for it; callers stay below */
    uint64_t tsc = order_tsc(w, c, cpu, t, who, nwho);
    size_t size = 12 + 4 * (size_t)n;
    if (!c->buf)
        c->buf = ns_xmalloc(WINDOW_BYTES);
    if (c->used + size > WINDOW_BYTES) {
        flush_round(w);
        if (w->full) {
            w->full_at = t;
            return;
        }
    }
    uint8_t *p = c->buf + c->used;
    put32(p, (event & 0x0fffffffu) | ((uint32_t)n << 28) | (1u << 31));
    put32(p + 4, (uint32_t)tsc);
    put32(p + 8, (uint32_t)(tsc >> 32));
    for (unsigned i = 0; i < n; i++)
        put32(p + 12 + 4 * i, d[i]);
    c->used += size;
    w->stats.records++;
}

/* ---- the hooks ---------------------------------------------------------------- */

static void on_start(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    struct ns_xentrace *w = ctx;
    uint32_t word = vcpu_word(v);

    warn_limits(w, cpu, v);
    emit(w, cpu, t, NS_TRC_CONTINUE_RUNNING, 1, &word, &v, 1);
    cpu_of(w, cpu)->curr = v;
    cpu_of(w, cpu)->started = true;
    if (!w->clock_written) {
        uint64_t base = NS_TRACE_TSC_BASE;
        uint32_t d[6] = {(uint32_t)w->hz, (uint32_t)(w->hz >> 32), (uint32_t)base,
                         (uint32_t)(base >> 32), (uint32_t)t, (uint32_t)(t >> 32)};
        emit(w, cpu, t, NS_TRC_NS_CLOCK, 6, d, NULL, 0);
        w->clock_written = true;
        w->clock_cpu = cpu;
    }
}

static void on_vcpu_start(void *ctx, ns_time_t t, struct ns_trace_vcpu v, unsigned runstate,
                          unsigned processor, unsigned last_cpu, ns_time_t woke_at)
{
    struct ns_xentrace *w = ctx;
    uint64_t ago = woke_at == NS_TIME_NEVER || woke_at > t ? UINT64_MAX : t - woke_at;
    uint32_t d[6] = {vcpu_word(v), runstate, processor, last_cpu, (uint32_t)ago,
                     (uint32_t)(ago >> 32)};

    warn_limits(w, processor, v);
    emit(w, w->clock_cpu, t, NS_TRC_NS_VCPU_START, 6, d, NULL, 0);
}

static void on_runstate(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                        unsigned from, unsigned to, unsigned processor)
{
    struct ns_xentrace *w = ctx;
    uint32_t word = vcpu_word(v);

    (void)processor;
    warn_limits(w, cpu, v);
    emit(w, cpu, t, ns_trc_runstate_event(from & 3, to & 3), 1, &word, &v, 1);
    if (to == 0)                /* running: it is now what this pCPU runs */
        cpu_of(w, cpu)->curr = v;
}

/* Xen's TRACE_4D puts its arguments in a uint32_t array: they wrap, not saturate. */
static uint32_t ns32(ns_time_t ns) { return (uint32_t)ns; }

static void on_switch(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu prev,
                      ns_time_t ran_ns, struct ns_trace_vcpu next, ns_time_t waited_ns,
                      ns_time_t slice_ns)
{
    struct ns_xentrace *w = ctx;
    struct ns_trace_vcpu both[2] = {prev, next};
    uint32_t infprev[3] = {prev.dom, prev.vcpu, ns32(ran_ns)};
    uint32_t infnext[4] = {next.dom, next.vcpu, ns32(waited_ns),
                           slice_ns == NS_TIME_NEVER ? UINT32_MAX : ns32(slice_ns)};
    uint32_t sw[4] = {prev.dom, prev.vcpu, next.dom, next.vcpu};

    emit(w, cpu, t, NS_TRC_SWITCH_INFPREV, 3, infprev, &prev, 1);
    emit(w, cpu, t, NS_TRC_SWITCH_INFNEXT, 4, infnext, &next, 1);
    emit(w, cpu, t, NS_TRC_SWITCH, 4, sw, both, 2);
}

static void on_cont(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                    ns_time_t ran_ns, ns_time_t slice_ns)
{
    struct ns_xentrace *w = ctx;
    uint32_t inf[4] = {v.dom, v.vcpu, ns32(ran_ns),
                       slice_ns == NS_TIME_NEVER ? UINT32_MAX : ns32(slice_ns)};
    uint32_t word = vcpu_word(v);

    emit(w, cpu, t, NS_TRC_SWITCH_INFCONT, 4, inf, &v, 1);
    emit(w, cpu, t, NS_TRC_CONTINUE_RUNNING, 1, &word, &v, 1);
}

static void dom_vcpu(struct ns_xentrace *w, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                     uint32_t event)
{
    uint32_t d[2] = {v.dom, v.vcpu};
    emit(w, cpu, t, event, 2, d, &v, 1);
}

static void on_wake(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    dom_vcpu(ctx, t, cpu, v, NS_TRC_WAKE);
}

static void on_block(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    dom_vcpu(ctx, t, cpu, v, NS_TRC_BLOCK);
}

static void on_yield(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    dom_vcpu(ctx, t, cpu, v, NS_TRC_YIELD);
}

static void on_sleep(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    dom_vcpu(ctx, t, cpu, v, NS_TRC_SLEEP);
}

static void on_class(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                     const uint32_t *words)
{
    emit(ctx, cpu, t, event, n, words, NULL, 0);
}

static const struct ns_trace_sink_ops writer_ops = {
    .start = on_start,
    .runstate = on_runstate,
    .switch_ = on_switch,
    .cont = on_cont,
    .wake = on_wake,
    .block = on_block,
    .yield = on_yield,
    .sleep = on_sleep,
    .sched_class = on_class,
    .vcpu_start = on_vcpu_start,
};

/* ---- life cycle ----------------------------------------------------------------- */

struct ns_xentrace *ns_xentrace_open(const char *path, uint64_t hz, unsigned nr_pcpus,
                                     struct ns_err *err)
{
    struct ns_xentrace *w = ns_xcalloc(1, sizeof(*w));

    if (ns_outfile_open(&w->out, path, err) < 0) {
        free(w);
        return NULL;
    }
    w->hz = hz;
    w->nr_cpus = nr_pcpus;
    w->cpu = ns_xcalloc(nr_pcpus ? nr_pcpus : 1, sizeof(*w->cpu));
    w->memo_t = NS_TIME_NEVER;
    w->max_bytes = NS_TRACE_MAX_BYTES;
    w->full_at = NS_TIME_NEVER;
    w->vtab = ns_trace_vtab_new();
    w->sink = (struct ns_trace_sink){&writer_ops, w};
    return w;
}

const struct ns_trace_sink *ns_xentrace_sink(struct ns_xentrace *w) { return &w->sink; }

void ns_xentrace_set_max_bytes(struct ns_xentrace *w, uint64_t bytes)
{
    if (bytes < w->max_bytes)
        w->max_bytes = bytes;
}

static void release(struct ns_xentrace *w)
{
    for (unsigned i = 0; i < w->nr_cpus; i++)
        free(w->cpu[i].buf);
    free(w->cpu);
    free(w->v);
    ns_trace_vtab_free(w->vtab);
    free(w);
}

int ns_xentrace_finish(struct ns_xentrace *w, ns_time_t end, struct ns_xentrace_stats *stats,
                       struct ns_err *err)
{
    for (unsigned cpu = 0; cpu < w->nr_cpus; cpu++) {
        struct wcpu *c = &w->cpu[cpu];
        if (!c->started)
            continue;
        uint32_t word = vcpu_word(c->curr);
        emit(w, cpu, end, NS_TRC_CONTINUE_RUNNING, 1, &word, &c->curr, 1);
    }
    flush_round(w);
    if (stats)
        *stats = w->stats;
    if (w->full) {
        bool gib = w->max_bytes % (1ULL << 30) == 0;
        ns_err_set(err, w->out.path, 0, NULL, "the trace reached numasched's limit of %llu %s "
                   "at t=%llu ns; trace a shorter --duration",
                   (unsigned long long)(gib ? w->max_bytes >> 30 : w->max_bytes),
                   gib ? "GiB" : "bytes",
                   (unsigned long long)(w->full_at == NS_TIME_NEVER ? end : w->full_at));
        ns_xentrace_abort(w);
        return -1;
    }
    int rc = ns_outfile_commit(&w->out, err);
    release(w);
    return rc;
}

void ns_xentrace_abort(struct ns_xentrace *w)
{
    if (!w)
        return;
    ns_outfile_abort(&w->out);
    release(w);
}
