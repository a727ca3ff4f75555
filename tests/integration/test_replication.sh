#!/bin/bash
# test_replication.sh: primary + secondary, each behind its own nginx: signed snapshots, 304 polls,
# catch-up, primary death under load, rejected snapshots, 100 swaps under load, HTTPS pull, promote.
. "$(dirname "$0")/lib.sh"

INTERVAL=1
K="$T/keys"; mkdir -p "$K"
openssl ecparam -genkey -name prime256v1 -noout -out "$K/priv.pem" 2>/dev/null
openssl ec -in "$K/priv.pem" -pubout -out "$K/pub.pem" 2>/dev/null
openssl ecparam -genkey -name prime256v1 -noout -out "$K/other.pem" 2>/dev/null
HMAC=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

# ---- primary ----
PSTORE="$T/primary"; PSOCK="$T/primary.sock"; PCONF="$T/primary.conf"; PLOG="$T/primary.log"
mkdir -p "$PSTORE"
bk_make_conf "$PCONF" "$PSTORE" "$PSOCK" "role = primary" "replication_key_file = $K/priv.pem" \
	"replication_hmac_key = $HMAC"
pcli() { "$BEACON" --config "$PCONF" "$@"; }
ADMIN=$(pcli init) || { echo "# init failed"; exit 1; }
REPL=$(pcli token create --scope replication --name secondary)
READ=$(pcli token create --scope read --name reader)
pcli component add --name API >/dev/null
bk_start_serve "$PCONF" "$PSOCK" "$PLOG" || exit 1
PSERVE=$BK_SERVE_PID
BK_SNAP_DIR=$PSTORE bk_start_nginx "$PSOCK" nginx-primary || exit 1
PURL=$NGINX_URL
SNAP="$PURL/replication/snapshot"

# ---- the snapshot endpoint ----
assert_status "snapshot without a token: 401" 401 "$SNAP"
assert_status "snapshot with a read token: 403" 403 -H "Authorization: Bearer $READ" "$SNAP"
assert_status "snapshot with the replication token: 200" 200 -H "Authorization: Bearer $REPL" "$SNAP"
cp "$T/body" "$T/old.mdb"; cp "$T/headers" "$T/old.headers"
manifest() { tr -d '\r' < "$1" | sed -n 's/^X-Beacon-Manifest: //Ip'; }
field() { printf '%s\n' "$1" | tr ';' '\n' | sed -n "s/^ *$2=//p"; }
M=$(manifest "$T/headers")
assert_eq "manifest length = body length" "$(field "$M" len)" "$(stat -c %s "$T/body")"
assert_eq "manifest sha256 = body sha256" "$(field "$M" sha256)" "$(sha256sum "$T/body" | cut -d' ' -f1)"
GEN=$(field "$M" gen)
printf 'beacon-snapshot-v1\n%s\n%s\n%s\n%s' "$GEN" "$(field "$M" len)" "$(field "$M" sha256)" "$(field "$M" created)" > "$T/msg"
field "$M" sig | base64 -d > "$T/sig"
check "ECDSA signature verifies with openssl and the public key" \
	openssl dgst -sha256 -verify "$K/pub.pem" -signature "$T/sig" "$T/msg"
assert_eq "HMAC-SHA256 matches" "$(field "$M" hmac)" \
	"$(openssl dgst -sha256 -mac HMAC -macopt hexkey:$HMAC -r "$T/msg" | cut -d' ' -f1)"
assert_contains "ETag names the generation" "$(cat "$T/headers")" "ETag: \"g$GEN\""
assert_status "If-None-Match on the generation: 304" 304 -H "Authorization: Bearer $REPL" \
	-H "If-None-Match: \"g$GEN\"" "$SNAP"
assert_eq "304 has no body" 0 "$(stat -c %s "$T/body")"
if grep -q "_beacon/snapshots" "$ROOT/conf/nginx/beacon.conf"; then
	curl -s -D "$T/headers" -o /dev/null -H "Authorization: Bearer $REPL" "$SNAP"
	assert_contains "nginx sends the file itself (X-Accel-Redirect: a static file with ranges)" \
		"$(cat "$T/headers")" "Accept-Ranges: bytes"
	assert_contains "the manifest survives the internal redirect" "$(cat "$T/headers")" "X-Beacon-Manifest: gen=$GEN;"
	assert_contains "the freshness statement survives the internal redirect" "$(cat "$T/headers")" \
		"X-Beacon-Freshness: gen=$GEN; time="
