/*
 * rtds: Xen's real-time scheduler (xen/common/sched/rt.c; before 4.13
 * xen/common/sched_rt.c), as it is from 4.7, when it became event driven
 * (0709d59545).
 *
 * The mechanism in one paragraph. Each vCPU is a deferrable server with a
 * period and a budget: at the start of every period its budget is refilled
 * and its deadline set to the period's end; it burns budget only while it
 * runs. The pool runs preemptive global EDF: one runqueue sorted by
 * priority (lower priority_level first, then earlier deadline), and every
 * pCPU runs the first entry allowed on it, for at most its remaining budget.
 * A vCPU that runs out of budget either waits in the unsorted depleted
 * queue until its next period or, with extratime (4.10+), is refilled at
 * once one priority level lower, so it only gets time that no vCPU of a
 * better level wants. Replenishments come from one timer per pool that
 * fires at the earliest due date of a third queue, the replenishment queue.
 * There are no ticks, weights, caps, soft affinity or load balancing: a
 * global queue makes a vCPU run wherever a pCPU it may use is free.
 *
 * What Xen does after a context switch (rt_context_saved: the vCPU that left
 * goes back into a queue and tickles, or drops its replenishment if it
 * blocked) happens here at the end of do_schedule, the engine's switch being
 * instantaneous. So RTDS_scheduled and RTDS_delayed_runq_add, which only
 * bridge that gap, are not needed; "scheduled" is "in p->curr".
 *
 * Versions (rtds_compat, gated on the release that first has a change):
 *  - 4.7: the event-driven scheduler (0709d59545), per-vCPU parameters
 *    (f7b87b0745); a new vCPU keeps the pCPU the domain builder gave it.
 *  - 4.8: insert asks the scheduler's pick (9f358ddd69); a replenishment
 *    restarts budget accounting (last_start = now, 514e5eb015); the
 *    depleted flag is cleared at every replenishment, queued or not
 *    (1b843b2097); the TRC_RTDS_SCHEDULE record (c540b09cec).
 *  - 4.10: extratime and priority levels, on by default, ties in the queues
 *    now go behind their equals and a running vCPU no longer keeps its pCPU
 *    against an equal (463b958317); the wake tickle skips tickled pCPUs and
 *    scans from the vCPU's own pCPU on (de8b2f49d7).
 * Later changes do not change what a model sees: 73c62927f6 (4.17) and
 * 0f1dec89d3 (4.18) close a pause race our sleep hook cannot have; 410d44fcf3
 * (4.22) stops priority_level wrapping after 2^32 refills; 37b49cb48e and
 * eec1a570c0 (4.22) concern changing parameters at run time, which we do not.
 * Tasklets, pCPUs leaving the pool and parameter changes while running are
 * not modelled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "sched_impl.h"
#include "sched_list.h"

#define RT_TRC(n)                  (0x00022000u | (4u << 9) | (n))
#define RT_TRC_TICKLE              RT_TRC(1)
#define RT_TRC_RUNQ_PICK           RT_TRC(2)
#define RT_TRC_BUDGET_BURN         RT_TRC(3)
#define RT_TRC_BUDGET_REPLENISH    RT_TRC(4)
#define RT_TRC_SCHEDULE            RT_TRC(6)

/* Xen's defaults for a vCPU nobody set (rt_alloc_udata). */
#define RT_DEFAULT_PERIOD_US 10000u
#define RT_DEFAULT_BUDGET_US 4000u

/* Xen's s_time_t: signed, so that a budget can go below zero before it is
 * settled and deadlines compare by difference. */
typedef int64_t stime;

struct rt_vcpu {
    struct ns_vcpu *v;
    struct cs_list q_elem;         /* in the runqueue or the depleted queue */
    struct cs_list replq_elem;     /* in the replenishment queue */
    stime period, budget;
    stime cur_budget, cur_deadline, last_start;
    unsigned priority_level;
    bool extratime;
    bool depleted;                 /* ran out of budget without extratime */
    bool fresh;                    /* inserted down, never woken: no period yet */
};

