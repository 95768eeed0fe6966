# nexus: one non-recursive Makefile, out-of-tree objects under $(O).
#
# Adding a module needs no edit here: every format/*.c, analyze/*.c and
# capture/*.c (but capture/main.c) goes into its folder's archive, every
# tools/nexus-*.c and capture/main.c is a binary, every tests/unit/test_*.c a
# cmocka suite, every tests/fixtures/fx_*.c a fixture program, every
# tests/e2e/t*.sh an end-to-end test, every bpf/*.bpf.c part of the skeleton.

O        ?= build
GEN      := $(O)/gen
PREFIX   ?= /usr/local
BTF      ?= /sys/kernel/btf/vmlinux
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
VERSION  := 0.1.0

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS       := libbpf libzstd sqlite3 yaml-0.1 libelf
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lelf -lz -lzstd -lsqlite3 -lyaml)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN     := -Wall -Wextra -Werror -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
NX_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) -MMD -MP -iquote . -I$(GEN) \
	    -DNX_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm

# Debian's bpf headers (bpf_helpers.h) come with libbpf-dev; the asm/ headers
# for the BPF target need the multiarch include dir.
ARCH_INC     := /usr/include/$(shell uname -m)-linux-gnu
BPF_SYS_INC  := -idirafter $(ARCH_INC) -idirafter /usr/include
BPF_ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

