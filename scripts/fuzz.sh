#!/bin/sh
# The libFuzzer harnesses of fuzz/ (built by `make fuzz` into build/fuzz/).
#
#   scripts/fuzz.sh run HARNESS...       each for $FUZZ_SECONDS (60) seconds;
#                                        exit 1 on any crash, leak, hang,
#                                        out-of-memory or sanitizer report
#   scripts/fuzz.sh minimize HARNESS...  merge what runs found into the
#                                        committed corpora, minimised
#
# Three corpora per harness: fuzz/corpus/NAME (committed, minimised, read
# only while fuzzing), build/fuzz/seeds/NAME (made here from examples/,
# topologies/ and test inputs) and build/fuzz/corpus/NAME (where a run adds
# what it finds). A run never touches the committed files; `minimize` does.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

MODE=$1
shift
BIN=${BIN:-build/numasched}
FUZZ=build/fuzz
SECS=${FUZZ_SECONDS:-60}

# ---- seeds ----------------------------------------------------------------------

# A scenario and the files it names, as one fuzz_config bundle (fuzz/fuzz_config.c):
# the files by their base names, introduced by "#@ NAME" lines.
bundle() {
    dir=$(dirname "$1")
    refs=$(grep -v '^[[:space:]]*#' "$1" | grep -o '"[^" ]*"' | tr -d '"' | sort -u)
    edits=""
    for r in $refs; do
        [ -f "$dir/$r" ] || continue
        b=$(basename "$r")
        edits="$edits -e s|\"$r\"|\"$b\"|g"
    done
    # shellcheck disable=SC2086
    sed -e '' $edits "$1"
    for r in $refs; do
        [ -f "$dir/$r" ] || continue
        printf '#@ %s\n' "$(basename "$r")"
        cat "$dir/$r"
    done
}

# A small XML export of a synthetic host.
xml_of() {
    lstopo-no-graphics -i "$1" --of xml "$2" 2>/dev/null
}

