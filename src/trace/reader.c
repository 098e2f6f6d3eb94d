/*
 * The xentrace reader: trace files from numasched or from a real Xen host.
 *
 * A trace is a chain of windows, each a CPU-change record {cpu, bytes} and
 * that many bytes of one pCPU's records (facts/xentrace.md section 1). The
 * reader does what xenalyze does: every pCPU gets a cursor that reads only
 * its own windows, and the cursors are merged by TSC into one stream. The
 * file is mapped, not read.
 *
 * Linear in the windows. A cursor that walked the chain from its window to
 * its next one would read every other pCPU's headers on the way: with many
 * pCPUs and small windows that is pCPUs x windows (a 24 MB trace took 19 s).
 * Instead one scan walks the chain once, ahead of the cursors as far as the
 * one that needs its next window: each window it passes is queued on its
 * pCPU's cursor, in file order. Every header is then read twice in all
 * (opening, then the scan). Memory is a cursor per pCPU plus 8 bytes per
 * window the scan passed and its pCPU has not reached: at most 8 bytes per
 * 12 bytes of trace, and in a trace whose pCPUs advance together (any trace
 * from xentrace or numasched) a few windows per pCPU.
 *
 * Strictness. A damaged file must be refused with the byte where it went
 * wrong, not half-read. Opening walks the chain of windows (headers only):
 * the file must start with a CPU-change record, every window must fit in
 * the file, and each must end exactly where the next CPU-change record
 * starts, or the window size was wrong. Reading then checks each record: it
 * must end within its window, carry the number of data words its event is
 * defined with (for the events an analysis interprets), and its TSC must
 * not go backwards on its pCPU. Anything else, including events we do not
 * know, is passed on for the caller to count: real traces hold many.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numasched/xentrace.h"

#define CPU_CHANGE_HEADER (NS_TRC_CPU_CHANGE | (2u << 28))

struct cursor {
    unsigned cpu;
    uint64_t win;               /* offset of the current window's CPU-change record */
    uint64_t pos, end;          /* next record, end of the window */
    uint64_t last_tsc;
    bool done, has_rec;
    struct ns_xt_record rec;    /* the next record of this pCPU */
    uint64_t *queue;            /* windows the scan passed, in file order */
    size_t q_head, q_n, q_cap;
};

struct ns_xt_reader {
    const uint8_t *data;
    size_t len;
    void *map;                  /* non-NULL when we mapped the file */
    char *name;
    struct ns_xt_info info;
    unsigned *cpus;             /* ascending */
    uint64_t *first_win;        /* [i]: first window of cpus[i] */
    size_t cap;
    struct cursor *cur;         /* [nr_cpus] */
    unsigned *heap;             /* cursor indexes, min-heap on (tsc, index) */
    size_t heap_n;
    bool started;
    uint64_t scan;              /* the next window the scan has not passed */
};

static uint32_t get32(const struct ns_xt_reader *r, uint64_t off)
{
    const uint8_t *p = r->data + off;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

/* ---- opening: the chain of windows --------------------------------------------- */

/*
 * The one binary search over a trace's pCPUs: the first index of the
 * ascending @cpus[@n] whose id is not below @cpu. Opening inserts each new
 * pCPU there; ns_xt_cpu_index finds a pCPU that a record names in its data.
 */
static size_t cpu_lower_bound(const unsigned *cpus, size_t n, unsigned cpu)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cpus[mid] < cpu)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

unsigned ns_xt_cpu_index(const struct ns_xt_info *info, unsigned cpu)
{
    size_t i = cpu_lower_bound(info->cpus, info->nr_cpus, cpu);

    return i < info->nr_cpus && info->cpus[i] == cpu ? (unsigned)i : NS_XT_NO_INDEX;
}

/* A numasched CLOCK record among the first few of a pCPU's first window. */
static void look_for_clock(struct ns_xt_reader *r, uint64_t pos, uint64_t end)
{
    for (int i = 0; i < 4 && pos + 4 <= end; i++) {
        uint32_t h = get32(r, pos);
        unsigned n = (h >> 28) & 7;
        uint64_t size = 4 + ((h >> 31) ? 8 : 0) + 4 * (uint64_t)n;
        if (pos + size > end)
            return;
        if ((h & 0x0fffffffu) == NS_TRC_NS_CLOCK && n == 6 && (h >> 31)) {
            uint64_t d = pos + 12;
            r->info.clock_hz = get32(r, d) | (uint64_t)get32(r, d + 4) << 32;
            r->info.clock_base = get32(r, d + 8) | (uint64_t)get32(r, d + 12) << 32;
            return;
        }
        pos += size;
    }
}