struct rt_priv {
    struct ns_sched *s;
    struct cs_list runq, depletedq, replq;
    struct ns_timer repl_timer;
    bool timer_cpu_set;
    struct ns_mask tickled;
    struct ns_vcpu **curr;         /* [nr_pcpus]: what RTDS put on each pCPU */
    struct ns_mask scratch;
    uint64_t tickles, replenishments, extra_refills;
};

static struct rt_priv *rp(const struct ns_sched *s) { return s->priv; }
static struct rt_vcpu *rv(const struct ns_vcpu *v) { return v->sched_priv; }
static bool since(const struct rt_priv *p, unsigned v) { return p->s->params.rtds_compat >= v; }
static bool on_q(const struct rt_vcpu *x) { return !cs_list_empty(&x->q_elem); }
static bool on_replq(const struct rt_vcpu *x) { return !cs_list_empty(&x->replq_elem); }
static struct rt_vcpu *q_entry(struct cs_list *l) { return cs_entry(l, struct rt_vcpu, q_elem); }
static struct rt_vcpu *repl_entry(struct cs_list *l)
{
    return cs_entry(l, struct rt_vcpu, replq_elem);
}

/* ---- trace records ------------------------------------------------------------ */

static uint32_t unit_word(const struct ns_vcpu *v) { return v->id | (v->dom->id << 16); }

static void trace(const struct rt_priv *p, uint32_t event, unsigned n, const uint32_t *w)
{
    const struct ns_sched_env *env = p->s->env;

    if (env->trace)
        env->trace(env->ctx, event, n, w);
}

static uint32_t lo(stime t) { return (uint32_t)(uint64_t)t; }
static uint32_t hi(stime t) { return (uint32_t)((uint64_t)t >> 32); }

/* ---- priorities --------------------------------------------------------------- */

/*
 * compare_unit_priority: > 0 when @a goes before @b, < 0 when after, 0 for
 * equals. A lower priority_level wins, then the earlier deadline. Before
 * 4.10 every level is 0, so this is plain EDF.
 */
static stime prio_cmp(const struct rt_vcpu *a, const struct rt_vcpu *b)
{
    if (a->priority_level != b->priority_level)
        return a->priority_level < b->priority_level ? 1 : -1;
    return b->cur_deadline - a->cur_deadline;
}

/*
 * deadline_queue_insert: @x goes before the first entry it beats. From 4.10
 * "beats" is strict, so equals keep their order (FIFO); before, a new entry
 * went in front of an equal deadline (deadline <= ...). True if @x is now
 * first. The replenishment queue is kept with the same comparison, so from
 * 4.10 it is ordered by priority_level before deadline: a vCPU woken in
 * extratime (level > 0) queues its replenishment behind every level-0 one.
 */
static bool prio_insert(const struct rt_priv *p, struct rt_vcpu *x, struct cs_list *elem,
                        struct cs_list *queue, struct rt_vcpu *(*entry)(struct cs_list *))
{
    struct cs_list *it;
    bool first = true;

    for (it = queue->next; it != queue; it = it->next) {
        stime c = prio_cmp(x, entry(it));
        if (since(p, 410) ? c > 0 : c >= 0)
            break;
        first = false;
    }
    cs_list_add_tail(elem, it);
    return first;
}

/* ---- the queues and the replenishment timer ------------------------------------ */

static void timer_set(struct rt_priv *p, stime when)
{
    p->s->env->timer_set(p->s->env->ctx, &p->repl_timer, (ns_time_t)when);
}

/* runq_insert: a vCPU with budget (or, 4.10+, extratime) into the sorted
 * runqueue; one without into the depleted queue, at its head. */
static void runq_insert(struct rt_priv *p, struct rt_vcpu *x)
{
    if (x->cur_budget > 0 || (since(p, 410) && x->extratime))
        prio_insert(p, x, &x->q_elem, &p->runq, q_entry);
    else
        cs_list_add(&x->q_elem, &p->depletedq);
}

