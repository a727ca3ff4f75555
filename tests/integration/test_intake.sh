#!/bin/sh
# test_intake.sh: monitoring intake with real parts: Debian's Alertmanager delivers to beacon through
# nginx (firing sets the component, resolving restores it, repeats change nothing, a maintenance
# suppresses, and an alert still firing when the maintenance ends takes effect), heartbeats (late,
# failing, restored, no false alarm after a restart), Uptime Kuma pushes, staleness on the page (en,
# es) from heartbeats and from a Watchdog rule with --stale-after, and bad input.
. "$(dirname "$0")/lib.sh"
BK_NGINX_ACCESS_LOG="$T/access.log"
bk_default_setup
command -v prometheus-alertmanager >/dev/null || { not_ok "prometheus-alertmanager is installed (make deps)"; bk_done; }

bk_cli component add --name API >/dev/null
bk_cli component add --name DB >/dev/null
bk_cli component add --name Jobs >/dev/null
INTAKE=$(bk_cli token create --scope intake)
WRITE=$(bk_cli token create --scope write)
RULE=$(bk_cli rule add --component API --match service=api --status-label severity --incident "API alerts")
check "rule add prints an id" test -n "$RULE"
assert_contains "rule list shows it" "$(bk_cli rule list)" "service=api"

status_of() { curl -s "$URL/api/v2/components.json" | jq -r --arg n "$1" '.components[] | select(.name==$n) | .status'; }
gen() { curl -s "$URL/health" | jq -r .generation; }
# wait_status NAME STATUS: up to 30 s for the v2 API (through nginx) to show it
wait_status() {
	local i=0
	while [ "$(status_of "$1")" != "$2" ]; do i=$((i+1)); [ $i -gt 150 ] && return 1; sleep 0.2; done
}
# stale_of NAME: "stale" when the page shows the component's feeder silent
stale_of() {
	curl -s "$URL/" | awk -v n=">$1</a></h3>" 'index($0, "<li class=\"comp\"") { f = index($0, n) > 0; next }
		f && index($0, "class=\"stale\"") { print "stale"; exit }'
}
am_posts() { grep -c 'POST /intake/alertmanager' "$T/access.log" 2>/dev/null || echo 0; }

# ---- bad input: clear errors, nothing changes ----
g0=$(gen)
AM='{"version":"4","groupKey":"g","status":"firing","alerts":[]}'
assert_status "alertmanager: no token is 401" 401 -X POST -d "$AM" "$URL/intake/alertmanager"
assert_status "alertmanager: a write token is not an intake token (403)" 403 -X POST \
	-H "Authorization: Bearer $WRITE" -d "$AM" "$URL/intake/alertmanager"
assert_status "intake token cannot write v1 (403)" 403 -X POST -H "Authorization: OAuth $INTAKE" \
	-H 'Content-Type: application/json' -d '{"component":{"name":"x"}}' "$URL/v1/pages/x/components"
assert_status "alertmanager: invalid JSON is 400" 400 -X POST -H "Authorization: Bearer $INTAKE" \
	-d '{"version":' "$URL/intake/alertmanager"
assert_contains "alertmanager: the error says where" "$(cat "$T/body")" "invalid JSON at line 1"
assert_status "alertmanager: version 3 is 400" 400 -X POST -H "Authorization: Bearer $INTAKE" \
	-d '{"version":"3","groupKey":"g","alerts":[]}' "$URL/intake/alertmanager"
assert_contains "alertmanager: names the field" "$(cat "$T/body")" '"error":"version: must be \"4\"'
assert_status "alertmanager: a bad alert status is 400" 400 -X POST -H "Authorization: Bearer $INTAKE" \
	-d '{"version":"4","groupKey":"g","alerts":[{"status":"burning","labels":{},"startsAt":"2026-01-01T00:00:00Z"}]}' \
	"$URL/intake/alertmanager"
assert_contains "alertmanager: names the alert" "$(cat "$T/body")" 'alerts[0].status'
assert_status "alertmanager: deep nesting is 400" 400 -X POST -H "Authorization: Bearer $INTAKE" \
	-d '{"version":"4","groupKey":"g","alerts":[{"labels":{"a":[[[[[[1]]]]]]}}]}' "$URL/intake/alertmanager"
head -c 70000 /dev/zero | tr '\0' 'a' > "$T/big"
assert_status "alertmanager: a body over the limit is 413" 413 -X POST -H "Authorization: Bearer $INTAKE" \
	--data-binary @"$T/big" "$URL/intake/alertmanager"
