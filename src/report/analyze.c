/*
 * Trace analysis (`numasched analyze`): runstate times per vCPU, wake-to-run
 * latency, migrations and pCPU utilisation, from a xentrace file alone.
 *
 * Accounting follows xenalyze's rules (facts/xentrace.md section 4) with two
 * differences that make a numasched trace add up to its results file:
 *
 *  - Time is kept in nanoseconds, each record's TSC converted back exactly
 *    (ns_trace_ns), not in cycles: the totals then equal results.json to
 *    the nanosecond, which is finer than a tick.
 *  - Nothing is left uncounted. A vCPU is accounted from the start of the
 *    trace: numasched's VCPU_START record gives its state there; in a trace
 *    without one, its first runstate change says what state it was in
 *    (xenalyze leaves that time out). Open intervals are closed at the end
 *    of the trace (the last TSC of any pCPU), running or not.
 *
 * A transition is charged to the state it leaves as the record says, so the
 * order in which records of one instant are merged never moves time between
 * states; a record whose old state is not the one the vCPU was last seen
 * entering is counted as a mismatch (a damaged or lossy trace).
 *
 * Wake-to-run latency is from a blocked->runnable change to the next
 * runnable->running of that vCPU, as the engine measures it. Migrations are
 * runs that start on another pCPU than the previous run; with a host
 * topology (--host) they are classified as the engine classifies them.
 *
 * Memory is per vCPU and per pCPU, whatever the length of the trace, and
 * bounded by the trace's size too: a vCPU costs its record here (about 200
 * bytes) and its latency histogram, which grows with the buckets it uses
 * (8 bytes each, util/hist.c), and appears only with a record of its own
 * (16 bytes at least); the reader adds at most 8 bytes per window
 * (trace/reader.c). docs/robustness.md gives the measured bound.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define RS_RUNNING  NS_RUNSTATE_RUNNING
#define RS_RUNNABLE NS_RUNSTATE_RUNNABLE
#define RS_BLOCKED  NS_RUNSTATE_BLOCKED

struct avcpu {
    unsigned dom, vcpu;
    bool known;                 /* state and since are meaningful */
    unsigned state;
    int64_t since;
    uint64_t total[NS_RUNSTATES];
    bool wake_pending;
    int64_t woke_at;
    struct ns_hist lat;
    bool ran;
    unsigned last_cpu;          /* pCPU id of the last run */
    unsigned run_index;         /* pCPU index of the current run, NS_XT_NO_INDEX if none */
    uint64_t changes, mig[NS_MOVE_KINDS];
    bool xa_clock;              /* xenalyze would be counting its time */
    uint64_t uncounted[NS_RUNSTATES];   /* by xenalyze */
};

struct analysis {
    const struct ns_analyze_opts *o;
    struct ns_trace_analysis *a;
    const struct ns_xt_info *info;
    uint64_t hz;
    bool timed;                 /* a TSC has been seen: start is set */
    int64_t start, end;
    struct ns_trace_vtab *vtab;
    struct avcpu *v;
    size_t v_cap;
    uint64_t *busy;             /* [info->nr_cpus] */
};

static struct avcpu *vcpu_of(struct analysis *s, unsigned dom, unsigned vcpu)
{
    bool added;
    size_t slot = ns_trace_vtab_get(s->vtab, dom, vcpu, &added);

    if (slot >= s->v_cap) {
        s->v_cap = s->v_cap ? 2 * s->v_cap : 64;
        s->v = ns_xrealloc(s->v, s->v_cap * sizeof(*s->v));
    }
    struct avcpu *v = &s->v[slot];
    if (added) {
        memset(v, 0, sizeof(*v));
        v->dom = dom;
        v->vcpu = vcpu;
        v->run_index = NS_XT_NO_INDEX;
        ns_hist_init(&v->lat);
    }
    return v;
}

static uint64_t span(int64_t from, int64_t to) { return to > from ? (uint64_t)(to - from) : 0; }

