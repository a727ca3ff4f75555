#!/bin/bash
# test_listen.sh: only the front end reaches the FastCGI socket (issue 8): a 0660 unix socket of listen_group,
# no TCP listen on a non-loopback address unless listen_allow_remote = yes, and `beacon check` says so.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# test_listen needs root (setpriv to other users)"; ok "skipped: not root"; bk_done; }
BK_NGINX_USER="www-data www-data"
bk_default_setup

# connect_as USER GROUP SUPPLEMENTARY : connects to $SOCK as that user (0 = connected)
connect_as() {
	local groups=--clear-groups
	[ -n "$3" ] && groups="--groups=$3"
	setpriv --reuid="$1" --regid="$2" $groups /usr/bin/python3 -c \
		'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$SOCK" 2>"$T/connect.err"
}

assert_eq "socket mode 0660, group www-data" "660 www-data" "$(stat -c '%a %G' "$SOCK")"
check_fails "user nobody (not in www-data) cannot connect" connect_as nobody nogroup ""
assert_contains "nobody is refused by permissions" "$(cat "$T/connect.err")" "Permission denied"
check "user nobody in group www-data can connect" connect_as nobody nogroup www-data
ps -o user= -p $(pgrep -P "$NGINX_PID" | head -1) > "$T/nginx.user"
assert_eq "nginx workers run as www-data" "www-data" "$(tr -d ' ' < "$T/nginx.user")"
assert_status "nginx (www-data) reaches beacon through the group" 200 "$URL/api/v2/status.json"
assert_status "lighttpd reaches beacon" 200 "$LURL/api/v2/status.json"

# beacon check reports the listener and refuses what would expose it
check_conf() { cp "$CONF" "$T/c.conf"; for l in "$@"; do echo "$l" >> "$T/c.conf"; done
	"$BEACON" --config "$T/c.conf" check > "$T/check.out" 2>&1; }
sed -i '/^listen/d' "$CONF"
check "check: a unix socket" check_conf "listen = unix:$SOCK"
assert_contains "check: says mode and group" "$(cat "$T/check.out")" "listen: unix:$SOCK (mode 0660, group www-data)"
check_fails "check: listen_group that does not exist" check_conf "listen = unix:$SOCK" "listen_group = no-such-group-x"
assert_contains "check: names the missing group" "$(cat "$T/check.out")" "listen_group: 'no-such-group-x' is not a group"
check_fails "check: listen = 0.0.0.0:PORT refused" check_conf "listen = 0.0.0.0:9123"
assert_contains "check: says why" "$(cat "$T/check.out")" "listen_allow_remote = yes"
check_fails "check: listen = 192.0.2.1:PORT refused" check_conf "listen = 192.0.2.1:9123"
check "check: listen_allow_remote = yes allows it" check_conf "listen = 0.0.0.0:9123" "listen_allow_remote = yes"
assert_contains "check: says it is reachable from other hosts" "$(cat "$T/check.out")" "reachable from other hosts"
check "check: 127.0.0.1:PORT is fine" check_conf "listen = 127.0.0.1:9123"
assert_contains "check: loopback only" "$(cat "$T/check.out")" "loopback only"
cp "$T/c.conf" "$T/c.conf.remote"; sed -i 's/^listen = .*/listen = 0.0.0.0:9123/' "$T/c.conf.remote"
out=$(timeout 10 "$BEACON" --config "$T/c.conf.remote" serve 2>&1); rc=$?
assert_eq "serve with listen = 0.0.0.0:PORT exits 1" 1 "$rc"
assert_contains "serve says why" "$out" "listen_allow_remote = yes"

# a socket for another group: www-data members are now refused, members of that group are not
S2="$T/other.sock"
bk_make_conf "$T/other.conf" "$STORE" "$S2" "listen_group = nogroup"
"$BEACON" --config "$T/other.conf" serve >>"$T/other.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
wait_for test -S "$S2"
assert_eq "listen_group = nogroup: socket group" "660 nogroup" "$(stat -c '%a %G' "$S2")"
SOCK=$S2
wait_for connect_as nobody nogroup ""
check "nobody (group nogroup) connects to the nogroup socket" connect_as nobody nogroup ""
check_fails "www-data cannot connect to the nogroup socket" connect_as www-data www-data ""

bk_done