fi
curl -s -D "$T/headers" -o /dev/null -H "Authorization: Bearer $REPL" -H "If-None-Match: \"g$GEN\"" \
	-H "X-Beacon-Nonce: 0123456789abcdef0123456789abcdef" "$SNAP"
assert_contains "a 304 through nginx carries the signed freshness statement for the caller's nonce" \
	"$(tr -d '\r' < "$T/headers")" "X-Beacon-Freshness: gen=$GEN; time="
assert_contains "... bound to the nonce sent" "$(cat "$T/headers")" "nonce=0123456789abcdef0123456789abcdef"

# ---- secondary ----
SSTORE="$T/secondary"; SSOCK="$T/secondary.sock"; SCONF="$T/secondary.conf"; SLOG="$T/secondary.log"
mkdir -p "$SSTORE"
bk_make_conf "$SCONF" "$SSTORE" "$SSOCK" "role = secondary" "replication_key_file = $K/pub.pem" \
	"replication_hmac_key = $HMAC" "upstream = $PURL" "upstream_token = $REPL" \
	"pull_seconds = $INTERVAL" "max_snapshot_mb = 64"
scli() { "$BEACON" --config "$SCONF" "$@"; }
bk_start_serve "$SCONF" "$SSOCK" "$SLOG" || exit 1
SSERVE=$BK_SERVE_PID
bk_start_nginx "$SSOCK" nginx-secondary || exit 1
SURL=$NGINX_URL
assert_status "secondary without a snapshot: 503" 503 "$SURL/health"

PULL_LOG="$T/pull.log"
start_pull() {
	"$BEACON" --config "$SCONF" pull --every ${INTERVAL}s >>"$PULL_LOG" 2>&1 &
	PULL_PID=$!
	BK_PIDS="$BK_PIDS $PULL_PID"
}
stop_pull() { kill "$PULL_PID"; wait "$PULL_PID" 2>/dev/null; }
health() { curl -s --max-time 5 "$1/health" | jq -r ".$2"; }
pgen() { health "$PURL" generation; }
# caught_up: the secondary serves the primary's generation within two pull intervals (+1 s slack).
caught_up() {
	want=$(pgen); i=0
	while [ "$(health "$SURL" generation)" != "$want" ]; do
		i=$((i+1)); [ $i -gt $((INTERVAL * 20 + 10)) ] && return 1
		sleep 0.1
	done
}
start_pull
check "secondary catches up with the primary" caught_up
pcli component add --name Website >/dev/null
check "secondary catches up after a write, within two pull intervals" caught_up
assert_eq "health: role secondary" secondary "$(health "$SURL" role)"
assert_eq "health: primary role" primary "$(health "$PURL" role)"
check "health: snapshot age is a small number" test "$(health "$SURL" snapshot_age_seconds)" -le 3
summary() { curl -s --max-time 5 "$1/api/v2/components.json" | jq -c '[.components[].name]'; }
assert_eq "secondary serves the primary's components" "$(summary "$PURL")" "$(summary "$SURL")"
assert_contains "secondary's page says when it last synced" "$(curl -s "$SURL/")" \
	"read-only copy of the status page, last synced with the primary at <time class=\"lt\" datetime="
assert_not_contains "primary's page does not" "$(curl -s "$PURL/")" "read-only copy"
check "unchanged polls are 304s that install nothing" \
	sh -c "sleep $((INTERVAL * 2)); [ \$(grep -c 'installed generation' '$PULL_LOG') -eq 2 ]"

# ---- a read-only replica ----
assert_status "API write on the secondary: 503" 503 -X POST -H "Authorization: Bearer $ADMIN" \
	-H "Content-Type: application/json" -d '{"component":{"name":"X"}}' "$SURL/api/v1/pages/x/components"
