/*
 * rr: per-pCPU round robin, the baseline scheduler.
 *
 * It is deliberately the simplest scheduler that is still honest on a NUMA
 * host: every pCPU runs its own FIFO runqueue with a fixed slice (tslice_ms,
 * 30 ms by default, the length of a credit timeslice), hard affinity is
 * always respected, and no pCPU sits idle while work it may run waits
 * elsewhere. It has no weights, no caps, no priorities and no notion of soft
 * affinity or NUMA: the "what if the hypervisor knew nothing" point against
 * which credit's mechanisms can be measured.
 *
 * Work conservation comes from two places: a waking vCPU whose own pCPU is
 * busy pokes an idle pCPU it may run on, and a pCPU that finds its queue
 * empty steals the first allowed vCPU from a peer's queue. Peers with queued
 * work are kept in a mask so that the search costs the number of busy queues
 * visited, not the size of the host.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "sched_impl.h"

struct rr_vcpu {
    struct ns_vcpu *v;
    struct rr_vcpu *prev, *next;
    bool queued;
    bool yielded;
};

struct rr_runq {
    struct rr_vcpu *head, *tail;
    size_t len;
};

struct rr_priv {
    struct rr_runq *runq;        /* [nr_pcpus], only pool CPUs used */
    struct ns_mask idlers;       /* pool pCPUs running their idle vCPU */
    struct ns_mask has_work;     /* pool pCPUs with a non-empty runqueue */
    struct ns_mask scratch;
};

static struct rr_priv *priv(const struct ns_sched *s) { return s->priv; }
static struct rr_vcpu *rv(const struct ns_vcpu *v) { return v->sched_priv; }

static void runq_append(struct rr_priv *p, unsigned cpu, struct rr_vcpu *x)
{
    struct rr_runq *q = &p->runq[cpu];

    x->prev = q->tail;
    x->next = NULL;
    if (q->tail)
        q->tail->next = x;
    else
        q->head = x;
    q->tail = x;
    q->len++;
    x->queued = true;
    ns_mask_set(&p->has_work, cpu);
}

static void runq_remove(struct rr_priv *p, unsigned cpu, struct rr_vcpu *x)
{
    struct rr_runq *q = &p->runq[cpu];

    if (x->prev)
        x->prev->next = x->next;
    else
        q->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    else
        q->tail = x->prev;
    x->prev = x->next = NULL;
    x->queued = false;
    if (--q->len == 0)
        ns_mask_clear(&p->has_work, cpu);
}

static int rr_init(struct ns_sched *s, struct ns_err *err)
{
    (void)err;
    size_t n = s->env->topo->nr_pcpus;
    struct rr_priv *p = ns_xcalloc(1, sizeof(*p));

    p->runq = ns_xcalloc(n, sizeof(*p->runq));
    ns_mask_init(&p->idlers, n);
    ns_mask_init(&p->has_work, n);
    ns_mask_init(&p->scratch, n);
    s->priv = p;
    return 0;
}

static void rr_deinit(struct ns_sched *s)
{
    struct rr_priv *p = priv(s);

    ns_mask_free(&p->idlers);
    ns_mask_free(&p->has_work);
    ns_mask_free(&p->scratch);
    free(p->runq);
    free(p);
    s->priv = NULL;
}

static void rr_add_pcpu(struct ns_sched *s, unsigned cpu)
{
    ns_mask_set(&priv(s)->idlers, cpu);
}

static void rr_insert_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    (void)s;
    struct rr_vcpu *x = ns_xcalloc(1, sizeof(*x));

    x->v = v;
    v->sched_priv = x;
}

/* Where to look for an idle pCPU the vCPU may use: hard affinity in the pool. */
static const struct ns_mask *allowed_idlers(struct ns_sched *s, const struct ns_vcpu *v)
{
    struct rr_priv *p = priv(s);

    ns_mask_and(&p->scratch, &v->hard, &s->pool->cpus);
    ns_mask_and(&p->scratch, &p->scratch, &p->idlers);
    return &p->scratch;
}

/*
 * A waking vCPU queues where it last ran. If that pCPU is busy, poke one idle
 * pCPU it may run on (the next one after its own, so wake-ups spread); that
 * pCPU finds its queue empty and steals.
 */
static void rr_remove_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rr_vcpu *x = rv(v);

    if (x->queued)
        runq_remove(priv(s), v->processor, x);
    free(x);
    v->sched_priv = NULL;
}

static void rr_wake(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rr_vcpu *x = rv(v);
    unsigned cpu = v->processor;

    if (x->queued || v->is_running)
        return;
    runq_append(priv(s), cpu, x);
    size_t target = cpu;
    if (!ns_mask_test(&priv(s)->idlers, cpu))
        target = ns_mask_cycle(allowed_idlers(s, v), cpu);
    if (target == NS_MASK_NONE)
        return;
    /* A poked pCPU counts as busy at once, so wake-ups arriving before it
     * schedules poke somebody else rather than pile onto it. */
    ns_mask_clear(&priv(s)->idlers, target);
    s->env->tickle(s->env->ctx, (unsigned)target);
}

