/*
 * credit: the private data of Xen's credit1 scheduler, shared by the files
 * of src/sched/credit*.c and by test/test_credit.c (which inspects runqueues,
 * credits and priorities directly). Nothing outside sched/ and the tests may
 * include it.
 *
 * Layout follows Xen's: per pCPU a runqueue (an intrusive list that holds the
 * pCPU's idle vCPU at its tail whenever a real vCPU runs), per vCPU its
 * credit and priority, per domain its active vCPUs, per scheduler instance
 * (one per cpupool) the active domains, the idlers mask and the accounting
 * totals. Arrays are indexed by pCPU id and node id and sized from the
 * topology: there is no fixed limit on pCPUs, nodes or vCPUs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_SCHED_CREDIT_PRIV_H
#define NUMASCHED_SCHED_CREDIT_PRIV_H

#include <stddef.h>

#include "sched_impl.h"
#include "sched_list.h"

/* ---- constants (facts 2.1) ---------------------------------------------- */

#define CS_DEFAULT_WEIGHT     256
#define CS_TICKS_PER_TSLICE   3
#define CS_CREDITS_PER_MSEC   10
#define CS_MIN_TIMER          (100 * NS_US)    /* 4.8+: shortest ratelimit slice */
#define CS_BALANCE_RATELIMIT  (1000 * NS_US)   /* 4.18+: load-balance-ratelimit default */

/* Priorities: larger is better (facts 2.1). */
#define CS_PRI_BOOST   0
#define CS_PRI_UNDER  (-1)
#define CS_PRI_OVER   (-2)
#define CS_PRI_IDLE   (-64)

/* vCPU flags (facts 2.1). */
#define CS_FLAG_PARKED    (1u << 0)   /* over its cap: paused until credit >= 0 */
#define CS_FLAG_YIELD     (1u << 1)   /* yielded: queued behind one lower vCPU */
#define CS_FLAG_MIGRATING (1u << 2)   /* 4.7+: pick ran, the next wake is a move */

/* TRC_SCHED_CLASS events of credit (scheduler id 0), facts/xentrace.md 3.3. */
#define CS_TRC(n)              (0x00022000u | (0u << 9) | (n))
#define CS_TRC_ACCOUNT_START   CS_TRC(2)
#define CS_TRC_ACCOUNT_STOP    CS_TRC(3)
#define CS_TRC_STOLEN_VCPU     CS_TRC(4)
#define CS_TRC_PICKED_CPU      CS_TRC(5)
#define CS_TRC_TICKLE          CS_TRC(6)
#define CS_TRC_BOOST_START     CS_TRC(7)
#define CS_TRC_BOOST_END       CS_TRC(8)
#define CS_TRC_SCHEDULE        CS_TRC(9)
#define CS_TRC_RATELIMIT       CS_TRC(10)
#define CS_TRC_STEAL_CHECK     CS_TRC(11)

/* ---- the objects ---------------------------------------------------------- */

struct cs_dom;

struct cs_vcpu {
    struct cs_list runq_elem;     /* linked while on a runqueue */
    struct cs_list active_elem;   /* linked while on its domain's active list */
    struct cs_list all_elem;      /* every vCPU of the instance, for the checker */
    struct ns_vcpu *v;            /* NULL: a pCPU's idle vCPU */
    struct cs_dom *sdom;          /* NULL for an idle vCPU */
    unsigned idle_cpu;            /* idle vCPU: its pCPU */
    int pri;
    int credit;
    unsigned residual;            /* 4.3+: sub-credit remainder of burning, in ns*10 */
    int64_t start_time;           /* running: when unbilled time starts; off-CPU:
                                     that instant minus the time it left (Xen's trick) */
    ns_time_t last_sched_time;    /* last schedule on its pCPU while current (hotness) */
    bool has_run;
    unsigned flags;               /* CS_FLAG_* */
    /* checker bookkeeping */
    uint64_t bounded_epoch;       /* accounting epoch that left it active and in bounds */
    bool stranded;                /* counted in the stranded diagnostic already */
};

