/*
 * config internals, shared by the scenario, domain and cpupool readers: one
 * parsed file, the small value parsers, the domain and pool readers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_CONFIG_INTERNAL_H
#define NUMASCHED_CONFIG_INTERNAL_H

#include <libxlutil.h>

#include "numasched/config.h"
#include "numasched/place.h"
#include "numasched/workload.h"

/*
 * One configuration file as libxlutil parsed it, plus its text. libxlutil
 * keeps the line of every setting to itself, so errors about the *value* of
 * a key find the line by scanning the text (cfg_key_line).
 */
struct cfg_file {
    char *path;                /* as shown in messages */
    char *text;                /* the whole file, NUL-terminated */
    XLU_Config *xlu;
    FILE *report;              /* where libxlutil writes its complaints */
    char *report_buf;
    size_t report_len;
    void **lists;              /* string arrays lent to workloads (cfg_get_strings) */
    size_t nr_lists;
    const struct ns_setting *set;   /* appended after line own_lines */
    size_t nr_set;
    int own_lines;
};

/* Read and parse @path. Errors: "PATH: cannot read: ..." or libxlutil's
 * "PATH:LINE: config parsing error ..." (its first line). */
int cfg_open(struct cfg_file *f, const char *path, struct ns_err *err);
/* The same with @set read after the file's own statements, one per line. */
int cfg_open_set(struct cfg_file *f, const char *path, const struct ns_setting *set,
                 size_t nr_set, struct ns_err *err);
void cfg_close(struct cfg_file *f);
/* Fold @f's text, settings included, into the fingerprint @inputs
 * (ns_sim_spec.inputs). */
void cfg_fold_inputs(const struct cfg_file *f, uint64_t *inputs);
/* Where line @line of @f was written: the file itself, or a setting's origin. */
void cfg_origin(const struct cfg_file *f, int line, const char **file, int *origin_line);

/* Line of the last statement assigning @key ("key = ..." or "key += ..."),
 * which is the one libxlutil's getters return; 0 if there is none. */
int cfg_key_line(const struct cfg_file *f, const char *key);
/* Call @fn for every statement of the file, in order. */
typedef int (*cfg_key_fn)(void *arg, const char *key, size_t len, int line);
int cfg_each_key(const struct cfg_file *f, cfg_key_fn fn, void *arg);

/* "FILE:LINE: KEY: message" about @key of @f. Returns -1. */
int cfg_fail(const struct cfg_file *f, const char *key, struct ns_err *err,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A name (of a domain, a cpupool) must be printable text: valid UTF-8 without
 * control characters. Else -1, naming the first bad byte. */
int cfg_check_name(const struct cfg_file *f, const char *key, const char *name,
                   struct ns_err *err);
/* Wrap an error that knows nothing of files (@inner) with @f, @key's line and @key. */
int cfg_wrap(const struct cfg_file *f, const char *key, struct ns_err *err,
             const struct ns_err *inner);

/*
 * Getters. Each returns 0 when the key is there, 1 when it is absent (out
 * untouched), -1 on a bad value (err names file, line and key). libxlutil
 * keeps numbers as text, so "2" and 2 read the same.
 */
bool cfg_has(const struct cfg_file *f, const char *key);
bool cfg_is_list(const struct cfg_file *f, const char *key);
int cfg_get_string(const struct cfg_file *f, const char *key, const char **out,
                   struct ns_err *err);
/* An integer as xl reads one (decimal, 0x hex, 0 octal), within [min, max]. */
int cfg_get_long(const struct cfg_file *f, const char *key, long min, long max,
                 long *out, struct ns_err *err);
int cfg_get_number(const struct cfg_file *f, const char *key, double *out,
                   struct ns_err *err);
int cfg_get_duration(const struct cfg_file *f, const char *key, ns_time_t *out,
                     struct ns_err *err);
int cfg_get_list(const struct cfg_file *f, const char *key, XLU_ConfigList **list,
                 int *n, struct ns_err *err);
/* A list whose elements are all single values; the array lives until cfg_close. */
int cfg_get_strings(struct cfg_file *f, const char *key, size_t *n,
                    const char *const **items, struct ns_err *err);

/* "a, b, c" from a NULL-terminated list, cut to fit @cap; returns @buf. */
const char *cfg_join(const char *const *names, char *buf, size_t cap);

/* The ns_params through which a workload reads its keys from @f. */
void cfg_params(struct cfg_file *f, struct ns_params *p);

/* A node list: "N", "N-M", "^N", "all", comma-separated, over t->nr_nodes. */
int cfg_nodelist_parse(const char *s, const struct ns_topo *t, struct ns_mask *out,
                       struct ns_err *err);
/* A memory size: MiB as a bare number, or with a unit (B, KiB, MiB, GiB,
 * TiB, and the powers of 1000 kB, MB, GB, TB). */
int cfg_size_parse(const char *s, uint64_t *bytes, struct ns_err *err);

/*
 * Read a domain file into @d (zeroed by the caller). @others are the domains
 * loaded before it: its name must differ from theirs and its memory must fit
 * in what they left of the host. Domain-0 (@dom0) gets its name forced, one
 * vCPU per pCPU and the idle workload by default. On failure @d is empty
 * (ns_domain_spec_free frees everything it may hold).
 */
struct cfg_domain_ctx {
    const struct ns_topo *topo;
    bool dom0;
    const struct ns_domain_spec *others;
    size_t nr_others;
    const struct ns_sim_spec *spec;   /* its pools, for `pool` */
    const struct ns_setting *set;     /* after the file's own (ns_overrides.guest) */
    size_t nr_set;
    unsigned number;                  /* > 0: the domain is named NAME-number */
    const char *workload;             /* a guest's default workload (NULL: "cpu") */
    uint64_t *inputs;                 /* the fingerprint its file is folded into */
    const struct ns_param_value *params;  /* --set: WORKLOAD.KEY wins over the file */
    size_t nr_params;
};
int cfg_domain_load(const char *path, const struct cfg_domain_ctx *ctx,
                    struct ns_domain_spec *d, struct ns_err *err);

/* The value of the last of @set naming @key of @workload ("lmbench-proc.mem_stall",
 * params.c), or NULL. */
const char *cfg_workload_param(const struct ns_param_value *set, size_t n, const char *workload,
                               const char *key);

/* A path named in the scenario, relative to its folder @dir; malloc'd. */
char *cfg_scenario_path(const char *dir, const char *rel);
/* tslice_ms, ratelimit_us, migration_delay_us of @f into @params (kept when absent). */
int cfg_sched_params(const struct cfg_file *f, struct ns_sched_params *params,
                     struct ns_err *err);

/*
 * cpupools (pool.c): the scenario's `pools` files or `cpupool_numa_split`,
 * after Pool-0 exists and before the domains are read. After a numa split
 * (*numa_split_done) and once the domains are read, cfg_pools_settle_dom0
 * offlines the dom0 vCPUs beyond Pool-0's pCPUs, as the split does.
 */
int cfg_pools_load(struct cfg_file *scenario, const char *dir, struct ns_sim_spec *s,
                   bool *numa_split_done, struct ns_err *err);
void cfg_pools_settle_dom0(struct ns_sim_spec *s);

#endif
