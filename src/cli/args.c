/*
 * The command line of every command, read one way: options through
 * getopt_long, each handed to the command, then exactly one operand; and the
 * values several commands take (durations, counts, TSC rates) checked alike,
 * so that each command answers a misused command line with the same kind of
 * line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numasched/config.h"
#include "numasched/xentrace.h"

int cli_parse(const struct cli_args *a, int argc, char **argv, void *ctx, const char **operand)
{
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", a->opts, NULL)) != -1) {
        if (c == 'h') {
            a->help(stdout);
            return CLI_HELP;
        }
        if (c == ':')
            return cli_misuse(a->cmd, "%s needs a value", argv[optind - 1]);
        if (c == '?')
            return cli_misuse(a->cmd, "unknown option %s", argv[optind - 1]);
        if ((rc = a->option(ctx, c, optarg)) != CLI_OK)
            return rc;
    }
    if (optind >= argc)
        return cli_misuse(a->cmd, "needs %s", a->operand);
    if (optind != argc - 1)
        return cli_misuse(a->cmd, "takes %s only", a->operand);
    *operand = argv[optind];
    return CLI_OK;
}

int cli_opt_duration(const char *cmd, const char *opt, const char *val, bool zero_ok,
                     ns_time_t *out)
{
    struct ns_err err;

    if (ns_duration_parse(val, out, &err) < 0)
        return cli_misuse(cmd, "%s: %s", opt, err.msg);
    if (*out == 0 && !zero_ok)
        return cli_misuse(cmd, "%s %s: must be longer than 0", opt, val);
    return CLI_OK;
}

int cli_opt_count(const char *cmd, const char *opt, const char *val, unsigned lo, unsigned hi,
                  unsigned *out)
{
    char *end;

    errno = 0;
    unsigned long v = strtoul(val, &end, 10);
    if (val[0] < '0' || val[0] > '9' || *end || errno || v < lo || v > hi)
        return cli_misuse(cmd, "%s wants a number from %u to %u, not \"%s\"", opt, lo, hi, val);
    *out = (unsigned)v;
    return CLI_OK;
}

int cli_opt_hz(const char *cmd, const char *opt, const char *val, uint64_t *out)
{
    struct ns_err err;

    if (ns_trace_parse_hz(val, out, &err) < 0)
        return cli_misuse(cmd, "%s: %s", opt, err.msg);
    return CLI_OK;
}

int cli_fail(const struct ns_err *err)
{
    fprintf(stderr, "numasched: %s\n", err->msg);
    return CLI_BAD_INPUT;
}

/* A value is checked by setting it in a scratch spec: the same code as the runs. */
int cli_opt_set(const char *cmd, const char *arg, struct ns_param_value **set, size_t *n)
{
    const char *eq = strchr(arg, '=');
    struct ns_sim_spec scratch = {0};
    struct ns_err err;

    if (!eq || eq == arg)
        return cli_misuse(cmd, "--set %s: want KEY=VALUE", arg);
    char *name = ns_xstrdup(arg);       /* the value lives in the same copy */
    name[eq - arg] = '\0';
    if (ns_config_param_set(&scratch, name, name + (eq - arg) + 1, &err) < 0) {
        free(name);
        return cli_misuse(cmd, "--set: %s", err.msg);
    }
    *set = ns_xrealloc(*set, (*n + 1) * sizeof(**set));
    (*set)[(*n)++] = (struct ns_param_value){name, name + (eq - arg) + 1};
    return CLI_OK;
}

void cli_set_free(struct ns_param_value *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)set[i].name);
    free(set);
}

int cli_batch_status(const char *cmd, int rc, const struct ns_err *err, const char *stopped)
{
    if (rc > 0) {
        fprintf(stderr, "numasched %s: stopped by signal %d (%s)%s%s\n", cmd, rc, strsignal(rc),
                stopped ? "; " : "", stopped ? stopped : "");
        return 128 + rc;
    }
    if (rc < 0) {
        fprintf(stderr, "numasched %s: %s\n", cmd, err->msg);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

int cli_misuse(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "numasched %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see numasched %s --help)\n", cmd);
    return CLI_USAGE;
}
