/*
 * The Perfetto writer: a trace sink that streams Chrome trace-event JSON
 * (facts/formats.md 1.9), which ui.perfetto.dev and chrome://tracing open.
 *
 *  - One pseudo-process "pCPUs" (pid 0) with one track per pCPU (tid = pCPU),
 *    named "pCPU N (node X, socket Y, core Z)" by `M` metadata records.
 *  - One complete slice (`X`) per vCPU run on a pCPU, from the runstate
 *    change into running to the one out of it, both of which the engine
 *    records on that pCPU; runs of the idle vCPU, and runs of no length, are
 *    left out. Args: the domain and vCPU ids, the domain's name, and where
 *    its memory was for that run: "local" (all on the pCPU's node), "remote"
 *    (none) or "mixed", with the local fraction.
 *  - A second pseudo-process "NUMA nodes" (pid 1) with one counter track
 *    (`C`) per node: the runnable vCPUs queued on that node's pCPUs, changed
 *    whenever a vCPU becomes or stops being runnable. A runnable vCPU counts
 *    on the node of the pCPU whose runqueue holds it (the `processor` the
 *    engine reports with each runstate change).
 *
 * Streaming: each slice is written when it closes, so memory is one open
 * slice per pCPU and one node per vCPU. Times are printed from integer
 * nanoseconds as microseconds with three decimals, which Perfetto reads
 * back to the exact nanosecond, and which makes the file a pure function of
 * the run. No JSON library is needed to write this fixed shape; names are
 * escaped here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "numasched/perfetto.h"

#define RUNNING 0u
#define RUNNABLE 1u

struct pslice {
    bool open;
    struct ns_trace_vcpu v;
    ns_time_t since;
};

struct pdom {
    bool known;
    char **args;                /* [nr_nodes]: the end of a slice on that node, from
                                   ",\"domain\":..." to the closing braces */
};

struct lbuf {                   /* one output line, formatted by hand: fast */
    char *b;
    size_t n, cap;
};

struct ns_perfetto {
    struct ns_trace_sink sink;
    struct ns_outfile out;
    const struct ns_topo *topo;
    struct pdom *dom;           /* by domain id */
    unsigned nr_dom_ids;
    struct pslice *slice;       /* [nr_pcpus] */
    struct ns_trace_vtab *vtab;
    unsigned *runnable_node;    /* [vtab slot]: node counted on, UINT32_MAX: none */
    size_t rn_cap;
    unsigned *runnable;         /* [nr_nodes] */
    struct lbuf line;
    bool started;
};

/* ---- JSON pieces ---------------------------------------------------------------- */

static char *json_escape(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += (unsigned char)*p < 0x20 ? 6 : (*p == '"' || *p == '\\') ? 2 : 1;
    char *out = ns_xmalloc(n + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20)
            o += sprintf(o, "\\u%04x", *p);
        else if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else
            *o++ = (char)*p;
    }
    *o = '\0';
    return out;
}

static void lb_mem(struct lbuf *l, const char *s, size_t n)
{
    if (l->n + n > l->cap) {
        l->cap = 2 * (l->n + n) + 256;
        l->b = ns_xrealloc(l->b, l->cap);
    }
    memcpy(l->b + l->n, s, n);
    l->n += n;
}

static void lb_str(struct lbuf *l, const char *s) { lb_mem(l, s, strlen(s)); }

static void lb_u64(struct lbuf *l, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);

    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    lb_mem(l, d + i, sizeof(d) - i);
}

/* Nanoseconds as exact microseconds: "12345.678". */
static void lb_us(struct lbuf *l, ns_time_t ns)
{
    unsigned frac = (unsigned)(ns % 1000);
    char d[4] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
                 (char)('0' + frac % 10)};

    lb_u64(l, ns / 1000);
    lb_mem(l, d, 4);
}

static void lb_flush(struct ns_perfetto *p)
{
    fwrite(p->line.b, 1, p->line.n, p->out.f);
    p->line.n = 0;
}

static void meta(struct ns_perfetto *p, unsigned pid, int tid, const char *what, const char *name)
{
    fprintf(p->out.f, "{\"ph\":\"M\",\"pid\":%u,", pid);
    if (tid >= 0)
        fprintf(p->out.f, "\"tid\":%d,", tid);
    fprintf(p->out.f, "\"name\":\"%s\",\"args\":{\"name\":\"%s\"}},\n", what, name);
}

static void sort_index(struct ns_perfetto *p, unsigned pid, int tid, unsigned index)
{
    fprintf(p->out.f, "{\"ph\":\"M\",\"pid\":%u,", pid);
    if (tid >= 0)
        fprintf(p->out.f, "\"tid\":%d,\"name\":\"thread_sort_index\"", tid);
    else
        fprintf(p->out.f, "\"name\":\"process_sort_index\"");
    fprintf(p->out.f, ",\"args\":{\"sort_index\":%u}},\n", index);
}

