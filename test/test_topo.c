/*
 * Tests for topo. Expected values come from hwloc's own tools, not from this
 * code: counts from `lstopo-no-graphics -i FILE --only TYPE | wc -l`, node
 * contents from `hwloc-calc -i FILE numa:N --intersect pu`, distance matrices
 * from `lstopo-no-graphics -i FILE --distances`, memory from the XML's
 * local_memory attributes, and for synthetic hosts from the string itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <hwloc.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "numasched/topo.h"
#include "topo/internal.h"

#define GIB (1024ULL * 1024ULL * 1024ULL)

static const char *topologies_dir(void)
{
    const char *dir = getenv("TOPOLOGIES");
    return dir && *dir ? dir : "topologies";
}

static struct ns_topo *load(const char *spec, const char *base_dir)
{
    struct ns_err err = {{0}};
    struct ns_topo *t = ns_topo_load(spec, base_dir, &err);
    cr_assert_not_null(t, "loading %s failed: %s", spec, err.msg);
    return t;
}

static struct ns_topo *load_xml(const char *file)
{
    return load(file, topologies_dir());
}

/* What every topology must satisfy, whatever hwloc reported. */
static void check_invariants(const struct ns_topo *t)
{
    struct ns_mask seen;
    ns_mask_init(&seen, t->nr_pcpus);
    for (unsigned n = 0; n < t->nr_nodes; n++) {
        cr_assert_not(ns_mask_intersects(&seen, &t->node[n].cpus), "node %u overlaps another", n);
        ns_mask_or(&seen, &seen, &t->node[n].cpus);
    }
    cr_assert(ns_mask_full(&seen), "the nodes do not cover every pCPU");
    ns_mask_free(&seen);

    for (unsigned i = 0; i < t->nr_pcpus; i++) {
        const struct ns_topo_pcpu *p = &t->pcpu[i];
        cr_assert_lt(p->core, t->nr_cores);
        cr_assert_lt(p->socket, t->nr_sockets);
        cr_assert_lt(p->node, t->nr_nodes);
        cr_assert(ns_mask_test(ns_topo_siblings(t, i), i));
        cr_assert(ns_mask_test(ns_topo_socket_cpus(t, i), i));
        cr_assert(ns_mask_test(&t->node[p->node].cpus, i));
    }
}

static void check_counts(const struct ns_topo *t, unsigned nodes, unsigned sockets,
                         unsigned cores, unsigned pcpus)
{
    cr_assert_eq(t->nr_nodes, nodes, "%s: %u nodes, expected %u", t->source, t->nr_nodes, nodes);
    cr_assert_eq(t->nr_sockets, sockets, "%s: %u sockets, expected %u", t->source, t->nr_sockets,
                 sockets);
    cr_assert_eq(t->nr_cores, cores, "%s: %u cores, expected %u", t->source, t->nr_cores, cores);
    cr_assert_eq(t->nr_pcpus, pcpus, "%s: %u pCPUs, expected %u", t->source, t->nr_pcpus, pcpus);
    check_invariants(t);
}

static void check_matrix(const struct ns_topo *t, const unsigned *expected)
{
    unsigned n = t->nr_nodes;
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            cr_assert_eq(ns_topo_distance(t, i, j), expected[i * n + j],
                         "%s: distance %u->%u is %u, expected %u", t->source, i, j,
                         ns_topo_distance(t, i, j), expected[i * n + j]);
}

static void check_row(const struct ns_topo *t, unsigned row, const unsigned *expected)
{
    for (unsigned j = 0; j < t->nr_nodes; j++)
        cr_assert_eq(ns_topo_distance(t, row, j), expected[j], "distance %u->%u is %u, expected %u",
                     row, j, ns_topo_distance(t, row, j), expected[j]);
}

static void check_cpus(const struct ns_mask *m, const char *expected)
{
    char *s = ns_mask_format(m);
    cr_assert_str_eq(s, expected);
    free(s);
}

/* ---- real hosts ----------------------------------------------------------------- */

Test(topo, xml_westmere_2n)
{
    static const unsigned d[] = {
        10, 20,
        20, 10,
    };
    struct ns_topo *t = load_xml("24em64t-2n6c2t-pci.xml");
    check_counts(t, 2, 2, 12, 24);
    check_matrix(t, d);
    cr_assert_eq(t->distance_source, NS_DIST_FIRMWARE);
    check_cpus(&t->node[0].cpus, "0-11");
    check_cpus(&t->node[1].cpus, "12-23");
    cr_assert_eq(t->node[1].memory_bytes, 19327348736ULL);
    cr_assert_eq(ns_topo_total_memory(t), 19316633600ULL + 19327348736ULL);
    ns_topo_free(t);
}

