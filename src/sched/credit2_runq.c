/*
 * credit2: runqueues, credits and load (facts 3.2-3.4).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "credit2_priv.h"

/* ---- runqueue arrangement (facts 3.2) -------------------------------------- */

/*
 * credit2 shares one runqueue among the pCPUs that share a cache level worth
 * sharing: by default a socket. A runqueue is one lock and one queue, so it
 * must not grow without bound: since 4.14 it holds at most 16 pCPUs, and the
 * limit is evened out over the host (96 pCPUs make 6 runqueues' worth, so 16
 * each; 20 pCPUs make 2, so 10 each) so that runqueues come out balanced.
 * SMT siblings always share a runqueue (unless each pCPU has its own), even
 * past the limit: splitting a core would make the threads compete from two
 * queues for one set of execution units. Before 4.14 there is no limit;
 * before 4.18 "all" too must leave room for whole cores.
 */
static bool c2_topology_match(const struct c2_priv *prv, const struct c2_rqd *rqd, unsigned cpu)
{
    const struct ns_topo_pcpu *a = &prv->topo->pcpu[rqd->ref_cpu], *b = &prv->topo->pcpu[cpu];

    switch (prv->arrangement) {
    case NS_C2_RUNQ_ALL:
        return true;
    case NS_C2_RUNQ_CORE:
        return a->core == b->core;
    case NS_C2_RUNQ_SOCKET:
        return a->socket == b->socket;
    case NS_C2_RUNQ_NODE:
        return a->node == b->node;
    case NS_C2_RUNQ_CPU:
        break;
    }
    return false;
}

/* Would @cpu and all its siblings still fit (Xen's cpu_runqueue_siblings_match)? */
static bool c2_siblings_fit(const struct c2_priv *prv, const struct c2_rqd *rqd, unsigned cpu)
{
    size_t sibls = ns_mask_weight(ns_topo_siblings(prv->topo, cpu));

    return rqd->nr_sibls + sibls <= prv->max_cpus_runq;
}

static struct c2_rqd *c2_rqd_new(struct c2_priv *prv, unsigned cpu)
{
    struct c2_rqd *rqd = ns_xcalloc(1, sizeof(*rqd));
    size_t n = prv->topo->nr_pcpus;

    rqd->id = prv->nr_rqd;
    cs_list_init(&rqd->runq);
    cs_list_init(&rqd->svc);
    ns_mask_init(&rqd->active, n);
    ns_mask_init(&rqd->idle, n);
    ns_mask_init(&rqd->tickled, n);
    ns_mask_init(&rqd->smt_idle, n);
    rqd->pick_bias = rqd->ref_cpu = cpu;
    rqd->max_weight = 1;
    rqd->load_last_update = (int64_t)(c2_now(prv) >> C2_LOAD_GRANULARITY_SHIFT);
    prv->rqd = ns_xrealloc(prv->rqd, (prv->nr_rqd + 1) * sizeof(*prv->rqd));
    prv->rqd[prv->nr_rqd++] = rqd;
    return rqd;
}

void c2_rqd_free(struct c2_rqd *rqd)
{
    ns_mask_free(&rqd->active);
    ns_mask_free(&rqd->idle);
    ns_mask_free(&rqd->tickled);
    ns_mask_free(&rqd->smt_idle);
    free(rqd);
}

/*
 * The runqueue @cpu joins: the one already holding a sibling of it, else the
 * emptiest topology match with room, else a new one. Every pCPU joins idle.
 */
struct c2_rqd *c2_rqd_for_cpu(struct c2_priv *prv, unsigned cpu)
{
    const struct ns_mask *sibs = ns_topo_siblings(prv->topo, cpu);
    struct c2_rqd *best = NULL;

