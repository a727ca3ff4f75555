#!/bin/bash
# test_equivalence.sh: one write path. The same random sequence of changes (components, a group,
# incidents opened, updated and resolved at past times, component statuses outside incidents) applied
# through v1 on one store and through the CLI on another gives the same store (exports compared with
# ids replaced by names) and the same pages; importing the CLI store's export into a third store gives
# that store again. Every beacon runs under faketime; SEED picks the sequence (printed).
. "$(dirname "$0")/lib.sh"
# every beacon process on one faketime clock from 2026-03-31 17:00 UTC (12:00 in the page's zone)
bk_faketime '2026-03-31 17:00:00'
SEED=${SEED:-$(( $(date +%s) % 100000 ))}
echo "# SEED=$SEED"
RANDOM=$SEED

node() {
	local n=$1 d="$T/$1"
	mkdir -p "$d/store"
	bk_make_conf "$d/beacon.conf" "$d/store" "$d/sock"
	sed -i 's#^time_zone = UTC#time_zone = America/Guayaquil#' "$d/beacon.conf"
	"$BEACON" --config "$d/beacon.conf" init > "$d/token" || { echo "# init failed"; exit 1; }
	bk_start_serve "$d/beacon.conf" "$d/sock" "$d/log" || exit 1
	bk_start_nginx "$d/sock" "nginx-$n" || exit 1
	eval "URL_$n=\$NGINX_URL"
}
cli() { local n=$1; shift; "$BEACON" --config "$T/$n/beacon.conf" "$@"; }
node v1
node cli
node imp
TOK=$(cat "$T/v1/token")
PAGE=$(curl -s -H "Authorization: OAuth $TOK" "$URL_v1/v1/pages" | jq -r '.[0].id')
V="$URL_v1/v1/pages/$PAGE"
FAILED_WRITES=0
api() {
	local code
	code=$(curl -s -o "$T/api.out" -w '%{http_code}' -H "Authorization: OAuth $TOK" -H "Content-Type: application/json" \
		-X "$1" "$V$2" -d "$3")
	case "$code" in 2*) ;; *) FAILED_WRITES=$((FAILED_WRITES + 1)); echo "# v1 $1 $2: $code $(head -c 300 "$T/api.out")" >&2;; esac
	cat "$T/api.out"
}
clirun() { cli cli "$@" > "$T/cli.out" 2>&1 || { FAILED_WRITES=$((FAILED_WRITES + 1)); echo "# cli $*: $(cat "$T/cli.out")" >&2; }; cat "$T/cli.out"; }

# ---- the sequence ----
NAMES=("Website" "API" "WhatsApp" "Messenger" "Dashboard")
STATUSES=(operational degraded_performance partial_outage major_outage)
declare -A VID          # component name -> v1 id
for c in "${NAMES[@]}"; do
	VID[$c]=$(api POST /components "{\"component\":{\"name\":\"$c\"}}" | jq -r .id)
	clirun component add --name "$c" >/dev/null
done
api POST /component-groups "{\"component_group\":{\"name\":\"Channels\",\"components\":[\"${VID[WhatsApp]}\",\"${VID[Messenger]}\"]}}" >/dev/null
clirun group add --name Channels >/dev/null
clirun component set WhatsApp --group Channels >/dev/null
clirun component set Messenger --group Channels >/dev/null

