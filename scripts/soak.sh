#!/bin/sh
# `make soak`: the 24-node host (384 pCPUs) with 600 two-vCPU specjbb VMs
# (1,200 vCPUs) under credit, invariant checker on, for 1 and 10 minutes
# of virtual time (SOAK_MINUTES overrides the list). For each run it prints
# the wall time, the events checked and the peak resident memory, and for
# the longest one the resident memory sampled every SOAK_SAMPLE seconds of
# wall time: memory must not grow with simulated time. docs/robustness.md
# has the figures.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

BIN=${BIN:-build/numasched}
DIR=${SOAK_DIR:-build/soak}
MINUTES=${SOAK_MINUTES:-1 10}
SAMPLE=${SOAK_SAMPLE:-30}

mkdir -p "$DIR"

# The scenario: same host and VMs as `make bench`'s "24-node, 600 specjbb VMs,
# credit", written as files so that the run goes through the command line.
{
    echo '# make soak: 24 nodes, 384 pCPUs, 600 VMs of 2 vCPUs (scripts/soak.sh)'
    echo 'host  = "pack:24 [numa(memory=64GiB)] core:8 pu:2"'
    echo 'sched = "credit"'
    echo 'seed  = 1'
    echo 'duration = 60'
    printf 'domains = [ '
    i=1
    while [ $i -le 600 ]; do printf '"vm%d.cfg", ' $i; i=$((i + 1)); done
    echo ']'
} > "$DIR/soak.cfg"
i=1
while [ $i -le 600 ]; do
    printf 'name = "vm%d"\nvcpus = 2\nmemory = 960\nworkload = "specjbb"\n' $i > "$DIR/vm$i.cfg"
    i=$((i + 1))
done

# VmRSS of @pid every $SAMPLE s until it exits, as "wall_s rss_kB" lines.
sample() {
    t=0
    while kill -0 "$1" 2>/dev/null; do
        rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
        [ -n "$rss" ] && echo "$t $rss"
        sleep "$SAMPLE"
        t=$((t + SAMPLE))
    done
}

printf '%-10s %10s %14s %14s\n' "simulated" "wall" "events" "peak RSS"
for m in $MINUTES; do
    log="$DIR/run-${m}min"
    /usr/bin/time -f '%e %M' -o "$log.time" \
        "$BIN" run "$DIR/soak.cfg" --duration "${m}min" --check > "$log.out" 2> "$log.err" &
    pid=$!
    # /usr/bin/time's child is numasched: sample that one.
    sleep 1
    child=$(pgrep -P "$pid" | head -n 1 || true)
    [ -n "$child" ] && sample "$child" > "$log.rss" &
    sampler=$!
    if ! wait "$pid"; then
        echo "soak: the ${m}-minute run failed:" >&2
        cat "$log.err" >&2
        exit 1
    fi
    wait "$sampler" || true
    events=$(sed -n 's/^check: every invariant held over \([0-9]*\) events$/\1/p' "$log.out")
    read -r wall peak < "$log.time"
    printf '%-10s %9ss %14s %11s kB\n' "${m} min" "$wall" "${events:-?}" "$peak"
done

last=$(echo "$MINUTES" | awk '{ print $NF }')
echo
echo "resident memory of the ${last}-minute run (wall s, kB), every ${SAMPLE} s:"
cat "$DIR/run-${last}min.rss"
