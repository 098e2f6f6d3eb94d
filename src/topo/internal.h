/*
 * topo internals: what topo.c asks of the hwloc guard (guard.c). Nothing
 * outside src/topo/ includes this.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_TOPO_INTERNAL_H
#define NUMASCHED_TOPO_INTERNAL_H

#include "numasched/topo.h"

/* The whole XML file @path, NUL-terminated, at most NS_TOPO_MAX_XML_BYTES;
 * NULL with @err set ("SPEC: ..."). */
char *topo_read_xml(const char *spec, const char *path, size_t *len, struct ns_err *err);

/* Refuse a synthetic string that describes more PUs or NUMA nodes than the
 * limits, before hwloc builds them all in memory. */
int topo_check_synthetic(const char *spec, struct ns_err *err);

/*
 * Have hwloc load @xml (@len bytes plus the NUL) or, with @xml NULL, the
 * synthetic string @spec in a child process. 0: it loads and is within the
 * limits; 1: hwloc refused it (the caller says why in its own words); -1:
 * @err says what went wrong (hwloc crashed, hung, or the host is too big).
 */
int topo_trial_load(const char *spec, const char *xml, size_t len, struct ns_err *err);

/* The limits on what hwloc loaded: -1 with @err set when over. */
int topo_check_size(const char *spec, unsigned long nr_pus, unsigned long nr_nodes,
                    struct ns_err *err);

#endif
