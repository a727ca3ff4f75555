#!/bin/bash
# test_package.sh: the Makefile's flags stamp, CFLAGS and clean; `make install DESTDIR=...` installs
# the expected tree with this install's paths; the man pages render cleanly; `make deb` builds a package lintian finds no error in, and (as root)
# apt installs it, the installed beacon check and init work from the installed paths, and purge removes it.
. "$(dirname "$0")/lib.sh"

# ---- Makefile: flags stamp, CFLAGS keeps the include paths, clean honours BUILD ----
MK="$T/mk"
# make as a user runs it: not as a sub-make of `make integration` or `make asan` (their variables
# and jobserver are not passed on)
umake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$ROOT" "$@"; }
mk() { umake BUILD="$MK" "$@" 2>&1; }
compiles() { printf '%s\n' "$1" | grep -c -- '-c -o .*err\.o'; }
o=$(mk "$MK/firmware/err.o"); assert_eq "an object builds in BUILD=$MK" 1 "$(compiles "$o")"
o=$(mk "$MK/firmware/err.o"); assert_eq "same flags: nothing rebuilt" 0 "$(compiles "$o")"
o=$(mk "$MK/firmware/err.o" XCFLAGS=-DBEACON_STAMP_TEST); assert_eq "XCFLAGS changed: rebuilt (flags stamp)" 1 "$(compiles "$o")"
o=$(mk "$MK/firmware/err.o" XCFLAGS=-DBEACON_STAMP_TEST); assert_eq "and not again" 0 "$(compiles "$o")"
o=$(mk "$MK/firmware/err.o" OPT=-O0); assert_eq "OPT changed: rebuilt" 1 "$(compiles "$o")"
o=$(mk "$MK/firmware/err.o" CFLAGS=-O1); assert_eq "CFLAGS given: rebuilt" 1 "$(compiles "$o")"
assert_contains "a user's CFLAGS keeps the include paths" "$o" "-Ifirmware -Istore -I$MK/gen"
umake -s clean BUILD="$MK" >/dev/null 2>&1
check_fails "make clean BUILD=... removes that build" test -e "$MK"
check "and leaves the build that made this beacon" test -x "$BEACON"

# ---- make install DESTDIR=... ----
D="$T/dest"
check "make install DESTDIR=... prefix=/usr/local" \
	umake -s install DESTDIR="$D" BEACON_BIN="$BEACON" BUILD="$T/build"
LIST=$(cd "$D" && find . | sort)
EXPECT='.
./etc
./etc/beacon
./etc/beacon/beacon.conf
./usr
./usr/local
./usr/local/bin
./usr/local/bin/beacon
./usr/local/lib
./usr/local/lib/systemd
./usr/local/lib/systemd/system
./usr/local/lib/systemd/system/beacon-backup.service
./usr/local/lib/systemd/system/beacon-backup.timer
./usr/local/lib/systemd/system/beacon-notify.service
./usr/local/lib/systemd/system/beacon-pull.service
./usr/local/lib/systemd/system/beacon.service
./usr/local/share
./usr/local/share/doc
./usr/local/share/doc/beacon
./usr/local/share/doc/beacon/examples
./usr/local/share/doc/beacon/examples/beacon.conf
./usr/local/share/doc/beacon/examples/lighttpd
./usr/local/share/doc/beacon/examples/lighttpd/beacon.conf
./usr/local/share/doc/beacon/examples/nginx
./usr/local/share/doc/beacon/examples/nginx/beacon.conf
./usr/local/share/man
./usr/local/share/man/man5
./usr/local/share/man/man5/beacon.conf.5
./usr/local/share/man/man8
./usr/local/share/man/man8/beacon.8'
assert_eq "the installed tree" "$EXPECT" "$LIST"
assert_eq "the binary is executable" "-rwxr-xr-x" "$(stat -c %A "$D/usr/local/bin/beacon")"
check "the installed binary runs" "$D/usr/local/bin/beacon" help
assert_contains "units start the installed binary" "$(cat "$D/usr/local/lib/systemd/system/beacon.service")" \
	"ExecStart=/usr/local/bin/beacon --config /etc/beacon/beacon.conf serve"
