/*
 * A fake environment for scheduler unit tests: a tiny Xen core (clock,
 * timers, the current vCPU per pCPU, recorded tickles, migrate and pause
 * like vcpu_migrate and vcpu_pause) that any scheduler of the ops table runs
 * against, with its private state open to the test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_TEST_FAKE_SCHED_H
#define NUMASCHED_TEST_FAKE_SCHED_H

#include "numasched/engine.h"

#define MAXV 64

struct fk {
    struct ns_topo *topo;
    struct ns_sched_env env;
    struct ns_pool pool;
    struct ns_sched s;
    ns_time_t now;
    unsigned this_cpu;
    struct ns_vcpu **curr;          /* [nr_pcpus] */
    ns_time_t *slice;               /* [nr_pcpus] */
    ns_time_t *expires;             /* [nr_pcpus]: when the slice timer fires */
    struct ns_heap timers;
    unsigned tickles[4096];         /* every tickle, in order */
    size_t ntickles;
    unsigned pending[4096];         /* schedule requests not yet served */
    size_t npending;
    unsigned migrates;              /* env->migrate calls */
    bool choosing;                  /* inside do_schedule */
    struct ns_vcpu *held;           /* flagged there while not running (as core.c) */
    uint64_t random[8];             /* what env->random returns, call by call, then 0 */
    unsigned randoms;               /* env->random calls */
    unsigned traces[32];            /* per scheduler event number */
    uint32_t last_words[32][8];     /* the last such record's words */
    struct ns_domain dom[MAXV];
    size_t ndom;
    struct ns_vcpu vcpu[MAXV];
    size_t nvcpu;
};

void set_range(struct ns_mask *m, unsigned lo, unsigned hi);
/* A fake host @host (hwloc synthetic) running scheduler @sched with Xen
 * version @compat, every pCPU in one pool; fk_start after params tweaks. */
struct fk *fk_create(const char *host, const char *sched, unsigned compat);
void fk_start(struct fk *f);
void fk_free(struct fk *f);
void fk_set_flag(struct fk *f, struct ns_vcpu *v, unsigned flag);
void fk_clear_flag(struct fk *f, struct ns_vcpu *v, unsigned flag);
void fk_finish_migrate(struct fk *f, struct ns_vcpu *v);
struct ns_domain *fk_dom_new(struct fk *f, unsigned weight, unsigned cap, unsigned nv);
void fk_dom_insert(struct fk *f, struct ns_domain *d);
struct ns_domain *fk_dom(struct fk *f, unsigned weight, unsigned cap, unsigned nv);
struct ns_vcpu *fk_sched(struct fk *f, unsigned cpu);
void fk_settle(struct fk *f);
void fk_advance(struct fk *f, ns_time_t t);
/* As fk_advance, and every slice that expires by @t reschedules its pCPU. */
void fk_play(struct fk *f, ns_time_t t);
void fk_up(struct fk *f, struct ns_vcpu *v);
/* A running vCPU blocks: flagged, its pCPU asked to schedule, no sleep hook. */
void fk_block(struct fk *f, struct ns_vcpu *v);
void fk_wake(struct fk *f, struct ns_vcpu *v);
void fk_check(struct fk *f);

#endif
