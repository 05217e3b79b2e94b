# ssmd: one Makefile for every program, the library, tests, man pages.
#
#   make              build every program into bin/
#   make check        build and run all unit and integration tests
#   make SAN=1 check  the same with AddressSanitizer and UBSan
#   make lint         mandoc -Tlint on every page, plus static checks
#   make bench        run the benchmarks (they print ratios; never fail)
#   make install PREFIX=/usr/local DESTDIR=
#   make run          capture (see README.md)
#   make image        the container image, build/ssmd-image.tar (as root;
#                     make image-check also proves two builds are identical)

PREFIX	?= /usr/local
DESTDIR	?=
VERSION	:= 0.1.0
CC	?= cc

# Dependencies with a pkg-config file; wslay ships none.
PKGS	:= libevent libevent_openssl openssl yaml-0.1 zlib libnats jansson libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
DEPS_OK	:= $(shell pkg-config --exists $(PKGS) cmocka 2>/dev/null && \
	     test -f /usr/include/wslay/wslay.h && echo yes)

CFLAGS	?= -O2 -g
WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter -Wno-format-zero-length
XCFLAGS	:= -std=c17 -D_GNU_SOURCE -DSSMD_VERSION='"$(VERSION)"' -Ilib \
	   $(WARN) $(PKG_CFLAGS) -MMD -MP
LDLIBS	:= -Wl,--as-needed $(PKG_LIBS) -lwslay -lpthread -lm

ifeq ($(SAN),1)
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
MODE	:= $(notdir $(CC))-san
else
MODE	:= $(notdir $(CC))
endif