static void q_remove(struct rt_vcpu *x) { cs_list_del_init(&x->q_elem); }

/* replq_insert: the timer is moved when @x becomes the first due. */
static void replq_insert(struct rt_priv *p, struct rt_vcpu *x)
{
    if (prio_insert(p, x, &x->replq_elem, &p->replq, repl_entry))
        timer_set(p, x->cur_deadline);
}

/* replq_remove: if @x was first, the timer follows the new first (or stops). */
static void replq_remove(struct rt_priv *p, struct rt_vcpu *x)
{
    bool was_first = p->replq.next == &x->replq_elem;

    if (!on_replq(x))
        return;
    cs_list_del_init(&x->replq_elem);
    if (!was_first)
        return;
    if (cs_list_empty(&p->replq))
        p->s->env->timer_stop(p->s->env->ctx, &p->repl_timer);
    else
        timer_set(p, repl_entry(p->replq.next)->cur_deadline);
}

/*
 * rt_update_deadline, at or after the deadline: the first period end after
 * @now becomes the deadline, the budget is full and the level 0 again. From
 * 4.8 (514e5eb015) accounting restarts too, so a vCPU that runs across the
 * boundary is not charged in its new period for time of the old one.
 */
static void update_deadline(struct rt_priv *p, struct rt_vcpu *x, stime now)
{
    x->cur_deadline += ((now - x->cur_deadline) / x->period + 1) * x->period;
    if (since(p, 408))
        x->last_start = now;
    x->cur_budget = x->budget;
    x->priority_level = 0;
    p->replenishments++;
    if (since(p, 410))
        trace(p, RT_TRC_BUDGET_REPLENISH, 6, (uint32_t[]){unit_word(x->v), x->priority_level,
              lo(x->cur_deadline), hi(x->cur_deadline), lo(x->cur_budget), hi(x->cur_budget)});
    else
        trace(p, RT_TRC_BUDGET_REPLENISH, 5, (uint32_t[]){unit_word(x->v),
              lo(x->cur_deadline), hi(x->cur_deadline), lo(x->cur_budget), hi(x->cur_budget)});
}

/* ---- tickling --------------------------------------------------------------------- */

static void tickle_cpu(struct rt_priv *p, unsigned cpu)
{
    trace(p, RT_TRC_TICKLE, 1, (uint32_t[]){cpu});
    ns_mask_set(&p->tickled, cpu);
    p->tickles++;
    p->s->env->tickle(p->s->env->ctx, cpu);
}

/*
 * runq_tickle: where should @x run? An idle pCPU of hard ∩ pool if there is
 * one, else the pCPU of the lowest-priority running vCPU there if @x beats
 * it, else nowhere (it waits its turn in the runqueue).
 *
 * From 4.10 (de8b2f49d7) only untickled pCPUs count, scanned from @x's own
 * pCPU upwards with wrap: two wakers can no longer both poke one idle pCPU,
 * which runs only one of them, while another idles. Before, its own pCPU
 * was taken if idle, tickled or not, then the untickled ones from pCPU 0.
 */
static void runq_tickle(struct rt_priv *p, struct rt_vcpu *x)
{
    struct ns_mask *cand = &p->scratch;
    const struct rt_vcpu *lowest = NULL;
    unsigned own = x->v->processor;

    ns_mask_and(cand, &p->s->pool->cpus, &x->v->hard);
    ns_mask_andnot(cand, cand, &p->tickled);
    if (!since(p, 410) && !p->curr[own]) {
        tickle_cpu(p, own);
        return;
    }
    /* The candidates only, cycling from @x's own pCPU on (4.10+) or from
     * the lowest one: a wake costs the pool's pCPUs, not the host's. */
    size_t first = ns_mask_first(cand);
    if (since(p, 410) && first != NS_MASK_NONE)
        first = ns_mask_test(cand, own) ? own : ns_mask_cycle(cand, own);
    for (size_t cpu = first, k = 0; cpu != NS_MASK_NONE && (k == 0 || cpu != first);
         cpu = ns_mask_cycle(cand, cpu), k++) {
        if (!p->curr[cpu]) {
            tickle_cpu(p, (unsigned)cpu);
            return;
        }
        const struct rt_vcpu *r = rv(p->curr[cpu]);
        if (!lowest || prio_cmp(r, lowest) < 0)
            lowest = r;
    }
    if (lowest && prio_cmp(lowest, x) < 0)
        tickle_cpu(p, lowest->v->processor);
}

