# Makefile: builds the one beacon binary and its unit tests, runs every test, installs, and makes the .deb.
CC      ?= cc
BUILD   ?= build
VERSION  = 0.1.0
# Compiler flags in LMDB's split: OPT (optimisation, debug info), W (warnings), XCFLAGS (extras such as
# sanitizers). CFLAGS is the user's to replace; the include paths, defines and dependency files are in
# BEACON_CFLAGS, which every compile uses, so `make CFLAGS=...` never drops them.
OPT     ?= -O2 -g
W        = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wmissing-prototypes \
           -Wstrict-prototypes -Wformat=2 -Wwrite-strings -Wcast-qual -Wno-unused-parameter
PKGS     = fcgi lmdb jansson md4c md4c-html libdeflate inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lfcgi -llmdb -ljansson -lmd4c -lmd4c-html -ldeflate -linih)
CFLAGS   = $(OPT) $(W) $(XCFLAGS)
BEACON_CFLAGS = -std=c11 -D_GNU_SOURCE -DBEACON_VERSION=\"$(VERSION)\" -Ifirmware -Istore -I$(BUILD)/gen \
           $(PKG_CFLAGS) -MMD -MP
ALL_CFLAGS = $(BEACON_CFLAGS) $(CFLAGS)
LDLIBS  += $(PKG_LIBS) -largon2 -lqrencode -lmbedtls -lmbedx509 -lmbedcrypto -lpthread -lm
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Install locations (GNU names; DESTDIR stages a tree, as `make deb` does).
prefix      = /usr/local
exec_prefix = $(prefix)
bindir      = $(exec_prefix)/bin
sysconfdir  = /etc
datarootdir = $(prefix)/share
mandir      = $(datarootdir)/man
docdir      = $(datarootdir)/doc/beacon
unitdir     = $(prefix)/lib/systemd/system
# The binary that install and deb take: the one built here unless told (tests pass theirs).
BEACON_BIN  = $(BUILD)/beacon

