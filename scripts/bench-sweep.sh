#!/bin/sh
# The sweep figures of docs/sweeps.md: the speed-up of 2 MPI ranks over 1 on
# bench/sweeps/speedup.cfg; what the runners cost per job alone (10,000
# empty jobs, bench/dispatch); and the whole cost per point of a sweep of
# 10,000 tiny runs (bench/sweeps/tiny-sweep.cfg), over MPI and local workers.
# Needs build/numasched, build/numasched-mpi and the dispatch benches
# (`make mpi build/numasched-dispatch-bench`).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

out=${BENCH_OUT:-build/bench-sweep}
duration=${BENCH_DURATION:-30s}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Seconds of wall time of a command.
wall() {
    start=$(date +%s.%N)
    "$@" >/dev/null 2>"$out/last.err" || { cat "$out/last.err" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

rm -rf "$out"
mkdir -p "$out"
one=$(wall mpirun -np 1 build/numasched-mpi sweep bench/sweeps/speedup.cfg \
      --duration "$duration" --out "$out/np1" --quiet)
two=$(wall mpirun -np 2 build/numasched-mpi sweep bench/sweeps/speedup.cfg \
      --duration "$duration" --out "$out/np2" --quiet)
cmp "$out/np1/results.csv" "$out/np2/results.csv"
printf 'speed-up: 16 runs of %s, 1 rank %.1f s, 2 ranks %.1f s: x%.2f\n' \
    "$duration" "$one" "$two" "$(echo "$one / $two" | bc -l)"

build/numasched-dispatch-bench --jobs 2 10000
mpirun -np 2 build/numasched-dispatch-bench-mpi 10000

tiny_mpi=$(wall mpirun -np 2 build/numasched-mpi sweep bench/sweeps/tiny-sweep.cfg \
           --out "$out/tiny-mpi" --quiet)
tiny_local=$(wall build/numasched sweep bench/sweeps/tiny-sweep.cfg --jobs 2 \
             --out "$out/tiny-local" --quiet)
cmp "$out/tiny-mpi/results.csv" "$out/tiny-local/results.csv"
printf '10,000 tiny runs: 2 ranks %.1f s (%.3f ms per run), 2 local workers %.1f s (%.3f ms per run)\n' \
    "$tiny_mpi" "$(echo "$tiny_mpi / 10" | bc -l)" "$tiny_local" "$(echo "$tiny_local / 10" | bc -l)"