assert_status "ping: unknown uuid is 404" 404 "$URL/ping/6f1e1c1a-0000-4000-8000-000000000000"
unknown=$(cat "$T/body")
assert_status "ping: malformed id is 404 too" 404 "$URL/ping/not-a-uuid"
assert_eq "ping: unknown and malformed get the same answer" "$unknown" "$(cat "$T/body")"
assert_status "ping: bad exit status is 400" 400 "$URL/ping/6f1e1c1a-0000-4000-8000-000000000000/256"
assert_status "push: unknown token is 404" 404 "$URL/api/push/nope?status=up"
assert_eq "push: Kuma's error shape" '{"ok":false,"msg":"Monitor not found or not active.","error":"Monitor not found or not active."}' "$(cat "$T/body")"
assert_status "push: bad status is 400" 400 "$URL/api/push/nope?status=sideways"
assert_eq "bad input changed nothing (generation)" "$g0" "$(gen)"

# ---- Alertmanager on 127.0.0.1, delivering through nginx ----
AMPORT=$(free_port)
mkdir -p "$T/am"
cat > "$T/am.yml" <<YML
route:
  receiver: beacon
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
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
AMURL="http://127.0.0.1:$AMPORT"
wait_for curl -sf "$AMURL/-/ready" || { not_ok "alertmanager started" "$(tail -5 "$T/am.log")"; bk_done; }
ok "alertmanager started"
# am_alert NAME SEVERITY ENDS: posts one alert to Alertmanager's own API
am_alert() {
	curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'Content-Type: application/json' "$AMURL/api/v2/alerts" \
		-d "[{\"labels\":{\"alertname\":\"$1\",\"service\":\"api\",\"severity\":\"$2\"},\"startsAt\":\"$STARTS\",\"endsAt\":\"$3\"}]"
}
STARTS=$(date -u -d '-10 sec' +%Y-%m-%dT%H:%M:%SZ)
LATER=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
assert_eq "alert injected through Alertmanager's API" 200 "$(am_alert ApiSlow warning "$LATER")"
check "firing warning: API degraded_performance" wait_status API degraded_performance
open_incidents() { curl -s "$URL/api/v2/incidents/unresolved.json" | jq -r '[.incidents[] | select(.name=="API alerts")] | length'; }
assert_eq "the rule opened one incident for the group" 1 "$(open_incidents)"
assert_contains "audit names the rule" "$(bk_cli audit --limit 3)" "intake:$RULE"