    for (unsigned i = 0; i < prv->nr_rqd; i++) {
        struct c2_rqd *rqd = prv->rqd[i];
        if (!c2_topology_match(prv, rqd, cpu))
            continue;
        if (ns_mask_intersects(&rqd->active, sibs)) {
            best = rqd;
            break;
        }
        if (rqd->nr_cpus < prv->max_cpus_runq &&
            (c2_siblings_fit(prv, rqd, cpu) ||
             (prv->arrangement == NS_C2_RUNQ_ALL && c2_compat_ge(prv, 418))) &&
            (!best || rqd->nr_cpus < best->nr_cpus))
            best = rqd;
    }
    if (!best)
        best = c2_rqd_new(prv, cpu);
    if (!ns_mask_intersects(&best->active, sibs))
        best->nr_sibls += (unsigned)ns_mask_weight(sibs);
    best->nr_cpus++;
    ns_mask_set(&best->active, cpu);
    ns_mask_set(&best->idle, cpu);
    c2_smt_idle_set(prv, cpu, best);
    return best;
}

/* ---- assignment and the queue ----------------------------------------------- */

/*
 * Credit burns at max_weight/weight per nanosecond, so the runqueue's largest
 * weight is kept up to date as vCPUs come and go; only losing the largest
 * one needs a scan.
 */
static void c2_update_max_weight(struct c2_priv *prv, struct c2_rqd *rqd, unsigned new_weight,
                                 unsigned old_weight)
{
    if (new_weight > rqd->max_weight) {
        rqd->max_weight = new_weight;
    } else if (old_weight == rqd->max_weight) {
        unsigned max = 1;
        for (struct cs_list *it = rqd->svc.next; it != &rqd->svc; it = it->next)
            if (c2_rqd_elem(it)->weight > max)
                max = c2_rqd_elem(it)->weight;
        rqd->max_weight = max;
    }
    c2_trace(prv, C2_TRC_RUNQ_MAX_WEIGHT, 1, (uint32_t[]){rqd->id | (rqd->max_weight << 16)});
}

/* b_avgload follows assignments at once, so balancing sees a move at once. */
void c2_runq_assign(struct c2_priv *prv, struct c2_vcpu *svc, struct c2_rqd *rqd)
{
    svc->rqd = rqd;
    cs_list_add_tail(&svc->rqd_elem, &rqd->svc);
    c2_update_max_weight(prv, rqd, svc->weight, 0);
    rqd->b_avgload += svc->avgload;
    c2_trace(prv, C2_TRC_RUNQ_ASSIGN, 2, (uint32_t[]){c2_unit_word(svc), rqd->id});
}

void c2_runq_deassign(struct c2_priv *prv, struct c2_vcpu *svc)
{
    struct c2_rqd *rqd = svc->rqd;

    cs_list_del_init(&svc->rqd_elem);
    c2_update_max_weight(prv, rqd, 0, svc->weight);
    rqd->b_avgload = rqd->b_avgload > svc->avgload ? rqd->b_avgload - svc->avgload : 0;
    svc->rqd = NULL;
}

/* Highest credit first, FIFO among equals (facts 3.3). */
void c2_runq_insert(struct c2_priv *prv, struct c2_vcpu *svc)
{
    struct cs_list *runq = &svc->rqd->runq, *it;
    uint32_t pos = 0;

    for (it = runq->next; it != runq; it = it->next, pos++)
        if (svc->credit > c2_runq_elem(it)->credit)
            break;
    cs_list_add_tail(&svc->runq_elem, it);
    c2_trace(prv, C2_TRC_RUNQ_POS, 2, (uint32_t[]){c2_unit_word(svc), pos});
}

/* Passed over while it waited: not once it leaves (see c2_vcpu.passed_by). */
void c2_runq_remove(struct c2_vcpu *svc)
{
    cs_list_del_init(&svc->runq_elem);
    ns_mask_zero(&svc->passed_by);
}

/* ---- credits (facts 3.3) -------------------------------------------------------- */

/* Bill @svc up to @now: credit at the weight ratio (floored from 4.14,
 * see c2_idle_credit), budget one for one. */
static void c2_charge(const struct c2_priv *prv, struct c2_vcpu *svc, ns_time_t now)
{
    uint64_t val = (now - svc->start_time) * svc->rqd->max_weight + svc->residual;
    svc->residual = val % svc->weight;
    svc->credit -= (int64_t)(val / svc->weight);
    if (c2_compat_ge(prv, 414) && svc->credit < C2_CREDIT_MIN)
        svc->credit = C2_CREDIT_MIN;
    if (c2_has_cap(svc))
        svc->budget -= (int64_t)(now - svc->start_time);
    svc->start_time = now;
}

