# test_server.sh: the FastCGI server behind real nginx and lighttpd: routing, errors, limits,
# live updates from the CLI, signals, hostile input, and kill -9 during writes.
. "$(dirname "$0")/lib.sh"
bk_default_setup

for front in nginx lighttpd; do
	if [ $front = nginx ]; then U=$URL; else U=$LURL; fi
	assert_status "$front: home page 200" 200 "$U/"
	assert_contains "$front: home is HTML" "$(cat "$T/headers")" "text/html"
	assert_status "$front: stylesheet served" 200 "$U/static/style.css"
	assert_contains "$front: stylesheet type" "$(cat "$T/headers")" "text/css"
	assert_status "$front: unknown API path is a JSON 404" 404 "$U/api/v2/nope.json"
	assert_contains "$front: 404 body is JSON error" "$(cat "$T/body")" '{"error":'
	assert_status "$front: unknown page is an HTML 404" 404 "$U/no/such/page"
	assert_contains "$front: 404 page is readable" "$(cat "$T/body")" "<h1>"
	assert_status "$front: wrong method is 405" 405 -X DELETE "$U/api/v2/summary.json"
	assert_contains "$front: 405 lists Allow" "$(cat "$T/headers")" "Allow: GET"
	assert_status "$front: HEAD answers without a body" 200 -I "$U/"
	assert_status "$front: bad percent-encoding is 400" 400 "$U/%zz"
	assert_status "$front: write without a token is 401" 401 -X POST -d '{}' -H 'Content-Type: application/json' "$U/v1/pages/x/incidents"
done

# An incident opened with the CLI shows on the page within 1 s, without a restart.
c1=$(bk_cli component add --name "Live API") || not_ok "component add" 
name="Live incident $$"
bk_cli incident open --name "$name" --status investigating --impact major --component "$c1=major_outage" --body "Looking into it" >/dev/null
sleep 1
assert_contains "incident visible through nginx within 1 s" "$(curl -s "$URL/")" "$name"
assert_contains "incident visible through lighttpd within 1 s" "$(curl -s "$LURL/")" "$name"

# lighttpd spawning beacon itself (bin-path): beacon serves on the inherited fd 0.
bk_start_lighttpd_spawn "$CONF" spawn
assert_status "lighttpd bin-path: beacon on an inherited socket serves the page" 200 "$LIGHTTPD_URL/"
assert_contains "lighttpd bin-path: same data" "$(cat "$T/body")" "$name"
kill "$LIGHTTPD_PID"

# ETag and 304 from beacon itself (lighttpd does not cache).
etag=$(curl -s -D - -o /dev/null "$LURL/api/v2/status.json" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
assert_ne "status.json has an ETag" "" "$etag"
assert_status "If-None-Match gives 304" 304 -H "If-None-Match: $etag" "$LURL/api/v2/status.json"
assert_status "gzip when asked" 200 -H 'Accept-Encoding: gzip' "$LURL/"
assert_contains "gzip encoding header" "$(cat "$T/headers")" "Content-Encoding: gzip"

# Oversized bodies: nginx (64k) and beacon itself refuse with 413, nothing written.
head -c 70000 /dev/zero | tr '\0' 'a' > "$T/big"
assert_status "nginx refuses a 70 KB body" 413 -X POST --data-binary @"$T/big" -H "Authorization: OAuth $ADMIN_TOKEN" -H 'Content-Type: application/json' "$URL/v1/pages/x/incidents"
assert_status "lighttpd refuses a 70 KB body" 413 -X POST --data-binary @"$T/big" -H "Authorization: OAuth $ADMIN_TOKEN" -H 'Content-Type: application/json' "$LURL/v1/pages/x/incidents"

# Hostile bytes on the FastCGI socket itself never kill the server.
pid_before=$BK_SERVE_PID
head -c 5000 /dev/urandom | timeout 3 python3 -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); s.close()' "$SOCK" 2>/dev/null
python3 - "$SOCK" <<'PY'
import socket, struct, sys
# a BEGIN_REQUEST then a PARAMS record claiming a huge name length, then EOF
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
rec = lambda t, body: struct.pack('>BBHHBx', 1, t, 1, len(body), 0) + body
s.sendall(rec(1, struct.pack('>HB5x', 1, 0)) + rec(4, b'\x80\xff\xff\xff\x01AB'))
s.close()
PY
sleep 0.3
check "server alive after garbage on its socket" kill -0 "$pid_before"
assert_status "still serving after garbage" 200 "$LURL/api/v2/status.json"

# Per-request state does not leak: many requests, same answer each time.
first=$(curl -s "$LURL/api/v2/components.json")
i=0; same=1
while [ $i -lt 50 ]; do
	[ "$(curl -s "$LURL/api/v2/components.json?i=$i")" = "$first" ] || same=0
	i=$((i+1))
done
assert_eq "50 requests give identical bodies" 1 "$same"

# SIGTERM stops the server promptly and removes its socket.
home_before=$(curl -s "$URL/")            # fills nginx's microcache
status_before=$(curl -s "$URL/api/v2/status.json")
kill -TERM "$BK_SERVE_PID"
i=0; while kill -0 "$BK_SERVE_PID" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done
check_fails "SIGTERM stops beacon within 1 s" kill -0 "$BK_SERVE_PID"
check_fails "socket removed on exit" test -S "$SOCK"
# While beacon is down, nginx keeps serving the last good copies (fastcgi_cache_use_stale).
sleep 1.2
assert_status "beacon down: nginx still serves the page" 200 "$URL/"
assert_contains "beacon down: from the microcache, marked stale" "$(cat "$T/headers")" "X-Cache: STALE"
assert_eq "beacon down: the same page as before" "$home_before" "$(cat "$T/body")"
assert_status "beacon down: the status API too" 200 "$URL/api/v2/status.json"
assert_eq "beacon down: same status JSON" "$status_before" "$(cat "$T/body")"
assert_status "beacon down: writes are not faked (502)" 502 -X POST -H "Authorization: OAuth $ADMIN_TOKEN" \
	-H 'Content-Type: application/json' -d '{}' "$URL/v1/pages/x/incidents"
bk_start_serve "$CONF" "$SOCK" "$LOG"
assert_status "restarted server serves again" 200 "$LURL/api/v2/status.json"

# kill -9 during writes loses no acknowledged write: a writer loop records every id that the
# CLI printed (printed = committed); beacon serve and the writers are killed with SIGKILL.
: > "$T/acked"
( while :; do id=$(bk_cli component add --name "durable $(date +%s%N)") && echo "$id" >> "$T/acked"; done ) &
loop=$!
sleep 1.5
kill -9 "$BK_SERVE_PID"
pkill -9 -f "beacon --config $CONF component add" 2>/dev/null
sleep 0.5
kill -9 $loop 2>/dev/null; wait $loop 2>/dev/null
pkill -9 -f "beacon --config $CONF component add" 2>/dev/null
sleep 0.2
n=$(grep -c . "$T/acked")
bk_cli component list --json > "$T/after.json" 2>/dev/null
missing=0
for id in $(cat "$T/acked"); do grep -q "$id" "$T/after.json" || missing=$((missing+1)); done
if [ "$n" -gt 5 ]; then ok "writer loop acknowledged $n writes before kill -9"; else not_ok "writer loop made progress" "only $n acked"; fi
assert_eq "no acknowledged write lost after kill -9" 0 "$missing"
bk_start_serve "$CONF" "$SOCK" "$LOG"
assert_status "server restarts on the same store after kill -9" 200 "$LURL/api/v2/components.json"

bk_done
