# test_notify_webhook.sh: webhook, Slack and mail deliveries from outbox events of real v1 writes, to a
# real HTTP receiver that verifies Standard Webhooks signatures and a real SMTP server: component
# filters, Statuspage bodies, deliver_notifications false, no resend, 410 disables, a dead receiver sees
# the retry schedule (test time scale) then quarantine, a failure mail and bulk reactivation, kill -9 during a fan-out loses
# nothing (duplicates keep their webhook-id), private targets refused unless notify_allow_private.
# Fan-outs run in steps of BEACON_NOTIFY_FANOUT_STEP subscribers (500 by default, 2 here), each its
# own txn, so every fan-out below resumes from a stored progress several times.
. "$(dirname "$0")/lib.sh"
export BEACON_NOTIFY_FANOUT_STEP=2

SMTP_PORT=$(free_port); HOOK_PORT=$(free_port)
MAILDIR="$T/mail"; mkdir -p "$MAILDIR"
SECRETS="$T/secrets.json"; HOOKLOG="$T/hooks.log"; echo '{}' > "$SECRETS"; : > "$HOOKLOG"
/usr/bin/python3 "$ROOT/tests/integration/smtp_sink.py" "$SMTP_PORT" "$MAILDIR" >"$T/smtp.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
/usr/bin/python3 "$ROOT/tests/integration/webhook_receiver.py" "$HOOK_PORT" "$SECRETS" "$HOOKLOG" >"$T/hook.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
bk_default_setup "smtp_host = 127.0.0.1" "smtp_port = $SMTP_PORT" "smtp_starttls = no" "notify_allow_private = yes" "notify_concurrency = 8"
up() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])))" "$1"; }
wait_for up "$SMTP_PORT"; wait_for up "$HOOK_PORT"

AUTH="Authorization: OAuth $ADMIN_TOKEN"; JSON="Content-Type: application/json"; B="$T/body"
j() { jq -r "$@" "$B" 2>/dev/null; }
wait_until() { local d=$1; shift; if wait_for "$@"; then ok "$d"; else not_ok "$d" "still false after 10 s: $*"; fi; }
PAGE=$(curl -s -H "$AUTH" "$URL/v1/pages" | jq -r '.[0].id'); V="/v1/pages/$PAGE"
H="http://127.0.0.1:$HOOK_PORT"
notify_once() { bk_cli notify --once >>"$T/notify.log" 2>&1; }
hooks() { jq -c "select(.path == \"$1\")" "$HOOKLOG"; }
nhooks() { hooks "$1" | grep -c . ; }
# add_hook PATH [--component ID]: a webhook subscriber; its secret goes to the receiver
add_hook() {
	local path=$1 out id sec; shift
	out=$(bk_cli subscriber add --webhook "$H$path" "$@") || return 1
	id=$(echo "$out" | awk 'NR==1{print $1}'); sec=$(echo "$out" | sed -n 's/.*(shown once): //p')
	jq --arg p "$path" --arg s "$sec" '. + {($p): $s}' "$SECRETS" > "$SECRETS.tmp" && mv "$SECRETS.tmp" "$SECRETS"
	echo "$id"
}
COMP_A=$(curl -s -X POST -H "$AUTH" -H "$JSON" -d '{"component":{"name":"API"}}' "$URL$V/components" | jq -r .id)
COMP_B=$(curl -s -X POST -H "$AUTH" -H "$JSON" -d '{"component":{"name":"Web"}}' "$URL$V/components" | jq -r .id)
ALL=$(add_hook /all); HA=$(add_hook /a --component "$COMP_A"); HB=$(add_hook /b --component "$COMP_B")
check "slack subscriber" bk_cli subscriber add --slack "$H/slack"
MAILSUB=$(curl -s -X POST -H "$AUTH" -H "$JSON" -d "{\"subscriber\":{\"email\":\"eve@example.test\",\"skip_confirmation_notification\":true,\"component_ids\":[\"$COMP_A\"]}}" "$URL$V/subscribers" | jq -r .id)
notify_once; : > "$HOOKLOG"    # subscription events themselves send nothing to webhooks

