/*
 * The scheduling core: what Xen's common scheduling code does around a
 * scheduler (xen/common/sched/core.c in spirit; facts section 1.2).
 *
 *  - A schedule request ("raise SCHEDULE_SOFTIRQ on p") becomes an event on
 *    p after the IPI latency, or at once when p asks itself; requests
 *    coalesce while one is pending, as a softirq bit does.
 *  - Schedule: account the outgoing vCPU, ask the scheduler for the next one,
 *    switch, and finish a pending migration of the outgoing vCPU once it is
 *    off the pCPU (pick, move, wake: Xen's vcpu_migrate).
 *  - Wake and sleep change pause flags and runstates, and tell the scheduler
 *    only about real transitions between runnable and not. A block and a
 *    scheduler's migrate request on a running vCPU are not sleeps: they set
 *    the flag and raise the softirq (see "Blocks and migrate requests").
 *  - Yield passes the guest's SCHEDOP_yield to the scheduler and asks for a
 *    schedule on the spot.
 *
 * It calls down into progress.c for the accounting and never up into the
 * guest (guest.c), which calls it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine_impl.h"

/* ---- the services a scheduler gets (struct ns_sched_env) ---------------- */

static ns_time_t env_now(void *ctx) { return ((struct ns_engine *)ctx)->now; }
static unsigned env_this_cpu(void *ctx) { return ((struct ns_engine *)ctx)->this_cpu; }

static struct ns_vcpu *env_curr(void *ctx, unsigned cpu)
{
    struct evcpu *v = ((struct ns_engine *)ctx)->pcpus[cpu].curr;
    return v ? &v->v : NULL;
}

static void env_tickle(void *ctx, unsigned cpu) { core_tickle(ctx, cpu); }

static void env_timer_set(void *ctx, struct ns_timer *t, ns_time_t when)
{
    struct ns_engine *e = ctx;

    t->ev.kind = EV_TIMER;
    ns_heap_schedule(&e->heap, &t->ev, when < e->now ? e->now : when);
}

static void env_timer_stop(void *ctx, struct ns_timer *t)
{
    ns_heap_cancel(&((struct ns_engine *)ctx)->heap, &t->ev);
}

/* The Xen release of @v's scheduler: 403 = 4.3 (struct ns_sched_params). */
static unsigned xen_of(const struct evcpu *v)
{
    return v->d->d.pool->sched->params.compat;
}

static void migrate_finish(struct ns_engine *e, struct evcpu *v);

/*
 * A migrate request. A running vCPU is flagged and its pCPU asked to
 * schedule, as Xen's schedulers do it themselves (see "Blocks and migrate
 * requests" below): no sleep hook, no SLEEP record; it moves once switched
 * out (core_schedule_finish). One that is not running is put to sleep and
 * moves at once (vcpu_migrate).
 */
static void migrate_now(struct ns_engine *e, struct evcpu *v)
{
    if (v->v.is_running) {
        v->v.pause_flags |= NS_VPF_MIGRATING;
        core_tickle(e, v->v.processor);
        return;
    }
    core_sleep(e, v, NS_VPF_MIGRATING, xen_of(v) < 411);
    migrate_finish(e, v);
}

/*
 * A migrate request. A running vCPU is flagged and its pCPU rescheduled; the
 * move happens after the switch. One that is not running moves at once,
 * except the one a scheduler is choosing.
 *
 * Xen's schedulers may flag, under their lock, the vCPU they are about to
 * switch in (credit2's balancing runs inside its schedule and asks the vCPU
 * it has just chosen to change runqueue: sched_set_pause_flags, no sleep).
 * Xen's core acts on _VPF_migrating only when a vCPU leaves its pCPU
 * (context_saved, 4.8 to 4.22), so that vCPU is switched in all the same
 * and runs, running but not runnable, until its pCPU next schedules; then it
 * moves. So here: a vCPU that is not running, flagged from within
 * do_schedule, is only flagged (no sleep, no runstate change, no record)
 * and held; if do_schedule returns another vCPU after all, the held one
 * moves right after it (core_schedule). One is held per schedule: the one
 * being chosen.
 */