/* Leave the current state at @t: charge @state (the record's word for it). */
static void leave(struct analysis *s, struct avcpu *v, unsigned state, int64_t t)
{
    uint64_t dt = span(v->since, t);

    v->total[state] += dt;
    if (!v->xa_clock)
        v->uncounted[state] += dt;
    if (state == RS_RUNNING && v->run_index != NS_XT_NO_INDEX) {
        s->busy[v->run_index] += dt;
        v->run_index = NS_XT_NO_INDEX;
    }
}

/* A run starts on the record's pCPU: count a move, close a pending wake-up. */
static void start_run(struct analysis *s, struct avcpu *v, const struct ns_xt_record *r, int64_t t)
{
    const struct ns_topo *topo = s->o ? s->o->topo : NULL;

    if (v->wake_pending) {
        ns_hist_add(&v->lat, span(v->woke_at, t));
        v->wake_pending = false;
    }
    if (v->ran && v->last_cpu != r->cpu) {
        v->changes++;
        if (topo && v->last_cpu < topo->nr_pcpus && r->cpu < topo->nr_pcpus)
            v->mig[ns_move_kind(topo, v->last_cpu, r->cpu)]++;
    }
    v->ran = true;
    v->last_cpu = r->cpu;
    v->run_index = r->cpu_index;
    v->xa_clock = true;
}

static void on_runstate(struct analysis *s, const struct ns_xt_record *r, int64_t t)
{
    unsigned from = (r->event >> 8) & 0xf, to = (r->event >> 4) & 0xf;
    unsigned dom = r->d[0] >> 16, vcpu = r->d[0] & 0xffff;

    if (from >= NS_RUNSTATES || to >= NS_RUNSTATES) {
        s->a->unknown_records++;
        return;
    }
    s->a->runstate_records++;
    if (dom == NS_TRACE_IDLE_DOM)
        return;
    struct avcpu *v = vcpu_of(s, dom, vcpu);
    if (!v->known) {
        v->known = true;
        v->state = from;
        v->since = s->start;
        if (from == RS_RUNNING) {
            v->ran = true;
            v->last_cpu = r->cpu;
            v->run_index = r->cpu_index;
        }
    }
    if (from != v->state)
        s->a->mismatches++;
    leave(s, v, from, t);
    if (from == RS_BLOCKED && to == RS_RUNNABLE) {
        v->wake_pending = true;
        v->woke_at = t;
    }
    if (to == RS_RUNNING)
        start_run(s, v, r, t);
    v->state = to;
    v->since = t;
}

static void on_continue(struct analysis *s, const struct ns_xt_record *r)
{
    unsigned dom = r->d[0] >> 16, vcpu = r->d[0] & 0xffff;

    s->a->continue_records++;
    if (dom == NS_TRACE_IDLE_DOM)
        return;
    struct avcpu *v = vcpu_of(s, dom, vcpu);
    if (!v->known) {            /* running since the start, as xenalyze has it */
        v->known = true;
        v->state = RS_RUNNING;
        v->since = s->start;
        v->ran = true;
        v->last_cpu = r->cpu;
        v->run_index = r->cpu_index;
    } else if (v->state != RS_RUNNING || v->last_cpu != r->cpu) {
        s->a->mismatches++;
    }
    v->xa_clock = true;
}

/* numasched's record of a vCPU's state at the start (on the first pCPU). */
static void on_vcpu_start(struct analysis *s, const struct ns_xt_record *r, int64_t t)
{
    unsigned dom = r->d[0] >> 16, vcpu = r->d[0] & 0xffff, state = r->d[1];
    uint64_t ago = r->d[4] | (uint64_t)r->d[5] << 32;

    s->a->numasched_records++;
    if (state >= NS_RUNSTATES || dom == NS_TRACE_IDLE_DOM)
        return;
    struct avcpu *v = vcpu_of(s, dom, vcpu);
    v->known = true;
    v->state = state;
    v->since = t;
    if (r->d[3] != NS_TRACE_NO_CPU) {
        v->ran = true;
        v->last_cpu = r->d[3];
    }
    v->run_index = state == RS_RUNNING ? ns_xt_cpu_index(s->info, r->d[2]) : NS_XT_NO_INDEX;
    if (ago != UINT64_MAX && ago <= (uint64_t)INT64_MAX / 2) {
        v->wake_pending = true;
        v->woke_at = t - (int64_t)ago;
    }
}

