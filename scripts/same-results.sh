#!/bin/sh
# Do two builds of numasched produce the same results on every example?
#
#   scripts/same-results.sh capture DIR [BIN]   run every example with BIN, keep the files in DIR
#   scripts/same-results.sh compare DIR [BIN]   run them again with BIN, compare byte for byte
#
# A refactoring that moves code without changing behaviour must leave every
# output of every example identical: results.json, results.csv, the xentrace
# trace, the Perfetto timeline and the `numasched place` story of the
# scenarios with placement. Capture with the binary of the commit before the
# change, compare with the one after. Each example is run for DURATION
# (default 2s) of measured time, with its own warm-up, so that the 27
# scenarios of numa2013 (60 s each as written) take minutes, not hours; every
# mechanism an example uses still runs thousands of times in that window.
# BIN defaults to build/numasched. The exit status is the number of examples
# whose files differ (0: all the same); each difference is named on a line.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

usage() {
    echo "usage: $0 capture|compare DIR [BIN]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
MODE=$1
DIR=$2
BIN=${3:-build/numasched}
DURATION=${DURATION:-2s}

# Every output of one example into $1.
run_one() {
    out=$1
    scenario=$2
    mkdir -p "$out"
    "$BIN" run "$scenario" --duration "$DURATION" --quiet --out "$out" \
        --trace "$out/trace.bin" --perfetto "$out/perfetto.json"
    "$BIN" place "$scenario" > "$out/place.txt"
}

run_all() {
    for s in examples/*.cfg examples/numa2013/*-*-*.cfg; do
        run_one "$1/$(basename "$s" .cfg)" "$s"
    done
}

case "$MODE" in
capture)
    rm -rf "$DIR"
    run_all "$DIR"
    echo "captured $(ls "$DIR" | wc -l) examples into $DIR"
    ;;
compare)
    [ -d "$DIR" ] || { echo "$0: $DIR: no captured results (run capture first)" >&2; exit 2; }
    NOW=$(mktemp -d)
    trap 'rm -rf "$NOW"' EXIT
    run_all "$NOW"
    differ=0
    for d in "$DIR"/*/; do
        name=$(basename "$d")
        if ! diff -r -q "$d" "$NOW/$name" > /dev/null; then
            diff -r -q "$d" "$NOW/$name" | sed "s|^|$name: |"
            differ=$((differ + 1))
        fi
    done
    echo "$(ls "$DIR" | wc -l) examples compared, $differ differ"
    exit "$differ"
    ;;
*)
    usage
    ;;
esac
