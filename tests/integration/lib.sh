# lib.sh: shared helpers for integration tests: temp dir, free ports, real beacon/nginx/lighttpd, assertions.
#
# A test file does:  . "$(dirname "$0")/lib.sh"; bk_default_setup; ...assertions...; bk_done
# bk_default_setup gives: $T (temp dir), $CONF, $STORE, $SOCK, $ADMIN_TOKEN, and a running
# beacon behind nginx ($URL) and lighttpd ($LURL). Everything listens on 127.0.0.1 or unix sockets
# under $T and is killed on exit. Set KEEP=1 to keep $T for inspection.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BEACON=${BEACON:-$ROOT/build/beacon}
T=$(mktemp -d /tmp/beacon-test.XXXXXX)
chmod 0755 "$T"
PASS=0
FAIL=0
BK_PIDS=""
BK_SERVE_LOGS=""
TEST_NAME=$(basename "$0" .sh)

bk_cleanup() {
	for p in $BK_PIDS; do kill "$p" 2>/dev/null; done
	for p in $BK_PIDS; do
		i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
		kill -9 "$p" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap bk_cleanup EXIT
trap 'exit 130' INT TERM

# ---- assertions: each prints "ok N - desc" or "not ok N - desc" (TAP-like) ----
ok() { PASS=$((PASS+1)); echo "ok $((PASS+FAIL)) - $1"; }
not_ok() { FAIL=$((FAIL+1)); echo "not ok $((PASS+FAIL)) - $1"; [ $# -gt 1 ] && printf '#   %s\n' "$2" | head -c 2000; return 0; }
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d" "command failed: $*"; fi; }
check_fails() { local d=$1; shift; if "$@" >/dev/null 2>&1; then not_ok "$d" "command succeeded: $*"; else ok "$d"; fi; }
assert_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2] got [$3]"; fi; }
assert_ne() { if [ "$2" != "$3" ]; then ok "$1"; else not_ok "$1" "both are [$2]"; fi; }
assert_contains() { case "$2" in *"$3"*) ok "$1";; *) not_ok "$1" "[$3] not in: $(printf '%s' "$2" | head -c 600)";; esac; }
assert_not_contains() { case "$2" in *"$3"*) not_ok "$1" "[$3] found in: $(printf '%s' "$2" | head -c 600)";; *) ok "$1";; esac; }
# assert_status DESC CODE curl-args... : body left in $T/body, headers in $T/headers
assert_status() {
	local d=$1 want=$2 got; shift 2
	: > "$T/body"    # curl leaves the file alone when there is no body (304, HEAD)
	got=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' --max-time 10 "$@")
	if [ "$got" = "$want" ]; then ok "$d"; else not_ok "$d" "expected HTTP $want got $got: $(head -c 400 "$T/body")"; fi
}
# bk_stop_serves : SIGTERM every `beacon serve` started by bk_start_serve that still runs, waits for it,
# and fails when it did not exit 0 or when its log holds a sanitizer report (make asan: LeakSanitizer
# runs at serve's shutdown, so a leak in any request path shows up here).
bk_stop_serves() {
	local e pid log rc i
	for e in $BK_SERVE_LOGS; do
		pid=${e%%:*}; log=${e#*:}
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
			wait "$pid" 2>/dev/null; rc=$?
			[ "$rc" = 0 ] || not_ok "beacon serve (pid $pid) exits 0 on SIGTERM" "exit status $rc; $(tail -5 "$log")"
		fi
		if grep -qE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$log" 2>/dev/null; then
			not_ok "beacon serve (pid $pid) ran without sanitizer reports" "$(grep -A12 -E 'ERROR: |runtime error:' "$log" | head -30)"
		fi
	done
	BK_SERVE_LOGS=""
}
# Prints the summary line for this file and sets the exit status.
bk_done() {
	bk_stop_serves
	echo "$TEST_NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit $?
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for CMD... : retries CMD for up to 10 s.
wait_for() {
	local i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i+1)); [ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# bk_make_conf FILE STORE SOCK [extra "key = value" lines...]
bk_make_conf() {
	local f=$1 st=$2 so=$3; shift 3
	{
		echo "store = $st"
		echo "listen = unix:$so"
		echo "threads = 16"
		echo "page_name = Beacon Test"
		echo "page_url = http://127.0.0.1/"
		echo "time_zone = UTC"
		for l in "$@"; do echo "$l"; done
	} > "$f"
}

# bk_start_serve CONF SOCK LOG : starts `beacon serve` in the background; sets BK_SERVE_PID.
bk_start_serve() {
	"$BEACON" --config "$1" serve >>"$3" 2>&1 &
	BK_SERVE_PID=$!
	BK_PIDS="$BK_PIDS $BK_SERVE_PID"
	BK_SERVE_LOGS="$BK_SERVE_LOGS $BK_SERVE_PID:$3"
	wait_for sock_accepts "$2" || { echo "# beacon did not start:"; tail -5 "$3"; return 1; }
}
# sock_accepts PATH: a unix socket someone listens on (a stale file left by kill -9 does not count).
sock_accepts() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$1" 2>/dev/null
}

# bk_start_nginx SOCK NAME : nginx with the shipped conf/nginx/beacon.conf; sets NGINX_URL, NGINX_DIR.
# BK_NGINX_USER="www-data www-data" runs its workers as that user, as Debian's nginx does.
bk_start_nginx() {
	local so=$1 name=${2:-nginx} d port
	d="$T/$name"; mkdir -p "$d/cache" "$d/tmp" "$d/logs"
	[ -n "${BK_NGINX_USER:-}" ] && chown -R "${BK_NGINX_USER%% *}" "$d"
	port=$(free_port)
	sed -e "s#unix:/run/beacon/beacon.sock#unix:$so#" \
	    -e "s#listen 127.0.0.1:8080;#listen 127.0.0.1:$port;#" \
	    -e "s#/var/cache/nginx/beacon#$d/cache#" \
	    -e "s#/var/lib/beacon/#${BK_SNAP_DIR:-/var/lib/beacon}/#" \
	    "$ROOT/conf/nginx/beacon.conf" > "$d/site.conf"
	cat > "$d/nginx.conf" <<NGX
$( [ "$(id -u)" = 0 ] && echo "user ${BK_NGINX_USER:-root root};" )
worker_processes 2;
daemon off;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log ${BK_NGINX_ACCESS_LOG:-off};
    client_body_temp_path $d/tmp/body;
    fastcgi_temp_path $d/tmp/fastcgi;
    proxy_temp_path $d/tmp/proxy;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    include $d/site.conf;
}
NGX
	nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" >>"$d/logs/stderr" 2>&1 &
	BK_PIDS="$BK_PIDS $!"
	NGINX_PID=$!
	NGINX_URL="http://127.0.0.1:$port"
	NGINX_DIR=$d
	wait_for curl -s -o /dev/null "$NGINX_URL/" || { echo "# nginx did not start:"; cat "$d/logs/error.log" "$d/logs/stderr"; return 1; }
}

