/*
 * The intrusive doubly linked list both credit schedulers keep their
 * runqueues and active lists in (Linux list_head semantics: a node is
 * "empty" when it points at itself). Private to sched/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_SCHED_LIST_H
#define NUMASCHED_SCHED_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct cs_list {
    struct cs_list *prev, *next;
};

static inline void cs_list_init(struct cs_list *l) { l->prev = l->next = l; }
static inline bool cs_list_empty(const struct cs_list *l) { return l->next == l; }

static inline void cs_list_link(struct cs_list *n, struct cs_list *prev, struct cs_list *next)
{
    n->prev = prev;
    n->next = next;
    prev->next = n;
    next->prev = n;
}
/* Insert @n right after @pos (list_add) or right before it (list_add_tail). */
static inline void cs_list_add(struct cs_list *n, struct cs_list *pos)
{
    cs_list_link(n, pos, pos->next);
}
static inline void cs_list_add_tail(struct cs_list *n, struct cs_list *pos)
{
    cs_list_link(n, pos->prev, pos);
}
static inline void cs_list_del_init(struct cs_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    cs_list_init(n);
}

#define cs_entry(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#endif