echo "# edited" >> "$D/etc/beacon/beacon.conf"
umake -s install DESTDIR="$D" BEACON_BIN="$BEACON" BUILD="$T/build" >/dev/null 2>&1
assert_contains "a second install keeps an edited /etc/beacon/beacon.conf" "$(tail -1 "$D/etc/beacon/beacon.conf")" "# edited"
D2="$T/dest2"
check "make install with prefix=/opt/beacon sysconfdir=/opt/beacon/etc" \
	umake -s install DESTDIR="$D2" prefix=/opt/beacon sysconfdir=/opt/beacon/etc BEACON_BIN="$BEACON" BUILD="$T/build"
check "binary in bindir" test -x "$D2/opt/beacon/bin/beacon"
check "man page in mandir" test -f "$D2/opt/beacon/share/man/man8/beacon.8"
assert_contains "units name bindir and sysconfdir" "$(cat "$D2/opt/beacon/lib/systemd/system/beacon.service")" \
	"ExecStart=/opt/beacon/bin/beacon --config /opt/beacon/etc/beacon/beacon.conf serve"
check "systemd-analyze verify accepts the units" sh -c "cd '$D/usr/local/lib/systemd/system' && \
	sed -i 's#/usr/local/bin/beacon#$BEACON#' *.service && SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no ./beacon.service ./beacon-pull.service ./beacon-notify.service ./beacon-backup.service ./beacon-backup.timer 2>&1 | grep -v 'User=\\|Group=\\|has no' | (! grep .)"

# ---- man pages ----
for m in beacon.8 beacon.conf.5; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$ROOT/man/$m" 2>&1 >/dev/null)
	assert_eq "man -l man/$m: no warnings" "" "$w"
done
assert_contains "beacon(8) documents restore" "$(MANWIDTH=120 man -l "$ROOT/man/beacon.8" 2>/dev/null)" "restore FILE [--force]"
assert_contains "beacon.conf(5) documents log_format" "$(MANWIDTH=120 man -l "$ROOT/man/beacon.conf.5" 2>/dev/null)" "log_format = text"
# the pages cannot drift: every command `beacon help` lists opens an entry of beacon(8)'s COMMANDS, every key of
# conf/beacon.conf (a "key =" or "# key =" line) is in beacon.conf(5)
man8=$(MANWIDTH=200 man -l "$ROOT/man/beacon.8" 2>/dev/null | sed -n '/^COMMANDS/,/^[A-Z]/p')
man5=$(MANWIDTH=200 man -l "$ROOT/man/beacon.conf.5" 2>/dev/null)
cmds=$("$BEACON" help 2>&1 | sed -n '/^commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}')
check "beacon help lists commands" test -n "$cmds"
missing=""
for c in $cmds; do grep -qE "^ +$c( |\$)" <<<"$man8" || missing="$missing $c"; done
assert_eq "beacon(8) documents every command of beacon help" "" "$missing"
keys=$(sed -nE 's/^#? ?([a-z][a-z0-9_]*) *=.*/\1/p' "$ROOT/conf/beacon.conf")
check "conf/beacon.conf has keys" test -n "$keys"
missing=""
for k in $keys; do grep -qE "(^|[^a-z0-9_])$k([^a-z0-9_]|\$)" <<<"$man5" || missing="$missing $k"; done
assert_eq "beacon.conf(5) documents every key of conf/beacon.conf" "" "$missing"

