/*
 * null: Xen's static scheduler (Xen 4.9+, xen/common/sched/null.c).
 *
 * Each pCPU of the pool is given at most one vCPU, for good: it runs that
 * vCPU whenever it is runnable and idles otherwise, never lending itself to
 * anyone else, and there are no slices, credits or priorities. It is meant
 * for static set-ups (embedded, HPC, a cpupool of latency-critical guests)
 * where there are no more vCPUs than pCPUs, and it buys them the least
 * overhead and no interference from other vCPUs. A vCPU that finds no free
 * pCPU waits in one FIFO queue of the pool until a pCPU it may use is freed.
 *
 * A vCPU is given a pCPU only when it joins the scheduler (insert), when it
 * is moved (pick and migrate), when it comes online (4.13+), and when a
 * pCPU is freed (its vCPU removed or gone offline): so nothing here is on a
 * hot path, and a waiting vCPU never runs, however idle the host.
 *
 * Versions (null_compat, gated on the release that first has a change):
 *  - 4.9: hard affinity only; a free pCPU looks only at the head of the
 *    waitqueue; no trace records.
 *  - 4.10: soft affinity first, then hard, when giving out and taking up
 *    pCPUs (4ba2bf2552), with the 4.6-4.10 soft-affinity rule; a free pCPU
 *    scans the whole waitqueue; the TRC_SNULL_* records (048a3d579d).
 *  - 4.11: the soft-affinity rule of 5e9e3f88fb.
 *  - 4.13: offline vCPUs hold no pCPU and wait for none; a vCPU coming
 *    online takes its old pCPU if free and allowed, else waits and pokes
 *    the free pCPUs it may use (d545f1d6c2, faa2c904fb).
 * Tasklets, suspend and pCPUs leaving the pool are not modelled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "sched_impl.h"
#include "sched_list.h"

#define NULL_TRC(n)            (0x00022000u | (5u << 9) | (n))
#define NULL_TRC_PICKED_CPU    NULL_TRC(1)
#define NULL_TRC_ASSIGN        NULL_TRC(2)
#define NULL_TRC_DEASSIGN      NULL_TRC(3)
#define NULL_TRC_MIGRATE       NULL_TRC(4)
#define NULL_TRC_SCHEDULE      NULL_TRC(5)

struct null_vcpu {
    struct ns_vcpu *v;
    struct cs_list wait_elem;       /* in the waitqueue, or empty */
};

struct null_priv {
    struct ns_sched *s;
    struct ns_vcpu **assigned;      /* [nr_pcpus]: each pool pCPU's vCPU, or NULL */
    struct ns_mask cpus_free;       /* pool pCPUs with no vCPU */
    struct cs_list waitq;           /* FIFO of vCPUs with no pCPU */
    size_t nr_waiting;
    struct ns_mask scratch;
    uint64_t assigns;               /* for stats */
};

static struct null_priv *np(const struct ns_sched *s) { return s->priv; }
static struct null_vcpu *nv(const struct ns_vcpu *v) { return v->sched_priv; }
static bool since(const struct null_priv *p, unsigned v) { return p->s->params.null_compat >= v; }
static bool online(const struct ns_vcpu *v) { return !(v->pause_flags & NS_VPF_DOWN); }

/* ---- trace records (4.10+) --------------------------------------------------- */

static uint32_t unit_word(const struct ns_vcpu *v) { return v->id | (v->dom->id << 16); }

static void trace(const struct null_priv *p, uint32_t event, uint32_t w0, uint32_t w1)
{
    const struct ns_sched_env *env = p->s->env;

    if (since(p, 410) && env->trace)
        env->trace(env->ctx, event, 2, (uint32_t[]){w0, w1});
}

/* ---- the waitqueue --------------------------------------------------------------- */

static bool waiting(const struct null_vcpu *x) { return !cs_list_empty(&x->wait_elem); }

static struct null_vcpu *wait_entry(struct cs_list *l)
{
    return cs_entry(l, struct null_vcpu, wait_elem);
}

static void wait_append(struct null_priv *p, struct null_vcpu *x)
{
    cs_list_add_tail(&x->wait_elem, &p->waitq);
    p->nr_waiting++;
}

static void wait_remove(struct null_priv *p, struct null_vcpu *x)
{
    if (!waiting(x))
        return;
    cs_list_del_init(&x->wait_elem);
    p->nr_waiting--;
}

/* ---- affinity ------------------------------------------------------------------- */

/*
 * Whether the soft step means anything for @v: not before 4.10, which
 * brought soft affinity to null; in 4.10 by the rule credit had since 4.6,
 * with the hard affinity as what soft must overlap; from 4.11 the common one.
 */