/*
 * The running vCPU pays elapsed x max_weight / weight: the heaviest vCPU of
 * the runqueue pays one credit per nanosecond, one of half its weight pays
 * two, so between two resets it runs half as long. The remainder of the
 * division is carried, so frequent short runs are billed exactly.
 * CREDIT_BURN has a budget word (INT_MIN when uncapped) from 4.10, with caps.
 */
void c2_burn_credits(struct c2_priv *prv, struct c2_vcpu *svc, ns_time_t now)
{
    if (c2_is_idle(svc))
        return;
    int64_t delta = (int64_t)now - (int64_t)svc->start_time;
    if (delta > 0)
        c2_charge(prv, svc, now);
    uint32_t unit = c2_unit_word(svc), credit = c2_lo(svc->credit);
    if (c2_compat_ge(prv, 410))
        c2_trace(prv, C2_TRC_CREDIT_BURN, 4,
                 (uint32_t[]){unit, credit, c2_has_cap(svc) ? c2_lo(svc->budget) : 0x80000000u,
                              c2_lo(delta)});
    else
        c2_trace(prv, C2_TRC_CREDIT_BURN, 3, (uint32_t[]){unit, credit, c2_lo(delta)});
}

/*
 * How many CREDIT_INITs everybody gets at a reset: enough to bring @snext,
 * the vCPU that ended the epoch, back above zero. From 4.14 credit stops at
 * CREDIT_MIN = -CREDIT_INIT, so that is one, or two from the floor. Up to
 * 4.13 credit has no floor, and a vCPU can overrun by far more than an
 * epoch (one of weight 1 next to weight 256 pays 256 ns per ns, so its
 * 500 us minimum slice costs it 128 ms): below -CREDIT_INIT it gets
 * 1 + (-credit) / CREDIT_INIT of them, and so does everybody else, which
 * keeps the order (Xen's "multiplier", traced in CREDIT_RESET).
 */
static int64_t c2_reset_multiplier(const struct c2_priv *prv, const struct c2_vcpu *snext)
{
    if (c2_compat_ge(prv, 414))
        return snext->credit == C2_CREDIT_MIN ? 2 : 1;
    return snext->credit < -C2_CREDIT_INIT ? 1 + -snext->credit / C2_CREDIT_INIT : 1;
}

/*
 * An epoch ends when the best vCPU that wants to run has no credit left:
 * everybody assigned to the runqueue gets the same amount more (see
 * c2_reset_multiplier), so the order is kept, and what is left over is
 * clipped to CREDIT_INIT + CARRYOVER_MAX so that a vCPU that slept through
 * epochs does not come back with a hoard. A running vCPU is billed first
 * (from 4.9, 4fa4f8a3cd, also in 4.8.1): 4.8.0 only moved its start to
 * now, so what one on another pCPU ran since its last billing was never
 * paid.
 * A running vCPU whose budget the billing used up is told to stop.
 */
void c2_reset_credit(struct c2_priv *prv, unsigned cpu, ns_time_t now, struct c2_vcpu *snext)
{
    struct c2_rqd *rqd = c2_rqd_of(prv, cpu);
    int64_t m = c2_reset_multiplier(prv, snext);

    for (struct cs_list *it = rqd->svc.next; it != &rqd->svc; it = it->next) {
        struct c2_vcpu *svc = c2_rqd_elem(it);
        if (c2_pcpu(prv, svc->v->processor)->curr == svc && c2_compat_ge(prv, 409)) {
            c2_burn_credits(prv, svc, now);
            if (c2_has_cap(svc) && svc->budget <= 0)
                c2_tickle_cpu(prv, svc->v->processor, rqd);
        }
        int64_t start = svc->credit;
        svc->credit += m * C2_CREDIT_INIT;
        if (svc->credit > C2_CREDIT_INIT + C2_CARRYOVER_MAX)
            svc->credit = C2_CREDIT_INIT + C2_CARRYOVER_MAX;
        svc->start_time = now;
        /* The multiplier word is gone from 4.14 (36f3662f27). */
        c2_trace(prv, C2_TRC_CREDIT_RESET, c2_compat_ge(prv, 414) ? 3 : 4,
                 (uint32_t[]){c2_unit_word(svc), c2_lo(start), c2_lo(svc->credit), (uint32_t)m});
    }
    prv->stats.resets++;
}