struct cs_dom {
    struct cs_list active_vcpus;  /* its active vCPUs, newest first */
    struct cs_list active_elem;   /* linked while on the instance's active list */
    struct cs_list all_elem;      /* every domain of the instance, for teardown */
    struct ns_domain *dom;
    unsigned active_vcpu_count;
    unsigned weight, cap;
    struct ns_mask node_cpus;     /* 4.3/4.4: pCPUs of the node affinity (4.4: in the pool) */
};

struct cs_pcpu {
    bool in_pool;
    struct cs_list runq;
    struct cs_vcpu idle;          /* the pCPU's idle vCPU */
    struct cs_vcpu *curr;         /* what runs now: &idle or a vCPU */
    ns_time_t curr_since;         /* when curr started running (Xen's state_entry_time) */
    unsigned runq_sort_last;
    unsigned idle_bias;
    unsigned nr_runnable;         /* 4.9+: running non-idle vCPU + queued vCPUs */
    unsigned tick;
    bool ticking;
    struct ns_timer ticker;
    bool balanced_once;           /* 4.18+: load-balance ratelimit */
    ns_time_t last_load_balance;
    unsigned last_tickle_cpu;     /* per-pCPU: used by wakes executing on this pCPU */
    ns_time_t idle_since;         /* checker: when it last went idle, NEVER if busy */
};

struct cs_stats {
    uint64_t boosts, tickles, steals, tick_migrations, kick_aways, parks, unparks;
    uint64_t ratelimited, balances, balances_skipped;
    uint64_t stranded;            /* diagnostic, see credit_check.c */
    ns_time_t stranded_at;
};

struct cs_priv {
    struct ns_sched *s;
    const struct ns_topo *topo;
    unsigned compat;
    unsigned quirk_fixes;
    bool no_boost;

    struct cs_pcpu *pcpu;         /* [topo->nr_pcpus]; in_pool marks ours */
    struct ns_mask idlers;        /* pool pCPUs that run idle (and, 4.9+, are not tickled) */
    struct ns_mask cpus;          /* pCPUs added so far */
    unsigned *balance_bias;       /* [nr_nodes], 4.9+ */
    unsigned ncpus;
    unsigned master;
    bool has_master;

    /* timing (facts 2.1) */
    ns_time_t tslice, tick_period, ratelimit, migr_delay;
    unsigned ticks_per_tslice, credits_per_tslice;

    /* accounting (facts 2.4) */
    struct cs_list active_sdoms;
    uint64_t weight;              /* sum over active vCPUs of their domain's weight */
    uint64_t credit;              /* credits_per_tslice x ncpus */
    int64_t credit_balance;
    unsigned runq_sort;           /* sort epoch */
    uint64_t acct_epoch;
    ns_time_t acct_time;
    struct ns_timer master_ticker;

    struct cs_list all_vcpus;
    struct cs_list all_doms;

    /* scratch masks over pCPUs, one set per user so calls never clobber each other */
    struct ns_mask pk_cpus, pk_idlers, pk_grp, pk_tmp;   /* cpu_pick */
    struct ns_mask tk_mask, tk_idle, tk_step;            /* tickle */
    struct ns_mask lb_workers, lb_step;                  /* load balance */
    struct ns_mask ck_tmp;                               /* checker */

    /* checker */
    bool check_on;
    char violation[512];
    struct cs_stats stats;
};

static inline struct cs_priv *cs_priv(const struct ns_sched *s) { return s->priv; }
static inline struct cs_vcpu *cs_vcpu(const struct ns_vcpu *v) { return v->sched_priv; }
static inline struct cs_pcpu *cs_pcpu(const struct cs_priv *prv, unsigned cpu)
{
    return &prv->pcpu[cpu];
}
static inline bool cs_is_idle(const struct cs_vcpu *svc) { return svc->v == NULL; }
static inline bool cs_on_runq(const struct cs_vcpu *svc) { return !cs_list_empty(&svc->runq_elem); }
static inline struct cs_vcpu *cs_runq_elem(struct cs_list *l)
{
    return cs_entry(l, struct cs_vcpu, runq_elem);
}

