/*
 * True sharing between the running vCPUs of one domain.
 *
 * Threads of one guest that write the same cache lines (a buffer shared by
 * all of them, the mutex that guards it) hand those lines to each other:
 * every write to a line the other thread wrote last is a request for a
 * Modified line in another core's cache. What that costs depends only on
 * where the other thread's vCPU runs right now:
 *
 *   an SMT sibling   L1 and L2 are shared: nothing to move
 *   the same socket  the inclusive L3 forwards the line: ~75 cycles
 *   another socket   the line crosses the link from the other L3 (a remote
 *                    HITM): 100-300 cycles
 *
 * (Levinthal, Performance Analysis Guide for Core i7 / Xeon 5500, p. 22,
 * facts/numa-hardware.md section 2 and 6.2.) A workload declares how many
 * such lines it writes per microsecond of nominal work (shared_lines_per_us
 * in its memory profile); the stall is lines x latency / mlp, since a
 * core's line-fill buffers overlap the requests of a store stream. With
 * several co-runners the farthest decides: each line comes from whoever
 * wrote it last, and the far ones are the slow ones.
 *
 * So the guest's threads slow down when the scheduler spreads the guest's
 * vCPUs over both sockets, which no-affinity does and placement does not,
 * and not at all when only one of them runs at a time (an overcommitted
 * host). The co-runners' counts per socket are the ones the LLC share
 * uses; a vCPU sees a co-runner arrive or leave at its next re-rate (at the
 * latest the next contention sample), as it sees its LLC share change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "host/internal.h"

/* Running vCPUs of @dom on the SMT siblings of @cpu (not @cpu itself). */
static unsigned sibling_corunners(const struct ns_host *h, unsigned cpu, unsigned dom)
{
    unsigned core = h->topo->pcpu[cpu].core, n = 0;

    for (unsigned i = h->core_first[core]; i < h->core_first[core + 1]; i++) {
        unsigned sib = h->core_cpus[i];
        n += sib != cpu && h->cpu[sib].busy && h->cpu[sib].dom == dom;
    }
    return n;
}

double host_sharing_stall(const struct ns_host *h, unsigned cpu)
{
    const struct host_cpu *c = &h->cpu[cpu];
    const struct host_dom *d = &h->dom[c->dom];
    double lines = c->mp->shared_lines_per_us;
    unsigned s = h->topo->pcpu[cpu].socket;
    double lat;

    if (lines <= 0.0)
        return 0.0;
    if (d->busy_all > d->busy[s])
        lat = h->p.hitm_remote_ns;
    else if (d->busy[s] > 1 + sibling_corunners(h, cpu, c->dom))
        lat = h->p.hitm_socket_ns;
    else
        return 0.0;
    return lines / 1000.0 * lat / h->p.mlp;
}
