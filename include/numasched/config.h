/*
 * config: scenario files, xl.cfg domain files and xlcpupool.cfg pool files,
 * all read with libxlutil (the parser xl itself uses), and the xl cpu-list
 * syntax. The result is a struct ns_sim_spec ready for the engine.
 *
 * Every error is one line naming the file, the line where known, and the key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_CONFIG_H
#define NUMASCHED_CONFIG_H

#include "numasched/spec.h"

/* A model parameter set on the command line: "remote_ratio", "1.5". */
struct ns_param_value {
    const char *name, *value;
};

/*
 * A setting that replaces a file's own: its statement is read as if it
 * ended the file, and libxlutil answers a key's last assignment. That is
 * how a sweep varies a scenario without writing scenario files. Errors
 * about the key name @file and @line, where the setting was written.
 */
struct ns_setting {
    const char *stmt;               /* one xl.cfg statement on one line: sched = "rr" */
    const char *file;
    int line;
};

/* What the command line or a sweep may override in a scenario. */
struct ns_overrides {
    bool has_seed, has_duration;
    uint64_t seed;
    ns_time_t duration;
    const struct ns_param_value *params;   /* applied after the scenario's own keys */
    size_t nr_params;
    const struct ns_setting *scenario;  /* after the scenario file's own */
    size_t nr_scenario;
    const struct ns_setting *guest;     /* after every guest domain file's own */
    size_t nr_guest;
    /* Guest K (from 1) is named NAME-K: one template listed N times in
     * `domains` gives N guests with distinct names. */
    bool number_guests;
    /* The workload of a guest whose file has no `workload` key (an
     * operator's own xl.cfg); NULL: "cpu". */
    const char *workload;
};

/*
 * The model parameters by name (src/config/params.c): the host model's
 * (remote_ratio, wake_us, ... as docs/model.md names them, times in the unit
 * their name ends with), create_gap in seconds, dom0_memory = xen or
 * striped, and a workload's key for every guest that runs it
 * (lmbench-proc.mem_stall: applied as the domain files are read, so here it
 * is only checked). Set one in @s, or read its documented range.
 */
int ns_config_param_set(struct ns_sim_spec *s, const char *name, const char *value,
                        struct ns_err *err);
int ns_config_param_range(const char *name, double *lo, double *hi, struct ns_err *err);

/*
 * Load @path and the files it names into @out (zeroed by the caller): the
 * host, Pool-0 and the cpupools, the domains in creation order. Loading
 * only parses: no domain has its memory yet (memory_kb_per_node is NULL)
 * until ns_place_spec (place.h) creates the domains, placement and
 * allocation included. To run a scenario, use ns_config_create.
 */
int ns_config_load(const char *path, const struct ns_overrides *ov,
                   struct ns_sim_spec *out, struct ns_err *err);

/*
 * What `numasched run` does with a scenario: load it, then create its
 * domains as `xl create` would, placement included (ns_place_spec). Every
 * program that runs a scenario as written goes through here, so none can
 * forget the placement its scenario asks for. @report may be NULL (see
 * ns_place_spec). On failure @out is freed.
 */
struct ns_place_report;
int ns_config_create(const char *path, const struct ns_overrides *ov,
                     struct ns_sim_spec *out, struct ns_place_report *report,
                     struct ns_err *err);

/* ---- sweep files (src/config/sweep.c) ---- */

/*
 * A sweep file: a base scenario, axes, seeds. Every combination of one
 * value per axis (or each listed combination) is a point; a point is the
 * base scenario with its values as settings (struct ns_setting), each
 * reported in errors at its axis's line of the sweep file. A file axis
 * instead picks the point's scenario file: its values replace {KEY} in
 * the `scenario` path.
 */
enum ns_axis_kind {
    NS_AXIS_SCENARIO,               /* scenario_KEY = [ ... ]: a scenario key */
    NS_AXIS_GUEST_KEY,              /* domain_KEY = [ ... ]: a key of every guest */
    NS_AXIS_GUESTS,                 /* guests = [ ... ]: guests made from `template` */
    NS_AXIS_FILE,                   /* file_KEY = [ ... ]: {KEY} of the scenario's path */
};

