/*
 * The invariant checker (numasched run --check) catches what it promises to
 * catch, and stops the run at the event that broke it. A correct scheduler
 * never trips it, so these tests break the state on purpose: a scheduler
 * that is rr with one thing wrong, installed into an engine in place of rr
 * (white box: the test reaches into engine_impl.h for that alone).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "engine/engine_impl.h"
#include "numasched/config.h"
#include "numasched/engine.h"

/* What the broken scheduler does wrong, once, at its first decision after
 * 5 ms that puts a real vCPU on a pCPU. */
enum breakage { BREAK_HARD_AFFINITY, BREAK_TWO_PCPUS, BREAK_RUNSTATES };

static struct {
    enum breakage how;
    struct ns_engine *e;
    const struct ns_sched_ops *rr;
    bool done;
    ns_time_t at;
} broken;

static struct ns_sched_slice broken_do_schedule(struct ns_sched *s, unsigned cpu, ns_time_t now)
{
    struct ns_sched_slice r = broken.rr->do_schedule(s, cpu, now);

    if (broken.done || !r.next || now < 5 * NS_MS)
        return r;
    broken.done = true;
    broken.at = now;
    switch (broken.how) {
    case BREAK_HARD_AFFINITY:    /* as if it had never looked at the mask */
        ns_mask_clear(&r.next->hard, cpu);
        break;
    case BREAK_TWO_PCPUS:        /* another pCPU believes it runs it too */
        broken.e->pcpus[cpu == 0 ? 1 : 0].curr = broken.e->vcpus[r.next->uid];
        break;
    case BREAK_RUNSTATES:        /* a nanosecond counted twice */
        broken.e->vcpus[r.next->uid]->runstate_ns[NS_RUNSTATE_BLOCKED] += 1;
        break;
    }
    return r;
}

/* Two pCPUs, three always-busy vCPUs under rr. */
static void load(struct ns_sim_spec *spec)
{
    char *dir = tmpdir();
    struct ns_overrides ov = {0};
    struct ns_err err;

    write_file(dir, "s.cfg", "host = \"pack:1 [numa(memory=2GiB)] core:2 pu:1\"\n"
                             "sched = \"rr\"\nduration = \"100ms\"\ndomains = [ \"a.cfg\" ]\n");
    write_file(dir, "a.cfg", "name = \"a\"\nvcpus = 3\nmemory = 256\nworkload = \"cpu\"\n");
    char *path = ns_path_join(dir, "s.cfg");
    cr_assert_eq(ns_config_create(path, &ov, spec, NULL, &err), 0, "%s", err.msg);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* The broken rr in place of rr: the run must fail at the instant of the
 * breakage, naming the invariant. */
static void expect_caught(enum breakage how, const char *needle)
{
    static struct ns_sched_ops ops;
    struct ns_sim_spec spec = {0};
    struct ns_err err;

    load(&spec);
    spec.check = true;
    struct ns_engine *e = ns_engine_create(&spec, &err);
    cr_assert_not_null(e, "%s", err.msg);
    broken.how = how;
    broken.e = e;
    broken.rr = e->scheds[0].ops;
    broken.done = false;
    ops = *broken.rr;
    ops.do_schedule = broken_do_schedule;
    e->scheds[0].ops = &ops;

    cr_assert_eq(ns_engine_run(e, &err), -1, "the run went through: %s not caught", needle);
    cr_assert(broken.done);
    char at[64];
    snprintf(at, sizeof(at), "invariant broken at t=%llu ns, event ", (unsigned long long)broken.at);
    cr_assert_not_null(strstr(err.msg, at), "not stopped at the breakage (t=%llu): %s",
                       (unsigned long long)broken.at, err.msg);
    cr_assert_not_null(strstr(err.msg, needle), "%s", err.msg);
    if (how == BREAK_TWO_PCPUS)         /* undo, so that freeing sees a sane engine */
        for (unsigned c = 0; c < 2; c++)
            e->pcpus[c].curr = NULL;
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
}

Test(check, a_vcpu_outside_its_hard_affinity_stops_the_run)
{
    expect_caught(BREAK_HARD_AFFINITY, "outside its hard affinity");
}

Test(check, a_vcpu_on_two_pcpus_stops_the_run)
{
    expect_caught(BREAK_TWO_PCPUS, "runs on pCPU 0 and pCPU 1");
}

Test(check, runstate_times_that_do_not_add_up_stop_the_run)
{
    expect_caught(BREAK_RUNSTATES, "runstate times add up to");
}
