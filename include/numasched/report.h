/*
 * report: what a run produced, for people and for programs: a summary on a
 * terminal, results.json and results.csv. Files are written atomically.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef NUMASCHED_REPORT_H
#define NUMASCHED_REPORT_H

#include "numasched/engine.h"

void ns_report_summary(const struct ns_results *r, FILE *out);
int ns_report_write_json(const struct ns_results *r, const char *path, struct ns_err *err);
int ns_report_write_csv(const struct ns_results *r, const char *path, struct ns_err *err);
/* Both files into @dir (created if missing). */
int ns_report_write_dir(const struct ns_results *r, const char *dir, struct ns_err *err);

#endif
