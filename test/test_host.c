/*
 * Tests of the host model: rates, contention sampling, the changed set and
 * one-off costs. Every expected value is worked out by hand in a comment
 * from the defaults of ns_host_params_default (R = 1.65, k = 0.1, node
 * 17 GB/s, link 10 GB/s, LLC 12 MB, K max 2, L_local 75 ns, MLP 4).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "numasched/host.h"

#define EPS 1e-9

/*
 * A host built by hand, so these tests do not depend on the topology
 * loader: @sockets sockets of @nodes_per_socket nodes, each node with
 * @cores cores of @threads threads, pCPUs numbered thread-fastest as hwloc
 * does. @dist is the node distance matrix, row-major.
 */
static struct ns_topo *make_topo(unsigned sockets, unsigned nodes_per_socket, unsigned cores,
                                 unsigned threads, const unsigned *dist)
{
    struct ns_topo *t = calloc(1, sizeof(*t));
    unsigned cpu = 0, core = 0;

    t->nr_nodes = sockets * nodes_per_socket;
    t->nr_sockets = sockets;
    t->nr_cores = t->nr_nodes * cores;
    t->nr_pcpus = t->nr_cores * threads;
    t->pcpu = calloc(t->nr_pcpus, sizeof(*t->pcpu));
    t->core = calloc(t->nr_cores, sizeof(*t->core));
    t->socket = calloc(sockets, sizeof(*t->socket));
    t->node = calloc(t->nr_nodes, sizeof(*t->node));
    t->distance = calloc((size_t)t->nr_nodes * t->nr_nodes, sizeof(*t->distance));
    for (unsigned i = 0; i < t->nr_nodes * t->nr_nodes; i++)
        t->distance[i] = dist[i];
    for (unsigned s = 0; s < sockets; s++)
        ns_mask_init(&t->socket[s].cpus, t->nr_pcpus);
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        ns_mask_init(&t->node[n].cpus, t->nr_pcpus);
        t->node[n].memory_bytes = 6ULL << 30;
    }
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        unsigned s = n / nodes_per_socket;
        for (unsigned c = 0; c < cores; c++, core++) {
            ns_mask_init(&t->core[core].cpus, t->nr_pcpus);
            for (unsigned th = 0; th < threads; th++, cpu++) {
                t->pcpu[cpu] = (struct ns_topo_pcpu){
                    .os_index = cpu, .core = core, .socket = s, .node = n};
                ns_mask_set(&t->core[core].cpus, cpu);
                ns_mask_set(&t->socket[s].cpus, cpu);
                ns_mask_set(&t->node[n].cpus, cpu);
            }
        }
    }
    return t;
}

static void free_topo(struct ns_topo *t)
{
    for (unsigned i = 0; i < t->nr_cores; i++)
        ns_mask_free(&t->core[i].cpus);
    for (unsigned i = 0; i < t->nr_sockets; i++)
        ns_mask_free(&t->socket[i].cpus);
    for (unsigned i = 0; i < t->nr_nodes; i++)
        ns_mask_free(&t->node[i].cpus);
    free(t->pcpu);
    free(t->core);
    free(t->socket);
    free(t->node);
    free(t->distance);
    free(t);
}

static const unsigned slit_2[] = {10, 20, 20, 10};

/* The 2013 box: 2 sockets = 2 nodes, 4 cores x 2 threads each. pCPUs 0-7 are
 * node 0 (core k = pCPUs 2k, 2k+1), 8-15 node 1. */
static struct ns_topo *westmere(void)
{
    return make_topo(2, 1, 4, 2, slit_2);
}

/* A profile with no DRAM traffic and no LLC set, so only locality and SMT act. */
static struct ns_mem_profile quiet(double m, double s_smt)
{
    return (struct ns_mem_profile){.mem_stall = m, .llc_hot_mb = 0, .dram_gbs = 0,
                                   .smt_speed = s_smt};
}

