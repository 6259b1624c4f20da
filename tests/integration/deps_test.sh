#!/usr/bin/env bash
# The package lists against what the build and the tests use (issue 13, item 13): on a
# minimal Debian 12 (this machine's essential and required packages and what they depend
# on, as a dpkg status file), apt-get --simulate --no-install-recommends of
# deploy/debian-packages.txt and deploy/debian-runtime-packages.txt must succeed, and what
# it installs must hold every command, header, pkg-config file, Python module, fuzzing
# runtime and browser the build and the tests use (each found on this machine and traced
# to its package with dpkg -S); the runtime list must be exactly the packages of the
# libraries the binaries link. Skipped where there is no dpkg or apt-get. TAP-style lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-deps-XXXXXX)
. tests/integration/lib.sh

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    skip "the Debian package lists: no dpkg or apt-get here"
    echo "# deps_test done: $n checks"
    exit 0
fi
list() { sed 's/#.*//' "$1" | tr -s ' \t' '\n' | sed '/^$/d'; }
list deploy/debian-packages.txt > "$W/build.list"
list deploy/debian-runtime-packages.txt > "$W/runtime.list"

# the package holding a path (usr-merge: /bin/x is dpkg's name for /usr/bin/x, or the reverse)
owner() {
    local p q r
    for p in "$1" "$(readlink -f "$1")"; do
        for q in "$p" "${p#/usr}" "/usr$p"; do
            r=$(dpkg -S "$q" 2>/dev/null | grep -v '^diversion' | head -1 | sed -E 's/[:,].*//')
            [ -n "$r" ] && { echo "$r"; return 0; }
        done
    done
    return 1
}

# a minimal Debian 12: the essential and required packages and their dependencies
dpkg-query -W -f '${Package} ${Essential} ${Priority}\n' | awk '$2 == "yes" || $3 == "required" {print $1}' > "$W/base"
# shellcheck disable=SC2046
apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances $(cat "$W/base") 2>/dev/null | grep -v '^[ <]' | sed 's/:.*//' | sort -u > "$W/fresh"
/usr/bin/python3 - "$W/fresh" "$W/status" <<'EOF'
import re, sys
names = set(open(sys.argv[1]).read().split())
stanzas = open('/var/lib/dpkg/status').read().split('\n\n')
def name(s):
    m = re.search(r'^Package: (\S+)$', s, re.M)
    return m.group(1) if m else ''
keep = [s for s in stanzas if name(s) in names and re.search(r'^Status: install ok installed$', s, re.M)]
open(sys.argv[2], 'w').write('\n\n'.join(keep) + '\n\n')
EOF
# shellcheck disable=SC2046
apt-get install --simulate --no-install-recommends -o Dir::State::status="$W/status" \
    $(cat "$W/build.list" "$W/runtime.list") > "$W/simulate.out" 2>&1
rc=$?
check "on a minimal Debian 12 ($(wc -l < "$W/fresh") packages) both lists install with --no-install-recommends" [ $rc = 0 ]
[ $rc = 0 ] || sed 's/^/# /' "$W/simulate.out" | grep -v '^# Inst\|^# Conf' | head -20
{ cat "$W/fresh"; awk '$1 == "Inst" {sub(/:.*/, "", $2); print $2}' "$W/simulate.out"; } | sort -u > "$W/have"
echo "# the lists bring $(awk '$1 == "Inst"' "$W/simulate.out" | wc -l) packages"

# each path is held by a package a fresh machine has after the lists
brought() { # what, path
    local pkg
    if [ ! -e "$2" ]; then skip "$1: $2 is not on this machine, so its package cannot be checked"; return; fi
    pkg=$(owner "$2") || { skip "$1: $2 belongs to no Debian package here"; return; }
    check "$1 ($2, package $pkg) comes with the lists" grep -qx "$pkg" "$W/have"
}
# the commands the Makefile, tests/run.sh, tests/integration, tests/browser and bench call
for c in cc make ar pkg-config python3 clang jq curl valgrind timeout awk sed stat od dd truncate cmp diff \
    mount chromium node npm mdb_dump mdb_load; do
    # Debian's copy, not one earlier on this PATH (a pyenv python3, say)
    p=/usr/bin/$c; [ -e "$p" ] || p=$(command -v "$c" || echo "$p")
    brought "command $c" "$p"
done
for m in libzmq lmdb msgpack libsodium libutf8proc libmicrohttpd icu-i18n icu-uc cmocka libpq; do
    brought "pkg-config $m" "$(pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc"
done
brought "libcsv's header" /usr/include/csv.h
brought "PostgreSQL 15's initdb (pgsync_test.sh starts a server of its own)" /usr/lib/postgresql/15/bin/initdb
for m in nacl msgpack; do
    brought "Python module $m (verify_feed.py)" "$(/usr/bin/python3 -c "import $m, os; print(os.path.dirname($m.__file__))" 2>/dev/null)"
done
rt="$(clang --print-resource-dir 2>/dev/null)/lib/linux"
brought "libFuzzer (make fuzz: -fsanitize=fuzzer)" "$rt/libclang_rt.fuzzer-$(uname -m).a"
brought "clang's AddressSanitizer runtime (make fuzz)" "$rt/libclang_rt.asan-$(uname -m).a"
brought "a CJK font for the screenshots" /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

# the runtime list: the packages of the libraries the three binaries link, no more
if readelf -d "$NODE" | grep -q 'NEEDED.*libasan'; then
    skip "the runtime list: $BUILD is a sanitizer build, its binaries link build-only libraries"
else
    for b in "$NODE" "$BUILD/accord" "$BUILD/accordctl"; do
        readelf -d "$b" | sed -nE 's/.*NEEDED.*\[(.*)\]/\1/p'
    done | sort -u > "$W/needed"
    : > "$W/linked"
    while read -r lib; do
        path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
        pkg=$(owner "$path") || pkg="?"
        echo "$pkg" >> "$W/linked"
        check "linked $lib (package $pkg) is in the runtime list or on every Debian" \
            bash -c "grep -qx '$pkg' '$W/runtime.list' || grep -qx '$pkg' '$W/fresh'"
    done < "$W/needed"
    while read -r pkg; do
        check "runtime package $pkg holds a library the binaries link" grep -qx "$pkg" "$W/linked"
    done < "$W/runtime.list"
fi

check "install-deps.sh --simulate resolves on this machine (a Node.js already here is kept)" \
    bash -c "deploy/install-deps.sh --simulate > '$W/here.out' 2>&1"
check ".ci/run installs through deploy/install-deps.sh (one list, not a copy)" \
    bash -c "grep -q '^deploy/install-deps.sh' .ci/run && ! grep -q 'apt-get' .ci/run"
echo "# deps_test done: $n checks"
