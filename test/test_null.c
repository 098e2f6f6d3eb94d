/*
 * null: Xen's static scheduler. Unit tests against the fake environment
 * (fake_sched.h) and a run through the engine. Every expected value is
 * derived by hand from Xen's null.c of the release named (facts 4.1 in
 * short); the reasoning is in the comments.
 *
 * Hosts: H4, one socket of 2 cores x 2 threads (pCPUs 0-3); H2N, two nodes
 * of one pCPU each (pCPU 0 on node 0, pCPU 1 on node 1).
 *
 * The fake's vCPUs are created down, on pCPU 0. As the engine does when a
 * domain is created, boot() asks the scheduler where a vCPU goes (libxl's
 * affinity call makes Xen pick, then migrate) and brings it up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fake_sched.h"
#include "helpers.h"

#define H4 "pack:1 core:2 pu:2"
#define H2N "pack:2 [numa(memory=1GiB)] core:1 pu:1"

#define TRC_PICKED_CPU 1
#define TRC_ASSIGN     2
#define TRC_DEASSIGN   3
#define TRC_MIGRATE    4
#define TRC_SCHEDULE   5

static struct fk *fk_null(const char *host, unsigned compat)
{
    struct fk *f = fk_create(host, "null", compat);

    f->s.params.null_compat = compat;
    return f;
}

static void boot(struct fk *f, struct ns_vcpu *v)
{
    v->processor = f->s.ops->pick_cpu(&f->s, v);
    fk_up(f, v);
}

static uint32_t word(const struct ns_vcpu *v) { return v->id | (v->dom->id << 16); }

/* The scheduler's dump: "null pCPU N: dXvY|free" lines, then the waiters. */
static char *dumped(struct fk *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    f->s.ops->dump(&f->s, out);
    fclose(out);
    return text;
}

static void expect_dump(struct fk *f, const char *want)
{
    char *text = dumped(f);

    cr_expect_str_eq(text, want);
    free(text);
}

/*
 * 4.22, H4: A (3 vCPUs) then B (2). Inserted down, none holds a pCPU
 * (4.13+). Booted in order, each pick takes its own pCPU 0 if free, else the
 * first free one: A0 0, A1 1, A2 2, B0 3. B1 finds none free, so the pick
 * is cpumask_any of pCPUs 0-3: get_random() returns 7 here, 7 mod 4 = 3,
 * the fourth member, so B1's processor becomes 3 (taken): it waits, with
 * no free pCPU to poke.
 */
static void fill_h4(struct fk *f, struct ns_domain **a, struct ns_domain **b)
{
    f->random[0] = 7;
    *a = fk_dom(f, 256, 0, 3);
    *b = fk_dom(f, 256, 0, 2);
    expect_dump(f, "null pCPU 0: free\nnull pCPU 1: free\nnull pCPU 2: free\n"
                   "null pCPU 3: free\nnull waiting:\n");
    for (unsigned i = 0; i < 3; i++)
        boot(f, (*a)->vcpu[i]);
    for (unsigned i = 0; i < 2; i++)
        boot(f, (*b)->vcpu[i]);
    fk_settle(f);
}

