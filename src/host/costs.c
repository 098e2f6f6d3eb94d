/*
 * host: one-off costs, charged by the engine as dead time on a pCPU before
 * the vCPU there makes progress again: switching, waking and migrating.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "host/internal.h"

/*
 * What a move between two pCPUs loses, from the topology alone: nothing on
 * the same pCPU, the pipeline only on an SMT sibling (L1, L2 and L3 are
 * shared), L1 and L2 within a socket (the inclusive L3 stays warm), and the
 * LLC-resident hot set when the move crosses a socket or a node.
 */
enum ns_move_kind ns_move_kind(const struct ns_topo *t, unsigned from, unsigned to)
{
    const struct ns_topo_pcpu *a = &t->pcpu[from], *b = &t->pcpu[to];

    if (from == to)
        return NS_MOVE_NONE;
    if (a->core == b->core)
        return NS_MOVE_CORE;
    if (a->socket == b->socket && a->node == b->node)
        return NS_MOVE_SOCKET;
    return NS_MOVE_NODE;
}

ns_time_t ns_host_switch_cost(const struct ns_host *h)
{
    return h->p.switch_ns;
}

ns_time_t ns_host_wake_cost(const struct ns_host *h, bool target_was_idle)
{
    return h->p.wake_ns + (target_was_idle ? h->p.wake_idle_extra_ns : 0);
}

/*
 * Cross-socket refill: the hot set is fetched again line by line,
 *
 *     (H_eff / 64 B) x L_local x lat_eff / mlp
 *
 * H_eff = min(H, LLC share). The share the vCPU held on the socket it left
 * is not known here (it depends on who ran there), so the whole LLC stands
 * in for it: the estimate is an upper bound for a VM that shared its
 * socket. lat_eff = sum over home nodes of phi(h) lat(h, new node), which
 * on two nodes is the (1 - rho') + rho' R of numa-hardware.md 4.3.
 * A move across sockets loses L1 and L2 too, so it never costs less than a
 * move within a socket (this matters for tiny hot sets only).
 */
ns_time_t ns_host_migration_cost(const struct ns_host *h, unsigned from, unsigned to,
                                 unsigned dom, const struct ns_mem_profile *mp)
{
    double hot_mb, lines, ns;

    switch (ns_move_kind(h->topo, from, to)) {
    case NS_MOVE_NONE:
    case NS_MOVE_CORE:
        return 0;
    case NS_MOVE_SOCKET:
        return h->p.migrate_socket_ns;
    default:
        break;
    }
    hot_mb = mp->llc_hot_mb < h->p.llc_mb ? mp->llc_hot_mb : h->p.llc_mb;
    lines = hot_mb * HOST_CACHE_MB / HOST_LINE_BYTES;
    ns = lines * h->p.local_latency_ns *
         host_dom_latency(h, dom, ns_topo_node_of(h->topo, to)) / h->p.mlp;
    if (ns < (double)h->p.migrate_socket_ns)
        return h->p.migrate_socket_ns;
    return (ns_time_t)llround(ns);
}
