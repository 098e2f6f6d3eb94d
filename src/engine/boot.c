/*
 * Domains come up one after another, as on a real host.
 *
 * Xen builds dom0 itself at boot; every guest is then built by `xl create`,
 * one command after the other, and each starts running when it is built.
 * Starting every domain at t = 0 instead is not neutral: the pCPUs would
 * then all reschedule at the same instant, in id order, and the low pCPUs
 * would take the guests first; credit1 has no reason to undo a layout that
 * keeps every vCPU busy, so that skew would last the whole run. Created one
 * after another, each guest's vCPUs are placed by the scheduler's own pick
 * (pick_cpu, with the load of the domains already running), as in Xen.
 *
 * Domain i of the spec (dom0 first) is created at i * create_gap_ns. Its
 * vCPUs get their pCPU from the scheduler at that time (libxl sets every
 * vCPU's affinity, which makes Xen pick, facts 7.4; dom0 keeps the pCPUs
 * the hypervisor gave it) and are brought up. Measuring starts `warmup`
 * after the last domain is up, so a run measures the settled host whatever
 * the gap; with a gap of 0 every domain comes up at t = 0, in order.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine_impl.h"

void boot_domain(struct ns_engine *e, struct edomain *d)
{
    struct ns_sched *s = d->d.pool->sched;

    for (unsigned i = 0; i < d->d.nr_vcpus; i++) {
        struct evcpu *v = &d->vcpus[i];
        if (!ns_spec_is_dom0(e->spec, (size_t)(d - e->doms)))
            v->v.processor = s->ops->pick_cpu(s, &v->v);
        e->this_cpu = v->v.processor;
        v->off_since = e->now;
        core_wake(e, v, NS_VPF_DOWN);
    }
}

void boot_schedule(struct ns_engine *e)
{
    ns_time_t gap = e->spec->create_gap_ns;

    for (size_t i = 0; i < e->nr_doms; i++) {
        struct edomain *d = &e->doms[i];
        if (gap == 0 || i == 0)
            boot_domain(e, d);
        else
            ns_heap_schedule(&e->heap, &d->create, (ns_time_t)i * gap);
    }
}