static void env_migrate(void *ctx, struct ns_vcpu *sv)
{
    struct ns_engine *e = ctx;
    struct evcpu *v = ev_of(sv);

    if (sv->pause_flags & NS_VPF_MIGRATING)
        return;
    if (e->choosing && !sv->is_running && !e->held) {
        sv->pause_flags |= NS_VPF_MIGRATING;
        e->held = v;
        return;
    }
    migrate_now(e, v);
}

static void env_pause(void *ctx, struct ns_vcpu *v)
{
    core_sleep(ctx, ev_of(v), NS_VPF_PAUSED, true);
}
static void env_unpause(void *ctx, struct ns_vcpu *v) { core_wake(ctx, ev_of(v), NS_VPF_PAUSED); }

/* Flags only (sched.h): no hook, no record, no runstate. */
static void env_set_pause_flags(void *ctx, struct ns_vcpu *v, unsigned flag)
{
    (void)ctx;
    v->pause_flags |= flag;
}

static void env_clear_pause_flags(void *ctx, struct ns_vcpu *v, unsigned flag)
{
    (void)ctx;
    v->pause_flags &= ~flag;
}

static void env_trace(void *ctx, uint32_t event, unsigned n, const uint32_t *words)
{
    etr_class(ctx, event, n, words);
}

static uint64_t env_random(void *ctx) { return ns_rng_u64(&((struct ns_engine *)ctx)->xen_random); }

void core_init_env(struct ns_engine *e)
{
    ns_rng_seed(&e->xen_random, e->spec->seed, ns_rng_stream_id("get_random", 0, 0));
    e->env = (struct ns_sched_env){
        .ctx = e,
        .topo = e->topo,
        .now = env_now,
        .this_cpu = env_this_cpu,
        .curr = env_curr,
        .tickle = env_tickle,
        .timer_set = env_timer_set,
        .timer_stop = env_timer_stop,
        .migrate = env_migrate,
        .pause = env_pause,
        .unpause = env_unpause,
        .set_pause_flags = env_set_pause_flags,
        .clear_pause_flags = env_clear_pause_flags,
        .trace = env_trace,
        .random = env_random,
    };
}

/* ---- schedule requests and the schedule itself --------------------------- */

void core_tickle(struct ns_engine *e, unsigned cpu)
{
    struct epcpu *p = &e->pcpus[cpu];
    ns_time_t when = e->now + (cpu == e->this_cpu ? 0 : e->spec->host.ipi_ns);

    if (ns_event_queued(&p->softirq) && p->softirq.time <= when)
        return;
    ns_heap_schedule(&e->heap, &p->softirq, when);
}

static enum ns_runstate state_when_off(const struct evcpu *v)
{
    if (v->v.pause_flags & NS_VPF_BLOCKED)
        return NS_RUNSTATE_BLOCKED;
    return ns_vcpu_runnable(&v->v) ? NS_RUNSTATE_RUNNABLE : NS_RUNSTATE_OFFLINE;
}

/*
 * A schedule is cut in two around the moment the incoming vCPU's guest
 * resumes (guest.c): in Xen the guest runs its next instruction right after
 * the context switch, and what it does then (block, wait, yield) happens
 * before the pCPU's rates and slice are settled. The first half accounts the
 * outgoing vCPU, asks the scheduler and switches; the second tells the host
 * model what now runs, finishes a pending migration of the outgoing vCPU
 * once it is off the pCPU (pick, move, wake: Xen's vcpu_migrate) and arms
 * the slice.
 */
static void switch_to(struct ns_engine *e, struct epcpu *p, struct evcpu *next, ns_time_t slice)
{
    struct evcpu *prev = p->curr;

    etr_switch(e, p->id, prev, next, slice);
    if (prev) {
        progress_switch_out(e, prev, p->id);
        progress_set_runstate(e, prev, state_when_off(prev));
        prev->off_since = e->now;
    } else {
        etr_idle_runstate(e, p->id, NS_RUNSTATE_RUNNING, NS_RUNSTATE_RUNNABLE);
        p->idle_off_since = e->now;
    }
    p->curr = next;
    p->curr_since = e->now;
    if (next)
        progress_switch_in(e, next, p->id, prev == NULL);
    else
        etr_idle_runstate(e, p->id, NS_RUNSTATE_RUNNABLE, NS_RUNSTATE_RUNNING);
}