assert_contains "API write: read-only replica JSON" "$(cat "$T/body")" "read-only replica"
# a secondary takes no intake: Alertmanager, pings and pushes go to the primary
assert_status "alertmanager on the secondary: 503" 503 -X POST -H "Authorization: Bearer $ADMIN" \
	-d '{"version":"4","groupKey":"g","alerts":[]}' "$SURL/intake/alertmanager"
assert_status "heartbeat ping on the secondary: 503" 503 "$SURL/ping/6f1e1c1a-0000-4000-8000-000000000000"
assert_status "Kuma push on the secondary: 503" 503 "$SURL/api/push/x?status=up"
scli component add --name X >"$T/out" 2>"$T/err"
assert_eq "CLI write on the secondary: exit 1" 1 "$?"
assert_contains "CLI write: says read-only" "$(cat "$T/err")" "read-only"
assert_status "snapshot endpoint on a secondary: 503" 503 -H "Authorization: Bearer $REPL" \
	"$SURL/replication/snapshot"

# ---- kill -9 the primary under load on the secondary ----
BEFORE=$(curl -s "$SURL/api/v2/summary.json")
wrk -t1 -c20 -d6s "$SURL/api/v2/summary.json" > "$T/wrk1" 2>&1 &
WRK=$!
sleep 1
kill -9 "$PSERVE"
sleep 4
AGE_DEAD=$(health "$SURL" snapshot_age_seconds)
wait $WRK
assert_not_contains "wrk: no non-2xx answers while the primary died" "$(cat "$T/wrk1")" "Non-2xx"
assert_not_contains "wrk: no socket errors while the primary died" "$(cat "$T/wrk1")" "Socket errors"
check "wrk: requests were served" grep -q "requests in" "$T/wrk1"
assert_eq "content unchanged while the primary is dead" "$BEFORE" "$(curl -s "$SURL/api/v2/summary.json")"
check "staleness grows while the primary is dead ($AGE_DEAD s)" test "$AGE_DEAD" -ge 3
check "pull logged the failures" grep -q "pull: .*HTTP 50[23]" "$PULL_LOG"
bk_start_serve "$PCONF" "$PSOCK" "$PLOG" || exit 1
PSERVE=$BK_SERVE_PID
pcli component add --name Back >/dev/null
check "secondary catches up when the primary returns" caught_up
check "staleness resets" test "$(health "$SURL" snapshot_age_seconds)" -le 2

