/*
 * xentrace: the binary trace format of Xen's xentrace, which xenalyze reads
 * (facts/xentrace.md): its event ids, the TSC clock numasched writes it in,
 * a writer (a trace sink) and a reader for numasched's traces and real ones
 * (report/ analyses them).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_XENTRACE_H
#define NUMASCHED_XENTRACE_H

#include "numasched/trace.h"

/* ---- xentrace event ids (facts/xentrace.md sections 1-3) ------------------ */

#define NS_TRC_LOST_RECORDS      0x0001f001u
#define NS_TRC_WRAP_BUFFER       0x0001f002u
#define NS_TRC_CPU_CHANGE        0x0001f003u
#define NS_TRC_SCHED_MIN         0x00021000u
#define NS_TRC_RUNSTATE_CHANGE   0x00021001u  /* + old << 8 + new << 4 */
#define NS_TRC_CONTINUE_RUNNING  0x00021002u
#define NS_TRC_SCHED_CLASS       0x00022000u  /* + sched id << 9 + event */
#define NS_TRC_SCHED_VERBOSE     0x00028000u
#define NS_TRC_SLEEP             0x00028003u
#define NS_TRC_WAKE              0x00028004u
#define NS_TRC_YIELD             0x00028005u
#define NS_TRC_BLOCK             0x00028006u
#define NS_TRC_SWITCH            0x0002800au
#define NS_TRC_SWITCH_INFPREV    0x0002800eu
#define NS_TRC_SWITCH_INFNEXT    0x0002800fu
#define NS_TRC_SWITCH_INFCONT    0x00028011u
/*
 * numasched's own records, in TRC_SCHED_VERBOSE where xenalyze skips ids it
 * does not know. CLOCK (6 words): TSC rate in Hz (u64), TSC base (u64),
 * virtual ns at the start of the trace (u64). VCPU_START (6 words): vcpu +
 * dom << 16, runstate, processor, last pCPU (NS_TRACE_NO_CPU: never ran), ns
 * since it woke from blocked without running yet (u64, all ones: none).
 */
#define NS_TRC_NS_CLOCK          0x00028ff1u
#define NS_TRC_NS_VCPU_START     0x00028ff2u

static inline uint32_t ns_trc_runstate_event(unsigned from, unsigned to)
{
    return NS_TRC_RUNSTATE_CHANGE + (from << 8) + (to << 4);
}

/* ---- TSC: virtual time at a declared rate --------------------------------- */

/*
 * A record's TSC is NS_TRACE_TSC_BASE + round(t * hz / 1e9), in exact integer
 * arithmetic. The base is non-zero because xenalyze refuses a first TSC of 0.
 * At hz >= 1 GHz every nanosecond has its own tick, so ns_trace_ns recovers
 * the time exactly; it returns the last nanosecond whose tick is <= @tsc,
 * which also undoes the one-tick nudges the writer may add to order records
 * of one vCPU on two pCPUs at the same nanosecond.
 */
#define NS_TRACE_DEFAULT_HZ 2400000000ULL
#define NS_TRACE_TSC_BASE   1000000000000ULL
#define NS_TRACE_MIN_HZ     1000000ULL
#define NS_TRACE_MAX_HZ     100000000000ULL

uint64_t ns_trace_tsc(uint64_t hz, ns_time_t t);
/* Signed: ticks below the base (a foreign trace) give negative times. */
int64_t ns_trace_ns(uint64_t hz, uint64_t tsc);
/* "2.4G", "2400M", "2400000000" (xenalyze's --cpu-hz syntax) -> Hz, which
 * must lie in [NS_TRACE_MIN_HZ, NS_TRACE_MAX_HZ]. */
int ns_trace_parse_hz(const char *s, uint64_t *hz, struct ns_err *err);
/* "2.4G" style, the shortest exact form; @buf of 32 bytes. */
const char *ns_trace_format_hz(uint64_t hz, char *buf);

/* ---- the xentrace writer (a sink) ------------------------------------------ */

