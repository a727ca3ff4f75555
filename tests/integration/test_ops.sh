#!/bin/bash
# test_ops.sh: running it as a service: help without a config, /metrics (valid exposition format,
# process-wide counters rising under load, loopback or token), /health (pass, fail on an unreadable
# store, warn on a stale secondary), request logs (text and JSON, never a token), beacon restore.
. "$(dirname "$0")/lib.sh"

# ---- help needs no config file ----
export BEACON_CONFIG=$T/no-such.conf
HAD_DEFAULT_STORE=0; [ -e /var/lib/beacon ] && HAD_DEFAULT_STORE=1
out=$("$BEACON" help 2>&1); rc=$?
assert_eq "beacon help without a config: exit 0" 0 "$rc"
CMDS="serve init token component group incident maintenance check backup restore import export pull promote audit page subscriber notify deliveries help"
for c in $CMDS; do
	case "$out" in *"  $c "*) ;; *) not_ok "beacon help lists $c" "$out";; esac
done
ok "beacon help lists every command"
for c in $CMDS; do
	h=$("$BEACON" help "$c" 2>&1); rc=$?
	[ $rc = 0 ] && case "$h" in *usage:*) true;; *) false;; esac || not_ok "beacon help $c: exit 0 with its usage" "rc=$rc $h"
	h2=$("$BEACON" "$c" --help 2>&1); rc=$?
	[ $rc = 0 ] && [ "$h2" = "$h" ] || not_ok "beacon $c --help: exit 0, same as beacon help $c" "rc=$rc $h2"
done
ok "beacon help COMMAND and beacon COMMAND --help: exit 0 with the usage, for every command"
out=$("$BEACON" help restore 2>&1)
assert_contains "beacon help restore: usage" "$out" "usage: beacon restore FILE [--force]"
out=$("$BEACON" incident --help 2>&1)
assert_contains "beacon incident --help lists its subcommands" "$out" "beacon incident open --name NAME"
out=$("$BEACON" incident open --help 2>&1); rc=$?
assert_eq "beacon incident open --help without a config: exit 0" 0 "$rc"
assert_contains "beacon incident open --help: its usage" "$out" "usage: beacon incident open --name NAME"
out=$("$BEACON" subscriber add --help 2>&1); rc=$?
assert_eq "beacon subscriber add --help without a config: exit 0" 0 "$rc"
assert_contains "beacon subscriber add --help: its usage" "$out" "usage: beacon subscriber add --email ADDR"
out=$("$BEACON" help notify 2>&1)
assert_contains "beacon help notify: usage" "$out" "usage: beacon [--config FILE] notify [--once]"
out=$("$BEACON" --config /nonexistent backup -h 2>&1); rc=$?
assert_eq "beacon --config MISSING backup -h: exit 0" 0 "$rc"
[ "$HAD_DEFAULT_STORE" = 0 ] && check_fails "help created no store at the default /var/lib/beacon" test -e /var/lib/beacon
"$BEACON" help frobnicate >/dev/null 2>&1; assert_eq "beacon help UNKNOWN: exit 2" 2 "$?"
"$BEACON" check >/dev/null 2>&1; assert_eq "a command that needs the config still fails without it" 1 "$?"
unset BEACON_CONFIG

# ---- one node, JSON logs ----
BK_SNAP_DIR=$T/store
K="$T/keys"; mkdir -p "$K"
openssl ecparam -genkey -name prime256v1 -noout -out "$K/priv.pem" 2>/dev/null
openssl ec -in "$K/priv.pem" -pubout -out "$K/pub.pem" 2>/dev/null
bk_default_setup "log_format = json" "replication_key_file = $K/priv.pem"
MAIN_PID=$BK_SERVE_PID
READ=$(bk_cli token create --scope read --name prometheus)
REPL=$(bk_cli token create --scope replication --name secondary)
bk_cli component add --name API >/dev/null

