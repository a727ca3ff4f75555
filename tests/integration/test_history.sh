#!/bin/bash
# test_history.sh: history entered as it happened, through the CLI and again through v1: the reference
# page's incidents (shared/reference/) show the reference strings; back-dated changes never overwrite a
# later state; impact is never lowered on resolve; display_at edits are checked; the maintenance
# lifecycle runs on the primary; init --page-id. The clock of every beacon process is Debian's faketime.
. "$(dirname "$0")/lib.sh"
# every beacon process on one faketime clock from 2026-03-31 17:00 UTC (12:00 in the page's zone)
bk_faketime '2026-03-31 17:00:00'
PAGE_ID=p7s3x9k2m4qd         # a Statuspage page id, kept by init --page-id

# node NAME : a primary with its store, config (page zone America/Guayaquil), beacon serve and nginx.
node() {
	local n=$1 d="$T/$1"; shift
	mkdir -p "$d/store"
	bk_make_conf "$d/beacon.conf" "$d/store" "$d/sock"
	sed -i 's#^time_zone = UTC#time_zone = America/Guayaquil#' "$d/beacon.conf"
	"$BEACON" --config "$d/beacon.conf" init "$@" > "$d/token" || { echo "# init failed"; exit 1; }
	bk_start_serve "$d/beacon.conf" "$d/sock" "$d/log" || exit 1
	bk_start_nginx "$d/sock" "nginx-$n" || exit 1
	eval "URL_$n=\$NGINX_URL"
}
cli() { local n=$1; shift; "$BEACON" --config "$T/$n/beacon.conf" "$@"; }
# text NODE PATH : the page's text (tags dropped, whitespace collapsed), fetched straight from beacon's socket
text() {
	local n=$1 p=$2 q=${3:-}
	SCRIPT_NAME=$p REQUEST_URI="$p${q:+?$q}" QUERY_STRING="$q" REQUEST_METHOD=GET HTTP_HOST=127.0.0.1 \
		cgi-fcgi -bind -connect "$T/$n/sock" 2>/dev/null | sed -e 's/<[^>]*>//g' | tr -s ' \n\t' ' '
}

# ================= 1. the reference incidents through the CLI =================
node cli
cli cli group add --name Channels >/dev/null
cli cli component add --name Website >/dev/null
for c in WhatsApp "Facebook Messenger" "Instagram Direct Messages" "Facebook Feed"; do
	cli cli component add --name "$c" --group Channels >/dev/null
done
cli cli component add --name Platform >/dev/null
cli cli component add --name "Multiagent Panel" >/dev/null
cli cli component add --name "https://jelou.ai" >/dev/null
comps() {    # comps STATUS: the five components of the first reference incident at STATUS
	printf -- '--component\0Website=%s\0--component\0Channels/WhatsApp=%s\0--component\0Facebook Messenger=%s\0--component\0Instagram Direct Messages=%s\0--component\0Facebook Feed=%s\0' "$1" "$1" "$1" "$1" "$1"
}
mapfile -d '' MAJOR < <(comps major_outage)
mapfile -d '' OPER < <(comps operational)
R0=$(cli cli incident open --name "🚨 Platform Service Interruption" --status investigating --at "2026-03-16 08:50" \
	--body "We are currently experiencing a service disruption affecting the platform functionality." "${MAJOR[@]}")
assert_eq "ref 0: opened at a local time" 0 $?
check "ref 0: monitoring at 12:51" cli cli incident update "$R0" --status monitoring --at "2026-03-16 12:51" \
	--body "We implemented a fix and are currently monitoring the result." "${OPER[@]}"
check "ref 0: resolved at 2:36 PM (an offset time)" cli cli incident resolve "$R0" --at "2026-03-16T14:36:00-05:00"
# reference 3 (Spanish): degraded from 2:47 PM, identified, operational from 3:52 PM, resolved 7:06 PM
R3=$(cli cli incident open --name "Intermittent Messaging Disruptions" --status investigating --at "2026-03-12 14:47" \
	--component Platform=degraded_performance --component "Multiagent Panel=degraded_performance")
check "ref 3: identified" cli cli incident update "$R3" --status identified --at "2026-03-12 15:10"
check "ref 3: monitoring, operational" cli cli incident update "$R3" --status monitoring --at "2026-03-12 15:52" \
	--component Platform=operational --component "Multiagent Panel=operational"
