/*
 * The fake scheduler environment of fake_sched.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fake_sched.h"

void set_range(struct ns_mask *m, unsigned lo, unsigned hi)
{
    ns_mask_zero(m);
    for (unsigned c = lo; c <= hi; c++)
        ns_mask_set(m, c);
}

static struct fk *F(void *ctx) { return ctx; }
static ns_time_t fk_now(void *c) { return F(c)->now; }
static unsigned fk_this_cpu(void *c) { return F(c)->this_cpu; }
static struct ns_vcpu *fk_curr(void *c, unsigned cpu) { return F(c)->curr[cpu]; }

static void fk_tickle(void *c, unsigned cpu)
{
    struct fk *f = F(c);

    cr_assert_lt(f->ntickles, 4096);
    f->tickles[f->ntickles++] = cpu;
    for (size_t i = 0; i < f->npending; i++)
        if (f->pending[i] == cpu)
            return;                     /* coalesced, like a softirq bit */
    f->pending[f->npending++] = cpu;
}

static void fk_timer_set(void *c, struct ns_timer *t, ns_time_t when)
{
    ns_heap_schedule(&F(c)->timers, &t->ev, when);
}

static void fk_timer_stop(void *c, struct ns_timer *t) { ns_heap_cancel(&F(c)->timers, &t->ev); }

/* vcpu_migrate: flag, put to sleep, and move at once when not running. */
void fk_finish_migrate(struct fk *f, struct ns_vcpu *v)
{
    v->processor = f->s.ops->pick_cpu(&f->s, v);
    fk_clear_flag(f, v, NS_VPF_MIGRATING);
}

/* vcpu_sleep_nosync: the hook hears of every vCPU that is not runnable. */
void fk_set_flag(struct fk *f, struct ns_vcpu *v, unsigned flag)
{
    v->pause_flags |= flag;
    f->s.ops->sleep(&f->s, v);
}

/* vcpu_wake: the hook hears of every runnable vCPU, a running one included. */
void fk_clear_flag(struct fk *f, struct ns_vcpu *v, unsigned flag)
{
    if (!(v->pause_flags & flag))
        return;
    v->pause_flags &= ~flag;
    if (!ns_vcpu_runnable(v))
        return;
    if (!v->is_running)
        v->runstate = NS_RUNSTATE_RUNNABLE;
    f->s.ops->wake(&f->s, v);
}

/* As the engine's migrate_now: a running vCPU is flagged and its pCPU
 * rescheduled, without the sleep hook (Xen's schedulers set _VPF_migrating
 * and raise the softirq themselves); one not running sleeps and moves. */
static void fk_migrate_now(struct fk *f, struct ns_vcpu *v)
{
    if (v->is_running) {
        v->pause_flags |= NS_VPF_MIGRATING;
        fk_tickle(f, v->processor);
        return;
    }
    fk_set_flag(f, v, NS_VPF_MIGRATING);
    fk_finish_migrate(f, v);
}

/* As the engine's: the vCPU being chosen is only flagged, and runs until it
 * is switched out (src/engine/core.c, env_migrate). */
static void fk_migrate(void *c, struct ns_vcpu *v)
{
    struct fk *f = F(c);

    f->migrates++;
    if (v->pause_flags & NS_VPF_MIGRATING)
        return;
    if (f->choosing && !v->is_running && !f->held) {
        v->pause_flags |= NS_VPF_MIGRATING;
        f->held = v;
        return;
    }
    fk_migrate_now(f, v);
}

static void fk_pause(void *c, struct ns_vcpu *v) { fk_set_flag(F(c), v, NS_VPF_PAUSED); }
static void fk_unpause(void *c, struct ns_vcpu *v) { fk_clear_flag(F(c), v, NS_VPF_PAUSED); }

/* As the engine's: the flag and nothing else (no hook, no runstate). */
static void fk_set_pause_flags(void *c, struct ns_vcpu *v, unsigned flag)
{
    (void)c;
    v->pause_flags |= flag;
}

