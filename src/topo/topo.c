/*
 * topo: load a host through hwloc and flatten it into the arrays the
 * scheduler and the host model index by pCPU, core, socket and node.
 *
 * hwloc does all the reading: the live machine, XML exports (its own loader,
 * so chunked u64values, restricted views and format versions are its
 * business) and synthetic strings. We keep hwloc's topology only while
 * building ours, so nothing else in numasched depends on hwloc. What a user
 * wrote (XML, synthetic) hwloc loads in a child process first, so that its
 * crashes and hangs become refusals (guard.c), within the limits of topo.h.
 *
 * Numbering. pCPU i is hwloc's PU of logical index i and node i its NUMA node
 * of logical index i, which is how Xen numbers CPUs and nodes on ordinary x86
 * firmware. Cores and sockets get dense ids in the order the PUs first reach
 * them; since hwloc's logical order is a depth-first walk, that is hwloc's
 * logical order of the cores and packages that hold PUs. Each object keeps its
 * OS index for display. While building, hwloc's per-object userdata holds our
 * id, so every lookup is O(1) and loading is linear in the number of PUs
 * (times the tree depth).
 *
 * What real XML exports lack, and what we do then:
 *  - No Core object above a PU (e.g. "pu:4"): the PU is its own core.
 *  - No Package object above a PU (e.g. "numa:2 core:4 pu:2"): the PU belongs
 *    to one socket standing for the whole machine. Inventing one socket per
 *    node would claim cache sharing that hwloc did not report.
 *  - A PU with no NUMA node attached anywhere above it (cpuset-restricted
 *    exports such as 16amd64-8n2c-cpusets.xml hide the node of some PUs):
 *    node 0, as Xen's init_cpu_to_node() does for a CPU whose node is unknown.
 *    A node's pCPU mask is built from these assignments, so the node masks
 *    always partition the pCPUs.
 *  - A node without PUs (memory only) is kept, with an empty mask.
 *  - Distances: hwloc's NUMA node matrices, a latency one preferred, used when
 *    one covers every node, fits a SLIT's bytes and passes Xen's own check
 *    of a SLIT (slit_valid() in xen/arch/x86/srat.c: 10 on the diagonal,
 *    more than 10 elsewhere).
 *    Otherwise 10 local / 20 remote, as Xen assumes when the SLIT is missing
 *    or invalid; an invalid one is reported as ignored (NS_DIST_IGNORED),
 *    not as missing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "topo/internal.h"

#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LOCAL_DISTANCE  10
#define REMOTE_DISTANCE 20

/* ---- reaching hwloc -------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Anything that exists at @path (a file, but also a folder or a FIFO, which
 * use_xml then refuses by name) is not a synthetic string. */
static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/*
 * Point @h at an XML file. hwloc's own failure says nothing about a missing
 * file, so that case is checked first to give the user the real reason.
 * The file is read once; hwloc loads those bytes in a child first
 * (guard.c), then here.
 */
static int use_xml(hwloc_topology_t h, const char *spec, const char *path,
                   struct ns_err *err)
{
    struct stat st;
    size_t len;

    if (stat(path, &st) < 0) {
        if (strcmp(path, spec) == 0)
            return ns_err_set(err, NULL, 0, NULL, "%s: %s", spec, strerror(errno));
        return ns_err_set(err, NULL, 0, NULL, "%s: %s: %s", spec, path, strerror(errno));
    }
    char *xml = topo_read_xml(spec, path, &len, err);
    if (!xml)
        return -1;
    int rc = topo_trial_load(spec, xml, len, err);
    if (rc == 0 && (hwloc_topology_set_xmlbuffer(h, xml, (int)len + 1) < 0 ||
                    hwloc_topology_load(h) < 0))
        rc = 1;
    free(xml);
    if (rc > 0)
        return ns_err_set(err, NULL, 0, NULL, "%s: hwloc cannot load this XML topology", spec);
    return rc;
}

static int use_synthetic(hwloc_topology_t h, const char *spec, struct ns_err *err)
{
    int rc = topo_check_synthetic(spec, err);

    if (rc == 0)
        rc = topo_trial_load(spec, NULL, 0, err);
    if (rc == 0 && (hwloc_topology_set_synthetic(h, spec) < 0 || hwloc_topology_load(h) < 0))
        rc = 1;
    if (rc > 0)
        return ns_err_set(err, NULL, 0, NULL,
                          "%s: hwloc rejects this synthetic topology description", spec);
    return rc;
}