/*
 * Limits (docs/robustness.md). A trace is at most NS_TRACE_MAX_BYTES (64 GiB;
 * the main example writes about 1 MB per simulated second): the writer stops
 * there and the run fails saying so, rather than filling the disk; the
 * reader refuses a larger file. pCPU ids in a trace are below
 * NS_TRACE_MAX_CPUS, as on any Xen host (NR_CPUS <= 4095 on x86).
 */
#define NS_TRACE_MAX_BYTES (64ULL << 30)
#define NS_TRACE_MAX_CPUS  4096u

struct ns_xentrace;

struct ns_xentrace_stats {
    uint64_t bytes, records, windows;
    uint64_t nudged;      /* records moved one tick later to keep a vCPU's order */
    uint64_t spilled;     /* ... whose nudge crossed into the next nanosecond */
};

/* A trace of a host with @nr_pcpus at @hz, written under a temporary name;
 * it appears at @path only when ns_xentrace_finish succeeds. */
struct ns_xentrace *ns_xentrace_open(const char *path, uint64_t hz, unsigned nr_pcpus,
                                     struct ns_err *err);
const struct ns_trace_sink *ns_xentrace_sink(struct ns_xentrace *w);
/* Cap the file at @bytes instead of NS_TRACE_MAX_BYTES (smaller only). */
void ns_xentrace_set_max_bytes(struct ns_xentrace *w, uint64_t bytes);
/* End the trace at @end (every pCPU's current vCPU gets a CONTINUE_RUNNING
 * there, which closes its running time for xenalyze), write what is
 * buffered, rename the file into place and free @w. @stats may be NULL.
 * Fails, leaving no file, if the trace reached its size limit. */
int ns_xentrace_finish(struct ns_xentrace *w, ns_time_t end, struct ns_xentrace_stats *stats,
                       struct ns_err *err);
/* Drop the trace: no file is left. Frees @w. */
void ns_xentrace_abort(struct ns_xentrace *w);

/* ---- the xentrace reader --------------------------------------------------- */

/* One record, with its pCPU and (own or inherited) TSC. */
struct ns_xt_record {
    uint64_t offset;      /* of the record's header word in the file */
    unsigned cpu;         /* from the window's CPU-change record */
    unsigned cpu_index;   /* dense: index into ns_xt_info.cpus */
    uint32_t event;       /* 28-bit event id */
    unsigned n;           /* data words, 0..7 */
    bool has_tsc;         /* carried a TSC (otherwise inherited; 0 if none yet) */
    uint64_t tsc;
    uint32_t d[7];
};

struct ns_xt_info {
    uint64_t bytes, windows;
    unsigned nr_cpus;
    const unsigned *cpus;     /* [nr_cpus], ascending */
    uint64_t clock_hz;        /* from a numasched CLOCK record, 0 if none */
    uint64_t clock_base;
    uint64_t headers_read;    /* window headers read so far: at most 2 x windows */
};

struct ns_xt_reader;

/*
 * Open a trace (mapped, not read into memory) and check its window chain:
 * it must start with a CPU-change record, and every window must lie within
 * the file and be followed by the next CPU-change record. Records come out
 * of ns_xt_next merged across pCPUs in TSC order (ties: lower pCPU first),
 * each pCPU's in file order. Memory grows with the number of pCPUs only.
 * Errors are one line: "FILE: byte N: what".
 */
struct ns_xt_reader *ns_xt_open(const char *path, struct ns_err *err);
/* The same over a buffer the caller keeps alive; @name is for messages. */
struct ns_xt_reader *ns_xt_open_mem(const void *data, size_t len, const char *name,
                                    struct ns_err *err);
const struct ns_xt_info *ns_xt_info(const struct ns_xt_reader *r);
/* The dense index of pCPU @cpu in @info->cpus (as a record's cpu_index),
 * NS_XT_NO_INDEX if the trace has no window of that pCPU. */
#define NS_XT_NO_INDEX UINT32_MAX
unsigned ns_xt_cpu_index(const struct ns_xt_info *info, unsigned cpu);
/* 1: @rec filled; 0: end of trace; -1: a malformed record (@err says where). */
int ns_xt_next(struct ns_xt_reader *r, struct ns_xt_record *rec, struct ns_err *err);
void ns_xt_close(struct ns_xt_reader *r);

#endif
