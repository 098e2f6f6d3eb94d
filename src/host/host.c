/*
 * host: the progress-rate model.
 *
 * A running vCPU progresses at rate = 1 / ((1 - m) S + m M) nominal ns per
 * ns (host.h has the whole formula, docs/model.md every parameter and its
 * source). The factors come in two kinds, and they are kept current in two
 * different ways so that the cost of an event never grows with the host:
 *
 *  - Local factors depend only on the pCPU and its SMT siblings (S), or on
 *    counters that occupy/vacate keep in O(1): the busy vCPUs per socket
 *    and per domain and socket, which give the LLC share, and the active
 *    cores per socket, which give the turbo clock. Occupying or vacating a
 *    pCPU re-rates that pCPU and its siblings at once; the other pCPUs of
 *    the socket see their new LLC share and clock at the next refresh.
 *
 *  - Contention factors depend on everything that runs: C(u) of each memory
 *    controller and Q(u) of each inter-node link. They are sampled by
 *    ns_host_refresh, which the engine calls every contention_period; between
 *    samples every rate uses the factors last sampled. A refresh costs
 *    O(busy pCPUs x their home nodes + nodes and links touched).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "host/internal.h"

/*
 * A rate that moved by less than this (relative) is left as it was and not
 * reported. Demand feeds back into C(u), which feeds back into rates, so a
 * busy host converges towards a fixed point over successive samples; the
 * last-bit wobble of that iteration changes nothing measurable and would
 * only make the engine re-time vCPUs every period.
 */
#define RATE_EPSILON 1e-9

/*
 * The E5620's turbo bins above its 2.40 GHz base, by active cores on the
 * socket: two bins (2.67 GHz) with one or two, one bin (2.53 GHz) with
 * three or four (Intel ARK: 2.66 GHz max turbo; docs/model.md).
 */
static const unsigned e5620_turbo_bins[] = {2, 2, 1, 1};

void ns_host_params_default(struct ns_host_params *p)
{
    *p = (struct ns_host_params){
        .remote_ratio = 1.65,
        .local_latency_ns = 75.0,
        .node_bw_gbs = 17.0,
        .link_bw_gbs = 10.0,
        .queue_k = 0.1,
        .util_cap = 0.95,
        .llc_mb = 12.0,
        .llc_k_max = 2.0,
        .mlp = 4.0,
        .switch_ns = 3 * NS_US,
        .wake_ns = 5 * NS_US,
        .wake_idle_extra_ns = 20 * NS_US,
        .migrate_socket_ns = 20 * NS_US,
        .ipi_ns = 2 * NS_US,
        .contention_period_ns = 1 * NS_MS,
        /* Levinthal p. 22 at 2.4 GHz: 75 cycles from a core of the same
         * socket; 100-300 cycles from the other socket, the middle taken. */
        .hitm_socket_ns = 75.0 / 2.4,
        .hitm_remote_ns = 200.0 / 2.4,
        .base_mhz = 2400.0,
        .turbo_bin_mhz = 400.0 / 3.0,
        .turbo_bins = e5620_turbo_bins,
        .nr_turbo_bins = sizeof(e5620_turbo_bins) / sizeof(e5620_turbo_bins[0]),
    };
}

/* ---- construction --------------------------------------------------------- */

/*
 * Latency factor of memory on node a read from node b. The measured remote
 * ratio R belongs to the nearest remote node; a farther node costs more in
 * proportion to its SLIT excess over local:
 *
 *     lat(a, b) = 1 + (R - 1) (d(a,b) - d_local) / (d_near - d_local)
 *
 * d_local = the smallest diagonal entry, d_near = the smallest off-diagonal
 * entry above d_local. A node pair at local distance costs 1. The SLIT is
 * only a relative scale here; the absolute ratio is the measured R.
 */
static void build_latency(struct ns_host *h)
{
    const struct ns_topo *t = h->topo;
    unsigned n = h->nr_nodes, d_local = UINT32_MAX, d_near = UINT32_MAX;

    for (unsigned a = 0; a < n; a++)
        if (ns_topo_distance(t, a, a) < d_local)
            d_local = ns_topo_distance(t, a, a);
    for (unsigned a = 0; a < n; a++)
        for (unsigned b = 0; b < n; b++) {
            unsigned d = ns_topo_distance(t, a, b);
            if (a != b && d > d_local && d < d_near)
                d_near = d;
        }

    for (unsigned a = 0; a < n; a++)
        for (unsigned b = 0; b < n; b++) {
            unsigned d = ns_topo_distance(t, a, b);
            double lat = 1.0;
            if (a != b && d > d_local)
                lat = 1.0 + (h->p.remote_ratio - 1.0) * (double)(d - d_local) /
                                (double)(d_near - d_local);
            h->lat[(size_t)a * n + b] = lat;
        }
}