struct fixture {
    struct ns_topo *t;
    struct ns_host *h;
    struct ns_host_params p;
};

static void setup(struct fixture *f, struct ns_topo *t)
{
    f->t = t;
    ns_host_params_default(&f->p);
    f->h = ns_host_create(t, &f->p);
}

static void teardown(struct fixture *f)
{
    ns_host_free(f->h);
    free_topo(f->t);
}

static unsigned add_dom(struct ns_host *h, uint64_t kb0, uint64_t kb1)
{
    uint64_t kb[2] = {kb0, kb1};
    return ns_host_add_domain(h, kb);
}

/* Drain the changed set into @seen[cpu], checking that no pCPU comes twice. */
static size_t drain(struct ns_host *h, bool *seen, size_t n)
{
    const unsigned *cpus;
    size_t k = ns_host_drain_changed(h, &cpus);

    for (size_t i = 0; i < n; i++)
        seen[i] = false;
    for (size_t i = 0; i < k; i++) {
        cr_assert(!seen[cpus[i]], "pCPU %u reported twice", cpus[i]);
        seen[cpus[i]] = true;
    }
    return k;
}

Test(host, defaults)
{
    struct ns_host_params p;

    ns_host_params_default(&p);
    cr_assert_float_eq(p.remote_ratio, 1.65, EPS);
    cr_assert_float_eq(p.node_bw_gbs, 17.0, EPS);
    cr_assert_float_eq(p.link_bw_gbs, 10.0, EPS);
    cr_assert_float_eq(p.llc_mb, 12.0, EPS);
    cr_assert_eq(p.switch_ns, 3000);
    cr_assert_eq(p.wake_ns, 5000);
    cr_assert_eq(p.wake_idle_extra_ns, 20000);
    cr_assert_eq(p.migrate_socket_ns, 20000);
    cr_assert_eq(p.ipi_ns, 2000);
    cr_assert_eq(p.contention_period_ns, 1000000);
}

Test(host, all_remote)
{
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.35, 0.65);

    setup(&f, westmere());
    /* memory all on node 1, vCPU on pCPU 0 (node 0), sibling idle:
     * rate = 1 / (0.65 + 0.35 * 1.65) = 1 / 1.2275 */
    unsigned d = add_dom(f.h, 0, 1000);
    ns_host_occupy(f.h, 0, d, &mp);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0 / (0.65 + 0.35 * 1.65), EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0 / 1.2275, EPS);
    cr_assert_float_eq(ns_host_local_fraction(f.h, d, 0), 0.0, EPS);
    teardown(&f);
}

Test(host, all_local_and_striped)
{
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.35, 0.65);

    setup(&f, westmere());
    unsigned local = add_dom(f.h, 1000, 0);
    unsigned striped = add_dom(f.h, 500, 500);
    /* local: M = 1, rate = 1 / (0.65 + 0.35) = 1 */
    ns_host_occupy(f.h, 0, local, &mp);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0, EPS);
    /* striped on another core: M = 0.5 * 1 + 0.5 * 1.65 = 1.325,
     * rate = 1 / (0.65 + 0.35 * 1.325) = 1 / 1.11375 */
    ns_host_occupy(f.h, 2, striped, &mp);
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0 / (0.65 + 0.35 * 1.325), EPS);
    cr_assert_float_eq(ns_host_local_fraction(f.h, striped, 1), 0.5, EPS);
    teardown(&f);
}

Test(host, domain_without_memory_is_local)
{
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.35, 0.65);

    setup(&f, westmere());
    unsigned d = add_dom(f.h, 0, 0);
    cr_assert_float_eq(ns_host_local_fraction(f.h, d, 0), 1.0, EPS);
    cr_assert_float_eq(ns_host_local_fraction(f.h, d, 1), 1.0, EPS);
    ns_host_occupy(f.h, 9, d, &mp);
    cr_assert_float_eq(ns_host_rate(f.h, 9), 1.0, EPS);
    /* no memory array at all: the same */
    unsigned none = ns_host_add_domain(f.h, NULL);
    cr_assert_float_eq(ns_host_local_fraction(f.h, none, 1), 1.0, EPS);
    teardown(&f);
}

