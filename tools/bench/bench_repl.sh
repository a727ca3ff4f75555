#!/bin/sh
# bench_repl.sh: replication cost: pull + verify + install of a snapshot with 100,000 incident updates, and an unchanged (304) poll.
#
# usage: sh tools/bench/bench_repl.sh /abs/path/BUILD/beacon
# A primary store is filled through store.h by render_bench (BENCH_REPL_INCIDENTS incidents x 3
# updates; default 33,334 -> 100,002 updates), served by beacon behind nginx on 127.0.0.1, signing
# with an ECDSA P-256 key and an HMAC key. Measured:
#   publish   the primary's first answer for a generation: compact copy + SHA-256 + signature + send
#   pull      `beacon pull --once` into an empty secondary: download, verify length/SHA-256/signature,
#             fsync, rename, fsync dir (the primary's file is already published)
#   verify    the secondary's `beacon serve` checking the installed file against its signed manifest
#             (signature, size, SHA-256) before serving it, as at start and before every swap
#   poll-304  `beacon pull --once` when nothing changed (whole process: start, keys, TLS-free HTTP, 304,
#             and the signed freshness statement checked)
#   curl-304  the same conditional GET with curl, i.e. the server side of an unchanged poll
# Medians over BENCH_REPL_ROUNDS rounds (5) and BENCH_REPL_POLLS polls (200). Informational: exit 0 when
# everything ran. Report on stdout and in tools/bench/results-repl-latest.txt.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 /abs/path/to/beacon" >&2; exit 2; }
BEACON=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$BEACON")" && pwd)
INCIDENTS=${BENCH_REPL_INCIDENTS:-33334}
ROUNDS=${BENCH_REPL_ROUNDS:-5}
POLLS=${BENCH_REPL_POLLS:-200}
RESULTS=$ROOT/tools/bench/results-repl-latest.txt

fail() { echo "bench_repl: $*" >&2; exit 1; }
for tool in nginx curl cc make openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (make deps)"
done
[ -x "$BEACON" ] || fail "no beacon binary at $BEACON"
D=$(mktemp -d /tmp/beacon-bench-repl.XXXXXX)
chmod 0755 "$D"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	if [ "${KEEP:-0}" = 1 ]; then echo "bench_repl: kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT INT TERM

# ---- render_bench fills the store through store.h, built with the Makefile's flags ----
mkdir -p "$BUILD/bench"
flags() {
	printf 'bench_flags:\n\t@echo "$(%s)"\n' "$1" |
		make --no-print-directory -s -C "$ROOT" -f Makefile -f - BUILD="$BUILD" bench_flags
}
CFLAGS=$(flags ALL_CFLAGS | sed -e 's/ -MMD//' -e 's/ -MP//')
LIBS="$(flags LDFLAGS) $(flags LDLIBS)"
OBJS=""
for o in "$BUILD"/firmware/*.o "$BUILD"/store/*.o "$BUILD/gen/web_assets.o"; do
	[ -f "$o" ] || fail "missing object $o: build beacon first (make all)"
	[ "$o" = "$BUILD/firmware/main.o" ] || OBJS="$OBJS $o"
done
# shellcheck disable=SC2086
(cd "$ROOT" && cc $CFLAGS -o "$BUILD/bench/render_bench" tools/bench/render_bench.c $OBJS $LIBS) ||
	fail "render_bench did not build"

openssl ecparam -genkey -name prime256v1 -noout -out "$D/priv.pem" 2>/dev/null
openssl ec -in "$D/priv.pem" -pubout -out "$D/pub.pem" 2>/dev/null
HMAC=$(openssl rand -hex 32)
PSTORE=$D/primary; SSTORE=$D/secondary; SOCK=$D/primary.sock
mkdir -p "$PSTORE" "$SSTORE"
cat > "$D/primary.conf" <<CONF
store = $PSTORE
listen = unix:$SOCK
threads = 8
role = primary
replication_key_file = $D/priv.pem
replication_hmac_key = $HMAC
CONF
"$BEACON" --config "$D/primary.conf" init >/dev/null || fail "beacon init failed"
echo "bench_repl: filling the primary ($INCIDENTS incidents x 3 updates)"
"$BUILD/bench/render_bench" "$PSTORE" --incidents "$INCIDENTS" --renders 1 > "$D/fill.out" 2>&1 ||
	fail "filling the store failed: $(tail -3 "$D/fill.out")"
TOKEN=$("$BEACON" --config "$D/primary.conf" token create --scope replication --name bench)
"$BEACON" --config "$D/primary.conf" serve >"$D/primary.log" 2>&1 &
PIDS="$PIDS $!"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$D/nginx/tmp"
cat > "$D/nginx/nginx.conf" <<NGX
$( [ "$(id -u)" = 0 ] && echo "user root root;" )
worker_processes 1; daemon off; pid $D/nginx/nginx.pid; error_log $D/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log off; client_body_temp_path $D/nginx/tmp; fastcgi_temp_path $D/nginx/tmp;
  proxy_temp_path $D/nginx/tmp; uwsgi_temp_path $D/nginx/tmp; scgi_temp_path $D/nginx/tmp;
  server {
    listen 127.0.0.1:$PORT;
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param BEACON_ACCEL_SNAPSHOTS /_beacon/snapshots/;
      fastcgi_pass unix:$SOCK;
    }
    location /_beacon/snapshots/ {
      internal;
      alias $PSTORE/snapshots/;
      etag off;
      add_header X-Beacon-Manifest \$upstream_http_x_beacon_manifest always;
      add_header X-Beacon-Freshness \$upstream_http_x_beacon_freshness always;
      add_header ETag \$upstream_http_etag always;
      add_header Cache-Control no-store always;
    }
  }
}
NGX
nginx -p "$D/nginx" -c "$D/nginx/nginx.conf" >"$D/nginx/stderr" 2>&1 &
PIDS="$PIDS $!"
URL="http://127.0.0.1:$PORT"
i=0
until curl -s -o /dev/null "$URL/health"; do
	i=$((i+1)); [ $i -gt 100 ] && fail "nginx/beacon did not start: $(cat "$D/nginx/stderr" "$D/primary.log")"
	sleep 0.1
done
cat > "$D/secondary.conf" <<CONF
store = $SSTORE
listen = unix:$D/secondary.sock
role = secondary
replication_key_file = $D/pub.pem
replication_hmac_key = $HMAC
upstream = $URL
upstream_token = $TOKEN
CONF

now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ---- publish: the primary builds a new generation's snapshot on its first request ----
: > "$D/publish.ms"
for r in $(seq 1 "$ROUNDS"); do
	"$BEACON" --config "$D/primary.conf" component add --name "Round $r" >/dev/null
	t0=$(now_ms)
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/replication/snapshot")
	t1=$(now_ms)
	[ "$code" = 200 ] || fail "snapshot request answered $code"
	echo $((t1 - t0)) >> "$D/publish.ms"
done
SIZE=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/replication/snapshot" |
	tr -d '\r' | sed -n 's/.*; len=\([0-9]*\);.*/\1/p')