static int use_live(hwloc_topology_t h, const char *spec, struct ns_err *err)
{
    if (hwloc_topology_load(h) < 0)
        return ns_err_set(err, NULL, 0, NULL, "%s: hwloc cannot read this machine's topology",
                          spec);
    return 0;
}

/* Decide what @spec names and have hwloc load it into @h. */
static int load_hwloc(hwloc_topology_t h, const char *spec, const char *base_dir,
                      struct ns_err *err)
{
    if (strcmp(spec, "live") == 0)
        return use_live(h, spec, err);
    if (spec[strspn(spec, " \t")] == '\0')
        return ns_err_set(err, NULL, 0, NULL, "\"%s\": an empty host: give an hwloc synthetic "
                          "string, an hwloc XML file or \"live\"", spec);

    char *path = ns_path_join(base_dir, spec);
    int r;
    if (exists(path) || ends_with(spec, ".xml"))
        r = use_xml(h, spec, path, err);
    else
        r = use_synthetic(h, spec, err);
    free(path);
    return r;
}

/* ---- flattening ------------------------------------------------------------- */

/*
 * Our id for @obj, creating the group (core or socket) on first sight. The id
 * is kept in obj->userdata plus one, so that NULL still means "none yet".
 */
static unsigned group_id(hwloc_obj_t obj, struct ns_topo_group *groups, unsigned *nr,
                         unsigned nr_pcpus)
{
    if (obj->userdata)
        return (unsigned)((uintptr_t)obj->userdata - 1);

    unsigned id = (*nr)++;
    groups[id].os_index = obj->os_index;
    ns_mask_init(&groups[id].cpus, nr_pcpus);
    obj->userdata = (void *)(uintptr_t)(id + 1);
    return id;
}

static hwloc_obj_t core_obj(hwloc_topology_t h, hwloc_obj_t pu)
{
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(h, HWLOC_OBJ_CORE, pu);
    return core ? core : pu;
}

static hwloc_obj_t socket_obj(hwloc_topology_t h, hwloc_obj_t pu)
{
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(h, HWLOC_OBJ_PACKAGE, pu);
    return pkg ? pkg : hwloc_get_root_obj(h);
}

/*
 * The node whose memory is local to @pu: the first NUMA node attached to the
 * nearest object above it that has memory (through any memory-side cache).
 */
static unsigned node_of_pu(hwloc_obj_t pu)
{
    for (hwloc_obj_t o = pu; o; o = o->parent) {
        if (o->memory_arity == 0)
            continue;
        hwloc_obj_t m = o->memory_first_child;
        while (m->type != HWLOC_OBJ_NUMANODE)
            m = m->memory_first_child;
        return m->logical_index;
    }
    return 0;
}

/* The nodes, each within NS_TOPO_MAX_NODE_MEMORY, so that sums of them are exact. */
static int read_nodes(struct ns_topo *t, hwloc_topology_t h, struct ns_err *err)
{
    t->node = ns_xcalloc(t->nr_nodes, sizeof(*t->node));
    for (unsigned i = 0; i < t->nr_nodes; i++) {
        hwloc_obj_t n = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, i);
        t->node[i].os_index = n->os_index;
        t->node[i].memory_bytes = n->attr->numanode.local_memory;
        ns_mask_init(&t->node[i].cpus, t->nr_pcpus);
        if (t->node[i].memory_bytes > NS_TOPO_MAX_NODE_MEMORY)
            return ns_err_set(err, NULL, 0, NULL, "%s: NUMA node %u has %llu bytes of memory, "
                              "more than numasched's limit of 1 PiB per node", t->source, i,
                              (unsigned long long)t->node[i].memory_bytes);
    }
    return 0;
}

/* Fill pcpu[], core[], socket[] and the nodes' masks in one pass over the PUs. */
static void read_pcpus(struct ns_topo *t, hwloc_topology_t h)
{
    unsigned n = t->nr_pcpus;

    /* At most one core and one socket per PU; trimmed once counted. */
    t->pcpu = ns_xcalloc(n, sizeof(*t->pcpu));
    t->core = ns_xcalloc(n, sizeof(*t->core));
    t->socket = ns_xcalloc(n, sizeof(*t->socket));

    for (unsigned i = 0; i < n; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(h, HWLOC_OBJ_PU, i);
        struct ns_topo_pcpu *p = &t->pcpu[i];

        p->os_index = pu->os_index;
        p->core = group_id(core_obj(h, pu), t->core, &t->nr_cores, n);
        p->socket = group_id(socket_obj(h, pu), t->socket, &t->nr_sockets, n);
        p->node = node_of_pu(pu);
        ns_mask_set(&t->core[p->core].cpus, i);
        ns_mask_set(&t->socket[p->socket].cpus, i);
        ns_mask_set(&t->node[p->node].cpus, i);
    }
    t->core = ns_xrealloc(t->core, t->nr_cores * sizeof(*t->core));
    t->socket = ns_xrealloc(t->socket, t->nr_sockets * sizeof(*t->socket));
}