static void fk_clear_pause_flags(void *c, struct ns_vcpu *v, unsigned flag)
{
    (void)c;
    v->pause_flags &= ~flag;
}

/* Every scheduler-class record carries the scheduler's id (facts/xentrace.md 3.3). */
static void fk_trace(void *c, uint32_t event, unsigned n, const uint32_t *words)
{
    struct fk *f = F(c);

    cr_assert_eq(event & ~0x1ffu, 0x00022000u | (f->s.ops->trace_id << 9),
                 "%s traces TRC_SCHED_CLASS id %u: %#x", f->s.ops->name, f->s.ops->trace_id,
                 event);
    f->traces[event & 0x1f]++;
    memset(f->last_words[event & 0x1f], 0, sizeof(f->last_words[0]));
    if (n)                      /* a record of no words may come with NULL */
        memcpy(f->last_words[event & 0x1f], words, (n < 8 ? n : 8) * sizeof(*words));
}

/* Xen's get_random(), scripted by the test. */
static uint64_t fk_random(void *c)
{
    struct fk *f = F(c);
    unsigned i = f->randoms++;

    return i < sizeof(f->random) / sizeof(f->random[0]) ? f->random[i] : 0;
}

struct fk *fk_create(const char *host, const char *sched, unsigned compat)
{
    struct fk *f = ns_xcalloc(1, sizeof(*f));
    struct ns_err err;

    f->topo = ns_topo_load(host, NULL, &err);
    cr_assert_not_null(f->topo, "%s", err.msg);
    f->env = (struct ns_sched_env){
        .ctx = f, .topo = f->topo, .now = fk_now, .this_cpu = fk_this_cpu, .curr = fk_curr,
        .tickle = fk_tickle, .timer_set = fk_timer_set, .timer_stop = fk_timer_stop,
        .migrate = fk_migrate, .pause = fk_pause, .unpause = fk_unpause,
        .set_pause_flags = fk_set_pause_flags, .clear_pause_flags = fk_clear_pause_flags,
        .trace = fk_trace,
        .random = fk_random,
    };
    f->curr = ns_xcalloc(f->topo->nr_pcpus, sizeof(*f->curr));
    f->slice = ns_xcalloc(f->topo->nr_pcpus, sizeof(*f->slice));
    f->expires = ns_xcalloc(f->topo->nr_pcpus, sizeof(*f->expires));
    ns_heap_init(&f->timers);
    f->pool.name = "Pool-0";
    ns_mask_init(&f->pool.cpus, f->topo->nr_pcpus);
    ns_mask_fill(&f->pool.cpus);
    f->pool.sched = &f->s;
    f->s.ops = ns_sched_find(sched);
    cr_assert_not_null(f->s.ops);
    f->s.env = &f->env;
    f->s.pool = &f->pool;
    ns_sched_params_default(&f->s.params);
    f->s.params.compat = compat;
    return f;
}

/* init + add_pcpu for every pCPU, after any params tweaks. */
void fk_start(struct fk *f)
{
    struct ns_err err;

    cr_assert_eq(f->s.ops->init(&f->s, &err), 0, "%s", err.msg);
    ns_mask_for_each(cpu, &f->pool.cpus)
        f->s.ops->add_pcpu(&f->s, (unsigned)cpu);
}

