#!/bin/sh
# `make check-xenalyze`: Xen's own xenalyze reads numasched's traces and
# finds the same runstate times as `numasched analyze` (which the test suite
# matches to results.json).
#
# Debian 12 packages xentrace but not xenalyze, so xenalyze is built here
# from Debian's source package of Xen (apt-get source, from the Debian
# archive this machine's apt sources already name; xenalyze.c and mread.c
# are all it needs, with Xen's public trace.h), once, into build/xenalyze/.
# Then for each scenario below: a 1 s run with --trace,
# `xenalyze --cpu-hz=2.4G -s` on it (under timeout: xenalyze can spin on a
# bad record), and a comparison, per domain, vCPU and runstate, of xenalyze's total (count x
# average cycles) with analyze's nanoseconds. They must agree within
# xenalyze's rounding: its average is an integer number of cycles (less than
# one cycle per interval lost), each end of an interval is a nanosecond
# rounded to a tick (less than one more), and a tie between pCPUs nudges a
# record one tick (one at each end): under 4 cycles per interval, and a tick
# at each end of the trace. xenalyze must exit 0 and print no FATAL, Strange
# or WARNING line.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

BIN=${BIN:-build/numasched}
DIR=build/xenalyze
HZ=2400000000
mkdir -p "$DIR"

# ---- xenalyze from Debian's source of Xen ----------------------------------------

# The deb-src line of the Debian release this machine runs, derived from the
# archive its own apt sources already use for that release (apt-get
# indextargets lists them), so that the source comes from wherever this
# machine gets its packages, mirror or proxy, and this script names no host.
debian_source_entry() {
    . /etc/os-release
    uri=$(apt-get indextargets --format '$(ORIGIN)|$(RELEASE)|$(REPO_URI)' 'Created-By: Packages' |
          awk -F'|' -v rel="${VERSION_CODENAME:-}" '$1 == "Debian" && $2 == rel { print $3; exit }')
    if [ -z "$uri" ]; then
        echo "xenalyze.sh: no Debian ${VERSION_CODENAME:-?} archive among this machine's apt" \
             "sources (apt-get indextargets); add one to fetch Xen's source" >&2
        exit 1
    fi
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri" \
         "$VERSION_CODENAME main"
}

fetch_xen_source() {
    src=$DIR/apt
    mkdir -p "$src/lists/partial"
    debian_source_entry > "$src/sources.list"
    apt="-o Dir::Etc::SourceList=$PWD/$src/sources.list -o Dir::Etc::SourceParts=/dev/null
         -o Dir::State::Lists=$PWD/$src/lists"
    # shellcheck disable=SC2086
    apt-get -qq $apt update >&2
    # shellcheck disable=SC2086
    (cd "$src" && apt-get -qq $apt source --download-only xen >/dev/null 2>&1)
    ls "$src"/xen_*.orig.tar.xz
}

build_xenalyze() {
    [ -x "$DIR/xenalyze" ] && return 0
    command -v xz >/dev/null 2>&1 || { echo "xenalyze.sh: needs xz-utils" >&2; exit 1; }
    tarball=$(fetch_xen_source)
    rm -rf "$DIR/src"
    mkdir -p "$DIR/src"
    tar -xf "$tarball" -C "$DIR/src" --strip-components=1 --wildcards \
        '*/tools/xentrace/*' '*/tools/include/xen-tools/*' '*/xen/include/public/trace.h'
    mkdir -p "$DIR/src/inc/xen"
    cp "$DIR/src/xen/include/public/trace.h" "$DIR/src/inc/xen/"
    # Xen's own code, built as Xen builds it: its warnings are not ours.
    cc -O2 -w -D__XEN_TOOLS__ -I"$DIR/src/inc" -I"$DIR/src/tools/include" \
        "$DIR/src/tools/xentrace/xenalyze.c" "$DIR/src/tools/xentrace/mread.c" \
        -o "$DIR/xenalyze.tmp"
    mv "$DIR/xenalyze.tmp" "$DIR/xenalyze"
    echo "xenalyze: built from $(basename "$tarball")"
}

# ---- one scenario ------------------------------------------------------------------

# "dom vcpu state cycles count" from xenalyze -s: the per-vCPU Runstates
# lines (not the domain's, which come before its first "-- vN --", nor the
# wake/preempt split of runnable).
xenalyze_states() {
    awk '/^\|-- Domain [0-9]+ --\|/ { d = $3; v = ""; next }
         /^-- v[0-9]+ --/          { v = substr($2, 2); next }
         v != "" && $1 ~ /^(running|runnable|blocked|offline):$/ {
             printf "%s %s %s %.0f %d\n", d, v, substr($1, 1, length($1) - 1), $2 * $4, $2 }' "$1"
}