check "ref 3: resolved" cli cli incident resolve "$R3" --at "2026-03-12 19:06"
printf 'RCA\n\nThe deployment was rolled back.\n' > "$T/pm.md"
check "ref 3: postmortem" cli cli incident postmortem "$R3" --body-file "$T/pm.md" --publish --at "2026-03-13 10:00"
# reference 4: created already resolved, a degraded-performance impact, components listed operational
R4=$(cli cli incident open --name "Authentication Service Degradation" --status resolved --impact minor \
	--at "2026-03-22 05:00" --component Website=operational --component "https://jelou.ai=operational")
assert_eq "ref 4: created already resolved" "resolved" "$(cli cli incident show "$R4" --json | jq -r .status)"

ref_pages() {   # ref_pages NODE LABEL R0 R3 R4
	local n=$1 l=$2 p
	p=$(text "$n" "/incidents/$3")
	assert_contains "$l ref 0: component timeline" "$p" "Major outage from 8:50 AM to 12:51 PM, Operational from 12:51 PM to 2:36 PM"
	assert_contains "$l ref 0: started" "$p" "Started 15 days ago"
	assert_contains "$l ref 0: lasted" "$p" "Lasted about 6 hours"
	assert_contains "$l ref 0: resolved, major outage" "$p" "Resolved Major outage"
	p=$(text "$n" "/incidents/$4" "lang=es")
	# the reference page writes Spanish times as "2:47 PM"; the read side (status_clock) now writes
	# Spanish in 24-hour time: either form is the same timeline
	case "$p" in
	*"Rendimiento degradado de 2:47 PM a 3:52 PM, En funcionamiento de 3:52 PM a 7:06 PM"*|\
	*"Rendimiento degradado de 14:47 a 15:52, En funcionamiento de 15:52 a 19:06"*) ok "$l ref 3 (es): component timeline";;
	*) not_ok "$l ref 3 (es): component timeline" "$(printf '%s' "$p" | grep -o 'Afectado.\{0,400\}')";;
	esac
	assert_contains "$l ref 3 (es): started" "$p" "hace 19 días"
	assert_contains "$l ref 3 (es): lasted" "$p" "Duró alrededor de 4 horas"
	p=$(text "$n" "/incidents/$5")
	assert_contains "$l ref 4: degraded performance" "$p" "Degraded performance"
	assert_contains "$l ref 4: started" "$p" "Started 9 days ago"
	assert_contains "$l ref 4: lasted" "$p" "Lasted less than a minute"
	assert_contains "$l ref 4: component" "$p" "Operational from 5:00 AM to 5:00 AM"
}
ref_pages cli "CLI:" "$R0" "$R3" "$R4"
assert_eq "CLI: components operational now" "operational" \
	"$(cli cli component list --json | jq -r '[.[].status] | unique | join(",")')"

# ================= 2. the same through v1, on a store that kept a Statuspage page id =================
node v1 --page-id "$PAGE_ID"
TOK=$(cat "$T/v1/token")
V="$URL_v1/v1/pages/$PAGE_ID"
post() { curl -s -H "Authorization: OAuth $TOK" -H "Content-Type: application/json" -X "$1" "$V$2" -d "$3"; }
assert_eq "init --page-id: v1 answers under the Statuspage page id" "$PAGE_ID" \
	"$(curl -s -H "Authorization: OAuth $TOK" "$URL_v1/v1/pages" | jq -r '.[0].id')"
id_of() { curl -s -H "Authorization: OAuth $TOK" "$V/components" | jq -r --arg n "$1" '.[] | select(.name == $n) | .id'; }
W=$(post POST /components '{"component":{"name":"Website"}}' | jq -r .id)
G_IDS=""
for c in WhatsApp "Facebook Messenger" "Instagram Direct Messages" "Facebook Feed"; do
	G_IDS="$G_IDS\"$(post POST /components "{\"component\":{\"name\":\"$c\"}}" | jq -r .id)\","
done
post POST /component-groups "{\"component_group\":{\"name\":\"Channels\",\"components\":[${G_IDS%,}]}}" >/dev/null
P=$(post POST /components '{"component":{"name":"Platform"}}' | jq -r .id)
M=$(post POST /components '{"component":{"name":"Multiagent Panel"}}' | jq -r .id)
J=$(post POST /components '{"component":{"name":"https://jelou.ai"}}' | jq -r .id)
five() { printf '{"%s":"%s","%s":"%s","%s":"%s","%s":"%s","%s":"%s"}' "$W" "$1" "$(id_of WhatsApp)" "$1" \
	"$(id_of "Facebook Messenger")" "$1" "$(id_of "Instagram Direct Messages")" "$1" "$(id_of "Facebook Feed")" "$1"; }