/* ---- load (facts 3.4) ---------------------------------------------------------- */

/*
 * An exponentially weighted average over a window of 2^20 x 1024 ns (about
 * a second): avg += delta x (load - avg) / W, in fixed point with 18 fraction
 * bits, time counted in 1024 ns units. After a whole window without an
 * update the average is simply the current load. The runqueue keeps two
 * averages: avgload, and b_avgload, which balancing also moves at once when
 * it reassigns a vCPU.
 */
static int64_t c2_ewma(int64_t avg, int64_t load, int64_t delta)
{
    return avg + ((delta * (load << C2_LOAD_PRECISION_SHIFT)) >> C2_LOAD_WINDOW_SHIFT) -
           ((delta * avg) >> C2_LOAD_WINDOW_SHIFT);
}

void c2_update_runq_load(struct c2_priv *prv, struct c2_rqd *rqd, int change, ns_time_t now)
{
    int64_t t = (int64_t)(now >> C2_LOAD_GRANULARITY_SHIFT);

    if (rqd->load_last_update + (1LL << C2_LOAD_WINDOW_SHIFT) < t) {
        rqd->avgload = rqd->b_avgload = (int64_t)rqd->load << C2_LOAD_PRECISION_SHIFT;
    } else {
        int64_t delta = t > rqd->load_last_update ? t - rqd->load_last_update : 0;
        rqd->avgload = c2_ewma(rqd->avgload, rqd->load, delta);
        rqd->b_avgload = c2_ewma(rqd->b_avgload, rqd->load, delta);
    }
    rqd->load += change;
    rqd->load_last_update = t;
    c2_trace(prv, C2_TRC_UPDATE_RUNQ_LOAD, 6,
             (uint32_t[]){c2_lo(rqd->avgload), c2_hi(rqd->avgload), c2_lo(rqd->b_avgload),
                          c2_hi(rqd->b_avgload),
                          ((uint32_t)rqd->load & 0xffff) | ((rqd->id & 0xff) << 16) |
                              ((uint32_t)C2_LOAD_PRECISION_SHIFT << 24),
                          0});
}

/*
 * A vCPU's own load is 1 while runnable: a change of +1 (waking) closes an
 * interval in which it was not, -1 (blocking) one in which it was.
 */
void c2_update_svc_load(struct c2_priv *prv, struct c2_vcpu *svc, int change, ns_time_t now)
{
    int64_t t = (int64_t)(now >> C2_LOAD_GRANULARITY_SHIFT);
    int64_t load = change == -1 ? 1 : change == 1 ? 0 : ns_vcpu_runnable(svc->v);

    if (svc->load_last_update + (1LL << C2_LOAD_WINDOW_SHIFT) < t) {
        svc->avgload = load << C2_LOAD_PRECISION_SHIFT;
    } else {
        int64_t delta = t > svc->load_last_update ? t - svc->load_last_update : 0;
        svc->avgload = c2_ewma(svc->avgload, load, delta);
    }
    svc->load_last_update = t;
    c2_trace(prv, C2_TRC_UPDATE_UNIT_LOAD, 4,
             (uint32_t[]){c2_lo(svc->avgload), c2_hi(svc->avgload), c2_unit_word(svc),
                          C2_LOAD_PRECISION_SHIFT});
}

void c2_update_load(struct c2_priv *prv, struct c2_rqd *rqd, struct c2_vcpu *svc, int change,
                    ns_time_t now)
{
    c2_trace(prv, C2_TRC_UPDATE_LOAD, 0, NULL);
    c2_update_runq_load(prv, rqd, change, now);
    if (svc)
        c2_update_svc_load(prv, svc, change, now);
}