Test(null_assign, one_vcpu_per_pcpu_then_a_queue)
{
    struct fk *f = fk_null(H4, 422);
    struct ns_domain *a, *b;

    fk_start(f);
    fill_h4(f, &a, &b);
    expect_dump(f, "null pCPU 0: d1v0\nnull pCPU 1: d1v1\nnull pCPU 2: d1v2\n"
                   "null pCPU 3: d2v0\nnull waiting: d2v1\n");
    for (unsigned c = 0; c < 3; c++)
        cr_expect_eq(f->curr[c], a->vcpu[c]);
    cr_expect_eq(f->curr[3], b->vcpu[0]);
    cr_expect_eq(b->vcpu[1]->processor, 3);
    /* Five picks, four assignments; A1, A2, B0 and B1 left pCPU 0. */
    cr_expect_eq(f->traces[TRC_PICKED_CPU], 5);
    cr_expect_eq(f->traces[TRC_ASSIGN], 4);
    cr_expect_eq(f->traces[TRC_MIGRATE], 4);
    cr_expect_eq(f->last_words[TRC_MIGRATE][0], word(b->vcpu[1]));
    cr_expect_eq(f->last_words[TRC_MIGRATE][1], 0u | (3u << 16));
    cr_expect_eq(f->last_words[TRC_ASSIGN][0], word(b->vcpu[0]));
    cr_expect_eq(f->last_words[TRC_ASSIGN][1], 3);
    /* The last schedule: pCPU 3 (tasklet 0, cpu 3), B0 its vCPU. */
    cr_expect_eq(f->last_words[TRC_SCHEDULE][0], 3u << 16);
    cr_expect_eq(f->last_words[TRC_SCHEDULE][1], word(b->vcpu[0]));
    fk_check(f);
    fk_free(f);
}

/*
 * A pCPU whose vCPU blocks idles: it is never lent to the waiting B1. Once
 * A2 goes offline (4.13+) its pCPU 2 is freed and given at once to the
 * first waiter it suits, B1, which runs there; A1 wakes on its own pCPU.
 */
Test(null_assign, an_idle_pcpu_is_not_lent_a_freed_one_is_given)
{
    struct fk *f = fk_null(H4, 422);
    struct ns_domain *a, *b;

    fk_start(f);
    fill_h4(f, &a, &b);
    fk_block(f, a->vcpu[1]);
    fk_settle(f);
    cr_expect_null(f->curr[1]);
    cr_expect_eq(b->vcpu[1]->processor, 3);

    fk_set_flag(f, a->vcpu[2], NS_VPF_DOWN);
    fk_settle(f);
    cr_expect_eq(f->curr[2], b->vcpu[1]);
    cr_expect_eq(b->vcpu[1]->processor, 2);
    cr_expect_eq(f->last_words[TRC_DEASSIGN][0], word(a->vcpu[2]));
    cr_expect_eq(f->last_words[TRC_DEASSIGN][1], 2);

    fk_wake(f, a->vcpu[1]);
    fk_settle(f);
    cr_expect_eq(f->curr[1], a->vcpu[1]);
    expect_dump(f, "null pCPU 0: d1v0\nnull pCPU 1: d1v1\nnull pCPU 2: d2v1\n"
                   "null pCPU 3: d2v0\nnull waiting:\n");
    fk_check(f);
    fk_free(f);
}

/*
 * Up to 4.12 insert gives a pCPU even to a vCPU that is down (d545f1d6c2
 * made 4.13 wait until it comes up): A's three vCPUs hold pCPUs 0, 1, 2
 * before they are up, and nothing is poked (insert is followed by a wake).
 * 4.9 has no TRC_SNULL records at all (048a3d579d is 4.10).
 */
static void insert_only(unsigned compat, const char *want, unsigned assign_traces)
{
    struct fk *f = fk_null(H4, compat);

    fk_start(f);
    fk_dom(f, 256, 0, 3);
    expect_dump(f, want);
    cr_expect_eq(f->ntickles, 0);
    cr_expect_eq(f->traces[TRC_ASSIGN], assign_traces, "%u at %u", f->traces[TRC_ASSIGN], compat);
    fk_free(f);
}

Test(null_versions, up_to_412_insert_gives_down_vcpus_a_pcpu)
{
    const char *given = "null pCPU 0: d1v0\nnull pCPU 1: d1v1\nnull pCPU 2: d1v2\n"
                        "null pCPU 3: free\nnull waiting:\n";

    insert_only(409, given, 0);
    insert_only(412, given, 3);
    insert_only(413, "null pCPU 0: free\nnull pCPU 1: free\nnull pCPU 2: free\n"
                     "null pCPU 3: free\nnull waiting:\n", 0);
}

