/*
 * util: the small pieces every other part stands on.
 *
 *  - ns_mask: a bitmap of any size, used for cpumasks and nodemasks alike.
 *    Real hosts have 1,024+ pCPUs and 64+ nodes, so nothing here has a fixed
 *    width; the iteration helpers follow Xen's "next member after x, wrapping"
 *    convention that the schedulers rotate with.
 *  - ns_rng: a deterministic generator, one independent stream per source.
 *  - ns_heap: the event queue, ordered by (time, insertion sequence) so that
 *    ties never depend on pointer values.
 *  - ns_err: one-line errors that carry file, line and key.
 *  - the run's files: inputs that are regular files, outputs written to a
 *    temporary name and renamed when complete, all or none, and cleaned up
 *    on a signal.
 *  - ns_registry: a table of named things looked up by name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_UTIL_H
#define NUMASCHED_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * Virtual time: nanoseconds since the start of the simulation. A uint64_t
 * wraps after 2^64 ns, 584 years: runs are far shorter (config/ refuses a
 * duration or warm-up over 1,000,000 s), and a delay computed from a model
 * (a block time, a run step at a tiny rate) is clamped at NS_TIME_CLAMP
 * (2^62 ns, 146 years) before it is added to a time, so no sum wraps.
 */
typedef uint64_t ns_time_t;
#define NS_TIME_NEVER UINT64_MAX
#define NS_TIME_CLAMP (1ULL << 62)
#define NS_US 1000ULL
#define NS_MS 1000000ULL
#define NS_S  1000000000ULL

/* ---- errors ------------------------------------------------------------ */

/*
 * An error is one line: "FILE:LINE: KEY: message", with the parts that are
 * not known left out. Functions that can fail take a struct ns_err * and
 * return -1 after filling it; the caller prints err.msg and exits.
 */
struct ns_err {
    char msg[1024];
};