# fcgi PATH REMOTE_ADDR [VAR=VALUE...]: one request straight to beacon's socket; body in $T/fbody,
# prints the status code.
fcgi() {
	local p=$1 ra=$2; shift 2
	env -i PATH="$PATH" REQUEST_METHOD=GET REQUEST_URI="$p" REMOTE_ADDR="$ra" "$@" \
		cgi-fcgi -bind -connect "${FSOCK:-$SOCK}" > "$T/fraw" 2>/dev/null
	sed '1,/^\r$/d' "$T/fraw" > "$T/fbody"
	sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/fraw" | head -1
}
scrape() { curl -s --max-time 10 "$URL/metrics"; }
metric() { scrape | /usr/bin/python3 "$ROOT/tests/integration/promcheck.py" | awk -v k="$1" '$1 == k { print $2 }'; }
sum_requests() { scrape | /usr/bin/python3 "$ROOT/tests/integration/promcheck.py" | awk '/^beacon_http_requests_total/ { s += $2 } END { print s + 0 }'; }

# ---- /metrics ----
curl -s -o /dev/null "$URL/"; curl -s -o /dev/null "$URL/api/v2/summary.json"
assert_status "/metrics from loopback through nginx: 200" 200 "$URL/metrics"
assert_contains "/metrics content type is text/plain; version=0.0.4" "$(tr -d '\r' < "$T/headers")" \
	"Content-Type: text/plain; version=0.0.4"
if /usr/bin/python3 "$ROOT/tests/integration/promcheck.py" < "$T/body" > "$T/samples" 2> "$T/promerr"; then
	ok "every line of /metrics is valid exposition format ($(wc -l < "$T/body") lines)"
else
	not_ok "every line of /metrics is valid exposition format" "$(head -5 "$T/promerr")"
fi
for m in beacon_build_info beacon_http_requests_total beacon_http_request_duration_seconds_bucket \
         beacon_render_duration_seconds_count beacon_render_cache_hits_total beacon_nginx_cache_bypass_total \
         beacon_store_generation beacon_store_map_size_bytes beacon_store_map_used_bytes \
         beacon_notifications_failed_total beacon_intake_events_total process_resident_memory_bytes; do
	grep -q "^$m[{ ]" "$T/samples" || not_ok "/metrics has $m" "$(head -c 300 "$T/samples")"
done
ok "/metrics has build info, requests, durations, cache, store, delivery and intake figures"
assert_eq "store generation matches /health" "$(curl -s "$URL/health" | jq -r .generation)" \
	"$(metric beacon_store_generation)"
GEN0=$(metric beacon_store_generation)
bk_cli component add --name Web >/dev/null
assert_eq "store generation rises with a write" $((GEN0 + 1)) "$(metric beacon_store_generation)"

