#!/bin/sh
# `make check-valgrind`: valgrind's memcheck over what users run, on a build
# without sanitizers ($BIN, build/debug/numasched): every example scenario
# (examples/*.cfg and the 27 of examples/numa2013, 20 ms measured), with
# --check, --trace and --perfetto, --determinism-check, `place`, `topo` on
# every XML host, `analyze` of a trace, and refusals (a malformed scenario,
# the XML topology hwloc crashes on). Clean means no memcheck error and no
# definitely lost block in any run; still-reachable blocks (hwloc's plugin
# table, libxml2's globals) are left alone. Logs: build/valgrind/.
#
# The hwloc guard's children (src/topo/guard.c) are silent here: the one
# that loads test/data/hwloc-crash.xml crashes inside hwloc on purpose, and
# the parent repeats every load that succeeded in a child, so hwloc's work
# is still checked.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

BIN=${BIN:-build/debug/numasched}
OUT=build/valgrind
JOBS=${JOBS:-2}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/failed

# One line per run: a name for the log, then the arguments to numasched,
# all separated by '|' (arguments may hold blanks).
list() {
    for s in examples/*.cfg examples/numa2013/*-*-*.cfg; do
        echo "run-$(basename "$s" .cfg)|run|$s|--duration|20ms|--quiet|--check"
    done
    echo "determinism|run|examples/cpupools.cfg|--duration|20ms|--quiet|--determinism-check"
    echo "place|place|examples/placement-10vm.cfg"
    for x in topologies/*.xml; do
        echo "topo-$(basename "$x" .xml)|topo|$x|--json"
    done
    echo "topo-synthetic|topo|pack:24 [numa(memory=64GiB)] core:8 pu:2"
    echo "refuse-hwloc-crash|topo|test/data/hwloc-crash.xml"
    echo "refuse-scenario|run|test/data/hwloc-crash.xml"
}

# Run one line of list(); what counts is valgrind's verdict, not numasched's
# exit status (the refusals exit 1 on purpose).
one() {
    name=$1
    shift
    set +e
    valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --child-silent-after-fork=yes --log-file="$OUT/$name.log" "$BIN" "$@" \
        > /dev/null 2> "$OUT/$name.stderr"
    rc=$?
    set -e
    if [ $rc -eq 99 ] || [ -s "$OUT/$name.log" ]; then
        echo "$name" >> "$OUT/failed"
        echo "valgrind: $name: errors (see $OUT/$name.log)" >&2
    else
        echo "valgrind: $name: clean"
    fi
}

# The lines of $OUT/list whose number is @job modulo $JOBS.
worker() {
    awk -v j="$1" -v n="$JOBS" '(NR - 1) % n == j' "$OUT/list" | while read -r line; do
        IFS='|'
        # shellcheck disable=SC2086
        set -- $line
        unset IFS
        one "$@"
    done
}

# `analyze` reads the trace the "traces" run writes: those two first.
one traces run examples/specjbb-2node.cfg --duration 20ms --quiet --trace "$OUT/t.bin" \
    --perfetto "$OUT/t.json" --out "$OUT/results"
one analyze analyze "$OUT/t.bin"
list > "$OUT/list"
j=0
while [ $j -lt "$JOBS" ]; do
    worker $j &
    j=$((j + 1))
done
wait

runs=$(ls "$OUT"/*.log | wc -l)
if [ -s "$OUT/failed" ]; then
    echo "valgrind: $(wc -l < "$OUT/failed") of $runs runs FAILED: $(tr '\n' ' ' < "$OUT/failed")" >&2
    exit 1
fi
echo "valgrind: all $runs runs clean: no memcheck error, no definite leak"
