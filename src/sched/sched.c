/*
 * The scheduler registry and what all schedulers share: default tunables,
 * runstate names and the balance-step masks of soft affinity.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "sched_impl.h"

static const struct ns_sched_ops *const schedulers[] = {
    &ns_sched_credit,
    &ns_sched_credit2,
    &ns_sched_null,
    &ns_sched_rtds,
    &ns_sched_rr,
};

static const struct ns_registry registry = NS_REGISTRY_OF_POINTERS(schedulers);

const struct ns_sched_ops *ns_sched_find(const char *name)
{
    return ns_registry_find(&registry, name);
}

const char *const *ns_sched_names(void) { return ns_registry_names(&registry); }

/* Xen's boot defaults (facts 1.4, 2.1 and 3.1); compat = today's Xen. */
void ns_sched_params_default(struct ns_sched_params *p)
{
    memset(p, 0, sizeof(*p));
    p->tslice_ms = 30;
    p->ratelimit_us = 1000;
    p->migration_delay_us = 0;
    p->compat = 422;
    p->credit2_compat = 422;
    p->credit2_runqueue = NS_C2_RUNQ_SOCKET;
    p->credit2_max_cpus_runqueue = 16;
    p->credit2_migrate_resist_us = 500;
    p->null_compat = 422;
    p->rtds_compat = 422;
}

const char *ns_runstate_name(enum ns_runstate s)
{
    static const char *const names[NS_RUNSTATES] = {"running", "runnable", "blocked", "offline"};
    return s < NS_RUNSTATES ? names[s] : "?";
}

/*
 * Soft affinity means something only when it narrows the choice: it must
 * overlap the hard affinity, and neither the hard affinity nor the pool may
 * already lie inside it (facts 2.13, the 4.11+ rule).
 */
bool ns_vcpu_has_soft_affinity(const struct ns_vcpu *v, const struct ns_mask *pool_cpus)
{
    return ns_mask_intersects(&v->soft, &v->hard) &&
           !ns_mask_subset(&v->hard, &v->soft) &&
           !ns_mask_subset(pool_cpus, &v->soft);
}

/* 3582093e01 (4.6) to 5e9e3f88fb (4.11): what @mask must overlap is the
 * caller's (credit: the hard affinity or the pool; null: the hard affinity). */
bool ns_vcpu_has_soft_affinity_406(const struct ns_vcpu *v, const struct ns_mask *pool_cpus,
                                   const struct ns_mask *mask)
{
    return !ns_mask_subset(pool_cpus, &v->soft) && !ns_mask_subset(&v->hard, &v->soft) &&
           ns_mask_intersects(&v->soft, mask);
}

/* Soft step: soft & hard, falling back to hard when they do not meet. */
void ns_balance_mask(const struct ns_vcpu *v, enum ns_balance_step step, struct ns_mask *out)
{
    if (step == NS_BALANCE_SOFT) {
        ns_mask_and(out, &v->soft, &v->hard);
        if (!ns_mask_empty(out))
            return;
    }
    ns_mask_copy(out, &v->hard);
}

size_t ns_cpumask_any(const struct ns_sched_env *env, const struct ns_mask *m)
{
    size_t cpu = ns_mask_first(m);

    if (cpu == NS_MASK_NONE)
        return cpu;
    for (uint64_t k = env->random(env->ctx) % ns_mask_weight(m); k > 0; k--)
        cpu = ns_mask_next(m, cpu);
    return cpu;
}

/* credit2's runqueue arrangements, as credit2_runqueue= names them. */
struct c2_runqueue_name {
    const char *name;
    enum ns_c2_runqueue arrangement;
};
static const struct c2_runqueue_name c2_runqueues[] = {
    {"cpu", NS_C2_RUNQ_CPU},   {"core", NS_C2_RUNQ_CORE}, {"socket", NS_C2_RUNQ_SOCKET},
    {"node", NS_C2_RUNQ_NODE}, {"all", NS_C2_RUNQ_ALL},
};
static const struct ns_registry c2_runqueue_registry = NS_REGISTRY(c2_runqueues);

int ns_c2_runqueue_parse(const char *name)
{
    const struct c2_runqueue_name *r = ns_registry_find(&c2_runqueue_registry, name);
    return r ? (int)r->arrangement : -1;
}

const char *const *ns_c2_runqueue_names(void) { return ns_registry_names(&c2_runqueue_registry); }