/* ---- the replenishment timer ---------------------------------------------------- */

/*
 * repl_timer_handler: every vCPU whose deadline has come, from the front of
 * the replenishment queue, gets its new period; a queued one moves to its
 * new place. Then, for each: if it is running and the runqueue's head now
 * beats it, the head is tickled; else if it had been depleted and is
 * queued, it is tickled itself. They go back into the replenishment queue
 * and the timer follows its head.
 */
static void repl_timer_fn(struct ns_timer *t, ns_time_t when)
{
    stime now = (stime)when;
    struct rt_priv *p = t->data;
    struct cs_list done;

    cs_list_init(&done);
    while (!cs_list_empty(&p->replq)) {
        struct rt_vcpu *x = repl_entry(p->replq.next);
        if (now < x->cur_deadline)
            break;
        cs_list_del_init(&x->replq_elem);
        update_deadline(p, x, now);
        cs_list_add(&x->replq_elem, &done);
        if (on_q(x)) {
            q_remove(x);
            runq_insert(p, x);
        }
    }
    while (!cs_list_empty(&done)) {
        struct rt_vcpu *x = repl_entry(done.next);
        bool running = p->curr[x->v->processor] == x->v;
        if (running && !cs_list_empty(&p->runq)) {
            struct rt_vcpu *head = q_entry(p->runq.next);
            if (prio_cmp(x, head) < 0)
                runq_tickle(p, head);
        } else if (since(p, 408) ? x->depleted : (on_q(x) && x->depleted)) {
            /* 1b843b2097 (4.8): cleared even when not queued. */
            x->depleted = false;
            if (on_q(x))
                runq_tickle(p, x);
        }
        cs_list_del_init(&x->replq_elem);
        prio_insert(p, x, &x->replq_elem, &p->replq, repl_entry);
    }
    if (!cs_list_empty(&p->replq))
        timer_set(p, repl_entry(p->replq.next)->cur_deadline);
}

/* ---- hooks ------------------------------------------------------------------------ */

static int rt_init(struct ns_sched *s, struct ns_err *err)
{
    if (s->params.rtds_compat < 407)
        return ns_err_set(err, NULL, 0, NULL, "rtds_compat: RTDS is modelled from Xen 4.7, "
                          "not 4.%u", s->params.rtds_compat - 400);
    size_t n = s->env->topo->nr_pcpus;
    struct rt_priv *p = ns_xcalloc(1, sizeof(*p));

    p->s = s;
    cs_list_init(&p->runq);
    cs_list_init(&p->depletedq);
    cs_list_init(&p->replq);
    ns_event_init(&p->repl_timer.ev);
    p->repl_timer.fn = repl_timer_fn;
    p->repl_timer.data = p;
    ns_mask_init(&p->tickled, n);
    ns_mask_init(&p->scratch, n);
    p->curr = ns_xcalloc(n, sizeof(*p->curr));
    s->priv = p;
    return 0;
}

static void rt_deinit(struct ns_sched *s)
{
    struct rt_priv *p = rp(s);

    s->env->timer_stop(s->env->ctx, &p->repl_timer);
    ns_mask_free(&p->tickled);
    ns_mask_free(&p->scratch);
    free(p->curr);
    free(p);
    s->priv = NULL;
}