static void write_header(struct ns_perfetto *p)
{
    const struct ns_topo *t = p->topo;
    char name[128];

    fputs("{\"traceEvents\":[\n", p->out.f);
    meta(p, 0, -1, "process_name", "pCPUs");
    sort_index(p, 0, -1, 0);
    for (unsigned c = 0; c < t->nr_pcpus; c++) {
        snprintf(name, sizeof(name), "pCPU %u (node %u, socket %u, core %u)", c,
                 t->pcpu[c].node, t->pcpu[c].socket, t->pcpu[c].core);
        meta(p, 0, (int)c, "thread_name", name);
        sort_index(p, 0, (int)c, c);
    }
    meta(p, 1, -1, "process_name", "NUMA nodes");
    sort_index(p, 1, -1, 1);
}

/* ---- slices and counters ---------------------------------------------------------- */

static const struct pdom *dom_of(const struct ns_perfetto *p, unsigned id)
{
    return id < p->nr_dom_ids && p->dom[id].known ? &p->dom[id] : NULL;
}

static void close_slice(struct ns_perfetto *p, unsigned cpu, ns_time_t t)
{
    struct pslice *s = &p->slice[cpu];
    const struct pdom *d = dom_of(p, s->v.dom);
    struct lbuf *l = &p->line;

    if (!s->open)
        return;
    s->open = false;
    if (t == s->since)
        return;                 /* switched out at once: nothing to see */
    lb_str(l, "{\"ph\":\"X\",\"pid\":0,\"tid\":");
    lb_u64(l, cpu);
    lb_str(l, ",\"ts\":");
    lb_us(l, s->since);
    lb_str(l, ",\"dur\":");
    lb_us(l, t - s->since);
    lb_str(l, ",\"name\":\"d");
    lb_u64(l, s->v.dom);
    lb_str(l, "v");
    lb_u64(l, s->v.vcpu);
    lb_str(l, "\",\"cat\":\"vcpu\",\"args\":{\"dom\":");
    lb_u64(l, s->v.dom);
    lb_str(l, ",\"vcpu\":");
    lb_u64(l, s->v.vcpu);
    lb_str(l, d ? d->args[p->topo->pcpu[cpu].node] : "}},\n");
    lb_flush(p);
}

static void open_slice(struct ns_perfetto *p, unsigned cpu, struct ns_trace_vcpu v, ns_time_t t)
{
    if (cpu >= p->topo->nr_pcpus || v.dom == NS_TRACE_IDLE_DOM)
        return;
    p->slice[cpu] = (struct pslice){true, v, t};
}

static void counter(struct ns_perfetto *p, unsigned node, ns_time_t t)
{
    struct lbuf *l = &p->line;

    lb_str(l, "{\"ph\":\"C\",\"pid\":1,\"name\":\"runnable vCPUs node ");
    lb_u64(l, node);
    lb_str(l, "\",\"ts\":");
    lb_us(l, t);
    lb_str(l, ",\"args\":{\"runnable\":");
    lb_u64(l, p->runnable[node]);
    lb_str(l, "}},\n");
    lb_flush(p);
}

static unsigned *runnable_slot(struct ns_perfetto *p, struct ns_trace_vcpu v)
{
    bool added;
    size_t slot = ns_trace_vtab_get(p->vtab, v.dom, v.vcpu, &added);

    if (slot >= p->rn_cap) {
        size_t cap = p->rn_cap ? 2 * p->rn_cap : 64;
        p->runnable_node = ns_xrealloc(p->runnable_node, cap * sizeof(*p->runnable_node));
        for (size_t i = p->rn_cap; i < cap; i++)
            p->runnable_node[i] = UINT32_MAX;
        p->rn_cap = cap;
    }
    return &p->runnable_node[slot];
}

/* @v is runnable on @processor's node from @t (processor NS_TRACE_NO_CPU: it is not). */
static void set_runnable(struct ns_perfetto *p, struct ns_trace_vcpu v, unsigned processor,
                         ns_time_t t)
{
    unsigned *at = runnable_slot(p, v);
    unsigned node = processor < p->topo->nr_pcpus ? p->topo->pcpu[processor].node : UINT32_MAX;

    if (*at == node)
        return;
    if (*at != UINT32_MAX) {
        p->runnable[*at]--;
        counter(p, *at, t);
    }
    *at = node;
    if (node != UINT32_MAX) {
        p->runnable[node]++;
        counter(p, node, t);
    }
}

/* ---- the hooks ------------------------------------------------------------------------ */

static void on_start(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    struct ns_perfetto *p = ctx;

    if (!p->started) {
        p->started = true;
        for (unsigned n = 0; n < p->topo->nr_nodes; n++)
            counter(p, n, t);
    }
    open_slice(p, cpu, v, t);
}

static void on_vcpu_start(void *ctx, ns_time_t t, struct ns_trace_vcpu v, unsigned runstate,
                          unsigned processor, unsigned last_cpu, ns_time_t woke_at)
{
    (void)last_cpu;
    (void)woke_at;
    if (runstate == RUNNABLE)
        set_runnable(ctx, v, processor, t);
}