# ---- an incident on component A ----
assert_status "incident created through v1" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"incident\":{\"name\":\"API down\",\"status\":\"investigating\",\"body\":\"Looking into it\",\"components\":{\"$COMP_A\":\"major_outage\"},\"component_ids\":[\"$COMP_A\"]}}" "$URL$V/incidents"
INC=$(j .id)
IND=$(curl -s "$URL/api/v2/status.json" | jq -r .status.indicator)
metric() { curl -s --max-time 10 "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
DELIVERED0=$(metric beacon_notifications_delivered_total)
assert_eq "/metrics: the incident waits in the outbox (after the sender's cursor)" 1 "$(metric beacon_outbox_pending)"
assert_eq "/health: outbox_lag_seconds is a number on the primary" number "$(curl -s "$URL/health" | jq -r '.outbox_lag_seconds | type')"
notify_once
assert_eq "/metrics: nothing pending once beacon notify passed it" 0 "$(metric beacon_outbox_pending)"
assert_eq "/metrics: oldest pending age 0 when none" 0 "$(metric beacon_outbox_oldest_age_seconds)"
check "/metrics: the sender's delivered count (kept in its store) grew by the webhooks, Slack and mail" \
	test "$(metric beacon_notifications_delivered_total)" -ge $((DELIVERED0 + 4))
assert_eq "subscriber of everything got it" 1 "$(hooks /all | jq -s '[.[] | select(.body | contains("\"incident\""))] | length')"
assert_eq "subscriber of A got it" 1 "$(hooks /a | jq -s '[.[] | select(.body | contains("\"incident\""))] | length')"
assert_eq "subscriber of B did not" 0 "$(nhooks /b)"
assert_eq "every signature verifies" "true" "$(jq -s 'map(select(.path != "/slack")) | all(.sig_ok)' "$HOOKLOG")"
hooks /a | jq -s '[.[] | select(.body | contains("\"incident\""))][0]' > "$T/a.json"
BODY=$(jq -r .body "$T/a.json")
assert_eq "incident body: name" "API down" "$(echo "$BODY" | jq -r .incident.name)"
assert_eq "incident body: latest update first" "Looking into it" "$(echo "$BODY" | jq -r '.incident.incident_updates[0].body')"
assert_eq "incident body: page indicator as in status.json" "$IND" "$(echo "$BODY" | jq -r .page.status_indicator)"
assert_contains "meta.unsubscribe is this subscriber's link" "$(echo "$BODY" | jq -r .meta.unsubscribe)" "/unsubscribe?token=u$HA."
assert_eq "Content-Type json" "application/json" "$(jq -r .ctype "$T/a.json")"
assert_contains "webhook-id is the delivery id" "$(jq -r .id "$T/a.json")" "_$HA"
assert_contains "slack got Slack's format" "$(hooks /slack | jq -r .body | jq -r .text | head -3)" "API down"
wait_until "incident mail to the A email subscriber" test -f "$MAILDIR/1.eml"
assert_contains "mail subject" "$(/usr/bin/python3 "$ROOT/tests/integration/mail_parse.py" "$MAILDIR/1.eml" Subject)" "[Beacon Test] API down: Investigating"

# ---- component status changes reach webhooks only; quiet changes reach nobody ----
N_ALL=$(nhooks /all); NMAIL=$(ls "$MAILDIR" | grep -c eml)
assert_status "component status change" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"component":{"status":"degraded_performance"}}' "$URL$V/components/$COMP_A"
notify_once
assert_eq "component_update body" "major_outage degraded_performance" \
	"$(hooks /all | tail -1 | jq -r .body | jq -r '"\(.component_update.old_status) \(.component_update.new_status)"')"
assert_eq "no mail for a component change" "$NMAIL" "$(ls "$MAILDIR" | grep -c eml)"
N_ALL=$(nhooks /all)
assert_status "quiet update" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"body":"quiet","deliver_notifications":false}}' "$URL$V/incidents/$INC"
notify_once
assert_eq "deliver_notifications false sends nothing" "$N_ALL" "$(nhooks /all)"
notify_once
assert_eq "nothing is sent twice" "$N_ALL" "$(nhooks /all)"

# ---- maintenance: scheduled, then its reminder (reminder_intervals hours before the start) ----
START=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ); END=$(date -u -d '+2 hour' +%Y-%m-%dT%H:%M:%SZ)
N_A=$(nhooks /a)
assert_status "maintenance scheduled through v1" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"incident\":{\"name\":\"DB upgrade\",\"status\":\"scheduled\",\"scheduled_for\":\"$START\",\"scheduled_until\":\"$END\",\"component_ids\":[\"$COMP_A\"],\"reminder_intervals\":\"[2, 24]\"}}" "$URL$V/incidents"
notify_once
assert_eq "maintenance.scheduled and one reminder (the 2 h and 24 h marks passed together)" $((N_A + 2)) "$(nhooks /a)"
assert_eq "the maintenance body" "DB upgrade" "$(hooks /a | tail -1 | jq -r .body | jq -r .incident.name)"
notify_once
assert_eq "reminders are sent once" $((N_A + 2)) "$(nhooks /a)"
assert_contains "reminder events in the audit log" "$(bk_cli audit --limit 10)" "maintenance.reminder"

