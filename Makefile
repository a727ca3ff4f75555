# Makefile: builds the one beacon binary, its unit tests, and runs every test.
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
W        = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wmissing-prototypes \
           -Wstrict-prototypes -Wformat=2 -Wwrite-strings -Wcast-qual -Wno-unused-parameter
PKGS     = fcgi lmdb jansson md4c md4c-html libdeflate inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lfcgi -llmdb -ljansson -lmd4c -lmd4c-html -ldeflate -linih)
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(W) $(XCFLAGS) -Ifirmware -Istore -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lmbedtls -lmbedx509 -lmbedcrypto -lpthread -lm
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

FW_SRC   := $(wildcard firmware/*.c)
ST_SRC   := $(wildcard store/*.c)
WEB      := $(sort $(wildcard web/*.html web/*.css web/*.js web/*.svg))
OBJ      := $(patsubst %.c,$(BUILD)/%.o,$(FW_SRC) $(ST_SRC))
LIB_OBJ  := $(filter-out $(BUILD)/firmware/main.o,$(OBJ))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps run test unit integration asan clean install bench
all: $(BUILD)/beacon

$(BUILD)/gen/web_assets.c: $(WEB) tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh $(WEB) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/web_assets.o: $(BUILD)/gen/web_assets.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/beacon: $(OBJ) $(BUILD)/gen/web_assets.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) $(BUILD)/gen/web_assets.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS) -lcmocka

# Install every Debian package the build, the tests and `make run` need (idempotent).
DEB_PKGS = build-essential pkg-config libfcgi-dev liblmdb-dev lmdb-utils libmbedtls-dev \
           libjansson-dev libmd4c-dev libmd4c-html0-dev libdeflate-dev libinih-dev libcmocka-dev \
           libfcgi-bin nginx-light lighttpd spawn-fcgi curl wrk libxml2-utils chromium fonts-noto-color-emoji jq python3
deps:
	@if dpkg -s $(DEB_PKGS) >/dev/null 2>&1; then echo "deps: all installed"; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PKGS); fi

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

integration: $(BUILD)/beacon
	BEACON=$(abspath $(BUILD)/beacon) sh tests/integration/run.sh

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g" XCFLAGS="$(SAN)" LDFLAGS="$(SAN)" unit integration

test: deps
	$(MAKE) all
	$(MAKE) unit integration
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(MAKE) asan
	@echo "make test: all suites passed"

run: deps all
	sh tools/run-demo.sh $(abspath $(BUILD)/beacon)

bench: deps all
	sh tools/bench/bench.sh $(abspath $(BUILD)/beacon)
	sh tools/bench/bench_repl.sh $(abspath $(BUILD)/beacon)

install: all
	install -D -m 0755 $(BUILD)/beacon $(DESTDIR)/usr/local/bin/beacon

clean:
	rm -rf build build-*

-include $(wildcard $(BUILD)/firmware/*.d $(BUILD)/store/*.d $(BUILD)/tests/*.d)