V0=$(post POST /incidents "{\"incident\":{\"name\":\"🚨 Platform Service Interruption\",\"status\":\"investigating\",\"display_at\":\"2026-03-16T08:50:00-05:00\",\"body\":\"We are currently experiencing a service disruption affecting the platform functionality.\",\"components\":$(five major_outage)}}" | jq -r .id)
post PATCH "/incidents/$V0" "{\"incident\":{\"status\":\"monitoring\",\"display_at\":\"2026-03-16T12:51:00-05:00\",\"body\":\"We implemented a fix and are currently monitoring the result.\",\"components\":$(five operational)}}" > "$T/out"
assert_eq "v1 ref 0: resolving keeps the impact" "critical" \
	"$(post PATCH "/incidents/$V0" '{"incident":{"status":"resolved","display_at":"2026-03-16T19:36:00Z","body":"This incident has been resolved."}}' | jq -r .impact)"
V3=$(post POST /incidents "{\"incident\":{\"name\":\"Intermittent Messaging Disruptions\",\"status\":\"investigating\",\"display_at\":\"2026-03-12T14:47:00-05:00\",\"components\":{\"$P\":\"degraded_performance\",\"$M\":\"degraded_performance\"}}}" | jq -r .id)
post PATCH "/incidents/$V3" '{"incident":{"status":"identified","display_at":"2026-03-12T15:10:00-05:00"}}' >/dev/null
post PATCH "/incidents/$V3" "{\"incident\":{\"status\":\"monitoring\",\"display_at\":\"2026-03-12T15:52:00-05:00\",\"components\":{\"$P\":\"operational\",\"$M\":\"operational\"}}}" >/dev/null
post PATCH "/incidents/$V3" '{"incident":{"status":"resolved","display_at":"2026-03-12T19:06:00-05:00"}}' >/dev/null
V4=$(post POST /incidents "{\"incident\":{\"name\":\"Authentication Service Degradation\",\"backfilled\":true,\"backfill_date\":\"2026-03-22T05:00:00-05:00\",\"impact_override\":\"minor\",\"components\":{\"$W\":\"operational\",\"$J\":\"operational\"}}}" | jq -r .id)
assert_eq "v1 ref 4: backfilled with components" "resolved 2" \
	"$(curl -s -H "Authorization: OAuth $TOK" "$V/incidents/$V4" | jq -r '.status + " " + (.components | length | tostring)')"
ref_pages v1 "v1:" "$V0" "$V3" "$V4"

# ================= 3. back-dated entries never overwrite a later state =================
LIVE=$(cli cli incident open --name "Live trouble" --status investigating --component Website=partial_outage)
OLD=$(cli cli incident open --name "An old outage" --status investigating --at "2026-02-10 09:00" --component Website=major_outage)
check "old incident resolved in February" cli cli incident resolve "$OLD" --at "2026-02-10 11:00"
assert_eq "back-dated: Website keeps the live partial outage" "partial_outage" \
	"$(cli cli component list --json | jq -r '.[] | select(.name == "Website") | .status')"
assert_eq "back-dated: the February update's old_status is the status then" "operational>major_outage" \
	"$(cli cli incident show "$OLD" --json | jq -r '.updates[0].affected[0] | .old_status + ">" + .new_status')"
assert_eq "back-dated: the February resolution restored operational then" "major_outage>operational" \
	"$(cli cli incident show "$OLD" --json | jq -r '.updates[1].affected[0] | .old_status + ">" + .new_status')"
check "live incident resolved" cli cli incident resolve "$LIVE"
assert_eq "resolve restores the live status" "operational" \
	"$(cli cli component list --json | jq -r '.[] | select(.name == "Website") | .status')"

# ================= 4. a component status outside an incident, at a time =================
check "component set --status --at (no incident)" cli cli component set Platform --status degraded_performance --at "2026-03-31 11:00"
assert_eq "outside an incident: current status" "degraded_performance" \
	"$(cli cli component list --json | jq -r '.[] | select(.name == "Platform") | .status')"
