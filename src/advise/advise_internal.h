/*
 * What the files of src/advise/ share. Private to the part.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_ADVISE_INTERNAL_H
#define NUMASCHED_ADVISE_INTERNAL_H

#include <stdio.h>

#include "numasched/advise.h"
#include "numasched/topo.h"

/* @m as xl writes a cpu list: "all", "node:1", "nodes:0-1", else "0-3,8"; malloc'd. */
char *adv_cpulist(const struct ns_topo *t, const struct ns_mask *m);

struct ns_sim_spec;

/* Whether @s's cpupools are those `xl cpupool-numa-split` makes (the only
 * way Pool-0 is ever renamed), rather than pool files or Pool-0 alone. */
bool adv_numa_split(const struct ns_sim_spec *s);
/* "NAME.pool": the xlcpupool.cfg file of pool @i (not Pool-0); malloc'd. */
char *adv_pool_file_name(const struct ns_sim_spec *s, size_t i);
/* Its text, each line after @prefix ("" for the file itself). */
void adv_pool_file(const struct ns_sim_spec *s, size_t i, const char *prefix, FILE *out);

#endif