Test(topo, xml_sandybridge_2n)
{
    static const unsigned d[] = {
        10, 20,
        20, 10,
    };
    struct ns_topo *t = load_xml("32em64t-2n8c2t-pci-normalio.xml");
    check_counts(t, 2, 2, 16, 32);
    check_matrix(t, d);
    check_cpus(&t->node[1].cpus, "16-31");
    ns_topo_free(t);
}

Test(topo, xml_x3950_4n)
{
    static const unsigned d[] = {
        10, 26, 26, 26,
        26, 10, 26, 26,
        26, 26, 10, 26,
        26, 26, 26, 10,
    };
    struct ns_topo *t = load_xml("96em64t-4n4d3ca2co-pci.xml");
    check_counts(t, 4, 16, 96, 96);
    check_matrix(t, d);
    check_cpus(&t->node[3].cpus, "72-95");
    /* No SMT: each pCPU is a core of its own. */
    check_cpus(ns_topo_siblings(t, 5), "5");
    ns_topo_free(t);
}

Test(topo, xml_opteron_8n_with_other_matrices)
{
    /* The file also holds Package, Core and PU matrices; only the node one counts. */
    static const unsigned d[] = {
        10, 20, 20, 20, 20, 20, 20, 20,
        20, 10, 20, 20, 20, 20, 20, 20,
        20, 20, 10, 20, 20, 20, 20, 20,
        20, 20, 20, 10, 20, 20, 20, 20,
        20, 20, 20, 20, 10, 20, 20, 20,
        20, 20, 20, 20, 20, 10, 20, 20,
        20, 20, 20, 20, 20, 20, 10, 20,
        20, 20, 20, 20, 20, 20, 20, 10,
    };
    struct ns_topo *t = load_xml("16amd64-4distances.xml");
    check_counts(t, 8, 8, 16, 16);
    check_matrix(t, d);
    cr_assert_eq(t->distance_source, NS_DIST_FIRMWARE);
    /* Logical node 0 is OS node 1, and OS node 0 is short of 1,949,696 bytes. */
    cr_assert_eq(t->node[0].os_index, 1);
    cr_assert_eq(t->node[1].os_index, 0);
    cr_assert_eq(t->node[1].memory_bytes, 8587984896ULL);
    check_cpus(&t->node[1].cpus, "2-3");
    ns_topo_free(t);
}

Test(topo, xml_cpuset_restricted)
{
    static const unsigned d[] = {
        10, 20, 20, 20, 20,
        20, 10, 20, 20, 20,
        20, 20, 10, 20, 20,
        20, 20, 20, 10, 20,
        20, 20, 20, 20, 10,
    };
    struct ns_topo *t = load_xml("16amd64-8n2c-cpusets.xml");
    check_counts(t, 5, 6, 10, 10);
    check_matrix(t, d);
    /* Visible nodes are OS 1, 2, 3, 5, 4; the last two hold memory only. */
    static const unsigned os[] = { 1, 2, 3, 5, 4 };
    for (unsigned i = 0; i < 5; i++)
        cr_assert_eq(t->node[i].os_index, os[i]);
    /* pCPUs 0-1 and 6-9 have no visible node: they go to node 0, as in Xen. */
    check_cpus(&t->node[0].cpus, "0-3,6-9");
    check_cpus(&t->node[1].cpus, "4");
    check_cpus(&t->node[2].cpus, "5");
    check_cpus(&t->node[3].cpus, "none");
    check_cpus(&t->node[4].cpus, "none");
    cr_assert_eq(t->node[4].memory_bytes, 8ULL * GIB);
    /* pCPU 6 is PU P#12, in Package P#6, the fifth package. */
    cr_assert_eq(t->pcpu[6].os_index, 12);
    cr_assert_eq(t->socket[t->pcpu[6].socket].os_index, 6);
    check_cpus(ns_topo_socket_cpus(t, 6), "6-7");
    ns_topo_free(t);
}

Test(topo, xml_dgx2_restricted)
{
    static const unsigned d[] = {
        10, 21,
        21, 10,
    };
    struct ns_topo *t = load_xml("nvidiaDGX2.xml");
    check_counts(t, 2, 2, 4, 4);
    check_matrix(t, d);
    cr_assert_eq(t->distance_source, NS_DIST_FIRMWARE);
    cr_assert_eq(t->pcpu[2].os_index, 24);
    cr_assert_eq(ns_topo_node_of(t, 2), 1);
    cr_assert_eq(t->node[0].memory_bytes, 810234351616ULL);
    ns_topo_free(t);
}