# repeats (repeat_interval 2s) change nothing: the generation stays
g1=$(gen); p1=$(am_posts)
i=0; while [ "$(am_posts)" -lt $((p1 + 2)) ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
check "alertmanager repeated its notification" test "$(am_posts)" -ge $((p1 + 2))
assert_eq "repeats change nothing (generation unchanged)" "$g1" "$(gen)"

# a critical alert on top: the worst wins; resolving it goes back to the warning, then all clear
assert_eq "critical injected" 200 "$(am_alert ApiDown critical "$LATER")"
check "firing critical: API major_outage" wait_status API major_outage
assert_eq "one incident per group (grouped by alertname: two groups)" 2 "$(open_incidents)"
assert_contains "rule alerts lists both" "$(bk_cli rule alerts)" "ApiDown"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
assert_eq "critical resolved" 200 "$(am_alert ApiDown critical "$NOW")"
check "critical resolved: back to degraded_performance" wait_status API degraded_performance
i=0; while [ "$(open_incidents)" != 1 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
assert_eq "the resolved group's incident is resolved, the other stays" 1 "$(open_incidents)"
assert_eq "warning resolved" 200 "$(am_alert ApiSlow warning "$NOW")"
check "all resolved: API operational again" wait_status API operational
i=0; while [ "$(open_incidents)" != 0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
assert_eq "every group resolved: its incident is resolved" 0 "$(open_incidents)"

# a maintenance covering the component: alerts are kept but change nothing; one still firing when the
# window ends (the scheduler completes it) takes effect then, by its rule; one resolved meanwhile is dropped
MAINT_END=$(date -u -d '+15 sec' +%Y-%m-%dT%H:%M:%SZ)
bk_cli maintenance schedule --name "DB upgrade" --from now --until "$MAINT_END" \
	--component API --set-components no >/dev/null
STARTS=$(date -u -d '-5 sec' +%Y-%m-%dT%H:%M:%SZ)
assert_eq "alert during the maintenance" 200 "$(am_alert ApiDuringMaint critical "$LATER")"
assert_eq "another alert during the maintenance" 200 "$(am_alert ApiBlip warning "$LATER")"
i=0; while [ "$(bk_cli rule alerts | grep -c 'suppressed: maintenance')" -lt 2 ]; do i=$((i+1)); [ $i -gt 150 ] && break; sleep 0.2; done
assert_contains "the suppressed alert is kept and shown" "$(bk_cli rule alerts)" "suppressed: maintenance"
assert_eq "maintenance: the alert changed nothing" operational "$(status_of API)"
assert_eq "maintenance: no incident opened" 0 "$(open_incidents)"
# (the scheduler starts and then completes the maintenance, both writes, before any section below
# counts generations)
assert_eq "one alert resolves during the maintenance" 200 "$(am_alert ApiBlip warning "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
i=0; while bk_cli rule alerts | grep -q ApiBlip; do i=$((i+1)); [ $i -gt 150 ] && break; sleep 0.2; done
assert_not_contains "the resolved one is dropped" "$(bk_cli rule alerts)" "ApiBlip"
assert_eq "still nothing changed" operational "$(status_of API)"
check "the window ends: the alert still firing takes effect (API major_outage)" wait_status API major_outage
assert_not_contains "no longer suppressed" "$(bk_cli rule alerts)" "suppressed"
assert_contains "audit: the change is the rule's" "$(bk_cli audit --limit 6)" "intake:$RULE"
i=0; while [ "$(open_incidents)" != 1 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
assert_eq "its group's incident opens" 1 "$(open_incidents)"
assert_eq "the alert resolves" 200 "$(am_alert ApiDuringMaint critical "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
check "resolved: API operational again" wait_status API operational
i=0; while [ "$(open_incidents)" != 0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
assert_eq "and its incident resolves" 0 "$(open_incidents)"

# ---- Alertmanager's own staleness: a Watchdog rule with --stale-after is the feeder's heartbeat ----
bk_cli component add --name Feeder >/dev/null
WD=$(bk_cli rule add --component Feeder --match alertname=Watchdog --default none --stale-after 5s)
assert_contains "rule list shows the stale-after time" "$(bk_cli rule list)" "stale after 5s"
check_fails "rule add: a bad --stale-after is refused" bk_cli rule add --component Feeder --match a=b --stale-after 0s
watchdog() {
	curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'Content-Type: application/json' "$AMURL/api/v2/alerts" \
		-d "[{\"labels\":{\"alertname\":\"Watchdog\",\"severity\":\"none\"},\"startsAt\":\"$STARTS\",\"endsAt\":\"$LATER\"}]"
}
assert_eq "Watchdog injected" 200 "$(watchdog)"
wd_posts() { grep -c 'POST /intake/alertmanager' "$T/access.log" 2>/dev/null || echo 0; }
p1=$(wd_posts)
i=0; while [ "$(wd_posts)" -lt $((p1 + 1)) ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
g4=$(gen); p1=$(wd_posts)
sleep 9
check "Alertmanager repeated the Watchdog past the stale-after time" test "$(wd_posts)" -ge $((p1 + 2))
assert_eq "Watchdog repeats change nothing (generation unchanged)" "$g4" "$(gen)"
assert_eq "Watchdog: the component's status is unchanged (--default none)" operational "$(status_of Feeder)"
assert_eq "fed: no staleness on the page" "" "$(stale_of Feeder)"

# ---- heartbeats ----
PING=$(bk_cli heartbeat add --component DB --period 2s --grace 2s)
assert_contains "heartbeat add prints its ping URL" "$PING" "/ping/"
UUID=${PING##*/}
assert_status "ping answers OK" 200 "$URL/ping/$UUID"
assert_eq "ping body is OK" "OK" "$(cat "$T/body")"
assert_status "HEAD ping" 200 -I "$URL/ping/$UUID"
assert_status "ping through lighttpd" 200 "$LURL/ping/$UUID"
assert_status "POST ping with a body" 200 -X POST -d 'backup done' "$URL/ping/$UUID"
assert_status "exit status 0 is a success" 200 "$URL/ping/$UUID/0"
g2=$(gen)
for n in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null "$URL/ping/$UUID"; done
assert_eq "pings change nothing (generation unchanged)" "$g2" "$(gen)"
check "missed heartbeat: DB major_outage" wait_status DB major_outage
assert_contains "the page says the feeder went silent" "$(curl -s "$URL/")" "No data from monitoring since"
assert_contains "and in Spanish" "$(curl -s "$URL/?lang=es")" "Sin datos del monitoreo desde las"
assert_contains "heartbeat list shows it late" "$(bk_cli heartbeat list)" "late"
assert_status "a late ping" 200 "$URL/ping/$UUID"
check "late ping restores DB" wait_status DB operational
assert_not_contains "staleness note gone" "$(sleep 1.1; curl -s "$URL/")" "No data from monitoring"
assert_status "/fail" 200 "$URL/ping/$UUID/fail"
check "fail: DB major_outage at once" wait_status DB major_outage
assert_status "exit status 0 after the failure" 200 "$URL/ping/$UUID/0"
check "success restores DB" wait_status DB operational
assert_status "/start" 200 "$URL/ping/$UUID/start"
assert_status "/log" 200 "$URL/ping/$UUID/log"
assert_status "exit status 3 is a failure" 200 "$URL/ping/$UUID/3"
check "exit status 3: DB major_outage" wait_status DB major_outage
assert_status "push up (Uptime Kuma)" 200 "$URL/api/push/$UUID?status=up&msg=OK&ping=12"
assert_eq "push answers {\"ok\":true}" '{"ok":true}' "$(cat "$T/body")"
check "push up restores DB" wait_status DB operational
assert_status "push down" 200 "$URL/api/push/$UUID?status=down&msg=timeout"
check "push down: DB major_outage" wait_status DB major_outage
assert_status "push up" 200 "$URL/api/push/$UUID?status=up"
check "push up again" wait_status DB operational

# ---- a restart raises no false alarm ----
# Jobs: period 4s grace 4s, pinged, then beacon is down for longer than period + grace. After the
# restart the check gets its full period and grace again.
bk_cli heartbeat del "$UUID" >/dev/null
JOBS=$(bk_cli heartbeat add --component Jobs --period 4s --grace 4s)
curl -s -o /dev/null "${URL}/ping/${JOBS##*/}"
g_stop=$(gen)
kill -TERM "$BK_SERVE_PID"
i=0; while kill -0 "$BK_SERVE_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
sleep 9
g3=$(bk_cli audit --limit 1)
bk_start_serve "$CONF" "$SOCK" "$LOG"
g5=$(gen)
assert_eq "a restart is no new generation (no re-render, no snapshot for secondaries)" "$g_stop" "$g5"
sleep 3
assert_eq "after a restart: no false alarm" operational "$(status_of Jobs)"
assert_eq "after a restart: nothing written" "$g3" "$(bk_cli audit --limit 1)"
assert_eq "after a restart: the Watchdog rule gets its grace (generation unchanged)" "$g5" "$(gen)"
assert_eq "after a restart: the Watchdog rule's component is not stale" "" "$(stale_of Feeder)"
assert_status "ping after the restart" 200 "$URL/ping/${JOBS##*/}"
assert_eq "still operational" operational "$(status_of Jobs)"

# ---- Alertmanager goes silent: the Watchdog rule marks its component stale, never a silent green ----
bk_cli heartbeat del "${JOBS##*/}" >/dev/null
for p in $BK_PIDS; do
	case "$(cat /proc/$p/cmdline 2>/dev/null | tr '\0' ' ')" in *prometheus-alertmanager*) kill "$p";; esac
done
i=0; while [ "$(stale_of Feeder)" != stale ]; do i=$((i+1)); [ $i -gt 150 ] && break; sleep 0.2; done
assert_eq "Alertmanager silent: the page says so for its component" stale "$(stale_of Feeder)"
assert_contains "... in words" "$(curl -s "$URL/")" "No data from monitoring since"
assert_eq "... and the status stays what it is" operational "$(status_of Feeder)"
g6=$(gen)
assert_status "a Watchdog notification again" 200 -X POST -H "Authorization: Bearer $INTAKE" \
	-d '{"version":"4","groupKey":"{}:{alertname=\"Watchdog\"}","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Watchdog","severity":"none"},"startsAt":"2026-01-01T00:00:00Z","fingerprint":"feed0001"}]}' \
	"$URL/intake/alertmanager"
assert_ne "data again: the mark is cleared (one write)" "$g6" "$(gen)"
assert_eq "... and the page no longer says stale" "" "$(sleep 1.1; stale_of Feeder)"
bk_cli rule del "$WD" >/dev/null

# ---- the OpenAPI document lists the intake routes ----
curl -s "$URL/v1/openapi.json" > "$T/openapi.json"
for pm in "post /intake/alertmanager" "get /ping/{uuid}" "post /ping/{uuid}" "get /ping/{uuid}/{signal}" \
	"post /ping/{uuid}/{signal}" "get /api/push/{token}"; do
	m=${pm%% *} p=${pm#* }
	check "openapi: $pm" jq -e --arg p "$p" --arg m "$m" '.paths[$p][$m] != null' "$T/openapi.json"
done

# ---- /metrics counts intake (loopback: no token; counters start with the process) ----
curl -s -o /dev/null "$URL/ping/not-a-uuid"
m=$(curl -s "$URL/metrics")
ev=$(printf '%s\n' "$m" | awk '$1 == "beacon_intake_events_total" { print $2 }')
rj=$(printf '%s\n' "$m" | awk '$1 == "beacon_intake_rejected_total" { print $2 }')
check "metrics: intake events counted" test "${ev:-0}" -ge 1
check "metrics: intake rejections counted" test "${rj:-0}" -ge 1
assert_contains "metrics: intake route class" "$m" 'route="intake"'

# ---- deleting a rule gives the component back ----
bk_cli rule del "$RULE" >/dev/null
assert_eq "rule del: gone from the list" "" "$(bk_cli rule list)"
bk_done
