/*
 * numasched run --determinism-check: same inputs and seed must give the same
 * run, fact by fact. The scenario is loaded and run again in this process,
 * and the two streams of scheduling facts (what the engine reports to trace
 * sinks) are compared, then the results.
 *
 * Checkpoints. Keeping every fact of a long run would cost memory in
 * proportion to simulated time, so each run folds its facts into a running
 * hash and records a checkpoint every CHECKPOINT_FACTS facts: the fact
 * count, the hash so far, and the last fact (time, kind, pCPU, vCPU). A
 * checkpoint list costs 72 bytes per 4,096 facts (under 1 KiB per
 * simulated second of the main example, whose 16 pCPUs report some 43,000
 * facts a second). The second run compares each of its
 * checkpoints with the first run's as it reaches it and keeps its last
 * window of facts in a ring, so that at the first checkpoint that differs it
 * holds its own version of the diverging window.
 *
 * Naming the first differing fact. The first run's facts of that window are
 * long gone, so a third run replays the first one and keeps exactly that
 * window. If the third run agrees with the first at that checkpoint, fact by
 * fact comparison of its window with the second run's names the first fact
 * that differs: its index, time, kind, pCPU and vCPU in both runs. If it
 * does not, the scenario is not even reproducible against itself, and we
 * say that.
 *
 * Only the measured window is traced, so a difference during warm-up shows
 * as the first facts differing, or as the results differing; the results
 * (every counter results.json holds) are compared once the facts agree.
 *
 * For the test suite only, NUMASCHED_TEST_PERTURB changes the second run:
 * "fact:K" moves its K-th fact (from 1) to the next pCPU, "seed" runs it
 * with the seed plus one. Nothing else reads it; --help does not mention it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "numasched/engine.h"
#include "numasched/runner.h"
#include "numasched/trace.h"

#define CHECKPOINT_FACTS 4096u

enum fact_kind { F_START, F_RUNSTATE, F_SWITCH, F_CONT, F_WAKE, F_BLOCK, F_YIELD, F_SLEEP, F_CLASS,
                 F_VCPU_START };

static const char *const kind_name[] = {"start", "runstate", "switch", "continue", "wake",
                                        "block", "sleep", "sched_class", "vcpu_start"};

/* One fact: who and where, and the rest of what the sink was told in a..d. */
struct fact {
    ns_time_t t;
    uint32_t kind, cpu;
    struct ns_trace_vcpu v;
    uint64_t a, b, c, d;
};

struct checkpoint {
    uint64_t facts, hash;
    struct fact last;
};

enum mode { RECORD, COMPARE, REPLAY };

struct ns_det {
    enum mode mode;
    struct ns_trace_sink sink;
    uint64_t facts, hash;
    struct fact last;
    /* RECORD, REPLAY: the checkpoints; the results' digest. */
    struct checkpoint *cp;
    size_t nr_cp, cap_cp;
    uint64_t results;
    /* COMPARE: the first run's checkpoints, and where we differ from them. */
    const struct ns_det *ref;
    struct fact *ring;           /* [CHECKPOINT_FACTS]: the current window */
    bool diverged;
    size_t window;               /* checkpoint index of the diverging window */
    uint64_t perturb_fact;       /* test hook: 0 = none */
    /* REPLAY: keep the facts of window @window here. */
    struct fact *kept;
    size_t nr_kept;
};

/* ---- folding facts ------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

static uint64_t fact_hash(uint64_t h, const struct fact *f)
{
    h = mix(h, f->t);
    h = mix(h, (uint64_t)f->kind << 32 | f->cpu);
    h = mix(h, (uint64_t)f->v.dom << 32 | f->v.vcpu);
    h = mix(h, f->a);
    h = mix(h, f->b);
    h = mix(h, f->c);
    return mix(h, f->d);
}

static void push_checkpoint(struct ns_det *d)
{
    if (d->nr_cp == d->cap_cp) {
        d->cap_cp = d->cap_cp ? 2 * d->cap_cp : 64;
        d->cp = ns_xrealloc(d->cp, d->cap_cp * sizeof(*d->cp));
    }
    d->cp[d->nr_cp++] = (struct checkpoint){d->facts, d->hash, d->last};
}

/* COMPARE: does our checkpoint @k (now) match the first run's? */
static void compare_checkpoint(struct ns_det *d, size_t k)
{
    const struct ns_det *r = d->ref;

    if (d->diverged)
        return;
    if (k < r->nr_cp && r->cp[k].facts == d->facts && r->cp[k].hash == d->hash)
        return;
    d->diverged = true;
    d->window = k;
}