/* ---- distances ------------------------------------------------------------- */

/* Positive entries, and each node strictly nearer to itself than to any other. */
static int check_distances(const unsigned *m, unsigned n, struct ns_err *err)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned local = m[(size_t)i * n + i];
        for (unsigned j = 0; j < n; j++) {
            unsigned d = m[(size_t)i * n + j];
            if (d == 0)
                return ns_err_set(err, NULL, 0, NULL,
                                  "distance from node %u to node %u is 0; distances must be positive",
                                  i, j);
            if (j != i && d <= local)
                return ns_err_set(err, NULL, 0, NULL,
                                  "node %u is at distance %u from itself but %u from node %u; "
                                  "the diagonal must be the smallest entry of its row",
                                  i, local, d, j);
        }
    }
    return 0;
}

static void default_distances(struct ns_topo *t)
{
    for (unsigned i = 0; i < t->nr_nodes; i++)
        for (unsigned j = 0; j < t->nr_nodes; j++)
            t->distance[(size_t)i * t->nr_nodes + j] = i == j ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

/*
 * Copy hwloc's matrix into @out in our (logical) node order; hwloc lists the
 * objects in its own order, which restricted exports permute. False when an
 * entry does not fit the byte a SLIT entry is (ACPI, and Xen's u8 table):
 * no firmware gave Xen such a matrix.
 */
static bool copy_hwloc_matrix(const struct hwloc_distances_s *d, unsigned *out)
{
    unsigned n = d->nbobjs;

    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 0; j < n; j++) {
            hwloc_uint64_t v = d->values[(size_t)i * n + j];
            if (v > UINT8_MAX)
                return false;
            out[(size_t)d->objs[i]->logical_index * n + d->objs[j]->logical_index] = (unsigned)v;
        }
    }
    return true;
}

/* A NUMA node matrix over all nodes that means something like latency. */
static const struct hwloc_distances_s *pick_matrix(struct hwloc_distances_s **d, unsigned nr,
                                                   unsigned nr_nodes)
{
    const struct hwloc_distances_s *best = NULL;

    for (unsigned i = 0; i < nr; i++) {
        if (d[i]->nbobjs != nr_nodes || (d[i]->kind & HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH))
            continue;
        if (d[i]->kind & HWLOC_DISTANCES_KIND_MEANS_LATENCY)
            return d[i];
        if (!best)
            best = d[i];
    }
    return best;
}

/* Xen's test of a firmware SLIT: 10 to itself, more than 10 to any other node. */
static bool xen_slit_valid(const unsigned *m, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            if (i == j ? m[(size_t)i * n + j] != LOCAL_DISTANCE : m[(size_t)i * n + j] <= LOCAL_DISTANCE)
                return false;
    return true;
}

/* Take the firmware's matrix when hwloc has one Xen would use; say so when it has
 * one Xen would ignore. Leaves distance_source at DEFAULT when there is none. */
static void read_distances(struct ns_topo *t, hwloc_topology_t h)
{
    unsigned nr = 0;
    if (hwloc_distances_get_by_type(h, HWLOC_OBJ_NUMANODE, &nr, NULL, 0, 0) < 0 || nr == 0)
        return;

    struct hwloc_distances_s **d = ns_xcalloc(nr, sizeof(*d));
    if (hwloc_distances_get_by_type(h, HWLOC_OBJ_NUMANODE, &nr, d, 0, 0) == 0) {
        const struct hwloc_distances_s *m = pick_matrix(d, nr, t->nr_nodes);
        if (m && copy_hwloc_matrix(m, t->distance) && xen_slit_valid(t->distance, t->nr_nodes))
            t->distance_source = NS_DIST_FIRMWARE;
        else if (m)
            t->distance_source = NS_DIST_IGNORED;
        for (unsigned i = 0; i < nr; i++)
            hwloc_distances_release(h, d[i]);
    }
    free(d);
}

