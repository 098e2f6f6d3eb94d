/*
 * credit: the invariant checker (numasched run --check) and the dump.
 *
 * What credit1 promises, and therefore what is checked after every event:
 *  - runqueues: every runnable vCPU of the pool that is not running sits on
 *    exactly one runqueue, its processor's; queued vCPUs are runnable and
 *    not running; a pCPU's idle vCPU is queued, at the tail, exactly while a
 *    real vCPU runs there; the running vCPU is the pCPU's current one;
 *    4.9+: nr_runnable = running non-idle vCPU + queued vCPUs; a pCPU in
 *    idlers runs its idle vCPU;
 *  - priorities: queued and running vCPUs are BOOST, UNDER or OVER;
 *  - credits: an accounting leaves every vCPU it keeps active within
 *    [-300, +300] (credits_per_tslice); until the next one such a vCPU can
 *    only lose credit, at most 10 per ms of elapsed time (it runs on one
 *    pCPU at a time) plus what it ran unbilled before that accounting (at
 *    most one tick). Inactive vCPUs have no bound: one that always blocks
 *    before a tick is never activated and burns without limit (Xen does
 *    the same); a deactivated vCPU keeps half of what it had, which can
 *    exceed +300 after a negative-balance period;
 *  - stealing: a pCPU that balanced and still chose idle left no stealable
 *    vCPU (priority above idle, allowed by hard affinity, not running, not
 *    cache-hot, 4.18+ not yielded) on any busy pCPU of the pool. This is
 *    checked in do_schedule itself, when it happens.
 *
 * What credit1 does NOT promise, and is only counted (stats.stranded, shown
 * by dump): that a pCPU idle for more than a tick never coexists with an
 * UNDER/BOOST vCPU waiting elsewhere that it could run. Credit1 steals only
 * when a pCPU schedules, and an idle pCPU schedules only when tickled; a
 * wake tickles one idler that may steal another vCPU; a vCPU requeued when
 * its pCPU switches, or turned UNDER by accounting, tickles nobody; 4.13+
 * never kicks the preempted vCPU away (QUIRK kick_away_413); 4.18+ may skip
 * balancing for a ms. Each of these leaves work waiting next to an idle pCPU
 * in real Xen (the "stuck" vCPUs of facts 2.14), so reporting them as
 * errors would reject faithful runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "credit_priv.h"

void cs_violation(struct cs_priv *prv, const char *fmt, ...)
{
    va_list ap;

    if (prv->violation[0])
        return;                 /* keep the first one */
    va_start(ap, fmt);
    vsnprintf(prv->violation, sizeof(prv->violation), fmt, ap);
    va_end(ap);
}

#define FAIL(...) ns_err_set(err, NULL, 0, NULL, __VA_ARGS__)

static int cs_check_runq(struct cs_priv *prv, unsigned cpu, size_t *queued, struct ns_err *err)
{
    struct cs_pcpu *spc = cs_pcpu(prv, cpu);
    bool idle_queued = false;
    unsigned n = 0;

    for (struct cs_list *it = spc->runq.next; it != &spc->runq; it = it->next) {
        struct cs_vcpu *svc = cs_runq_elem(it);
        if (cs_is_idle(svc)) {
            if (svc != &spc->idle || it->next != &spc->runq)
                return FAIL("credit: pCPU %u: an idle vCPU other than its own, or not at "
                            "the tail", cpu);
            idle_queued = true;
            continue;
        }
        struct ns_vcpu *v = svc->v;
        if (v->processor != cpu || v->is_running || !ns_vcpu_runnable(v))
            return FAIL("credit: d%uv%u queued on pCPU %u has processor %u, %s, flags %#x",
                        v->dom->id, v->id, cpu, v->processor,
                        v->is_running ? "running" : "not running", v->pause_flags);
        if (svc->pri != CS_PRI_BOOST && svc->pri != CS_PRI_UNDER && svc->pri != CS_PRI_OVER)
            return FAIL("credit: d%uv%u queued with priority %d", v->dom->id, v->id, svc->pri);
        n++;
    }
    *queued += n;
    if (idle_queued == cs_is_idle(spc->curr))
        return FAIL("credit: pCPU %u runs %s but its idle vCPU is %squeued", cpu,
                    cs_is_idle(spc->curr) ? "idle" : "a vCPU", idle_queued ? "" : "not ");
    if (!cs_is_idle(spc->curr)) {
        struct ns_vcpu *v = spc->curr->v;
        if (v->processor != cpu || !v->is_running)
            return FAIL("credit: d%uv%u current on pCPU %u has processor %u, is_running %d",
                        v->dom->id, v->id, cpu, v->processor, v->is_running);
    }
    if (ns_mask_test(&prv->idlers, cpu) && !cs_is_idle(spc->curr))
        return FAIL("credit: pCPU %u is in idlers but runs a vCPU", cpu);
    if (compat_ge(prv, 409) && spc->nr_runnable != n + !cs_is_idle(spc->curr))
        return FAIL("credit: pCPU %u nr_runnable %u, but %u queued and %s running", cpu,
                    spc->nr_runnable, n, cs_is_idle(spc->curr) ? "nothing" : "one");
    return 0;
}