check_fails "component set --at without --status" cli cli component set Platform --at "2026-03-31 11:00"
check_fails "component set: unknown name" cli cli component set "No such thing" --status operational

# ================= 5. display_at edits are checked =================
U=$(curl -s -H "Authorization: OAuth $TOK" "$V/incidents/$V3" | jq -r '.incident_updates | sort_by(.display_at) | .[1].id')
edit() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $TOK" -H "Content-Type: application/json" \
	-X PATCH "$V/incidents/$V3/incident_updates/$U" -d "{\"incident_update\":{\"display_at\":\"$1\"}}"; }
assert_eq "display_at in the future: 422" 422 "$(edit 2030-01-01T00:00:00Z)"
assert_eq "display_at before the previous update: 422" 422 "$(edit 2020-01-01T00:00:00Z)"
assert_eq "display_at after the next update: 422" 422 "$(edit 2026-03-12T23:00:00Z)"
assert_eq "display_at between its neighbours: 200" 200 "$(edit 2026-03-12T15:20:00-05:00)"
U1=$(curl -s -H "Authorization: OAuth $TOK" "$V/incidents/$V3" | jq -r '.incident_updates | sort_by(.display_at) | .[0].id')
curl -s -o /dev/null -H "Authorization: OAuth $TOK" -H "Content-Type: application/json" -X PATCH \
	"$V/incidents/$V3/incident_updates/$U1" -d '{"incident_update":{"display_at":"2026-03-12T14:57:00-05:00"}}'
assert_contains "moving the first update moves the start and the status log" "$(text v1 "/incidents/$V3")" \
	"Degraded performance from 2:57 PM to 3:52 PM"

# ================= 6. the maintenance lifecycle, on the primary =================
MW=$(cli cli maintenance schedule --name "Database upgrade" --from "2026-03-31 06:00" --until "2026-03-31 07:00" \
	--component "Multiagent Panel")
MS=$(cli cli maintenance schedule --name "Long window" --from "2026-03-31 09:00" --until "2026-04-01 09:00" --component Platform)
MO=$(cli cli maintenance schedule --name "Manual start" --from "2026-03-31 08:00" --until "2026-04-02 09:00" \
	--auto-start no --component Website)
done_mw() { [ "$(cli cli maintenance list --json | jq -r --arg i "$MW" '.[] | select(.id == $i) | .status')" = completed ]; }
wait_for done_mw; wait_for done_mw
assert_eq "window over: completed by the scheduler" "completed" \
	"$(cli cli maintenance list --json | jq -r --arg i "$MW" '.[] | select(.id == $i) | .status')"
cli cli incident show "$MW" --json > "$T/mw"
assert_eq "window over: In progress then Completed updates, at the window's edges" \
	"scheduled in_progress completed" "$(jq -r '[.updates[].status] | join(" ")' "$T/mw")"
assert_eq "window over: components under maintenance during the window, operational after" \
	"under_maintenance operational" "$(jq -r '[.updates[1,2].affected[0].new_status] | join(" ")' "$T/mw")"
# scheduled after its window ended: the automatic updates come right after the scheduling one (order kept)
assert_eq "window over: automatic updates keep the update order" "true" \
	"$(jq '.updates[0].display_at <= .updates[1].display_at and .updates[1].display_at <= .updates[2].display_at' "$T/mw")"
assert_eq "window open: in progress" "in_progress" \
	"$(cli cli maintenance list --json | jq -r --arg i "$MS" '.[] | select(.id == $i) | .status')"
assert_eq "window open: component under maintenance" "under_maintenance" \
	"$(cli cli component list --json | jq -r '.[] | select(.name == "Platform") | .status')"
assert_eq "auto start off: stays scheduled" "scheduled" \
	"$(cli cli maintenance list --json | jq -r --arg i "$MO" '.[] | select(.id == $i) | .status')"
assert_eq "scheduler changes are audited as system:scheduler" "true" \
	"$(cli cli audit --json | jq '[.[] | select(.who == "system:scheduler")] | length >= 3')"
N1=$(cli cli audit --json --limit 100000 | jq length)
sleep 3
assert_eq "scheduler is idempotent (nothing more written)" "$N1" "$(cli cli audit --json --limit 100000 | jq length)"

assert_not_contains "no sanitizer or crash reports" "$(cat "$T"/*/log 2>/dev/null)" "ERROR: AddressSanitizer"
bk_done
