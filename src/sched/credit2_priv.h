/*
 * credit2: the private data of Xen's credit2 scheduler, shared by the files
 * of src/sched/credit2*.c and by test/test_credit2*.c (which inspect
 * runqueues, credits and loads directly). Nothing outside sched/ and the
 * tests may include it.
 *
 * Layout follows Xen's xen/common/sched/credit2.c: pCPUs are grouped into
 * runqueues (per socket by default), each with one credit-ordered queue of
 * waiting vCPUs, the list of every vCPU assigned to it, the masks of its
 * pCPUs that are idle, tickled, or on fully idle cores, and its load. Per
 * vCPU: credit in nanoseconds, weight, load average, the pCPU a tickle
 * reserved for it. Runqueues are created as pCPUs join, so nothing is sized
 * by a fixed limit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_SCHED_CREDIT2_PRIV_H
#define NUMASCHED_SCHED_CREDIT2_PRIV_H

#include <stdint.h>

#include "sched_impl.h"
#include "sched_list.h"

/* ---- constants (facts 3.1) ------------------------------------------------ */

#define C2_DEFAULT_WEIGHT      256
#define C2_CREDIT_INIT         ((int64_t)(10 * NS_MS))
#define C2_CREDIT_MIN          (-C2_CREDIT_INIT)     /* the floor, 4.14+ */
#define C2_IDLE_CREDIT         (C2_CREDIT_MIN - 1)   /* 4.14+ */
#define C2_IDLE_CREDIT_413     (-(1LL << 30))        /* up to 4.13, with no floor */
#define C2_MIN_TIMER           ((int64_t)(500 * NS_US))
#define C2_CARRYOVER_MAX       C2_MIN_TIMER
#define C2_MAX_TIMER           C2_CREDIT_INIT
#define C2_MIGRATE_COMPENSATION ((int64_t)(50 * NS_US))
#define C2_RATELIMIT_TOLERANCE ((int64_t)(50 * NS_US))
#define C2_BUDGET_PERIOD       ((int64_t)(10 * NS_MS))  /* credit2_cap_period_ms */
#define C2_CREDIT_RESET        0

/* Load tracking: time in 1024 ns units, a 2^20-unit window, 18 fraction bits. */
#define C2_LOAD_GRANULARITY_SHIFT 10
#define C2_LOAD_WINDOW_SHIFT      20
#define C2_LOAD_PRECISION_SHIFT   18
#define C2_BALANCE_UNDER          0     /* tolerance below full load, power of two */
#define C2_BALANCE_OVER           (-3)  /* tolerance at or above full load */

/* vCPU flags (Xen's CSFLAG_*). */
#define C2_FLAG_SCHEDULED      (1u << 0)  /* on a pCPU */
#define C2_FLAG_MIGRATE_REQ    (1u << 1)  /* balancing asked it to move to migrate_rqd */
#define C2_FLAG_YIELD          (1u << 2)
#define C2_FLAG_PINNED         (1u << 3)  /* hard affinity is one pCPU */

/*
 * TRC_SCHED_CLASS events of credit2 (scheduler id 1), with the payloads of
 * Xen's packed structs as little-endian words (facts/xentrace.md 3.4).
 */
#define C2_TRC(n)                 (0x00022000u | (1u << 9) | (n))
#define C2_TRC_RUNQ_POS           C2_TRC(2)
#define C2_TRC_CREDIT_BURN        C2_TRC(3)
#define C2_TRC_TICKLE_CHECK       C2_TRC(5)
#define C2_TRC_TICKLE             C2_TRC(6)
#define C2_TRC_CREDIT_RESET       C2_TRC(7)
#define C2_TRC_UPDATE_LOAD        C2_TRC(9)
#define C2_TRC_RUNQ_ASSIGN        C2_TRC(10)
#define C2_TRC_UPDATE_UNIT_LOAD   C2_TRC(11)
#define C2_TRC_UPDATE_RUNQ_LOAD   C2_TRC(12)
#define C2_TRC_TICKLE_NEW         C2_TRC(13)
#define C2_TRC_RUNQ_MAX_WEIGHT    C2_TRC(14)
#define C2_TRC_MIGRATE            C2_TRC(15)
#define C2_TRC_LOAD_CHECK         C2_TRC(16)
#define C2_TRC_LOAD_BALANCE       C2_TRC(17)
#define C2_TRC_PICKED_CPU         C2_TRC(19)
#define C2_TRC_RUNQ_CANDIDATE     C2_TRC(20)
#define C2_TRC_SCHEDULE           C2_TRC(21)
#define C2_TRC_RATELIMIT          C2_TRC(22)
#define C2_TRC_RUNQ_CAND_CHECK    C2_TRC(23)

/* ---- the objects ------------------------------------------------------------ */

struct c2_rqd;