# "dom vcpu state ns" from numasched analyze --json, less what xenalyze
# leaves out (xenalyze_uncounted_ns: until a vCPU is first seen running,
# and its open interval at the end unless it is running then).
analyze_states() {
    "$BIN" analyze "$1" --json | jq -r '.domains[] | .id as $d | .vcpus[] | .id as $v |
        .xenalyze_uncounted_ns as $u | .runstate_ns | to_entries[] |
        (.value - $u[.key]) as $ns | select($ns > 0) | "\($d) \($v) \(.key) \($ns)"'
}

check() {
    name=$1
    shift
    out=$DIR/$name
    "$BIN" run "$@" --duration 1 --quiet --trace "$out.bin"
    if ! timeout 60 "$DIR/xenalyze" --cpu-hz=2.4G -s "$out.bin" > "$out.txt" 2> "$out.err"; then
        echo "xenalyze: $name: xenalyze failed: $(grep -E 'FATAL|Strange' "$out.err" | head -n 1)"
        return 1
    fi
    if grep -q -E 'FATAL|Strange|WARNING' "$out.err"; then
        echo "xenalyze: $name: $(grep -E 'FATAL|Strange|WARNING' "$out.err" | head -n 1)"
        return 1
    fi
    xenalyze_states "$out.txt" > "$out.xa"
    analyze_states "$out.bin" > "$out.ns"
    awk -v hz=$HZ -v name="$name" '
        NR == FNR { cyc[$1 " " $2 " " $3] = $4; cnt[$1 " " $2 " " $3] = $5; next }
        { k = $1 " " $2 " " $3; want = $4 * hz / 1e9; n++; matched[k] = 1
          if (!(k in cyc)) { printf "xenalyze: %s: d%sv%s %s: %s ns, xenalyze has none\n",
                                    name, $1, $2, $3, $4; bad++; next }
          diff = cyc[k] - want; if (diff < 0) diff = -diff
          if (diff > 4 * cnt[k] + 2) { printf "xenalyze: %s: d%sv%s %s: %s ns = %.0f cycles, " \
                                   "xenalyze %.0f cycles\n", name, $1, $2, $3, $4, want, cyc[k]; bad++ } }
        END { for (k in cyc) {
                  split(k, f, " ")
                  if (!(k in matched) && f[1] != 32767 && cyc[k] > 4 * cnt[k] + 2) {
                      printf "xenalyze: %s: d%sv%s %s: xenalyze %.0f cycles, analyze none\n",
                             name, f[1], f[2], f[3], cyc[k]; bad++ } }
              if (bad) exit 1
              printf "xenalyze: %s: %d (domain, vCPU, state) totals agree\n", name, n }' \
        "$out.xa" "$out.ns"
}

build_xenalyze
status=0
for s in examples/*.cfg; do
    check "$(basename "$s" .cfg)" "$s" || status=1
done
for s in specjbb-10-numa lmbench-proc-10-none sysbench-memory-6-pin; do
    check "numa2013-$s" "examples/numa2013/$s.cfg" || status=1
done
# A 4-node host of 96 pCPUs (a real one, topologies/) under credit and under
# credit2 (its 16-pCPU runqueues), with busy and fork-heavy guests placed by
# libxl.
four=$DIR/4-node
mkdir -p "$four"
for d in jbb1 jbb2 jbb3 fork1 fork2; do
    case $d in jbb*) w=specjbb ;; *) w=lmbench-proc ;; esac
    printf 'name = "%s"\nvcpus = 8\nmemory = 2048\nworkload = "%s"\n' $d $w > "$four/$d.cfg"
done
for sched in credit credit2; do
    {
        echo "host = \"$PWD/topologies/96em64t-4n4d3ca2co-pci.xml\""
        echo "sched = \"$sched\""
        echo 'domains = [ "jbb1.cfg", "jbb2.cfg", "jbb3.cfg", "fork1.cfg", "fork2.cfg" ]'
    } > "$four/$sched.cfg"
    check "4-node-$sched" "$four/$sched.cfg" || status=1
done
[ $status -eq 0 ] && echo "xenalyze: every trace read, every runstate total agrees"
exit $status