/* rt_switch_sched: the timer lives on the first pCPU given to the pool. */
static void rt_add_pcpu(struct ns_sched *s, unsigned cpu)
{
    struct rt_priv *p = rp(s);

    if (!p->timer_cpu_set) {
        p->repl_timer.cpu = cpu;
        p->timer_cpu_set = true;
    }
}

/* rt_res_pick: @v's pCPU if hard ∩ pool allows it, else the next one
 * allowed after it (cpumask_cycle). No load, no cache or NUMA reasoning. */
static unsigned res_pick(const struct rt_priv *p, const struct ns_vcpu *v)
{
    struct ns_mask *m = &((struct rt_priv *)p)->scratch;

    ns_mask_and(m, &p->s->pool->cpus, &v->hard);
    if (ns_mask_test(m, v->processor))
        return v->processor;
    return (unsigned)ns_mask_cycle(m, v->processor);
}

static unsigned rt_pick_cpu(struct ns_sched *s, struct ns_vcpu *v)
{
    return res_pick(rp(s), v);
}

/*
 * rt_alloc_udata + rt_unit_insert: Xen's defaults unless the domain's
 * reservation says otherwise; the first deadline is one period after the
 * insertion (update_deadline from deadline 0). From 4.8 the pick revises
 * the builder's pCPU. Inserted down, as the engine creates vCPUs, a vCPU
 * joins the queues only when it wakes.
 *
 * The engine inserts every vCPU when it builds the host, but Xen inserts
 * it when `xl create` creates its domain, which the engine does when it
 * brings the vCPU up (boot.c). So a vCPU inserted down starts its first
 * period when it first wakes, not at t = 0: its deadlines are then phased
 * on its own creation, as in Xen, not on the engine's build.
 */
static void rt_insert_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rt_priv *p = rp(s);
    struct rt_vcpu *x = ns_xcalloc(1, sizeof(*x));
    const struct ns_rtds_params *r = &v->dom->rtds;
    stime now = (stime)s->env->now(s->env->ctx);

    x->v = v;
    cs_list_init(&x->q_elem);
    cs_list_init(&x->replq_elem);
    x->period = (stime)(r->period_us ? r->period_us : RT_DEFAULT_PERIOD_US) * (stime)NS_US;
    x->budget = (stime)(r->budget_us ? r->budget_us : RT_DEFAULT_BUDGET_US) * (stime)NS_US;
    x->extratime = since(p, 410) && !r->no_extratime;
    v->sched_priv = x;
    if (since(p, 408))
        v->processor = res_pick(p, v);
    x->fresh = !ns_vcpu_runnable(v);
    if (!x->fresh && now >= x->cur_deadline)
        update_deadline(p, x, now);
    if (ns_vcpu_runnable(v)) {
        replq_insert(p, x);
        if (!v->is_running)
            runq_insert(p, x);
    }
}

static void rt_remove_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rt_priv *p = rp(s);
    struct rt_vcpu *x = rv(v);

    if (on_q(x))
        q_remove(x);
    replq_remove(p, x);
    if (p->curr[v->processor] == v)
        p->curr[v->processor] = NULL;
    free(x);
    v->sched_priv = NULL;
}

/* rt_unit_sleep: a running vCPU's pCPU reschedules; a queued one leaves
 * both queues (its next replenishment is re-armed when it wakes). */
static void rt_sleep(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rt_priv *p = rp(s);
    struct rt_vcpu *x = rv(v);

    if (p->curr[v->processor] == v) {
        s->env->tickle(s->env->ctx, v->processor);
    } else if (on_q(x)) {
        q_remove(x);
        replq_remove(p, x);
    }
}

/*
 * rt_unit_wake: a vCPU that slept past its deadline starts a new period
 * (sleeping, it burned nothing and was not replenished); it re-arms its
 * replenishment, joins a queue and tickles.
 */