Test(host, busy_sibling)
{
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.35, 0.65);

    setup(&f, westmere());
    unsigned d = add_dom(f.h, 1000, 0);
    ns_host_occupy(f.h, 0, d, &mp);
    ns_host_occupy(f.h, 1, d, &mp);
    /* S = 1 / 0.65 on both threads of core 0, local memory:
     * rate = 1 / (0.65 / 0.65 + 0.35) = 1 / 1.35 */
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0 / 1.35, EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 1), 1.0 / 1.35, EPS);
    /* the sibling leaves: back to 1 */
    ns_host_vacate(f.h, 1);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0, EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 1), 0.0, EPS);
    teardown(&f);
}

/*
 * Two vCPUs of one domain writing 10 shared lines per us, no memory stall,
 * no SMT slowdown (s_smt = 1): the stall is 10 lines / 1000 ns x latency /
 * mlp 4 per nominal ns. pCPUs 0 and 1 are one core, 2 another core of
 * socket 0, 8 the first of socket 1 (westmere(): 8 pCPUs per socket).
 */
Test(host, shared_lines)
{
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.0, 1.0);

    mp.shared_lines_per_us = 10.0;
    setup(&f, westmere());
    unsigned d = add_dom(f.h, 1000, 0);
    ns_host_occupy(f.h, 0, d, &mp);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0, EPS);       /* alone: nothing to fetch */
    ns_host_occupy(f.h, 1, d, &mp);
    cr_assert_float_eq(ns_host_rate(f.h, 1), 1.0, EPS);       /* SMT sibling: L1 shared */
    ns_host_vacate(f.h, 1);
    ns_host_occupy(f.h, 2, d, &mp);
    /* same socket: 0.01 x 31.25 / 4 = 0.078125 */
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0 / 1.078125, EPS);
    ns_host_vacate(f.h, 2);
    ns_host_occupy(f.h, 8, d, &mp);
    /* other socket: 0.01 x (200 / 2.4) / 4 = 0.208333; pCPU 0 sees it at the next sample */
    cr_assert_float_eq(ns_host_rate(f.h, 8), 1.0 / (1.0 + 0.25 * 200.0 / 2.4 / 100.0), EPS);
    ns_host_refresh(f.h, NS_MS);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0 / (1.0 + 0.25 * 200.0 / 2.4 / 100.0), EPS);
    teardown(&f);
}

Test(host, slit_scaling_four_nodes)
{
    /* Nodes 0,1 and 2,3 are pairs at 20, across pairs 30; one core each. */
    static const unsigned slit[] = {
        10, 20, 30, 30,
        20, 10, 30, 30,
        30, 30, 10, 20,
        30, 30, 20, 10,
    };
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.35, 0.65);
    uint64_t on1[4] = {0, 1000, 0, 0}, on2[4] = {0, 0, 1000, 0};

    setup(&f, make_topo(4, 1, 1, 1, slit));
    unsigned near = ns_host_add_domain(f.h, on1), far = ns_host_add_domain(f.h, on2);
    ns_host_occupy(f.h, 0, near, &mp);
    ns_host_occupy(f.h, 1, far, &mp);   /* pCPU 1 is node 1: node 2 is at 30 */
    /* d_near = 20: lat(20) = R = 1.65; rate = 1 / (0.65 + 0.35 * 1.65) */
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0 / (0.65 + 0.35 * 1.65), EPS);
    /* lat(30) = 1 + 0.65 * (30 - 10) / (20 - 10) = 2.3;
     * rate = 1 / (0.65 + 0.35 * 2.3) = 1 / 1.455 */
    cr_assert_float_eq(ns_host_rate(f.h, 1), 1.0 / 1.455, EPS);
    teardown(&f);
}