Test(topo, xml_sgi_uv_24n)
{
    static const unsigned row0[] = {
        10, 50, 65, 65, 65, 65, 65, 65, 65, 65, 79, 79,
        65, 65, 79, 79, 65, 65, 79, 79, 79, 79, 79, 79,
    };
    static const unsigned row10[] = {
        79, 79, 65, 65, 79, 79, 65, 65, 65, 65, 10, 50,
        65, 65, 65, 65, 79, 79, 65, 65, 79, 79, 79, 79,
    };
    static const unsigned row23[] = {
        79, 79, 79, 79, 79, 79, 65, 65, 79, 79, 79, 79,
        79, 79, 65, 65, 65, 65, 65, 65, 65, 65, 50, 10,
    };
    struct ns_topo *t = load_xml("192em64t-24n8c2t.xml");
    check_counts(t, 24, 24, 192, 384);
    check_row(t, 0, row0);
    check_row(t, 10, row10);
    check_row(t, 23, row23);

    /* Only 10, 50, 65 and 79 occur, 24, 24, 272 and 256 times. */
    unsigned n10 = 0, n50 = 0, n65 = 0, n79 = 0;
    for (unsigned i = 0; i < 24; i++) {
        for (unsigned j = 0; j < 24; j++) {
            unsigned v = ns_topo_distance(t, i, j);
            cr_assert(v == 10 || v == 50 || v == 65 || v == 79, "unexpected distance %u", v);
            n10 += v == 10;
            n50 += v == 50;
            n65 += v == 65;
            n79 += v == 79;
            cr_assert_eq(v, ns_topo_distance(t, j, i));
        }
    }
    cr_assert_eq(n10, 24);
    cr_assert_eq(n50, 24);
    cr_assert_eq(n65, 272);
    cr_assert_eq(n79, 256);

    /* Threads of a core are consecutive pCPUs: pCPU 1 is PU P#192, core P#0's twin. */
    cr_assert_eq(t->pcpu[1].os_index, 192);
    check_cpus(ns_topo_siblings(t, 0), "0-1");
    check_cpus(ns_topo_socket_cpus(t, 20), "16-31");
    cr_assert_eq(ns_topo_node_of(t, 383), 23);
    cr_assert_eq(t->node[1].memory_bytes, 33269219328ULL);
    ns_topo_free(t);
}

Test(topo, xml_by_absolute_path_ignores_base_dir)
{
    char *path = ns_path_join(topologies_dir(), "nvidiaDGX2.xml");
    char *abs = realpath(path, NULL);
    cr_assert_not_null(abs);
    struct ns_topo *t = load(abs, "/nonexistent");
    check_counts(t, 2, 2, 4, 4);
    cr_assert_str_eq(t->source, abs);
    ns_topo_free(t);
    free(abs);
    free(path);
}

/*
 * Three nodes whose logical order (0, 1, 2) is OS order (2, 0, 1), with an
 * asymmetric matrix given in OS order; load_permuted() fills in its entries.
 */
static const char permuted_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
    "<topology version=\"2.0\">\n"
    " <object type=\"Machine\" os_index=\"0\" cpuset=\"0x7\" complete_cpuset=\"0x7\""
    " allowed_cpuset=\"0x7\" nodeset=\"0x7\" complete_nodeset=\"0x7\" allowed_nodeset=\"0x7\">\n"
    "  <object type=\"Package\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x4\" complete_nodeset=\"0x4\">\n"
    "   <object type=\"NUMANode\" os_index=\"2\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x4\" complete_nodeset=\"0x4\" local_memory=\"1073741824\"/>\n"
    "   <object type=\"PU\" os_index=\"0\" cpuset=\"0x1\" complete_cpuset=\"0x1\" nodeset=\"0x4\" complete_nodeset=\"0x4\"/>\n"
    "  </object>\n"
    "  <object type=\"Package\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x1\" complete_nodeset=\"0x1\">\n"
    "   <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x1\" complete_nodeset=\"0x1\" local_memory=\"1073741824\"/>\n"
    "   <object type=\"PU\" os_index=\"1\" cpuset=\"0x2\" complete_cpuset=\"0x2\" nodeset=\"0x1\" complete_nodeset=\"0x1\"/>\n"
    "  </object>\n"
    "  <object type=\"Package\" os_index=\"2\" cpuset=\"0x4\" complete_cpuset=\"0x4\" nodeset=\"0x2\" complete_nodeset=\"0x2\">\n"
    "   <object type=\"NUMANode\" os_index=\"1\" cpuset=\"0x4\" complete_cpuset=\"0x4\" nodeset=\"0x2\" complete_nodeset=\"0x2\" local_memory=\"1073741824\"/>\n"
    "   <object type=\"PU\" os_index=\"2\" cpuset=\"0x4\" complete_cpuset=\"0x4\" nodeset=\"0x2\" complete_nodeset=\"0x2\"/>\n"
    "  </object>\n"
    " </object>\n"
    " <distances2 type=\"NUMANode\" nbobjs=\"3\" kind=\"5\" name=\"NUMALatency\" indexing=\"os\">\n"
    "  <indexes length=\"6\">0 1 2 </indexes>\n"
    "  <u64values length=\"%zu\">%s</u64values>\n"
    " </distances2>\n"
    "</topology>\n";