FORMAT_SRCS  := $(wildcard format/*.c)
ANALYZE_SRCS := $(wildcard analyze/*.c)
CAPTURE_SRCS := $(filter-out capture/main.c,$(wildcard capture/*.c))
TOOL_SRCS    := $(wildcard tools/nexus-*.c)
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_HELPERS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
FIXTURE_SRCS := $(wildcard tests/fixtures/fx_*.c)
FIXTURE_LIBS := $(wildcard tests/fixtures/lib*.c)
BENCH_SRCS   := $(wildcard tests/bench/bench_*.c)
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
EXAMPLE_SRCS := $(wildcard examples/*.c)
BPF_SRCS     := $(wildcard bpf/*.bpf.c)

obj = $(patsubst %.c,$(O)/%.o,$(1))

FORMAT_LIB  := $(O)/libnxformat.a
ANALYZE_LIB := $(O)/libnxanalyze.a
CAPTURE_LIB := $(O)/libnxcapture.a
LIBS        := $(CAPTURE_LIB) $(ANALYZE_LIB) $(FORMAT_LIB)

BINS      := $(O)/nexus-record $(patsubst tools/%.c,$(O)/%,$(TOOL_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
# test_colcodec again over the codec's scalar paths (below)
UNIT_BINS += $(O)/tests/test_colcodec_scalar
FIXTURES  := $(patsubst tests/fixtures/%.c,$(O)/fixtures/%,$(FIXTURE_SRCS)) \
	     $(patsubst tests/fixtures/%.c,$(O)/fixtures/%.so,$(FIXTURE_LIBS)) \
	     $(patsubst tests/fixtures/%.s,$(O)/fixtures/%,$(wildcard tests/fixtures/fx32_*.s))
BENCHES   := $(patsubst tests/bench/%.c,$(O)/bench/%,$(BENCH_SRCS))
EXAMPLES  := $(patsubst examples/%.c,$(O)/examples/%,$(EXAMPLE_SRCS))
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
# nexus-query's syscall_rows module as a SQLite loadable extension, for the
# sqlite3 shell; nexus-query looks for it in lib/nexus beside its own folder
# (installed) or inside it (this tree).
NXCOLUMNS_SO := $(O)/lib/nexus/nx_columns.so

.PHONY: all deps test unit e2e bench asan fuzz fuzz-build install clean demo check-root

all: $(BINS) $(NXCOLUMNS_SO) $(FIXTURES) $(EXAMPLES) $(O)/tests/mkrec

# ---- dependencies: Debian packages, installed only when one is missing ----
DEB_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev \
	    libsqlite3-dev libyaml-dev libcmocka-dev pkg-config make gcc libc6-dev \
	    linux-libc-dev python3 bpftrace strace util-linux binutils
deps:
	$(Q)missing=$$(for p in $(DEB_PKGS) $(EXTRA_DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "nexus: installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# ---- generated inputs ----
$(O) $(GEN) $(O)/bpf $(O)/tests $(O)/fixtures $(O)/bench $(O)/examples $(O)/fuzz:
	$(Q)mkdir -p $@

$(GEN)/vmlinux.h: | $(GEN)
	@test -r $(BTF) || { echo "nexus: $(BTF) missing: kernel has no BTF, cannot build BPF" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(BTF) format c > $@.tmp && mv $@.tmp $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(GEN)/vmlinux.h $(wildcard bpf/*.h) | $(O)/bpf
	@echo "  BPF     $@"
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(GEN) -iquote . \
		$(BPF_SYS_INC) -c $< -o $@

$(GEN)/nexus.skel.h: $(BPF_OBJS) | $(GEN)
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen object $(GEN)/nexus.bpf.o $(BPF_OBJS)
	$(Q)$(BPFTOOL) gen skeleton $(GEN)/nexus.bpf.o name nexus_bpf > $@.tmp && mv $@.tmp $@

# A line per step: /bin/sh has no pipefail.
$(GEN)/syscall_names.c: Makefile | $(GEN)
	$(Q)echo '#include <asm/unistd.h>' | $(CC) -E -dM -x c - > $@.defs
	$(Q)awk '$$2 ~ /^__NR_/ && $$3 ~ /^[0-9]+$$/ { print "\t[" $$3 "] = \"" substr($$2, 6) "\","; n++ } \
	     END { if (n < 300) exit 1 }' $@.defs | sort -t[ -k2 -n > $@.body
	$(Q){ echo '/* generated from <asm/unistd.h> by the Makefile: do not edit */'; \
	      echo 'const char *const nx_syscall_names[] = {'; cat $@.body; echo '};'; \
	      echo 'const unsigned nx_syscall_names_len = sizeof(nx_syscall_names) / sizeof(nx_syscall_names[0]);'; } > $@
	$(Q)echo '#include <asm/unistd_32.h>' | $(CC) -E -dM -x c - > $@.defs
	$(Q)awk '$$2 ~ /^__NR_/ && $$3 ~ /^[0-9]+$$/ { print "\t[" $$3 "] = \"" substr($$2, 6) "\","; n++ } \
	     END { if (n < 300) exit 1 }' $@.defs | sort -t[ -k2 -n > $@.body
	$(Q){ echo '/* the i386 (ia32) table, from <asm/unistd_32.h> */'; \
	      echo 'const char *const nx_syscall_names_ia32[] = {'; cat $@.body; echo '};'; \
	      echo 'const unsigned nx_syscall_names_ia32_len = sizeof(nx_syscall_names_ia32) / sizeof(nx_syscall_names_ia32[0]);'; } >> $@
	$(Q)rm -f $@.defs $@.body

# ---- our C ----
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(NX_CFLAGS) $(CFLAGS) -c $< -o $@

$(O)/gen/syscall_names.o: $(GEN)/syscall_names.c
	$(Q)$(CC) -std=gnu11 -O2 -g -c $< -o $@

$(call obj,$(CAPTURE_SRCS) capture/main.c): $(GEN)/nexus.skel.h

$(FORMAT_LIB): $(call obj,$(FORMAT_SRCS))
	$(Q)rm -f $@ && ar rcs $@ $^
$(ANALYZE_LIB): $(call obj,$(ANALYZE_SRCS)) $(O)/gen/syscall_names.o
	$(Q)rm -f $@ && ar rcs $@ $^
$(CAPTURE_LIB): $(call obj,$(CAPTURE_SRCS))
	$(Q)rm -f $@ && ar rcs $@ $^ $(if $^,,$(error no capture sources))

# Built apart from the archives: position-independent, every sqlite3_* call
# through the loading shell's API table, never sanitized (the shell is not).
$(NXCOLUMNS_SO): analyze/sqlvtab.c analyze/sqlvtab.h format/crc.c format/crc.h format/bytes.h
	@mkdir -p $(dir $@)
	@echo "  SO      $@"
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) -iquote . $(PKG_CFLAGS) -O2 -g -fPIC -shared \
		-fvisibility=hidden -DNX_SQLVTAB_EXT analyze/sqlvtab.c format/crc.c -o $@

$(O)/nexus-record: $(O)/capture/main.o $(LIBS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) -o $@

$(O)/nexus-%: $(O)/tools/nexus-%.o $(LIBS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) -o $@

# A suite links only the layers its module needs, so that a half-built upper
# layer never stops the tests of a lower one: test_<m> of format/<m>.c links
# format, of analyze/<m>.c analyze and format, anything else all three.
test_libs = $(if $(wildcard format/$(1).c),$(FORMAT_LIB),$(if $(wildcard analyze/$(1).c),$(ANALYZE_LIB) $(FORMAT_LIB),$(LIBS)))
.SECONDEXPANSION:
# TEST_LDFLAGS_<m>: extra link flags of one suite. test_writer wraps the
# allocator to fail the k-th allocation (zstd's go through it too).
TEST_LDFLAGS_writer := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=mmap
# test_payjoin fails the orphan array's growth.
TEST_LDFLAGS_payjoin := -Wl,--wrap=realloc
# test_config fails the k-th allocation of the loader (libyaml's own are not wrapped).
TEST_LDFLAGS_config := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc \
		       -Wl,--wrap=strdup -Wl,--wrap=strndup
$(O)/tests/test_%: $(O)/tests/unit/test_%.o $(call obj,$(UNIT_HELPERS)) $$(call test_libs,$$*) | $(O)/tests
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(TEST_LDFLAGS_$*) $^ $(LDLIBS_ALL) $(CMOCKA_LIBS) -o $@

# The column codec's SSE2 paths are what x86-64 runs; NXR_COL_SCALAR builds
# the scalar ones other machines run, and test_colcodec_scalar tests them.
$(O)/format/colcodec_scalar.o: format/colcodec.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (scalar)"
	$(Q)$(CC) $(NX_CFLAGS) $(CFLAGS) -DNXR_COL_SCALAR -c $< -o $@
$(O)/tests/test_colcodec_scalar: $(O)/tests/unit/test_colcodec.o $(O)/format/colcodec_scalar.o \
		$(call obj,$(UNIT_HELPERS)) $(FORMAT_LIB) | $(O)/tests
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) $(CMOCKA_LIBS) -o $@

