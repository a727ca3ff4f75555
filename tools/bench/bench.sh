#!/bin/sh
# bench.sh: `make bench`: wrk on / through nginx (beacon with and without the microcache, static file, minimal libfcgi), RSS, home render time.
#
# usage: sh tools/bench/bench.sh /abs/path/BUILD/beacon
# Everything runs on 127.0.0.1 and unix sockets in a temp dir (KEEP=1 keeps it). One nginx
# (2 workers, access_log off) serves four locations on one port:
#   /static          beacon's home page saved to a file, served by nginx itself
#   /ref             a minimal multi-threaded libfcgi responder (ref_responder.c) sending the same bytes
#   /beacon-nocache  beacon, no nginx cache
#   /beacon-cache    beacon with the microcache directives of conf/nginx/beacon.conf
# The upstream keep-alive and cache directives are copied from conf/nginx/beacon.conf, so the
# bench measures the shipped configuration. Rounds are interleaved; the median of each target counts.
# Environment: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32), BENCH_THREADS (threads
# of conf/beacon.conf), BENCH_RENDERS (200), BENCH_INCIDENTS (10000), BENCH_COMPONENTS (300).
# Targets are informational (PASS/MISS); the exit status is non-zero only when something did not run.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 /abs/path/to/beacon" >&2; exit 2; }
BEACON=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$BEACON")" && pwd)
SHIPPED_NGINX=$ROOT/conf/nginx/beacon.conf
RESULTS=$ROOT/tools/bench/results-latest.txt
DURATION=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-5}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-$(sed -n 's/^threads *= *\([0-9]*\).*/\1/p' "$ROOT/conf/beacon.conf")}
RENDERS=${BENCH_RENDERS:-200}
INCIDENTS=${BENCH_INCIDENTS:-10000}
COMPONENTS=${BENCH_COMPONENTS:-300}
TARGETS="static ref beacon-nocache beacon-cache"

fail() { echo "bench: $*" >&2; exit 1; }
for tool in wrk nginx curl cc make python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (make deps)"
done
[ -x "$BEACON" ] || fail "no beacon binary at $BEACON"
[ -n "$THREADS" ] || fail "cannot read threads from conf/beacon.conf; set BENCH_THREADS"

D=$(mktemp -d /tmp/beacon-bench.XXXXXX)
chmod 0755 "$D"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do
		i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
		kill -9 "$p" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "bench: kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# retries CMD for up to 10 s