seed_fuzz_config() {
    for s in examples/*.cfg examples/numa2013/*-2-*.cfg; do
        bundle "$s" > "$1/$(echo "$s" | tr / _)"
    done
    xml_of "pack:2 [numa(memory=2GiB)] core:2 pu:2" "$1/.h.xml"
    { printf 'host = "h.xml"\nduration = 1\ndomains = [ "vm1.cfg" ]\n'
      printf '#@ vm1.cfg\nname = "vm1"\nvcpus = 2\nmemory = 512\ncpus = "0-3,^2"\n'
      printf 'cpus_soft = [ "node:1", "nodes:0-1" ]\nworkload = "idle"\n#@ h.xml\n'
      cat "$1/.h.xml"; } > "$1/xml-host"
    rm -f "$1/.h.xml"
}

seed_fuzz_values() {
    i=0
    for v in "0-3,^2" "node:1" "nodes:0-1" "all" "all,^node:1" "0, 2-3" "^1" "5-1" \
             "500ms" "30s" "1.5s" "2min" "1h" "100us" "10ns" "0.1s" "6GiB" "6144MiB" \
             "960" "1.5TB" "4.3" "4.22" "current" "2.4G" "2400M" "1000000000"; do
        for host in 1 3; do
            printf "\\00$host%s" "$v" > "$1/v$i-$host"
        done
        i=$((i + 1))
    done
}

seed_fuzz_topo() {
    for x in topologies/*.xml test/data/*.xml; do
        cp "$x" "$1/"
    done
    xml_of "pack:2 [numa(memory=1GiB)] core:2 pu:2" "$1/small-2n.xml"
    xml_of "pack:4 [numa(memory=1GiB)] [numa(memory=1GiB)] pu:2" "$1/small-8n.xml"
}

seed_fuzz_synthetic() {
    i=0
    for s in "pack:2 [numa(memory=6GiB)] core:4 pu:2" "pack:24 [numa(memory=64GiB)] core:8 pu:2" \
             "numa:2 core:4 pu:2" "pu:4" "2 2 2" "pack:2 [numa] [numa] pu:2" \
             "pack:2(indexes=1,0) core:2 pu:2(indexes=0,2,1,3)" "pack:64 [numa] pu:1"; do
        printf '%s' "$s" > "$1/s$i"
        i=$((i + 1))
    done
}

seed_fuzz_csv() {
    i=0
    for f in examples/numa2013/published.csv; do
        while IFS= read -r line; do
            printf '%s' "$line" > "$1/l$i"
            i=$((i + 1))
        done < "$f"
    done
    printf 'pair,w,2,"numa, soft vs none",10.0,5.0,yes,5.0' > "$1/quoted"
    printf '"web ""prod"",eu",,x' > "$1/escaped"
}

seed_traces() {
    for ex in idle lmbench-proc phases; do
        "$BIN" run "examples/$ex.cfg" --duration 2ms --quiet --trace "$1/seed-$ex"
    done
}
seed_fuzz_reader() { seed_traces "$1"; }
seed_fuzz_analyze() { seed_traces "$1"; }

# ---- per harness ------------------------------------------------------------------

max_len() {
    case "$1" in
    fuzz_topo) echo 131072 ;;
    *) echo 16384 ;;
    esac
}

run() {
    h=$1
    seeds=$FUZZ/seeds/$h
    if [ ! -d "$seeds" ]; then
        mkdir -p "$seeds.tmp"
        "seed_$h" "$seeds.tmp"
        mv "$seeds.tmp" "$seeds"
    fi
    mkdir -p "$FUZZ/corpus/$h" "fuzz/corpus/$h"
    rm -f "$FUZZ/$h"-crash-* "$FUZZ/$h"-leak-* "$FUZZ/$h"-timeout-* "$FUZZ/$h"-oom-*
    echo "fuzz: $h for $SECS s"
    # stdin from /dev/null: nothing may wait for a terminal. Exit status is
    # libFuzzer's: non-zero on a crash, leak, timeout (a hang), out of memory
    # or a sanitizer report (UBSan does not recover: see FUZZ_CFLAGS).
    if ! LSAN_OPTIONS=suppressions=fuzz/lsan.supp "$FUZZ/$h" -max_total_time="$SECS" -max_len="$(max_len "$h")" -timeout=30 \
            -rss_limit_mb=2560 -print_final_stats=1 -close_fd_mask=3 \
            -artifact_prefix="$FUZZ/$h-" \
            "$FUZZ/corpus/$h" "fuzz/corpus/$h" "$seeds" < /dev/null > "$FUZZ/$h.log" 2>&1; then
        tail -n 60 "$FUZZ/$h.log"
        echo "fuzz: $h FOUND SOMETHING (log: $FUZZ/$h.log, input: $FUZZ/$h-*)" >&2
        return 1
    fi
    grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$FUZZ/$h.log" |
        sed "s/^/fuzz: $h: /"
}

# Merge everything found into the committed corpus, minimised: libFuzzer
# keeps an input only if it adds coverage. The seeds go first and are then
# left out: they are made again from the source tree at every run.
minimize() {
    h=$1
    seeds=$FUZZ/seeds/$h
    fresh=$FUZZ/merge-$h
    rm -rf "$fresh"
    mkdir -p "$fresh" "$FUZZ/corpus/$h" "fuzz/corpus/$h" "$seeds"
    cp "$seeds"/* "$fresh"/ 2>/dev/null || true
    LSAN_OPTIONS=suppressions=fuzz/lsan.supp "$FUZZ/$h" -merge=1 -max_len="$(max_len "$h")" \
        -timeout=30 -rss_limit_mb=2560 -close_fd_mask=3 \
        "$fresh" "fuzz/corpus/$h" "$FUZZ/corpus/$h" < /dev/null > "$FUZZ/$h.merge.log" 2>&1
    for f in "$seeds"/*; do
        [ -e "$f" ] && rm -f "$fresh/$(basename "$f")"
    done
    rm -rf "fuzz/corpus/$h"
    mv "$fresh" "fuzz/corpus/$h"
    echo "fuzz: $h: $(ls "fuzz/corpus/$h" | wc -l) inputs beyond the seeds," \
         "$(du -sk --apparent-size "fuzz/corpus/$h" | cut -f1) KiB"
}

status=0
for h in "$@"; do
    "$MODE" "$h" || status=1
done
exit $status