/* ---- the public part ------------------------------------------------------- */

static struct ns_topo *build(hwloc_topology_t h, const char *spec, struct ns_err *err)
{
    int nr_pus = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
    int nr_nodes = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);

    if (nr_pus <= 0 || nr_nodes <= 0) {
        ns_err_set(err, NULL, 0, NULL, "%s: the topology has no %s", spec,
                   nr_pus <= 0 ? "PUs" : "NUMA node");
        return NULL;
    }
    if (topo_check_size(spec, (unsigned long)nr_pus, (unsigned long)nr_nodes, err) < 0)
        return NULL;

    struct ns_topo *t = ns_xcalloc(1, sizeof(*t));
    t->source = ns_xstrdup(spec);
    t->nr_pcpus = (unsigned)nr_pus;
    t->nr_nodes = (unsigned)nr_nodes;
    if (read_nodes(t, h, err) < 0) {
        ns_topo_free(t);
        return NULL;
    }
    read_pcpus(t, h);
    t->distance = ns_xcalloc((size_t)t->nr_nodes * t->nr_nodes, sizeof(*t->distance));
    t->distance_source = NS_DIST_DEFAULT;
    read_distances(t, h);
    if (t->distance_source != NS_DIST_FIRMWARE)
        default_distances(t);
    return t;
}

/*
 * hwloc dlopens its plugins (PCI, OpenCL, GL, libxml2) when a process
 * initialises its first topology and dlcloses them when it destroys its
 * last. A sweep loads a host per point and per run, each first in a trial
 * child (guard.c), so it paid that dlopen and dlclose thousands of times:
 * perf showed them as most of a tiny run's 20 ms of CPU. One topology
 * initialised, never loaded and never destroyed keeps the plugins loaded for
 * the life of the process and of every child it forks.
 */
static void keep_hwloc_plugins(void)
{
    static hwloc_topology_t anchor;

    if (!anchor && hwloc_topology_init(&anchor) < 0)
        anchor = NULL;
}

struct ns_topo *ns_topo_load(const char *spec, const char *base_dir, struct ns_err *err)
{
    hwloc_topology_t h;

    keep_hwloc_plugins();
    if (hwloc_topology_init(&h) < 0) {
        ns_err_set(err, NULL, 0, NULL, "%s: hwloc cannot start: %s", spec, strerror(errno));
        return NULL;
    }
    struct ns_topo *t = NULL;
    if (load_hwloc(h, spec, base_dir, err) == 0)
        t = build(h, spec, err);
    hwloc_topology_destroy(h);
    return t;
}

static void free_groups(struct ns_topo_group *g, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        ns_mask_free(&g[i].cpus);
    free(g);
}

void ns_topo_free(struct ns_topo *t)
{
    if (!t)
        return;
    free_groups(t->core, t->nr_cores);
    free_groups(t->socket, t->nr_sockets);
    for (unsigned i = 0; i < t->nr_nodes; i++)
        ns_mask_free(&t->node[i].cpus);
    free(t->node);
    free(t->pcpu);
    free(t->distance);
    free(t->source);
    free(t);
}

int ns_topo_set_distances(struct ns_topo *t, const unsigned *matrix, unsigned n,
                          struct ns_err *err)
{
    if (n != t->nr_nodes)
        return ns_err_set(err, NULL, 0, NULL,
                          "a %ux%u distance matrix does not fit a host of %u NUMA node%s",
                          n, n, t->nr_nodes, t->nr_nodes == 1 ? "" : "s");
    if (check_distances(matrix, n, err) < 0)
        return -1;
    memcpy(t->distance, matrix, (size_t)n * n * sizeof(*matrix));
    t->distance_source = NS_DIST_SCENARIO;
    return 0;
}

void ns_topo_set_memory_per_node(struct ns_topo *t, uint64_t bytes)
{
    for (unsigned i = 0; i < t->nr_nodes; i++)
        t->node[i].memory_bytes = bytes;
}

uint64_t ns_topo_total_memory(const struct ns_topo *t)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < t->nr_nodes; i++)
        sum += t->node[i].memory_bytes;
    return sum;
}

void ns_topo_nodes_of_cpus(const struct ns_topo *t, const struct ns_mask *cpus,
                           struct ns_mask *out)
{
    ns_mask_zero(out);
    for (unsigned n = 0; n < t->nr_nodes; n++)
        if (ns_mask_intersects(cpus, &t->node[n].cpus))
            ns_mask_set(out, n);
}
