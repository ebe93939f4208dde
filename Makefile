# vagus: one non-recursive GNU Makefile, everything built under $(BUILD).
#
#   make            build/vagus, build/libvagus.a, tools
#   make check      unit tests (with the core purity check and format check),
#                   then the real-kernel end-to-end test (tests/e2e/run)
#   make asan       the tests under AddressSanitizer + UBSan
#   make valgrind   the tests under valgrind
#   make fuzz       libFuzzer targets, FUZZ_RUNS executions each (clang)
#   make bench      benchmarks on real recordings
#   make calibrate  the full calibration table of the change statistics
#   make e2e        only the end-to-end test: vagusd, vagus and vagus-sim over
#                   the real kernel Bluetooth stack in QEMU (downloads a kernel)
#   make install    PREFIX=/usr/local DESTDIR=
#   make demo       a session on the simulated strap, ending in its report

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
# /etc for a /usr install, else under the prefix (/usr/local/etc).
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
# systemd looks in /usr/local/lib/systemd/system and /usr/lib/... alike.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DESTDIR ?=
BUILD ?= build

CC ?= cc
# Packagers may set WERROR= to build with a newer compiler's new warnings.
WERROR ?= -Werror
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wundef -Wvla \
	-Wcast-align -Wwrite-strings -Wno-unused-parameter
ALL_CPPFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -MMD -MP $(CPPFLAGS)
ALL_CFLAGS := $(WARNINGS) $(CFLAGS)
LDLIBS_BASE := -lm
BT_LIBS := -lbluetooth

