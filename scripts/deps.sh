#!/bin/sh
# Installs the Debian packages numasched needs to build and test, and nothing else.
# Called by `make` whenever a header or tool is missing; safe to run by hand.
set -eu

need=""

# `make fuzz` only: clang and its libFuzzer runtime. Nothing else needs clang.
if [ "${1:-}" = fuzz ]; then
    command -v clang >/dev/null 2>&1 || need="$need clang"
    ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
        need="$need libclang-rt-14-dev"
fi

# `make check-valgrind` only: valgrind.
if [ "${1:-}" = valgrind ]; then
    command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
fi

# `make check-xenalyze` only: jq and xz, to build and question xenalyze.
if [ "${1:-}" = xenalyze ]; then
    command -v jq >/dev/null 2>&1 || need="$need jq"
    command -v xz >/dev/null 2>&1 || need="$need xz-utils"
fi

# `make mpi` and the MPI sweep test: Open MPI's compiler wrapper and mpirun.
if [ "${1:-}" = mpi ]; then
    command -v mpicc >/dev/null 2>&1 || need="$need libopenmpi-dev"
    command -v mpirun >/dev/null 2>&1 || need="$need openmpi-bin"
fi

# `make coverage` only: lcov, to read gcov's counts.
if [ "${1:-}" = coverage ]; then
    command -v lcov >/dev/null 2>&1 || need="$need lcov"
fi

have_header() { [ -f "/usr/include/$1" ] || [ -f "/usr/include/x86_64-linux-gnu/$1" ]; }
have_header hwloc.h            || need="$need libhwloc-dev"
have_header libxlutil.h        || need="$need libxen-dev"
have_header criterion/criterion.h || need="$need libcriterion-dev"
have_header json-c/json.h      || need="$need libjson-c-dev"
have_header gsl/gsl_cdf.h      || need="$need libgsl-dev"
have_header zlib.h             || need="$need zlib1g-dev"   # tests: reading screenshots
command -v lstopo-no-graphics >/dev/null 2>&1 || need="$need hwloc-nox"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need build-essential"
# `make test`: libvirt's own checker validates the XML `numasched advise` prints
# (libvirt-clients and its libraries, about 10 MB installed).
command -v virt-xml-validate >/dev/null 2>&1 || need="$need libvirt-clients"
# The man pages: scdoc turns docs/man/*.scd into roff (under 100 kB), and
# `make test` reads them with man --warnings.
command -v scdoc >/dev/null 2>&1 || need="$need scdoc"
command -v man >/dev/null 2>&1 || need="$need man-db"
# `make test` renders the HTML reports in headless Chromium (Debian's chromium:
# about 120 MB to download, 24 packages, a minute or two to install once).
command -v chromium >/dev/null 2>&1 || need="$need chromium"

[ -z "$need" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing Debian packages:$need (run as root, or install them)" >&2
    exit 1
fi
echo "deps.sh: installing$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
