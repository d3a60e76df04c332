# prodfuzz: every entry point of the project.
#
#   make deps      install the Debian packages prodfuzz needs (root), or say
#                  the exact apt-get line (exit 3)
#   make           build/bin/prodfuzz, build/lib/libprodfuzz.a and the
#                  mutator libraries
#   make test      everything built with ASan+UBSan+LSan, unit, CLI,
#                  integration (throwaway PostgreSQL) and fuzz smoke tests
#   make demo      the whole pipeline on a throwaway PostgreSQL
#   make bench     throughput figures against references measured in the
#                  same run
#   make fuzz      libFuzzer harnesses under build/fuzz/
#   make install PREFIX=/usr/local   (DESTDIR honoured; make uninstall)
#   make clean
#
# Only `make deps` installs packages (and `make test`/`make demo` as root,
# before anything compiles); every build only checks (deps-check, once).
# CPPFLAGS, CFLAGS (release build), LDFLAGS and LDLIBS are honoured.

CC := clang
PREFIX ?= /usr/local
B := build

# -Werror only where the compiler is pinned: the test, sanitizer and fuzz
# builds (make test passes WERROR=-Werror down to the release objects too).
# A plain `make` on a newer compiler warns but still builds.
STD := -std=c11 -D_GNU_SOURCE
WARN := $(STD) -Wall -Wextra -Werror
WERROR ?=
CFLAGS ?= -O2 -g
# Header dependencies come from the compiler (build/**/*.d, included below).
DEPFLAGS = -MMD -MP
PF_CFLAGS := $(STD) -Wall -Wextra $(WERROR) -Isrc -fPIC -fno-omit-frame-pointer
# The test/sanitizer/fuzz builds: always -Werror.
PF_TCFLAGS := $(WARN) -Isrc -fPIC -fno-omit-frame-pointer
LIBS := -lcjson -lpq -lcrypto -lm -lpthread
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZSAN := -fsanitize=fuzzer-no-link,address,undefined