static struct ns_topo *load_permuted(const char *values)
{
    char *dir = tmpdir(), *path = ns_path_join(dir, "permuted.xml"), *text = NULL;
    cr_assert_geq(asprintf(&text, permuted_xml, strlen(values), values), 0);
    write_file(dir, "permuted.xml", text);

    struct ns_topo *t = load(path, NULL);
    check_counts(t, 3, 3, 3, 3);
    cr_assert_eq(t->node[0].os_index, 2);

    rm_rf(dir);
    free(dir);
    free(path);
    free(text);
    return t;
}

Test(topo, xml_distances_follow_logical_node_order)
{
    /*
     * OS-order rows: os0 = 10 20 30, os1 = 21 10 40, os2 = 31 41 10.
     * Logical node 0 is os2, 1 is os0, 2 is os1, so d(0,1) = d_os(2,0) = 31,
     * and so on; `lstopo --distances` on this file agrees.
     */
    static const unsigned d[] = {
        10, 31, 41,
        30, 10, 20,
        40, 21, 10,
    };
    struct ns_topo *t = load_permuted("10 20 30 21 10 40 31 41 10 ");
    check_matrix(t, d);
    cr_assert_eq(t->distance_source, NS_DIST_FIRMWARE);
    ns_topo_free(t);
}

Test(topo, xml_invalid_firmware_distances_fall_back_to_default)
{
    /* Node os2 is nearer to os1 (5) than to itself: Xen ignores such a SLIT
     * (slit_valid() wants 10 on the diagonal and more than 10 elsewhere), and
     * says so: the source is "ignored", not "none". */
    static const unsigned d[] = {
        10, 20, 20,
        20, 10, 20,
        20, 20, 10,
    };
    struct ns_topo *t = load_permuted("10 20 30 21 10 40 31 5 10 ");
    check_matrix(t, d);
    cr_assert_eq(t->distance_source, NS_DIST_IGNORED);
    ns_topo_free(t);
}

/* ---- synthetic hosts -------------------------------------------------------------- */

Test(topo, synthetic_westmere)
{
    static const unsigned d[] = {
        10, 20,
        20, 10,
    };
    struct ns_topo *t = load("pack:2 [numa(memory=6GiB)] core:4 pu:2", NULL);
    check_counts(t, 2, 2, 8, 16);
    check_cpus(ns_topo_siblings(t, 5), "4-5");
    check_cpus(ns_topo_socket_cpus(t, 9), "8-15");
    cr_assert_eq(ns_topo_node_of(t, 8), 1);
    cr_assert_eq(ns_topo_node_of(t, 7), 0);
    cr_assert_eq(t->node[0].memory_bytes, 6 * GIB);
    cr_assert_eq(t->node[1].memory_bytes, 6 * GIB);
    cr_assert_eq(ns_topo_total_memory(t), 12 * GIB);
    check_matrix(t, d);
    cr_assert_eq(t->distance_source, NS_DIST_DEFAULT);
    ns_topo_free(t);
}

/* hwloc needs no blank between levels; neither does our count of its PUs. */
Test(topo, synthetic_without_blanks_loads_as_with_them)
{
    struct ns_topo *t = load("pack:2[numa(memory=6GiB)]core:4pu:2", NULL);
    check_counts(t, 2, 2, 8, 16);
    ns_topo_free(t);
    t = load("pack:2 core:3pu:2", NULL);
    check_counts(t, 1, 2, 6, 12);
    ns_topo_free(t);
}

/*
 * The guard counts what hwloc would build before hwloc builds it: strings that
 * took hwloc past the trial child's 20 s alarm are refused here at once.
 */
Test(topo, the_guard_counts_pus_and_nodes_as_hwloc_would)
{
    char many[16 + 100 * 6] = "pack:64 pu:64";
    struct ns_err err = {0};

    for (int i = 0; i < 100; i++)
        strcat(many, "[numa]");
    cr_assert_eq(topo_check_synthetic("244244pu4pu:4", &err), -1);
    cr_assert(strstr(err.msg, "describes more PUs than"), "%s", err.msg);
    cr_assert_eq(topo_check_synthetic(many, &err), -1);
    cr_assert(strstr(err.msg, "409600 NUMA nodes"), "%s", err.msg);  /* 4096 x 100 */
    cr_assert_eq(topo_check_synthetic("pack:2 [numa] core:4 pu:2 [numa]", &err), 0); /* 2 + 16 */
}

/*
 * NUMA nodes hwloc makes of a level: a typed one under any of hwloc's names
 * for it, or the one it picks among untyped levels. Of k untyped inner levels
 * that is the second for 2 <= k <= 7 ("2 2048pu:1": 2 x 2048) and, for k = 8,
 * the third, under one group and a package (2 x 3 x 11 = 66; the second would
 * be 6, the fourth 462).
 */