static void note_window(struct ns_xt_reader *r, unsigned cpu, uint64_t off, uint32_t size)
{
    size_t i = cpu_lower_bound(r->cpus, r->info.nr_cpus, cpu);

    r->info.windows++;
    r->info.headers_read++;
    if (i < r->info.nr_cpus && r->cpus[i] == cpu)
        return;
    if (r->info.nr_cpus == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->cpus = ns_xrealloc(r->cpus, r->cap * sizeof(*r->cpus));
        r->first_win = ns_xrealloc(r->first_win, r->cap * sizeof(*r->first_win));
    }
    memmove(r->cpus + i + 1, r->cpus + i, (r->info.nr_cpus - i) * sizeof(*r->cpus));
    memmove(r->first_win + i + 1, r->first_win + i, (r->info.nr_cpus - i) * sizeof(*r->first_win));
    r->cpus[i] = cpu;
    r->first_win[i] = off;
    r->info.nr_cpus++;
    if (!r->info.clock_hz)
        look_for_clock(r, off + 12, off + 12 + size);
}

static int walk_windows(struct ns_xt_reader *r, struct ns_err *err)
{
    uint64_t off = 0, prev = 0;
    uint32_t prev_cpu = 0, prev_size = 0;

    if (r->len == 0)
        return ns_err_set(err, r->name, 0, NULL, "byte 0: empty file, not a xentrace trace");
    while (off < r->len) {
        if (r->len - off < 12)
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: truncated: a CPU-change record needs 12 bytes, %llu remain",
                              ull(off), ull(r->len - off));
        uint32_t h = get32(r, off), cpu = get32(r, off + 4), size = get32(r, off + 8);
        if (h != CPU_CHANGE_HEADER) {
            if (off == 0)
                return ns_err_set(err, r->name, 0, NULL,
                                  "byte 0: does not start with a CPU-change record (header "
                                  "0x%08x, expected 0x%08x): not a xentrace trace?", h,
                                  CPU_CHANGE_HEADER);
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: expected the CPU-change record of the next window, "
                              "found header 0x%08x: bad window size %u for cpu %u at byte %llu?",
                              ull(off), h, prev_size, prev_cpu, ull(prev));
        }
        if (size % 4)
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: bad window size %u for cpu %u: not a multiple of 4",
                              ull(off), size, cpu);
        /* Memory and the merge grow with the pCPUs: bound them as Xen does. */
        if (cpu >= NS_TRACE_MAX_CPUS)
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: cpu %u is beyond numasched's limit of %u pCPUs",
                              ull(off), cpu, NS_TRACE_MAX_CPUS);
        if (size > r->len - off - 12)
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: truncated: the window of cpu %u declares %u bytes, "
                              "%llu remain", ull(off), cpu, size, ull(r->len - off - 12));
        note_window(r, cpu, off, size);
        prev = off;
        prev_cpu = cpu;
        prev_size = size;
        off += 12 + (uint64_t)size;
    }
    return 0;
}

static void enter_window(const struct ns_xt_reader *r, struct cursor *c, uint64_t off)
{
    c->win = off;
    c->pos = off + 12;
    c->end = c->pos + get32(r, off + 8);
}

static struct ns_xt_reader *open_common(struct ns_xt_reader *r, struct ns_err *err)
{
    r->info.bytes = r->len;
    if (walk_windows(r, err) < 0) {
        ns_xt_close(r);
        return NULL;
    }
    r->info.cpus = r->cpus;
    r->cur = ns_xcalloc(r->info.nr_cpus ? r->info.nr_cpus : 1, sizeof(*r->cur));
    r->heap = ns_xcalloc(r->info.nr_cpus ? r->info.nr_cpus : 1, sizeof(*r->heap));
    for (unsigned i = 0; i < r->info.nr_cpus; i++) {
        struct cursor *c = &r->cur[i];
        c->cpu = r->cpus[i];
        enter_window(r, c, r->first_win[i]);
    }
    return r;
}