# ---- pull: download + verify + install into an empty secondary ----
: > "$D/pull.ms"
for r in $(seq 1 "$ROUNDS"); do
	rm -rf "$SSTORE"; mkdir -p "$SSTORE"
	t0=$(now_ms)
	"$BEACON" --config "$D/secondary.conf" pull --once 2>>"$D/pull.log" || fail "pull failed: $(tail -2 "$D/pull.log")"
	t1=$(now_ms)
	echo $((t1 - t0)) >> "$D/pull.ms"
done

# ---- unchanged polls ----
: > "$D/poll.ms"
for r in $(seq 1 "$POLLS"); do
	t0=$(now_ms)
	"$BEACON" --config "$D/secondary.conf" pull --once 2>>"$D/pull.log" || fail "304 poll failed"
	t1=$(now_ms)
	echo $((t1 - t0)) >> "$D/poll.ms"
done
GEN=$(basename "$(readlink "$SSTORE/current")" .mdb | sed 's/snap-//')
: > "$D/curl.us"
for r in $(seq 1 "$POLLS"); do
	curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" -H "If-None-Match: \"g$GEN\"" \
		"$URL/replication/snapshot" | awk '{ printf "%d\n", $1 * 1000000 }' >> "$D/curl.us"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "If-None-Match: \"g$GEN\"" \
	"$URL/replication/snapshot")" = 304 ] || fail "unchanged poll did not get 304"

# ---- verify: the secondary's `serve` checks the installed snapshot against its manifest at start ----
: > "$D/verify.ms"
for r in $(seq 1 "$ROUNDS"); do
	: > "$D/secondary.log"
	"$BEACON" --config "$D/secondary.conf" serve >>"$D/secondary.log" 2>&1 &
	spid=$!
	i=0
	until grep -q ' verified (' "$D/secondary.log"; do
		i=$((i+1)); [ $i -gt 300 ] && fail "secondary serve did not verify its snapshot: $(tail -3 "$D/secondary.log")"
		sleep 0.1
	done
	kill "$spid"; wait "$spid" 2>/dev/null || true
	sed -n 's/.* verified (.*) in \([0-9]*\) ms$/\1/p' "$D/secondary.log" >> "$D/verify.ms"
done

{
	echo "== bench_repl: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores"
	grep '^store:' "$D/fill.out" || true
	echo "snapshot size: $SIZE bytes ($(awk -v b="$SIZE" 'BEGIN { printf "%.1f", b / 1048576 }') MiB, compact copy)"
	echo "publish (primary: compact copy + sha256 + sign + send), median of $ROUNDS: $(median < "$D/publish.ms") ms"
	echo "pull + verify + install (secondary, empty), median of $ROUNDS: $(median < "$D/pull.ms") ms"
	echo "secondary serve: verify signature + size + SHA-256 of the installed file, median of $ROUNDS: $(median < "$D/verify.ms") ms"
	echo "unchanged poll, whole 'beacon pull --once' process, median of $POLLS: $(median < "$D/poll.ms") ms"
	echo "unchanged poll, one conditional GET (curl, 304), median of $POLLS: $(median < "$D/curl.us") us"
} | tee "$RESULTS"
