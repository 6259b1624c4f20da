#!/usr/bin/env bash
# Installs what Accord needs to build, test and run on Debian 12 (run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# shellcheck disable=SC2046
$SUDO apt-get install -y -qq --no-install-recommends $(grep -v '^#' debian-packages.txt) >/dev/null
# the browser tests drive Debian's chromium with playwright-core from npm (tests/browser)
command -v npm >/dev/null || $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
npm ci --prefix ../tests/browser --no-audit --no-fund >/dev/null
echo "dependencies installed"