void core_schedule(struct ns_engine *e, unsigned cpu, struct core_switch *sw)
{
    struct epcpu *p = &e->pcpus[cpu];
    struct ns_sched *s = p->pool->sched;

    e->this_cpu = cpu;
    ns_heap_cancel(&e->heap, &p->softirq);
    if (p->curr)
        progress_sync(e, p->curr);
    e->choosing = true;
    struct ns_sched_slice r = s->ops->do_schedule(s, cpu, e->now);
    struct evcpu *next = r.next ? ev_of(r.next) : NULL, *held = e->held;

    e->choosing = false;
    e->held = NULL;
    if (held && held != next) {
        held->v.pause_flags &= ~NS_VPF_MIGRATING;
        migrate_now(e, held);
    }

    *sw = (struct core_switch){.cpu = cpu, .prev = p->curr, .next = next, .slice = r.slice,
                               .switched = next != p->curr};
    if (sw->switched)
        switch_to(e, p, next, r.slice);
    else
        etr_cont(e, cpu, r.slice);
}

void core_schedule_finish(struct ns_engine *e, const struct core_switch *sw)
{
    struct epcpu *p = &e->pcpus[sw->cpu];

    if (sw->switched) {
        if (sw->next)
            progress_occupy(e, sw->next);
        progress_rerate_changed(e);
        if (sw->prev && (sw->prev->v.pause_flags & NS_VPF_MIGRATING))
            migrate_finish(e, sw->prev);
    }
    if (sw->slice == NS_TIME_NEVER || !p->curr)
        ns_heap_cancel(&e->heap, &p->slice);
    else
        ns_heap_schedule(&e->heap, &p->slice, e->now + sw->slice);
}

/* ---- wake, sleep, migrate ------------------------------------------------- */

/*
 * Xen's vcpu_wake and vcpu_sleep_nosync trace TRC_SCHED_WAKE / SLEEP each
 * time they are called, whatever the vCPU's state, and call the hook only
 * when the vCPU is runnable (wake, a running one included: the hooks return
 * at once for their current vCPU) or not (sleep, a blocked one included).
 * The record follows the hook and its own records up to 4.6, and precedes
 * them from 4.7 (schedule.c, RELEASE-4.6.0 and -4.7.0).
 */
static void trace_wake_or_sleep(struct ns_engine *e, struct evcpu *v, bool wake, bool before)
{
    if (before != (xen_of(v) >= 407))
        return;
    if (wake)
        etr_wake(e, v);
    else
        etr_sleep(e, v);
}

/* A vCPU made runnable: the scheduler hears of it, running or not (its
 * hook returns at once for its current vCPU). */
static void wake_runnable(struct ns_engine *e, struct evcpu *v, bool unblocked)
{
    if (!v->v.is_running) {
        if (unblocked) {
            v->woke = true;
            v->woke_at = e->now;
        }
        progress_set_runstate(e, v, NS_RUNSTATE_RUNNABLE);
    }
    struct ns_sched *s = sched_of(v);
    s->ops->wake(s, &v->v);
}

/* Clear @flag: Xen's vcpu_wake. */
void core_wake(struct ns_engine *e, struct evcpu *v, unsigned flag)
{
    bool was_blocked = v->v.pause_flags & NS_VPF_BLOCKED;

    if (!(v->v.pause_flags & flag))
        return;
    v->v.pause_flags &= ~flag;
    trace_wake_or_sleep(e, v, true, true);
    if (ns_vcpu_runnable(&v->v))
        wake_runnable(e, v, was_blocked && flag == NS_VPF_BLOCKED);
    else if (!v->v.is_running)   /* still held (a parked vCPU whose block ended) */
        progress_set_runstate(e, v, state_when_off(v));
    trace_wake_or_sleep(e, v, true, false);
}

