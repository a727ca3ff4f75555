#!/bin/bash
# test_leakcheck.sh: in sanitizer builds (make asan) `beacon serve` runs LeakSanitizer at shutdown (issue 8):
# a deliberate 4 KiB leak per request (BEACON_TEST_LEAK=1, honoured only by sanitizer builds) is reported,
# and without it a served workload shuts down clean.
. "$(dirname "$0")/lib.sh"
if ! ldd "$BEACON" 2>/dev/null | grep -q 'libasan'; then
	ok "skipped: $BEACON is not an AddressSanitizer build (make asan runs this test)"
	bk_done
fi
CONF="$T/beacon.conf"; STORE="$T/store"; mkdir -p "$STORE"
bk_make_conf "$CONF" "$STORE" "$T/unused.sock"
bk_cli init >/dev/null || not_ok "init"

# serve_requests NAME [env...] : serve on its own socket, 20 GETs over FastCGI, SIGTERM; sets RC, LOGF
serve_requests() {
	local name=$1 sock="$T/$1.sock" pid i; shift
	LOGF="$T/$name.log"
	sed "s#^listen = .*#listen = unix:$sock#" "$CONF" > "$T/$name.conf"
	env "$@" "$BEACON" --config "$T/$name.conf" serve >"$LOGF" 2>&1 &
	pid=$!
	wait_for sock_accepts "$sock" || { not_ok "$name: serve started" "$(tail -5 "$LOGF")"; return; }
	for i in $(seq 1 20); do
		env -i REQUEST_METHOD=GET REQUEST_URI=/api/v2/status.json SCRIPT_NAME=/api/v2/status.json \
			SERVER_PROTOCOL=HTTP/1.1 cgi-fcgi -bind -connect "$sock" >/dev/null 2>&1
	done
	kill -TERM "$pid"
	i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
	wait "$pid"; RC=$?
}

serve_requests clean
assert_eq "no leak: serve exits 0 after SIGTERM" 0 "$RC"
assert_not_contains "no leak: no LeakSanitizer report" "$(cat "$LOGF")" "LeakSanitizer"
assert_contains "the shutdown got as far as the leak check" "$(cat "$LOGF")" "stopped"

serve_requests leaky BEACON_TEST_LEAK=1
assert_ne "4 KiB leaked per request: serve exits non-zero" 0 "$RC"
assert_contains "the leak is reported by LeakSanitizer" "$(cat "$LOGF")" "ERROR: LeakSanitizer: detected memory leaks"
assert_contains "the report points at the leaking request loop" "$(grep -A3 "Direct leak of" "$LOGF")" "in worker_main"
bk_done