static void on_record(struct analysis *s, const struct ns_xt_record *r)
{
    uint32_t ev = r->event;

    s->a->records++;
    if (!r->has_tsc && !s->timed) {
        s->a->other_records++;  /* before any TSC: no time to place it at */
        return;
    }
    int64_t t = ns_trace_ns(s->hz, r->tsc);
    if (!s->timed) {
        s->timed = true;
        s->start = s->end = t;
    }
    if (t > s->end)
        s->end = t;
    if ((ev & 0x0ffff00fu) == NS_TRC_RUNSTATE_CHANGE)
        on_runstate(s, r, t);
    else if (ev == NS_TRC_CONTINUE_RUNNING)
        on_continue(s, r);
    else if (ev == NS_TRC_NS_VCPU_START)
        on_vcpu_start(s, r, t);
    else if (ev == NS_TRC_NS_CLOCK)
        s->a->numasched_records++;
    else if (ev == NS_TRC_LOST_RECORDS)
        s->a->lost_records += r->d[0];
    else if ((ev & 0x0ffff000u) == NS_TRC_SCHED_CLASS)
        s->a->class_records++;
    else if ((ev & 0x0ffff000u) == NS_TRC_SCHED_VERBOSE)
        s->a->verbose_records++;
    else
        s->a->unknown_records++;
}

/* ---- results ---------------------------------------------------------------------- */

static int by_id(const void *pa, const void *pb)
{
    const struct ns_an_vcpu *a = pa, *b = pb;
    if (a->dom != b->dom)
        return a->dom < b->dom ? -1 : 1;
    return a->vcpu < b->vcpu ? -1 : a->vcpu > b->vcpu;
}

static void collect(struct analysis *s)
{
    struct ns_trace_analysis *a = s->a;
    size_t nr_vcpus = ns_trace_vtab_count(s->vtab);

    a->start_ns = s->start;
    a->end_ns = s->end;
    a->duration_ns = span(s->start, s->end);
    a->vcpu = ns_xcalloc(nr_vcpus ? nr_vcpus : 1, sizeof(*a->vcpu));
    for (size_t i = 0; i < nr_vcpus; i++) {
        struct avcpu *v = &s->v[i];
        struct ns_an_vcpu *o = &a->vcpu[a->nr_vcpus++];
        if (v->known) {
            if (v->xa_clock && v->state != RS_RUNNING)
                v->uncounted[v->state] += span(v->since, s->end);
            leave(s, v, v->state, s->end);
        }
        o->dom = v->dom;
        o->vcpu = v->vcpu;
        memcpy(o->runstate_ns, v->total, sizeof(o->runstate_ns));
        o->wakeups = v->lat.count;
        o->wake_latency_mean_ns = ns_hist_mean(&v->lat);
        o->wake_latency_p50_ns = ns_hist_quantile(&v->lat, 0.50);
        o->wake_latency_p99_ns = ns_hist_quantile(&v->lat, 0.99);
        o->wake_latency_max_ns = v->lat.max;
        o->pcpu_changes = v->changes;
        memcpy(o->migrations, v->mig, sizeof(o->migrations));
        memcpy(o->xenalyze_uncounted_ns, v->uncounted, sizeof(o->xenalyze_uncounted_ns));
        ns_hist_free(&v->lat);
    }
    qsort(a->vcpu, a->nr_vcpus, sizeof(*a->vcpu), by_id);
    a->nr_pcpus = s->info->nr_cpus;
    a->pcpu = ns_xcalloc(a->nr_pcpus ? a->nr_pcpus : 1, sizeof(*a->pcpu));
    for (size_t i = 0; i < a->nr_pcpus; i++)
        a->pcpu[i] = (struct ns_an_pcpu){s->info->cpus[i], s->busy[i]};
}

