/*
 * Registries: a table of named entries, searched by name.
 *
 * Linear search is the right cost here: a table has a handful of entries
 * and is searched once per key of a config file. An entry's name is its
 * first member, so a pointer to the entry is a pointer to its name (C11
 * 6.7.2.1p15); a table of pointers is read with memcpy, so no pointer is
 * reinterpreted through another pointer type.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "numasched/util.h"

static const void *entry(const struct ns_registry *r, size_t i)
{
    const char *at = (const char *)r->table + i * r->stride;
    const void *e;

    if (!r->indirect)
        return at;
    memcpy(&e, at, sizeof(e));
    return e;
}

static const char *entry_name(const struct ns_registry *r, size_t i)
{
    return *(const char *const *)entry(r, i);
}

const void *ns_registry_find(const struct ns_registry *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(entry_name(r, i), name) == 0)
            return entry(r, i);
    return NULL;
}

/* Filled on every call: the names are constant, so this is idempotent. */
const char *const *ns_registry_names(const struct ns_registry *r)
{
    for (size_t i = 0; i < r->count; i++)
        r->names[i] = entry_name(r, i);
    r->names[r->count] = NULL;
    return r->names;
}

char *ns_registry_join(const struct ns_registry *r)
{
    size_t len = 1;

    for (size_t i = 0; i < r->count; i++)
        len += strlen(entry_name(r, i)) + 2;
    char *s = ns_xmalloc(len), *p = s;
    *p = '\0';
    for (size_t i = 0; i < r->count; i++)
        p += sprintf(p, "%s%s", i ? ", " : "", entry_name(r, i));
    return s;
}
