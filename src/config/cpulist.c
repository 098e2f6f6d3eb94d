/*
 * The xl cpu-list syntax (xl.cfg `cpus=`, `cpus_soft=`, xlcpupool.cfg
 * `cpus=`), and the same syntax over nodes for numasched's node lists.
 *
 * A list is comma-separated items applied left to right to an empty mask:
 *
 *     N  N-M       pCPU N, pCPUs N to M (N <= M)
 *     node:N       all pCPUs of node N; nodes:N-M for a range of nodes
 *                  ("node:" and "nodes:" both take a number or a range)
 *     all          every pCPU
 *     ^ITEM        remove instead of add (not ^all)
 *
 * so "0-3,5,^1" is {0,2,3,5} and "all,^node:1" is every pCPU off node 1.
 * Spaces around an item are tolerated ("0-3, 5"); inside one they are not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <limits.h>
#include <string.h>

#include "config/internal.h"

enum universe { UNIV_CPUS, UNIV_NODES };

struct list_ctx {
    const char *whole;          /* the full list, quoted in messages */
    const struct ns_topo *t;
    enum universe u;
};

static const char *const what_name[] = {"pCPU", "node"};

/* "0-15", "0" or "none": the valid ids, for messages. */
static void id_range(char *buf, size_t cap, unsigned n)
{
    if (n == 0)
        snprintf(buf, cap, "none");
    else if (n == 1)
        snprintf(buf, cap, "0");
    else
        snprintf(buf, cap, "0-%u", n - 1);
}

/* Decimal digits only, at least one; saturates instead of overflowing so
 * that a huge number is reported as a nonexistent id, not wrapped. */
static const char *parse_id(const char *p, const char *end, unsigned long *out)
{
    unsigned long v = 0;
    const char *start = p;

    while (p < end && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        v = v > (ULONG_MAX - d) / 10 ? ULONG_MAX : v * 10 + d;
        p++;
    }
    if (p == start)
        return NULL;
    *out = v;
    return p;
}

/* "N" or "N-M", the whole of [p, end). */
static bool parse_range(const char *p, const char *end, unsigned long *lo, unsigned long *hi)
{
    p = parse_id(p, end, lo);
    if (!p)
        return false;
    *hi = *lo;
    if (p == end)
        return true;
    if (*p != '-')
        return false;
    p = parse_id(p + 1, end, hi);
    return p == end;
}

static bool has_prefix(const char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(p, prefix, n) == 0;
}

/* Fill @item with what one item names; @remove tells whether it had a '^'. */
static int parse_item(const struct list_ctx *c, const char *p, size_t len,
                      struct ns_mask *item, bool *remove, struct ns_err *err)
{
    const char *text = p;
    size_t text_len = len;
    bool of_nodes = c->u == UNIV_NODES, node_items = false;

    ns_mask_zero(item);
    *remove = false;
    if (len > 0 && *p == '^') {
        *remove = true;
        p++;
        len--;
    }
    if (len == 0)
        return ns_err_set(err, NULL, 0, NULL, "\"%s\": empty item", c->whole);
    if (len == 3 && memcmp(p, "all", 3) == 0) {
        if (*remove)
            return ns_err_set(err, NULL, 0, NULL, "\"%s\": \"^all\" is not allowed", c->whole);
        ns_mask_fill(item);
        return 0;
    }
    if (!of_nodes && has_prefix(p, len, "nodes:")) {
        p += 6, len -= 6;
        node_items = true;
    } else if (!of_nodes && has_prefix(p, len, "node:")) {
        p += 5, len -= 5;
        node_items = true;
    }

    unsigned long lo, hi;
    if (!parse_range(p, p + len, &lo, &hi)) {
        return ns_err_set(err, NULL, 0, NULL, "\"%s\": \"%.*s\" is not %s", c->whole,
                          (int)text_len, text,
                          of_nodes ? "N, N-M or all" : "N, N-M, node:N, nodes:N-M or all");
    }
    if (lo > hi)
        return ns_err_set(err, NULL, 0, NULL, "\"%s\": reversed range %lu-%lu", c->whole, lo, hi);

    bool nodes = of_nodes || node_items;
    unsigned limit = nodes ? c->t->nr_nodes : c->t->nr_pcpus;
    if (hi >= limit) {
        char valid[32];
        id_range(valid, sizeof(valid), limit);
        const char *what = what_name[nodes];
        /* The ids as written: a huge one was saturated to ULONG_MAX. */
        if (lo == hi)
            return ns_err_set(err, NULL, 0, NULL,
                              "\"%s\": %s %.*s does not exist (the host has %ss %s)",
                              c->whole, what, (int)len, p, what, valid);
        return ns_err_set(err, NULL, 0, NULL,
                          "\"%s\": %ss %.*s do not all exist (the host has %ss %s)",
                          c->whole, what, (int)len, p, what, valid);
    }

    for (unsigned long i = lo; i <= hi; i++) {
        if (node_items)
            ns_mask_or(item, item, &c->t->node[i].cpus);
        else
            ns_mask_set(item, i);
    }
    return 0;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static int parse_list(const struct list_ctx *c, struct ns_mask *out, struct ns_err *err)
{
    const char *p = c->whole;
    struct ns_mask item;
    int rc = 0;

    ns_mask_zero(out);
    if (p[strspn(p, " \t")] == '\0')
        return ns_err_set(err, NULL, 0, NULL, "empty %s list", what_name[c->u]);

    ns_mask_init(&item, out->nbits);
    for (;;) {
        const char *end = p + strcspn(p, ",");
        const char *b = p, *e = end;
        while (b < e && is_blank(*b))
            b++;
        while (e > b && is_blank(e[-1]))
            e--;

        bool remove;
        rc = parse_item(c, b, (size_t)(e - b), &item, &remove, err);
        if (rc)
            break;
        if (remove)
            ns_mask_andnot(out, out, &item);
        else
            ns_mask_or(out, out, &item);
        if (*end == '\0')
            break;
        p = end + 1;
    }
    ns_mask_free(&item);
    return rc;
}

int ns_cpulist_parse(const char *s, const struct ns_topo *t, struct ns_mask *out,
                     struct ns_err *err)
{
    struct list_ctx c = {s, t, UNIV_CPUS};
    return parse_list(&c, out, err);
}

int cfg_nodelist_parse(const char *s, const struct ns_topo *t, struct ns_mask *out,
                       struct ns_err *err)
{
    struct list_ctx c = {s, t, UNIV_NODES};
    return parse_list(&c, out, err);
}