Test(topo, the_guard_counts_the_nodes_hwloc_makes_of_a_level)
{
    static const char *const over[][2] = {
        {"node:65 pu:1", "65 NUMA nodes"},
        {"pack:2 NUMANode:33 pu:1", "66 NUMA nodes"},
        {"2 2048pu:1", "4096 NUMA nodes"},
        {"2 3 11 7 1 1 1 1 2", "66 NUMA nodes"},
    };
    struct ns_err err = {0};

    for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
        cr_assert_eq(topo_check_synthetic(over[i][0], &err), -1, "%s", over[i][0]);
        cr_assert(strstr(err.msg, over[i][1]), "%s: %s", over[i][0], err.msg);
    }
    cr_assert_eq(topo_check_synthetic("numa:64 pu:1", &err), 0);
    cr_assert_eq(topo_check_synthetic("pack:2 core:64 pu:2", &err), 0);  /* one node, inserted */
}

Test(topo, untyped_levels_are_typed_as_hwloc_guesses)
{
    struct ns_topo *t = load("2 3 5 7 1 1 1 1 2", NULL);  /* group, package, NUMA, ... */

    check_counts(t, 30, 6, 210, 420);
    ns_topo_free(t);
}

Test(topo, synthetic_1024_pcpus_64_nodes)
{
    struct ns_topo *t = load("pack:64 [numa] core:8 pu:2", NULL);
    check_counts(t, 64, 64, 512, 1024);
    cr_assert_eq(ns_topo_node_of(t, 16), 1);
    cr_assert_eq(ns_topo_node_of(t, 1023), 63);
    check_cpus(ns_topo_siblings(t, 1023), "1022-1023");
    check_cpus(&t->node[63].cpus, "1008-1023");
    cr_assert_eq(ns_topo_distance(t, 63, 63), 10);
    cr_assert_eq(ns_topo_distance(t, 0, 63), 20);
    cr_assert_eq(t->distance_source, NS_DIST_DEFAULT);
    ns_topo_free(t);
}

Test(topo, synthetic_without_packages_is_one_socket)
{
    struct ns_topo *t = load("numa:2 core:4 pu:2", NULL);
    check_counts(t, 2, 1, 8, 16);
    check_cpus(ns_topo_socket_cpus(t, 3), "0-15");
    check_cpus(&t->node[1].cpus, "8-15");
    ns_topo_free(t);
}

Test(topo, synthetic_without_cores_makes_each_pu_a_core)
{
    struct ns_topo *t = load("pu:4", NULL);
    check_counts(t, 1, 1, 4, 4);
    check_cpus(ns_topo_siblings(t, 2), "2");
    ns_topo_free(t);
}

Test(topo, live_machine)
{
    struct ns_topo *t = load("live", NULL);
    cr_assert_geq(t->nr_pcpus, 1);
    cr_assert_geq(t->nr_nodes, 1);
    check_invariants(t);
    ns_topo_free(t);
}

/* ---- distances and memory from the scenario --------------------------------------- */

Test(topo, set_distances_accepts_a_valid_matrix)
{
    static const unsigned m[] = {
        10, 21,
        21, 10,
    };
    struct ns_err err = {{0}};
    struct ns_topo *t = load("pack:2 [numa] core:2 pu:1", NULL);
    cr_assert_eq(ns_topo_set_distances(t, m, 2, &err), 0, "%s", err.msg);
    check_matrix(t, m);
    cr_assert_eq(t->distance_source, NS_DIST_SCENARIO);
    ns_topo_free(t);
}

Test(topo, set_distances_rejects_a_wrong_size)
{
    static const unsigned m[] = {
        10, 20, 20,
        20, 10, 20,
        20, 20, 10,
    };
    struct ns_err err = {{0}};
    struct ns_topo *t = load("pack:2 [numa] core:2 pu:1", NULL);
    cr_assert_eq(ns_topo_set_distances(t, m, 3, &err), -1);
    cr_assert(strstr(err.msg, "3x3") && strstr(err.msg, "2 NUMA nodes"), "message: %s", err.msg);
    cr_assert_eq(t->distance_source, NS_DIST_DEFAULT);
    ns_topo_free(t);
}