static bool has_soft(const struct null_priv *p, const struct ns_vcpu *v)
{
    const struct ns_mask *pool = &p->s->pool->cpus;

    if (!since(p, 410))
        return false;
    if (!since(p, 411))
        return ns_vcpu_has_soft_affinity_406(v, pool, &v->hard);
    return ns_vcpu_has_soft_affinity(v, pool);
}

/* The pool pCPUs of @v's @step, into p->scratch. */
static struct ns_mask *step_mask(struct null_priv *p, const struct ns_vcpu *v,
                                 enum ns_balance_step step)
{
    ns_balance_mask(v, step, &p->scratch);
    ns_mask_and(&p->scratch, &p->scratch, &p->s->pool->cpus);
    return &p->scratch;
}

static bool fits(struct null_priv *p, const struct ns_vcpu *v, unsigned cpu,
                 enum ns_balance_step step)
{
    return ns_mask_test(step_mask(p, v, step), cpu);
}

/* ---- giving out pCPUs ---------------------------------------------------------- */

/* One balance step of the pick: @v's own pCPU, else the first free one. */
static size_t pick_step(struct null_priv *p, const struct ns_vcpu *v, enum ns_balance_step step)
{
    unsigned cpu = v->processor;
    struct ns_mask *mask = step_mask(p, v, step);

    if ((!p->assigned[cpu] || p->assigned[cpu] == v) && ns_mask_test(mask, cpu))
        return cpu;
    ns_mask_and(mask, mask, &p->cpus_free);
    return ns_mask_first(mask);
}

/*
 * Where @v should be: its own pCPU if that is free (or already its own)
 * and allowed, else the first free allowed pCPU, the soft step before the
 * hard one. With none free, any pCPU of its hard affinity (cpumask_any,
 * random): v->processor must name some pCPU even while it waits, and it is
 * given that pCPU only if it is free.
 */
static unsigned pick_res(struct null_priv *p, const struct ns_vcpu *v)
{
    size_t pick = NS_MASK_NONE;

    if (has_soft(p, v))
        pick = pick_step(p, v, NS_BALANCE_SOFT);
    if (pick == NS_MASK_NONE)
        pick = pick_step(p, v, NS_BALANCE_HARD);
    if (pick == NS_MASK_NONE)
        pick = ns_cpumask_any(p->s->env, step_mask(p, v, NS_BALANCE_HARD));
    trace(p, NULL_TRC_PICKED_CPU, unit_word(v), (uint32_t)pick);
    return (unsigned)pick;
}

static void assign(struct null_priv *p, struct ns_vcpu *v, unsigned cpu)
{
    p->assigned[cpu] = v;
    v->processor = cpu;
    ns_mask_clear(&p->cpus_free, cpu);
    p->assigns++;
    trace(p, NULL_TRC_ASSIGN, unit_word(v), cpu);
}

/* The first waiter that @cpu suits, soft step first (4.10+); up to 4.9
 * only the head of the queue counts when a pCPU takes up a waiter. */
static struct null_vcpu *suited_waiter(struct null_priv *p, unsigned cpu, bool head_only)
{
    struct cs_list *end = head_only ? p->waitq.next->next : &p->waitq;

    for (int step = NS_BALANCE_SOFT; step <= NS_BALANCE_HARD; step++) {
        for (struct cs_list *l = p->waitq.next; l != end; l = l->next) {
            struct null_vcpu *w = wait_entry(l);
            if (step == NS_BALANCE_SOFT && !has_soft(p, w->v))
                continue;
            if (fits(p, w->v, cpu, (enum ns_balance_step)step))
                return w;
        }
    }
    return NULL;
}

/*
 * @v gives its pCPU up. The first suitable waiter gets it at once, and the
 * pCPU reschedules to run it: the only way a waiting vCPU ever starts.
 * True if it did.
 */
static bool deassign(struct null_priv *p, struct ns_vcpu *v)
{
    unsigned cpu = v->processor;

    p->assigned[cpu] = NULL;
    ns_mask_set(&p->cpus_free, cpu);
    trace(p, NULL_TRC_DEASSIGN, unit_word(v), cpu);
    struct null_vcpu *w = suited_waiter(p, cpu, false);
    if (!w)
        return false;
    wait_remove(p, w);
    assign(p, w->v, cpu);
    p->s->env->tickle(p->s->env->ctx, cpu);
    return true;
}

/* ---- hooks ------------------------------------------------------------------------ */

static int null_init(struct ns_sched *s, struct ns_err *err)
{
    (void)err;
    size_t n = s->env->topo->nr_pcpus;
    struct null_priv *p = ns_xcalloc(1, sizeof(*p));

    p->s = s;
    cs_list_init(&p->waitq);
    p->assigned = ns_xcalloc(n, sizeof(*p->assigned));
    ns_mask_init(&p->cpus_free, n);
    ns_mask_init(&p->scratch, n);
    s->priv = p;
    return 0;
}

