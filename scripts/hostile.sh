#!/bin/sh
# `make check-hostile`: hostile inputs, the slow ones included (traces of
# gigabytes, a million windows, memory caps), each run by the optimised
# binary under a time limit (`timeout`) and an address-space limit
# (`ulimit -v`), in a folder of its own. Each case expects a clean refusal
# (exit 1 or 2, one line on stderr), a correct success (exit 0 and what its
# check looks for), or a clean stop by a signal; in every case no temporary
# file may be left. The table counts, per class of issue 13, the inputs,
# the clean refusals and stops, the correct successes and the failures by
# kind: hang (time limit), memory (address-space limit), crash (another
# signal), lie (wrong status or output), partial (a file left) and unclear
# (not one line). Exit 1 if any case failed. docs/robustness.md lists them.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

BIN=$(realpath "${BIN:-build/numasched}")
TOPOLOGIES=$(realpath "${TOPOLOGIES:-topologies}")
WORK=${HOSTILE_DIR:-build/hostile}
TIME_LIMIT=${HOSTILE_SECONDS:-60}
MEM_LIMIT_KB=${HOSTILE_MEMORY_KB:-1048576}

rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
RESULTS=$WORK/results
: >"$RESULTS"
n=0

# ---- generators -------------------------------------------------------------------

# A scenario on a 2-node host, s.cfg, with one domain vm.cfg; $1 is added to
# the domain (after name/vcpus/memory), $2 to the scenario.
scenario() {
    printf 'host = "pack:2 [numa(memory=4GiB)] core:2 pu:1"\nsched = "credit"\n' >s.cfg
    printf 'duration = "20ms"\ndomains = [ "vm.cfg" ]\n%s\n' "${2:-}" >>s.cfg
    printf 'name = "vm"\nvcpus = 2\nmemory = 256\n%s\n' "${1:-workload = \"cpu\"}" >vm.cfg
}

# A xentrace file $1 of $2 pCPUs x $3 rounds of 12-byte windows, one record each.
trace_windows() {
    perl -e 'my ($cpus, $rounds) = @ARGV; binmode STDOUT;
             for my $k (0 .. $rounds - 1) { for my $c (0 .. $cpus - 1) {
                 print pack("V6", 0x2001f003, $c, 12, 0x80022fff, $k, 0) } }' "$2" "$3" >"$1"
}

# A xentrace file $1 where $2 vCPUs each wake once (blocked -> runnable -> running).
trace_vcpus() {
    perl -e 'my ($n) = @ARGV; binmode STDOUT; my $t = 1;
             print pack("V3", 0x2001f003, 0, 32 * $n);
             for my $v (0 .. $n - 1) { my $id = (1 + int($v / 65536)) << 16 | ($v % 65536);
                 print pack("V4", 0x90021001 | 2 << 8 | 1 << 4, $t++, 0, $id);
                 print pack("V4", 0x90021001 | 1 << 8 | 0 << 4, $t++, 0, $id) }' "$2" >"$1"
}

# A sparse file $1 of $2 bytes: one window of cpu 0 holding zeros (4-byte records).
trace_sparse() {
    perl -e 'binmode STDOUT; print pack("V3", 0x2001f003, 0, $ARGV[0] - 12)' "$2" >"$1"
    truncate -s "$2" "$1"
}

# ---- running a case -------------------------------------------------------------------

# record CLASS VERDICT NAME DETAIL
record() {
    echo "$1 $2" >>"$RESULTS"
    case $2 in
    refused|stopped|ok) ;;
    *) echo "FAIL [$1] $3: $2: $4" ;;
    esac
}