struct ns_xt_reader *ns_xt_open_mem(const void *data, size_t len, const char *name,
                                    struct ns_err *err)
{
    struct ns_xt_reader *r = ns_xcalloc(1, sizeof(*r));

    r->data = data;
    r->len = len;
    r->name = ns_xstrdup(name);
    return open_common(r, err);
}

struct ns_xt_reader *ns_xt_open(const char *path, struct ns_err *err)
{
    struct stat st;
    int fd = ns_input_open(path, path, err);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0) {
        ns_err_set(err, path, 0, NULL, "cannot read: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > NS_TRACE_MAX_BYTES) {
        close(fd);
        ns_err_set(err, path, 0, NULL, "%llu bytes, more than numasched's limit of %llu GiB "
                   "for a trace", ull((uint64_t)st.st_size), ull(NS_TRACE_MAX_BYTES >> 30));
        return NULL;
    }
    struct ns_xt_reader *r = ns_xcalloc(1, sizeof(*r));
    r->name = ns_xstrdup(path);
    r->len = (size_t)st.st_size;
    if (r->len) {
        r->map = mmap(NULL, r->len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (r->map == MAP_FAILED) {
            r->map = NULL;
            ns_err_set(err, path, 0, NULL, "cannot map: %s", strerror(errno));
            close(fd);
            ns_xt_close(r);
            return NULL;
        }
        r->data = r->map;
    }
    close(fd);
    return open_common(r, err);
}

const struct ns_xt_info *ns_xt_info(const struct ns_xt_reader *r) { return &r->info; }

void ns_xt_close(struct ns_xt_reader *r)
{
    if (!r)
        return;
    if (r->map)
        munmap(r->map, r->len);
    free(r->name);
    free(r->cpus);
    free(r->first_win);
    for (unsigned i = 0; r->cur && i < r->info.nr_cpus; i++)
        free(r->cur[i].queue);
    free(r->cur);
    free(r->heap);
    free(r);
}

/* ---- records ----------------------------------------------------------------------- */

/* The data words an interpreted event is defined with; others may have any. */
static const char *words_expected(uint32_t event, unsigned n)
{
    if (event == NS_TRC_LOST_RECORDS)
        return n == 4 ? NULL : "4 (lost records)";
    if (event == NS_TRC_CONTINUE_RUNNING)
        return n == 1 ? NULL : "1 (continue running)";
    if ((event & 0x0ffff00fu) == NS_TRC_RUNSTATE_CHANGE)
        return n == 1 || n == 5 ? NULL : "1 or 5 (runstate change)";
    if (event == NS_TRC_NS_CLOCK)
        return n == 6 ? NULL : "6 (numasched clock)";
    if (event == NS_TRC_NS_VCPU_START)
        return n == 6 ? NULL : "6 (numasched vcpu start)";
    return NULL;
}

static void queue_window(struct cursor *c, uint64_t off)
{
    if (c->q_n == c->q_cap) {
        size_t cap = c->q_cap ? 2 * c->q_cap : 4;
        uint64_t *q = ns_xmalloc(cap * sizeof(*q));
        for (size_t i = 0; i < c->q_n; i++)
            q[i] = c->queue[(c->q_head + i) % c->q_cap];
        free(c->queue);
        c->queue = q;
        c->q_cap = cap;
        c->q_head = 0;
    }
    c->queue[(c->q_head + c->q_n++) % c->q_cap] = off;
}

/* The next window of @c's pCPU after its current one; false at the end. */
static bool next_window(struct ns_xt_reader *r, struct cursor *c)
{
    if (c->q_n) {
        enter_window(r, c, c->queue[c->q_head]);
        c->q_head = (c->q_head + 1) % c->q_cap;
        c->q_n--;
        return true;
    }
    while (r->scan < r->len) {
        uint64_t off = r->scan;
        size_t i = ns_xt_cpu_index(&r->info, get32(r, off + 4));
        r->scan += 12 + (uint64_t)get32(r, off + 8);
        r->info.headers_read++;
        if (off == r->first_win[i])
            continue;           /* a cursor starts there */
        if (&r->cur[i] == c) {
            enter_window(r, c, off);
            return true;
        }
        queue_window(&r->cur[i], off);
    }
    return false;
}

/* Parse @c's next record into c->rec. 1: got one, 0: pCPU done, -1: error. */
static int cursor_fill(struct ns_xt_reader *r, struct cursor *c, unsigned index,
                       struct ns_err *err)
{
    for (;;) {
        if (c->pos == c->end && !next_window(r, c)) {
            c->done = true;
            c->has_rec = false;
            return 0;
        }
        if (c->pos == c->end)
            continue;           /* an empty window */
        uint64_t at = c->pos;
        uint32_t h = get32(r, at), event = h & 0x0fffffffu;
        unsigned n = (h >> 28) & 7;
        bool has_tsc = h >> 31;
        uint64_t size = 4 + (has_tsc ? 8 : 0) + 4 * (uint64_t)n;
        if (at + size > c->end)
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: a record of %llu bytes runs past the end of its window "
                              "(cpu %u, window at byte %llu ends at byte %llu): bad window size?",
                              ull(at), ull(size), c->cpu, ull(c->win), ull(c->end));
        if (event == NS_TRC_CPU_CHANGE)
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: a CPU-change record inside the window of cpu %u at "
                              "byte %llu: bad window size?", ull(at), c->cpu, ull(c->win));
        const char *want = words_expected(event, n);
        if (want)
            return ns_err_set(err, r->name, 0, NULL,
                              "byte %llu: event 0x%08x has %u data words, expected %s",
                              ull(at), event, n, want);
        c->pos = at + size;
        if (event == NS_TRC_WRAP_BUFFER)
            continue;           /* Xen's padding: its contents, TSC included, mean nothing */
        struct ns_xt_record *rec = &c->rec;
        rec->offset = at;
        rec->cpu = c->cpu;
        rec->cpu_index = index;
        rec->event = event;
        rec->n = n;
        rec->has_tsc = has_tsc;
        uint64_t d = at + 4;
        if (has_tsc) {
            uint64_t tsc = get32(r, d) | (uint64_t)get32(r, d + 4) << 32;
            if (tsc < c->last_tsc)
                return ns_err_set(err, r->name, 0, NULL,
                                  "byte %llu: TSC goes backwards on cpu %u: %llu after %llu",
                                  ull(at), c->cpu, ull(tsc), ull(c->last_tsc));
            c->last_tsc = tsc;
            d += 8;
        }
        rec->tsc = c->last_tsc;
        for (unsigned i = 0; i < n; i++)
            rec->d[i] = get32(r, d + 4 * (uint64_t)i);
        c->has_rec = true;
        return 1;
    }
}