FW_SRC   := $(wildcard firmware/*.c)
ST_SRC   := $(wildcard store/*.c)
WEB      := $(sort $(wildcard web/*.html web/*.css web/*.js web/*.svg))
OBJ      := $(patsubst %.c,$(BUILD)/%.o,$(FW_SRC) $(ST_SRC))
LIB_OBJ  := $(filter-out $(BUILD)/firmware/main.o,$(OBJ))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps run test unit integration asan clean install bench deb fuzz fuzz-short fuzz-build fuzz-bins FORCE
all: $(BUILD)/beacon

# The flags stamp: rewritten only when the compile or link flags change, so changing OPT, XCFLAGS,
# CFLAGS or VERSION rebuilds everything.
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' '$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LDLIBS)' | cmp -s - $@ || \
	  printf '%s\n' '$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LDLIBS)' > $@

$(BUILD)/gen/web_assets.c: $(WEB) tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh $(WEB) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/web_assets.o: $(BUILD)/gen/web_assets.c $(BUILD)/flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/beacon: $(OBJ) $(BUILD)/gen/web_assets.o $(BUILD)/flags
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) $(BUILD)/gen/web_assets.o $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS) -lcmocka

# Install every Debian package the build, the tests and `make run` need (idempotent).
DEB_PKGS = build-essential pkg-config libfcgi-dev liblmdb-dev lmdb-utils libmbedtls-dev \
           libjansson-dev libmd4c-dev libmd4c-html0-dev libdeflate-dev libinih-dev libcmocka-dev \
           libfcgi-bin nginx-light lighttpd spawn-fcgi curl wrk libxml2-utils chromium fonts-noto-color-emoji jq python3 faketime
DEB_PKGS += lintian dpkg-dev man-db systemd
DEB_PKGS += clang libfuzzer-14-dev libclang-rt-14-dev
DEB_PKGS += prometheus-alertmanager
DEB_PKGS += python3-aiosmtpd
DEB_PKGS += libargon2-dev libqrencode-dev
deps:
	@if dpkg -s $(DEB_PKGS) >/dev/null 2>&1; then echo "deps: all installed"; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PKGS); fi

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

integration: $(BUILD)/beacon
	BEACON=$(abspath $(BUILD)/beacon) sh tests/integration/run.sh

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=$(BUILD)-asan OPT="-O1 -g" XCFLAGS="$(SAN)" LDFLAGS="$(SAN)" unit integration

test: deps
	$(MAKE) all
	$(MAKE) unit integration
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(MAKE) asan
	$(MAKE) fuzz-short
	@echo "make test: all suites passed"

# libFuzzer drivers (tests/fuzz/fuzz_<name>.c), built by clang into build-fuzz, never mixed with the
# gcc objects. Each runs FUZZ_SECONDS on its seeds (tests/fuzz/corpus/<name>, kept read-only: new
# inputs go to build-fuzz/corpus/<name>) with tests/fuzz/<name>.dict when there is one.
FUZZ_CC      ?= clang
FUZZ_BUILD    = build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT="-O1 -g" XCFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	        LDFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer" fuzz-bins

fuzz-bins: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB_OBJ) $(BUILD)/gen/web_assets.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS)

# One fuzzer: make fuzz FUZZ_NAMES=markdown FUZZ_SECONDS=600
fuzz: fuzz-build
	@fail=0; for n in $(FUZZ_NAMES); do \
	  echo "== fuzz $$n ($(FUZZ_SECONDS) s)"; mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/crashes; \
	  dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(FUZZ_BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=3 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$n- $$dict $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n \
	    > $(FUZZ_BUILD)/$$n.log 2>&1 || { fail=1; echo "fuzz $$n: FAILED, see $(FUZZ_BUILD)/$$n.log"; \
	    grep -m1 -A20 -E 'ERROR: |fuzz check failed|deadly signal' $(FUZZ_BUILD)/$$n.log; \
	    grep -E '^SUMMARY|Test unit written' $(FUZZ_BUILD)/$$n.log; }; \
	  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' $(FUZZ_BUILD)/$$n.log | tr '\n' ' '; echo; \
	done; exit $$fail

# The short pass of `make test`: every seed (each past crash is one) and a few seconds of fuzzing each.
fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=3

run: deps all
	sh tools/run-demo.sh $(abspath $(BUILD)/beacon)

bench: deps all
	sh tools/bench/bench.sh $(abspath $(BUILD)/beacon)
	sh tools/bench/bench_repl.sh $(abspath $(BUILD)/beacon)
	bash tools/bench/bench_intake.sh $(abspath $(BUILD)/beacon)
	sh tools/bench/bench_notify.sh $(abspath $(BUILD)/beacon)

# The binary, man pages, config samples (and /etc/beacon/beacon.conf when there is none) and the
# systemd units with this install's paths.
UNITS = $(wildcard conf/systemd/*.service conf/systemd/*.timer)
install: $(BEACON_BIN)
	install -D -m 0755 $(BEACON_BIN) $(DESTDIR)$(bindir)/beacon
	install -D -m 0644 man/beacon.8 $(DESTDIR)$(mandir)/man8/beacon.8
	install -D -m 0644 man/beacon.conf.5 $(DESTDIR)$(mandir)/man5/beacon.conf.5
	install -D -m 0644 conf/beacon.conf $(DESTDIR)$(docdir)/examples/beacon.conf
	install -D -m 0644 conf/nginx/beacon.conf $(DESTDIR)$(docdir)/examples/nginx/beacon.conf
	install -D -m 0644 conf/lighttpd/beacon.conf $(DESTDIR)$(docdir)/examples/lighttpd/beacon.conf
	[ -e $(DESTDIR)$(sysconfdir)/beacon/beacon.conf ] || \
	  install -D -m 0644 conf/beacon.conf $(DESTDIR)$(sysconfdir)/beacon/beacon.conf
	install -d $(DESTDIR)$(unitdir)
	for u in $(UNITS); do \
	  sed -e 's#/usr/local/bin/beacon#$(bindir)/beacon#g' -e 's#/etc/beacon/#$(sysconfdir)/beacon/#g' $$u \
	    > $(DESTDIR)$(unitdir)/$$(basename $$u) && chmod 0644 $(DESTDIR)$(unitdir)/$$(basename $$u) || exit 1; \
	done

# Debian package in $(BUILD)/deb/: the install tree with prefix /usr, plus maintainer scripts.
deb: $(BEACON_BIN)
	rm -rf $(BUILD)/deb/root
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/deb/root) prefix=/usr \
	  unitdir=/lib/systemd/system BEACON_BIN=$(abspath $(BEACON_BIN))
	sh tools/deb.sh $(BUILD)/deb/root $(VERSION) $(BUILD)/deb

clean:
	rm -rf $(BUILD) $(BUILD)-*

-include $(wildcard $(BUILD)/firmware/*.d $(BUILD)/store/*.d $(BUILD)/tests/*.d $(BUILD)/gen/*.d $(BUILD)/fuzz/*.d)
