/*
 * runner internals shared by experiments and sweeps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_RUNNER_INTERNAL_H
#define NUMASCHED_RUNNER_INTERNAL_H

#include "numasched/spec.h"

/* Run @spec and write results.json and results.csv into @out, as `numasched
 * run --out` does; stop signals wait while the files are written. */
int runner_simulate(const struct ns_sim_spec *spec, const char *out, struct ns_err *err);

#endif