struct c2_vcpu {
    struct cs_list runq_elem;     /* linked while waiting in its runqueue */
    struct cs_list rqd_elem;      /* linked while assigned to a runqueue */
    struct ns_vcpu *v;            /* NULL: a pCPU's idle vCPU */
    unsigned idle_cpu;            /* an idle vCPU's pCPU */
    struct c2_dom *sdom;
    struct c2_rqd *rqd;           /* the runqueue it is assigned to */
    struct c2_rqd *migrate_rqd;   /* with C2_FLAG_MIGRATE_REQ: where to go */
    unsigned weight;
    int64_t credit;               /* ns; burnt at max_weight/weight per ns */
    uint64_t residual;            /* remainder of the weight division */
    ns_time_t start_time;         /* running: billed up to here */
    int64_t avgload;              /* fixed point, C2_LOAD_PRECISION_SHIFT bits */
    int64_t load_last_update;     /* in 1024 ns units */
    int tickled_cpu;              /* the pCPU a tickle reserved for it, -1 */
    /* For the checker: the pCPUs whose scan passed it over as reserved for
     * another pCPU (Xen's deferred_to_tickled_cpu) while it waits, each
     * until that pCPU schedules again. Should the reservation lapse (the
     * tickled pCPU keeps its own vCPU: ratelimit, or up to 4.15 a scan
     * stopped at a parked vCPU), Xen pokes none of them (csched2_runtime:
     * an idle pCPU waits to be poked), so it may wait beside them, idle. */
    struct ns_mask passed_by;
    unsigned flags;
    /* caps (facts 3.7): what it took from its domain's budget, and how much it takes */
    int64_t budget, budget_quota;
    struct cs_list parked_elem;   /* linked while parked for want of budget */
};

struct c2_dom {
    struct cs_list all_elem;
    struct ns_domain *dom;
    struct c2_priv *prv;
    unsigned weight;
    unsigned cap;                 /* percent of one pCPU, 0 = none */
    int64_t tot_budget;           /* cap% of the 10 ms period */
    int64_t budget;               /* left this period, for its vCPUs to take */
    ns_time_t next_repl;
    struct ns_timer repl_timer;
    struct cs_list parked;        /* vCPUs waiting for budget */
};

struct c2_rqd {
    unsigned id;
    struct cs_list runq;          /* waiting vCPUs, highest credit first */
    struct cs_list svc;           /* every vCPU assigned here */
    struct ns_mask active;        /* its pCPUs */
    struct ns_mask idle;          /* its pCPUs running idle */
    struct ns_mask tickled;       /* poked, not yet scheduled */
    struct ns_mask smt_idle;      /* pCPUs of cores whose threads are all idle, untickled */
    unsigned nr_cpus;
    unsigned nr_sibls;            /* threads of the cores it has pCPUs of (arrangement) */
    unsigned pick_bias;           /* where the last pick into it landed (4.9+) */
    unsigned ref_cpu;             /* its first pCPU: the topology it matches */
    unsigned max_weight;
    int load;                     /* runnable vCPUs assigned here */
    int64_t avgload, b_avgload;
    int64_t load_last_update;
};

struct c2_pcpu {
    bool in_pool;
    struct c2_rqd *rqd;
    struct c2_vcpu idle;          /* credit c2_idle_credit(), v == NULL */
    struct c2_vcpu *curr;
    ns_time_t curr_since;         /* Xen's state_entry_time: ratelimit */
    /* Idle beside a waiting vCPU it may run, as Xen leaves it, until it
     * schedules: up to 4.15 its last scan stopped at a parked vCPU; up to
     * 4.11 a tickle during balancing went to the balancing pCPU instead. */
    bool stalled;
};

struct c2_stats {
    uint64_t tickles, resets, balances, pushes, pulls, kick_aways, ratelimited, resisted;
    uint64_t parks, unparks;
};

struct c2_priv {
    struct ns_sched *s;
    const struct ns_topo *topo;
    struct c2_pcpu *pcpu;         /* [nr_pcpus] */
    struct c2_rqd **rqd;          /* [nr_rqd], in id order */
    unsigned nr_rqd;
    unsigned max_cpus_runq;       /* evened out over the host (facts 3.2) */
    enum ns_c2_runqueue arrangement;
    unsigned compat;              /* credit2_compat: 408 .. 422 */
    ns_time_t ratelimit, migrate_resist;
    struct cs_list all_doms;
    /* scratch masks, one per user */
    struct ns_mask tk_mask, tk_step, pk_mask, pk_hard, sc_mask, ck_mask;
    struct c2_stats stats;
};

static inline struct c2_priv *c2_priv(const struct ns_sched *s) { return s->priv; }
static inline struct c2_vcpu *c2_vcpu(const struct ns_vcpu *v) { return v->sched_priv; }
static inline struct c2_pcpu *c2_pcpu(const struct c2_priv *prv, unsigned cpu)
{
    return &prv->pcpu[cpu];
}
static inline struct c2_rqd *c2_rqd_of(const struct c2_priv *prv, unsigned cpu)
{
    return prv->pcpu[cpu].rqd;
}
static inline bool c2_is_idle(const struct c2_vcpu *svc) { return svc->v == NULL; }
/* Behaviour as of Xen 4.(v - 400) (facts 3.8). */
static inline bool c2_compat_ge(const struct c2_priv *prv, unsigned v) { return prv->compat >= v; }
/* Soft affinity counts from 4.10 (facts 3.8), with the has-soft rule of 2.13. */
static inline bool c2_has_soft(const struct c2_priv *prv, const struct ns_vcpu *v)
{
    return c2_compat_ge(prv, 410) && ns_vcpu_has_soft_affinity(v, &prv->s->pool->cpus);
}
/*
 * The idle vCPU's credit, below that of any vCPU worth running. 4.14
 * (36f3662f27, also in 4.11.4, 4.12.3 and 4.13.1) floors credit at
 * CREDIT_MIN and puts idle just under it; before, credit had no floor and
 * idle sat at -2^30 ns, so a vCPU that overran by more than a second fell
 * below idle and idle pCPUs left it waiting.
 */