/*
 * Credit bounds of a vCPU the last accounting left active: at most +300 and
 * at least -300 minus what it can have burnt since (10 per ms of elapsed
 * time, plus up to one tick billed late, plus one for the residual and
 * one for the part of a credit carried in start_time).
 */
static int cs_check_credit(struct cs_priv *prv, struct cs_vcpu *svc, ns_time_t now,
                           struct ns_err *err)
{
    const int64_t cpt = prv->credits_per_tslice;
    int64_t slack;

    if (svc->bounded_epoch != prv->acct_epoch || cs_list_empty(&svc->active_elem) ||
        prv->acct_epoch == 0)
        return 0;
    slack = (int64_t)((now - prv->acct_time + prv->tick_period) * CS_CREDITS_PER_MSEC / NS_MS) + 2;
    if (svc->credit > cpt || svc->credit < -cpt - slack)
        return FAIL("credit: d%uv%u has %d credits, outside [%lld, %lld] %llu ns after accounting",
                    svc->v->dom->id, svc->v->id, svc->credit, (long long)(-cpt - slack),
                    (long long)cpt, (unsigned long long)(now - prv->acct_time));
    return 0;
}

/*
 * The stranded diagnostic (not an error, see the top of this file): an
 * UNDER/BOOST vCPU queued on a busy pCPU while a pCPU of its hard affinity
 * has been idle (in idlers) for more than a tick and it is not cache-hot.
 * Each such wait is counted once.
 */
static void cs_count_stranded(struct cs_priv *prv, unsigned cpu, ns_time_t now)
{
    struct cs_pcpu *spc = cs_pcpu(prv, cpu);

    if (cs_is_idle(spc->curr))
        return;
    for (struct cs_list *it = spc->runq.next; it != &spc->runq; it = it->next) {
        struct cs_vcpu *svc = cs_runq_elem(it);
        if (cs_is_idle(svc) || svc->pri < CS_PRI_UNDER)
            break;
        if (svc->stranded || cs_cache_hot(prv, svc, now))
            continue;
        ns_mask_and(&prv->ck_tmp, &prv->idlers, &svc->v->hard);
        ns_mask_for_each(q, &prv->ck_tmp) {
            ns_time_t since = cs_pcpu(prv, (unsigned)q)->idle_since;
            if (since != NS_TIME_NEVER && now - since > prv->tick_period) {
                svc->stranded = true;
                if (prv->stats.stranded++ == 0)
                    prv->stats.stranded_at = now;
                break;
            }
        }
    }
}

int cs_check(const struct ns_sched *s, struct ns_err *err)
{
    struct cs_priv *prv = cs_priv(s);
    ns_time_t now = cs_now(prv);
    size_t queued = 0, on_runq = 0;

    prv->check_on = true;
    if (prv->violation[0])
        return FAIL("%s", prv->violation);
    ns_mask_for_each(cpu, &s->pool->cpus) {
        if (!cs_pcpu(prv, (unsigned)cpu)->in_pool)
            return FAIL("credit: pool pCPU %zu was never added", cpu);
        if (cs_check_runq(prv, (unsigned)cpu, &queued, err) < 0)
            return -1;
        cs_count_stranded(prv, (unsigned)cpu, now);
    }
    for (struct cs_list *it = prv->all_vcpus.next; it != &prv->all_vcpus; it = it->next) {
        struct cs_vcpu *svc = cs_entry(it, struct cs_vcpu, all_elem);
        struct ns_vcpu *v = svc->v;
        bool current = cs_pcpu(prv, v->processor)->curr == svc;

        on_runq += cs_on_runq(svc);
        if (ns_vcpu_runnable(v) && !v->is_running && !cs_on_runq(svc))
            return FAIL("credit: d%uv%u is runnable but on no runqueue", v->dom->id, v->id);
        if (v->is_running && !current)
            return FAIL("credit: d%uv%u is running but not current on pCPU %u", v->dom->id,
                        v->id, v->processor);
        if (current && svc->pri != CS_PRI_BOOST && svc->pri != CS_PRI_UNDER &&
            svc->pri != CS_PRI_OVER)
            return FAIL("credit: d%uv%u runs with priority %d", v->dom->id, v->id, svc->pri);
        if (cs_check_credit(prv, svc, now, err) < 0)
            return -1;
    }
    if (on_runq != queued)
        return FAIL("credit: %zu vCPUs think they are queued, the runqueues hold %zu", on_runq,
                    queued);
    return 0;
}