# bk_start_lighttpd SOCK NAME : lighttpd with the shipped conf/lighttpd/beacon.conf; sets LIGHTTPD_URL.
bk_start_lighttpd() {
	local so=$1 name=${2:-lighttpd} d port
	d="$T/$name"; mkdir -p "$d/www" "$d/logs"
	port=$(free_port)
	sed -e "s#\"/run/beacon/beacon.sock\"#\"$so\"#" \
	    -e "s#server.port *= 8080#server.port = $port#" \
	    -e "s#/var/lib/beacon/www#$d/www#" \
	    -e "s#/run/lighttpd-beacon.pid#$d/lighttpd.pid#" \
	    -e "s#/var/log/lighttpd/beacon-error.log#$d/logs/error.log#" \
	    "$ROOT/conf/lighttpd/beacon.conf" > "$d/lighttpd.conf"
	lighttpd -D -f "$d/lighttpd.conf" >>"$d/logs/stderr" 2>&1 &
	BK_PIDS="$BK_PIDS $!"
	LIGHTTPD_PID=$!
	LIGHTTPD_URL="http://127.0.0.1:$port"
	wait_for curl -s -o /dev/null "$LIGHTTPD_URL/" || { echo "# lighttpd did not start:"; cat "$d/logs/error.log" "$d/logs/stderr" 2>/dev/null; return 1; }
}

# bk_cli ARGS... : the beacon CLI on the default node's config.
bk_cli() { "$BEACON" --config "$CONF" "$@"; }