static void rr_sleep(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rr_vcpu *x = rv(v);

    if (v->is_running)
        s->env->tickle(s->env->ctx, v->processor);
    else if (x->queued)
        runq_remove(priv(s), v->processor, x);
}

static void rr_yield(struct ns_sched *s, struct ns_vcpu *v)
{
    rv(v)->yielded = true;
    s->env->tickle(s->env->ctx, v->processor);
}

/* The first vCPU queued on a peer that may run on @cpu, taken over. */
static struct rr_vcpu *steal(struct ns_sched *s, unsigned cpu)
{
    struct rr_priv *p = priv(s);
    size_t first = ns_mask_cycle(&p->has_work, cpu), peer = first;

    if (first == NS_MASK_NONE)
        return NULL;
    do {
        for (struct rr_vcpu *x = p->runq[peer].head; x; x = x->next) {
            if (ns_mask_test(&x->v->hard, cpu)) {
                runq_remove(p, (unsigned)peer, x);
                x->v->processor = cpu;
                return x;
            }
        }
        peer = ns_mask_cycle(&p->has_work, peer);
    } while (peer != first);
    return NULL;
}

static struct ns_sched_slice rr_do_schedule(struct ns_sched *s, unsigned cpu, ns_time_t now)
{
    (void)now;
    struct rr_priv *p = priv(s);
    struct ns_vcpu *cur = s->env->curr(s->env->ctx, cpu);
    struct rr_vcpu *next;

    if (cur && ns_vcpu_runnable(cur))
        runq_append(p, cpu, rv(cur));           /* behind its peers: round robin */
    if (cur)
        rv(cur)->yielded = false;
    next = p->runq[cpu].head;
    if (next)
        runq_remove(p, cpu, next);
    else
        next = steal(s, cpu);
    if (!next) {
        ns_mask_set(&p->idlers, cpu);
        return (struct ns_sched_slice){NULL, NS_TIME_NEVER};
    }
    ns_mask_clear(&p->idlers, cpu);
    return (struct ns_sched_slice){next->v, (ns_time_t)s->params.tslice_ms * NS_MS};
}

/* An idle pCPU of the hard affinity if there is one, else stay put if allowed. */
static unsigned rr_pick_cpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rr_priv *p = priv(s);
    unsigned cpu = v->processor;

    if (ns_mask_test(&p->idlers, cpu) && ns_mask_test(&v->hard, cpu) &&
        ns_mask_test(&s->pool->cpus, cpu))
        return cpu;
    size_t idle = ns_mask_cycle(allowed_idlers(s, v), cpu);
    if (idle != NS_MASK_NONE)
        return (unsigned)idle;
    ns_mask_and(&p->scratch, &v->hard, &s->pool->cpus);
    if (ns_mask_test(&p->scratch, cpu))
        return cpu;
    return (unsigned)ns_mask_cycle(&p->scratch, cpu);
}

/* Every queued vCPU sits on the queue of its own processor, runnable, not running. */
static int rr_check(const struct ns_sched *s, struct ns_err *err)
{
    const struct rr_priv *p = priv(s);

    ns_mask_for_each(cpu, &s->pool->cpus) {
        for (const struct rr_vcpu *x = p->runq[cpu].head; x; x = x->next) {
            const struct ns_vcpu *v = x->v;
            if (v->processor != cpu || v->is_running || !ns_vcpu_runnable(v))
                return ns_err_set(err, NULL, 0, NULL,
                                  "rr: d%uv%u queued on pCPU %zu but processor %u, %s, flags %#x",
                                  v->dom->id, v->id, cpu, v->processor,
                                  v->is_running ? "running" : "not running", v->pause_flags);
        }
    }
    return 0;
}

static void rr_dump(const struct ns_sched *s, FILE *out)
{
    const struct rr_priv *p = priv(s);

    ns_mask_for_each(cpu, &s->pool->cpus) {
        fprintf(out, "rr pCPU %zu:", cpu);
        for (const struct rr_vcpu *x = p->runq[cpu].head; x; x = x->next)
            fprintf(out, " d%uv%u", x->v->dom->id, x->v->id);
        fputc('\n', out);
    }
}

const struct ns_sched_ops ns_sched_rr = {
    .name = "rr",
    .trace_id = 7,
    .init = rr_init,
    .deinit = rr_deinit,
    .add_pcpu = rr_add_pcpu,
    .insert_vcpu = rr_insert_vcpu,
    .remove_vcpu = rr_remove_vcpu,
    .sleep = rr_sleep,
    .wake = rr_wake,
    .yield = rr_yield,
    .do_schedule = rr_do_schedule,
    .pick_cpu = rr_pick_cpu,
    .check = rr_check,
    .dump = rr_dump,
};