# ---- make deb + lintian ----
umake -s deb BEACON_BIN="$BEACON" BUILD="$T/build" > "$T/deb.out" 2>&1
DEB=$(ls "$T"/build/deb/beacon_*.deb 2>/dev/null | head -1)
check "make deb builds a .deb" test -f "$DEB"
info=$(dpkg-deb -I "$DEB")
assert_contains "the package is beacon" "$info" "Package: beacon"
assert_contains "it depends on the libraries it links" "$info" "liblmdb0"
assert_contains "/etc/beacon/beacon.conf is a conffile" "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles)" "/etc/beacon/beacon.conf"
contents=$(dpkg-deb -c "$DEB")
for f in ./usr/bin/beacon ./lib/systemd/system/beacon.service ./lib/systemd/system/beacon-backup.timer \
         ./usr/share/man/man8/beacon.8.gz ./usr/share/man/man5/beacon.conf.5.gz ./var/lib/beacon/ \
         ./usr/share/doc/beacon/copyright; do
	assert_contains "the package holds $f" "$contents" "$f"
done
lint=$(lintian "$DEB" 2>&1 | grep -v 'running with root privileges')
assert_eq "lintian: no errors" "" "$(printf '%s\n' "$lint" | grep '^E:')"
[ -n "$lint" ] && printf '# lintian: %s\n' "$lint"

# ---- apt install, run the installed binary, purge ----
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP apt install (needs root)"
	bk_done
fi
if dpkg -s beacon >/dev/null 2>&1; then
	not_ok "a beacon package is already installed on this machine: not touching it"
	bk_done
fi
had_user=0; getent passwd beacon >/dev/null && had_user=1
had_lib=0; [ -e /var/lib/beacon ] && had_lib=1
cp "$DEB" "$T/pkg.deb"; chmod 0644 "$T/pkg.deb"
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -qq "$@"; }
if apt_get install --no-install-recommends "$T/pkg.deb" > "$T/apt.log" 2>&1; then ok "apt-get install ./beacon_*.deb"
else not_ok "apt-get install ./beacon_*.deb" "$(tail -5 "$T/apt.log")"; fi
assert_eq "installed: /usr/bin/beacon" /usr/bin/beacon "$(command -v beacon)"
check "postinst made the beacon system user" getent passwd beacon
assert_eq "/var/lib/beacon belongs to beacon" beacon "$(stat -c %U /var/lib/beacon)"
if grep -qs '^path-exclude=/usr/share/man' /etc/dpkg/dpkg.cfg.d/*; then
	ok "# SKIP installed man pages: this system's dpkg excludes /usr/share/man"
else
	check "man beacon finds the installed page" man -w beacon
	check "man 5 beacon.conf finds the installed page" man -w 5 beacon.conf
fi
out=$(/usr/bin/beacon check 2>&1)
assert_eq "installed beacon check reads /etc/beacon/beacon.conf" "configuration OK" "$(printf '%s\n' "$out" | head -1)"
TOK=$(runuser -u beacon -- /usr/bin/beacon init 2>"$T/init.err")
assert_contains "installed beacon init as user beacon prints an admin token" "$TOK" "bk_"
check "the store is in /var/lib/beacon" test -f /var/lib/beacon/data.mdb
assert_eq "owned by beacon" beacon "$(stat -c %U /var/lib/beacon/data.mdb)"
check "the installed binary serves from the installed config" sh -c \
	"runuser -u beacon -- /usr/bin/beacon component add --name Installed >/dev/null && runuser -u beacon -- /usr/bin/beacon component list | grep -q Installed"
# leave the machine as it was: the store init made, the package, the user postinst made
rm -rf /var/lib/beacon/data.mdb /var/lib/beacon/lock.mdb /var/lib/beacon/snapshots
if apt_get purge beacon > "$T/purge.log" 2>&1; then ok "apt-get purge beacon"
else not_ok "apt-get purge beacon" "$(tail -5 "$T/purge.log")"; fi
check_fails "purged: no /usr/bin/beacon" test -e /usr/bin/beacon
check_fails "purged: no /etc/beacon/beacon.conf" test -e /etc/beacon/beacon.conf
check_fails "purged: dpkg no longer knows beacon" sh -c "dpkg -s beacon 2>/dev/null | grep -q 'Status: install ok installed'"
[ $had_lib = 0 ] && rm -rf /var/lib/beacon
[ $had_user = 0 ] && getent passwd beacon >/dev/null && { userdel beacon 2>/dev/null; groupdel beacon 2>/dev/null; }

bk_done
