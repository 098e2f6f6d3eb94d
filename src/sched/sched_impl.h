/*
 * The schedulers built into numasched, each one ops table. Private to sched/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_SCHED_IMPL_H
#define NUMASCHED_SCHED_IMPL_H

#include "numasched/sched.h"

extern const struct ns_sched_ops ns_sched_credit;
extern const struct ns_sched_ops ns_sched_credit2;
extern const struct ns_sched_ops ns_sched_null;
extern const struct ns_sched_ops ns_sched_rtds;
extern const struct ns_sched_ops ns_sched_rr;

#endif