static void fact(struct ns_det *d, struct fact f)
{
    d->facts++;
    if (d->mode == COMPARE && d->facts == d->perturb_fact)
        f.cpu++;
    d->hash = fact_hash(d->hash, &f);
    d->last = f;

    size_t k = (size_t)((d->facts - 1) / CHECKPOINT_FACTS);
    if (d->mode == COMPARE && !d->diverged)
        d->ring[(d->facts - 1) % CHECKPOINT_FACTS] = f;
    if (d->mode == REPLAY && k == d->window)
        d->kept[d->nr_kept++] = f;
    if (d->facts % CHECKPOINT_FACTS == 0) {
        if (d->mode == COMPARE)
            compare_checkpoint(d, k);
        else
            push_checkpoint(d);
    }
}

/* ---- the sink ----------------------------------------------------------------------- */

static uint64_t vcpu_word(struct ns_trace_vcpu v) { return (uint64_t)v.dom << 32 | v.vcpu; }

static void on_start(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    fact(ctx, (struct fact){t, F_START, cpu, v, 0, 0, 0, 0});
}

static void on_runstate(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                        unsigned from, unsigned to, unsigned processor)
{
    fact(ctx, (struct fact){t, F_RUNSTATE, cpu, v, from, to, processor, 0});
}

static void on_switch(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu prev,
                      ns_time_t ran_ns, struct ns_trace_vcpu next, ns_time_t waited_ns,
                      ns_time_t slice_ns)
{
    fact(ctx, (struct fact){t, F_SWITCH, cpu, next, vcpu_word(prev), ran_ns, waited_ns,
                            slice_ns});
}

static void on_cont(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v,
                    ns_time_t ran_ns, ns_time_t slice_ns)
{
    fact(ctx, (struct fact){t, F_CONT, cpu, v, ran_ns, slice_ns, 0, 0});
}

static void on_wake(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    fact(ctx, (struct fact){t, F_WAKE, cpu, v, 0, 0, 0, 0});
}

static void on_block(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    fact(ctx, (struct fact){t, F_BLOCK, cpu, v, 0, 0, 0, 0});
}

static void on_yield(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    fact(ctx, (struct fact){t, F_YIELD, cpu, v, 0, 0, 0, 0});
}

static void on_sleep(void *ctx, ns_time_t t, unsigned cpu, struct ns_trace_vcpu v)
{
    fact(ctx, (struct fact){t, F_SLEEP, cpu, v, 0, 0, 0, 0});
}

/* A scheduler record: its id and word count, its first two words, a hash of the rest. */
static void on_class(void *ctx, ns_time_t t, unsigned cpu, uint32_t event, unsigned n,
                     const uint32_t *words)
{
    uint64_t first = 0, rest = 0;

    for (unsigned i = 0; i < n; i++) {
        if (i < 2)
            first |= (uint64_t)words[i] << (32 * i);
        else
            rest = mix(rest, words[i]);
    }
    fact(ctx, (struct fact){t, F_CLASS, cpu, {NS_TRACE_IDLE_DOM, cpu}, event, n, first, rest});
}

static void on_vcpu_start(void *ctx, ns_time_t t, struct ns_trace_vcpu v, unsigned runstate,
                          unsigned processor, unsigned last_cpu, ns_time_t woke_at)
{
    fact(ctx, (struct fact){t, F_VCPU_START, processor, v, runstate, processor, last_cpu,
                            woke_at});
}

static const struct ns_trace_sink_ops det_ops = {
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

/* ---- results ------------------------------------------------------------------------- */

static uint64_t mix_double(uint64_t h, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof(bits));
    return mix(h, bits);
}

/* Everything results.json holds of one domain. */
static uint64_t domain_digest(const struct ns_domain_result *d)
{
    uint64_t h = mix(0, d->id);

    h = mix_double(h, d->metric.value);
    h = mix_double(mix_double(mix_double(h, d->metric.p50), d->metric.p90), d->metric.p99);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        const struct ns_vcpu_result *v = &d->vcpu[i];
        for (int s = 0; s < NS_RUNSTATES; s++)
            h = mix(h, v->runstate_ns[s]);
        h = mix(mix(h, v->local_run_ns), v->remote_run_ns);
        for (int m = 0; m < NS_MOVE_KINDS; m++)
            h = mix(h, v->migrations[m]);
        h = mix(h, v->wakeups);
        h = mix_double(h, v->wake_latency_mean_ns);
        h = mix(mix(mix(h, v->wake_latency_p50_ns), v->wake_latency_p99_ns),
                v->wake_latency_max_ns);
    }
    return h;
}

static uint64_t results_digest(const struct ns_results *r)
{
    uint64_t h = mix(mix(0, r->events), r->duration_ns);

    for (size_t i = 0; i < r->nr_domains; i++)
        h = mix(h, domain_digest(&r->dom[i]));
    for (unsigned i = 0; i < r->topo->nr_pcpus; i++)
        h = mix(h, r->pcpu[i].busy_ns);
    for (unsigned i = 0; i < r->topo->nr_nodes; i++)
        h = mix_double(h, r->node_bw_gbs[i]);
    return h;
}