/*
 * H2N, a vCPU on pCPU 0 with soft affinity to node 1 (pCPU 1), inserted
 * and booted: where does it end up? From 4.10
 * the soft step comes first: pCPU 0 is not in it, so the first free pCPU
 * of it, 1. In 4.9 only hard affinity counts, and its own pCPU 0 is free.
 * (4.10 and 4.11 rules agree here: soft meets hard, and neither hard nor
 * the pool lies inside soft.)
 */
static unsigned soft_pick(unsigned compat)
{
    struct fk *f = fk_null(H2N, compat);
    struct ns_domain *d = fk_dom_new(f, 256, 0, 1);

    fk_start(f);
    set_range(&d->vcpu[0]->soft, 1, 1);
    fk_dom_insert(f, d);                /* up to 4.12 this picks and assigns */
    boot(f, d->vcpu[0]);                /* from 4.13 this does */
    unsigned cpu = d->vcpu[0]->processor;
    fk_free(f);
    return cpu;
}

Test(null_versions, soft_affinity_first_from_410)
{
    cr_expect_eq(soft_pick(409), 0);
    cr_expect_eq(soft_pick(410), 1);
    cr_expect_eq(soft_pick(411), 1);
    cr_expect_eq(soft_pick(422), 1);
}

/*
 * 4.12, H2N: X's two vCPUs take pCPUs 0 and 1; W1 (no soft affinity) and
 * then W2 (soft affinity to pCPU 1) find none free and wait, in that order.
 * When X1 is removed, pCPU 1 goes to a waiter with soft affinity to it
 * before any other (4.10+): W2, although W1 is ahead. In 4.9, to W1.
 */
static void freed_pcpu(unsigned compat, const char *want)
{
    struct fk *f = fk_null(H2N, compat);

    fk_start(f);
    struct ns_domain *x = fk_dom(f, 256, 0, 2);
    fk_dom(f, 256, 0, 1);
    struct ns_domain *w2 = fk_dom_new(f, 256, 0, 1);
    set_range(&w2->vcpu[0]->soft, 1, 1);
    fk_dom_insert(f, w2);
    expect_dump(f, "null pCPU 0: d1v0\nnull pCPU 1: d1v1\nnull waiting: d2v0 d3v0\n");

    f->s.ops->remove_vcpu(&f->s, x->vcpu[1]);
    expect_dump(f, want);
    cr_expect_eq(f->tickles[f->ntickles - 1], 1, "the freed pCPU reschedules");
    fk_free(f);
}

Test(null_versions, a_freed_pcpu_goes_to_a_soft_waiter_first_from_410)
{
    freed_pcpu(409, "null pCPU 0: d1v0\nnull pCPU 1: d2v0\nnull waiting: d3v0\n");
    freed_pcpu(412, "null pCPU 0: d1v0\nnull pCPU 1: d3v0\nnull waiting: d2v0\n");
}

/*
 * A pCPU joining the pool takes up a waiter in its schedule. Pool {0} of
 * H2N: X0 holds pCPU 0; W1 (hard affinity pCPU 0) and W2 (any pCPU) wait,
 * in that order, and W2 is up. pCPU 1 then joins. In 4.9 it looks only at
 * the head of the queue, W1, which may not run there: it idles and W2 keeps
 * waiting. From 4.10 it scans the queue and takes W2.
 */
static struct ns_vcpu *joined_pcpu_runs(unsigned compat, struct ns_vcpu **w2_out)
{
    struct fk *f = fk_null(H2N, compat);