Test(host, slit_10_21_is_r)
{
    /* The nearest remote node costs R whatever its SLIT value. */
    static const unsigned slit[] = {10, 21, 21, 10};
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.35, 0.65);

    setup(&f, make_topo(2, 1, 1, 1, slit));
    unsigned d = add_dom(f.h, 0, 1000);
    ns_host_occupy(f.h, 0, d, &mp);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0 / 1.2275, EPS);
    teardown(&f);
}

Test(host, node_bandwidth)
{
    struct fixture f;
    struct ns_mem_profile stream = {.mem_stall = 0, .dram_gbs = 8.5, .smt_speed = 0.65};
    struct ns_mem_profile probe = quiet(0.5, 0.65);
    bool seen[16];

    setup(&f, westmere());
    unsigned d = add_dom(f.h, 1000, 0);
    /* m = 0 keeps the streamer at rate 1, so its demand is exactly 8.5 GB/s */
    ns_host_occupy(f.h, 0, d, &stream);
    ns_host_occupy(f.h, 2, d, &probe);
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0, EPS);   /* no sample yet */
    drain(f.h, seen, 16);

    ns_host_refresh(f.h, NS_S);
    /* u0 = 8.5 / 17 = 0.5, C = 1 + 0.1 * 0.5 / 0.5 = 1.1;
     * probe: rate = 1 / (0.5 + 0.5 * 1.1) = 1 / 1.05 */
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0 / 1.05, EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0, EPS);
    /* only the probe moved */
    cr_assert_eq(drain(f.h, seen, 16), 1);
    cr_assert(seen[2]);
    /* 8.5 GB/s held over the first second */
    cr_assert_float_eq(ns_host_node_traffic_gb(f.h, 0), 8.5, EPS);
    cr_assert_float_eq(ns_host_node_traffic_gb(f.h, 1), 0.0, EPS);

    /* the streamer stops: the next sample goes back to C = 1 */
    ns_host_vacate(f.h, 0);
    ns_host_refresh(f.h, NS_S + NS_S / 2);
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0, EPS);
    cr_assert_float_eq(ns_host_node_traffic_gb(f.h, 0), 8.5, EPS);
    teardown(&f);
}

Test(host, utilisation_capped)
{
    struct fixture f;
    struct ns_mem_profile stream = {.mem_stall = 0, .dram_gbs = 34, .smt_speed = 0.65};
    struct ns_mem_profile probe = quiet(1.0, 0.65);

    setup(&f, westmere());
    unsigned d = add_dom(f.h, 1000, 0);
    ns_host_occupy(f.h, 0, d, &stream);
    ns_host_occupy(f.h, 2, d, &probe);
    ns_host_refresh(f.h, NS_MS);
    /* u = 34 / 17 = 2, capped at 0.95: C = 1 + 0.1 * 0.95 / 0.05 = 2.9;
     * m = 1: rate = 1 / 2.9 */
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0 / 2.9, EPS);
    teardown(&f);
}