# Test-only BPF programs (tests/bpf/*_test.bpf.c), each with its own skeleton
# $(GEN)/*_test.skel.h: never part of nexus.skel.h. test_trigger_kernel runs
# bpf/trigger.bpf.h through trigger_test; it and test_trigger_bpftrace link
# analyze and format only.
$(O)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(GEN)/vmlinux.h $(wildcard bpf/*.h) | $(O)/tests
	@mkdir -p $(dir $@)
	@echo "  BPF     $@"
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(GEN) -iquote . \
		$(BPF_SYS_INC) -c $< -o $@
$(GEN)/%_test.skel.h: $(O)/tests/bpf/%_test.bpf.o | $(GEN)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_test > $@.tmp && mv $@.tmp $@
$(O)/tests/unit/test_trigger_kernel.o: $(GEN)/trigger_test.skel.h
# bench_feed feeds the recorder's ring through feed_test (tests/bench/bench_feed.c).
$(O)/tests/bench/bench_feed.o: $(GEN)/feed_test.skel.h
$(O)/tests/test_trigger_kernel $(O)/tests/test_trigger_bpftrace: $(O)/tests/%: $(O)/tests/unit/%.o \
		$(call obj,$(UNIT_HELPERS)) $(ANALYZE_LIB) $(FORMAT_LIB) | $(O)/tests
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) $(CMOCKA_LIBS) -o $@

# Fixtures are plain programs: no sanitizers, no libraries of ours, so their
# syscalls are exactly the ones their source makes.
FX_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -iquote .
$(O)/fixtures/lib%.so: tests/fixtures/lib%.c | $(O)/fixtures
	$(Q)$(CC) $(FX_CFLAGS) -fPIC -shared $< -o $@
FX_SO := $(if $(filter tests/fixtures/libfxprobe.c,$(FIXTURE_LIBS)),$(O)/fixtures/libfxprobe.so)
$(O)/fixtures/fx_%: tests/fixtures/fx_%.c $(FX_SO) | $(O)/fixtures
	@echo "  FX      $@"
	$(Q)$(CC) $(FX_CFLAGS) $< -o $@ -L$(O)/fixtures -Wl,-rpath,'$$ORIGIN' -Wl,--no-as-needed \
		$(if $(FX_SO),-lfxprobe) $(FX_LINK_$*) -lpthread
# fx_calls calls the functions of libfxcalls.so that the uprobe tests hook.
FX_LINK_calls := -lfxcalls
$(O)/fixtures/fx_calls: $(O)/fixtures/libfxcalls.so
# fx32_*.s: real i386 programs; binutils assembles and links them without
# any 32-bit libc (no multilib needed).
$(O)/fixtures/fx32_%: tests/fixtures/fx32_%.s | $(O)/fixtures
	@echo "  FX32    $@"
	$(Q)as --32 $< -o $@.o && ld -m elf_i386 -static $@.o -o $@ && rm -f $@.o
$(O)/examples/%: examples/%.c | $(O)/examples
	$(Q)$(CC) $(FX_CFLAGS) $< -o $@

# The offline tools' e2e tests write synthetic recordings with this helper.
$(O)/tests/mkrec: $(O)/tests/e2e/mkrec.o $(O)/tests/unit/toolfx.o $(O)/tests/unit/replayfx.o \
		$(O)/tests/unit/fixture.o $(FORMAT_LIB) | $(O)/tests
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) -o $@

# A bench links the layers it includes: format, analyze, or all three.
inc_layer = $(shell grep -l '^\#include "$(2)/' $(1) 2>/dev/null)
src_libs = $(if $(call inc_layer,$(1),capture),$(LIBS),$(if $(call inc_layer,$(1),analyze),$(ANALYZE_LIB) $(FORMAT_LIB),$(FORMAT_LIB)))
# The end-to-end tests' reader of recordings: one line per event (tests/e2e/nxcheck.c).
NXCHECK := $(O)/tests/nxcheck
$(NXCHECK): $(O)/tests/e2e/nxcheck.o $(FORMAT_LIB) | $(O)/tests
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) -o $@

$(O)/bench/bench_%: $(O)/tests/bench/bench_%.o $$(call src_libs,tests/bench/bench_$$*.c) | $(O)/bench
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) -o $@

# ---- tests ----
check-root:
	@[ "$$(id -u)" = 0 ] || { echo "nexus: the end-to-end tests load BPF programs: run as root (sudo make test)" >&2; exit 1; }

# The runner prints one line per test and the closing "N passed, N failed".
test: deps
	$(Q)$(MAKE) --no-print-directory -j$$(nproc) all $(UNIT_BINS) $(O)/tests/fuzz_replay $(NXCHECK)
	$(Q)O=$(O) tests/run.sh $(UNIT_BINS) $(O)/tests/fuzz_replay $(sort $(wildcard tests/e2e/t*.sh))

unit: $(UNIT_BINS)
	$(Q)O=$(O) tests/run.sh $(UNIT_BINS)

e2e: all $(NXCHECK)
	$(Q)O=$(O) tests/run.sh $(sort $(wildcard tests/e2e/t*.sh))

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCHES)
	$(Q)O=$(O) tests/bench/run.sh $(BENCHES) $(wildcard tests/bench/bench_*.sh)

# Sanitized build in its own tree; the e2e tests use the sanitized binaries too.
asan: deps
	$(Q)$(MAKE) --no-print-directory O=build-asan \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test

# libFuzzer targets (clang); the corpus replay driver runs in `make test`.
# A target links only the layers it includes (as the unit suites do), so a
# half-built upper layer never stops a lower layer's fuzzing: format always,
# analyze when it includes an analyze/ header, and capture/<m>.c for each
# capture/<m>.h it includes.
FUZZ_TIME ?= 600
FUZZ_NAMES := $(notdir $(basename $(FUZZ_SRCS)))
fuzz_inc = $(shell grep -ho '^\#include "$(2)/[a-z_]*\.h"' tests/fuzz/$(1).c 2>/dev/null | sed 's/.*"\(.*\)\.h"/\1.c/')
fuzz_srcs = $(FORMAT_SRCS) $(if $(call fuzz_inc,$(1),analyze),$(ANALYZE_SRCS) $(GEN)/syscall_names.c) \
	    $(call fuzz_inc,$(1),capture)
fuzz_libs = $(if $(call fuzz_inc,$(1),capture),$(LIBS),$(if $(call fuzz_inc,$(1),analyze),$(ANALYZE_LIB) $(FORMAT_LIB),$(FORMAT_LIB)))

$(O)/tests/replay_fuzz_%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c $$(call fuzz_libs,fuzz_$$*) | $(O)/tests
	@echo "  LD      $@"
	$(Q)$(CC) $(NX_CFLAGS) $(CFLAGS) $(LDFLAGS) $(filter %.c %.a,$^) $(LDLIBS_ALL) -o $@

$(O)/tests/fuzz_replay: $(patsubst %,$(O)/tests/replay_%,$(FUZZ_NAMES)) | $(O)/tests
	$(Q)printf '#!/bin/sh\n# replays every fuzz corpus and crash regression through its target\nset -e\nfor t in %s; do "$$(dirname "$$0")/replay_$$t" tests/fuzz/corpus/$$t; done\n' \
		"$(FUZZ_NAMES)" > $@ && chmod +x $@

fuzz-build: | $(O)/fuzz
	$(Q)for n in $(FUZZ_NAMES); do \
		echo "  FUZZ    $(O)/fuzz/$$n"; \
		srcs="$(FORMAT_SRCS)"; \
		if grep -q '^#include "analyze/' tests/fuzz/$$n.c; then \
			$(MAKE) --no-print-directory -s $(GEN)/syscall_names.c >/dev/null || exit 1; \
			srcs="$$srcs $(ANALYZE_SRCS) $(GEN)/syscall_names.c"; fi; \
		for m in $$(grep -ho '^#include "capture/[a-z_]*\.h"' tests/fuzz/$$n.c | sed 's/.*"\(.*\)\.h"/\1.c/'); do \
			srcs="$$srcs $$m"; done; \
		$(CLANG) -std=gnu11 -D_GNU_SOURCE -g -O1 -iquote . -I$(GEN) -DNX_VERSION='"$(VERSION)"' \
			-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
			tests/fuzz/$$n.c $$srcs $(LDLIBS_ALL) -o $(O)/fuzz/$$n || exit 1; \
	done

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)for n in $(FUZZ_NAMES); do mkdir -p $(O)/fuzz/corpus-$$n; \
		$(O)/fuzz/$$n -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 -timeout=10 \
			-artifact_prefix=$(O)/fuzz/$$n- \
			$(O)/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

# ---- demo ----
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)[ "$$(id -u)" = 0 ] || { echo "nexus: the demo loads BPF programs: run it as root (sudo make demo)" >&2; exit 1; }
	$(Q)O=$(O) examples/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/lib/nexus
	install -m 0644 $(NXCOLUMNS_SO) $(DESTDIR)$(PREFIX)/lib/nexus/

clean:
	rm -rf $(O) build-asan

-include $(shell find $(O) -name '*.d' 2>/dev/null)