# bk_demo_store : $CONF, $STORE, $SOCK, $LOG of a store filled by tools/demo-data.sh (the reference page,
# zone America/Guayaquil, "Acme Status"), not served yet.
bk_demo_store() {
	CONF="$T/beacon.conf"; STORE="$T/store"; SOCK="$T/beacon.sock"; LOG="$T/beacon.log"
	mkdir -p "$STORE"
	bk_make_conf "$CONF" "$STORE" "$SOCK"
	sed -i 's#^time_zone = .*#time_zone = America/Guayaquil#; s#^page_name = .*#page_name = Acme Status#' "$CONF"
	check "demo data loaded" sh "$ROOT/tools/demo-data.sh" "$BEACON" "$CONF"
}

# bk_default_setup [extra conf lines...] : one initialised node behind nginx ($URL) and lighttpd ($LURL).
bk_default_setup() {
	CONF="$T/beacon.conf"; STORE="$T/store"; SOCK="$T/beacon.sock"; LOG="$T/beacon.log"
	mkdir -p "$STORE"
	bk_make_conf "$CONF" "$STORE" "$SOCK" "$@"
	ADMIN_TOKEN=$(bk_cli init) || { echo "# beacon init failed"; exit 1; }
	bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
	bk_start_nginx "$SOCK" nginx || exit 1
	URL=$NGINX_URL
	bk_start_lighttpd "$SOCK" lighttpd || exit 1
	LURL=$LIGHTTPD_URL
}

# bk_start_lighttpd_spawn CONF NAME : lighttpd that starts beacon itself (bin-path; beacon gets its
# listening socket as fd 0), from the alternative documented in conf/lighttpd/beacon.conf; sets LIGHTTPD_URL.
bk_start_lighttpd_spawn() {
	local cf=$1 name=${2:-lighttpd-spawn} d port
	d="$T/$name"; mkdir -p "$d/www" "$d/logs"
	port=$(free_port)
	sed -e "s#\"socket\" *=> \"/run/beacon/beacon.sock\",#\"socket\" => \"$d/spawn.sock\", \"bin-path\" => \"$BEACON --config $cf serve\", \"max-procs\" => 1,#" \
	    -e "s#server.port *= 8080#server.port = $port#" \
	    -e "s#/var/lib/beacon/www#$d/www#" \
	    -e "s#/run/lighttpd-beacon.pid#$d/lighttpd.pid#" \
	    -e "s#/var/log/lighttpd/beacon-error.log#$d/logs/error.log#" \
	    "$ROOT/conf/lighttpd/beacon.conf" > "$d/lighttpd.conf"
	lighttpd -D -f "$d/lighttpd.conf" >>"$d/logs/stderr" 2>&1 &
	BK_PIDS="$BK_PIDS $!"
	LIGHTTPD_PID=$!
	LIGHTTPD_URL="http://127.0.0.1:$port"
	wait_for curl -sf -o /dev/null "$LIGHTTPD_URL/api/v2/status.json" || { echo "# spawning lighttpd did not start:"; cat "$d/logs/error.log" "$d/logs/stderr" 2>/dev/null; return 1; }
}

# bk_faketime 'YYYY-MM-DD HH:MM:SS' : from here on every beacon process (CLI and serve) runs under
# Debian's libfaketime on one shared clock that starts at that UTC time and moves on with the real
# one, so "now" never goes back between commands. Sets BEACON to a wrapper; REAL_BEACON is the binary.
bk_faketime() {
	REAL_BEACON=$BEACON
	export FAKE_OFFSET=$(( $(date -u -d "$1" +%s) - $(date +%s) ))
	mkdir -p "$T/bin"
	FAKELIB=$(dpkg -L libfaketime 2>/dev/null | grep 'libfaketimeMT.so.1$' | head -1)
	[ -n "$FAKELIB" ] || { echo "# libfaketime (Debian package faketime) is missing"; exit 1; }
	# libfaketime preloaded directly (the faketime wrapper's semaphore races when processes start
	# together); under ASan the preload comes before the ASan runtime, which is fine for a test
	cat > "$T/bin/beacon" <<EOF
#!/bin/sh
export LD_PRELOAD="$FAKELIB" FAKETIME="\$FAKE_OFFSET" ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
exec "$REAL_BEACON" "\$@"
EOF
	chmod +x "$T/bin/beacon"
	BEACON=$T/bin/beacon
}