# Objects per compiler and mode, so that gcc, clang and sanitizer builds
# never mix; bin/ is relinked whenever the mode changes.
B	:= build/$(MODE)
PROGS	:= $(notdir $(wildcard cmd/*))
BINS	:= $(PROGS:%=bin/%)
LIB_SRC	:= $(wildcard lib/*.c)
LIB_OBJ	:= $(LIB_SRC:%.c=$(B)/%.o)
LIB	:= $(B)/libssmd.a
# Unit tests: tests/unit/lib/ for libssmd, tests/unit/<program>/ for one
# program's own modules.
UNIT_SRC := $(wildcard tests/unit/*/test_*.c)
UNITS	:= $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# Programs the integration tests drive (not installed): tests/tools/lib/
# link libssmd, tests/tools/<program>/ that program's modules too.
TOOL_SRC := $(wildcard tests/tools/*/*.c)
TOOLS	:= $(addprefix $(B)/tools/,$(notdir $(TOOL_SRC:.c=)))
MANS	:= $(wildcard man/*.[1-8])

.PHONY: all deps check unit integration lint bench install uninstall \
	clean run fuzz fuzz-smoke tools image image-check FORCE

all: deps $(BINS)

deps:
ifneq ($(DEPS_OK),yes)
	@echo "make: build dependencies are missing; running scripts/install-deps"
	@scripts/install-deps || { echo "make: run scripts/install-deps as root" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(MAKECMDGOALS)
	@exit 0
endif

build/.mode-$(MODE): FORCE
	@mkdir -p build
	@test "$$(cat build/.mode 2>/dev/null)" = "$(MODE)" || echo "$(MODE)" > build/.mode
	@touch -r build/.mode $@

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

# An archive is made anew when its list of members changes, not only when
# a member does: a module moved away must not linger in the old archive.
$(B)/%.members: FORCE
	@mkdir -p $(@D)
	@echo '$(MEMBERS)' | cmp -s - $@ 2>/dev/null || echo '$(MEMBERS)' > $@

$(B)/lib/libssmd.members: MEMBERS = $(LIB_OBJ)
$(LIB): $(LIB_OBJ) $(B)/lib/libssmd.members
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# Each program: main.o, then an archive of its own modules (every
# cmd/<prog>/*.c but main.c), then libssmd.
define program
$(1)_OBJ := $$(patsubst %.c,$(B)/%.o,$$(filter-out cmd/$(1)/main.c,$$(wildcard cmd/$(1)/*.c)))
$(B)/cmd/$(1)/prog.members: MEMBERS = $$($(1)_OBJ)
$(B)/cmd/$(1)/prog.a: $$($(1)_OBJ) $(B)/cmd/$(1)/prog.members
	@mkdir -p $$(@D)
	@rm -f $$@
	$(AR) rcs $$@ $$($(1)_OBJ)
bin/$(1): $(B)/cmd/$(1)/main.o $(B)/cmd/$(1)/prog.a $(LIB) build/.mode-$(MODE)
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $$@ $(B)/cmd/$(1)/main.o $(B)/cmd/$(1)/prog.a $(LIB) $(LDLIBS)
$(B)/tests/$(1)/%: tests/unit/$(1)/%.c $(B)/cmd/$(1)/prog.a $(LIB)
	@mkdir -p $$(@D)
	$(CC) $(XCFLAGS) -Icmd/$(1) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $$@ $$< \
	    $(B)/cmd/$(1)/prog.a $(LIB) $$$$(pkg-config --cflags --libs cmocka) $(LDLIBS)
$(B)/tools/%: tests/tools/$(1)/%.c $(B)/cmd/$(1)/prog.a $(LIB)
	@mkdir -p $$(@D)
	$(CC) $(XCFLAGS) -Icmd/$(1) $(CFLAGS) $(LDFLAGS) -o $$@ $$< \
	    $(B)/cmd/$(1)/prog.a $(LIB) $(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call program,$(p))))

$(B)/tests/lib/%: tests/unit/lib/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) \
	    $$(pkg-config --cflags --libs cmocka) $(LDLIBS)

$(B)/tools/%: tests/tools/lib/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tools: $(TOOLS)

check: all $(UNITS) $(TOOLS)
	@SSMD_BUILD=$(B) SSMD_SAN=$(SAN) tests/run $(UNITS)

unit: all $(UNITS)
	@SSMD_BUILD=$(B) tests/run --unit-only $(UNITS)

integration: all $(TOOLS)
	@SSMD_BUILD=$(B) SSMD_SAN=$(SAN) tests/run --bats-only

lint: $(BINS)
	@scripts/check-layout $(B)
	@# A manpath of our own pages, so Xr between them resolves.
	@rm -rf build/manpath && mkdir -p build/manpath/man1 build/manpath/man7 build/manpath/man8
	@cp $(filter %.1,$(MANS)) build/manpath/man1/ && cp $(filter %.7,$(MANS)) build/manpath/man7/
	@cp $(filter %.8,$(MANS)) build/manpath/man8/
	@makewhatis build/manpath
	@out=$$(mandoc -Tlint -W style -M build/manpath $(MANS) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "lint: mandoc found problems"; exit 1; fi; \
	echo "lint: $(words $(MANS)) man pages clean"
	@sh -n scripts/install-deps
	@if command -v cppcheck >/dev/null; then \
	    cppcheck -q --error-exitcode=1 --inline-suppr \
	        --enable=warning,portability --std=c11 -D_GNU_SOURCE \
	        -DSSMD_VERSION='"0"' -Ilib lib cmd 2>&1 && echo "lint: cppcheck clean"; \
	fi

bench: all
	@for b in scripts/bench-*; do echo "== $$b"; $$b || echo "$$b failed"; done

run: all
	@scripts/run

# libFuzzer targets: tests/fuzz/lib/fuzz_*.c link libssmd's sources,
# tests/fuzz/<program>/fuzz_*.c that program's modules too, all built with
# clang, ASan and UBSan.  `make fuzz` runs each for FUZZ_SECONDS (60) on
# its corpus (tests/fuzz/corpus/<target>/, copied to build/fuzz/), keeping
# what it finds there; `make fuzz-smoke` builds them and runs each briefly.
FUZZ_SRC := $(wildcard tests/fuzz/*/fuzz_*.c)
FUZZ	:= $(addprefix build/fuzz/,$(notdir $(FUZZ_SRC:.c=)))
FZ_CFLAGS := $(XCFLAGS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	     -fno-sanitize-recover=undefined
FZ_LIB	:= $(LIB_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FZ_CFLAGS) -c -o $@ $<

define fuzz_prog
build/fuzz/%: tests/fuzz/$(1)/%.c $$(patsubst %.c,build/fuzz/obj/%.o,$$(filter-out cmd/$(1)/main.c,$$(wildcard cmd/$(1)/*.c))) $(FZ_LIB)
	clang $(FZ_CFLAGS) -Icmd/$(1) -fsanitize=fuzzer -o $$@ $$(filter %.c %.o,$$^) $(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call fuzz_prog,$(p))))

build/fuzz/%: tests/fuzz/lib/%.c $(FZ_LIB)
	clang $(FZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LDLIBS)

fuzz: $(FUZZ)
	@for f in $(FUZZ); do t=$$(basename $$f); \
	    mkdir -p build/fuzz/corpus/$$t; \
	    cp tests/fuzz/corpus/$$t/* build/fuzz/corpus/$$t/ 2>/dev/null; \
	    echo "== $$t ($${FUZZ_SECONDS:-60} s)"; \
	    $$f -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 \
	        -print_final_stats=1 build/fuzz/corpus/$$t \
	        > build/fuzz/$$t.log 2>&1; rc=$$?; \
	    grep -E '^#[0-9]+.*(DONE|cov:)|^stat::number_of_executed_units' \
	        build/fuzz/$$t.log | tail -2; \
	    if [ $$rc -ne 0 ]; then tail -40 build/fuzz/$$t.log; \
	        echo "fuzz: $$t found a problem (build/fuzz/$$t.log)"; exit 1; fi; \
	done

fuzz-smoke: $(FUZZ)
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-5}

# The image is built from the sources by the Containerfile's own build
# stage; these are what it copies.
IMAGE_SRC := Containerfile scripts/build-image Makefile $(wildcard lib/*.[ch] \
	     cmd/*/*.[ch] man/*.[1-8] exchanges/*/*) scripts/supervise scripts/mkcerts

image: build/ssmd-image.tar

build/ssmd-image.tar: $(IMAGE_SRC)
	scripts/build-image

image-check:
	scripts/build-image --check

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(filter %.1,$(MANS)) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(filter %.7,$(MANS)) $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 $(filter %.8,$(MANS)) $(DESTDIR)$(PREFIX)/share/man/man8
	@# What the pages refer to: the example exchanges files, the
	@# supervisor example and the throwaway-certificate maker.
	install -d $(DESTDIR)$(PREFIX)/share/ssmd/exchanges/environments \
	    $(DESTDIR)$(PREFIX)/share/ssmd/exchanges/feeds \
	    $(DESTDIR)$(PREFIX)/share/ssmd/scripts
	install -m 644 exchanges/environments/*.yaml \
	    $(DESTDIR)$(PREFIX)/share/ssmd/exchanges/environments
	install -m 644 exchanges/feeds/*.yaml $(DESTDIR)$(PREFIX)/share/ssmd/exchanges/feeds
	install -m 755 scripts/supervise scripts/mkcerts \
	    $(DESTDIR)$(PREFIX)/share/ssmd/scripts

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(PREFIX)/bin/%) \
	    $(notdir $(filter %.1,$(MANS)):%=$(DESTDIR)$(PREFIX)/share/man/man1/%) \
	    $(notdir $(filter %.7,$(MANS)):%=$(DESTDIR)$(PREFIX)/share/man/man7/%) \
	    $(notdir $(filter %.8,$(MANS)):%=$(DESTDIR)$(PREFIX)/share/man/man8/%)
	rm -rf $(DESTDIR)$(PREFIX)/share/ssmd

clean:
	rm -rf bin build

FORCE:

.SECONDARY:

-include $(shell find build -path build/image -prune -o -name '*.d' -type f -print 2>/dev/null)