/* Flatten each core's threads into one array, so re-rating siblings never
 * scans a mask as wide as the host. */
static void build_cores(struct ns_host *h)
{
    const struct ns_topo *t = h->topo;
    size_t k = 0;

    h->core_first = ns_xcalloc(t->nr_cores + 1, sizeof(*h->core_first));
    h->core_cpus = ns_xcalloc(t->nr_pcpus ? t->nr_pcpus : 1, sizeof(*h->core_cpus));
    for (unsigned c = 0; c < t->nr_cores; c++) {
        h->core_first[c] = (unsigned)k;
        ns_mask_for_each(cpu, &t->core[c].cpus)
            h->core_cpus[k++] = (unsigned)cpu;
    }
    h->core_first[t->nr_cores] = (unsigned)k;
}

struct ns_host *ns_host_create(const struct ns_topo *t, const struct ns_host_params *p)
{
    struct ns_host *h = ns_xcalloc(1, sizeof(*h));
    size_t n = t->nr_nodes, pairs = n * n;

    h->topo = t;
    h->p = *p;
    h->nr_nodes = t->nr_nodes;
    h->lat = ns_xcalloc(pairs, sizeof(*h->lat));
    build_latency(h);
    build_cores(h);

    h->cpu = ns_xcalloc(t->nr_pcpus, sizeof(*h->cpu));
    h->busy_list = ns_xcalloc(t->nr_pcpus, sizeof(*h->busy_list));
    h->core_busy = ns_xcalloc(t->nr_cores, sizeof(*h->core_busy));
    h->socket_busy = ns_xcalloc(t->nr_sockets, sizeof(*h->socket_busy));
    h->socket_active = ns_xcalloc(t->nr_sockets, sizeof(*h->socket_active));
    h->changed = ns_xcalloc(t->nr_pcpus, sizeof(*h->changed));
    h->is_changed = ns_xcalloc(t->nr_pcpus, sizeof(*h->is_changed));

    h->node_gbs = ns_xcalloc(n, sizeof(*h->node_gbs));
    h->node_c = ns_xcalloc(n, sizeof(*h->node_c));
    h->node_touched = ns_xcalloc(n, sizeof(*h->node_touched));
    h->node_is_touched = ns_xcalloc(n, sizeof(*h->node_is_touched));
    h->link_gbs = ns_xcalloc(pairs, sizeof(*h->link_gbs));
    h->link_q = ns_xcalloc(pairs, sizeof(*h->link_q));
    h->link_touched = ns_xcalloc(pairs, sizeof(*h->link_touched));
    h->link_is_touched = ns_xcalloc(pairs, sizeof(*h->link_is_touched));
    h->traffic_gb = ns_xcalloc(n, sizeof(*h->traffic_gb));
    for (size_t i = 0; i < n; i++)
        h->node_c[i] = 1.0;
    for (size_t i = 0; i < pairs; i++)
        h->link_q[i] = 1.0;
    return h;
}

void ns_host_free(struct ns_host *h)
{
    if (!h)
        return;
    for (unsigned d = 0; d < h->nr_dom; d++) {
        free(h->dom[d].phi);
        free(h->dom[d].home);
        free(h->dom[d].busy);
    }
    free(h->dom);
    free(h->lat);
    free(h->core_first);
    free(h->core_cpus);
    free(h->cpu);
    free(h->busy_list);
    free(h->core_busy);
    free(h->socket_busy);
    free(h->socket_active);
    free(h->changed);
    free(h->is_changed);
    free(h->node_gbs);
    free(h->node_c);
    free(h->node_touched);
    free(h->node_is_touched);
    free(h->link_gbs);
    free(h->link_q);
    free(h->link_touched);
    free(h->link_is_touched);
    free(h->traffic_gb);
    free(h);
}

const struct ns_host_params *ns_host_params(const struct ns_host *h)
{
    return &h->p;
}