void fk_free(struct fk *f)
{
    for (size_t i = 0; i < f->nvcpu; i++)
        if (f->vcpu[i].sched_priv)      /* not already removed by the test */
            f->s.ops->remove_vcpu(&f->s, &f->vcpu[i]);
    for (size_t i = 0; i < f->ndom; i++) {
        if (f->s.ops->remove_domain)
            f->s.ops->remove_domain(&f->s, &f->dom[i]);
        ns_mask_free(&f->dom[i].node_affinity);
        free(f->dom[i].vcpu);
    }
    f->s.ops->deinit(&f->s);
    for (size_t i = 0; i < f->nvcpu; i++) {
        ns_mask_free(&f->vcpu[i].hard);
        ns_mask_free(&f->vcpu[i].soft);
    }
    ns_heap_free(&f->timers);
    ns_mask_free(&f->pool.cpus);
    free(f->curr);
    free(f->slice);
    free(f->expires);
    ns_topo_free(f->topo);
    free(f);
}

/* A domain with @nv vCPUs, hard and soft "all", node affinity automatic
 * (all nodes), vCPUs down on pCPU 0: not yet handed to the scheduler. */
struct ns_domain *fk_dom_new(struct fk *f, unsigned weight, unsigned cap, unsigned nv)
{
    cr_assert_lt(f->ndom, MAXV);
    struct ns_domain *d = &f->dom[f->ndom];

    d->id = (unsigned)++f->ndom;
    d->name = "d";
    d->weight = weight;
    d->cap = cap;
    ns_mask_init(&d->node_affinity, f->topo->nr_nodes);
    ns_mask_fill(&d->node_affinity);
    d->auto_node_affinity = true;
    d->nr_vcpus = nv;
    d->vcpu = ns_xcalloc(nv, sizeof(*d->vcpu));
    d->pool = &f->pool;
    for (unsigned i = 0; i < nv; i++) {
        cr_assert_lt(f->nvcpu, MAXV);
        struct ns_vcpu *v = &f->vcpu[f->nvcpu];
        v->id = i;
        v->uid = (unsigned)f->nvcpu++;
        v->dom = d;
        ns_mask_init(&v->hard, f->topo->nr_pcpus);
        ns_mask_fill(&v->hard);
        ns_mask_init(&v->soft, f->topo->nr_pcpus);
        ns_mask_fill(&v->soft);
        v->pause_flags = NS_VPF_DOWN;
        v->runstate = NS_RUNSTATE_OFFLINE;
        d->vcpu[i] = v;
    }
    return d;
}

void fk_dom_insert(struct fk *f, struct ns_domain *d)
{
    if (f->s.ops->add_domain)
        f->s.ops->add_domain(&f->s, d);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        f->s.ops->insert_vcpu(&f->s, d->vcpu[i]);
}

struct ns_domain *fk_dom(struct fk *f, unsigned weight, unsigned cap, unsigned nv)
{
    struct ns_domain *d = fk_dom_new(f, weight, cap, nv);
    fk_dom_insert(f, d);
    return d;
}

/* Schedule @cpu now and switch to what it returns, like the engine does. */
struct ns_vcpu *fk_sched(struct fk *f, unsigned cpu)
{
    struct ns_vcpu *prev = f->curr[cpu];

    f->this_cpu = cpu;
    for (size_t i = 0; i < f->npending; i++)
        if (f->pending[i] == cpu) {
            memmove(&f->pending[i], &f->pending[i + 1], (f->npending - i - 1) * sizeof(unsigned));
            f->npending--;
            break;
        }
    f->choosing = true;
    struct ns_sched_slice r = f->s.ops->do_schedule(&f->s, cpu, f->now);
    struct ns_vcpu *held = f->held;
    f->choosing = false;
    f->held = NULL;
    if (held && held != r.next) {
        held->pause_flags &= ~NS_VPF_MIGRATING;
        fk_migrate_now(f, held);
    }
    f->slice[cpu] = r.slice;
    f->expires[cpu] = r.slice == NS_TIME_NEVER ? NS_TIME_NEVER : f->now + r.slice;
    if (r.next != prev) {
        if (prev) {
            prev->is_running = false;
            prev->last_desched = f->now;
            /* As the engine's state_when_off (Xen's schedule()). */
            prev->runstate = (prev->pause_flags & NS_VPF_BLOCKED) ? NS_RUNSTATE_BLOCKED
                             : ns_vcpu_runnable(prev)            ? NS_RUNSTATE_RUNNABLE
                                                                 : NS_RUNSTATE_OFFLINE;
        }
        f->curr[cpu] = r.next;
        if (r.next) {
            cr_assert_eq(r.next->processor, cpu, "d%uv%u runs on %u but processor %u",
                         r.next->dom->id, r.next->id, cpu, r.next->processor);
            cr_assert(ns_vcpu_runnable(r.next) || r.next == held);
            r.next->is_running = true;
            r.next->runstate = NS_RUNSTATE_RUNNING;
        }
        if (prev && (prev->pause_flags & NS_VPF_MIGRATING))
            fk_finish_migrate(f, prev);
    }
    return r.next;
}

