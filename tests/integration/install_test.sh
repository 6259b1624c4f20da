#!/usr/bin/env bash
# make install (issue 13, item 14), staged with DESTDIR so that nothing outside $W is
# touched: the binaries with their modes, the systemd unit (pointing at them, reading
# /etc/accord/node.env, and accepted by systemd-analyze verify where there is one),
# node.env written once and kept on the next install, the data directory, no user made
# under DESTDIR; the installed binaries run, and node.env's settings, uncommented, are
# ones the installed node starts with. TAP-style lines.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
W=$(mktemp -d /tmp/accord-install-XXXXXX)
. tests/integration/lib.sh

D="$W/root"
make -s install BUILD="$BUILD" DESTDIR="$D" > "$W/install.out" 2>&1
check "make install DESTDIR=... succeeds" [ $? = 0 ]
sed 's/^/# /' "$W/install.out"
mode() { stat -c %a "$1" 2>/dev/null; }
for b in accord-node accord accordctl; do
    check "$b is installed in /usr/local/bin, mode 755" [ "$(mode "$D/usr/local/bin/$b")" = 755 ]
    check "the installed $b runs (--help exits 0)" bash -c "'$D/usr/local/bin/$b' --help >/dev/null 2>&1"
done
U="$D/etc/systemd/system/accord-node.service"
check "the unit is in /etc/systemd/system, mode 644" [ "$(mode "$U")" = 644 ]
check "the unit reads /etc/accord/node.env" grep -qx 'EnvironmentFile=/etc/accord/node.env' "$U"
check "the unit starts the installed node as the accord user" \
    bash -c "grep -q '^ExecStart=/usr/local/bin/accord-node ' '$U' && grep -qx 'User=accord' '$U'"
check "the unit may write the data directory only" grep -qx 'ReadWritePaths=/var/lib/accord' "$U"
if command -v systemd-analyze >/dev/null; then
    # verify wants ExecStart's binary to exist: the staged one stands in for it
    sed "s|^ExecStart=/usr/local/bin/|ExecStart=$D/usr/local/bin/|" "$U" > "$W/accord-node.service"
    systemd-analyze verify "$W/accord-node.service" > "$W/verify.out" 2>&1
    check "systemd-analyze verify accepts the unit, without a warning" bash -c "[ $? = 0 ] && [ ! -s '$W/verify.out' ]"
    sed 's/^/# /' "$W/verify.out"
else
    skip "systemd-analyze verify: no systemd-analyze here"
fi
E="$D/etc/accord/node.env"
check "node.env is /etc/accord/node.env, mode 644, deploy/node.env" bash -c "[ $(mode "$E") = 644 ] && cmp -s '$E' deploy/node.env"
check "the data directory /var/lib/accord is made, mode 700" [ "$(mode "$D/var/lib/accord")" = 700 ]
check "under DESTDIR no user is made, and make install says what to run" grep -q 'useradd --system' "$W/install.out"

echo "# edited by hand" >> "$E"
make -s install BUILD="$BUILD" DESTDIR="$D" > "$W/install2.out" 2>&1
check "a second make install keeps the edited node.env and says so" \
    bash -c "grep -qx '# edited by hand' '$E' && grep -q 'kept .*node.env' '$W/install2.out'"

make -s install BUILD="$BUILD" DESTDIR="$W/usr" PREFIX=/usr > /dev/null 2>&1
check "PREFIX=/usr: the binaries in /usr/bin and the unit starts them there" \
    bash -c "[ -x '$W/usr/usr/bin/accord-node' ] && grep -q '^ExecStart=/usr/bin/accord-node ' '$W/usr/etc/systemd/system/accord-node.service'"

# every setting of node.env, uncommented (but the role's), is one the node starts with
"$CTL" node init --data "$W/node" --name tehran-1 >/dev/null
port=$(free_port)
sed -nE 's/^#?(ACCORD_[A-Z_]+=.*)/\1/p' deploy/node.env | grep -vE '^ACCORD_(LISTEN|UPSTREAM)' |
    sed -e "s|^ACCORD_DATA=.*|ACCORD_DATA=$W/node|" -e "s|^ACCORD_HTTP=.*|ACCORD_HTTP=127.0.0.1:$port|" > "$W/node.env"
sed 's/^/# node.env: /' "$W/node.env"
# shellcheck disable=SC2046
env -i $(cat "$W/node.env") "$D/usr/local/bin/accord-node" 2>> "$W/node.log" &
pid[node]=$! # lib.sh kills it
check "the installed node starts with node.env's settings and serves HTTP where ACCORD_HTTP says" \
    wait_until 10 curl -s -o /dev/null "http://127.0.0.1:$port/"
sed "s/^/# node: /" "$W/node.log"
sanitizer_check
echo "# install_test done: $n checks"