wait_for() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i+1)); [ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# ---- build the two helper programs with the Makefile's own flags ----
mkdir -p "$BUILD/bench"
flags() {
	printf 'bench_flags:\n\t@echo "$(%s)"\n' "$1" |
		make --no-print-directory -s -C "$ROOT" -f Makefile -f - BUILD="$BUILD" bench_flags
}
CFLAGS=$(flags ALL_CFLAGS | sed -e 's/ -MMD//' -e 's/ -MP//')   # no .d files for these two
LIBS="$(flags LDFLAGS) $(flags LDLIBS)"
echo "bench: building ref_responder and render_bench"
# shellcheck disable=SC2086
cc $CFLAGS -o "$BUILD/bench/ref_responder" "$ROOT/tools/bench/ref_responder.c" $LIBS ||
	fail "ref_responder did not build"
OBJS=""
for o in "$BUILD"/firmware/*.o "$BUILD"/store/*.o "$BUILD/gen/web_assets.o"; do
	[ -f "$o" ] || fail "missing object $o: build beacon first (make all)"
	[ "$o" = "$BUILD/firmware/main.o" ] || OBJS="$OBJS $o"
done
# shellcheck disable=SC2086
(cd "$ROOT" && cc $CFLAGS -o "$BUILD/bench/render_bench" tools/bench/render_bench.c $OBJS $LIBS) ||
	fail "render_bench did not build"

# ---- beacon with a demo store ----
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$D/store" "$D/www" "$D/cache" "$D/tmp" "$D/logs"
cat > "$D/beacon.conf" <<CONF
store = $D/store
listen = unix:$D/beacon.sock
threads = $THREADS
page_name = Beacon Bench
page_url = http://127.0.0.1:$PORT/
time_zone = America/Guayaquil
CONF
b() { "$BEACON" --config "$D/beacon.conf" "$@"; }
if [ -f "$ROOT/tools/demo-data.sh" ]; then
	sh "$ROOT/tools/demo-data.sh" "$BEACON" "$D/beacon.conf" > "$D/logs/demo-data.log" 2>&1 ||
		fail "tools/demo-data.sh failed: $(tail -3 "$D/logs/demo-data.log")"
else
	b init > /dev/null || fail "beacon init failed"
	api=$(b component add --name API) && web=$(b component add --name Website) &&
		b component add --name Dashboard > /dev/null &&
		b incident open --name "Elevated API errors" --status investigating --impact minor \
			--body "We are investigating." --component "$api=degraded_performance" > /dev/null &&
		b incident open --name "Website slow" --status identified --impact minor \
			--body "Found the cause." --component "$web=degraded_performance" > /dev/null ||
		fail "demo data (beacon component/incident) failed"
fi
"$BEACON" --config "$D/beacon.conf" serve >> "$D/logs/beacon.log" 2>&1 &
BEACON_PID=$!
PIDS="$PIDS $BEACON_PID"
wait_for test -S "$D/beacon.sock" || fail "beacon did not start: $(tail -5 "$D/logs/beacon.log")"

# ---- nginx config generated from the shipped site ----
# the body of block $1 (a line matching the regex), nested braces included, comments dropped
block_body() {
	awk -v start="$1" '
		d == 0 && $0 ~ start { d = 1; next }
		d > 0 {
			o = gsub(/\{/, "{"); c = gsub(/\}/, "}"); d += o - c
			if (d > 0 && $0 !~ /^[ \t]*#/ && $0 !~ /^[ \t]*$/) print
		}' "$SHIPPED_NGINX"
}
UPSTREAM=$(block_body '^upstream beacon *\{' | grep -v '^[ 	]*server ')
CACHE_PATH=$(awk '/^fastcgi_cache_path/ { f = 1 } f { print } f && /;/ { f = 0 }' "$SHIPPED_NGINX" |
	sed "s#/var/cache/nginx/beacon#$D/cache#")
LOCATION=$(block_body '^[ 	]*location / *\{')
[ -n "$UPSTREAM" ] && [ -n "$CACHE_PATH" ] && [ -n "$LOCATION" ] ||
	fail "conf/nginx/beacon.conf has no upstream beacon / fastcgi_cache_path / location / to copy"
printf '%s\n' "$LOCATION" | grep -q 'fastcgi_pass beacon;' ||
	fail "conf/nginx/beacon.conf: location / does not fastcgi_pass to upstream beacon"
# beacon must see "/" whatever the bench location is called
sed -e 's#\$request_uri#/#' -e 's#\$document_uri#/#' /etc/nginx/fastcgi_params > "$D/fastcgi_params_root"
LOCATION=$(printf '%s\n' "$LOCATION" | sed "s#include /etc/nginx/fastcgi_params;#include $D/fastcgi_params_root;#")
NOCACHE=$(printf '%s\n' "$LOCATION" | grep -v -e 'fastcgi_cache' -e 'fastcgi_no_cache' -e 'X-Cache')
TO_REF=$(printf '%s\n' "$NOCACHE" | sed 's#fastcgi_pass beacon;#fastcgi_pass ref;#')
{
	[ "$(id -u)" = 0 ] && echo "user root root;"
	cat <<NGX
worker_processes 2;
daemon off;
pid $D/nginx.pid;
error_log $D/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path $D/tmp/body;
    fastcgi_temp_path $D/tmp/fastcgi;
    proxy_temp_path $D/tmp/proxy;
    uwsgi_temp_path $D/tmp/uwsgi;
    scgi_temp_path $D/tmp/scgi;
    upstream beacon {
        server unix:$D/beacon.sock;
$UPSTREAM
    }
    upstream ref {
        server unix:$D/ref.sock;
$UPSTREAM
    }
$CACHE_PATH
    server {
        listen 127.0.0.1:$PORT;
        location = /static {
            types { }
            default_type "text/html; charset=utf-8";
            alias $D/www/home.html;
        }
        location = /ref {
$TO_REF
        }
        location = /beacon-nocache {
$NOCACHE
        }
        location = /beacon-cache {
$LOCATION
        }
    }
}
NGX
} > "$D/nginx.conf"
nginx -t -p "$D" -c "$D/nginx.conf" -e "$D/logs/nginx-error.log" > "$D/logs/nginx-t.log" 2>&1 ||
	fail "generated nginx config is invalid: $(cat "$D/logs/nginx-t.log")"
nginx -p "$D" -c "$D/nginx.conf" -e "$D/logs/nginx-error.log" >> "$D/logs/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS="$NGINX_PID $PIDS"   # stopped first, so kept-alive upstream connections close
URL="http://127.0.0.1:$PORT"
wait_for curl -s -o /dev/null "$URL/static" || fail "nginx did not start: $(cat "$D/logs/nginx-error.log")"

# ---- the home page bytes, and every target checked to serve them ----
code=$(curl -s -o "$D/www/home.html" -w '%{http_code}' "$URL/beacon-nocache")
[ "$code" = 200 ] && [ -s "$D/www/home.html" ] ||
	fail "beacon's / answered HTTP $code: $(head -c 300 "$D/www/home.html"; tail -3 "$D/logs/beacon.log")"
BYTES=$(wc -c < "$D/www/home.html")
"$BUILD/bench/ref_responder" "$D/ref.sock" "$D/www/home.html" "$THREADS" >> "$D/logs/ref.log" 2>&1 &
REF_PID=$!
PIDS="$PIDS $REF_PID"
wait_for test -S "$D/ref.sock" || fail "ref_responder did not start: $(cat "$D/logs/ref.log")"
for t in $TARGETS; do
	code=$(curl -s -o "$D/check.html" -w '%{http_code}' "$URL/$t")
	[ "$code" = 200 ] || fail "/$t answered HTTP $code"
	cmp -s "$D/check.html" "$D/www/home.html" ||
		echo "bench: note: /$t body differs from the saved page (a minute tick re-rendered it?)" >&2
done

# ---- load: interleaved rounds ----
# prints req/s of one wrk run on target $1; records non-2xx responses and socket errors
run_wrk() {
	wrk -t2 -c"$CONNS" -d"${DURATION}s" "$URL/$1" > "$D/wrk.out" 2>&1 || { cat "$D/wrk.out" >&2; return 1; }
	bad=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$D/wrk.out")
	[ -z "$bad" ] || echo "/$1: $bad non-2xx responses" >> "$D/errors"
	sed -n 's/^ *Socket errors: *\(.*\)/\1/p' "$D/wrk.out" | sed "s#^#/$1 socket errors: #" >> "$D/notes"
	awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' "$D/wrk.out"
}
: > "$D/errors"
: > "$D/notes"
r=1
while [ $r -le "$ROUNDS" ]; do
	for t in $TARGETS; do
		echo "bench: round $r/$ROUNDS: /$t (${DURATION}s)"
		rps=$(run_wrk "$t") || fail "wrk failed on /$t"
		[ -n "$rps" ] || fail "wrk printed no Requests/sec for /$t"
		echo "$rps" >> "$D/rps.$t"
	done
	r=$((r+1))
done

# ---- memory after the load ----
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
B_RSS=$(status_kb "$BEACON_PID" VmRSS); B_HWM=$(status_kb "$BEACON_PID" VmHWM)
B_ANON=$(status_kb "$BEACON_PID" RssAnon); B_FILE=$(status_kb "$BEACON_PID" RssFile)
R_RSS=$(status_kb "$REF_PID" VmRSS); R_HWM=$(status_kb "$REF_PID" VmHWM)
cat "/proc/$BEACON_PID/smaps" > "$D/beacon-smaps.txt" 2>/dev/null || true   # what the RSS is made of (KEEP=1)
kill "$NGINX_PID" "$BEACON_PID" "$REF_PID" 2>/dev/null || true

# ---- render time on a large store ----
echo "bench: render benchmark ($INCIDENTS incidents, $COMPONENTS components, $RENDERS renders)"
"$BUILD/bench/render_bench" "$D/render-store" --incidents "$INCIDENTS" --components "$COMPONENTS" \
	--renders "$RENDERS" > "$D/render.out" 2> "$D/render.err" ||
	fail "render_bench failed: $(cat "$D/render.err")"

# ---- report ----
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = op == ">=" ? v >= t : v < t; print ok ? "PASS" : "MISS" }'; }
label() {
	case $1 in
	static) echo "nginx static file" ;;
	ref) echo "nginx -> minimal libfcgi" ;;
	beacon-nocache) echo "nginx -> beacon, no cache" ;;
	beacon-cache) echo "nginx microcache -> beacon" ;;
	esac
}
{
	echo "Beacon bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "wrk -t2 -c$CONNS -d${DURATION}s on 127.0.0.1, $ROUNDS interleaved rounds; nginx 2 workers;" \
	     "beacon and ref_responder $THREADS threads each"
	echo "GET / : $BYTES bytes of HTML, the same body from every target"
	echo
	printf '%-28s' "req/s"
	r=1; while [ $r -le "$ROUNDS" ]; do printf '%10s' "round $r"; r=$((r+1)); done
	printf '%10s\n' "median"
	for t in $TARGETS; do
		printf '%-28s' "$(label "$t")"
		while read -r v; do printf '%10s' "$v"; done < "$D/rps.$t"
		printf '%10s\n' "$(median "$D/rps.$t")"
	done
	echo
	st=$(median "$D/rps.static"); rf=$(median "$D/rps.ref")
	nc=$(median "$D/rps.beacon-nocache"); ca=$(median "$D/rps.beacon-cache")
	x=$(ratio "$nc" "$rf")
	echo "beacon without cache / minimal libfcgi: ${x}x  (target >= 0.9x)  $(verdict "$x" 0.9 '>=')"
	x=$(ratio "$ca" "$st")
	echo "beacon with microcache / nginx static:  ${x}x  (target >= 0.9x)  $(verdict "$x" 0.9 '>=')"
	echo "beacon RSS after load: VmRSS $(mb "$B_RSS") MB, VmHWM $(mb "$B_HWM") MB" \
	     "(anon $(mb "$B_ANON") MB, file/LMDB map $(mb "$B_FILE") MB)  (target < 10 MB)  $(verdict "$(mb "$B_HWM")" 10 '<')"
	echo "  (ref_responder for scale: VmRSS $(mb "$R_RSS") MB, VmHWM $(mb "$R_HWM") MB)"
	cat "$D/render.out"
	if [ -s "$D/notes" ]; then echo; echo "wrk notes:"; cat "$D/notes"; fi
	if [ -s "$D/errors" ]; then echo; echo "ERRORS (these rounds are not valid):"; cat "$D/errors"; fi
} > "$D/report"
cat "$D/report"
cp "$D/report" "$RESULTS"
echo
echo "bench: results written to $RESULTS"
[ ! -s "$D/errors" ] || exit 1