    set_range(&f->pool.cpus, 0, 0);
    fk_start(f);
    fk_dom(f, 256, 0, 1);
    struct ns_domain *w1 = fk_dom_new(f, 256, 0, 1);
    set_range(&w1->vcpu[0]->hard, 0, 0);
    fk_dom_insert(f, w1);
    struct ns_domain *w2 = fk_dom(f, 256, 0, 1);
    fk_up(f, w2->vcpu[0]);
    cr_expect_eq(f->ntickles, 0, "a waiter coming up pokes nobody before 4.13");

    ns_mask_set(&f->pool.cpus, 1);
    f->s.ops->add_pcpu(&f->s, 1);
    struct ns_vcpu *ran = fk_sched(f, 1);
    *w2_out = ran == w2->vcpu[0] ? w2->vcpu[0] : NULL;
    fk_check(f);
    fk_free(f);
    return ran;
}

Test(null_versions, up_to_409_a_joining_pcpu_looks_at_the_head_only)
{
    struct ns_vcpu *w2;

    cr_expect_null(joined_pcpu_runs(409, &w2));
    cr_expect_not_null(joined_pcpu_runs(410, &w2));
    cr_expect_not_null(w2, "the vCPU that ran is W2");
}

/*
 * 4.13+, H4: A0 holds pCPU 0. B0 comes up with pCPU 0 as its processor
 * (no pick first): that pCPU is taken, so it waits and every free pCPU of
 * its hard affinity (1, 2, 3) is poked; the first to schedule, 1, takes it.
 */
Test(null_online, a_vcpu_coming_up_where_it_cannot_stay_pokes_the_free_pcpus)
{
    struct fk *f = fk_null(H4, 422);

    fk_start(f);
    struct ns_domain *a = fk_dom(f, 256, 0, 1), *b = fk_dom(f, 256, 0, 1);
    boot(f, a->vcpu[0]);
    fk_settle(f);
    size_t before = f->ntickles;
    fk_up(f, b->vcpu[0]);
    cr_assert_eq(f->ntickles - before, 3);
    for (unsigned i = 0; i < 3; i++)
        cr_expect_eq(f->tickles[before + i], i + 1);
    fk_settle(f);
    cr_expect_eq(f->curr[1], b->vcpu[0]);
    cr_expect_eq(b->vcpu[0]->processor, 1);
    cr_expect_null(f->curr[2]);
    cr_expect_null(f->curr[3]);
    fk_check(f);
    fk_free(f);
}

/*
 * Through the engine, examples/null.cfg: node 1's 8 pCPUs in a null pool
 * with four guests of 2 vCPUs. Each vCPU is given a pCPU of node 1 of its
 * own when its guest is created and never leaves it: no move of any kind,
 * all its run time on node 1 where its memory is (local 100 %), and the
 * pool's pCPUs are never short, so a wake-up never finds its pCPU busy
 * (runnable time is the wake-up path's cost only: under 2 % of the run).
 */
Test(null_engine, the_example_pool_keeps_every_vcpu_on_its_pcpu)
{
    struct ns_sim_spec spec;
    struct ns_engine *e = engine_run_checked("examples/null.cfg", 500 * NS_MS, &spec);
    const struct ns_results *r = ns_engine_results(e);
    size_t guests = 0;
    for (size_t d = 0; d < r->nr_domains; d++) {
        const struct ns_domain_result *dr = &r->dom[d];
        if (!dr->pool || strcmp(dr->pool, "null-node1") != 0)
            continue;
        guests++;
        for (unsigned i = 0; i < dr->nr_vcpus; i++) {
            const struct ns_vcpu_result *v = &dr->vcpu[i];
            for (int k = NS_MOVE_CORE; k < NS_MOVE_KINDS; k++)
                cr_expect_eq(v->migrations[k], 0, "%s v%u moved", dr->name, i);
            cr_expect_eq(v->remote_run_ns, 0, "%s v%u ran remote", dr->name, i);
            cr_expect_lt(v->runstate_ns[NS_RUNSTATE_RUNNABLE], r->duration_ns / 50);
        }
    }
    cr_expect_eq(guests, 4);
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}
