# numasched: `make` builds build/numasched; `make run` runs the main example;
# `make test` builds and runs the test suite under ASan+UBSan; `make bench`
# prints speed figures (`make bench-sweep` those of sweeps); `make fuzz`,
# `make check-valgrind`, `make soak` and `make check-hostile` check
# robustness (docs/robustness.md); `make check-xenalyze` reads traces with
# Xen's own xenalyze (docs/traces.md);
# `make coverage` prints the test suite's line and branch coverage per part.
# `make install PREFIX=DIR` installs the binary, the man pages, the examples
# and bash completion; `make uninstall PREFIX=DIR` removes them.
# Missing Debian packages are installed by scripts/deps.sh, which every
# invocation runs first (it returns at once when everything is there).

DEPS_OK := $(shell sh scripts/deps.sh >&2 && echo yes)
ifneq ($(DEPS_OK),yes)
$(error scripts/deps.sh could not install the packages numasched needs)
endif

CC      ?= cc
PKGS    := hwloc xlutil json-c gsl
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lm
TEST_LIBS  := $(shell pkg-config --libs criterion zlib)

PARTS   := util topo host workload sched spec place engine trace config report runner advise
# src/runner/mpi.c needs mpicc: only build/numasched-mpi has it (`make mpi`).
MPI_SRC := src/runner/mpi.c
LIB_SRC := $(filter-out $(MPI_SRC),$(foreach p,$(PARTS),$(wildcard src/$(p)/*.c)))
CLI_SRC := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard test/*.c)
BENCH_SRC := $(wildcard bench/*.c)

# Two trees: build/ (optimised, what users run) and build/asan (tests);
# build/gen holds what the build computes (the model's identity, below).
OPT_DIR  := build
GEN_DIR  := build/gen
ASAN_DIR := build/asan
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -Iinclude -Isrc -I$(GEN_DIR) $(PKG_CFLAGS) -MMD -MP

.PHONY: all run test mpi bench bench-sweep clean check-format fuzz fuzz-deps fuzz-minimize check-valgrind soak \
        check-xenalyze check-arrows same-results check-hostile
all: $(OPT_DIR)/numasched

$(OPT_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(ASAN_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -c $< -o $@

$(OPT_DIR)/libnumasched.a: $(LIB_SRC:%.c=$(OPT_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(ASAN_DIR)/libnumasched.a: $(LIB_SRC:%.c=$(ASAN_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(OPT_DIR)/numasched: $(CLI_SRC:%.c=$(OPT_DIR)/obj/%.o) $(OPT_DIR)/libnumasched.a
	$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

$(ASAN_DIR)/numasched: $(CLI_SRC:%.c=$(ASAN_DIR)/obj/%.o) $(ASAN_DIR)/libnumasched.a
	$(CC) $(SAN) $^ $(PKG_LIBS) -o $@

$(ASAN_DIR)/numasched-tests: $(TEST_SRC:%.c=$(ASAN_DIR)/obj/%.o) $(ASAN_DIR)/libnumasched.a
	$(CC) $(SAN) $^ $(PKG_LIBS) $(TEST_LIBS) -o $@

$(OPT_DIR)/numasched-bench: $(BENCH_SRC:%.c=$(OPT_DIR)/obj/%.o) $(OPT_DIR)/libnumasched.a
	$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

# `make mpi`: build/numasched-mpi, the same command with sweeps over MPI
# ranks (docs/sweeps.md), built only where Open MPI's mpicc is; as root,
# scripts/deps.sh mpi installs it first.
MPICC   ?= mpicc
MPI_DIR := build/mpi

$(MPI_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(MPICC) $(ALL_CFLAGS) -DNUMASCHED_MPI -c $< -o $@

$(OPT_DIR)/numasched-mpi: $(CLI_SRC:%.c=$(MPI_DIR)/obj/%.o) $(MPI_SRC:%.c=$(MPI_DIR)/obj/%.o) \
                          $(OPT_DIR)/libnumasched.a
	$(MPICC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

# What a runner costs per job (bench/dispatch/dispatch.c), local and over MPI.
$(OPT_DIR)/numasched-dispatch-bench: $(OPT_DIR)/obj/bench/dispatch/dispatch.o \
                                     $(OPT_DIR)/libnumasched.a
	$(CC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

$(OPT_DIR)/numasched-dispatch-bench-mpi: $(MPI_DIR)/obj/bench/dispatch/dispatch.o \
                                         $(MPI_SRC:%.c=$(MPI_DIR)/obj/%.o) $(OPT_DIR)/libnumasched.a
	$(MPICC) $(CFLAGS) $^ $(PKG_LIBS) -o $@

mpi:
	@sh scripts/deps.sh mpi || true
	@if command -v $(MPICC) >/dev/null 2>&1; then $(MAKE) --no-print-directory \
	    $(OPT_DIR)/numasched-mpi $(OPT_DIR)/numasched-dispatch-bench-mpi; else echo "make mpi: no $(MPICC) (as root, scripts/deps.sh \
	    mpi installs Open MPI)" >&2; exit 1; fi

run: $(OPT_DIR)/numasched
	$(OPT_DIR)/numasched run examples/specjbb-2node.cfg --out build/out

# The suite runs the library tests and the command-line tests, both against
# the sanitized build. NUMASCHED points the CLI tests at the binary;
# NUMASCHED_OPT at the optimised one, for the validation guard's 54 runs.
# The MPI sweep test runs when build/numasched-mpi could be built: `make
# test` tries `make mpi` first, so that CI, as root, installs Open MPI. The
# man pages are built first, for the test that reads them with man --warnings.
test: $(ASAN_DIR)/numasched-tests $(ASAN_DIR)/numasched $(OPT_DIR)/numasched man
	@$(MAKE) --no-print-directory mpi || echo "make test: no MPI: the MPI sweep test is skipped" >&2
	NUMASCHED=$(ASAN_DIR)/numasched NUMASCHED_OPT=$(OPT_DIR)/numasched \
	  NUMASCHED_MPI=$(abspath $(OPT_DIR)/numasched-mpi) TOPOLOGIES=$(abspath topologies) \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(ASAN_DIR)/numasched-tests --jobs 2

bench: $(OPT_DIR)/numasched-bench
	$(OPT_DIR)/numasched-bench

# The figures of docs/sweeps.md's Scaling: speed-up of 2 ranks over 1, the
# runners' cost per job, a sweep of 10,000 tiny runs (about a minute).
bench-sweep: $(OPT_DIR)/numasched $(OPT_DIR)/numasched-dispatch-bench mpi
	sh scripts/bench-sweep.sh

# `make fuzz`: every libFuzzer harness under fuzz/ (clang, ASan, UBSan) for
# FUZZ_SECONDS each; it fails on any crash, leak, hang or sanitizer report
# (UBSan does not recover, so its reports are crashes). The committed corpora
# in fuzz/corpus/NAME are read, never written: a run adds to build/fuzz/corpus,
# and `make fuzz-minimize` merges that into fuzz/corpus, minimised
# (scripts/fuzz.sh). scripts/deps.sh fuzz installs clang if needed; nothing
# else depends on clang.
FUZZ_CC      := clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_CFLAGS   = $(CSTD) -g -O1 -Iinclude -Isrc -I$(GEN_DIR) $(PKG_CFLAGS) -MMD -MP \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_NAMES   := $(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/libnumasched.a: $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/fuzz/%.o $(FUZZ_DIR)/libnumasched.a
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $^ $(PKG_LIBS) -o $@

fuzz-deps:
	@sh scripts/deps.sh fuzz

fuzz: fuzz-deps $(OPT_DIR)/numasched
	@$(MAKE) --no-print-directory $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh run $(FUZZ_NAMES)

fuzz-minimize: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)
	@sh scripts/fuzz.sh minimize $(FUZZ_NAMES)

# `make check-valgrind`: memcheck over every example run (short), the other
# commands and --determinism-check, on a build without sanitizers (they do
# not mix with valgrind): no error, no definite leak (scripts/valgrind.sh).
DEBUG_DIR := build/debug

$(DEBUG_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 -c $< -o $@

$(DEBUG_DIR)/libnumasched.a: $(LIB_SRC:%.c=$(DEBUG_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(DEBUG_DIR)/numasched: $(CLI_SRC:%.c=$(DEBUG_DIR)/obj/%.o) $(DEBUG_DIR)/libnumasched.a
	$(CC) $^ $(PKG_LIBS) -o $@

check-valgrind: $(DEBUG_DIR)/numasched
	@sh scripts/deps.sh valgrind
	@BIN=$(DEBUG_DIR)/numasched sh scripts/valgrind.sh

# `make soak`: 10 minutes of virtual time on the 24-node host, 1,200 vCPUs,
# credit, --check; peak memory at 1 and 10 minutes (docs/robustness.md).
soak: $(OPT_DIR)/numasched
	@BIN=$(OPT_DIR)/numasched sh scripts/soak.sh

# `make coverage`: the test suite on a build instrumented for gcov (no
# sanitizers, -O0, so that a line counts as run only where it ran), then
# line and branch coverage of src/ per part, read by lcov
# (scripts/coverage.sh). scripts/deps.sh coverage installs lcov if needed.
COV_DIR := build/cov
COV      = --coverage -O0

$(COV_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(COV) -c $< -o $@

$(COV_DIR)/libnumasched.a: $(LIB_SRC:%.c=$(COV_DIR)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(COV_DIR)/numasched: $(CLI_SRC:%.c=$(COV_DIR)/obj/%.o) $(COV_DIR)/libnumasched.a
	$(CC) $(COV) $^ $(PKG_LIBS) -o $@

$(COV_DIR)/numasched-tests: $(TEST_SRC:%.c=$(COV_DIR)/obj/%.o) $(COV_DIR)/libnumasched.a
	$(CC) $(COV) $^ $(PKG_LIBS) $(TEST_LIBS) -o $@

.PHONY: coverage
coverage: $(COV_DIR)/numasched-tests $(COV_DIR)/numasched
	@sh scripts/deps.sh coverage
	@COV_DIR=$(COV_DIR) TOPOLOGIES=$(abspath topologies) sh scripts/coverage.sh

# `make check-hostile`: hostile inputs, the slow ones included (GB traces,
# memory caps), each under a time limit and `ulimit -v`; prints a table per
# class of issue 13 and fails on any hang, crash, lie or leftover file
# (scripts/hostile.sh, docs/robustness.md). The fast ones run in `make test`.
check-hostile: $(OPT_DIR)/numasched
	@BIN=$(OPT_DIR)/numasched sh scripts/hostile.sh

# `make check-xenalyze`: Xen's xenalyze, built from Debian's source package of
# Xen, reads the traces of every example and agrees with `numasched analyze`
# on every runstate total (scripts/xenalyze.sh; needs Debian's archive once).
check-xenalyze: $(OPT_DIR)/numasched
	@sh scripts/deps.sh xenalyze
	@BIN=$(OPT_DIR)/numasched sh scripts/xenalyze.sh

# `make check-arrows`: every include points down the parts' ranks and every
# call in the engine down its chain of files (scripts/check-arrows.sh).
check-arrows:
	@sh scripts/check-arrows.sh

# `make same-results BEFORE=DIR`: every example's outputs (results, traces,
# placement) against those captured in DIR with `scripts/same-results.sh
# capture DIR BIN` from an older build, byte for byte.
same-results: $(OPT_DIR)/numasched
	@test -n "$(BEFORE)" || { echo "usage: make same-results BEFORE=DIR" >&2; exit 2; }
	@sh scripts/same-results.sh compare "$(BEFORE)" $(OPT_DIR)/numasched

# Man pages: one scdoc source per page under docs/man/, numasched(1), one
# numasched-COMMAND(1) per command and numasched-scenario(5).
MAN_SRC := $(wildcard docs/man/*.scd)
MAN_OUT := $(MAN_SRC:docs/man/%.scd=$(OPT_DIR)/man/%)

$(OPT_DIR)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@.tmp && mv $@.tmp $@

.PHONY: man install uninstall
man: $(MAN_OUT)

# `make install PREFIX=DIR` (default /usr/local; DESTDIR for packagers). The
# test suite installs its sanitized binary with INSTALL_BIN.
PREFIX      ?= /usr/local
INSTALL_BIN ?= $(OPT_DIR)/numasched
ROOT        := $(DESTDIR)$(PREFIX)
MAN_DEST     = share/man/man$(subst .,,$(suffix $(1)))/$(1)

install: $(INSTALL_BIN) man
	install -D -m 755 $(INSTALL_BIN) $(ROOT)/bin/numasched
	$(foreach m,$(notdir $(MAN_OUT)),install -D -m 644 $(OPT_DIR)/man/$(m) $(ROOT)/$(call MAN_DEST,$(m)) &&) true
	install -D -m 644 scripts/numasched.bash-completion $(ROOT)/share/bash-completion/completions/numasched
	mkdir -p $(ROOT)/share/numasched
	cp -R examples $(ROOT)/share/numasched/

# Removes what install put there, then the folders it leaves empty.
uninstall:
	rm -f $(ROOT)/bin/numasched $(ROOT)/share/bash-completion/completions/numasched
	rm -f $(foreach m,$(notdir $(MAN_OUT)),$(ROOT)/$(call MAN_DEST,$(m)))
	rm -rf $(ROOT)/share/numasched
	for d in bin share/bash-completion/completions share/man/man1 share/man/man5; do \
	    rmdir -p --ignore-fail-on-non-empty $(ROOT)/$$d 2>/dev/null || true; done

# The model's identity (src/util/model.c): a hash of every source, which a
# sweep keeps in point.txt and `numasched --version` prints. The header's
# text changes only with the hash; it is touched otherwise, so that a second
# make finds nothing to do.
MODEL_SRC := $(sort $(wildcard src/*/*.c src/*/*.h include/numasched/*.h))

$(GEN_DIR)/model_id.h: $(MODEL_SRC)
	@mkdir -p $(dir $@)
	@printf '#define NS_MODEL_ID "%s"\n' "$$(sha256sum $(MODEL_SRC) | sha256sum | cut -c1-16)" > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; touch $@; else mv $@.tmp $@; fi

$(foreach d,$(OPT_DIR) $(ASAN_DIR) $(FUZZ_DIR) $(DEBUG_DIR) $(COV_DIR),$(d)/obj/src/util/model.o): \
    $(GEN_DIR)/model_id.h

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
