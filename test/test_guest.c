/*
 * The guest end to end: what a vCPU's steps do to Xen's scheduler in a full
 * run (load, place, run), here a guest that spins and yields its pCPU.
 *
 * One pCPU, credit with today's defaults (30 ms time slice, Xen 4.22), two
 * single-vCPU domains of equal weight that never block: "batch" computes
 * without end, "spin" runs 100 us of work and then yields, again and again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "numasched/config.h"
#include "numasched/engine.h"

#define SCENARIO                                                   \
    "host = \"pack:1 [numa(memory=4GiB)] core:1 pu:1\"\n"          \
    "sched = \"credit\"\n"                                         \
    "duration = \"3s\"\n"                                          \
    "warmup = \"1s\"\n"                                            \
    "seed = 1\n"                                                   \
    "domains = [ \"spin.cfg\", \"batch.cfg\" ]\n"

#define DOMAIN(name, phases)                                       \
    "name = \"" name "\"\nvcpus = 1\nmemory = 256\n"               \
    "workload = \"phases\"\nphases = " phases "\n"

/* The share of the measured time each domain's vCPU ran, in %. */
static void run_shares(const char *spin_phases, double *spin, double *batch)
{
    char *dir = tmpdir(), path[512];
    struct ns_sim_spec spec = {0};
    struct ns_err err = {{0}};

    write_file(dir, "scn.cfg", SCENARIO);
    write_file(dir, "spin.cfg", spin_phases);
    write_file(dir, "batch.cfg", DOMAIN("batch", "[ \"run 10ms\" ]"));
    snprintf(path, sizeof(path), "%s/scn.cfg", dir);
    cr_assert_eq(ns_config_create(path, NULL, &spec, NULL, &err), 0, "%s", err.msg);
    struct ns_engine *e = ns_engine_create(&spec, &err);
    cr_assert_not_null(e, "%s", err.msg);
    cr_assert_eq(ns_engine_run(e, &err), 0, "%s", err.msg);

    const struct ns_results *r = ns_engine_results(e);
    cr_assert_eq(r->nr_domains, 2);
    double d = (double)r->duration_ns;
    *spin = 100.0 * (double)r->dom[0].vcpu[0].runstate_ns[NS_RUNSTATE_RUNNING] / d;
    *batch = 100.0 * (double)r->dom[1].vcpu[0].runstate_ns[NS_RUNSTATE_RUNNING] / d;
    ns_engine_free(e);
    ns_sim_spec_free(&spec);
    rm_rf(dir);
    free(dir);
}

/*
 * Without yields the two share the pCPU in turns of a 30 ms slice: 50 %
 * each (the switch costs, a few microseconds per 30 ms, are below 1 %).
 */
Test(guest, without_yield_equal_weights_share_the_pcpu)
{
    double spin, batch;

    run_shares(DOMAIN("spin", "[ \"run 100us\" ]"), &spin, &batch);
    cr_expect(spin > 45.0 && spin < 55.0, "spin ran %.2f %%", spin);
    cr_expect(batch > 45.0 && batch < 55.0, "batch ran %.2f %%", batch);
}

/*
 * Credit's YIELD rule (facts 2.6): the yielding vCPU goes back on the
 * runqueue behind one vCPU of lower priority, not just behind its equals,
 * and 4.8+ ratelimiting does not hold it. Soon batch has spent its credit
 * (OVER) while spin has not (UNDER); a mere reschedule would give the pCPU
 * straight back to spin (then each keeps it for 30 ms slices, 50 % each, as
 * without yields), but with the YIELD flag batch runs, for a whole slice. So each cycle is 100 us of spin and 30 ms
 * of batch: spin runs 0.1 / 30.1 = 0.33 % of the time and batch the rest.
 * The bounds leave room for switch costs (about a microsecond a switch).
 */
Test(guest, a_yielding_vcpu_lets_the_other_run_a_full_slice)
{
    double spin, batch;

    run_shares(DOMAIN("spin", "[ \"run 100us\", \"yield\" ]"), &spin, &batch);
    cr_expect(spin > 0.2 && spin < 0.5, "spin ran %.2f %%", spin);
    cr_expect(batch > 99.4, "batch ran %.2f %%", batch);
}