static void null_deinit(struct ns_sched *s)
{
    struct null_priv *p = np(s);

    ns_mask_free(&p->cpus_free);
    ns_mask_free(&p->scratch);
    free(p->assigned);
    free(p);
    s->priv = NULL;
}

static void null_add_pcpu(struct ns_sched *s, unsigned cpu)
{
    ns_mask_set(&np(s)->cpus_free, cpu);
}

/*
 * A new vCPU gets the pCPU pick_res names if that is free, else waits: the
 * pick returns a busy pCPU only when no allowed one is free (Xen's retry
 * covers a race with another CPU's insert, which a sequential host cannot
 * have). From 4.13 an offline vCPU is left alone until it comes online.
 */
static void null_insert_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct null_priv *p = np(s);
    struct null_vcpu *x = ns_xcalloc(1, sizeof(*x));

    x->v = v;
    cs_list_init(&x->wait_elem);
    v->sched_priv = x;
    if (since(p, 413) && !online(v))
        return;
    v->processor = pick_res(p, v);
    if (!p->assigned[v->processor])
        assign(p, v, v->processor);
    else
        wait_append(p, x);
}

static void null_remove_vcpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct null_priv *p = np(s);
    struct null_vcpu *x = nv(v);

    if (waiting(x))
        wait_remove(p, x);
    else if (p->assigned[v->processor] == v)
        deassign(p, v);
    free(x);
    v->sched_priv = NULL;
}

/*
 * A vCPU coming online (4.13+) that holds no pCPU: its old one if that is
 * free and allowed (soft too, if it has one), else the waitqueue, and every
 * free pCPU it may use is poked; the first to schedule takes it.
 */
static void wake_unassigned(struct null_priv *p, struct ns_vcpu *v)
{
    const struct ns_sched_env *env = p->s->env;
    unsigned cpu = v->processor;

    if (!p->assigned[cpu] && fits(p, v, cpu, NS_BALANCE_HARD) &&
        (!has_soft(p, v) || fits(p, v, cpu, NS_BALANCE_SOFT))) {
        assign(p, v, cpu);
        env->tickle(env->ctx, cpu);
        return;
    }
    wait_append(p, nv(v));
    ns_mask_and(&p->scratch, &v->hard, &p->s->pool->cpus);
    ns_mask_and(&p->scratch, &p->scratch, &p->cpus_free);
    ns_mask_for_each(free_cpu, &p->scratch)
        env->tickle(env->ctx, (unsigned)free_cpu);
}

static void null_wake(struct ns_sched *s, struct ns_vcpu *v)
{
    struct null_priv *p = np(s);
    const struct ns_sched_env *env = s->env;

    if (env->curr(env->ctx, v->processor) == v || waiting(nv(v)))
        return;
    if (p->assigned[v->processor] == v || !since(p, 413))
        env->tickle(env->ctx, v->processor);
    else
        wake_unassigned(p, v);
}

/* From 4.13 a vCPU going offline gives up its pCPU or its place in the queue. */
static void null_sleep(struct ns_sched *s, struct ns_vcpu *v)
{
    struct null_priv *p = np(s);
    const struct ns_sched_env *env = s->env;
    bool tickled = false;

    if (since(p, 413) && !online(v)) {
        if (waiting(nv(v)))
            wait_remove(p, nv(v));
        else if (p->assigned[v->processor] == v)
            tickled = deassign(p, v);
    }
    if (!tickled && env->curr(env->ctx, v->processor) == v)
        env->tickle(env->ctx, v->processor);
}

/*
 * The pCPU runs its vCPU if it has one and it is runnable, else idles. A
 * pCPU with none (new in the pool, or just freed) takes up a waiter first.
 */
static struct ns_sched_slice null_do_schedule(struct ns_sched *s, unsigned cpu, ns_time_t now)
{
    (void)now;
    struct null_priv *p = np(s);
    struct ns_vcpu *next = p->assigned[cpu];

    trace(p, NULL_TRC_SCHEDULE, cpu << 16, next ? unit_word(next) : 0xffffffffu);
    if (!next && !cs_list_empty(&p->waitq)) {
        struct null_vcpu *w = suited_waiter(p, cpu, !since(p, 410));
        if (w) {
            wait_remove(p, w);
            assign(p, w->v, cpu);
            next = w->v;
        }
    }
    if (next && !ns_vcpu_runnable(next))
        next = NULL;
    return (struct ns_sched_slice){next, NS_TIME_NEVER};
}

/*
 * Moving @v to @cpu (Xen's null_unit_migrate): its old pCPU is freed for a
 * waiter, and it takes @cpu if that is free and allowed, else waits. From
 * 4.13 an offline vCPU only changes its processor.
 */