Test(host, link_bandwidth)
{
    struct fixture f;
    struct ns_mem_profile stream = {.mem_stall = 0, .dram_gbs = 5, .smt_speed = 0.65};
    struct ns_mem_profile probe = quiet(0.5, 0.65);

    setup(&f, westmere());
    unsigned d = add_dom(f.h, 1000, 0);   /* memory on node 0 */
    /* both run on node 1 (pCPUs 8 and 10): their data crosses 0 -> 1 */
    ns_host_occupy(f.h, 8, d, &stream);
    ns_host_occupy(f.h, 10, d, &probe);
    ns_host_refresh(f.h, NS_S);
    /* node 0: u = 5/17, C = 1 + 0.1 * (5/17) / (12/17) = 1 + 0.5/12 = 1.041666..
     * link 0->1: u = 5/10 = 0.5, Q = 1.1
     * M = 1.65 * 1.0416667 * 1.1 = 1.890625
     * rate = 1 / (0.5 + 0.5 * 1.890625) = 1 / 1.4453125 */
    cr_assert_float_eq(ns_host_rate(f.h, 10), 1.0 / 1.4453125, EPS);
    /* remote traffic is served by the home node */
    cr_assert_float_eq(ns_host_node_traffic_gb(f.h, 0), 5.0, EPS);
    cr_assert_float_eq(ns_host_node_traffic_gb(f.h, 1), 0.0, EPS);
    /* a reader on node 0 of the same memory sees C but not the link:
     * M = 1.0416667, rate = 1 / (0.5 + 0.5 * 1.0416667) = 1 / 1.0208333 */
    ns_host_occupy(f.h, 2, d, &probe);
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0 / (0.5 + 0.5 * (1.0 + 0.5 / 12.0)), EPS);
    teardown(&f);
}

Test(host, llc_sharing)
{
    struct fixture f;
    /* m = 1 and no DRAM: the rate is exactly 1 / K_llc */
    struct ns_mem_profile jbb = {.mem_stall = 1, .llc_hot_mb = 6, .smt_speed = 0.65};
    struct ns_mem_profile small = {.mem_stall = 1, .llc_hot_mb = 0.05, .smt_speed = 0.65};
    struct ns_mem_profile huge = {.mem_stall = 1, .llc_hot_mb = 48, .smt_speed = 0.65};

    setup(&f, westmere());
    unsigned a = add_dom(f.h, 1000, 0), b = add_dom(f.h, 1000, 0);
    unsigned c = add_dom(f.h, 0, 1000);
    /* A on pCPUs 0, 2; B on 4, 6: A's share = 12 * 2 / 4 = 6 MB = H: K = 1 */
    ns_host_occupy(f.h, 0, a, &jbb);
    ns_host_occupy(f.h, 2, a, &jbb);
    ns_host_occupy(f.h, 4, b, &small);
    ns_host_occupy(f.h, 6, b, &small);
    ns_host_refresh(f.h, NS_MS);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0, EPS);
    /* B fills the other threads: A has 2 of 8 busy vCPUs, share = 3 MB,
     * K = sqrt(6 / 3) = sqrt 2; B: share 9 MB > 0.05 MB, K = 1 */
    for (unsigned cpu = 1; cpu < 8; cpu += 2)
        ns_host_occupy(f.h, cpu, b, &small);
    ns_host_refresh(f.h, 2 * NS_MS);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0 / sqrt(2.0), EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0 / sqrt(2.0), EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 5), 1.0, EPS);
    /* C alone on socket 1 with H = 48 MB: K = sqrt(48 / 12) = 2 = the clamp;
     * it is computed at occupy from the live counts */
    ns_host_occupy(f.h, 8, c, &huge);
    cr_assert_float_eq(ns_host_rate(f.h, 8), 0.5, EPS);
    teardown(&f);
}

