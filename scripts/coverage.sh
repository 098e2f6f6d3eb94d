#!/bin/sh
# `make coverage`: run the test suite on the gcov build in $COV_DIR (the
# library tests and, through $NUMASCHED, the command-line tests), then print
# the line and branch coverage of each part of src/ and of src/ as a whole.
# Counts from an earlier run are removed first, so the figures are this
# run's. The suite must pass: coverage of a failing suite means nothing.
# build/cov/coverage.info holds the counts per line for genhtml or an editor.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

COV_DIR=${COV_DIR:-build/cov}
INFO=$COV_DIR/coverage.info

find "$COV_DIR" -name '*.gcda' -delete
NUMASCHED=$COV_DIR/numasched "$COV_DIR/numasched-tests" --jobs 2 >&2
lcov --quiet --capture --rc lcov_branch_coverage=1 --directory "$COV_DIR/obj/src" \
     --base-directory . --output-file "$INFO.all" 2>/dev/null
lcov --quiet --rc lcov_branch_coverage=1 --extract "$INFO.all" "$PWD/src/*" \
     --output-file "$INFO"
rm -f "$INFO.all"

# One row per part (the folder under src/), from lcov's per-file records:
# LF/LH lines found/hit, BRF/BRH branches found/hit.
awk -F: '
    $1 == "SF"  { n = split($2, dirs, "/"); part = dirs[n - 1]; parts[part] = 1 }
    $1 == "LF"  { lf[part] += $2; LF += $2 }
    $1 == "LH"  { lh[part] += $2; LH += $2 }
    $1 == "BRF" { bf[part] += $2; BF += $2 }
    $1 == "BRH" { bh[part] += $2; BH += $2 }
    function pct(h, f) { return f ? sprintf("%5.1f %%", 100 * h / f) : "    -  " }
    function row(name, a, b, c, d) {
        printf "%-10s %s %11s   %s %11s\n", name, pct(a, b), a "/" b, pct(c, d), c "/" d }
    END {
        printf "%-10s %-19s   %-19s\n", "part", "lines", "branches"
        k = 0
        for (name in parts) names[++k] = name
        for (i = 2; i <= k; i++)            # insertion sort: awk has no sort
            for (j = i; j > 1 && names[j - 1] > names[j]; j--) {
                t = names[j]; names[j] = names[j - 1]; names[j - 1] = t }
        for (i = 1; i <= k; i++) row(names[i], lh[names[i]], lf[names[i]], bh[names[i]], bf[names[i]])
        row("src/", LH, LF, BH, BF)
    }' "$INFO"