static void rt_wake(struct ns_sched *s, struct ns_vcpu *v)
{
    struct rt_priv *p = rp(s);
    struct rt_vcpu *x = rv(v);
    stime now = (stime)s->env->now(s->env->ctx);

    if (p->curr[v->processor] == v || on_q(x))
        return;
    if (x->fresh) {             /* the insertion's first period (see insert) */
        x->fresh = false;
        x->cur_deadline = now;
    }
    if (now >= x->cur_deadline)
        update_deadline(p, x, now);
    replq_insert(p, x);
    runq_insert(p, x);
    runq_tickle(p, x);
}

/*
 * burn_budget: the time since last_start comes off the budget. At zero, a
 * vCPU with extratime drops one priority level and is refilled (4.10+,
 * 463b958317); one without is depleted until its next period.
 */
static void burn_budget(struct rt_priv *p, struct rt_vcpu *x, stime now)
{
    stime delta = now - x->last_start;

    if (delta < 0) {
        x->last_start = now;
        return;
    }
    x->cur_budget -= delta;
    x->last_start = now;
    if (x->cur_budget <= 0) {
        if (x->extratime) {
            if (x->priority_level < ~0u)
                x->priority_level++;
            x->cur_budget = x->budget;
            p->extra_refills++;
        } else {
            x->cur_budget = 0;
            x->depleted = true;
        }
    }
    if (since(p, 410))
        trace(p, RT_TRC_BUDGET_BURN, 6, (uint32_t[]){unit_word(x->v), lo(x->cur_budget),
              hi(x->cur_budget), (uint32_t)delta, x->priority_level, x->extratime});
    else
        trace(p, RT_TRC_BUDGET_BURN, 4, (uint32_t[]){unit_word(x->v), lo(x->cur_budget),
              hi(x->cur_budget), (uint32_t)delta});
}

/* runq_pick: the first runqueue entry allowed on @cpu (hard ∩ pool). */
static struct rt_vcpu *runq_pick(struct rt_priv *p, unsigned cpu)
{
    for (struct cs_list *it = p->runq.next; it != &p->runq; it = it->next) {
        struct rt_vcpu *x = q_entry(it);
        if (!ns_mask_test(&x->v->hard, cpu))
            continue;
        trace(p, RT_TRC_RUNQ_PICK, 5, (uint32_t[]){unit_word(x->v), lo(x->cur_deadline),
              hi(x->cur_deadline), lo(x->cur_budget), hi(x->cur_budget)});
        return x;
    }
    return NULL;
}

/*
 * rt_schedule, then rt_context_saved for the vCPU that leaves. The current
 * vCPU is charged; it keeps the pCPU if it is runnable, has budget and
 * beats the best runqueue entry allowed here (from 4.10 strictly: an equal
 * takes the pCPU; before, the current vCPU kept it against an equal
 * deadline). The slice is the remaining budget, with no minimum: Xen's
 * budgets are at least 10 us. A runnable vCPU that leaves goes back into a
 * queue and tickles, so it can take another pCPU at once; one that sleeps
 * drops its replenishment.
 */
static struct ns_sched_slice rt_do_schedule(struct ns_sched *s, unsigned cpu, ns_time_t when)
{
    stime now = (stime)when;
    struct rt_priv *p = rp(s);
    struct ns_vcpu *curr = p->curr[cpu];
    struct rt_vcpu *scurr = curr ? rv(curr) : NULL, *snext;

    if (since(p, 408))
        trace(p, RT_TRC_SCHEDULE, 1, (uint32_t[]){cpu | (uint32_t)ns_mask_test(&p->tickled, cpu)
                                                  << 24 | (uint32_t)!curr << 28});
    ns_mask_clear(&p->tickled, cpu);
    if (scurr)
        burn_budget(p, scurr, now);
    snext = runq_pick(p, cpu);
    if (scurr && ns_vcpu_runnable(curr) && scurr->cur_budget > 0) {
        stime c = snext ? prio_cmp(scurr, snext) : 1;
        if (since(p, 410) ? c > 0 : c >= 0)
            snext = scurr;
    }
    if (snext) {
        snext->last_start = now;
        if (snext != scurr)
            q_remove(snext);
        snext->v->processor = cpu;
    }
    p->curr[cpu] = snext ? snext->v : NULL;
    if (scurr && snext != scurr) {
        if (ns_vcpu_runnable(curr)) {
            runq_insert(p, scurr);
            runq_tickle(p, scurr);
        } else {
            replq_remove(p, scurr);
        }
    }
    return (struct ns_sched_slice){snext ? snext->v : NULL,
                                   snext ? (ns_time_t)snext->cur_budget : NS_TIME_NEVER};
}

