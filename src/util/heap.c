/*
 * The event queue: an intrusive binary min-heap keyed on (time, seq).
 *
 * The sequence number makes the order total and independent of addresses,
 * which is what makes runs reproducible: two events at the same instant fire
 * in the order they were (re)scheduled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>

#include "numasched/util.h"

void ns_heap_init(struct ns_heap *h)
{
    h->v = NULL;
    h->n = h->cap = 0;
    h->next_seq = 0;
}

void ns_heap_free(struct ns_heap *h)
{
    for (size_t i = 0; i < h->n; i++)
        h->v[i]->slot = NS_EVENT_IDLE;
    free(h->v);
    ns_heap_init(h);
}

void ns_event_init(struct ns_event *e)
{
    e->time = 0;
    e->seq = 0;
    e->slot = NS_EVENT_IDLE;
}

static bool before(const struct ns_event *a, const struct ns_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void place(struct ns_heap *h, size_t i, struct ns_event *e)
{
    h->v[i] = e;
    e->slot = i;
}

static void sift_up(struct ns_heap *h, size_t i)
{
    struct ns_event *e = h->v[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(e, h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, e);
}

static void sift_down(struct ns_heap *h, size_t i)
{
    struct ns_event *e = h->v[i];

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && before(h->v[child + 1], h->v[child]))
            child++;
        if (!before(h->v[child], e))
            break;
        place(h, i, h->v[child]);
        i = child;
    }
    place(h, i, e);
}

static void remove_at(struct ns_heap *h, size_t i)
{
    struct ns_event *last = h->v[--h->n];

    h->v[i]->slot = NS_EVENT_IDLE;
    if (i == h->n)
        return;
    place(h, i, last);
    sift_down(h, i);
    sift_up(h, last->slot);
}

void ns_heap_schedule(struct ns_heap *h, struct ns_event *e, ns_time_t time)
{
    if (ns_event_queued(e))
        remove_at(h, e->slot);
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 64;
        h->v = ns_xrealloc(h->v, h->cap * sizeof(*h->v));
    }
    e->time = time;
    e->seq = h->next_seq++;
    place(h, h->n++, e);
    sift_up(h, e->slot);
}

void ns_heap_cancel(struct ns_heap *h, struct ns_event *e)
{
    if (ns_event_queued(e))
        remove_at(h, e->slot);
}

struct ns_event *ns_heap_peek(const struct ns_heap *h)
{
    return h->n ? h->v[0] : NULL;
}

struct ns_event *ns_heap_pop(struct ns_heap *h)
{
    struct ns_event *e = ns_heap_peek(h);

    if (e)
        remove_at(h, 0);
    return e;
}