static void migrate(struct null_priv *p, struct ns_vcpu *v, unsigned cpu)
{
    struct null_vcpu *x = nv(v);

    if (v->processor == cpu)
        return;
    trace(p, NULL_TRC_MIGRATE, unit_word(v), v->processor | (cpu << 16));
    if (p->assigned[v->processor] == v)
        deassign(p, v);
    if (since(p, 413) && !online(v)) {
        wait_remove(p, x);
    } else if (!p->assigned[cpu] && fits(p, v, cpu, NS_BALANCE_HARD)) {
        wait_remove(p, x);
        assign(p, v, cpu);
    } else if (!waiting(x)) {
        wait_append(p, x);
    }
    v->processor = cpu;
}

/* The engine asks where @v goes when Xen would pick and then migrate it
 * (creation with libxl's affinity call, a move): both happen here. */
static unsigned null_pick_cpu(struct ns_sched *s, struct ns_vcpu *v)
{
    struct null_priv *p = np(s);
    unsigned cpu = pick_res(p, v);

    migrate(p, v, cpu);
    return cpu;
}

/* ---- checks and reports --------------------------------------------------------- */

static int check_pcpu(const struct ns_sched *s, unsigned cpu, struct ns_err *err)
{
    const struct null_priv *p = np(s);
    const struct ns_vcpu *v = p->assigned[cpu];
    const struct ns_vcpu *cur = s->env->curr(s->env->ctx, cpu);

    if (!v != ns_mask_test(&p->cpus_free, cpu))
        return ns_err_set(err, NULL, 0, NULL, "null: pCPU %u is %s but %s", cpu,
                          v ? "given a vCPU" : "given none", v ? "free" : "not free");
    if (v && (v->processor != cpu || waiting(nv(v))))
        return ns_err_set(err, NULL, 0, NULL, "null: d%uv%u is given pCPU %u but has "
                          "processor %u%s", v->dom->id, v->id, cpu, v->processor,
                          waiting(nv(v)) ? " and waits" : "");
    if (cur && cur != v)
        return ns_err_set(err, NULL, 0, NULL, "null: pCPU %u runs d%uv%u, not its own vCPU",
                          cpu, cur->dom->id, cur->id);
    return 0;
}

/* Every pCPU runs only its own vCPU; a waiting vCPU holds no pCPU. */
static int null_check(const struct ns_sched *s, struct ns_err *err)
{
    const struct null_priv *p = np(s);
    size_t nr = 0;

    ns_mask_for_each(cpu, &s->pool->cpus)
        if (check_pcpu(s, (unsigned)cpu, err) < 0)
            return -1;
    for (struct cs_list *l = p->waitq.next; l != &p->waitq; l = l->next, nr++) {
        const struct ns_vcpu *v = wait_entry(l)->v;
        if (v->is_running)
            return ns_err_set(err, NULL, 0, NULL, "null: d%uv%u in the waitqueue runs",
                              v->dom->id, v->id);
    }
    if (nr != p->nr_waiting)
        return ns_err_set(err, NULL, 0, NULL, "null: %zu vCPUs wait, %zu counted", nr,
                          p->nr_waiting);
    return 0;
}

static void null_dump(const struct ns_sched *s, FILE *out)
{
    const struct null_priv *p = np(s);

    ns_mask_for_each(cpu, &s->pool->cpus) {
        const struct ns_vcpu *v = p->assigned[cpu];
        if (v)
            fprintf(out, "null pCPU %zu: d%uv%u\n", cpu, v->dom->id, v->id);
        else
            fprintf(out, "null pCPU %zu: free\n", cpu);
    }
    fputs("null waiting:", out);
    for (struct cs_list *l = p->waitq.next; l != &p->waitq; l = l->next) {
        const struct ns_vcpu *v = wait_entry(l)->v;
        fprintf(out, " d%uv%u", v->dom->id, v->id);
    }
    fputc('\n', out);
}

static void null_stats(const struct ns_sched *s, FILE *out)
{
    const struct null_priv *p = np(s);
    size_t pcpus = ns_mask_weight(&s->pool->cpus);

    fprintf(out, "given=%zu pcpus=%zu waiting=%zu assignments=%llu\n",
            pcpus - ns_mask_weight(&p->cpus_free), pcpus, p->nr_waiting,
            (unsigned long long)p->assigns);
}

const struct ns_sched_ops ns_sched_null = {
    .name = "null",
    .trace_id = 5,
    .in_xen = true,
    .pcpu_per_vcpu = true,
    .init = null_init,
    .deinit = null_deinit,
    .add_pcpu = null_add_pcpu,
    .insert_vcpu = null_insert_vcpu,
    .remove_vcpu = null_remove_vcpu,
    .sleep = null_sleep,
    .wake = null_wake,
    .do_schedule = null_do_schedule,
    .pick_cpu = null_pick_cpu,
    .check = null_check,
    .dump = null_dump,
    .stats = null_stats,
};