SRC := $(sort $(wildcard src/*.c))
HDR := $(wildcard src/*.h)
# Installed by make install under include/prodfuzz/ (the *_int.h and
# *_impl.h headers are private to the library). Add new public headers here
# (tests/cli/test_build.sh fails on a src/*.h that is neither listed nor
# named *_int.h / *_impl.h). The harness kit's header is installed beside them.
PUBLIC_HDR := harnesses/kit/prodfuzz_harness.h src/pf_anon.h src/pf_buf.h src/pf_corpus.h src/pf_crash.h \
  src/pf_diff.h src/pf_docs.h src/pf_err.h src/pf_explain.h src/pf_format.h src/pf_fpe.h \
  src/pf_fs.h src/pf_hash.h src/pf_inputs.h src/pf_json.h src/pf_jsonl.h src/pf_mutate.h \
  src/pf_path.h src/pf_pg.h src/pf_report.h src/pf_run.h src/pf_seed.h src/pf_shape.h \
  src/pf_version.h src/pf_worker.h src/pf_nightly.h
TOOLSRC := $(sort $(wildcard tools/*.c))
TESTSRC := $(sort $(wildcard tests/unit/test_*.c))
HARNESS := $(sort $(wildcard harnesses/*.c))
# libpq's include folder, asked of pg_config only when a compile first needs
# it (after deps-check), never when the Makefile is read: a fresh machine has
# no pg_config before `make deps`. Computed once, then kept.
PGINC = $(eval PGINC := -I$(or $(shell pg_config --includedir 2>/dev/null),/usr/include/postgresql))$(PGINC)

OBJ := $(SRC:src/%.c=$(B)/obj/%.o)
TOOLOBJ := $(TOOLSRC:tools/%.c=$(B)/obj/tools/%.o)
AOBJ := $(SRC:src/%.c=$(B)/asan/obj/%.o)
ATOOLOBJ := $(TOOLSRC:tools/%.c=$(B)/asan/obj/tools/%.o)
FOBJ := $(SRC:src/%.c=$(B)/fuzzobj/%.o)
TESTBIN := $(TESTSRC:tests/unit/%.c=$(B)/asan/tests/%)
# Fault injection (tests/fault/, as SQLite does it): these unit tests link
# tests/fault/pf_fault.c, which takes the library's allocations and writes
# (--wrap) and fails the Nth one on request (out of memory, a full disk).
FAULTSRC := $(sort $(wildcard tests/fault/test_*.c))
TESTBIN += $(FAULTSRC:tests/fault/%.c=$(B)/asan/tests/%)
FAULTWRAP := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc \
             -Wl,--wrap=strdup -Wl,--wrap=strndup \
             -Wl,--wrap=write -Wl,--wrap=fwrite -Wl,--wrap=fflush -Wl,--wrap=fsync
FUZZBIN := $(HARNESS:harnesses/%.c=$(B)/fuzz/%)

# The libFuzzer and AFL++ mutator glue.
LFGLUE := fuzz/pf_libfuzzer.c
AFLGLUE := fuzz/pf_afl.c

# Keep objects that pattern rules chain through (make would delete them).
.SECONDARY:

.PHONY: all deps deps-check test test-browser demo bench fuzz fuzz-long install \
        uninstall clean asan service test-list

all: $(B)/bin/prodfuzz $(B)/lib/libprodfuzz.a $(B)/lib/pkgconfig/prodfuzz.pc \
     $(B)/lib/libprodfuzz_libfuzzer.a $(B)/lib/pkgconfig/prodfuzz-libfuzzer.pc \
     $(B)/lib/prodfuzz_afl.so $(B)/lib/libprodfuzz_runner.a

# The one step that installs (root), or names the exact apt-get line (exit 3).
deps:
	@tools/deps.sh install

# Building never installs: every compile rule waits for this check
# (`| deps-check`), which runs once per make and fails with exit 3 and the
# apt-get line when a package is missing. Add it to every new compile rule.
deps-check:
ifndef PF_DEPS_CHECKED
	@tools/deps.sh check
endif

# ---- release build ---------------------------------------------------------
$(B)/obj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(PGINC) $(DEPFLAGS) -c $< -o $@

$(B)/obj/tools/%.o: tools/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(PGINC) -Itools $(DEPFLAGS) -c $< -o $@

$(B)/lib/libprodfuzz.a: $(OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/bin/prodfuzz: $(TOOLOBJ) $(B)/lib/libprodfuzz.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOLOBJ) $(B)/lib/libprodfuzz.a $(LIBS) $(LDLIBS)

# pkg-config files, each dependency listed once. The libraries ship as
# static archives only, so every program linking them needs cJSON, libpq
# and libcrypto too: they go in Requires (their .pc files give -l and -I),
# not in Requires.private, which only `pkg-config --static` reads and which
# would then also pull libpq's own static-only libraries (pgcommon, pgport,
# gssapi_krb5) that Debian does not ship. -lm and -lpthread have no .pc.
PC_VERSION = $$(sed -n 's/.*PF_VERSION "\(.*\)"/\1/p' src/pf_version.h)
PC_DEPS := 'Requires: libcjson libpq libcrypto'

$(B)/lib/pkgconfig/prodfuzz.pc: src/pf_version.h Makefile
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(abspath $(B))' 'libdir=$${prefix}/lib' \
	  'includedir=$(abspath src)' 'kitdir=$(abspath harnesses/kit)' '' 'Name: prodfuzz' \
	  'Description: production-shaped fuzzing: corpus, shape, mutation' \
	  "Version: $(PC_VERSION)" $(PC_DEPS) \
	  'Cflags: -I$${includedir} -I$${kitdir}' 'Libs: -L$${libdir} -lprodfuzz -lm -lpthread' > $@

# The libFuzzer mutator library: libFuzzer only references the custom
# mutator weakly, so the .pc file forces the member in with -u.
$(B)/obj/fuzz/%.o: fuzz/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(PGINC) $(DEPFLAGS) -c $< -o $@

$(B)/lib/libprodfuzz_libfuzzer.a: $(OBJ) $(LFGLUE:fuzz/%.c=$(B)/obj/fuzz/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/lib/pkgconfig/prodfuzz-libfuzzer.pc: src/pf_version.h Makefile
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(abspath $(B))' 'libdir=$${prefix}/lib' \
	  'includedir=$(abspath src)' 'kitdir=$(abspath harnesses/kit)' '' 'Name: prodfuzz-libfuzzer' \
	  'Description: prodfuzz custom mutator and crossover for libFuzzer' \
	  "Version: $(PC_VERSION)" $(PC_DEPS) \
	  'Cflags: -I$${includedir} -I$${kitdir}' \
	  'Libs: -L$${libdir} -Wl,-u,LLVMFuzzerCustomMutator -Wl,-u,LLVMFuzzerCustomCrossOver -Wl,-u,pf_worker_serve -lprodfuzz_libfuzzer -lm -lpthread' > $@

# main() and the worker for targets built without libFuzzer (a plain ASan
# or TSan build that `prodfuzz check` drives; docs/check.md). libc only.
$(B)/lib/libprodfuzz_runner.a: $(B)/obj/fuzz/pf_runner_main.o $(B)/obj/pf_worker.o
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The AFL++ custom mutator: the release objects are already PIC.
$(B)/lib/prodfuzz_afl.so: $(OBJ) $(AFLGLUE:fuzz/%.c=$(B)/obj/fuzz/%.o)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@ $^ $(LIBS) $(LDLIBS)

# ---- sanitizer build for tests ------------------------------------------
$(B)/asan/obj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_TCFLAGS) $(CPPFLAGS) -O1 -g $(SAN) $(PGINC) $(DEPFLAGS) -c $< -o $@

$(B)/asan/obj/tools/%.o: tools/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_TCFLAGS) $(CPPFLAGS) -O1 -g $(SAN) $(PGINC) -Itools $(DEPFLAGS) -c $< -o $@

$(B)/asan/lib/libprodfuzz.a: $(AOBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/asan/bin/prodfuzz: $(ATOOLOBJ) $(B)/asan/lib/libprodfuzz.a
	@mkdir -p $(@D)
	$(CC) $(SAN) -g $(LDFLAGS) -o $@ $(ATOOLOBJ) $(B)/asan/lib/libprodfuzz.a $(LIBS) $(LDLIBS)

# Compiled and linked in one step: the dependency file is named after the
# binary (test_x.d next to test_x).
$(B)/asan/tests/%: tests/unit/%.c $(B)/asan/lib/libprodfuzz.a | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_TCFLAGS) $(CPPFLAGS) -O1 -g $(SAN) $(PGINC) -Itests/unit \
	  $(DEPFLAGS) -MF $@.d -MT $@ $(LDFLAGS) -o $@ $< \
	  $(B)/asan/lib/libprodfuzz.a -lcmocka $(LIBS) $(LDLIBS)

$(B)/asan/tests/%: tests/fault/%.c tests/fault/pf_fault.c $(B)/asan/lib/libprodfuzz.a | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_TCFLAGS) $(CPPFLAGS) -O1 -g $(SAN) $(PGINC) -Itests/unit -Itests/fault \
	  $(DEPFLAGS) -MF $@.d -MT $@ $(LDFLAGS) $(FAULTWRAP) -o $@ $< tests/fault/pf_fault.c \
	  $(B)/asan/lib/libprodfuzz.a -lcmocka $(LIBS) $(LDLIBS)

asan: $(B)/asan/bin/prodfuzz $(TESTBIN)

# ---- fuzzing ---------------------------------------------------------------
$(B)/fuzzobj/%.o: src/%.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_TCFLAGS) $(CPPFLAGS) -O1 -g $(FUZZSAN) $(PGINC) $(DEPFLAGS) -c $< -o $@

$(B)/fuzz/%: harnesses/%.c $(FOBJ) | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_TCFLAGS) $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $(PGINC) \
	  $(DEPFLAGS) -MF $@.d -MT $@ $(LDFLAGS) -o $@ $< $(FOBJ) $(LIBS) $(LDLIBS)

fuzz: $(FUZZBIN) $(B)/lib/libprodfuzz_libfuzzer.a
	@tools/third_party.sh all; rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "prodfuzz: skipping the third-party harnesses (cJSON, libpq): no Debian source packages" >&2; \
	elif [ $$rc -ne 0 ]; then exit $$rc; \
	else $(MAKE) --no-print-directory fuzz-third-party; fi

# ---- third-party harnesses (harnesses/third_party/) ----------------------
# cJSON and libpq built from Debian's source packages with the fuzzing
# flags by tools/third_party.sh (private apt configuration and cache under
# build/third_party/; never committed), linked with the prodfuzz mutator.
# Without network `make fuzz-third-party` exits 3 and `make fuzz` says it
# skips these harnesses; any other failure fails the build.
TP := $(B)/third_party
TPF := $(TP)/fuzz
TPHARNESS := $(sort $(wildcard harnesses/third_party/*.c))
TPCJSON := $(filter $(B)/fuzz/fuzz_cjson_%,$(TPHARNESS:harnesses/third_party/%.c=$(B)/fuzz/%))
TPLIBPQ := $(filter $(B)/fuzz/fuzz_libpq_%,$(TPHARNESS:harnesses/third_party/%.c=$(B)/fuzz/%))
TPFLAGS := $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
           -I$(TPF)/include -I$(TPF)/include/libpq
PFMUTATOR := -Wl,-u,LLVMFuzzerCustomMutator -Wl,-u,LLVMFuzzerCustomCrossOver \
             $(B)/lib/libprodfuzz_libfuzzer.a $(LIBS)
PGSTATIC := $(TPF)/lib/libpq.a $(TPF)/lib/libpgcommon_shlib.a $(TPF)/lib/libpgport_shlib.a

.PHONY: fuzz-third-party third-party

third-party:
	@tools/third_party.sh all

$(TPF)/.cjson $(TPF)/.cjson_upstream $(TPF)/.libpq $(TP)/cov/.cjson:
	@tools/third_party.sh all

$(TPCJSON): $(B)/fuzz/%: harnesses/third_party/%.c $(TPF)/.cjson $(B)/lib/libprodfuzz_libfuzzer.a
	@mkdir -p $(@D)
	$(CC) $(TPFLAGS) -o $@ $< $(TPF)/lib/libcjson.a $(PFMUTATOR)

# the same ParseWithLength harness on upstream cJSON 1.7.15 as released
# (issue 800 unfixed); not named fuzz_* so make test's smoke run skips it
$(B)/fuzz/cjson_issue800: harnesses/third_party/fuzz_cjson_parse_length.c $(TPF)/.cjson_upstream \
                          $(B)/lib/libprodfuzz_libfuzzer.a
	@mkdir -p $(@D)
	$(CC) $(TPFLAGS) -o $@ $< $(TPF)/lib/libcjson_upstream.a $(PFMUTATOR)

$(TPLIBPQ): $(B)/fuzz/%: harnesses/third_party/%.c $(TPF)/.libpq $(B)/lib/libprodfuzz_libfuzzer.a
	@mkdir -p $(@D)
	$(CC) $(TPFLAGS) -o $@ $< $(PGSTATIC) $(PFMUTATOR)

fuzz-third-party: $(TPCJSON) $(TPLIBPQ) $(B)/fuzz/cjson_issue800


# Longer fuzzing of prodfuzz's own parsers than make test's smoke run:
# PF_SMOKE_SECONDS per harness (default 300).
fuzz-long: fuzz
	@PF_SMOKE_SECONDS=$${PF_SMOKE_SECONDS:-300} tests/run.sh fuzz_

# The example service (harnesses/service_orders.c) built twice from the
# same source for the mutator experiment and the demo: plain libFuzzer,
# and libFuzzer with the prodfuzz mutator linked the way users link it.
SVCFLAGS := $(WARN) -O1 -g -fsanitize=fuzzer,address
service: $(B)/svc/service_orders $(B)/svc/service_orders_pf

$(B)/svc/service_orders: harnesses/service_orders.c | deps-check
	@mkdir -p $(@D)
	$(CC) $(SVCFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< -lcjson $(LDLIBS)

$(B)/svc/service_orders_pf: harnesses/service_orders.c $(B)/lib/libprodfuzz_libfuzzer.a \
                            $(B)/lib/pkgconfig/prodfuzz-libfuzzer.pc | deps-check
	@mkdir -p $(@D)
	$(CC) $(SVCFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< -lcjson \
	  $$(PKG_CONFIG_PATH=$(B)/lib/pkgconfig pkg-config --libs prodfuzz-libfuzzer) $(LDLIBS)

# ---- entry points ---------------------------------------------------------
# make test: as root, installs what is missing first (tools/deps.sh ensure,
# before any compile starts), as it always has; otherwise exit 3 with the
# apt-get line. The build under it checks nothing again and uses -Werror.
test:
	@tools/deps.sh ensure
	@$(MAKE) --no-print-directory all asan fuzz service PF_DEPS_CHECKED=1 WERROR=-Werror
	@tests/run.sh

# The binaries tests/run.sh uses: the command the CLI and integration
# tests run, and the unit-test and fuzz-harness binaries, which it runs and
# nothing else (no stale binary of a deleted test).
# (the third-party harnesses once tools/third_party.sh has built their
# libraries: without network make fuzz skips them, and so does make test)
test-list:
	@printf '%s\n' $(B)/asan/bin/prodfuzz $(TESTBIN) $(FUZZBIN) \
	  $(if $(wildcard $(TPF)/.cjson),$(TPCJSON)) $(if $(wildcard $(TPF)/.libpq),$(TPLIBPQ))

demo:
	@tools/deps.sh ensure
	@$(MAKE) --no-print-directory all PF_DEPS_CHECKED=1
	@tools/demo.sh

bench: all
	@tools/bench.sh

# report.html in headless Chromium (make deps installs it): loads without
# console errors, the charts drew, a screenshot in build/test-browser/.
# Exit 3 without Chromium, never a silent pass.
test-browser: all
	@tools/test_browser.sh

# Files make install writes, relative to $(DESTDIR)$(PREFIX); make
# uninstall removes exactly these.
INSTALLED := bin/prodfuzz lib/libprodfuzz.a lib/libprodfuzz_libfuzzer.a lib/libprodfuzz_runner.a \
  lib/prodfuzz_afl.so lib/pkgconfig/prodfuzz.pc lib/pkgconfig/prodfuzz-libfuzzer.pc \
  $(addprefix include/prodfuzz/,$(notdir $(PUBLIC_HDR)))

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/prodfuzz
	install -m 0755 $(B)/bin/prodfuzz $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(B)/lib/libprodfuzz.a $(B)/lib/libprodfuzz_libfuzzer.a $(B)/lib/libprodfuzz_runner.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(B)/lib/prodfuzz_afl.so $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(PUBLIC_HDR) $(DESTDIR)$(PREFIX)/include/prodfuzz/
	for pc in prodfuzz prodfuzz-libfuzzer; do \
	  sed -e 's|^prefix=.*|prefix=$(PREFIX)|' \
	      -e 's|^includedir=.*|includedir=$${prefix}/include/prodfuzz|' \
	      -e 's|^kitdir=.*|kitdir=$${includedir}|' \
	      $(B)/lib/pkgconfig/$$pc.pc > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc || exit 1; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	-rmdir $(DESTDIR)$(PREFIX)/include/prodfuzz 2>/dev/null

clean:
	rm -rf $(B)

# Header dependencies written by the compiler (-MMD -MP), from the folders
# of our own compiles only (a third-party build under build/ may write .d
# files of its own format). A new rule using $(DEPFLAGS) adds its folder.
DEPDIRS := $(B)/obj $(B)/asan $(B)/fuzzobj $(B)/fuzz
-include $(shell find $(DEPDIRS) -name '*.d' 2>/dev/null)