Test(host, changed_set)
{
    struct fixture f;
    struct ns_mem_profile mp = quiet(0.35, 0.65);
    bool seen[16];

    setup(&f, westmere());
    unsigned d = add_dom(f.h, 1000, 0);
    ns_host_occupy(f.h, 2, d, &mp);
    cr_assert_eq(drain(f.h, seen, 16), 1);
    cr_assert(seen[2]);

    ns_host_occupy(f.h, 0, d, &mp);
    cr_assert_eq(drain(f.h, seen, 16), 1);
    cr_assert(seen[0]);

    /* the sibling of 0 arrives: both threads of core 0 change */
    ns_host_occupy(f.h, 1, d, &mp);
    cr_assert_eq(drain(f.h, seen, 16), 2);
    cr_assert(seen[0] && seen[1]);

    /* it leaves: 0 speeds up; 1 runs nothing, so it is not reported */
    ns_host_vacate(f.h, 1);
    cr_assert_eq(drain(f.h, seen, 16), 1);
    cr_assert(seen[0]);

    /* a pCPU on another core touches no one else */
    ns_host_occupy(f.h, 4, d, &mp);
    cr_assert_eq(drain(f.h, seen, 16), 1);
    cr_assert(seen[4]);

    /* occupied and vacated between drains: nothing to re-time there */
    ns_host_occupy(f.h, 9, d, &mp);
    ns_host_vacate(f.h, 9);
    cr_assert_eq(drain(f.h, seen, 16), 0);

    /* repeated changes are reported once */
    ns_host_occupy(f.h, 1, d, &mp);
    ns_host_vacate(f.h, 1);
    ns_host_occupy(f.h, 1, d, &mp);
    cr_assert_eq(drain(f.h, seen, 16), 2);
    cr_assert(seen[0] && seen[1]);

    /* pCPU 4 made core 2 the third active core of socket 0, which lowers
     * the turbo clock: 4, and 0 and 1 re-rated since, run at it already;
     * 2 sees it at the next sample, and only then */
    ns_host_refresh(f.h, NS_MS);
    cr_assert_eq(drain(f.h, seen, 16), 1);
    cr_assert(seen[2]);
    ns_host_refresh(f.h, 2 * NS_MS);
    cr_assert_eq(drain(f.h, seen, 16), 0);
    teardown(&f);
}

/*
 * Turbo on the E5620: 2.40 GHz plus two 133.33 MHz bins with one or two
 * active cores on the socket, one bin with three or four. Nominal speed is
 * that of a lone core (2666.67 MHz), so three or four active cores run the
 * compute part at 2533.33 / 2666.67 = 0.95.
 */
Test(host, turbo_follows_the_active_cores_of_the_socket)
{
    struct fixture f;
    struct ns_mem_profile compute = quiet(0.0, 0.65), mixed = quiet(0.35, 0.65);

    setup(&f, westmere());
    unsigned d = add_dom(f.h, 1000, 1000);
    ns_host_occupy(f.h, 0, d, &compute);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 1.0, EPS);
    ns_host_occupy(f.h, 1, d, &compute);             /* same core: still one active */
    cr_assert_float_eq(ns_host_rate(f.h, 1), 0.65, EPS);
    ns_host_occupy(f.h, 2, d, &compute);             /* two active: top bin kept */
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0, EPS);
    ns_host_occupy(f.h, 4, d, &compute);             /* three: one bin */
    cr_assert_float_eq(ns_host_rate(f.h, 4), 0.95, EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 2), 1.0, EPS);  /* until the next sample */
    ns_host_refresh(f.h, NS_MS);
    cr_assert_float_eq(ns_host_rate(f.h, 2), 0.95, EPS);
    cr_assert_float_eq(ns_host_rate(f.h, 0), 0.65 * 0.95, EPS);

    /* the other socket has its own budget; the stall part is not clocked:
     * 1 / (0.65 / 0.95 + 0.35) with four active cores */
    ns_host_occupy(f.h, 8, d, &compute);
    cr_assert_float_eq(ns_host_rate(f.h, 8), 1.0, EPS);
    ns_host_occupy(f.h, 6, d, &mixed);
    cr_assert_float_eq(ns_host_rate(f.h, 6), 1.0 / (0.65 / 0.95 + 0.35 * 1.325), EPS);
    teardown(&f);
}

Test(host, turbo_off_keeps_the_base_clock)
{
    struct fixture f;
    struct ns_mem_profile compute = quiet(0.0, 0.65);

    f.t = westmere();
    ns_host_params_default(&f.p);
    f.p.turbo_bin_mhz = 0;
    f.h = ns_host_create(f.t, &f.p);
    unsigned d = add_dom(f.h, 1000, 0);
    for (unsigned cpu = 0; cpu < 8; cpu += 2)
        ns_host_occupy(f.h, cpu, d, &compute);
    ns_host_refresh(f.h, NS_MS);
    for (unsigned cpu = 0; cpu < 8; cpu += 2)
        cr_assert_float_eq(ns_host_rate(f.h, cpu), 1.0, EPS);
    teardown(&f);
}