# ---- rejected snapshots: a fake upstream serves crafted ones ----
stop_pull
GOOD_GEN=$(health "$SURL" generation)
pcli component add --name Newer >/dev/null
curl -s -D "$T/new.headers" -o "$T/new.mdb" -H "Authorization: Bearer $REPL" "$SNAP"
NM=$(manifest "$T/new.headers")
FAKE="$T/fake"; mkdir -p "$FAKE"
FPORT=$(free_port)
cat > "$T/fake.py" <<'PY'
import http.server, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open(os.path.join(d, "body"), "rb").read()
        self.send_response(200)
        self.send_header("X-Beacon-Manifest", open(os.path.join(d, "manifest")).read().strip())
        self.end_headers()              # HTTP/1.0, no Content-Length: the body ends at close
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
PY
python3 "$T/fake.py" "$FAKE" "$FPORT" & BK_PIDS="$BK_PIDS $!"
wait_for curl -s -o /dev/null "http://127.0.0.1:$FPORT/"
sign_with() {   # sign_with KEY GEN LEN SHA CREATED -> base64 DER ECDSA
	printf 'beacon-snapshot-v1\n%s\n%s\n%s\n%s' "$2" "$3" "$4" "$5" | openssl dgst -sha256 -sign "$1" | base64 -w0
}
hmac_of() {
	printf 'beacon-snapshot-v1\n%s\n%s\n%s\n%s' "$1" "$2" "$3" "$4" |
		openssl dgst -sha256 -mac HMAC -macopt hexkey:$HMAC -r | cut -d' ' -f1
}
mk_manifest() {  # mk_manifest KEY GEN LEN SHA CREATED
	echo "gen=$2; len=$3; sha256=$4; created=$5; sig=$(sign_with "$@"); hmac=$(hmac_of "$2" "$3" "$4" "$5")"
}
PAGE0=$(curl -s "$SURL/api/v2/summary.json")
reject_case() {  # reject_case NAME REASON : FAKE/body and FAKE/manifest are set up
	"$BEACON" --config "$SCONF" pull --once --from "http://127.0.0.1:$FPORT" >"$T/out" 2>"$T/err"
	assert_eq "$1: pull exits 1" 1 "$?"
	assert_contains "$1: logged reason" "$(cat "$T/err")" "$2"
	assert_eq "$1: secondary still at generation $GOOD_GEN" "$GOOD_GEN" "$(health "$SURL" generation)"
	assert_eq "$1: served content byte-identical" "$PAGE0" "$(curl -s "$SURL/api/v2/summary.json")"
	assert_eq "$1: no temp files left" "" "$(ls "$SSTORE" | grep tmp)"
}
NLEN=$(field "$NM" len); NSHA=$(field "$NM" sha256); NGEN=$(field "$NM" gen); NCR=$(field "$NM" created)
echo "$NM" > "$FAKE/manifest"
head -c $((NLEN / 2)) "$T/new.mdb" > "$FAKE/body"
reject_case "truncated snapshot" "truncated"
head -c 0 "$T/new.mdb" > "$FAKE/body"
reject_case "empty snapshot" "truncated"
cp "$T/new.mdb" "$FAKE/body"
printf '\x5a' | dd of="$FAKE/body" bs=1 seek=$((NLEN / 3)) conv=notrunc 2>/dev/null
cmp -s "$FAKE/body" "$T/new.mdb" || reject_case "bit-flipped snapshot" "sha256 mismatch"
cp "$T/new.mdb" "$FAKE/body"; cat "$T/new.mdb" >> "$FAKE/body"
reject_case "snapshot with an appended tail" "longer than its manifest"
cp "$T/new.mdb" "$FAKE/body"
mk_manifest "$K/other.pem" "$NGEN" "$NLEN" "$NSHA" "$NCR" > "$FAKE/manifest"
reject_case "snapshot signed with the wrong key" "bad ECDSA signature"
echo "$NM" | sed 's/; hmac=.*//' > "$FAKE/manifest"
reject_case "snapshot without the HMAC" "HMAC"
cp "$T/old.mdb" "$FAKE/body"; manifest "$T/old.headers" > "$FAKE/manifest"
reject_case "replayed older snapshot" "replayed"
cp "$T/new.mdb" "$FAKE/body"
mk_manifest "$K/priv.pem" "$NGEN" $((10 * 1024 * 1024 * 1024)) "$NSHA" "$NCR" > "$FAKE/manifest"
reject_case "oversized snapshot (10 GiB declared)" "oversized"
echo "gen=$NGEN; len=$NLEN" > "$FAKE/manifest"
reject_case "malformed manifest" "manifest"
printf '%s; pad=%0600d\n' "$NM" 0 > "$FAKE/manifest"
reject_case "manifest over 512 bytes" "manifest too long"
echo "$NM" > "$FAKE/manifest"
touch -d @$(( $(date +%s) - 3600 )) "$SSTORE/last-sync"; OLD_SYNC=$(stat -c %Y "$SSTORE/last-sync")
"$BEACON" --config "$SCONF" pull --once --from "http://127.0.0.1:$FPORT" >"$T/out" 2>"$T/err"
assert_eq "the untampered snapshot from a fake upstream: pull exits 1 (the upstream vouches for no freshness)" 1 "$?"
check "but the authentic snapshot is installed and served" \
	wait_for sh -c "[ \"\$(curl -s $SURL/health | jq -r .generation)\" = $NGEN ]"
assert_contains "the fake upstream's answer is logged as unconfirmed" "$(cat "$T/err")" "freshness not confirmed"
assert_eq "... and last-sync is not refreshed" "$OLD_SYNC" "$(stat -c %Y "$SSTORE/last-sync")"