/* ---- the runs ---------------------------------------------------------------------- */

static struct ns_det *det_new(enum mode mode)
{
    struct ns_det *d = ns_xcalloc(1, sizeof(*d));

    d->mode = mode;
    d->sink = (struct ns_trace_sink){&det_ops, d};
    return d;
}

struct ns_det *ns_det_new(void) { return det_new(RECORD); }

const struct ns_trace_sink *ns_det_sink(struct ns_det *d) { return &d->sink; }

/*
 * The end of a run: its last, partial checkpoint and its results. A second
 * run that ends where the first did not (or the reverse) differs in the
 * window where the shorter one ended.
 */
void ns_det_finish(struct ns_det *d, const struct ns_results *r)
{
    bool partial = d->facts % CHECKPOINT_FACTS != 0 || d->facts == 0;
    size_t k = (size_t)(d->facts / CHECKPOINT_FACTS);

    d->results = results_digest(r);
    if (d->mode != COMPARE) {
        if (partial)
            push_checkpoint(d);
        return;
    }
    if (partial)
        compare_checkpoint(d, k);
    if (!d->diverged && d->facts != d->ref->facts) {
        d->diverged = true;
        d->window = k;
    }
}

void ns_det_free(struct ns_det *d)
{
    if (!d)
        return;
    free(d->cp);
    free(d->ring);
    free(d->kept);
    free(d);
}

/* Load, run with @d as the only sink, finish @d. */
static int run_with(struct ns_det *d, ns_spec_loader load, void *arg, bool perturb_seed,
                    struct ns_err *err)
{
    struct ns_sim_spec spec = {0};
    int rc = -1;

    if (load(arg, &spec, err) < 0)
        return -1;
    if (perturb_seed)
        spec.seed++;
    struct ns_engine *e = ns_engine_create(&spec, err);
    if (e) {
        ns_engine_add_sink(e, &d->sink);
        if (ns_engine_run(e, err) == 0) {
            ns_det_finish(d, ns_engine_results(e));
            rc = 0;
        }
    }
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
    return rc;
}

/* ---- telling the user ---------------------------------------------------------------- */

static const char *vcpu_name(struct ns_trace_vcpu v, char *buf, size_t n)
{
    if (v.dom == NS_TRACE_IDLE_DOM)
        snprintf(buf, n, "idle");
    else
        snprintf(buf, n, "d%uv%u", v.dom, v.vcpu);
    return buf;
}

/* "switch on pCPU 3, d2v1" and what else the fact says, compactly. */
static void describe(const struct fact *f, char *buf, size_t n)
{
    char v[32], prev[32];
    unsigned long long a = f->a, b = f->b, c = f->c, dd = f->d;

    vcpu_name(f->v, v, sizeof(v));
    switch ((enum fact_kind)f->kind) {
    case F_RUNSTATE:
        snprintf(buf, n, "runstate on pCPU %u, %s %s -> %s", f->cpu, v,
                 ns_runstate_name((enum ns_runstate)(a & 3)),
                 ns_runstate_name((enum ns_runstate)(b & 3)));
        break;
    case F_SWITCH:
        vcpu_name((struct ns_trace_vcpu){(unsigned)(a >> 32), (unsigned)a}, prev, sizeof(prev));
        snprintf(buf, n, "switch on pCPU %u, %s -> %s (ran %llu ns)", f->cpu, prev, v, b);
        break;
    case F_CONT:
        snprintf(buf, n, "continue on pCPU %u, %s (ran %llu ns)", f->cpu, v, a);
        break;
    case F_CLASS:
        snprintf(buf, n, "sched_class 0x%08llx on pCPU %u (%llu words: 0x%llx ...)", a, f->cpu,
                 b, c);
        break;
    case F_VCPU_START:
        snprintf(buf, n, "vcpu_start of %s on pCPU %u (runstate %llu, last pCPU %lld)", v,
                 f->cpu, a, c == NS_TRACE_NO_CPU ? -1LL : (long long)c);
        break;
    default:
        snprintf(buf, n, "%s on pCPU %u, %s", kind_name[f->kind], f->cpu, v);
        break;
    }
    (void)dd;
}

/* Both runs' window facts differ at @i (one of them may have ended). */
static int name_fact(const struct ns_det *two, const struct ns_det *three, size_t i,
                     struct ns_err *err)
{
    uint64_t index = (uint64_t)two->window * CHECKPOINT_FACTS + i + 1;
    size_t nr_two = (size_t)(two->facts - (uint64_t)two->window * CHECKPOINT_FACTS);
    char x[256], y[256];