# ---- 410 disables at once ----
GONE=$(add_hook /gone)
curl -s -o /dev/null -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"status":"identified","body":"Found it"}}' "$URL$V/incidents/$INC"
notify_once
assert_eq "410 answered once" 1 "$(nhooks /gone)"
assert_eq "410 unsubscribed it" "unsubscribed" "$(bk_cli subscriber show "$GONE" | jq -r .state)"

# ---- a dead receiver: the retry schedule (scaled), then quarantine and a failure mail ----
DEAD=$(bk_cli subscriber add --webhook "$H/dead" --email dead-owner@example.test | awk 'NR==1{print $1}')
curl -s -o /dev/null -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"status":"monitoring","body":"Fix deployed"}}' "$URL$V/incidents/$INC"
BEACON_NOTIFY_TIME_SCALE=0.00002 "$BEACON" --config "$CONF" notify >>"$T/notify.log" 2>&1 &
NPID=$!; BK_PIDS="$BK_PIDS $NPID"
i=0; while [ "$(nhooks /dead)" -lt 10 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
is_quarantined() { test "$(bk_cli subscriber show "$DEAD" | jq -r .state)" = quarantined; }
wait_for is_quarantined
kill "$NPID"; wait "$NPID" 2>/dev/null
assert_eq "10 attempts in all" 10 "$(nhooks /dead)"
assert_eq "one webhook-id for every attempt" 1 "$(hooks /dead | jq -r .id | sort -u | wc -l)"
GAPS=$(hooks /dead | jq -s '[range(1; length) as $i | .[$i].at - .[$i-1].at]')
assert_eq "retries wait longer and longer (last gap > first, > 1 s)" true "$(echo "$GAPS" | jq '.[8] > .[0] and .[8] > 1 and .[7] > .[1]')"
assert_eq "quarantined after 10 failures" quarantined "$(bk_cli subscriber show "$DEAD" | jq -r .state)"
assert_contains "failure is visible" "$(bk_cli deliveries --failed)" "HTTP 500"
BEACON_NOTIFY_TIME_SCALE=0.00002 bk_cli notify --once >>"$T/notify.log" 2>&1
FAILMAIL=$(grep -l "dead-owner@example.test" "$MAILDIR"/*.eml | head -1)
assert_ne "failure mail to the webhook's address" "" "$FAILMAIL"
[ -n "$FAILMAIL" ] && assert_contains "failure mail says quarantined" "$(/usr/bin/python3 "$ROOT/tests/integration/mail_parse.py" "$FAILMAIL" Subject)" "quarantined"

assert_eq "histogram_by_state counts it quarantined" 1 "$(curl -s -H "$AUTH" "$URL$V/subscribers/histogram_by_state" | jq .webhook.quarantined)"
assert_eq "state=quarantined lists it, with quarantined_at" "$DEAD true" \
	"$(curl -s -H "$AUTH" "$URL$V/subscribers?state=quarantined" | jq -r '.[] | "\(.id) \(.quarantined_at != null)"')"
assert_status "bulk reactivate \"all\" of type email: none" 200 -X POST -H "$AUTH" -H "$JSON" \
	-d '{"subscribers":"all","type":"email"}' "$URL$V/subscribers/reactivate"
assert_eq "type email: nothing reactivated" "0" "$(j length)"
assert_status "bulk reactivate \"all\": the quarantined ones" 200 -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":"all"}' "$URL$V/subscribers/reactivate"
assert_eq "the quarantined webhook is active again" "$DEAD active null" "$(j -r '[.[] | "\(.id) \(.state) \(.quarantined_at)"] | join(",")')"
check "unsubscribed" bk_cli subscriber del "$DEAD"
assert_status "subscribing an unsubscribed webhook again reactivates it" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscriber\":{\"endpoint\":\"$H/dead\"}}" "$URL$V/subscribers"
assert_eq "reactivated" "active" "$(j .state)"
check "and unsubscribed again" bk_cli subscriber del "$DEAD"

# ---- kill -9 during a fan-out loses no delivery ----
for i in $(seq 1 120); do add_hook "/slow/$i" >/dev/null; done
: > "$HOOKLOG"
curl -s -o /dev/null -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"status":"resolved","body":"All good"}}' "$URL$V/incidents/$INC"
"$BEACON" --config "$CONF" notify >>"$T/notify.log" 2>&1 &
NPID=$!
some_slow() { test "$(grep -c '/slow/' "$HOOKLOG")" -ge 10; }
wait_for some_slow
kill -9 "$NPID"; wait "$NPID" 2>/dev/null
BEFORE_KILL=$(grep -c '/slow/' "$HOOKLOG")
assert_eq "the kill came mid fan-out (the cursor has not passed the event)" true \
	"$(bk_cli deliveries --json --limit 1 | jq '.cursor < .outbox_last')"
"$BEACON" --config "$CONF" notify >>"$T/notify.log" 2>&1 &
NPID=$!; BK_PIDS="$BK_PIDS $NPID"
i=0; while [ "$(jq -s '[.[] | select(.path | startswith("/slow/")) | .path] | unique | length' "$HOOKLOG")" -lt 120 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
kill "$NPID"; wait "$NPID" 2>/dev/null
assert_eq "after kill -9 every subscriber got it" 120 "$(jq -s '[.[] | select(.path | startswith("/slow/")) | .path] | unique | length' "$HOOKLOG")"
assert_eq "duplicates carry the same webhook-id" 120 "$(jq -s '[.[] | select(.path | startswith("/slow/")) | "\(.path) \(.id)"] | unique | length' "$HOOKLOG")"
assert_eq "one delivery per subscriber, the fan-out resumed where the kill left it" 120 \
	"$(bk_cli deliveries --json --limit 1000 | jq '[.deliveries[] | select(.destination | test("/slow/")) | .id] | unique | length')"
echo "# $BEFORE_KILL requests before kill -9, $(grep -c '/slow/' "$HOOKLOG") in all"
assert_eq "the kill came mid fan-out" true "$([ "$BEFORE_KILL" -lt 120 ] && echo true || echo false)"
assert_eq "every signature verifies" "true" "$(jq -s 'map(select(.path != "/slack")) | all(.sig_ok)' "$HOOKLOG")"

# ---- private targets are refused unless notify_allow_private = yes ----
CONF2="$T/private.conf"; sed '/notify_allow_private/d' "$CONF" > "$CONF2"; echo "notify_store = $T/n2" >> "$CONF2"
N=$(grep -c . "$HOOKLOG")
"$BEACON" --config "$CONF2" notify --once >>"$T/notify.log" 2>&1
assert_eq "no request reached the loopback receiver" "$N" "$(grep -c . "$HOOKLOG")"
assert_contains "the refusal is visible" "$("$BEACON" --config "$CONF2" deliveries --failed --limit 5)" "refused address"

# ---- retention: finished deliveries older than notify_retention_days go, and the payloads with them ----
FAKELIB=$(dpkg -L libfaketime 2>/dev/null | grep 'libfaketimeMT.so.1$' | head -1)
RCONF="$T/retention.conf"; sed '/^notify_retention_days/d' "$CONF" > "$RCONF"; echo "notify_retention_days = 2" >> "$RCONF"
# notify_in SECONDS: `beacon notify --once` with the clock that much ahead
notify_in() {
	LD_PRELOAD="$FAKELIB" FAKETIME="+$1" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$BEACON" --config "$RCONF" notify --once >>"$T/notify.log" 2>&1
}
ndeliv() { bk_cli deliveries --json --limit 100000 | jq '.deliveries | length'; }
npayloads() { mdb_stat -s payload "$STORE-notify" | awk '/Entries:/ {print $2}'; }
D0=$(ndeliv); P0=$(npayloads)
check "deliveries and payloads are stored ($D0, $P0)" test "$D0" -gt 120 -a "$P0" -gt 0
notify_in $((86400 + 3600))
assert_eq "a day later (retention 2 days): every delivery is kept" "$D0" "$(ndeliv)"
assert_eq "a day later: every payload is kept" "$P0" "$(npayloads)"
notify_in $((3 * 86400))
assert_eq "three days later: the finished deliveries are purged" 0 "$(ndeliv)"
assert_eq "three days later: the payloads no delivery uses are purged" 0 "$(npayloads)"
assert_contains "the purge is logged" "$(tail -5 "$T/notify.log")" "purged"

bk_done
