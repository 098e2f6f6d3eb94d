/*
 * perfetto: a timeline of the run for ui.perfetto.dev, written as a trace
 * sink: one track per pCPU, a slice per vCPU run, coloured by where the
 * vCPU's memory lives (docs/traces.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_PERFETTO_H
#define NUMASCHED_PERFETTO_H

#include "numasched/topo.h"
#include "numasched/trace.h"

/* What the Perfetto writer needs to know of a domain: memory locality of a
 * run is where its memory lives against the node of the pCPU. */
struct ns_perfetto_domain {
    unsigned id;
    const char *name;
    const uint64_t *memory_kb_per_node;  /* [topo->nr_nodes], NULL: local anywhere */
};

struct ns_perfetto;

/* Chrome trace-event JSON for ui.perfetto.dev, streamed to a temporary name. */
struct ns_perfetto *ns_perfetto_open(const char *path, const struct ns_topo *topo,
                                     const struct ns_perfetto_domain *doms, size_t nr_doms,
                                     struct ns_err *err);
const struct ns_trace_sink *ns_perfetto_sink(struct ns_perfetto *p);
/* Close the open slices at @end, finish the JSON, rename it into place, free @p. */
int ns_perfetto_finish(struct ns_perfetto *p, ns_time_t end, struct ns_err *err);
void ns_perfetto_abort(struct ns_perfetto *p);

#endif
