/*
 * The guest: what a vCPU does once it runs, as its operating system would.
 *
 * The workload model says what comes next (numasched/workload.h); this file
 * turns each step into what a guest does to Xen:
 *
 *  - RUN: compute; the vCPU keeps its pCPU until the work is done or the
 *    scheduler takes it away.
 *  - BLOCK: arm a guest timer and block (SCHEDOP_block); the timer wakes it.
 *  - WAIT: block until a sibling vCPU signals it (an event channel); a
 *    signal sent before the wait is kept, as a pending event is.
 *  - YIELD: a guest that spins (a lock holder preempted, a pause loop) gives
 *    its pCPU away with SCHEDOP_yield and carries on with its next step when
 *    it runs again.
 *
 * The guest sits above the scheduling core: it calls core.c (block, wake,
 * yield, schedule) and progress.c (sync, retime), never the other way round.
 * The engine hands it every event that concerns a vCPU's own life.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine_impl.h"

static void signal_vcpu(struct ns_engine *e, struct evcpu *v)
{
    if (!v->waiting) {
        v->signals++;
        return;
    }
    v->waiting = false;
    v->need_step = true;
    core_wake(e, v, NS_VPF_BLOCKED);
}

/* Bound on steps that end at once (a wait already signalled, zero work, a
 * yield), so a faulty workload model cannot spin the engine at one instant
 * forever. */
#define MAX_INSTANT_STEPS 1000

/* Fetch and start steps until one takes time. The vCPU is running. */
static void next_step(struct ns_engine *e, struct evcpu *v)
{
    struct edomain *d = v->d;

    for (int i = 0; i < MAX_INSTANT_STEPS; i++) {
        ns_workload_next(d->wl, v->v.id, e->now, &v->step);
        v->need_step = false;
        if (v->step.signal_vcpu >= 0 && (unsigned)v->step.signal_vcpu < d->d.nr_vcpus)
            signal_vcpu(e, &d->vcpus[v->step.signal_vcpu]);
        switch (v->step.kind) {
        case NS_STEP_RUN:
            if (v->step.work_ns <= 0)
                continue;
            v->work_left = v->step.work_ns;
            return;
        case NS_STEP_YIELD:
            core_yield(e, v);
            continue;
        case NS_STEP_WAIT:
            if (v->signals > 0) {
                v->signals--;
                continue;
            }
            v->waiting = true;
            etr_block(e, v);
            core_block(e, v);
            return;
        case NS_STEP_BLOCK:
            ns_heap_schedule(&e->heap, &v->guest_timer, e->now + v->step.block_ns);
            etr_block(e, v);
            core_block(e, v);
            return;
        }
    }
    /* Give the pCPU back for a tick rather than spin; the model is at fault. */
    v->step = (struct ns_step){.kind = NS_STEP_BLOCK, .block_ns = NS_MS, .signal_vcpu = -1};
    ns_heap_schedule(&e->heap, &v->guest_timer, e->now + NS_MS);
    core_block(e, v);
}

/* A schedule on @cpu; a vCPU switched in resumes its guest, which fetches
 * its next step if the last one ended while it was away. */
void guest_schedule(struct ns_engine *e, unsigned cpu)
{
    struct core_switch sw;

    core_schedule(e, cpu, &sw);
    if (sw.switched && sw.next && sw.next->need_step)
        next_step(e, sw.next);
    core_schedule_finish(e, &sw);
}

/* The running @v finished its RUN step. */
void guest_step_done(struct ns_engine *e, struct evcpu *v)
{
    progress_sync(e, v);
    next_step(e, v);
    if (v->v.is_running && v->step.kind == NS_STEP_RUN) {
        progress_reoccupy(e, v);
        progress_retime(e, v);
    }
}

/* The guest timer of a BLOCK step fired: the vCPU wakes to its next step. */
void guest_timer(struct ns_engine *e, struct evcpu *v)
{
    v->need_step = true;
    core_wake(e, v, NS_VPF_BLOCKED);
}