    if (nr_two > CHECKPOINT_FACTS)
        nr_two = CHECKPOINT_FACTS;
    if (i < three->nr_kept)
        describe(&three->kept[i], x, sizeof(x));
    else
        snprintf(x, sizeof(x), "nothing (its %llu facts ended)", (unsigned long long)three->facts);
    if (i < nr_two)
        describe(&two->ring[i], y, sizeof(y));
    else
        snprintf(y, sizeof(y), "nothing (its %llu facts ended)", (unsigned long long)two->facts);
    if (i >= three->nr_kept && i >= nr_two)     /* only a hash collision gets here */
        return ns_err_set(err, NULL, 0, NULL, "not deterministic: the runs differ between "
                          "facts %llu and %llu", (unsigned long long)index - i,
                          (unsigned long long)index - i + CHECKPOINT_FACTS - 1);
    ns_time_t t = i < three->nr_kept ? three->kept[i].t : two->ring[i].t;
    return ns_err_set(err, NULL, 0, NULL, "not deterministic: the runs first differ at fact "
                      "%llu, t=%llu ns: run 1 has %s, run 2 has %s",
                      (unsigned long long)index, (unsigned long long)t, x, y);
}

/* Runs 1 and 2 differ within window @k: replay run 1 and compare that window. */
static int explain(const struct ns_det *one, const struct ns_det *two, ns_spec_loader load,
                   void *arg, struct ns_err *err)
{
    struct ns_det *three = det_new(REPLAY);
    size_t k = two->window;
    int rc;

    three->window = k;
    three->kept = ns_xcalloc(CHECKPOINT_FACTS, sizeof(*three->kept));
    if (run_with(three, load, arg, false, err) < 0) {
        ns_det_free(three);
        return -1;
    }
    bool same;
    if (k < one->nr_cp)
        same = k < three->nr_cp && three->cp[k].facts == one->cp[k].facts &&
               three->cp[k].hash == one->cp[k].hash;
    else                        /* run 1 had ended before window k: so must run 3 */
        same = three->facts == one->facts && three->hash == one->hash;
    if (!same) {
        /* Where run 1 was at the checkpoints around the window, as far as it got. */
        ns_time_t from = k > 0 && k - 1 < one->nr_cp ? one->cp[k - 1].last.t : 0;
        ns_time_t to = k < one->nr_cp ? one->cp[k].last.t : one->last.t;
        rc = ns_err_set(err, NULL, 0, NULL, "not deterministic: runs 1 and 2 differ between "
                        "facts %llu and %llu (t=%llu..%llu ns), and a third run differs from "
                        "run 1 there too", (unsigned long long)k * CHECKPOINT_FACTS + 1,
                        (unsigned long long)(k + 1) * CHECKPOINT_FACTS,
                        (unsigned long long)from, (unsigned long long)to);
    } else {
        size_t nr_two = (size_t)(two->facts - (uint64_t)k * CHECKPOINT_FACTS), i = 0;
        if (nr_two > CHECKPOINT_FACTS)
            nr_two = CHECKPOINT_FACTS;
        while (i < nr_two && i < three->nr_kept &&
               fact_hash(0, &two->ring[i]) == fact_hash(0, &three->kept[i]))
            i++;
        rc = name_fact(two, three, i, err);
    }
    ns_det_free(three);
    return rc;
}

int ns_det_verify(const struct ns_det *one, const char *name, ns_spec_loader load,
                   void *arg, struct ns_err *err)
{
    const char *perturb = getenv("NUMASCHED_TEST_PERTURB");   /* the test suite's hook */
    struct ns_det *two = det_new(COMPARE);
    struct ns_err why;
    int rc = 0;

    two->ref = one;
    two->ring = ns_xcalloc(CHECKPOINT_FACTS, sizeof(*two->ring));
    if (perturb && strncmp(perturb, "fact:", 5) == 0)
        two->perturb_fact = strtoull(perturb + 5, NULL, 10);
    if (run_with(two, load, arg, perturb && strcmp(perturb, "seed") == 0, err) < 0) {
        rc = -1;                /* the run itself failed: err says why */
    } else if (two->diverged || two->results != one->results) {
        if (two->diverged)
            explain(one, two, load, arg, &why);
        else
            ns_err_set(&why, NULL, 0, NULL, "not deterministic: the runs' %llu scheduling "
                       "facts agree, but their results differ", (unsigned long long)one->facts);
        rc = ns_err_set(err, name, 0, NULL, "%s", why.msg);
    } else {
        printf("determinism: 2 runs agree: %llu scheduling facts (%zu checkpoint%s) and "
               "the results\n", (unsigned long long)one->facts, one->nr_cp,
               one->nr_cp == 1 ? "" : "s");
    }
    ns_det_free(two);
    return rc;
}
