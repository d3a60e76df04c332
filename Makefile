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
#   make install PREFIX=/usr/local
#   make clean

CC := clang
PREFIX ?= /usr/local
B := build

WARN := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
CFLAGS ?= -O2 -g
PF_CFLAGS := $(WARN) -Isrc -fPIC -fno-omit-frame-pointer
LIBS := -lcjson -lpq -lcrypto -lm -lpthread
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZSAN := -fsanitize=fuzzer-no-link,address,undefined

SRC := $(sort $(wildcard src/*.c))
HDR := $(wildcard src/*.h)
TOOLSRC := $(sort $(wildcard tools/*.c))
TESTSRC := $(sort $(wildcard tests/unit/test_*.c))
HARNESS := $(sort $(wildcard harnesses/*.c))
PGINC := -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)

OBJ := $(SRC:src/%.c=$(B)/obj/%.o)
TOOLOBJ := $(TOOLSRC:tools/%.c=$(B)/obj/tools/%.o)
AOBJ := $(SRC:src/%.c=$(B)/asan/obj/%.o)
ATOOLOBJ := $(TOOLSRC:tools/%.c=$(B)/asan/obj/tools/%.o)
FOBJ := $(SRC:src/%.c=$(B)/fuzzobj/%.o)
TESTBIN := $(TESTSRC:tests/unit/%.c=$(B)/asan/tests/%)
FUZZBIN := $(HARNESS:harnesses/%.c=$(B)/fuzz/%)

# The libFuzzer and AFL++ mutator glue.
LFGLUE := fuzz/pf_libfuzzer.c
AFLGLUE := fuzz/pf_afl.c

# Keep objects that pattern rules chain through (make would delete them).
.SECONDARY:

.PHONY: all deps deps-check test demo bench fuzz fuzz-long install clean \
        asan service

all: $(B)/bin/prodfuzz $(B)/lib/libprodfuzz.a $(B)/lib/pkgconfig/prodfuzz.pc \
     $(B)/lib/libprodfuzz_libfuzzer.a $(B)/lib/pkgconfig/prodfuzz-libfuzzer.pc \
     $(B)/lib/prodfuzz_afl.so

deps:
	@tools/deps.sh install

deps-check:
	@tools/deps.sh ensure

# ---- release build ---------------------------------------------------------
$(B)/obj/%.o: src/%.c $(HDR) | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) $(CFLAGS) $(PGINC) -c $< -o $@

$(B)/obj/tools/%.o: tools/%.c $(HDR) $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) $(CFLAGS) $(PGINC) -Itools -c $< -o $@

$(B)/lib/libprodfuzz.a: $(OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/bin/prodfuzz: $(TOOLOBJ) $(B)/lib/libprodfuzz.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(TOOLOBJ) $(B)/lib/libprodfuzz.a $(LIBS)

$(B)/lib/pkgconfig/prodfuzz.pc: Makefile
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(abspath $(B))' 'libdir=$${prefix}/lib' \
	  'includedir=$(abspath src)' '' 'Name: prodfuzz' \
	  'Description: production-shaped fuzzing: corpus, shape, mutation' \
	  'Version: $(shell sed -n 's/.*PF_VERSION "\(.*\)"/\1/p' src/pf_version.h)' \
	  'Requires.private: libcjson libpq libcrypto' \
	  'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lprodfuzz -lcjson -lpq -lcrypto -lm -lpthread' > $@

# The libFuzzer mutator library: libFuzzer only references the custom
# mutator weakly, so the .pc file forces the member in with -u.
$(B)/obj/fuzz/%.o: fuzz/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) $(CFLAGS) -c $< -o $@

$(B)/lib/libprodfuzz_libfuzzer.a: $(OBJ) $(LFGLUE:fuzz/%.c=$(B)/obj/fuzz/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/lib/pkgconfig/prodfuzz-libfuzzer.pc: Makefile
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(abspath $(B))' 'libdir=$${prefix}/lib' \
	  'includedir=$(abspath src)' '' 'Name: prodfuzz-libfuzzer' \
	  'Description: prodfuzz custom mutator and crossover for libFuzzer' \
	  'Version: $(shell sed -n 's/.*PF_VERSION "\(.*\)"/\1/p' src/pf_version.h)' \
	  'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -Wl,-u,LLVMFuzzerCustomMutator -Wl,-u,LLVMFuzzerCustomCrossOver -lprodfuzz_libfuzzer -lcjson -lpq -lcrypto -lm -lpthread' > $@

$(B)/lib/prodfuzz_afl.so: $(SRC) $(AFLGLUE) $(HDR)
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) $(CFLAGS) $(PGINC) -shared -o $@ $(SRC) $(AFLGLUE) $(LIBS)

# ---- sanitizer build for tests ------------------------------------------
$(B)/asan/obj/%.o: src/%.c $(HDR) | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) -O1 -g $(SAN) $(PGINC) -c $< -o $@

$(B)/asan/obj/tools/%.o: tools/%.c $(HDR) $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) -O1 -g $(SAN) $(PGINC) -Itools -c $< -o $@

$(B)/asan/lib/libprodfuzz.a: $(AOBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/asan/bin/prodfuzz: $(ATOOLOBJ) $(B)/asan/lib/libprodfuzz.a
	@mkdir -p $(@D)
	$(CC) $(SAN) -g -o $@ $(ATOOLOBJ) $(B)/asan/lib/libprodfuzz.a $(LIBS)

$(B)/asan/tests/%: tests/unit/%.c tests/unit/pf_test.h $(B)/asan/lib/libprodfuzz.a
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) -O1 -g $(SAN) $(PGINC) -Itests/unit -o $@ $< \
	  $(B)/asan/lib/libprodfuzz.a -lcmocka $(LIBS)

asan: $(B)/asan/bin/prodfuzz $(TESTBIN)

# ---- fuzzing ---------------------------------------------------------------
$(B)/fuzzobj/%.o: src/%.c $(HDR) | deps-check
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) -O1 -g $(FUZZSAN) $(PGINC) -c $< -o $@

$(B)/fuzz/%: harnesses/%.c $(FOBJ) $(HDR)
	@mkdir -p $(@D)
	$(CC) $(PF_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined $(PGINC) \
	  -o $@ $< $(FOBJ) $(LIBS)

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

$(B)/svc/service_orders: harnesses/service_orders.c
	@mkdir -p $(@D)
	$(CC) $(SVCFLAGS) -o $@ $< -lcjson

$(B)/svc/service_orders_pf: harnesses/service_orders.c $(B)/lib/libprodfuzz_libfuzzer.a \
                            $(B)/lib/pkgconfig/prodfuzz-libfuzzer.pc
	@mkdir -p $(@D)
	$(CC) $(SVCFLAGS) -o $@ $< -lcjson \
	  $$(PKG_CONFIG_PATH=$(B)/lib/pkgconfig pkg-config --libs prodfuzz-libfuzzer)

# ---- entry points ---------------------------------------------------------
test: deps-check
	@$(MAKE) --no-print-directory all asan fuzz service
	@tests/run.sh

demo: deps-check
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

bench: all
	@tools/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/prodfuzz
	install -m 0755 $(B)/bin/prodfuzz $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(B)/lib/libprodfuzz.a $(B)/lib/libprodfuzz_libfuzzer.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(B)/lib/prodfuzz_afl.so $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 src/*.h $(DESTDIR)$(PREFIX)/include/prodfuzz/
	for pc in prodfuzz prodfuzz-libfuzzer; do \
	  sed -e 's|^prefix=.*|prefix=$(PREFIX)|' \
	      -e 's|^includedir=.*|includedir=$${prefix}/include/prodfuzz|' \
	      $(B)/lib/pkgconfig/$$pc.pc > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc || exit 1; \
	done

clean:
	rm -rf $(B)