# ---- freshness: only the primary's signed statement (for our nonce, recent) counts as a sync ----
cat > "$T/fake304.py" <<'PY'
import http.server, sys
stmt = open(sys.argv[2]).read().strip() if len(sys.argv) > 2 else ""
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(304)
        self.send_header("ETag", self.headers.get("If-None-Match", '"g0"'))
        if stmt:
            self.send_header("X-Beacon-Freshness", stmt)
        self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
curl -s -D "$T/real304" -o /dev/null -H "Authorization: Bearer $REPL" -H "If-None-Match: \"g$NGEN\"" \
	-H "X-Beacon-Nonce: 00000000000000000000000000000000" "$SNAP"
tr -d '\r' < "$T/real304" | sed -n 's/^X-Beacon-Freshness: //Ip' > "$T/captured"
check "captured a real statement from the primary" grep -q "gen=$NGEN; time=" "$T/captured"
F1=$(free_port); F2=$(free_port)
python3 "$T/fake304.py" "$F1" & BK_PIDS="$BK_PIDS $!"
python3 "$T/fake304.py" "$F2" "$T/captured" & BK_PIDS="$BK_PIDS $!"
wait_for curl -s -o /dev/null "http://127.0.0.1:$F1/"; wait_for curl -s -o /dev/null "http://127.0.0.1:$F2/"
fresh_refused() {  # fresh_refused NAME PORT REASON
	"$BEACON" --config "$SCONF" pull --once --from "http://127.0.0.1:$2" >"$T/out" 2>"$T/err"
	assert_eq "$1: pull --once exits 1" 1 "$?"
	assert_contains "$1: logged why" "$(cat "$T/err")" "$3"
	assert_eq "$1: last-sync not refreshed" "$OLD_SYNC" "$(stat -c %Y "$SSTORE/last-sync")"
	check "$1: the secondary still reports its true age" test "$(health "$SURL" snapshot_age_seconds)" -ge 3000
}
fresh_refused "fake upstream's bare 304" "$F1" "no X-Beacon-Freshness statement"
fresh_refused "fake upstream replaying a real signed statement" "$F2" "nonce differs"
"$BEACON" --config "$SCONF" pull --once >"$T/out" 2>"$T/err"
assert_eq "the real primary's 304: pull --once exits 0" 0 "$?"
check "the real primary's 304 refreshes last-sync" test "$(stat -c %Y "$SSTORE/last-sync")" -gt "$OLD_SYNC"
check "health: snapshot age back to a few seconds" test "$(health "$SURL" snapshot_age_seconds)" -le 5