/* Version predicates: behaviour as of Xen 4.(v - 400). */
static inline bool compat_ge(const struct cs_priv *prv, unsigned v) { return prv->compat >= v; }
static inline bool compat_lt(const struct cs_priv *prv, unsigned v) { return prv->compat < v; }
static inline bool quirk_fixed(const struct cs_priv *prv, unsigned bit)
{
    return (prv->quirk_fixes & bit) != 0;
}

static inline ns_time_t cs_now(const struct cs_priv *prv)
{
    return prv->s->env->now(prv->s->env->ctx);
}

void cs_trace(const struct cs_priv *prv, uint32_t event, unsigned n, const uint32_t *words);
static inline uint32_t cs_unit_word(const struct ns_vcpu *v) { return v->id | (v->dom->id << 16); }

/* ---- credit.c: runqueues and vCPU state ---------------------------------- */

void cs_runq_insert(struct cs_priv *prv, struct cs_vcpu *svc);          /* counts it */
void cs_runq_remove(struct cs_priv *prv, struct cs_vcpu *svc);          /* uncounts it */
void cs_runq_insert_nocount(struct cs_priv *prv, unsigned cpu, struct cs_vcpu *svc);
void cs_runq_remove_nocount(struct cs_priv *prv, struct cs_vcpu *svc);
bool cs_runq_idle(const struct cs_priv *prv, unsigned cpu);
void cs_runq_sort(struct cs_priv *prv, unsigned cpu);
bool cs_cache_hot(const struct cs_priv *prv, const struct cs_vcpu *svc, ns_time_t now);

/* ---- credit_acct.c: burning and the 30 ms accounting (facts 2.2-2.4) ---- */

void cs_burn_credits(struct cs_priv *prv, struct cs_vcpu *svc, ns_time_t now);
void cs_acct_start(struct cs_priv *prv, struct cs_vcpu *svc);
void cs_acct_stop(struct cs_priv *prv, struct cs_vcpu *svc);
void cs_acct(struct cs_priv *prv, ns_time_t now);
void cs_acct_timer_fn(struct ns_timer *t, ns_time_t now);

/* ---- credit_pick.c: where things go (facts 2.9-2.11, 2.13) -------------- */

enum cs_step { CS_STEP_SOFT, CS_STEP_HARD };
bool cs_soft_steps(const struct cs_priv *prv);
bool cs_has_soft(const struct cs_priv *prv, const struct cs_vcpu *svc, const struct ns_mask *mask);
void cs_balance_mask(const struct cs_priv *prv, const struct cs_vcpu *svc, enum cs_step step,
                     struct ns_mask *out);
void cs_dom_update_node_cpus(const struct cs_priv *prv, struct cs_dom *sdom);
unsigned cs_cpu_pick(struct cs_priv *prv, struct cs_vcpu *svc, bool commit);
void cs_runq_tickle(struct cs_priv *prv, struct cs_vcpu *svc);
struct cs_vcpu *cs_load_balance(struct cs_priv *prv, unsigned cpu, struct cs_vcpu *snext,
                                ns_time_t now);
const char *cs_stealable_elsewhere(struct cs_priv *prv, unsigned cpu, ns_time_t now,
                                   char *buf, size_t len);

/* ---- credit_check.c: invariants and dump --------------------------------- */

int cs_check(const struct ns_sched *s, struct ns_err *err);
void cs_dump(const struct ns_sched *s, FILE *out);
void cs_stats(const struct ns_sched *s, FILE *out);
void cs_violation(struct cs_priv *prv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
