/*
 * topo: `numasched topo` output, as text for people and as JSON for scripts.
 *
 * The text lays the distance matrix out the way `lstopo --distances` does
 * (an "index" header row, then one row per node, by logical index), so the
 * two can be compared by eye. The JSON is built with json-c; its objects keep
 * insertion order, so the output is the same byte for byte on every run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "numasched/topo.h"

#include <json-c/json.h>
#include <stdlib.h>

#define MIB (1024ULL * 1024ULL)

static const char *distance_source_name(enum ns_distance_source s)
{
    switch (s) {
    case NS_DIST_FIRMWARE: return "firmware";
    case NS_DIST_SCENARIO: return "scenario";
    case NS_DIST_DEFAULT:  return "default";
    case NS_DIST_IGNORED:  return "default-invalid-slit";
    }
    return "unknown";
}

static const char *distance_source_text(enum ns_distance_source s)
{
    switch (s) {
    case NS_DIST_FIRMWARE: return "firmware, as hwloc reports the SLIT";
    case NS_DIST_SCENARIO: return "scenario";
    case NS_DIST_DEFAULT:  return "default, 10 local and 20 remote as Xen assumes without a SLIT";
    case NS_DIST_IGNORED:  return "default, 10 local and 20 remote: the firmware's SLIT is invalid "
                                  "(Xen wants bytes, 10 on the diagonal and more elsewhere) and Xen ignores it";
    }
    return "unknown";
}

/* Fewest and most threads in one core: hybrid parts differ. */
static void threads_per_core(const struct ns_topo *t, size_t *lo, size_t *hi)
{
    *lo = SIZE_MAX;
    *hi = 0;
    for (unsigned i = 0; i < t->nr_cores; i++) {
        size_t w = ns_mask_weight(&t->core[i].cpus);
        if (w < *lo)
            *lo = w;
        if (w > *hi)
            *hi = w;
    }
}

static int digits(unsigned v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static void print_matrix(const struct ns_topo *t, FILE *out)
{
    unsigned n = t->nr_nodes, max = n - 1;

    for (size_t i = 0; i < (size_t)n * n; i++)
        if (t->distance[i] > max)
            max = t->distance[i];
    int w = digits(max) > 5 ? digits(max) : 5;

    fprintf(out, "%*s", w + 1, "index");
    for (unsigned j = 0; j < n; j++)
        fprintf(out, " %*u", w, j);
    fputc('\n', out);
    for (unsigned i = 0; i < n; i++) {
        fprintf(out, "%*u", w + 1, i);
        for (unsigned j = 0; j < n; j++)
            fprintf(out, " %*u", w, ns_topo_distance(t, i, j));
        fputc('\n', out);
    }
}

void ns_topo_print(const struct ns_topo *t, FILE *out)
{
    size_t lo, hi;
    threads_per_core(t, &lo, &hi);

    fprintf(out, "host: %s\n", t->source);
    fprintf(out, "nodes: %u  sockets: %u  cores: %u  pCPUs: %u  threads per core: ",
            t->nr_nodes, t->nr_sockets, t->nr_cores, t->nr_pcpus);
    if (lo == hi)
        fprintf(out, "%zu\n", lo);
    else
        fprintf(out, "%zu-%zu\n", lo, hi);
    fprintf(out, "memory: %llu MiB\n", (unsigned long long)(ns_topo_total_memory(t) / MIB));

    for (unsigned i = 0; i < t->nr_nodes; i++) {
        const struct ns_topo_node *n = &t->node[i];
        char *cpus = ns_mask_format(&n->cpus);
        fprintf(out, "node %u (P#%u): pCPUs %s, %llu MiB\n", i, n->os_index, cpus,
                (unsigned long long)(n->memory_bytes / MIB));
        free(cpus);
    }

    fprintf(out, "distances: %s\n", distance_source_text(t->distance_source));
    print_matrix(t, out);
}

/* ---- JSON ------------------------------------------------------------------- */

static struct json_object *distances_json(const struct ns_topo *t)
{
    struct json_object *rows = json_object_new_array_ext((int)t->nr_nodes);
    for (unsigned i = 0; i < t->nr_nodes; i++) {
        struct json_object *row = json_object_new_array_ext((int)t->nr_nodes);
        for (unsigned j = 0; j < t->nr_nodes; j++)
            json_object_array_add(row, json_object_new_int64(ns_topo_distance(t, i, j)));
        json_object_array_add(rows, row);
    }
    return rows;
}

static void add_node_arrays(struct json_object *root, const struct ns_topo *t)
{
    struct json_object *mem = json_object_new_array_ext((int)t->nr_nodes);
    struct json_object *cpus = json_object_new_array_ext((int)t->nr_nodes);
    struct json_object *os = json_object_new_array_ext((int)t->nr_nodes);

    for (unsigned i = 0; i < t->nr_nodes; i++) {
        char *list = ns_mask_format(&t->node[i].cpus);
        json_object_array_add(mem, json_object_new_int64((int64_t)(t->node[i].memory_bytes / MIB)));
        json_object_array_add(cpus, json_object_new_string(list));
        json_object_array_add(os, json_object_new_int64(t->node[i].os_index));
        free(list);
    }
    json_object_object_add(root, "memory_mb_per_node", mem);
    json_object_object_add(root, "node_cpus", cpus);
    json_object_object_add(root, "node_os_index", os);
}

static struct json_object *pcpu_map_json(const struct ns_topo *t)
{
    struct json_object *map = json_object_new_array_ext((int)t->nr_pcpus);
    for (unsigned i = 0; i < t->nr_pcpus; i++) {
        const struct ns_topo_pcpu *p = &t->pcpu[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "pcpu", json_object_new_int64(i));
        json_object_object_add(o, "os_index", json_object_new_int64(p->os_index));
        json_object_object_add(o, "core", json_object_new_int64(p->core));
        json_object_object_add(o, "socket", json_object_new_int64(p->socket));
        json_object_object_add(o, "node", json_object_new_int64(p->node));
        json_object_array_add(map, o);
    }
    return map;
}

void ns_topo_print_json(const struct ns_topo *t, FILE *out)
{
    struct json_object *root = json_object_new_object();

    json_object_object_add(root, "source", json_object_new_string(t->source));
    json_object_object_add(root, "nodes", json_object_new_int64(t->nr_nodes));
    json_object_object_add(root, "sockets", json_object_new_int64(t->nr_sockets));
    json_object_object_add(root, "cores", json_object_new_int64(t->nr_cores));
    json_object_object_add(root, "pcpus", json_object_new_int64(t->nr_pcpus));
    json_object_object_add(root, "memory_mb",
                           json_object_new_int64((int64_t)(ns_topo_total_memory(t) / MIB)));
    json_object_object_add(root, "distance_source",
                           json_object_new_string(distance_source_name(t->distance_source)));
    json_object_object_add(root, "distances", distances_json(t));
    add_node_arrays(root, t);
    json_object_object_add(root, "pcpu_map", pcpu_map_json(t));

    fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                               JSON_C_TO_STRING_NOSLASHESCAPE), out);
    fputc('\n', out);
    json_object_put(root);
}