# a drip server (one byte every 2 s, forever) cannot hold `pull --once` past pull_deadline_seconds
cat > "$T/drip.py" <<'PY'
import socketserver, sys, time
class H(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.recv(65536)
        try:
            for b in b"HTTP/1.0 200 OK\r\nX-Slow: " + b"a" * 100000:
                self.request.sendall(bytes([b]))
                time.sleep(2)
        except OSError:
            pass
socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
DPORT=$(free_port)
python3 "$T/drip.py" "$DPORT" & BK_PIDS="$BK_PIDS $!"
wait_for python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$DPORT"
cp "$SCONF" "$T/deadline.conf"; echo "pull_deadline_seconds = 4" >> "$T/deadline.conf"
t0=$(date +%s)
timeout 60 "$BEACON" --config "$T/deadline.conf" pull --once --from "http://127.0.0.1:$DPORT" >"$T/out" 2>"$T/err"
rc=$?; took=$(( $(date +%s) - t0 ))
assert_eq "drip server: pull --once fails (not killed by the test's 60 s timeout)" 1 "$rc"
check "drip server: pull --once ends soon after its 4 s deadline ($took s)" test "$took" -le 20
assert_contains "drip server: logged the deadline" "$(cat "$T/err")" "deadline exceeded"

# ---- 100 snapshot swaps under load: no errors, no leaked environments or fds ----
fds() { ls /proc/"$SSERVE"/fd | wc -l; }
maps() { grep -c 'snap-[0-9]*\.mdb' /proc/"$SSERVE"/maps | tr -d ' '; }
FD0=$(fds)
wrk -t2 -c20 -d30s "$SURL/api/v2/summary.json" > "$T/wrk2" 2>&1 &
WRK=$!
swaps=0
for i in $(seq 1 100); do
	pcli component set "$(pcli component list --json | jq -r '.[0].id')" --description "swap $i" >/dev/null 2>&1 ||
		pcli component add --name "Swap $i" >/dev/null
	"$BEACON" --config "$SCONF" pull --once >/dev/null 2>>"$T/swap.err" && swaps=$((swaps+1))
done
sleep 0.5
kill -INT $WRK 2>/dev/null; wait $WRK
assert_eq "100 snapshots installed under load" 100 "$swaps"
# The watcher looks every 200 ms, so pulls that land within one look are swapped in as one.
check "the watcher swapped them in ($(grep -c 'now serving generation' "$SLOG") swaps)" \
	test "$(grep -c 'now serving generation' "$SLOG")" -ge 20
assert_not_contains "wrk during swaps: no non-2xx" "$(cat "$T/wrk2")" "Non-2xx"
assert_not_contains "wrk during swaps: no socket errors" "$(cat "$T/wrk2")" "Socket errors"
assert_eq "secondary serves the last generation" "$(pgen)" "$(health "$SURL" generation)"
sleep 0.5
check "old environments closed: at most one snapshot mapped ($(maps))" test "$(maps)" -le 1
check "no leaked fds ($FD0 before, $(fds) after)" test "$(fds)" -le $((FD0 + 2))
assert_eq "at most two snapshot files kept" 1 "$([ "$(ls "$SSTORE" | grep -c '^snap-[0-9]*\.mdb$')" -le 2 ] && echo 1)"

# ---- HTTPS pull: CA and hostname are checked ----
TLS="$T/tls"; mkdir -p "$TLS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=Test-CA \
	-keyout "$TLS/ca.key" -out "$TLS/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
	-keyout "$TLS/srv.key" -out "$TLS/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > "$TLS/ext"
openssl x509 -req -in "$TLS/srv.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial -days 2 \
	-extfile "$TLS/ext" -out "$TLS/srv.pem" 2>/dev/null
TPORT=$(free_port)
cat > "$TLS/nginx.conf" <<NGX
$( [ "$(id -u)" = 0 ] && echo "user root root;" )
daemon off; pid $TLS/nginx.pid; error_log $TLS/error.log; worker_processes 1;
events {}
http { access_log off; client_body_temp_path $TLS; fastcgi_temp_path $TLS; proxy_temp_path $TLS;
  uwsgi_temp_path $TLS; scgi_temp_path $TLS;
  server { listen 127.0.0.1:$TPORT ssl; ssl_certificate $TLS/srv.pem; ssl_certificate_key $TLS/srv.key;
    location / { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$PSOCK; } } }
NGX
nginx -c "$TLS/nginx.conf" >/dev/null 2>&1 & BK_PIDS="$BK_PIDS $!"
wait_for curl -s -o /dev/null --cacert "$TLS/ca.pem" "https://localhost:$TPORT/health"
pcli component add --name "Over TLS" >/dev/null
cp "$SCONF" "$T/tls-ok.conf"; echo "ca_file = $TLS/ca.pem" >> "$T/tls-ok.conf"
"$BEACON" --config "$T/tls-ok.conf" pull --once --from "https://localhost:$TPORT" >"$T/out" 2>"$T/err"
assert_eq "HTTPS pull with the right CA installs" "0" "$?"
check "HTTPS pull: secondary serves the primary's generation" \
	wait_for sh -c "[ \"\$(curl -s $SURL/health | jq -r .generation)\" = $(pgen) ]"
pcli component add --name "Untrusted" >/dev/null
"$BEACON" --config "$SCONF" pull --once --from "https://localhost:$TPORT" >"$T/out" 2>"$T/err"
assert_eq "HTTPS pull against the system CA bundle: refused" "1" "$?"
assert_contains "HTTPS refusal names the certificate" "$(cat "$T/err")" "certificate"
"$BEACON" --config "$T/tls-ok.conf" pull --once --from "https://127.0.0.1:$TPORT" >"$T/out" 2>"$T/err"
assert_eq "HTTPS pull to a name not in the certificate: refused" "1" "$?"
"$BEACON" --config "$SCONF" pull --once --from "http://127.0.0.1:9" >"$T/out" 2>"$T/err"
assert_eq "pull from a closed port fails cleanly" "1" "$?"

# ---- integrity of installed snapshots: checked against their signed manifests at start and swap ----
curgen() { basename "$(readlink "$SSTORE/current")" .mdb | sed 's/snap-//'; }
page() { curl -s --max-time 5 "$SURL/api/v2/summary.json"; }
alive() { kill -0 "$SSERVE" 2>/dev/null; }
"$BEACON" --config "$SCONF" pull --once >/dev/null 2>&1
pcli component add --name "Integrity" >/dev/null
"$BEACON" --config "$SCONF" pull --once >/dev/null 2>&1
check "two generations installed, each with its manifest" \
	test "$(ls "$SSTORE" | grep -c '^snap-[0-9]*\.manifest$')" -eq 2
CUR=$(curgen); PREV=$(ls "$SSTORE" | sed -n 's/^snap-\([0-9]*\)\.mdb$/\1/p' | sort -n | head -1)
check "the watcher serves the newest ($CUR)" wait_for sh -c "[ \"\$(curl -s $SURL/health | jq -r .generation)\" = $CUR ]"
kill "$SSERVE"; wait "$SSERVE" 2>/dev/null
truncate -s $(( $(stat -c %s "$SSTORE/snap-$CUR.mdb") / 2 )) "$SSTORE/snap-$CUR.mdb"
: > "$SLOG"
bk_start_serve "$SCONF" "$SSOCK" "$SLOG"
SSERVE=$BK_SERVE_PID
assert_eq "truncated current at start: serves the previous good generation" "$PREV" "$(health "$SURL" generation)"
for u in / /api/v2/summary.json /history /health; do curl -s -o /dev/null --max-time 5 "$SURL$u"; done
check "truncated current at start: no crash after requests" alive
assert_contains "truncated current: refusal logged with its reason" "$(cat "$SLOG")" "REFUSED snapshot generation $CUR"
assert_contains "... naming the truncation" "$(cat "$SLOG")" "truncated"
check "the bad file is moved aside" test -f "$SSTORE/snap-$CUR.mdb.bad"
"$BEACON" --config "$SCONF" pull --once >"$T/out" 2>"$T/err"
assert_eq "the next pull repairs it" 0 "$?"
check "and the repaired generation is served" wait_for sh -c "[ \"\$(curl -s $SURL/health | jq -r .generation)\" = $(pgen) ]"
sleep 1.2   # past the microcache's second, so the page below is the repaired generation's
GOOD=$(health "$SURL" generation); PAGE1=$(page)

# a new snapshot that arrives bad (bit flip; wrong manifest) is refused and the old one kept
install_fake() {  # install_fake GEN MDB MANIFEST : what a broken disk or a bad copy would leave
	cp "$2" "$SSTORE/snap-$1.mdb"; printf '%s\n' "$3" > "$SSTORE/snap-$1.manifest"
	ln -sfn "snap-$1.mdb" "$SSTORE/current.tmp" && mv -T "$SSTORE/current.tmp" "$SSTORE/current"
}
swap_refused() {  # swap_refused NAME GEN REASON
	check "$1: the watcher looked at it" wait_for grep -q "REFUSED snapshot generation $2" "$SLOG"
	assert_contains "$1: refusal logged with its reason" "$(grep "REFUSED snapshot generation $2" "$SLOG")" "$3"
	assert_eq "$1: old generation still served" "$GOOD" "$(health "$SURL" generation)"
	assert_eq "$1: content byte-identical" "$PAGE1" "$(page)"
	check "$1: no crash" alive
}
pcli component add --name "Flipped" >/dev/null
curl -s -D "$T/f.headers" -o "$T/f.mdb" -H "Authorization: Bearer $REPL" "$SNAP"
FM=$(manifest "$T/f.headers"); FGEN=$(field "$FM" gen); FLEN=$(field "$FM" len)
# flip one byte in the free space of the next-to-last page: LMDB itself would not notice
printf '\x01' | dd of="$T/f.mdb" bs=1 seek=$(( FLEN - 4096 - 2048 )) conv=notrunc 2>/dev/null
install_fake "$FGEN" "$T/f.mdb" "$FM"
swap_refused "bit-flipped snapshot swapped in" "$FGEN" "SHA-256"
pcli component add --name "Wrong manifest" >/dev/null
curl -s -D "$T/w.headers" -o "$T/w.mdb" -H "Authorization: Bearer $REPL" "$SNAP"
WM=$(manifest "$T/w.headers"); WGEN=$(field "$WM" gen)
install_fake "$WGEN" "$T/w.mdb" "$(mk_manifest "$K/other.pem" "$WGEN" "$(field "$WM" len)" "$(field "$WM" sha256)" \
	"$(field "$WM" created)")"
swap_refused "snapshot with a manifest signed by another key" "$WGEN" "signature"
"$BEACON" --config "$SCONF" pull --once >/dev/null 2>&1
check "a good pull after refusals is served" wait_for sh -c "[ \"\$(curl -s $SURL/health | jq -r .generation)\" = $(pgen) ]"

# nothing good at all: serve starts and answers "no data yet" rather than crash
NSTORE="$T/nodata"; NSOCK="$T/nodata.sock"; mkdir -p "$NSTORE"
sed -e "s#^store = .*#store = $NSTORE#" -e "s#^listen = .*#listen = unix:$NSOCK#" "$SCONF" > "$T/nodata.conf"
G=$(curgen); cp "$SSTORE/snap-$G.mdb" "$SSTORE/snap-$G.manifest" "$NSTORE/"; ln -s "snap-$G.mdb" "$NSTORE/current"
truncate -s 4096 "$NSTORE/snap-$G.mdb"
bk_start_serve "$T/nodata.conf" "$NSOCK" "$T/nodata.log"
NSERVE=$BK_SERVE_PID
bk_start_nginx "$NSOCK" nginx-nodata
assert_status "only a truncated snapshot: 503" 503 "$NGINX_URL/api/v2/summary.json"
assert_contains "... saying no data yet" "$(cat "$T/body")" "no data yet"
check "... and still running" kill -0 "$NSERVE"

# ---- promote ----
kill "$SSERVE"; wait "$SSERVE" 2>/dev/null
PROMOTED_GEN=$(basename "$(readlink "$SSTORE/current")" .mdb | sed 's/snap-//')
cp "$SSTORE/snap-$PROMOTED_GEN.mdb" "$T/keep.mdb"
truncate -s 8192 "$SSTORE/snap-$PROMOTED_GEN.mdb"
scli promote > "$T/out" 2>"$T/err"
assert_eq "promote of a truncated snapshot: refused" 1 "$?"
assert_contains "promote of a truncated snapshot: says why" "$(cat "$T/err")" "truncated"
check "promote of a truncated snapshot: nothing promoted" test ! -e "$SSTORE/data.mdb" -a ! -e "$SSTORE/promoted"
cp "$T/keep.mdb" "$SSTORE/snap-$PROMOTED_GEN.mdb"
scli promote > "$T/out" 2>"$T/err"
assert_eq "promote: exit 0" 0 "$?"
assert_contains "promote: says what to do" "$(cat "$T/out")" "role = primary"
check "promote: marker written" test -f "$SSTORE/promoted"
scli pull --once >"$T/out" 2>"$T/err"
assert_eq "pull after promote: refused" 1 "$?"
scli promote >/dev/null 2>&1
assert_eq "promote twice: refused" 1 "$?"
sed 's/^role = secondary$/role = primary/' "$SCONF" > "$T/promoted.conf"
"$BEACON" --config "$T/promoted.conf" component add --name "After promote" >/dev/null
assert_eq "promoted store accepts writes" 0 "$?"
assert_contains "promoted store kept the replicated data" \
	"$("$BEACON" --config "$T/promoted.conf" component list --json | jq -r '.[].name')" "Over TLS"
bk_done