/* ---- checks and reports --------------------------------------------------------- */

#define FAIL(...) ns_err_set(err, NULL, 0, NULL, __VA_ARGS__)

static int check_queued(const struct ns_sched *s, const struct rt_vcpu *x, bool runq,
                        struct ns_err *err)
{
    const struct ns_vcpu *v = x->v;

    if (!ns_vcpu_runnable(v) || v->is_running || rv(v) != x)
        return FAIL("rtds: d%uv%u queued but %s", v->dom->id, v->id,
                    v->is_running ? "running" : "not runnable");
    if (!on_replq(x))
        return FAIL("rtds: d%uv%u queued without a replenishment", v->dom->id, v->id);
    if (runq && x->cur_budget <= 0)
        return FAIL("rtds: d%uv%u in the runqueue with budget %lld", v->dom->id, v->id,
                    (long long)x->cur_budget);
    if (!runq && (x->cur_budget != 0 || x->extratime))
        return FAIL("rtds: d%uv%u depleted with budget %lld%s", v->dom->id, v->id,
                    (long long)x->cur_budget, x->extratime ? " and extratime" : "");
    (void)s;
    return 0;
}

/*
 * Work conservation (4.10+): every runqueue vCPU that an idle, untickled
 * pCPU could run must be accounted for by a pending tickle. A waker tickles
 * one pCPU and that pCPU's schedule takes the best entry it may run, so
 * while tickles are in flight the queued vCPUs an idle pCPU could take may
 * number no more than the tickled pCPUs they may use. Before 4.10 a tickle
 * could poke an already tickled pCPU and leave an idle one idle (what
 * de8b2f49d7 fixed), so the rule is not checked there.
 */
static int check_idle(const struct ns_sched *s, struct ns_err *err)
{
    const struct rt_priv *p = rp(s);
    struct ns_mask *reach = &((struct rt_priv *)p)->scratch;

    if (!since(p, 410))
        return 0;
    ns_mask_for_each(cpu, &s->pool->cpus) {
        const struct rt_vcpu *first = NULL;
        size_t waiting = 0;
        if (p->curr[cpu] || ns_mask_test(&p->tickled, cpu))
            continue;
        ns_mask_zero(reach);
        for (const struct cs_list *it = p->runq.next; it != &p->runq; it = it->next) {
            const struct rt_vcpu *x = cs_entry(it, const struct rt_vcpu, q_elem);
            if (!ns_mask_test(&x->v->hard, cpu))
                continue;
            first = first ? first : x;
            waiting++;
            ns_mask_or(reach, reach, &x->v->hard);
        }
        ns_mask_and(reach, reach, &p->tickled);
        ns_mask_and(reach, reach, &s->pool->cpus);
        if (waiting > ns_mask_weight(reach))
            return FAIL("rtds: d%uv%u waits while pCPU %zu, which it may use, is idle and not "
                        "tickled (%zu such waiters, %zu tickled pCPUs)", first->v->dom->id,
                        first->v->id, cpu, waiting, ns_mask_weight(reach));
    }
    return 0;
}

/*
 * The queues hold runnable vCPUs that are not running, the runqueue in
 * priority order; every running vCPU is the engine's current one, with
 * budget >= 0 and a pending replenishment; work conservation (4.10+).
 */
