#!/bin/bash
# bench_intake.sh: monitoring intake under load: 1,000 heartbeat pings a second through nginx for 30 s (generation bumps, beacon RSS), and Alertmanager's send to the page.
#
# usage: bash tools/bench/bench_intake.sh /abs/path/BUILD/beacon
# Uses the integration tests' lib.sh (real beacon behind the shipped conf/nginx/beacon.conf, on
# 127.0.0.1 and unix sockets in a temp dir; KEEP=1 keeps it) and Debian's prometheus-alertmanager.
# Pings: wrk with a Lua delay() per connection (BENCH_PING_CONNS connections x one ping every
# BENCH_PING_DELAY_MS ms = the offered rate; defaults 12 x 10 ms, about 1,000/s with the answer time) for BENCH_PING_SECONDS (30),
# over BENCH_PING_CHECKS (10) checks. Targets (informational, PASS/MISS): 0 generation bumps,
# beacon VmHWM < 10 MB, Alertmanager send -> new status on the page (through the microcache) < 2 s.
set -u
[ $# -eq 1 ] || { echo "usage: $0 /abs/path/to/beacon" >&2; exit 2; }
export BEACON=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${BENCH_PING_SECONDS:-30}
CONNS=${BENCH_PING_CONNS:-12}
DELAY=${BENCH_PING_DELAY_MS:-10}
NCHECKS=${BENCH_PING_CHECKS:-10}
RESULTS=$ROOT/tools/bench/results-intake-latest.txt
for tool in wrk nginx curl jq prometheus-alertmanager; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is not installed (make deps)" >&2; exit 1; }
done
# lib.sh (sourced with this script's $0): its temp dir, cleanup trap and helpers
set -- ; . "$ROOT/tests/integration/lib.sh"
BK_NGINX_ACCESS_LOG="/dev/null; log_format intake_ms '\$msec \$request \$status'; access_log $T/access.log intake_ms"
bk_default_setup >/dev/null
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }
gen() { curl -s "$URL/health" | jq -r .generation; }

bk_cli component add --name API >/dev/null
bk_cli component add --name Cron >/dev/null
: > "$T/uuids"
for i in $(seq 1 "$NCHECKS"); do
	u=$(bk_cli heartbeat add --component Cron --period 10m --grace 10m); echo "${u##*/}" >> "$T/uuids"
done
cat > "$T/ping.lua" <<LUA
local uuids = {}
for line in io.lines("$T/uuids") do uuids[#uuids + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/ping/" .. uuids[(n % #uuids) + 1])
end
delay = function() return $DELAY end
LUA

# ---- pings ----
g0=$(gen)
wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$T/ping.lua" "$URL" > "$T/wrk.txt" 2>&1
g1=$(gen)
reqs=$(awk '/requests in/ { print $1 }' "$T/wrk.txt")
rate=$(awk '/Requests\/sec/ { print $2 }' "$T/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$T/wrk.txt"); non2xx=${non2xx:-0}
rss=$(status_kb "$BK_SERVE_PID" VmRSS); hwm=$(status_kb "$BK_SERVE_PID" VmHWM)
bumps=$((g1 - g0))

# ---- Alertmanager send -> page ----
INTAKE=$(bk_cli token create --scope intake)
bk_cli rule add --component API --match service=api >/dev/null
AMPORT=$(free_port)
mkdir -p "$T/am"
cat > "$T/am.yml" <<YML
route:
  receiver: beacon
  group_by: ['alertname']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: beacon
    webhook_configs:
      - url: '$URL/intake/alertmanager'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '$INTAKE'
YML
prometheus-alertmanager --config.file="$T/am.yml" --web.listen-address=127.0.0.1:$AMPORT \
	--cluster.listen-address= --storage.path="$T/am" >"$T/am.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
wait_for curl -sf "http://127.0.0.1:$AMPORT/-/ready" || { echo "bench: alertmanager did not start" >&2; exit 1; }
page_has() { curl -s "$URL/" | grep -q "$1"; }
curl -s -o /dev/null "$URL/"
t_inject=$(date +%s.%N)
curl -s -o /dev/null -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$AMPORT/api/v2/alerts" \
	-d '[{"labels":{"alertname":"ApiDown","service":"api","severity":"critical"}}]'
i=0; while ! page_has 'Major outage'; do i=$((i+1)); [ $i -gt 500 ] && break; sleep 0.02; done
t_page=$(date +%s.%N)
t_send=$(awk '/POST \/intake\/alertmanager/ { print $1; exit }' "$T/access.log")
send_ms=$(awk -v a="${t_send:-0}" -v b="$t_page" 'BEGIN { printf "%d", (b - a) * 1000 }')
inject_ms=$(awk -v a="$t_inject" -v b="$t_page" 'BEGIN { printf "%d", (b - a) * 1000 }')

{
	echo "Intake bench ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
	echo "pings: $reqs in ${SECS}s through nginx = $rate/s offered by $CONNS connections x 1 per ${DELAY} ms, $NCHECKS checks, non-2xx $non2xx"
	echo "  generation bumps during the pings: $bumps (target 0) $(verdict $([ "$bumps" -eq 0 ] && echo 1))"
	echo "  beacon VmRSS $(mb "$rss") MB, VmHWM $(mb "$hwm") MB (target < 10 MB) $(verdict $([ "$hwm" -lt 10240 ] && echo 1))"
	echo "alertmanager: send -> new status on the page (through the microcache): $send_ms ms (target < 2000)" \
	     "$(verdict $([ -n "$t_send" ] && [ "$send_ms" -lt 2000 ] && echo 1))"
	echo "  (alert injected into Alertmanager -> page: $inject_ms ms, group_wait 0s)"
} | tee "$RESULTS"
[ "$non2xx" = 0 ] && [ -n "$t_send" ]