CORE_SRC := $(sort $(wildcard src/core/*.c))
SYS_SRC := $(sort $(wildcard src/sys/*.c))
LIB_SRC := $(CORE_SRC) $(SYS_SRC)
CLI_SRC := $(sort $(wildcard src/cli/*.c))
DAEMON_SRC := $(sort $(wildcard src/daemon/*.c))
# The daemon's modules without main(): tests and the benchmark call them.
DAEMON_LIB_SRC := $(filter-out src/daemon/main.c,$(DAEMON_SRC))
SIM_SRC := $(sort $(wildcard tools/sim/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
# Shell tests (install, docs): run by the same runner after the binaries.
TEST_SCRIPTS := $(sort $(wildcard tests/test_*.sh))
BENCH_SRC := $(sort $(wildcard tools/bench/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIB := $(BUILD)/libvagus.a
CLI := $(if $(CLI_SRC),$(BUILD)/vagus)
DAEMON := $(if $(DAEMON_SRC),$(BUILD)/vagusd)
DAEMON_LIB := $(if $(DAEMON_LIB_SRC),$(BUILD)/libvagusd.a)
SIM := $(if $(SIM_SRC),$(BUILD)/vagus-sim)
BENCH := $(if $(BENCH_SRC),$(BUILD)/vagus-bench)
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_HARNESS := $(call obj,tests/test.c)

# Link libbluetooth only once something uses it.
NEED_BT := $(shell grep -l 'bluetooth/' $(SYS_SRC) $(DAEMON_SRC) $(SIM_SRC) /dev/null 2>/dev/null)
LDLIBS := $(LDLIBS_BASE) $(if $(NEED_BT),$(BT_LIBS)) $(LDLIBS)

.PHONY: e2e all check run-tests test-bin asan valgrind fuzz fuzz-build bench calibrate format \
	format-check purity install uninstall clean demo
.DEFAULT_GOAL := all
# Keep objects of test and fuzz binaries between runs.
.SECONDARY:

all: $(LIB) $(CLI) $(DAEMON) $(SIM) $(BENCH)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(call obj,$(LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

ifneq ($(CLI_SRC),)
$(CLI): $(call obj,$(CLI_SRC)) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
endif

ifneq ($(DAEMON_LIB_SRC),)
$(DAEMON_LIB): $(call obj,$(DAEMON_LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^
endif

ifneq ($(DAEMON_SRC),)
$(DAEMON): $(call obj,src/daemon/main.c) $(DAEMON_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
endif

ifneq ($(SIM_SRC),)
$(SIM): $(call obj,$(SIM_SRC)) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
endif

# The benchmark counts allocations by wrapping malloc and friends.
ifneq ($(BENCH_SRC),)
$(BENCH): $(call obj,$(BENCH_SRC)) $(DAEMON_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) \
		-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
		-o $@ $^ $(LDLIBS)
endif

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_HARNESS) $(DAEMON_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tests may run the built programs, so they are built first.
test-bin: all $(TESTS)

# The end-to-end test comes last: it is the slowest, and a unit test that
# fails says more.
check: test-bin purity format-check run-tests
	tests/e2e/run

run-tests: test-bin
	tools/run-tests $(TESTS) $(TEST_SCRIPTS)

purity:
	@tools/check-core-purity

# Sanitizer builds go to their own tree so they never mix with normal objects.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
asan:
	VAGUS_BUILD=$(BUILD)/asan \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) BUILD=$(BUILD)/asan CFLAGS="$(SAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" test-bin run-tests

valgrind: test-bin
	TEST_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect" \
		tools/run-tests $(TESTS)

# libFuzzer targets: clang, with the library rebuilt under the fuzzer's
# instrumentation in $(BUILD)/fuzz.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 1000000
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ_DIR := $(BUILD)/fuzz/obj
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_OBJ_DIR)/%.o,$(CORE_SRC))

$(FUZZ_OBJ_DIR)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(WARNINGS) $(FUZZ_FLAGS) -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(FUZZ_OBJ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ -lm

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	FUZZ_RUNS=$(FUZZ_RUNS) tools/run-fuzz $(FUZZ_BIN)

bench: all
	$(BENCH)

# Eight seeds of null and planted sessions, a 1000-draw reference bootstrap:
# a few minutes.
calibrate: $(BUILD)/tests/test_change_calibration
	$(BUILD)/tests/test_change_calibration --full

# The real kernel's Bluetooth in QEMU (tests/e2e/run): apt-get (as root or
# through sudo), about 40 s per scenario under TCG.
e2e: all
	tests/e2e/run

# A whole session on the simulated strap, ending in its report
# (tools/demo/run installs what a fresh Debian 12 lacks, then builds).
demo:
	tools/demo/run

FORMAT_FILES = $(wildcard src/*/*.c src/*/*.h include/vagus/*.h tests/*.c \
	tests/*.h tests/fuzz/*.c tools/*/*.c tools/*/*.h)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

MANPAGES := $(wildcard doc/*.[1-9])

# The unit names the installed paths; the config is the admin's once it
# exists, so it is never overwritten.
install: all
	install -d $(DESTDIR)$(BINDIR)
	$(if $(CLI),install -m 0755 $(CLI) $(DESTDIR)$(BINDIR)/vagus)
	$(if $(SIM),install -m 0755 $(SIM) $(DESTDIR)$(BINDIR)/vagus-sim)
	$(if $(DAEMON),install -d $(DESTDIR)$(SBINDIR))
	$(if $(DAEMON),install -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/vagusd)
	@for m in $(MANPAGES); do \
		sec=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$sec; \
		echo install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$sec/; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$sec/ || exit 1; \
	done
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		doc/vagusd.service >$(BUILD)/vagusd.service
	install -m 0644 $(BUILD)/vagusd.service $(DESTDIR)$(UNITDIR)/vagusd.service
	install -m 0644 doc/vagus.sysusers $(DESTDIR)$(SYSUSERSDIR)/vagus.conf
	install -d $(DESTDIR)$(SYSCONFDIR)/vagus
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/vagus/vagusd.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/vagus/vagusd.conf"; \
	else \
		echo install -m 0644 doc/vagusd.conf $(DESTDIR)$(SYSCONFDIR)/vagus/vagusd.conf; \
		install -m 0644 doc/vagusd.conf $(DESTDIR)$(SYSCONFDIR)/vagus/vagusd.conf; \
	fi

# Leaves the config (the admin's edits) and the state directory alone.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vagus $(DESTDIR)$(BINDIR)/vagus-sim \
		$(DESTDIR)$(SBINDIR)/vagusd \
		$(DESTDIR)$(UNITDIR)/vagusd.service \
		$(DESTDIR)$(SYSUSERSDIR)/vagus.conf
	@for m in $(notdir $(MANPAGES)); do \
		echo rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; \
		rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