/* ---- domains --------------------------------------------------------------- */

unsigned ns_host_add_domain(struct ns_host *h, const uint64_t *memory_kb_per_node)
{
    struct host_dom *d;
    uint64_t total = 0;

    if (h->nr_dom == h->cap_dom) {
        h->cap_dom = h->cap_dom ? 2 * h->cap_dom : 8;
        h->dom = ns_xrealloc(h->dom, h->cap_dom * sizeof(*h->dom));
    }
    d = &h->dom[h->nr_dom];
    d->phi = ns_xcalloc(h->nr_nodes, sizeof(*d->phi));
    d->home = ns_xcalloc(h->nr_nodes, sizeof(*d->home));
    d->nr_home = 0;
    d->busy = ns_xcalloc(h->topo->nr_sockets, sizeof(*d->busy));
    d->busy_all = 0;

    for (unsigned i = 0; i < h->nr_nodes && memory_kb_per_node; i++)
        total += memory_kb_per_node[i];
    for (unsigned i = 0; i < h->nr_nodes && total; i++) {
        if (!memory_kb_per_node[i])
            continue;
        d->phi[i] = (double)memory_kb_per_node[i] / (double)total;
        d->home[d->nr_home++] = i;
    }
    return h->nr_dom++;
}

double ns_host_local_fraction(const struct ns_host *h, unsigned dom, unsigned node)
{
    assert(dom < h->nr_dom);
    return h->dom[dom].nr_home ? h->dom[dom].phi[node] : 1.0;
}

double host_dom_latency(const struct ns_host *h, unsigned dom, unsigned node)
{
    const struct host_dom *d = &h->dom[dom];
    double sum = 0.0;

    if (!d->nr_home)
        return 1.0;
    for (unsigned i = 0; i < d->nr_home; i++) {
        unsigned home = d->home[i];
        sum += d->phi[home] * h->lat[(size_t)home * h->nr_nodes + node];
    }
    return sum;
}

/* ---- the rate ------------------------------------------------------------- */

/* Queueing inflation of a server at utilisation u: C(u) = 1 + k u / (1 - u). */
static double queue_factor(const struct ns_host_params *p, double u)
{
    if (u > p->util_cap)
        u = p->util_cap;
    return 1.0 + p->queue_k * u / (1.0 - u);
}

/*
 * Memory-stall inflation M without K_llc: each home node contributes its
 * share of the accesses at its latency, slowed by its controller's queue
 * and, when remote, by the queue of the link bringing the data here.
 */
static double memory_factor(const struct ns_host *h, unsigned dom, unsigned node)
{
    const struct host_dom *d = &h->dom[dom];
    double m = 0.0;

    if (!d->nr_home)
        return h->node_c[node];
    for (unsigned i = 0; i < d->nr_home; i++) {
        unsigned home = d->home[i];
        size_t pair = (size_t)home * h->nr_nodes + node;
        double f = d->phi[home] * h->lat[pair] * h->node_c[home];
        if (home != node)
            f *= h->link_q[pair];
        m += f;
    }
    return m;
}

/*
 * Shared-LLC pressure: the domain's slice of the socket's LLC is in
 * proportion to its busy vCPUs there; a hot set H larger than that slice
 * misses more, following the square-root rule, between 1 and llc_k_max.
 */
static double llc_factor(const struct ns_host *h, unsigned cpu)
{
    const struct host_cpu *c = &h->cpu[cpu];
    unsigned s = h->topo->pcpu[cpu].socket;
    double hot = c->mp->llc_hot_mb, share, k;

    if (hot <= 0.0)
        return 1.0;
    share = h->p.llc_mb * h->dom[c->dom].busy[s] / h->socket_busy[s];
    k = share > 0.0 ? sqrt(hot / share) : h->p.llc_k_max;
    if (k < 1.0)
        return 1.0;
    return k > h->p.llc_k_max ? h->p.llc_k_max : k;
}

/*
 * Turbo: the cores of a socket share a power budget, so the more of them
 * are active, the slower each may clock (Xen's cpufreq enables turbo by
 * default, and its ondemand governor asks for it on a busy pCPU). Nominal
 * work is defined on an idle host, where a lone active core gets the top
 * bin; more active cores lower the clock from there. A core is active
 * while any of its threads runs a vCPU; an idle one is taken to sit in a
 * deep C-state, as wake_idle_extra_ns already assumes. Only the compute
 * part is clocked: memory latency is set by the uncore and the DRAM, whose
 * clocks turbo leaves alone.
 */