Test(topo, set_distances_rejects_a_diagonal_that_is_not_the_row_minimum)
{
    static const unsigned far_self[] = {
        10, 20,
        5, 10,
    };
    static const unsigned tie[] = {
        10, 10,
        10, 10,
    };
    static const unsigned zero[] = {
        10, 0,
        20, 10,
    };
    struct ns_err err = {{0}};
    struct ns_topo *t = load("pack:2 [numa] core:2 pu:1", NULL);

    cr_assert_eq(ns_topo_set_distances(t, far_self, 2, &err), -1);
    cr_assert(strstr(err.msg, "node 1") && strstr(err.msg, "diagonal"), "message: %s", err.msg);
    cr_assert_eq(ns_topo_set_distances(t, tie, 2, &err), -1);
    cr_assert(strstr(err.msg, "diagonal"), "message: %s", err.msg);
    cr_assert_eq(ns_topo_set_distances(t, zero, 2, &err), -1);
    cr_assert(strstr(err.msg, "positive"), "message: %s", err.msg);

    /* A rejected matrix leaves the old one in place. */
    cr_assert_eq(ns_topo_distance(t, 1, 0), 20);
    cr_assert_eq(t->distance_source, NS_DIST_DEFAULT);
    ns_topo_free(t);
}

Test(topo, set_memory_per_node)
{
    struct ns_topo *t = load("pack:4 [numa] core:2 pu:1", NULL);
    ns_topo_set_memory_per_node(t, 3 * GIB);
    for (unsigned i = 0; i < 4; i++)
        cr_assert_eq(t->node[i].memory_bytes, 3 * GIB);
    cr_assert_eq(ns_topo_total_memory(t), 12 * GIB);
    ns_topo_free(t);
}

/* ---- errors ------------------------------------------------------------------------ */

static void check_fails(const char *spec, const char *base_dir, const char *expected)
{
    struct ns_err err = {{0}};
    cr_assert_null(ns_topo_load(spec, base_dir, &err), "%s loaded", spec);
    cr_assert(strstr(err.msg, spec), "message does not name the spec: %s", err.msg);
    cr_assert(strstr(err.msg, expected), "message: %s", err.msg);
    cr_assert_null(strchr(err.msg, '\n'), "message is not one line: %s", err.msg);
}

Test(topo, empty_host_fails)
{
    check_fails("", NULL, "\"\": an empty host: give an hwloc synthetic string");
    check_fails("  ", "topologies", "an empty host");   /* not the folder itself */
}

Test(topo, garbage_synthetic_string_fails)
{
    check_fails("pack:2 banana:3", NULL, "hwloc rejects this synthetic");
    check_fails("core:4", NULL, "hwloc rejects this synthetic");
}

Test(topo, missing_xml_fails)
{
    check_fails("no-such-host.xml", topologies_dir(), "No such file");
    check_fails("/nonexistent/host.xml", NULL, "No such file");
}

Test(topo, malformed_xml_fails)
{
    char *dir = tmpdir();
    write_file(dir, "bad.xml", "<?xml version=\"1.0\"?>\n<topology version=\"2.0\">\n<object");
    /* An existing file is read as XML whatever its name. */
    write_file(dir, "host.topo", "not xml at all\n");

    check_fails("bad.xml", dir, "hwloc cannot load this XML topology");
    check_fails("host.topo", dir, "hwloc cannot load this XML topology");

    rm_rf(dir);
    free(dir);
}

/* ---- limits and the hwloc guard ------------------------------------------------------ */

/* Test inputs that are files of the source tree (make test runs at its top). */
static const char *data_dir(void)
{
    if (access("test/data", F_OK) != 0)
        cr_skip_test("test/data is not in the current folder");
    return "test/data";
}

Test(topo, xml_that_crashes_hwloc_is_refused)
{
    /* hwloc 2.9 dereferences NULL on objects without complete_cpuset
     * (lstopo-no-graphics -i crashes too): the child dies, we refuse. */
    check_fails("hwloc-crash.xml", data_dir(), "hwloc crashed (");
    check_fails("hwloc-crash.xml", data_dir(), "loading this XML topology: it is malformed");
}

Test(topo, hosts_at_the_limits_load)
{
    struct ns_topo *t = load("pack:64 [numa(memory=1GiB)] core:32 pu:2", NULL);
    cr_assert_eq(t->nr_pcpus, NS_TOPO_MAX_PCPUS);
    cr_assert_eq(t->nr_nodes, NS_TOPO_MAX_NODES);
    check_invariants(t);
    ns_topo_free(t);
}

Test(topo, hosts_over_the_limits_are_refused)
{
    /* 4097 = 17 x 241: refused from the string, before hwloc builds it. */
    check_fails("pack:17 core:241 pu:1", NULL, "describes more PUs than numasched's limit of "
                "4096 pCPUs");
    check_fails("pack:4096 pu:4096", NULL, "describes more PUs than numasched's limit");
    check_fails("pack:65 [numa(memory=1GiB)] pu:1", NULL,
                "the host has 65 NUMA nodes, more than numasched's limit of 64");

    /* The same PU count as an XML export: refused once the child counted it. */
    char *dir = tmpdir(), *path = ns_path_join(dir, "big.xml");
    hwloc_topology_t h;
    cr_assert_eq(hwloc_topology_init(&h), 0);
    cr_assert_eq(hwloc_topology_set_synthetic(h, "pack:17 core:241 pu:1"), 0);
    cr_assert_eq(hwloc_topology_load(h), 0);
    cr_assert_eq(hwloc_topology_export_xml(h, path, 0), 0);
    hwloc_topology_destroy(h);
    check_fails("big.xml", dir, "the host has 4097 PUs, more than numasched's limit of 4096 pCPUs");
    rm_rf(dir);
    free(dir);
    free(path);
}