/* ---- the merge: a min-heap of cursors on (TSC, pCPU) ------------------------------ */

static bool before(const struct ns_xt_reader *r, unsigned a, unsigned b)
{
    uint64_t ta = r->cur[a].rec.tsc, tb = r->cur[b].rec.tsc;
    return ta < tb || (ta == tb && a < b);
}

static void sift_down(struct ns_xt_reader *r, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->heap_n && before(r, r->heap[l], r->heap[m]))
            m = l;
        if (l + 1 < r->heap_n && before(r, r->heap[l + 1], r->heap[m]))
            m = l + 1;
        if (m == i)
            return;
        unsigned t = r->heap[i];
        r->heap[i] = r->heap[m];
        r->heap[m] = t;
        i = m;
    }
}

static int start_merge(struct ns_xt_reader *r, struct ns_err *err)
{
    r->started = true;
    for (unsigned i = 0; i < r->info.nr_cpus; i++) {
        int got = cursor_fill(r, &r->cur[i], i, err);
        if (got < 0)
            return -1;
        if (got)
            r->heap[r->heap_n++] = i;
    }
    for (size_t i = r->heap_n / 2; i-- > 0;)
        sift_down(r, i);
    return 0;
}

int ns_xt_next(struct ns_xt_reader *r, struct ns_xt_record *rec, struct ns_err *err)
{
    if (!r->started && start_merge(r, err) < 0)
        return -1;
    if (!r->heap_n)
        return 0;
    unsigned top = r->heap[0];
    *rec = r->cur[top].rec;
    int got = cursor_fill(r, &r->cur[top], top, err);
    if (got < 0)
        return -1;
    if (!got)
        r->heap[0] = r->heap[--r->heap_n];
    sift_down(r, 0);
    return 1;
}