# try CLASS EXPECT NAME [CHECK] -- ARGS...: run numasched ARGS in the case's
# folder. EXPECT: refuse, ok (CHECK is a grep -E pattern its stdout must
# match, or "-"), or signal:SIG (sent once a temporary file exists). Set
# before it, for one case: MEM (the address-space cap, KB), LIMIT (the time
# limit, s), STDOUT (where
# stdout goes), AFTER (a command that must succeed afterwards, else the
# case failed as AFTER_KIND: lie or partial).
MEM=$MEM_LIMIT_KB LIMIT=$TIME_LIMIT STDOUT=out AFTER=true AFTER_KIND=lie
try() {
    class=$1 expect=$2 name=$3 check=-
    shift 3
    [ "$1" != "--" ] && { check=$1; shift; }
    shift
    # The braces take the shell's own "Killed" off the table's output.
    { (
        ulimit -v "$MEM"
        case $expect in
        signal:*)
            # A background job of a script ignores SIGINT: exec with every signal's default.
            perl -e '$SIG{$_} = "DEFAULT" for qw(INT TERM HUP); exec @ARGV' "$BIN" "$@" >out 2>err &
            pid=$!
            (sleep "$LIMIT"; kill -KILL "$pid" 2>/dev/null) &
            while kill -0 "$pid" 2>/dev/null && ! ls ./*.tmp.* >/dev/null 2>&1; do
                sleep 0.05
            done
            kill -"${expect#signal:}" "$pid"
            wait "$pid" 2>/dev/null
            ;;
        *) exec timeout -s KILL "$LIMIT" "$BIN" "$@" >"$STDOUT" 2>err ;;
        esac
    ); } 2>/dev/null
    status=$?
    lines=$(wc -l <err)
    left=$(find . -name '*.tmp.*' | head -1)
    if [ "$status" -eq 137 ] && grep -q "out of memory" err; then verdict=memory
    elif [ "$status" -eq 137 ]; then verdict=hang
    elif [ "$status" -eq 134 ] && grep -q "out of memory" err; then verdict=memory
    elif [ -n "$left" ]; then verdict=partial
    else
        case $expect in
        refuse)
            if [ "$status" -ne 1 ] && [ "$status" -ne 2 ]; then
                [ "$status" -gt 128 ] && verdict=crash || verdict=lie
            elif [ "$lines" -ne 1 ]; then verdict=unclear
            else verdict=refused; fi ;;
        ok)
            if [ "$status" -gt 128 ]; then verdict=crash
            elif [ "$status" -ne 0 ]; then verdict=lie
            elif [ "$check" != - ] && ! grep -qE "$check" out; then verdict=lie
            else verdict=ok; fi ;;
        signal:*)
            case ${expect#signal:} in INT) want=130 ;; TERM) want=143 ;; *) want=129 ;; esac
            [ "$status" -eq "$want" ] && verdict=stopped || verdict=lie ;;
        esac
    fi
    case $verdict in
    refused|stopped|ok) eval "$AFTER" || verdict=$AFTER_KIND ;;
    esac
    record "$class" "$verdict" "$name" "exit $status, $(head -c 300 err | tr '\n' ' ') ($AFTER)"
    MEM=$MEM_LIMIT_KB LIMIT=$TIME_LIMIT STDOUT=out AFTER=true AFTER_KIND=lie
}

# Each case runs in a fresh folder; $1 names it.
enter() {
    n=$((n + 1))
    mkdir -p "$WORK/$n-$1"
    cd "$WORK/$n-$1" || exit 1
}

# ---- the cases ---------------------------------------------------------------------

hangs() {
    for what in s.cfg vm.cfg p.pool; do
        enter "fifo-$what"; scenario "" 'pools = [ "p.pool" ]'
        printf 'name = "p"\nsched = "credit"\ncpus = "1"\n' >p.pool
        rm -f "$what"; mkfifo "$what"
        try hang refuse "a FIFO as $what" -- run s.cfg --quiet
    done
    enter fifo-trace; mkfifo t.bin; try hang refuse "a FIFO as a trace" -- analyze t.bin
    enter fifo-xml; mkfifo h.xml; try hang refuse "a FIFO as an XML host" -- topo h.xml
    enter dev-zero; try hang refuse "/dev/zero as the scenario" -- run /dev/zero
    enter dev-zero-trace; try hang refuse "/dev/zero as a trace" -- analyze /dev/zero
    enter fork-us; scenario 'workload = "lmbench-proc"
fork_us = "1e-300"'
    try hang refuse "fork_us of 1e-300" -- run s.cfg
    enter phase; scenario 'workload = "phases"
phases = [ "run 1e-300ns", "block 1ms" ]'
    try hang refuse "a phase of 1e-300 ns" -- run s.cfg
    enter windows; trace_windows t.bin 4096 500
    try hang ok "2 million windows of 4096 pCPUs (49 MB)" 'records: 0 runstate' -- analyze t.bin
    enter sparse; trace_sparse t.bin 2147483648
    MEM=4194304     # the 2 GiB are mapped: address space, not memory
    LIMIT=240       # 537 million records, read from the page cache: 30-60 s
    try hang ok "a sparse 2 GiB trace of zeros" '2147483648 bytes, 536870909 records' -- analyze t.bin
    rm -f t.bin
}

memory() {
    enter vcpus; trace_vcpus t.bin 100000
    MEM=262144
    try memory ok "100,000 vCPUs waking once (3.2 MB), 256 MB cap" \
        'trace t.bin: 3200012 bytes' -- analyze t.bin
    for host in "pu:2(indexes=0,4000000000)" "pack:2 [numa(indexes=0,99999999)] pu:1" \
                "pack:0x2000 pu:1" "pack:+4097 pu:1" "pack:020000 pu:1" \
                "pack:0x100000 pu:0x1000" "pack:-1 pu:1" "pack:99999999999999999999 pu:1"; do
        enter synthetic; MEM=524288
        try memory refuse "host \"$host\", 512 MB cap" -- topo "$host"
    done
    enter big-window; printf '\003\360\001\040\000\000\000\000\360\377\377\377' >t.bin
    try memory refuse "a window of 4 GB in 12 bytes" -- analyze t.bin
}

loss() {
    enter full; scenario
    STDOUT=/dev/full AFTER="test ! -e o" AFTER_KIND=partial
    try loss refuse "run >/dev/full" -- run s.cfg --out o
    enter full-topo; STDOUT=/dev/full
    try loss refuse "topo >/dev/full" -- topo "pack:2 pu:2"
    for args in "--trace s.cfg" "--perfetto vm.cfg" "--trace x --perfetto x" \
                "--trace o/results.json --out o" "--trace link.bin" "--trace hard.bin" \
                "--perfetto fifo" "--out . --trace results.csv"; do
        # Never /dev/null: a binary that does not refuse would, as root, replace it.
        enter collide; scenario; ln -s s.cfg link.bin; ln vm.cfg hard.bin; mkfifo fifo; cp s.cfg s.orig
        AFTER="cmp -s s.cfg s.orig"
        # shellcheck disable=SC2086
        try loss refuse "run $args" -- run s.cfg --quiet $args
    done
    enter memory-wrap; try loss refuse "two nodes of 2^63 bytes" -- \
        topo "pack:2 [numa(memory=9223372036854775808)] pu:1"
    enter op-us; scenario 'workload = "cpu"
op_us = "1e-306"'
    try loss refuse "op_us of 1e-306" -- run s.cfg
    enter block-kb; scenario 'workload = "sysbench-memory"
block_kb = "1e308"'
    try loss refuse "block_kb of 1e308" -- run s.cfg
    for name in 'vm\377' 'vm\300\257' 'vm\033[2J' 'vm\302\233' 'vm\355\240\200'; do
        enter name; scenario; printf "name = \"$name\"\nvcpus = 1\nmemory = 256\n" >vm.cfg
        try loss refuse "domain name $name" -- run s.cfg --out o
    done
    enter slit; sed 's|<u64values length="12">10 20 20 10 </u64values>|<u64values length="12">00 20 20 10 </u64values>|' \
        "$TOPOLOGIES/24em64t-2n6c2t-pci.xml" >z.xml
    try loss ok "a SLIT with 0 on the diagonal" "SLIT is invalid" -- topo z.xml
}

partial() {
    for sig in INT TERM HUP; do
        enter "sig$sig"; scenario 'workload = "lmbench-proc"'
        AFTER="test ! -e t.bin -a ! -e t.json -a ! -e o/results.json" AFTER_KIND=partial
        try partial "signal:$sig" "SIG$sig during a traced run" -- \
            run s.cfg --quiet --duration 1000 --trace t.bin --perfetto t.json --out o
    done
    enter fsize; scenario
    AFTER="test ! -e t.bin" AFTER_KIND=partial
    (ulimit -f 64; try partial refuse "ulimit -f 64 with --trace" -- run s.cfg --quiet --duration 20s --trace t.bin)
    MEM=$MEM_LIMIT_KB LIMIT=$TIME_LIMIT STDOUT=out AFTER=true AFTER_KIND=lie
    enter late-failure; scenario; echo file >o
    AFTER="test ! -e t.bin -a ! -e t.json" AFTER_KIND=partial
    try partial refuse "--out is a file, traces complete" -- run s.cfg --quiet --trace t.bin --perfetto t.json --out o
    enter concurrent
    for who in a b; do
        mkdir "$who"
        printf 'host = "pack:2 [numa(memory=4GiB)] core:2 pu:1"\nduration = "50ms"\ndomains = [ "vm.cfg" ]\n' >"$who/s.cfg"
        printf 'name = "vm-%s"\nvcpus = 2\nmemory = 256\nworkload = "cpu"\n' "$who" >"$who/vm.cfg"
    done
    mixed=0
    for round in 1 2 3 4 5 6 7 8 9 10; do
        "$BIN" run a/s.cfg --quiet --out o & "$BIN" run b/s.cfg --quiet --out o & wait
        j=$(grep -o '"vm-[ab]"' o/results.json | head -1)
        c=$(grep -o 'vm-[ab]' o/results.csv | head -1)
        [ "$j" = "\"$c\"" ] || mixed=$((mixed + 1))
    done
    echo "partial $([ $mixed -eq 0 ] && echo ok || echo partial)" >>"$RESULTS"
    [ $mixed -eq 0 ] || echo "FAIL [partial] two runs to one --out: $mixed of 10 rounds mixed"
}

unclear() {
    enter bare; try unclear refuse "numasched without a command" --
    enter host; scenario; "$BIN" run s.cfg --quiet --trace t.bin
    try unclear refuse "analyze --host smaller than the trace" -- analyze t.bin --host pu:2
    enter newline; scenario; printf 'name = "a\rb"\nvcpus = 1\nmemory = 256\n' >vm.cfg
    try unclear refuse "a carriage return in a domain name" -- run s.cfg
    enter nul; printf 'host = "pu:2\0"\n' >s.cfg; try unclear refuse "a NUL byte in the scenario" -- run s.cfg
    enter missing; try unclear refuse "a missing file with a newline in its name" -- run "$(printf 'a\nb.cfg')"
}

hangs
memory
loss
partial
unclear

# ---- the table ---------------------------------------------------------------------

awk '
{ class[$1] = 1; inputs[$1]++; v[$1, $2]++; all[$2]++; total++ }
END {
    order = "hang memory loss partial unclear"
    split(order, cls, " ")
    names["hang"] = "hangs"; names["memory"] = "unbounded memory"; names["loss"] = "silent loss or lies"
    names["partial"] = "partial outputs"; names["unclear"] = "unclear messages"
    printf "%-20s %6s %8s %9s | %5s %6s %5s %4s %7s %7s\n", "class", "inputs", "refused", "succeeded",
           "hang", "memory", "crash", "lie", "partial", "unclear"
    for (i = 1; i <= 5; i++) {
        c = cls[i]
        printf "%-20s %6d %8d %9d | %5d %6d %5d %4d %7d %7d\n", names[c], inputs[c],
               v[c, "refused"] + v[c, "stopped"], v[c, "ok"], v[c, "hang"], v[c, "memory"],
               v[c, "crash"], v[c, "lie"], v[c, "partial"], v[c, "unclear"]
    }
    printf "%-20s %6d %8d %9d | %5d %6d %5d %4d %7d %7d\n", "all", total,
           all["refused"] + all["stopped"], all["ok"], all["hang"], all["memory"], all["crash"],
           all["lie"], all["partial"], all["unclear"]
    bad = all["hang"] + all["memory"] + all["crash"] + all["lie"] + all["partial"] + all["unclear"]
    exit bad > 0
}' "$RESULTS"
