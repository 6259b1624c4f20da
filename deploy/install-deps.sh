#!/bin/sh
# Installs what Accord needs on Debian 12, as root or as a user who has sudo (a minimal
# Debian has no sudo: run it as root there):
#   deploy/install-deps.sh             building, tests, fuzzing, browser tests
#                                      (debian-packages.txt) and running a node
#                                      (debian-runtime-packages.txt), then tests/browser's npm
#   deploy/install-deps.sh --runtime   only what a node needs to run
#   deploy/install-deps.sh --bench     all of the above and make bench's references
#                                      (debian-bench-packages.txt: none at present)
#   deploy/install-deps.sh --simulate  what apt-get would do (apt-get --simulate), no root
# Packages go in with --no-install-recommends: the lists name everything. A Node.js and
# npm already on the PATH are kept (one from outside Debian, e.g. NodeSource's, conflicts
# with Debian's npm); without them Debian's nodejs and npm are installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export DEBIAN_FRONTEND=noninteractive
mode=all
[ $# -le 1 ] || { echo "install-deps.sh: one option at most (--runtime, --bench, --simulate)" >&2; exit 1; }
case "${1:-}" in
"") ;;
--runtime) mode=runtime ;;
--bench) mode=bench ;;
--simulate) mode=simulate ;;
-h | --help) sed -n '2,13s/^# \{0,1\}//p' "$here/install-deps.sh"; exit 0 ;;
*) echo "install-deps.sh: unknown option $1 (--runtime, --bench, --simulate or none)" >&2; exit 1 ;;
esac

# a list's packages: comments and blank lines dropped
packages() { sed 's/#.*//' "$1" | tr -s ' \t' '\n' | sed '/^$/d'; }

# the build list without nodejs and npm when this machine already has them
build_packages() {
    packages debian-packages.txt | {
        if command -v node >/dev/null; then grep -vx nodejs; else cat; fi
    } | {
        if command -v npm >/dev/null; then grep -vx npm; else cat; fi
    }
}

# Debian's npm goes only with Debian's nodejs (whose versions are "+dfsg" repacks)
if [ "$mode" != runtime ] && command -v node >/dev/null && ! command -v npm >/dev/null &&
    ! dpkg-query -W -f '${Version}' nodejs 2>/dev/null | grep -q dfsg; then
    echo "install-deps.sh: $(command -v node) ($(node --version)) is not Debian's nodejs and has no npm beside it:" \
        "install npm for that Node.js, or remove it so that Debian's nodejs and npm can be installed" >&2
    exit 1
fi
if [ "$mode" = runtime ]; then
    pkgs=$(packages debian-runtime-packages.txt)
elif [ "$mode" = bench ]; then
    pkgs=$(build_packages; packages debian-runtime-packages.txt; packages debian-bench-packages.txt)
else
    pkgs=$(build_packages; packages debian-runtime-packages.txt)
fi

if [ "$mode" = simulate ]; then
    # shellcheck disable=SC2086
    exec apt-get install --simulate --no-install-recommends $pkgs
fi
if [ "$(id -u)" = 0 ]; then
    SUDO=
elif command -v sudo >/dev/null; then
    SUDO=sudo
else
    echo "install-deps.sh: installing packages needs root: run it as root, or as a user with sudo" >&2
    exit 1
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
if [ "$mode" = all ] || [ "$mode" = bench ]; then
    # playwright-core for the browser tests, as this user (not root through sudo)
    npm ci --prefix ../tests/browser --no-audit --no-fund >/dev/null
fi
echo "dependencies installed ($mode)"