struct ns_sweep_axis {
    enum ns_axis_kind kind;
    char *name;                     /* its column: "sched", "domain_vcpus", "guests" */
    char *key;                      /* the key it sets: "sched", "vcpus", "domains" */
    char **value;                   /* as written, without quotes */
    size_t nr_values;
    int line;
};

/* The roles of the axes in the experiment tables (report.h, ns_exp_axes). */
enum { NS_REL_WORKLOAD, NS_REL_VMS, NS_REL_POLICY, NS_NR_REL };

struct ns_sweep {
    char *file;
    char *dir;                      /* the sweep file's folder */
    char *scenario;                 /* the base as written, relative to dir; {KEY}: a file axis */
    int scenario_line;
    char *template;                 /* for guests, as `domains` names a file */
    char *point_name;               /* each point's name, with {AXIS}; NULL: pN */
    char *summary;                  /* one line saying what the sweep is; NULL: none */
    uint64_t *seed;
    size_t nr_seeds;
    struct ns_sweep_axis *axis;     /* in the file's order: axis 0 is the plots' x */
    size_t nr_axes;
    size_t *listed;                 /* [nr_listed * nr_axes] value indices; NULL: all */
    size_t nr_listed;
    /* relations = [ W, V, P ]: the experiment tables instead of the sweep's,
     * with axis W the workload, V the number of guests, P the policy. */
    bool relations;
    size_t rel_axis[NS_NR_REL];
    char *subject;                  /* the value of P compared against the others */
    char *published;                /* measurements to compare with, relative to the
                                       current folder; NULL: none */
};

/* Read a sweep file (errors name the file, line and key). */
int ns_sweep_load(const char *path, struct ns_sweep *out, struct ns_err *err);
void ns_sweep_free(struct ns_sweep *s);
size_t ns_sweep_nr_points(const struct ns_sweep *s);
/* The value index of each axis at point @p ([nr_axes]); the cartesian
 * product is numbered row-major, the last axis fastest. */
void ns_sweep_point(const struct ns_sweep *s, size_t p, size_t *idx);
/* Point @p's scenario file, relative to the current folder (malloc'd). */
char *ns_sweep_scenario(const struct ns_sweep *s, size_t p);
/* Point @p's name (malloc'd): point_name with its values, else "pN". */
char *ns_sweep_point_name(const struct ns_sweep *s, size_t p);
/* The overrides that make point @p of the base scenario; free with
 * ns_sweep_overrides_free. Seed and duration are left to the caller. */
void ns_sweep_overrides(const struct ns_sweep *s, size_t p, struct ns_overrides *ov);
void ns_sweep_overrides_free(struct ns_overrides *ov);

/*
 * Parse an xl cpu-list string into @out (initialised, nr_pcpus bits):
 * "N", "N-M", "^N", "all", "node:N", "nodes:N-M", comma-separated, applied
 * left to right to an empty mask; blanks around an item are allowed. On
 * error @err gets the message (without file/line/key, which the caller
 * adds). An empty result is not an error here: callers decide.
 */
int ns_cpulist_parse(const char *s, const struct ns_topo *t, struct ns_mask *out,
                     struct ns_err *err);

/* Parse a duration: a number of seconds, or a string with a unit
 * ("500ms", "30s", "2min", "1h", "100us", "10ns", "1.5s"), read exactly
 * (no binary rounding). 0 is accepted; negative values and anything over
 * 1,000,000 s are refused. */
int ns_duration_parse(const char *s, ns_time_t *out, struct ns_err *err);

/* A Xen version as scenarios name one: "4.2" .. "4.22" -> 402 .. 422,
 * "current" -> 422. */
int ns_xen_version_parse(const char *s, unsigned *out, struct ns_err *err);

#endif