Test(topo, xml_that_is_not_a_small_regular_file_is_refused)
{
    char *dir = tmpdir();
    char *fifo = ns_path_join(dir, "fifo.xml"), *sub = ns_path_join(dir, "sub");
    char *big = ns_path_join(dir, "big.xml");

    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(mkdir(sub, 0700), 0);
    check_fails("fifo.xml", dir, "not a regular file");   /* would block reading */
    check_fails("sub", dir, "not a regular file");        /* not a synthetic string */
    /* One byte over 64 MiB (a sparse file: no disk used). */
    FILE *f = fopen(big, "w");
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), (off_t)NS_TOPO_MAX_XML_BYTES + 1), 0);
    fclose(f);
    check_fails("big.xml", dir, "larger than numasched's limit of 64 MiB for an XML topology");

    rm_rf(dir);
    free(dir);
    free(fifo);
    free(sub);
    free(big);
}

/* No file descriptor left for the pipe to the child: a clear refusal too. */
Test(topo, no_pipe_for_the_guard)
{
    struct rlimit old, low;
    int fds[256], n = 0;

    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = 64;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    while (n < 256 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
        n++;
    struct ns_err err = {{0}};
    struct ns_topo *t = ns_topo_load("pack:2 core:2 pu:1", NULL, &err);
    while (n > 0)
        close(fds[--n]);
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    cr_assert_null(t);
    cr_assert(strstr(err.msg, "pack:2 core:2 pu:1: cannot check this topology: pipe: Too many "
                     "open files"), "message: %s", err.msg);
}

/* ---- output ------------------------------------------------------------------------ */

static char *capture(const struct ns_topo *t, void (*print)(const struct ns_topo *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    print(t, f);
    fclose(f);
    return buf;
}

static void check_contains(const char *text, const char *line)
{
    cr_assert(strstr(text, line), "missing \"%s\" in:\n%s", line, text);
}

Test(topo, print_summary)
{
    struct ns_topo *t = load("pack:2 [numa(memory=6GiB)] core:4 pu:2", NULL);
    char *s = capture(t, ns_topo_print);
    check_contains(s, "host: pack:2 [numa(memory=6GiB)] core:4 pu:2\n");
    check_contains(s, "nodes: 2  sockets: 2  cores: 8  pCPUs: 16  threads per core: 2\n");
    check_contains(s, "memory: 12288 MiB\n");
    check_contains(s, "node 0 (P#0): pCPUs 0-7, 6144 MiB\n");
    check_contains(s, "node 1 (P#1): pCPUs 8-15, 6144 MiB\n");
    check_contains(s, "default");
    check_contains(s, " index     0     1\n     0    10    20\n     1    20    10\n");
    free(s);
    ns_topo_free(t);
}

Test(topo, print_matrix_like_lstopo)
{
    /* The lines below are copied from `lstopo-no-graphics -i FILE --distances`. */
    struct ns_topo *t = load_xml("96em64t-4n4d3ca2co-pci.xml");
    char *s = capture(t, ns_topo_print);
    check_contains(s, " index     0     1     2     3\n"
                      "     0    10    26    26    26\n"
                      "     1    26    10    26    26\n"
                      "     2    26    26    10    26\n"
                      "     3    26    26    26    10\n");
    check_contains(s, "firmware");
    free(s);
    ns_topo_free(t);
}

static int64_t int_at(struct json_object *o, const char *key)
{
    struct json_object *v;
    cr_assert(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
    return json_object_get_int64(v);
}

static struct json_object *member(struct json_object *o, const char *key)
{
    struct json_object *v;
    cr_assert(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
    return v;
}

Test(topo, print_json)
{
    struct ns_topo *t = load("pack:2 [numa(memory=6GiB)] core:4 pu:2", NULL);
    char *s = capture(t, ns_topo_print_json);
    struct json_object *root = json_tokener_parse(s);
    cr_assert_not_null(root, "not JSON:\n%s", s);

    cr_assert_eq(int_at(root, "nodes"), 2);
    cr_assert_eq(int_at(root, "sockets"), 2);
    cr_assert_eq(int_at(root, "cores"), 8);
    cr_assert_eq(int_at(root, "pcpus"), 16);
    cr_assert_str_eq(json_object_get_string(member(root, "distance_source")), "default");

    struct json_object *d = member(root, "distances");
    cr_assert_eq(json_object_array_length(d), 2);
    static const int64_t expected[2][2] = { { 10, 20 }, { 20, 10 } };
    for (size_t i = 0; i < 2; i++) {
        struct json_object *row = json_object_array_get_idx(d, i);
        cr_assert_eq(json_object_array_length(row), 2);
        for (size_t j = 0; j < 2; j++)
            cr_assert_eq(json_object_get_int64(json_object_array_get_idx(row, j)), expected[i][j]);
    }

    struct json_object *mem = member(root, "memory_mb_per_node");
    cr_assert_eq(json_object_get_int64(json_object_array_get_idx(mem, 1)), 6144);
    struct json_object *cpus = member(root, "node_cpus");
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(cpus, 1)), "8-15");

    struct json_object *map = member(root, "pcpu_map");
    cr_assert_eq(json_object_array_length(map), 16);
    struct json_object *p9 = json_object_array_get_idx(map, 9);
    cr_assert_eq(int_at(p9, "pcpu"), 9);
    cr_assert_eq(int_at(p9, "os_index"), 9);
    cr_assert_eq(int_at(p9, "core"), 4);
    cr_assert_eq(int_at(p9, "socket"), 1);
    cr_assert_eq(int_at(p9, "node"), 1);

    /* Deterministic: a second print is byte-identical. */
    char *again = capture(t, ns_topo_print_json);
    cr_assert_str_eq(s, again);

    free(again);
    json_object_put(root);
    free(s);
    ns_topo_free(t);
}

Test(topo, print_json_of_a_restricted_host)
{
    struct ns_topo *t = load_xml("16amd64-8n2c-cpusets.xml");
    char *s = capture(t, ns_topo_print_json);
    struct json_object *root = json_tokener_parse(s);
    cr_assert_not_null(root);

    cr_assert_eq(int_at(root, "nodes"), 5);
    cr_assert_eq(int_at(root, "pcpus"), 10);
    cr_assert_str_eq(json_object_get_string(member(root, "distance_source")), "firmware");
    struct json_object *row3 = json_object_array_get_idx(member(root, "distances"), 3);
    cr_assert_eq(json_object_get_int64(json_object_array_get_idx(row3, 3)), 10);
    cr_assert_eq(json_object_get_int64(json_object_array_get_idx(row3, 4)), 20);
    struct json_object *cpus = member(root, "node_cpus");
    cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(cpus, 4)), "none");
    struct json_object *p6 = json_object_array_get_idx(member(root, "pcpu_map"), 6);
    cr_assert_eq(int_at(p6, "os_index"), 12);
    cr_assert_eq(int_at(p6, "socket"), 4);

    json_object_put(root);
    free(s);
    ns_topo_free(t);
}