# times: every step 23 to 90 minutes after the last one, starting 2026-03-20 08:00 in the page's zone
T_MS=$(( $(TZ=America/Guayaquil date -d '2026-03-20 08:00' +%s) ))
OPEN_V=(); OPEN_C=(); OPEN_N=()
step_time() { T_MS=$(( T_MS + (23 + RANDOM % 68) * 60 )); }
local_time() { TZ=America/Guayaquil date -d "@$T_MS" '+%Y-%m-%d %H:%M'; }
iso_time() { date -u -d "@$T_MS" '+%Y-%m-%dT%H:%M:00Z'; }
# pick_components: sets PICK (names) and PST (statuses) for 1..3 random components
pick_components() {
	PICK=(); PST=()
	local k=$(( 1 + RANDOM % 3 )) i c
	for ((i = 0; i < k; i++)); do
		c=${NAMES[$(( RANDOM % ${#NAMES[@]} ))]}
		[[ " ${PICK[*]} " == *" $c "* ]] && continue
		PICK+=("$c"); PST+=("${STATUSES[$(( RANDOM % 4 ))]}")
	done
}
v1_components() { local i s=""; for i in "${!PICK[@]}"; do s="$s\"${VID[${PICK[$i]}]}\":\"${PST[$i]}\","; done; echo "{${s%,}}"; }
cli_components() { local i; CARGS=(); for i in "${!PICK[@]}"; do CARGS+=(--component "${PICK[$i]}=${PST[$i]}"); done; }

for step in $(seq 1 14); do
	step_time
	op=$(( RANDOM % 10 ))
	if [ ${#OPEN_V[@]} -eq 0 ] || [ $op -lt 3 ]; then
		pick_components
		name="Incident $step"
		impact=""; [ $(( RANDOM % 4 )) -eq 0 ] && impact=minor
		body="Step $step: we are looking into it."
		OPEN_V+=("$(api POST /incidents "{\"incident\":{\"name\":\"$name\",\"status\":\"investigating\",\"body\":\"$body\",\"display_at\":\"$(iso_time)\",${impact:+\"impact_override\":\"$impact\",}\"components\":$(v1_components)}}" | jq -r .id)")
		cli_components
		OPEN_C+=("$(clirun incident open --name "$name" --status investigating --body "$body" --at "$(local_time)" ${impact:+--impact $impact} "${CARGS[@]}")")
		OPEN_N+=("$name")
	elif [ $op -lt 6 ]; then
		i=$(( RANDOM % ${#OPEN_V[@]} ))
		pick_components
		st=$([ $(( RANDOM % 2 )) -eq 0 ] && echo identified || echo monitoring)
		body="Step $step: $st."
		api PATCH "/incidents/${OPEN_V[$i]}" "{\"incident\":{\"status\":\"$st\",\"body\":\"$body\",\"display_at\":\"$(iso_time)\",\"components\":$(v1_components)}}" >/dev/null
		cli_components
		clirun incident update "${OPEN_C[$i]}" --status "$st" --body "$body" --at "$(local_time)" "${CARGS[@]}" >/dev/null
	elif [ $op -lt 9 ]; then
		i=$(( RANDOM % ${#OPEN_V[@]} ))
		body="Step $step: resolved."
		api PATCH "/incidents/${OPEN_V[$i]}" "{\"incident\":{\"status\":\"resolved\",\"body\":\"$body\",\"display_at\":\"$(iso_time)\"}}" >/dev/null
		clirun incident resolve "${OPEN_C[$i]}" --body "$body" --at "$(local_time)" >/dev/null
		unset "OPEN_V[$i]" "OPEN_C[$i]" "OPEN_N[$i]"
		OPEN_V=("${OPEN_V[@]}"); OPEN_C=("${OPEN_C[@]}"); OPEN_N=("${OPEN_N[@]}")
	else
		c=${NAMES[$(( RANDOM % ${#NAMES[@]} ))]}
		s=${STATUSES[$(( RANDOM % 4 ))]}
		api PATCH "/components/${VID[$c]}" "{\"component\":{\"status\":\"$s\"}}" >/dev/null
		clirun component set "$c" --status "$s" >/dev/null
	fi
done
assert_eq "every write of the sequence was accepted by both front ends" 0 "$FAILED_WRITES"

# ---- the stores ----
# normal DIR : the export with every id replaced by its object's name, wall-clock stamps dropped
normal() {
	jq -s -c '
	  (.[0].components | map({key: .id, value: .name}) | from_entries) as $cn |
	  ([.[1].incidents[]?, .[2].scheduled_maintenances[]?] | map({key: .id, value: .name}) | from_entries) as $in |
	  def name($m): if type == "string" and $m[.] then $m[.] else . end;
	  def clean: walk(if type == "object" then
	      del(.updated_at, .page_id, .shortlink, .id, .incident_id, .page)
	      | (if has("position") then del(.created_at) else . end)
	      | (if has("group_id") then .group_id |= name($cn) else . end)
	      | (if has("code") then .code |= name($cn) else . end)
	      | (if has("components") and (.components | type) == "array" and (.components | all(type == "string"))
	         then .components |= map(name($cn)) else . end)
	    else . end);
	  [ (.[0].components | map(del(.created_at)) | sort_by(.name)),
	    ([.[1].incidents[]?] | sort_by(.name)),
	    ([.[2].scheduled_maintenances[]?] | sort_by(.name)) ] | clean' \
	  "$1/summary.json" "$1/incidents.json" "$1/scheduled-maintenances.json"
}
cli v1 export "$T/exp-v1" >/dev/null
cli cli export "$T/exp-cli" >/dev/null
NV=$(normal "$T/exp-v1"); NC=$(normal "$T/exp-cli")
[ "$NV" = "$NC" ] && ok "v1 and CLI give the same store" || {
	not_ok "v1 and CLI give the same store" "diff: $(diff <(printf '%s' "$NV" | jq .) <(printf '%s' "$NC" | jq .) | head -40)"; }
assert_ne "the sequence made incidents" "0" "$(jq '.incidents | length' "$T/exp-cli/incidents.json")"
assert_eq "import of the CLI store's export" 0 "$(cli imp import statuspage "$T/exp-cli" >/dev/null 2>&1; echo $?)"
cli imp export "$T/exp-imp" >/dev/null
NI=$(normal "$T/exp-imp")
[ "$NI" = "$NC" ] && ok "import gives the same store" || {
	not_ok "import gives the same store" "diff: $(diff <(printf '%s' "$NC" | jq .) <(printf '%s' "$NI" | jq .) | head -40)"; }
assert_eq "import keeps the ids" "$(jq -c '[.incidents[].id] | sort' "$T/exp-cli/incidents.json")" \
	"$(jq -c '[.incidents[].id] | sort' "$T/exp-imp/incidents.json")"

# ---- the pages: each incident's page text, and the home page, with ids dropped ----
text() {
	local n=$1 p=$2
	SCRIPT_NAME=$p REQUEST_URI=$p REQUEST_METHOD=GET HTTP_HOST=127.0.0.1 cgi-fcgi -bind -connect "$T/$n/sock" 2>/dev/null |
		sed -e '1,/^\r*$/d' -e 's/<[^>]*>//g' -e 's/[a-z0-9]\{12\}/ID/g' | tr -s ' \n\t' ' '
}
same_pages=0
for name in $(jq -r '.incidents[].name | @base64' "$T/exp-cli/incidents.json"); do
	name=$(printf '%s' "$name" | base64 -d)
	iv=$(jq -r --arg n "$name" '.incidents[] | select(.name == $n) | .id' "$T/exp-v1/incidents.json")
	ic=$(jq -r --arg n "$name" '.incidents[] | select(.name == $n) | .id' "$T/exp-cli/incidents.json")
	pv=$(text v1 "/incidents/$iv"); pc=$(text cli "/incidents/$ic"); pi=$(text imp "/incidents/$ic")
	if [ "$pv" = "$pc" ] && [ "$pc" = "$pi" ]; then same_pages=$((same_pages + 1)); else
		not_ok "incident page of $name" "$(diff <(printf '%s\n' "$pv" | fold -w 120) <(printf '%s\n' "$pc" | fold -w 120) | head -10)"; fi
done
assert_eq "every incident page is the same through v1, CLI and import" \
	"$(jq '.incidents | length' "$T/exp-cli/incidents.json")" "$same_pages"
hv=$(text v1 /); hc=$(text cli /)
[ "$hv" = "$hc" ] && ok "home page is the same through v1 and CLI" || \
	not_ok "home page is the same through v1 and CLI" "$(diff <(printf '%s\n' "$hv" | fold -w 120) <(printf '%s\n' "$hc" | fold -w 120) | head -10)"
bk_done