/*
 * Blocks and migrate requests: what Xen's core does without the scheduler.
 *
 * Xen calls a scheduler's sleep hook only from vcpu_sleep_nosync (and, from
 * 4.12, vcpu_sleep_nosync_locked): vcpu_pause_nosync, which credit's cap
 * parking uses, an affinity change, a pool move, a pCPU going offline. Two
 * other ways for a running vCPU to stop being runnable never reach it:
 *
 *  - A block: vcpu_block (SCHEDOP_block; do_poll alike) sets _VPF_blocked,
 *    traces TRC_SCHED_BLOCK and raises SCHEDULE_SOFTIRQ on its own pCPU
 *    (xen/common/schedule.c, 4.3 to 4.13; sched/core.c from 4.14). The
 *    scheduler learns of it when its do_schedule finds current not runnable.
 *  - A scheduler's own migrate request on a running vCPU: credit's tick
 *    (csched_vcpu_acct, csched_unit_acct from 4.13) and its kick-away
 *    (__runq_tickle), credit2's migrate(): set_bit(_VPF_migrating), or
 *    sched_set_pause_flags(_atomic) from 4.13, and a softirq the scheduler
 *    raises itself (credit2's migrate() with tickle_cpu from 4.9); no sleep
 *    hook and no TRC_SCHED_SLEEP record.
 *  - credit2's cap parking (park_vcpu 4.10-4.12, park_unit 4.13+), from
 *    within its schedule: __set_bit / sched_set_pause_flags(_VPF_parked), the
 *    schedule then choosing another vCPU; unparking clears the flag and
 *    requeues without vcpu_wake. So env_set_pause_flags and
 *    env_clear_pause_flags touch the flag alone.
 *
 * The difference shows where a sleep hook does more than raise the softirq
 * for a running vCPU: credit2's tickle_cpu (4.9+) marks the pCPU in its
 * runqueue's tickled mask, which a block in Xen leaves unmarked, so the
 * next csched2_schedule finds the bit clear (TRC_CSCHED2_SCHEDULE's tickled
 * byte 0) and a wake before it may tickle that pCPU.
 *
 * The guest only blocks while it runs (guest.c), so the vCPU is on its pCPU
 * and the softirq is raised there, at once (this_cpu is its pCPU). A vCPU
 * that was not runnable already (flagged MIGRATING while being switched in,
 * see env_migrate) blocks the same way.
 */
void core_block(struct ns_engine *e, struct evcpu *v)
{
    v->v.pause_flags |= NS_VPF_BLOCKED;
    core_tickle(e, v->v.processor);
}

/*
 * Set @flag (a pause, a migrate request on a vCPU that is not running): Xen's
 * vcpu_sleep_nosync. A runnable vCPU that is not running goes offline; a
 * running one changes runstate when its pCPU switches it out. @traced: from
 * 4.11 a migrate request (vcpu_migrate_start, 9a36de177c) calls the locked
 * variant, which writes no SLEEP record.
 */
void core_sleep(struct ns_engine *e, struct evcpu *v, unsigned flag, bool traced)
{
    bool was_runnable = ns_vcpu_runnable(&v->v);

    v->v.pause_flags |= flag;
    if (traced)
        trace_wake_or_sleep(e, v, false, true);
    if (was_runnable && !v->v.is_running)
        progress_set_runstate(e, v, state_when_off(v));
    struct ns_sched *s = sched_of(v);
    s->ops->sleep(s, &v->v);
    if (traced)
        trace_wake_or_sleep(e, v, false, false);
}

/* Off its pCPU now: ask the scheduler where it goes, move it, wake it there. */
static void migrate_finish(struct ns_engine *e, struct evcpu *v)
{
    struct ns_sched *s = sched_of(v);

    v->v.processor = s->ops->pick_cpu(s, &v->v);
    core_wake(e, v, NS_VPF_MIGRATING);
}

/*
 * The guest's yield hypercall (Xen's do_yield): the scheduler marks the vCPU
 * (credit: it goes behind the other vCPUs of its priority at the next
 * schedule), Xen traces TRC_SCHED_YIELD, and the pCPU reschedules at once.
 * The vCPU stays runnable.
 */
void core_yield(struct ns_engine *e, struct evcpu *v)
{
    struct ns_sched *s = sched_of(v);

    if (s->ops->yield)
        s->ops->yield(s, &v->v);
    etr_yield(e, v);
    core_tickle(e, v->v.processor);
}
