/*
 * What the files of src/advise/ share. Private to the part.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_ADVISE_INTERNAL_H
#define NUMASCHED_ADVISE_INTERNAL_H

#include "numasched/advise.h"
#include "numasched/topo.h"

/* @m as xl writes a cpu list: "all", "node:1", "nodes:0-1", else "0-3,8"; malloc'd. */
char *adv_cpulist(const struct ns_topo *t, const struct ns_mask *m);

#endif