static const char *cs_pri_name(int pri)
{
    switch (pri) {
    case CS_PRI_BOOST: return "BOOST";
    case CS_PRI_UNDER: return "UNDER";
    case CS_PRI_OVER: return "OVER";
    case CS_PRI_IDLE: return "IDLE";
    default: return "?";
    }
}

static void cs_dump_vcpu(const struct cs_vcpu *svc, FILE *out)
{
    fprintf(out, "d%uv%u %s credit=%d flags=%#x%s", svc->v->dom->id, svc->v->id,
            cs_pri_name(svc->pri), svc->credit, svc->flags,
            cs_list_empty(&svc->active_elem) ? "" : " active");
}

/* Like Xen's 'r' debug key: settings, idlers, runqueues, active vCPUs. */
void cs_dump(const struct ns_sched *s, FILE *out)
{
    const struct cs_priv *prv = cs_priv(s);
    char *idlers = ns_mask_format(&prv->idlers);

    fprintf(out, "credit (Xen 4.%u semantics): ncpus=%u master=%u credit=%llu balance=%lld "
                 "weight=%llu runq_sort=%u tslice=%llums ratelimit=%lluus migration_delay=%lluus "
                 "quirk_fixes=%#x\n",
            prv->compat - 400, prv->ncpus, prv->master, (unsigned long long)prv->credit,
            (long long)prv->credit_balance, (unsigned long long)prv->weight, prv->runq_sort,
            (unsigned long long)(prv->tslice / NS_MS), (unsigned long long)(prv->ratelimit / NS_US),
            (unsigned long long)(prv->migr_delay / NS_US), prv->quirk_fixes);
    fprintf(out, "idlers: %s\n", idlers);
    free(idlers);
    ns_mask_for_each(cpu, &s->pool->cpus) {
        const struct cs_pcpu *spc = &prv->pcpu[cpu];
        fprintf(out, "CPU[%02zu] nr_run=%u sort=%u idle_bias=%u run: ", cpu, spc->nr_runnable,
                spc->runq_sort_last, spc->idle_bias);
        if (cs_is_idle(spc->curr))
            fputs("idle", out);
        else
            cs_dump_vcpu(spc->curr, out);
        fputc('\n', out);
        int i = 0;
        for (const struct cs_list *it = spc->runq.next; it != &spc->runq; it = it->next) {
            const struct cs_vcpu *svc = cs_entry(it, struct cs_vcpu, runq_elem);
            if (cs_is_idle(svc))
                continue;
            fprintf(out, "\t%3d: ", ++i);
            cs_dump_vcpu(svc, out);
            fputc('\n', out);
        }
    }
    fputs("active vCPUs:\n", out);
    for (const struct cs_list *d = prv->active_sdoms.next; d != &prv->active_sdoms; d = d->next) {
        const struct cs_dom *sdom = cs_entry(d, struct cs_dom, active_elem);
        for (const struct cs_list *it = sdom->active_vcpus.next; it != &sdom->active_vcpus;
             it = it->next) {
            fputc('\t', out);
            cs_dump_vcpu(cs_entry(it, struct cs_vcpu, active_elem), out);
            fprintf(out, " [w=%u cap=%u]\n", sdom->weight, sdom->cap);
        }
    }
    cs_stats(s, out);
}

/* One line of counters; the stranded count is credit1's known blind spot
 * (see the top of this file), with the time of the first occurrence. */
void cs_stats(const struct ns_sched *s, FILE *out)
{
    const struct cs_priv *prv = cs_priv(s);

    fprintf(out, "boosts=%llu tickles=%llu steals=%llu tick_migrations=%llu "
                 "kick_aways=%llu parks=%llu unparks=%llu ratelimited=%llu balances=%llu "
                 "balances_skipped=%llu stranded=%llu",
            (unsigned long long)prv->stats.boosts, (unsigned long long)prv->stats.tickles,
            (unsigned long long)prv->stats.steals, (unsigned long long)prv->stats.tick_migrations,
            (unsigned long long)prv->stats.kick_aways, (unsigned long long)prv->stats.parks,
            (unsigned long long)prv->stats.unparks, (unsigned long long)prv->stats.ratelimited,
            (unsigned long long)prv->stats.balances,
            (unsigned long long)prv->stats.balances_skipped,
            (unsigned long long)prv->stats.stranded);
    if (prv->stats.stranded)
        fprintf(out, " (first at %.6f s)", (double)prv->stats.stranded_at / 1e9);
    fputc('\n', out);
}