static int check_host(const struct ns_xt_info *info, const struct ns_analyze_opts *o,
                      const char *name, struct ns_err *err)
{
    if (!o || !o->topo || !info->nr_cpus)
        return 0;
    unsigned top = info->cpus[info->nr_cpus - 1];
    if (top >= o->topo->nr_pcpus)
        return ns_err_set(err, name, 0, NULL, "the trace has pCPU %u, the host (%s) only %u pCPUs",
                          top, o->topo->source ? o->topo->source : "--host", o->topo->nr_pcpus);
    return 0;
}

static void choose_clock(struct ns_trace_analysis *a, const struct ns_xt_info *info,
                         const struct ns_analyze_opts *o)
{
    bool trace_ok = info->clock_hz >= NS_TRACE_MIN_HZ && info->clock_hz <= NS_TRACE_MAX_HZ;

    a->trace_hz = trace_ok ? info->clock_hz : 0;
    if (o && o->hz) {
        a->hz = o->hz;
        a->hz_source = "option";
    } else if (trace_ok) {
        a->hz = info->clock_hz;
        a->hz_source = "trace";
    } else {
        a->hz = NS_TRACE_DEFAULT_HZ;
        a->hz_source = "default";
    }
}

static int analyze(struct ns_xt_reader *rd, const char *name, const struct ns_analyze_opts *o,
                   struct ns_trace_analysis *a, struct ns_err *err)
{
    const struct ns_xt_info *info = ns_xt_info(rd);
    struct analysis s = {.o = o, .a = a, .info = info};
    struct ns_xt_record rec;
    int got;

    memset(a, 0, sizeof(*a));
    a->file = ns_xstrdup(name);
    a->bytes = info->bytes;
    a->windows = info->windows;
    a->topo = o ? o->topo : NULL;
    choose_clock(a, info, o);
    s.hz = a->hz;
    if (check_host(info, o, name, err) < 0) {
        ns_xt_close(rd);
        ns_analysis_free(a);
        return -1;
    }
    s.vtab = ns_trace_vtab_new();
    s.busy = ns_xcalloc(info->nr_cpus ? info->nr_cpus : 1, sizeof(*s.busy));
    while ((got = ns_xt_next(rd, &rec, err)) > 0)
        on_record(&s, &rec);
    if (got == 0)
        collect(&s);
    for (size_t i = 0; got < 0 && i < ns_trace_vtab_count(s.vtab); i++)
        ns_hist_free(&s.v[i].lat);
    free(s.v);
    free(s.busy);
    ns_trace_vtab_free(s.vtab);
    ns_xt_close(rd);
    if (got < 0) {
        ns_analysis_free(a);
        return -1;
    }
    return 0;
}

int ns_analyze_trace(const char *path, const struct ns_analyze_opts *o,
                     struct ns_trace_analysis *out, struct ns_err *err)
{
    struct ns_xt_reader *rd = ns_xt_open(path, err);

    memset(out, 0, sizeof(*out));
    return rd ? analyze(rd, path, o, out, err) : -1;
}

int ns_analyze_trace_mem(const void *data, size_t len, const char *name,
                         const struct ns_analyze_opts *o, struct ns_trace_analysis *out,
                         struct ns_err *err)
{
    struct ns_xt_reader *rd = ns_xt_open_mem(data, len, name, err);

    memset(out, 0, sizeof(*out));
    return rd ? analyze(rd, name, o, out, err) : -1;
}

void ns_analysis_free(struct ns_trace_analysis *a)
{
    free(a->file);
    free(a->vcpu);
    free(a->pcpu);
    memset(a, 0, sizeof(*a));
}

/* ---- the table ------------------------------------------------------------------------- */