Test(host, move_kinds)
{
    /* 2 sockets, each split into 2 nodes (sub-NUMA), 2 cores x 2 threads per
     * node: pCPUs 0-3 node 0, 4-7 node 1 (socket 0), 8-15 nodes 2, 3. */
    static const unsigned slit[] = {
        10, 11, 20, 20,
        11, 10, 20, 20,
        20, 20, 10, 11,
        20, 20, 11, 10,
    };
    struct ns_topo *t = make_topo(2, 2, 2, 2, slit);

    cr_assert_eq(ns_move_kind(t, 3, 3), NS_MOVE_NONE);
    cr_assert_eq(ns_move_kind(t, 2, 3), NS_MOVE_CORE);
    cr_assert_eq(ns_move_kind(t, 0, 2), NS_MOVE_SOCKET);
    cr_assert_eq(ns_move_kind(t, 0, 4), NS_MOVE_NODE);   /* same socket, other node */
    cr_assert_eq(ns_move_kind(t, 0, 8), NS_MOVE_NODE);
    free_topo(t);
}

Test(host, migration_costs)
{
    struct fixture f;
    struct ns_mem_profile jbb = {.mem_stall = 0.35, .llc_hot_mb = 6, .dram_gbs = 1,
                                 .smt_speed = 0.65};
    struct ns_mem_profile tiny = {.mem_stall = 0.03, .llc_hot_mb = 0.05, .smt_speed = 0.75};
    struct ns_mem_profile big = {.mem_stall = 0.35, .llc_hot_mb = 24, .smt_speed = 0.65};

    setup(&f, westmere());
    unsigned on1 = add_dom(f.h, 0, 1000), on0 = add_dom(f.h, 1000, 0);
    unsigned striped = add_dom(f.h, 500, 500);

    cr_assert_eq(ns_host_migration_cost(f.h, 0, 0, on1, &jbb), 0);
    cr_assert_eq(ns_host_migration_cost(f.h, 0, 1, on1, &jbb), 0);      /* sibling */
    cr_assert_eq(ns_host_migration_cost(f.h, 0, 2, on1, &jbb), 20000);  /* same socket */
    /* to pCPU 8 (node 1), memory there: 6 MiB / 64 B = 98304 lines,
     * 98304 * 75 ns * 1 / 4 = 1843200 ns */
    cr_assert_eq(ns_host_migration_cost(f.h, 0, 8, on1, &jbb), 1843200);
    /* memory on node 0, now remote: * 1.65 = 3041280 ns */
    cr_assert_eq(ns_host_migration_cost(f.h, 0, 8, on0, &jbb), 3041280);
    /* striped: * (0.5 + 0.5 * 1.65) = * 1.325 = 2442240 ns */
    cr_assert_eq(ns_host_migration_cost(f.h, 0, 8, striped, &jbb), 2442240);
    /* H = 24 MB is capped at the 12 MB LLC: 196608 * 75 / 4 = 3686400 ns */
    cr_assert_eq(ns_host_migration_cost(f.h, 0, 8, on1, &big), 3686400);
    /* 0.05 MiB: 819.2 * 75 / 4 = 15360 ns, below the in-socket 20 us floor */
    cr_assert_eq(ns_host_migration_cost(f.h, 8, 0, on0, &tiny), 20000);

    cr_assert_eq(ns_host_switch_cost(f.h), 3000);
    cr_assert_eq(ns_host_wake_cost(f.h, false), 5000);
    cr_assert_eq(ns_host_wake_cost(f.h, true), 25000);
    teardown(&f);
}