static int rt_check(const struct ns_sched *s, struct ns_err *err)
{
    const struct rt_priv *p = rp(s);
    const struct rt_vcpu *prev = NULL;

    for (const struct cs_list *it = p->runq.next; it != &p->runq; it = it->next) {
        const struct rt_vcpu *x = cs_entry(it, const struct rt_vcpu, q_elem);
        if (check_queued(s, x, true, err) < 0)
            return -1;
        if (prev && prio_cmp(prev, x) < 0)
            return FAIL("rtds: runqueue out of order: d%uv%u before d%uv%u", prev->v->dom->id,
                        prev->v->id, x->v->dom->id, x->v->id);
        prev = x;
    }
    for (const struct cs_list *it = p->depletedq.next; it != &p->depletedq; it = it->next)
        if (check_queued(s, cs_entry(it, const struct rt_vcpu, q_elem), false, err) < 0)
            return -1;
    ns_mask_for_each(cpu, &s->pool->cpus) {
        const struct ns_vcpu *v = p->curr[cpu];
        if (v != s->env->curr(s->env->ctx, (unsigned)cpu))
            return FAIL("rtds: pCPU %zu runs another vCPU than RTDS put there", cpu);
        if (!v)
            continue;
        if (on_q(rv(v)) || rv(v)->cur_budget < 0 || v->processor != cpu)
            return FAIL("rtds: d%uv%u runs on pCPU %zu with processor %u, budget %lld%s",
                        v->dom->id, v->id, cpu, v->processor, (long long)rv(v)->cur_budget,
                        on_q(rv(v)) ? ", queued" : "");
        if (!on_replq(rv(v)))
            return FAIL("rtds: d%uv%u runs without a replenishment", v->dom->id, v->id);
    }
    return check_idle(s, err);
}

static void dump_vcpu(FILE *out, const struct rt_vcpu *x)
{
    fprintf(out, " d%uv%u(l%u,d%lld,b%lld)", x->v->dom->id, x->v->id, x->priority_level,
            (long long)x->cur_deadline, (long long)x->cur_budget);
}

static void dump_queue(FILE *out, const char *name, const struct cs_list *q, bool repl)
{
    fputs(name, out);
    for (const struct cs_list *it = q->next; it != q; it = it->next)
        dump_vcpu(out, repl ? cs_entry(it, const struct rt_vcpu, replq_elem)
                            : cs_entry(it, const struct rt_vcpu, q_elem));
    fputc('\n', out);
}

static void rt_dump(const struct ns_sched *s, FILE *out)
{
    const struct rt_priv *p = rp(s);

    ns_mask_for_each(cpu, &s->pool->cpus) {
        fprintf(out, "rtds pCPU %zu:", cpu);
        if (p->curr[cpu])
            dump_vcpu(out, rv(p->curr[cpu]));
        else
            fputs(" idle", out);
        fputc('\n', out);
    }
    dump_queue(out, "rtds runq:", &p->runq, false);
    dump_queue(out, "rtds depletedq:", &p->depletedq, false);
    dump_queue(out, "rtds replq:", &p->replq, true);
}

static void rt_stats(const struct ns_sched *s, FILE *out)
{
    const struct rt_priv *p = rp(s);

    fprintf(out, "tickles=%llu replenishments=%llu extratime_refills=%llu\n",
            (unsigned long long)p->tickles, (unsigned long long)p->replenishments,
            (unsigned long long)p->extra_refills);
}

const struct ns_sched_ops ns_sched_rtds = {
    .name = "rtds",
    .trace_id = 4,
    .in_xen = true,
    .experimental = true,         /* SUPPORT.md 4.10-4.22; rt_init warns so in every release */
    .init = rt_init,
    .deinit = rt_deinit,
    .add_pcpu = rt_add_pcpu,
    .insert_vcpu = rt_insert_vcpu,
    .remove_vcpu = rt_remove_vcpu,
    .sleep = rt_sleep,
    .wake = rt_wake,
    .do_schedule = rt_do_schedule,
    .pick_cpu = rt_pick_cpu,
    .check = rt_check,
    .dump = rt_dump,
    .stats = rt_stats,
};