static void on_runstate(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                        unsigned from, unsigned to, unsigned processor)
{
    struct ns_perfetto *p = ctx;

    if (cpu < p->topo->nr_pcpus && from == RUNNING && p->slice[cpu].open &&
        p->slice[cpu].v.dom == v.dom && p->slice[cpu].v.vcpu == v.vcpu)
        close_slice(p, cpu, t);
    if (to == RUNNING)
        open_slice(p, cpu, v, t);
    if (v.dom != NS_TRACE_IDLE_DOM && (from == RUNNABLE || to == RUNNABLE))
        set_runnable(p, v, to == RUNNABLE ? processor : NS_TRACE_NO_CPU, t);
}

static const struct ns_trace_sink_ops perfetto_ops = {
    .start = on_start,
    .runstate = on_runstate,
    .vcpu_start = on_vcpu_start,
};

/* ---- life cycle ------------------------------------------------------------------------- */

/*
 * Where a domain's memory is, against each node: the fraction on that node
 * makes a run there "local" (all of it), "remote" (none) or "mixed". The end
 * of every slice of the domain on that node is formatted once, here.
 */
static void set_domain(struct ns_perfetto *p, const struct ns_perfetto_domain *d)
{
    const struct ns_topo *t = p->topo;
    struct pdom *pd = &p->dom[d->id];
    char *name = json_escape(d->name ? d->name : "");
    double total = 0;

    pd->known = true;
    pd->args = ns_xcalloc(t->nr_nodes, sizeof(*pd->args));
    for (unsigned n = 0; d->memory_kb_per_node && n < t->nr_nodes; n++)
        total += (double)d->memory_kb_per_node[n];
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        double local = total > 0 ? (double)d->memory_kb_per_node[n] / total : 1.0;
        const char *kind = local >= 1.0 ? "local" : local <= 0.0 ? "remote" : "mixed";
        unsigned frac = (unsigned)(local * 10000 + 0.5);   /* no %f: locale-proof */
        size_t len = strlen(name) + 128;
        pd->args[n] = ns_xmalloc(len);
        snprintf(pd->args[n], len,
                 ",\"domain\":\"%s\",\"memory\":\"%s\",\"local_fraction\":%u.%04u}},\n", name,
                 kind, frac / 10000, frac % 10000);
    }
    free(name);
}

static void release(struct ns_perfetto *p)
{
    for (unsigned i = 0; i < p->nr_dom_ids; i++) {
        for (unsigned n = 0; p->dom[i].args && n < p->topo->nr_nodes; n++)
            free(p->dom[i].args[n]);
        free(p->dom[i].args);
    }
    free(p->line.b);
    free(p->dom);
    free(p->slice);
    free(p->runnable_node);
    free(p->runnable);
    ns_trace_vtab_free(p->vtab);
    free(p);
}

struct ns_perfetto *ns_perfetto_open(const char *path, const struct ns_topo *topo,
                                     const struct ns_perfetto_domain *doms, size_t nr_doms,
                                     struct ns_err *err)
{
    struct ns_perfetto *p = ns_xcalloc(1, sizeof(*p));

    p->topo = topo;
    for (size_t i = 0; i < nr_doms; i++)
        if (doms[i].id + 1 > p->nr_dom_ids)
            p->nr_dom_ids = doms[i].id + 1;
    p->dom = ns_xcalloc(p->nr_dom_ids ? p->nr_dom_ids : 1, sizeof(*p->dom));
    for (size_t i = 0; i < nr_doms; i++)
        set_domain(p, &doms[i]);
    p->slice = ns_xcalloc(topo->nr_pcpus ? topo->nr_pcpus : 1, sizeof(*p->slice));
    p->runnable = ns_xcalloc(topo->nr_nodes ? topo->nr_nodes : 1, sizeof(*p->runnable));
    p->vtab = ns_trace_vtab_new();
    if (ns_outfile_open(&p->out, path, err) < 0) {
        release(p);
        return NULL;
    }
    write_header(p);
    p->sink = (struct ns_trace_sink){&perfetto_ops, p};
    return p;
}

const struct ns_trace_sink *ns_perfetto_sink(struct ns_perfetto *p) { return &p->sink; }

int ns_perfetto_finish(struct ns_perfetto *p, ns_time_t end, struct ns_err *err)
{
    for (unsigned c = 0; c < p->topo->nr_pcpus; c++)
        close_slice(p, c, end);
    for (unsigned n = 0; p->started && n < p->topo->nr_nodes; n++)
        counter(p, n, end);
    /* The metadata record closes the array without a trailing comma. */
    fputs("{\"ph\":\"M\",\"pid\":1,\"name\":\"process_labels\",\"args\":{\"labels\":"
          "\"runnable vCPUs per node\"}}\n]}\n", p->out.f);
    int rc = ns_outfile_commit(&p->out, err);
    release(p);
    return rc;
}

void ns_perfetto_abort(struct ns_perfetto *p)
{
    if (!p)
        return;
    ns_outfile_abort(&p->out);
    release(p);
}