static inline int64_t c2_idle_credit(const struct c2_priv *prv)
{
    return c2_compat_ge(prv, 414) ? C2_IDLE_CREDIT : C2_IDLE_CREDIT_413;
}
static inline bool c2_on_runq(const struct c2_vcpu *svc) { return !cs_list_empty(&svc->runq_elem); }
static inline struct c2_vcpu *c2_runq_elem(struct cs_list *l)
{
    return cs_entry(l, struct c2_vcpu, runq_elem);
}
static inline struct c2_vcpu *c2_rqd_elem(struct cs_list *l)
{
    return cs_entry(l, struct c2_vcpu, rqd_elem);
}
static inline ns_time_t c2_now(const struct c2_priv *prv)
{
    return prv->s->env->now(prv->s->env->ctx);
}
static inline const struct ns_mask *c2_pool_cpus(const struct c2_priv *prv)
{
    return &prv->s->pool->cpus;
}

void c2_trace(const struct c2_priv *prv, uint32_t event, unsigned n, const uint32_t *words);
/* unit | dom << 16, as Xen packs them; a pCPU's idle vCPU is unit cpu of DOMID_IDLE. */
uint32_t c2_unit_word(const struct c2_vcpu *svc);
static inline uint32_t c2_lo(int64_t x) { return (uint32_t)(uint64_t)x; }
static inline uint32_t c2_hi(int64_t x) { return (uint32_t)((uint64_t)x >> 32); }

/* ---- credit2_runq.c: arrangement, queues, credits, load (facts 3.2-3.4) ---- */

struct c2_rqd *c2_rqd_for_cpu(struct c2_priv *prv, unsigned cpu);
void c2_rqd_free(struct c2_rqd *rqd);
void c2_runq_assign(struct c2_priv *prv, struct c2_vcpu *svc, struct c2_rqd *rqd);
void c2_runq_deassign(struct c2_priv *prv, struct c2_vcpu *svc);
void c2_runq_insert(struct c2_priv *prv, struct c2_vcpu *svc);
void c2_runq_remove(struct c2_vcpu *svc);
void c2_burn_credits(struct c2_priv *prv, struct c2_vcpu *svc, ns_time_t now);
void c2_reset_credit(struct c2_priv *prv, unsigned cpu, ns_time_t now, struct c2_vcpu *snext);
void c2_update_runq_load(struct c2_priv *prv, struct c2_rqd *rqd, int change, ns_time_t now);
void c2_update_svc_load(struct c2_priv *prv, struct c2_vcpu *svc, int change, ns_time_t now);
void c2_update_load(struct c2_priv *prv, struct c2_rqd *rqd, struct c2_vcpu *svc, int change,
                    ns_time_t now);

/* ---- credit2_pick.c: tickle, res_pick, migration, balancing (3.5-3.7) ---- */

void c2_tickle_cpu(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd);
void c2_resched_cpu(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd);
void c2_smt_idle_set(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd);
void c2_smt_idle_clear(struct c2_priv *prv, unsigned cpu, struct c2_rqd *rqd);
void c2_runq_tickle(struct c2_priv *prv, struct c2_vcpu *svc, ns_time_t now);
unsigned c2_res_pick(struct c2_priv *prv, struct c2_vcpu *svc);
void c2_migrate(struct c2_priv *prv, struct c2_vcpu *svc, struct c2_rqd *trqd, ns_time_t now);
void c2_balance_load(struct c2_priv *prv, unsigned cpu, ns_time_t now);

/* ---- credit2_cap.c: budgets and parking (facts 3.7) ------------------------ */

static inline bool c2_has_cap(const struct c2_vcpu *svc) { return svc->sdom && svc->sdom->cap; }
void c2_cap_init(struct c2_priv *prv, struct c2_dom *sdom);
void c2_cap_deinit(struct c2_priv *prv, struct c2_dom *sdom);
bool c2_grab_budget(struct c2_priv *prv, struct c2_vcpu *svc);
void c2_return_budget(struct c2_priv *prv, struct c2_vcpu *svc);

/* ---- credit2_check.c: invariants, dump, stats ------------------------------ */

int c2_check(const struct ns_sched *s, struct ns_err *err);
void c2_dump(const struct ns_sched *s, FILE *out);
void c2_stats(const struct ns_sched *s, FILE *out);

#endif