/*
 * Every shared topology's whole distance matrix is the one hwloc's own
 * lstopo prints for the file (`lstopo-no-graphics -i FILE --distances`,
 * rows and columns by logical index, as numasched numbers its nodes).
 */
Test(topo, every_distance_matrix_is_lstopos)
{
    static const char *const files[] = {
        "16amd64-4distances.xml", "16amd64-8n2c-cpusets.xml", "192em64t-24n8c2t.xml",
        "24em64t-2n6c2t-pci.xml", "32em64t-2n8c2t-pci-normalio.xml",
        "96em64t-4n4d3ca2co-pci.xml", "nvidiaDGX2.xml",
    };
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "lstopo-no-graphics -i '%s/%s' --distances 2>/dev/null",
                 topologies_dir(), files[f]);
        FILE *p = popen(cmd, "r");
        cr_assert_not_null(p, "%s", cmd);
        struct ns_topo *t = load_xml(files[f]);
        char line[4096];
        unsigned row = 0, nodes = 0;
        while (fgets(line, sizeof(line), p)) {
            if (sscanf(line, "Relative latency matrix (name NUMALatency kind 5) between %u",
                       &nodes) == 1 || strncmp(line, " index", 6) == 0)
                continue;
            char *s = line, *end;
            strtoul(s, &end, 10);           /* the row's label */
            if (end == s || row >= nodes)
                continue;
            for (unsigned col = 0; col < nodes; col++) {
                s = end;
                unsigned long want = strtoul(s, &end, 10);
                cr_assert_neq(end, s, "%s: row %u is short", files[f], row);
                cr_expect_eq(ns_topo_distance(t, row, col), want, "%s: distance %u-%u is %u, "
                             "lstopo says %lu", files[f], row, col,
                             ns_topo_distance(t, row, col), want);
            }
            row++;
        }
        cr_assert_eq(pclose(p), 0, "%s", cmd);
        cr_assert_eq(nodes, t->nr_nodes, "%s", files[f]);
        cr_assert_eq(row, nodes, "%s: lstopo printed %u rows", files[f], row);
        ns_topo_free(t);
    }
}
