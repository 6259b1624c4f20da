#!/usr/bin/env bash
# make bench: runs the benchmark in a temporary directory on this machine's disk.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
work=$(mktemp -d /tmp/accord-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$BUILD/accord-bench" "$BUILD" "$work"
mkdir -p "$work/sync"
"$BUILD/accord-sync-bench" "$BUILD" "$work/sync"
