#!/bin/sh
# `make check-arrows`: do the dependencies point one way?
#
# 1. Parts. Every part has a rank, lowest first (docs/architecture.md); a
#    file of a part (src/PART/*, include/numasched/PART.h) may include its
#    own part's headers and those of parts ranked strictly lower, never a
#    higher or an equal one. With strict ranks no two parts can form a cycle.
#    A part missing from the list below is reported: add it where it
#    belongs.
# 2. The engine's chain. src/engine's files call down one way:
#        engine.c -> guest.c -> core.c -> progress.c -> tracing.c
#    so no file calls a function of a file above it (by the prefix each
#    file gives its functions: guest_, core_, progress_, etr_).
#
# Prints each wrong arrow on a line; the exit status is their number.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

rank() {
    case $1 in
    util) echo 0 ;;
    topo) echo 1 ;;
    host | trace | sched) echo 2 ;;
    workload) echo 3 ;;
    spec | results) echo 4 ;;
    place | engine) echo 5 ;;
    config | report) echo 6 ;;
    runner) echo 7 ;;
    advise) echo 8 ;;
    cli) echo 9 ;;
    *) echo unknown ;;
    esac
}

bad=0
complain() {
    echo "$1"
    bad=$((bad + 1))
}

# The part of a public header: its name, but for the parts with several.
part_of_header() {
    case $1 in
    xentrace | perfetto) echo trace ;;
    *) echo "$1" ;;
    esac
}

# The part a path belongs to: include/numasched/X.h -> X, src/X/... -> X.
part_of_file() {
    case $1 in
    include/numasched/*) part_of_header "$(basename "$1" .h)" ;;
    src/*) echo "$1" | cut -d/ -f2 ;;
    esac
}

# The part an include names, seen from a file of part $2.
part_of_include() {
    case $1 in
    numasched/*) part_of_header "$(basename "$1" .h)" ;;
    */*) echo "$1" | cut -d/ -f1 ;;
    *) echo "$2" ;;
    esac
}

for f in include/numasched/*.h src/*/*.c src/*/*.h; do
    p=$(part_of_file "$f")
    rp=$(rank "$p")
    [ "$rp" != unknown ] || { complain "$f: part $p is not in scripts/check-arrows.sh"; continue; }
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
        q=$(part_of_include "$inc" "$p")
        [ "$q" = "$p" ] && continue
        rq=$(rank "$q")
        if [ "$rq" = unknown ]; then
            complain "$f: includes $inc, of part $q, which is not in scripts/check-arrows.sh"
        elif [ "$rq" -ge "$rp" ]; then
            complain "$f: part $p (rank $rp) includes $inc of part $q (rank $rq)"
        fi
    done
done

# The engine's chain: a file must not call the functions of the files above it.
calls_up() {
    file=src/engine/$1
    shift
    for prefix in "$@"; do
        grep -n "\b${prefix}_[a-z_]*(" "$file" | sed "s|^|$file:|; s|\$|  (calls up: ${prefix}_)|"
    done
}
ups=$( (calls_up tracing.c progress core guest
        calls_up progress.c core guest
        calls_up core.c guest) || true)
if [ -n "$ups" ]; then
    printf '%s\n' "$ups"
    bad=$((bad + $(printf '%s\n' "$ups" | wc -l)))
fi

[ "$bad" -eq 0 ] && echo "arrows: every include and every engine call points down"
exit "$bad"
