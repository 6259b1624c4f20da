# Accord build. `make` builds everything into build/; see README.md for the targets.
CC ?= cc
BUILD ?= build
PKGS := libzmq lmdb msgpack libsodium libutf8proc libmicrohttpd icu-i18n icu-uc jansson libcurl
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CFLAGS ?= -g -O2
ALL_CFLAGS := -std=c11 $(WARN) -MMD -MP -I. -Iserver -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
              $(shell pkg-config --cflags $(PKGS)) $(CFLAGS) $(EXTRA_CFLAGS)
LIBS := $(shell pkg-config --libs $(PKGS)) -lcsv $(EXTRA_LDFLAGS)

PROTO_SRC := $(wildcard proto/*.c)
# Sources are found by wildcard: a new module needs no edit here.
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c server/*/*.c))
CLIENT_SRC := $(filter-out client/accord.c,$(wildcard client/*.c))
PROTO_OBJ := $(PROTO_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/server/http/http_assets.o
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(BUILD)/%.o)
LIB_PROTO := $(BUILD)/libaccord_proto.a
LIB_SERVER := $(BUILD)/libaccord_server.a
LIB_CLIENT := $(BUILD)/libaccord_client.a

BINS := $(BUILD)/accord-node $(BUILD)/accord $(BUILD)/accordctl
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# tests/unit/*.c other than test_*.c (the shared fixture) are linked into every unit test.
UNIT_LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c)))
# one libFuzzer target per tests/fuzz/fuzz_*.c
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/tests/replay_%)

.SECONDARY:
.PHONY: all test unit asan valgrind fuzz bench clean demo install
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The dashboard's page, script and style, built into the node (tools/embed_web.py).
$(BUILD)/server/http/http_assets.c: $(wildcard server/http/web/*) tools/embed_web.py
	@mkdir -p $(dir $@)
	python3 tools/embed_web.py server/http/web $@
$(BUILD)/server/http/http_assets.o: $(BUILD)/server/http/http_assets.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_PROTO): $(PROTO_OBJ)
	rm -f $@ && ar rcs $@ $^
$(LIB_SERVER): $(SERVER_OBJ)
	rm -f $@ && ar rcs $@ $^
$(LIB_CLIENT): $(CLIENT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/accord-node: $(BUILD)/server/main.o $(LIB_SERVER) $(LIB_CLIENT) $(LIB_PROTO)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)
$(BUILD)/accord: $(BUILD)/client/accord.o $(LIB_CLIENT) $(LIB_PROTO)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)
CTL_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/*.c))
# libpq for accordctl pg-sync only: the node and the accord CLI do not link it
PQ_CFLAGS := $(shell pkg-config --cflags libpq)
PQ_LIBS := $(shell pkg-config --libs libpq)
$(BUILD)/tools/ctl_pgsync.o $(BUILD)/tools/pgsync_pg.o: ALL_CFLAGS += $(PQ_CFLAGS)
$(BUILD)/accordctl: $(CTL_OBJ) $(LIB_CLIENT) $(LIB_SERVER) $(LIB_PROTO)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS) $(PQ_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(UNIT_LIB_OBJ) $(LIB_SERVER) $(LIB_CLIENT) $(LIB_PROTO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS) -lcmocka

# Fuzz targets replayed over their committed corpus and tests/regress without libFuzzer.
$(BUILD)/tests/replay_%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(LIB_CLIENT) $(LIB_SERVER) $(LIB_PROTO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/tests/accord-load: $(BUILD)/tests/tools/accord_load.o $(LIB_CLIENT) $(LIB_PROTO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/tests/accord-peer: $(BUILD)/tests/tools/accord_peer.o $(LIB_SERVER) $(LIB_PROTO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/tests/money-parse: $(BUILD)/tests/tools/money_parse.o $(LIB_PROTO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)

unit: $(UNIT_BINS) $(FUZZ_REPLAY) $(BINS) $(BUILD)/tests/accord-load $(BUILD)/tests/accord-peer $(BUILD)/tests/money-parse

# The README's test command. Prints a closing "N passed, N failed, N skipped" line.
test: unit
	BUILD=$(BUILD) tests/run.sh

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer, in build-asan/.
asan:
	$(MAKE) BUILD=build-asan EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" test

# The unit suites under valgrind, built at -O0 in build-valgrind/ (fewer merge cases: slow),
# then a hub and a branch replicating under valgrind.
valgrind: $(BINS)
	$(MAKE) BUILD=build-valgrind CFLAGS="-g -O0" $(patsubst $(BUILD)/%,build-valgrind/%,$(UNIT_BINS))
	@set -e; for t in build-valgrind/tests/test_*; do \
	  echo "== valgrind $$t"; \
	  ACCORD_MAP_MB=512 ACCORD_MERGE_CASES=300 valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
	    --suppressions=tests/valgrind.supp $$t > build-valgrind/$$(basename $$t).log 2>&1 \
	    || { cat build-valgrind/$$(basename $$t).log; exit 1; }; \
	  tail -1 build-valgrind/$$(basename $$t).log; \
	done
	tests/integration/valgrind_sync.sh

# libFuzzer builds (clang). `make fuzz FUZZ_SECONDS=60` runs each target that long.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -I. -Iserver -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(shell pkg-config --cflags $(PKGS))
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang EXTRA_CFLAGS="-O1 -fsanitize=fuzzer-no-link,address,undefined" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" build-fuzz/libaccord_client.a build-fuzz/libaccord_server.a build-fuzz/libaccord_proto.a
	@for t in $(FUZZ_TARGETS); do \
	  clang $(FUZZ_CFLAGS) tests/fuzz/$$t.c build-fuzz/libaccord_client.a build-fuzz/libaccord_server.a build-fuzz/libaccord_proto.a \
	    -o build-fuzz/$$t $(LIBS) || exit 1; \
	  mkdir -p build-fuzz/corpus-$$t; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=tests/regress/$$t- \
	    build-fuzz/corpus-$$t tests/fuzz/corpus/$$t > build-fuzz/$$t.log 2>&1 \
	    || { tail -40 build-fuzz/$$t.log; exit 1; }; \
	  tail -2 build-fuzz/$$t.log; \
	done

bench: $(BINS) $(BUILD)/accord-bench $(BUILD)/accord-sync-bench $(BUILD)/accord-pg-fill
	BUILD=$(BUILD) bench/run.sh
$(BUILD)/accord-bench: $(BUILD)/bench/bench.o $(LIB_CLIENT) $(LIB_SERVER) $(LIB_PROTO)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS) -lpthread
$(BUILD)/accord-sync-bench: $(BUILD)/bench/sync_bench.o $(LIB_CLIENT) $(LIB_SERVER) $(LIB_PROTO)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS) -lpthread
$(BUILD)/accord-pg-fill: $(BUILD)/bench/pg_fill.o $(LIB_SERVER) $(LIB_PROTO)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)

demo: $(BINS)
	deploy/demo.sh

# The binaries in $(PREFIX)/bin, the systemd unit (ExecStart pointing there), the settings
# file /etc/accord/node.env (deploy/node.env; an existing one is kept) and the data
# directory /var/lib/accord; as root without DESTDIR also the accord system user, who owns
# that directory. DESTDIR stages everything under another root (packaging, tests).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
UNITDIR ?= /etc/systemd/system
ENV_FILE := $(DESTDIR)/etc/accord/node.env
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)/etc/accord
	install -d -m 0700 $(DESTDIR)/var/lib/accord
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	sed 's|/usr/local/bin/|$(BINDIR)/|g' deploy/accord-node.service > $(DESTDIR)$(UNITDIR)/accord-node.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/accord-node.service
	@if [ -e $(ENV_FILE) ]; then echo "kept $(ENV_FILE) as it is (deploy/node.env has every setting)"; \
	else install -m 0644 deploy/node.env $(ENV_FILE) && echo "wrote $(ENV_FILE): set the node's role there"; fi
	@if [ -n "$(DESTDIR)" ]; then \
	    echo "DESTDIR is set: on the target machine, as root, create the accord user and give it /var/lib/accord:"; \
	    echo "  useradd --system --user-group --home-dir /var/lib/accord --shell /usr/sbin/nologin accord"; \
	    echo "  chown accord:accord /var/lib/accord"; \
	elif [ "$$(id -u)" != 0 ]; then \
	    echo "not root: the accord user was not created (run make install as root)"; \
	else \
	    id -u accord >/dev/null 2>&1 || /usr/sbin/useradd --system --user-group --home-dir /var/lib/accord \
	        --no-create-home --shell /usr/sbin/nologin accord; \
	    chown accord:accord /var/lib/accord; \
	    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	    echo "installed; next: README.md, Running a branch network"; \
	fi

clean:
	rm -rf build build-asan build-fuzz build-valgrind

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
