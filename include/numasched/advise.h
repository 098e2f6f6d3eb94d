/*
 * advise: `numasched advise SCENARIO`, the operator's question answered.
 * Given a host and a set of domain files, run every candidate (each
 * placement policy, and a cpupool per node where the host has several,
 * with each scheduler numasched has that Xen has too) with several seeds
 * through a runner, rank the candidates by the guests' metric with 95%
 * confidence intervals, and say how to apply the winner: xl.cfg lines,
 * xl commands, a libvirt domain XML fragment, and a rewritten scenario
 * that `numasched run` reproduces the winner with.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_ADVISE_H
#define NUMASCHED_ADVISE_H

#include <stdio.h>

#include "numasched/runner.h"

struct ns_advise_opts {
    const char *out;                /* DIR: runs/ and apply/ (NULL: a temporary folder) */
    unsigned seeds, jobs;           /* jobs 0: one per online CPU */
    bool has_duration, quiet;       /* quiet: no progress lines */
    ns_time_t duration;
    const char *workload;           /* for guests whose file names none (NULL: "cpu") */
    const char *html;               /* a self-contained HTML page of it all (NULL: none) */
};

/*
 * Run the candidates of @scenario through @runner and print the ranking and
 * the winner's settings on @out. DIR/runs/POLICY-SCHED/seed-K/ holds every
 * run; DIR/apply/ the rewritten scenario and domain files, which are loaded
 * back (libxlutil) and checked to give the winner's placement before
 * anything is printed. Returns as ns_runner.run does.
 */
int ns_advise_run(const char *scenario, const struct ns_advise_opts *o,
                  const struct ns_runner *runner, FILE *out, struct ns_err *err);

/*
 * A run's score when its guests report different metrics: the geometric
 * mean over the @n guests of value[g] / ref[g], or ref[g] / value[g] where
 * the metric is lower-is-better (!higher[g]), so that above 1 is better
 * than the reference (ref: each guest's mean under the reference
 * candidate). docs/advise.md says why.
 */
double ns_advise_score(const double *value, const double *ref, const bool *higher, size_t n);

/* ---- the settings (src/advise/settings.c) ---- */

struct ns_sim_spec;

/* The winner's settings for people: xl.cfg lines per guest, xl commands,
 * libvirt XML fragments. @spec is placed (ns_place_spec). */
void ns_advise_print_settings(const struct ns_sim_spec *spec, FILE *out);
/* One guest's libvirt domain XML (a whole <domain>, so that it validates). */
void ns_advise_libvirt_xml(const struct ns_sim_spec *spec, size_t idx, FILE *out);
/* One guest's xl.cfg affinity lines: cpus (one item per vCPU), cpus_soft. */
void ns_advise_xl_lines(const struct ns_sim_spec *spec, size_t idx, FILE *out);

/*
 * Write @scenario with the winner applied into @dir: DIR/scenario.cfg (the
 * original text, then `sched`, the duration of @o if it has one, and the
 * rewritten domain files) and one rewritten file per domain (the original
 * text without its affinity keys, then the winner's, and the workload of @o
 * if the file names none). @spec is the winner, placed.
 */
int ns_advise_rewrite(const char *scenario, const struct ns_sim_spec *spec,
                      const struct ns_advise_opts *o, const char *dir, struct ns_err *err);

#endif