/* Serve schedule requests until there are none (all at the current time). */
void fk_settle(struct fk *f)
{
    for (int guard = 0; f->npending > 0; guard++) {
        cr_assert_lt(guard, 10000);
        fk_sched(f, f->pending[0]);
    }
}

/* Fire timers up to @t in order (their tickles are served at once). */
void fk_advance(struct fk *f, ns_time_t t)
{
    struct ns_event *ev;

    fk_settle(f);
    while ((ev = ns_heap_peek(&f->timers)) && ev->time <= t) {
        ns_heap_pop(&f->timers);
        struct ns_timer *tm = (struct ns_timer *)((char *)ev - offsetof(struct ns_timer, ev));
        f->now = ev->time;
        f->this_cpu = tm->cpu;
        tm->fn(tm, f->now);
        fk_settle(f);
    }
    f->now = t;
}

/* The pCPU whose slice ends first, by @t; NS_MASK_NONE if none does. */
static size_t fk_next_expiry(const struct fk *f, ns_time_t t)
{
    size_t best = NS_MASK_NONE;

    for (unsigned cpu = 0; cpu < f->topo->nr_pcpus; cpu++)
        if (f->curr[cpu] && f->expires[cpu] <= t &&
            (best == NS_MASK_NONE || f->expires[cpu] < f->expires[best]))
            best = cpu;
    return best;
}

void fk_play(struct fk *f, ns_time_t t)
{
    for (int guard = 0;; guard++) {
        cr_assert_lt(guard, 1000000);
        fk_settle(f);
        struct ns_event *ev = ns_heap_peek(&f->timers);
        size_t cpu = fk_next_expiry(f, t);
        if (ev && ev->time <= t && (cpu == NS_MASK_NONE || ev->time <= f->expires[cpu])) {
            fk_advance(f, ev->time);
        } else if (cpu != NS_MASK_NONE) {
            f->now = f->expires[cpu];
            fk_sched(f, (unsigned)cpu);
        } else {
            break;
        }
    }
    f->now = t;
}

/* Bring a down vCPU up (the wake runs on its processor). */
void fk_up(struct fk *f, struct ns_vcpu *v)
{
    f->this_cpu = v->processor;
    fk_clear_flag(f, v, NS_VPF_DOWN);
}

/* A running vCPU blocks as Xen's vcpu_block (the engine's core_block): the
 * flag and a schedule request on its pCPU, never the sleep hook. */
void fk_block(struct fk *f, struct ns_vcpu *v)
{
    cr_assert(v->is_running, "d%uv%u blocks but does not run", v->dom->id, v->id);
    f->this_cpu = v->processor;
    v->pause_flags |= NS_VPF_BLOCKED;
    fk_tickle(f, v->processor);
}

void fk_wake(struct fk *f, struct ns_vcpu *v)
{
    f->this_cpu = v->processor;
    fk_clear_flag(f, v, NS_VPF_BLOCKED);
}

void fk_check(struct fk *f)
{
    struct ns_err err;
    cr_assert_eq(f->s.ops->check(&f->s, &err), 0, "%s", err.msg);
}