static unsigned bins_at(const struct ns_host_params *p, unsigned active)
{
    unsigned last = p->nr_turbo_bins - 1;

    return p->turbo_bins[active && active - 1 < last ? active - 1 : last];
}

static double turbo_factor(const struct ns_host *h, unsigned cpu)
{
    const struct ns_host_params *p = &h->p;
    unsigned active = h->socket_active[h->topo->pcpu[cpu].socket];

    if (p->turbo_bin_mhz <= 0.0 || !p->nr_turbo_bins)
        return 1.0;
    return (p->base_mhz + p->turbo_bin_mhz * bins_at(p, active)) /
           (p->base_mhz + p->turbo_bin_mhz * bins_at(p, 1));
}

static double compute_rate(const struct ns_host *h, unsigned cpu)
{
    const struct host_cpu *c = &h->cpu[cpu];
    const struct ns_mem_profile *mp = c->mp;
    unsigned core = h->topo->pcpu[cpu].core;
    unsigned node = h->topo->pcpu[cpu].node;
    double s = (h->core_busy[core] > 1 ? 1.0 / mp->smt_speed : 1.0) / turbo_factor(h, cpu);
    double m = memory_factor(h, c->dom, node) * llc_factor(h, cpu);

    return 1.0 / ((1.0 - mp->mem_stall) * s + mp->mem_stall * m + host_sharing_stall(h, cpu));
}

static void mark_changed(struct ns_host *h, unsigned cpu)
{
    if (h->is_changed[cpu])
        return;
    h->is_changed[cpu] = true;
    h->changed[h->nr_changed++] = cpu;
}

/* Re-rate a busy pCPU; report it only if its rate really moved. */
static void rerate(struct ns_host *h, unsigned cpu)
{
    double old = h->cpu[cpu].rate, rate = compute_rate(h, cpu);

    if (fabs(rate - old) <= RATE_EPSILON * old)
        return;
    h->cpu[cpu].rate = rate;
    mark_changed(h, cpu);
}

/* The SMT factor of every busy sibling of @cpu may have flipped. */
static void rerate_siblings(struct ns_host *h, unsigned cpu)
{
    unsigned core = h->topo->pcpu[cpu].core;

    for (unsigned i = h->core_first[core]; i < h->core_first[core + 1]; i++) {
        unsigned sib = h->core_cpus[i];
        if (sib != cpu && h->cpu[sib].busy)
            rerate(h, sib);
    }
}

void ns_host_occupy(struct ns_host *h, unsigned cpu, unsigned dom, const struct ns_mem_profile *mp)
{
    struct host_cpu *c = &h->cpu[cpu];
    const struct ns_topo_pcpu *tp = &h->topo->pcpu[cpu];

    assert(!c->busy && dom < h->nr_dom);
    c->busy = true;
    c->dom = dom;
    c->mp = mp;
    c->busy_slot = h->nr_busy;
    h->busy_list[h->nr_busy++] = cpu;
    if (h->core_busy[tp->core]++ == 0)
        h->socket_active[tp->socket]++;
    h->socket_busy[tp->socket]++;
    h->dom[dom].busy[tp->socket]++;
    h->dom[dom].busy_all++;

    c->rate = compute_rate(h, cpu);
    mark_changed(h, cpu);
    rerate_siblings(h, cpu);
}

void ns_host_vacate(struct ns_host *h, unsigned cpu)
{
    struct host_cpu *c = &h->cpu[cpu];
    const struct ns_topo_pcpu *tp = &h->topo->pcpu[cpu];
    unsigned last;

    assert(c->busy);
    last = h->busy_list[--h->nr_busy];
    h->busy_list[c->busy_slot] = last;
    h->cpu[last].busy_slot = c->busy_slot;
    if (--h->core_busy[tp->core] == 0)
        h->socket_active[tp->socket]--;
    h->socket_busy[tp->socket]--;
    h->dom[c->dom].busy[tp->socket]--;
    h->dom[c->dom].busy_all--;
    c->busy = false;
    c->mp = NULL;
    c->rate = 0.0;

    rerate_siblings(h, cpu);
}

double ns_host_rate(const struct ns_host *h, unsigned cpu)
{
    return h->cpu[cpu].rate;
}