/* Fill @e; file may be NULL, line 0 = unknown, key may be NULL. Returns -1. */
int ns_err_set(struct ns_err *e, const char *file, int line, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int ns_err_vset(struct ns_err *e, const char *file, int line, const char *key,
                const char *fmt, va_list ap);

/* Allocation that cannot fail: out of memory aborts with a message. */
void *ns_xmalloc(size_t size);
void *ns_xcalloc(size_t n, size_t size);
void *ns_xrealloc(void *p, size_t size);
char *ns_xstrdup(const char *s);
/* printf into a new string. */
char *ns_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A stream into memory: *@buf (*@len bytes, NUL-terminated) once closed. */
FILE *ns_xmemstream(char **buf, size_t *len);

/* ---- masks --------------------------------------------------------------- */

#define NS_MASK_NONE SIZE_MAX

struct ns_mask {
    size_t nbits;
    uint64_t *w;
};

void ns_mask_init(struct ns_mask *m, size_t nbits);      /* all clear */
void ns_mask_free(struct ns_mask *m);
void ns_mask_copy(struct ns_mask *dst, const struct ns_mask *src); /* dst initialised */
void ns_mask_dup(struct ns_mask *dst, const struct ns_mask *src);  /* dst uninitialised */
void ns_mask_zero(struct ns_mask *m);
void ns_mask_fill(struct ns_mask *m);
void ns_mask_set(struct ns_mask *m, size_t bit);
void ns_mask_clear(struct ns_mask *m, size_t bit);
bool ns_mask_test(const struct ns_mask *m, size_t bit);
/* dst = a op b; all three the same size; dst may alias a or b. */
void ns_mask_and(struct ns_mask *dst, const struct ns_mask *a, const struct ns_mask *b);
void ns_mask_or(struct ns_mask *dst, const struct ns_mask *a, const struct ns_mask *b);
void ns_mask_andnot(struct ns_mask *dst, const struct ns_mask *a, const struct ns_mask *b);
size_t ns_mask_weight(const struct ns_mask *m);
bool ns_mask_empty(const struct ns_mask *m);
bool ns_mask_full(const struct ns_mask *m);
bool ns_mask_equal(const struct ns_mask *a, const struct ns_mask *b);
bool ns_mask_subset(const struct ns_mask *a, const struct ns_mask *b); /* a within b */
bool ns_mask_intersects(const struct ns_mask *a, const struct ns_mask *b);
/* First set bit, or NS_MASK_NONE. */
size_t ns_mask_first(const struct ns_mask *m);
/* First set bit strictly after @bit (no wrap), or NS_MASK_NONE. */
size_t ns_mask_next(const struct ns_mask *m, size_t bit);
/* Xen's cycle: the smallest member > bit, else the smallest member; NONE if empty. */
size_t ns_mask_cycle(const struct ns_mask *m, size_t bit);
/* Write "0-3,5" form (the empty mask is "none"); returns a malloc'd string. */
char *ns_mask_format(const struct ns_mask *m);

#define ns_mask_for_each(bit, m) \
    for (size_t bit = ns_mask_first(m); bit != NS_MASK_NONE; bit = ns_mask_next((m), bit))

/* ---- random numbers ------------------------------------------------------ */

/*
 * xoshiro256** seeded through splitmix64 from (run seed, stream id). Every
 * source of randomness (a domain's workload, a vCPU) has its own stream id, so
 * adding a domain never changes the draws another one sees.
 */
struct ns_rng {
    uint64_t s[4];
};

void ns_rng_seed(struct ns_rng *r, uint64_t seed, uint64_t stream);
/* Stream id for a named source: a stable hash of the parts. */
uint64_t ns_rng_stream_id(const char *kind, uint64_t a, uint64_t b);
/* FNV-1a: @h (NS_FNV_BASIS to start) with @n bytes of @p folded in. Stable
 * across builds and machines, for ids and fingerprints, never for security. */
#define NS_FNV_BASIS UINT64_C(0xcbf29ce484222325)
uint64_t ns_fnv1a(uint64_t h, const void *p, size_t n);
uint64_t ns_rng_u64(struct ns_rng *r);
double ns_rng_uniform(struct ns_rng *r);                 /* [0, 1) */
double ns_rng_exponential(struct ns_rng *r, double mean);

/* ---- event heap ----------------------------------------------------------- */

/*
 * Intrusive binary min-heap of events. An event lives inside its owner
 * (a timer, a vCPU's completion) and knows its heap slot, so moving or
 * cancelling it is O(log n). Ties on time go to the earlier insertion.
 */
struct ns_event {
    ns_time_t time;
    uint64_t seq;
    size_t slot;                      /* NS_EVENT_IDLE when not queued */
    unsigned kind;                    /* for the owner to tell its events apart */
};
#define NS_EVENT_IDLE SIZE_MAX

struct ns_heap {
    struct ns_event **v;
    size_t n, cap;
    uint64_t next_seq;
};

void ns_heap_init(struct ns_heap *h);
void ns_heap_free(struct ns_heap *h);
void ns_event_init(struct ns_event *e);
static inline bool ns_event_queued(const struct ns_event *e) { return e->slot != NS_EVENT_IDLE; }
/* Queue or move @e to @time; a move takes a fresh sequence number. */
void ns_heap_schedule(struct ns_heap *h, struct ns_event *e, ns_time_t time);
void ns_heap_cancel(struct ns_heap *h, struct ns_event *e);
struct ns_event *ns_heap_peek(const struct ns_heap *h);
struct ns_event *ns_heap_pop(struct ns_heap *h);

/* ---- histograms ------------------------------------------------------------- */

/*
 * Log-linear histogram of non-negative integers (latencies in ns): exact
 * below 16, then 16 buckets per power of two, so a quantile is within about
 * 6% of the truth. Memory grows with the buckets used, up to a fixed 7.8
 * KB, never per sample: a histogram of a few samples (one per vCPU of a
 * short trace) costs a few bytes per sample. Count, sum, min and max are
 * exact.
 */
struct ns_hist {
    uint64_t *bucket;           /* dense: every bucket's count; else the used ones */
    uint32_t used, cap;         /* sparse: entries (bucket << 48 | count), sorted */
    bool dense;
    uint64_t count, min, max;
    double sum;
};

void ns_hist_init(struct ns_hist *h);
void ns_hist_free(struct ns_hist *h);
void ns_hist_reset(struct ns_hist *h);
void ns_hist_add(struct ns_hist *h, uint64_t value);
double ns_hist_mean(const struct ns_hist *h);
/* The q-quantile (0 <= q <= 1): the middle of the bucket holding it, clamped
 * to [min, max]; 0 when empty. */
uint64_t ns_hist_quantile(const struct ns_hist *h, double q);

/* ---- the run's files (file.c) -------------------------------------------------- */

/*
 * Inputs: open @path only if it is a regular file (a FIFO or a device would
 * block or never end), and remember it so that no output of this run can
 * replace it. Errors name @name: "NAME: cannot read: ..." or "NAME: not a
 * regular file". ns_input_open returns a file descriptor, or -1.
 */
int ns_input_open(const char *path, const char *name, struct ns_err *err);
FILE *ns_input_fopen(const char *path, const char *name, struct ns_err *err);

/*
 * A file that appears under its final name only once it is complete:
 * written to "NAME.tmp.PID.N", renamed by ns_outfile_commit, removed by
 * ns_outfile_abort, by ns_outputs_drop, or by SIGINT/SIGTERM/SIGHUP once
 * ns_io_catch_signals has run. Opening refuses a path that is an input of
 * the run, another of its outputs, or an existing non-regular file.
 */
struct io_out;
struct ns_outfile {
    FILE *f;
    char *path;
    char *tmp;
    struct io_out *node;
};

int ns_outfile_open(struct ns_outfile *o, const char *path, struct ns_err *err);
int ns_outfile_commit(struct ns_outfile *o, struct ns_err *err);
void ns_outfile_abort(struct ns_outfile *o);

/* Read @n bytes from @fd, through EINTR and short reads: how many came
 * (fewer at the end of the file or pipe, or on an error). */
ssize_t ns_read_full(int fd, void *buf, size_t n);

/*
 * A process killed outright (SIGKILL, its node lost) leaves its temporary
 * files behind: nothing in it ran to remove them. Remove every "NAME.tmp.PID.N"
 * in @dir; only for a folder that one job owns, whose earlier writer is gone.
 */
void ns_outfile_remove_stale(const char *dir);

/* May @path be written, or removed as a stale output? The checks of
 * ns_outfile_open, without claiming it: for a file removed before it is
 * written again, so that an input kept under an output's name survives. */
int ns_output_check(const char *path, struct ns_err *err);

/* Reserve @path as an output before the run, with the checks of ns_outfile_open;
 * ns_outputs_commit or ns_outputs_drop releases it. */
int ns_output_claim(const char *path, struct ns_err *err);

/*
 * All or none: after ns_outputs_hold, a committed ns_outfile stays under its
 * temporary name until the matching ns_outputs_commit renames every one of
 * them (under an flock of each destination folder, so that two runs cannot
 * mix their files); ns_outputs_drop removes them all instead. Holds nest:
 * only the outermost commit renames.
 */
void ns_outputs_hold(void);
int ns_outputs_commit(struct ns_err *err);
void ns_outputs_drop(void);

/* Remove the temporary files on SIGINT, SIGTERM and SIGHUP; turn SIGXFSZ
 * into a write error (EFBIG). Once, at the start of the process. */
void ns_io_catch_signals(void);

/* Standard output flushed without error (a summary on a full disk is lost);
 * ns_std_close also closes it and checks standard error, at exit. */
int ns_stdout_check(struct ns_err *err);
int ns_std_close(struct ns_err *err);

/* ---- registries ------------------------------------------------------------ */

/*
 * A registry: a constant table of named things a scenario picks by name (the
 * schedulers, the workloads, the quirks of a part). Each entry is a struct
 * whose first member is `const char *name`; the table holds the entries
 * themselves (NS_REGISTRY) or, when they are defined in other files,
 * pointers to them (NS_REGISTRY_OF_POINTERS). Either way the name is
 * written once, in the entry, and the list of names for error messages is
 * derived from the table, never kept beside it.
 *
 * Define a registry at file scope: the macros give it a static array for
 * the NULL-terminated list of names that ns_registry_names fills in.
 */
struct ns_registry {
    const void *table;
    size_t count, stride;     /* entries, bytes from one to the next */
    bool indirect;            /* the table holds pointers to the entries */
    const char **names;       /* [count + 1] */
};

#define NS_REGISTRY_COUNT_(tab) (sizeof(tab) / sizeof((tab)[0]))
#define NS_REGISTRY_INIT_(tab, ind) {(tab), NS_REGISTRY_COUNT_(tab), sizeof((tab)[0]), (ind), \
                                     (const char *[NS_REGISTRY_COUNT_(tab) + 1]){0}}
#define NS_REGISTRY(tab)             NS_REGISTRY_INIT_(tab, false)
#define NS_REGISTRY_OF_POINTERS(tab) NS_REGISTRY_INIT_(tab, true)

/* The entry named @name (not a pointer to the table's pointer), or NULL. */
const void *ns_registry_find(const struct ns_registry *r, const char *name);
/* All names in table order, NULL-terminated. */
const char *const *ns_registry_names(const struct ns_registry *r);
/* "a, b, c": all names for a message; malloc'd. */
char *ns_registry_join(const struct ns_registry *r);

/* ---- the model's identity (model.c) ------------------------------------------- */

/* A hash of the sources this numasched was built from, 16 hex digits: two
 * builds with the same one give the same results for the same inputs. */
const char *ns_model_id(void);

/* ---- small helpers --------------------------------------------------------- */

/* Join @dir and @rel unless @rel is absolute; malloc'd. dir may be NULL. */
char *ns_path_join(const char *dir, const char *rel);
/* The folder part of @path ("." if none); malloc'd. */
char *ns_path_dir(const char *path);
/* @path with links, "." and ".." resolved, whether or not its last parts
 * exist yet: two names of one file, or of one file-to-be, compare equal. */
char *ns_path_resolve(const char *path);

#endif