# under load: wrk through lighttpd (no microcache in front), 8 connections on 16 threads, so the
# requests spread over threads; the process-wide sum must count every one of them.
R0=$(sum_requests)
B0=$(metric beacon_nginx_cache_bypass_total)
H0=$(metric beacon_render_cache_hits_total)
WRK=$(wrk -t2 -c8 -d2s "$LURL/api/v2/summary.json" 2>&1)
N=$(printf '%s\n' "$WRK" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
R1=$(sum_requests)
D=$((R1 - R0 - 1))    # minus the scrape that read R0
check "wrk made requests ($N)" test "${N:-0}" -gt 100
check "beacon_http_requests_total rose by every request wrk sent ($D >= $N, <= $N + 8 in flight + 1)" \
	test "$D" -ge "$N" -a "$D" -le $((N + 9))
check "render cache hits rose under load" test "$(metric beacon_render_cache_hits_total)" -gt $((H0 + N / 2))
for i in 1 2 3 4 5; do curl -s -o /dev/null -H "Authorization: Bearer $READ" "$URL/api/v2/summary.json"; done
assert_eq "requests with credentials, which nginx's cache bypasses, are counted" $((B0 + 5)) \
	"$(metric beacon_nginx_cache_bypass_total)"
check "request duration histogram counts the api_v2 requests" \
	test "$(metric 'beacon_http_request_duration_seconds_count{route="api_v2"}')" -ge "$N"

# loopback or token
assert_eq "/metrics from a non-loopback client without a token: 401" 401 "$(fcgi /metrics 203.0.113.7)"
assert_eq "/metrics from a non-loopback client with a read token: 200" 200 \
	"$(fcgi /metrics 203.0.113.7 HTTP_AUTHORIZATION="Bearer $READ")"
assert_eq "/metrics with a replication token: 403" 403 "$(fcgi /metrics 203.0.113.7 HTTP_AUTHORIZATION="Bearer $REPL")"
assert_eq "/metrics from ::1: 200" 200 "$(fcgi /metrics ::1)"

# ---- /health ----
assert_status "/health on a healthy primary: 200" 200 "$URL/health"
assert_eq "/health status pass" pass "$(jq -r .status "$T/body")"
assert_contains "/health is application/health+json" "$(tr -d '\r' < "$T/headers")" "Content-Type: application/health+json"
assert_eq "/health has outbox_lag_seconds" true "$(jq 'has("outbox_lag_seconds")' "$T/body")"
mv "$STORE" "$STORE.away"
assert_status "/health with the store unreadable (moved away): 503" 503 "$URL/health"
assert_eq "/health status fail" fail "$(jq -r .status "$T/body")"
mv "$STORE.away" "$STORE"
assert_status "/health with the store back: 200" 200 "$URL/health"

# ---- a secondary: warn when its snapshot is older than health_snapshot_warn_seconds ----
SSTORE="$T/secondary"; SSOCK="$T/secondary.sock"; SCONF="$T/secondary.conf"
mkdir -p "$SSTORE"
bk_make_conf "$SCONF" "$SSTORE" "$SSOCK" "role = secondary" "replication_key_file = $K/pub.pem" \
	"upstream = $URL" "upstream_token = $REPL" "health_snapshot_warn_seconds = 2"
bk_start_serve "$SCONF" "$SSOCK" "$T/secondary.log" || exit 1
assert_eq "secondary without a snapshot: /health 503" 503 "$(FSOCK=$SSOCK fcgi /health 127.0.0.1)"
assert_eq "secondary without a snapshot: fail" fail "$(jq -r .status "$T/fbody")"
check "pull --once installs a snapshot" "$BEACON" --config "$SCONF" pull --once
check "the secondary serves it" wait_for sh -c "[ \"\$(FSOCK=$SSOCK; env -i REQUEST_METHOD=GET REQUEST_URI=/health cgi-fcgi -bind -connect $SSOCK | sed '1,/^\r$/d' | jq -r .generation)\" != null ]"
assert_eq "fresh secondary: /health 200" 200 "$(FSOCK=$SSOCK fcgi /health 127.0.0.1)"
assert_eq "fresh secondary: pass" pass "$(jq -r .status "$T/fbody")"
sleep 3.2
assert_eq "stale secondary: /health still 200 (it serves)" 200 "$(FSOCK=$SSOCK fcgi /health 127.0.0.1)"
assert_eq "stale secondary: warn" warn "$(jq -r .status "$T/fbody")"
check "stale secondary: snapshot_age_seconds over the threshold" test "$(jq -r .snapshot_age_seconds "$T/fbody")" -gt 2
assert_eq "stale secondary: /metrics has beacon_snapshot_age_seconds" 200 "$(FSOCK=$SSOCK fcgi /metrics 127.0.0.1)"
check "beacon_snapshot_age_seconds over 2" test "$(awk '$1 == "beacon_snapshot_age_seconds" { print $2 }' "$T/fbody")" -gt 2
"$BEACON" --config "$SCONF" pull --once >/dev/null 2>&1
assert_eq "after the next pull: pass again" pass "$(FSOCK=$SSOCK fcgi /health 127.0.0.1 >/dev/null; jq -r .status "$T/fbody")"

# ---- logs: one JSON line per request, never a token ----
SECRET_Q="bk_querysecret$$"
curl -s -o /dev/null -H "Authorization: OAuth $ADMIN_TOKEN" "$URL/v1/pages/x/components"
curl -s -o /dev/null "$URL/api/v2/summary.json?api_key=$SECRET_Q"
curl -s -o /dev/null "$LURL/v1/pages/x/components?api_key=$ADMIN_TOKEN"
curl -s -o /dev/null "$URL/no/such/page?api_key=$SECRET_Q"
sleep 0.3
if jq -c . "$LOG" > /dev/null 2>&1; then ok "every log line is JSON ($(wc -l < "$LOG") lines)"
else not_ok "every log line is JSON" "$(grep -v '^{' "$LOG" | head -3)"; fi
L=$(jq -c 'select(.event == "request" and .route == "/api/v2/summary.json")' "$LOG" | tail -1)
assert_eq "request line: route, status, bytes and time" true \
	"$(printf '%s' "$L" | jq '.method == "GET" and .status == 200 and (.bytes > 0) and (.duration_ms | type == "number")')"
check "a request line for the v1 call" grep -q '"route":"/v1/pages/:page/components"' "$LOG"
check "an unmatched path is logged without its query" grep -q '"path":"/no/such/page"' "$LOG"
TOKSECRET=${ADMIN_TOKEN##*_}
assert_not_contains "the log never holds the token sent in Authorization or ?api_key=" "$(cat "$LOG")" "$TOKSECRET"
assert_not_contains "the log never holds a ?api_key= value" "$(cat "$LOG")" "$SECRET_Q"
assert_not_contains "the log never holds the query string" "$(cat "$LOG")" "api_key"

# text format on another instance
TCONF="$T/text.conf"; TSOCK="$T/text.sock"; TLOG="$T/text.log"
bk_make_conf "$TCONF" "$STORE" "$TSOCK" "log_format = text"
bk_start_serve "$TCONF" "$TSOCK" "$TLOG" || exit 1
FSOCK=$TSOCK fcgi "/api/v2/status.json?api_key=$SECRET_Q" 127.0.0.1 HTTP_AUTHORIZATION="Bearer $ADMIN_TOKEN" >/dev/null
sleep 0.2
assert_contains "text log: one line with method, route, status, bytes, ms" "$(grep 'request ' "$TLOG")" \
	"request method=GET route=/api/v2/status.json status=200 bytes="
assert_not_contains "text log: no token, no query" "$(cat "$TLOG")" "$SECRET_Q"
assert_not_contains "text log: no Authorization token" "$(cat "$TLOG")" "$TOKSECRET"
kill "$BK_SERVE_PID"; wait "$BK_SERVE_PID" 2>/dev/null
check "a text instance logs text, not JSON" grep -q ' beacon\[info\]: request method=GET' "$TLOG"

# ---- restore ----
check "backup" bk_cli backup "$T/b1.mdb"
bk_cli component add --name "After backup" >/dev/null
out=$(bk_cli restore "$T/b1.mdb" 2>&1); rc=$?
assert_eq "restore while beacon serve holds the store: refused (exit 1)" 1 "$rc"
assert_contains "restore names the holder" "$out" "is open in process"
echo "not a store" > "$T/bad.mdb"
out=$(bk_cli restore "$T/bad.mdb" --force 2>&1); rc=$?
assert_eq "restore of a file that is not a backup: exit 1, even with --force" 1 "$rc"
assert_contains "the store is unchanged" "$(bk_cli component list)" "After backup"
out=$(bk_cli restore "$T/b1.mdb" --force 2>&1); rc=$?
assert_eq "restore --force while serving: exit 0" 0 "$rc"
assert_contains "and says to restart" "$out" "restart it now"
assert_status "the running server's /health now fails (its store was replaced)" 503 "$URL/health"
assert_not_contains "the restored store is the backup" "$(bk_cli component list)" "After backup"
check "the previous store is kept" test -f "$STORE/data.mdb.before-restore"
kill "$MAIN_PID"; wait "$MAIN_PID" 2>/dev/null
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
check "after a restart /health passes" wait_for sh -c "[ \"\$(curl -s $URL/health | jq -r .status)\" = pass ]"
assert_not_contains "and the page shows the restored data" "$(curl -s "$URL/api/v2/components.json")" "After backup"
kill "$BK_SERVE_PID"; wait "$BK_SERVE_PID" 2>/dev/null
bk_cli component add --name "Later" >/dev/null
out=$(bk_cli restore "$T/b1.mdb" 2>&1); rc=$?
assert_eq "restore with the server stopped: exit 0" 0 "$rc"
assert_not_contains "restored" "$(bk_cli component list)" "Later"

bk_done