/*
 * Hand out the changed set and empty it. Only pCPUs that still run
 * something are returned: one occupied and vacated again since the last
 * drain has nothing left to re-time.
 */
size_t ns_host_drain_changed(struct ns_host *h, const unsigned **cpus)
{
    size_t n = 0;

    for (size_t i = 0; i < h->nr_changed; i++) {
        unsigned cpu = h->changed[i];
        h->is_changed[cpu] = false;
        if (h->cpu[cpu].busy)
            h->changed[n++] = cpu;
    }
    h->nr_changed = 0;
    *cpus = h->changed;
    return n;
}

/* ---- contention sampling ------------------------------------------------- */

/* Forget the last sample: only the entries it touched are not at rest. */
static void reset_contention(struct ns_host *h)
{
    for (size_t i = 0; i < h->nr_node_touched; i++) {
        unsigned node = h->node_touched[i];
        h->node_gbs[node] = 0.0;
        h->node_c[node] = 1.0;
        h->node_is_touched[node] = false;
    }
    for (size_t i = 0; i < h->nr_link_touched; i++) {
        unsigned pair = h->link_touched[i];
        h->link_gbs[pair] = 0.0;
        h->link_q[pair] = 1.0;
        h->link_is_touched[pair] = false;
    }
    h->nr_node_touched = h->nr_link_touched = 0;
}

static void add_node_demand(struct ns_host *h, unsigned node, double gbs)
{
    if (!h->node_is_touched[node]) {
        h->node_is_touched[node] = true;
        h->node_touched[h->nr_node_touched++] = node;
    }
    h->node_gbs[node] += gbs;
}

static void add_link_demand(struct ns_host *h, unsigned pair, double gbs)
{
    if (!h->link_is_touched[pair]) {
        h->link_is_touched[pair] = true;
        h->link_touched[h->nr_link_touched++] = pair;
    }
    h->link_gbs[pair] += gbs;
}

/*
 * DRAM demand of one running vCPU: dram_gbs at rate 1, in proportion to
 * its current rate, split over its home nodes by phi. Each home node's
 * controller serves its part; a remote part also crosses the link
 * home -> here (links are modelled as direct, one per ordered node pair).
 */
static void add_cpu_demand(struct ns_host *h, unsigned cpu)
{
    const struct host_cpu *c = &h->cpu[cpu];
    const struct host_dom *d = &h->dom[c->dom];
    unsigned node = h->topo->pcpu[cpu].node;
    double gbs = c->mp->dram_gbs * c->rate;

    if (gbs <= 0.0)
        return;
    if (!d->nr_home) {
        add_node_demand(h, node, gbs);
        return;
    }
    for (unsigned i = 0; i < d->nr_home; i++) {
        unsigned home = d->home[i];
        double part = gbs * d->phi[home];
        add_node_demand(h, home, part);
        if (home != node)
            add_link_demand(h, home * h->nr_nodes + node, part);
    }
}

/*
 * Sample contention at @now. The demand seen now stands for the whole
 * interval since the previous sample, both for the new C and Q and for the
 * traffic accounted to each node (sample and hold: the engine calls this
 * every contention_period, so the interval is short).
 */
void ns_host_refresh(struct ns_host *h, ns_time_t now)
{
    double dt_s = now > h->last_refresh ? (double)(now - h->last_refresh) / 1e9 : 0.0;

    if (now > h->last_refresh)
        h->last_refresh = now;
    reset_contention(h);
    for (size_t i = 0; i < h->nr_busy; i++)
        add_cpu_demand(h, h->busy_list[i]);

    for (size_t i = 0; i < h->nr_node_touched; i++) {
        unsigned node = h->node_touched[i];
        h->traffic_gb[node] += h->node_gbs[node] * dt_s;
        h->node_c[node] = queue_factor(&h->p, h->node_gbs[node] / h->p.node_bw_gbs);
    }
    for (size_t i = 0; i < h->nr_link_touched; i++) {
        unsigned pair = h->link_touched[i];
        h->link_q[pair] = queue_factor(&h->p, h->link_gbs[pair] / h->p.link_bw_gbs);
    }

    for (size_t i = 0; i < h->nr_busy; i++)
        rerate(h, h->busy_list[i]);
}

double ns_host_node_traffic_gb(const struct ns_host *h, unsigned node)
{
    return h->traffic_gb[node];
}