static double secs(uint64_t ns) { return (double)ns / (double)NS_S; }

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void vcpu_line(FILE *f, const struct ns_trace_analysis *a, unsigned dom, const char *vcpu,
                      const struct ns_an_vcpu *v)
{
    uint64_t all = 0;

    for (int k = 0; k < NS_RUNSTATES; k++)
        all += v->runstate_ns[k];
    fprintf(f, "%5u %5s", dom, vcpu);
    for (int k = 0; k < NS_RUNSTATES; k++)
        fprintf(f, " %11.6f %5.1f", secs(v->runstate_ns[k]), pct(v->runstate_ns[k], all));
    fprintf(f, " %8" PRIu64, v->wakeups);
    if (v->wakeups && strcmp(vcpu, "all") != 0)
        fprintf(f, " %9.2f %9.2f", (double)v->wake_latency_p50_ns / NS_US,
                (double)v->wake_latency_p99_ns / NS_US);
    else                        /* none, or a domain total: percentiles do not add */
        fprintf(f, " %9s %9s", "-", "-");
    fprintf(f, " %7" PRIu64, v->pcpu_changes);
    if (a->topo)
        fprintf(f, " %6" PRIu64 " %6" PRIu64 " %6" PRIu64, v->migrations[NS_MOVE_CORE],
                v->migrations[NS_MOVE_SOCKET], v->migrations[NS_MOVE_NODE]);
    fputc('\n', f);
}

static void print_vcpus(const struct ns_trace_analysis *a, FILE *f)
{
    fprintf(f, "%5s %5s", "dom", "vcpu");
    for (int k = 0; k < NS_RUNSTATES; k++)
        fprintf(f, " %11s %5s", ns_runstate_name((enum ns_runstate)k), "%");
    fprintf(f, " %8s %9s %9s %7s", "wakeups", "p50-us", "p99-us", "moves");
    if (a->topo)
        fprintf(f, " %6s %6s %6s", "core", "socket", "node");
    fputc('\n', f);
    for (size_t i = 0; i < a->nr_vcpus;) {
        size_t j = i;
        struct ns_an_vcpu sum = {0};
        for (; j < a->nr_vcpus && a->vcpu[j].dom == a->vcpu[i].dom; j++) {
            for (int k = 0; k < NS_RUNSTATES; k++)
                sum.runstate_ns[k] += a->vcpu[j].runstate_ns[k];
            sum.wakeups += a->vcpu[j].wakeups;
            sum.pcpu_changes += a->vcpu[j].pcpu_changes;
            for (int k = 0; k < NS_MOVE_KINDS; k++)
                sum.migrations[k] += a->vcpu[j].migrations[k];
        }
        vcpu_line(f, a, a->vcpu[i].dom, "all", &sum);
        for (; i < j; i++) {
            char id[16];
            snprintf(id, sizeof(id), "%u", a->vcpu[i].vcpu);
            vcpu_line(f, a, a->vcpu[i].dom, id, &a->vcpu[i]);
        }
    }
}

void ns_analysis_print(const struct ns_trace_analysis *a, FILE *f)
{
    char hz[32];

    fprintf(f, "trace %s: %" PRIu64 " bytes, %" PRIu64 " records in %" PRIu64 " windows, %zu pCPUs\n",
            a->file, a->bytes, a->records, a->windows, a->nr_pcpus);
    fprintf(f, "clock: %sHz (%s; xenalyze --cpu-hz=%s), %.9f s traced\n",
            ns_trace_format_hz(a->hz, hz), strcmp(a->hz_source, "trace") == 0 ? "from the trace"
            : strcmp(a->hz_source, "option") == 0 ? "from --trace-hz" : "xenalyze's default",
            hz, secs(a->duration_ns));
    fprintf(f, "records: %" PRIu64 " runstate changes, %" PRIu64 " continue-running, %" PRIu64
            " scheduler-class, %" PRIu64 " other scheduler, %" PRIu64 " numasched, %" PRIu64
            " unknown (skipped), %" PRIu64 " lost\n", a->runstate_records, a->continue_records,
            a->class_records, a->verbose_records, a->numasched_records,
            a->unknown_records + a->other_records, a->lost_records);
    if (a->mismatches)
        fprintf(f, "warning: %" PRIu64 " runstate changes from a state the vCPU was not in "
                "(lost or reordered records?)\n", a->mismatches);
    fputc('\n', f);
    print_vcpus(a, f);
    fprintf(f, "\n%5s %11s %6s\n", "pcpu", "busy", "util%");
    for (size_t i = 0; i < a->nr_pcpus; i++)
        fprintf(f, "%5u %11.6f %6.1f\n", a->pcpu[i].id, secs(a->pcpu[i].busy_ns),
                pct(a->pcpu[i].busy_ns, a->duration_ns));
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static json_object *vcpu_json(const struct ns_trace_analysis *a, const struct ns_an_vcpu *v)
{
    return rj_vcpu_json(&(struct rj_vcpu){
        .id = v->vcpu,
        .runstate_ns = v->runstate_ns,
        .pcpu_changes = &v->pcpu_changes,
        .migrations = a->topo ? v->migrations : NULL,
        .wakeups = v->wakeups,
        .wake_latency_mean_ns = v->wake_latency_mean_ns,
        .wake_latency_p50_ns = v->wake_latency_p50_ns,
        .wake_latency_p99_ns = v->wake_latency_p99_ns,
        .wake_latency_max_ns = v->wake_latency_max_ns,
        .xenalyze_uncounted_ns = v->xenalyze_uncounted_ns,
    });
}

static json_object *analysis_json(const struct ns_trace_analysis *a)
{
    json_object *root = rj_must(json_object_new_object()), *rec = rj_must(json_object_new_object());
    json_object *doms = rj_must(json_object_new_array()), *pcpus = rj_must(json_object_new_array());

    rj_put(root, "file", rj_must(json_object_new_string(a->file)));
    rj_put(root, "bytes", rj_u64(a->bytes));
    rj_put(root, "windows", rj_u64(a->windows));
    rj_put(root, "trace_hz", rj_u64(a->hz));
    rj_put(root, "trace_hz_source", rj_must(json_object_new_string(a->hz_source)));
    rj_put(root, "start_ns", rj_i64(a->start_ns));
    rj_put(root, "end_ns", rj_i64(a->end_ns));
    rj_put(root, "duration_ns", rj_u64(a->duration_ns));
    rj_put(rec, "total", rj_u64(a->records));
    rj_put(rec, "runstate", rj_u64(a->runstate_records));
    rj_put(rec, "continue_running", rj_u64(a->continue_records));
    rj_put(rec, "sched_class", rj_u64(a->class_records));
    rj_put(rec, "sched_verbose", rj_u64(a->verbose_records));
    rj_put(rec, "numasched", rj_u64(a->numasched_records));
    rj_put(rec, "unknown", rj_u64(a->unknown_records + a->other_records));
    rj_put(rec, "lost", rj_u64(a->lost_records));
    rj_put(rec, "mismatches", rj_u64(a->mismatches));
    rj_put(root, "records", rec);
    for (size_t i = 0; i < a->nr_vcpus;) {
        json_object *d = rj_must(json_object_new_object()), *vcpus = rj_must(json_object_new_array());
        unsigned dom = a->vcpu[i].dom;
        rj_put(d, "id", rj_u64(dom));
        for (; i < a->nr_vcpus && a->vcpu[i].dom == dom; i++)
            rj_push(vcpus, vcpu_json(a, &a->vcpu[i]));
        rj_put(d, "vcpus", vcpus);
        rj_push(doms, d);
    }
    rj_put(root, "domains", doms);
    for (size_t i = 0; i < a->nr_pcpus; i++) {
        json_object *p = rj_must(json_object_new_object());
        rj_put(p, "id", rj_u64(a->pcpu[i].id));
        if (a->topo)
            rj_put(p, "node", rj_u64(a->topo->pcpu[a->pcpu[i].id].node));
        rj_put(p, "busy_ns", rj_u64(a->pcpu[i].busy_ns));
        rj_put(p, "utilisation",
            rj_dbl(a->duration_ns ? (double)a->pcpu[i].busy_ns / (double)a->duration_ns : 0));
        rj_push(pcpus, p);
    }
    rj_put(root, "pcpus", pcpus);
    return root;
}

void ns_analysis_print_json(const struct ns_trace_analysis *a, FILE *f)
{
    rj_print(analysis_json(a), f);
}
