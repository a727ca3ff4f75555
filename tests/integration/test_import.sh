# test_import.sh: `beacon import statuspage` (DIR, FILE, URL) and `beacon export` end to end: the store and the
# public v2 API through real nginx match the Statuspage fixtures, bad input changes nothing, re-import is idempotent,
# and export -> import into a fresh store reproduces the same public JSON.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/statuspage"
FILES="summary incidents scheduled-maintenances"

# ---- helpers ----
# node NAME : an initialised store with its own config in $T/NAME (not served yet).
node() {
	mkdir -p "$T/$1/store"
	bk_make_conf "$T/$1/beacon.conf" "$T/$1/store" "$T/$1/beacon.sock"
	"$BEACON" --config "$T/$1/beacon.conf" init >/dev/null || { echo "# init $1 failed"; exit 1; }
}
cli() { local n=$1; shift; "$BEACON" --config "$T/$n/beacon.conf" "$@"; }
# serve NAME : beacon + nginx for node NAME; sets URL_<NAME>.
serve() {
	bk_start_serve "$T/$1/beacon.conf" "$T/$1/beacon.sock" "$T/$1/beacon.log" || exit 1
	bk_start_nginx "$T/$1/beacon.sock" "nginx-$1" || exit 1
	eval "URL_$1=\$NGINX_URL"
}
# assert_json_eq DESC EXPECTED ACTUAL : canonical JSON equality, with a diff on failure.
assert_json_eq() {
	local a b
	a=$(printf '%s' "$2" | jq -S . 2>&1); b=$(printf '%s' "$3" | jq -S . 2>&1)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$1"; else
		not_ok "$1" "$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -30 | tr '\n' '|')"; fi
}
# state NAME : everything a failed import must leave alone: the exported JSON and the audit log.
state() {
	rm -rf "$T/state.tmp"
	cli "$1" export "$T/state.tmp" >/dev/null || echo "export failed"
	cat "$T/state.tmp"/*.json
	cli "$1" audit --json --limit 1000 | jq -c 'length, .[0]'
}
# run_import NAME ARGS... : sets RC, ERR (stderr) and OUT (stdout).
run_import() {
	local n=$1; shift
	OUT=$(cli "$n" import statuspage "$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err")
	cat "$T/err" >> "$T/all-stderr"
}

JQDEFS='def ms: if . == null then 0 else capture("^(?<s>[^.]+)\\.(?<f>[0-9]{3})Z$") as $m
	| (($m.s + "Z") | fromdateiso8601) * 1000 + ($m.f | tonumber) end;
def exp_inc: {id, name, status, impact, created_at: (.created_at|ms), started_at: (.started_at|ms),
	monitoring_at: (.monitoring_at|ms), resolved_at: (.resolved_at|ms), components: ([.components[]?.id] | sort),
	updates: ([.incident_updates[]? | {id, status, body, display_at: (.display_at|ms), created_at: (.created_at|ms),
		affected: [(.affected_components // [])[] | {component_id: .code, old_status, new_status}]}] | sort_by(.display_at))}
	+ (if .scheduled_for then {scheduled_for: (.scheduled_for|ms), scheduled_until: (.scheduled_until|ms)} else {} end);
def got_inc: {id, name, status, impact, created_at, started_at, monitoring_at, resolved_at, components: (.components | sort),
	updates: ([.updates[] | {id, status, body, display_at, created_at, affected}] | sort_by(.display_at))}
	+ (if .maintenance then {scheduled_for, scheduled_until} else {} end);
def public: del(.page) | walk(if type == "object" then del(.updated_at, .page_id, .shortlink, .deliver_notifications) else . end);'
jqf() { local f=$1; shift; jq -c "$JQDEFS $f" "$@"; }

# What the fixtures say the store must hold.
EXP_COMPS=$(jqf '[.components[] | select(.group | not) | {id, name, status, description, position, group_id, showcase,
	only_show_if_degraded, start_date}] | sort_by(.id)' "$FIX/summary.json")
EXP_GROUPS=$(jqf '[.components[] | select(.group) | {id, name, description, position, members: (.components | sort)}] | sort_by(.id)' \
	"$FIX/summary.json")
EXP_INCS=$(jq -s -c '[.[].incidents // [] | .[]] | unique_by(.id)' "$FIX/summary.json" "$FIX/incidents.json" | jqf '[.[] | exp_inc]')
EXP_MAINTS=$(jq -s -c '[.[].scheduled_maintenances // [] | .[]] | unique_by(.id)' "$FIX/summary.json" \
	"$FIX/scheduled-maintenances.json" | jqf '[.[] | exp_inc]')
# Sanity: the fixture really has what the checks below rely on.
assert_eq "fixture: 4 components, 1 group, 3 incidents, 2 maintenances, 12 updates" "4 1 3 2 12" \
	"$(echo "$EXP_COMPS" | jq length) $(echo "$EXP_GROUPS" | jq length) $(echo "$EXP_INCS" | jq length) $(echo "$EXP_MAINTS" | jq length) $(echo "$EXP_INCS $EXP_MAINTS" | jq -s '[.[][].updates | length] | add')"

# What a node's store holds, in the same shapes (CLI --json, times in epoch ms).
got_comps() { cli "$1" component list --json | jq -c '[.[] | {id, name, status, description, position, group_id: (.group_id // null),
	showcase, only_show_if_degraded, start_date}] | sort_by(.id)'; }
got_groups() {
	jq -n -c --argjson g "$(cli "$1" group list --json)" --argjson c "$(cli "$1" component list --json)" \
		'[$g[] | .id as $id | {id, name, description, position, members: ([$c[] | select(.group_id == $id) | .id] | sort)}] | sort_by(.id)'
}
got_incs() {   # $2: incident or maintenance
	local id
	for id in $(cli "$1" "$2" list --json --limit 1000 | jq -r '.[].id'); do cli "$1" incident show "$id" --json; done |
		jq -s -c "$JQDEFS [.[] | got_inc] | sort_by(.id)"
}
check_store() {   # NAME LABEL
	assert_json_eq "$2: components (names, statuses, descriptions, positions, groups)" "$EXP_COMPS" "$(got_comps "$1")"
	assert_json_eq "$2: groups and their members" "$EXP_GROUPS" "$(got_groups "$1")"
	assert_json_eq "$2: incidents with every update (status, body, display/created times, affected)" \
		"$(echo "$EXP_INCS" | jq -c 'sort_by(.id)')" "$(got_incs "$1" incident)"
	assert_json_eq "$2: scheduled maintenances with every update and window" \
		"$(echo "$EXP_MAINTS" | jq -c 'sort_by(.id)')" "$(got_incs "$1" maintenance)"
}
# check_public URL LABEL [PAGE_ID] : the served v2 files match the fixtures; with PAGE_ID, the page object is the
# source's name, URL and time zone with this store's own id (import --page).
check_public() {
	local f got
	for f in $FILES; do
		assert_status "$2: GET /api/v2/$f.json through nginx" 200 "$1/api/v2/$f.json"
		got=$(cat "$T/body")
		assert_json_eq "$2: /api/v2/$f.json matches the fixture (names, statuses, bodies, times, order)" \
			"$(jqf public "$FIX/$f.json")" "$(printf '%s' "$got" | jqf public)"
		if [ -n "${3:-}" ]; then
			assert_json_eq "$2: $f.json page is the source's name, URL, time zone and id" \
				"$(jq -c --arg id "$3" '.page | del(.updated_at) | .id = $id' "$FIX/$f.json")" \
				"$(printf '%s' "$got" | jq -c '.page | del(.updated_at)')"
		fi
	done
}

# ---- 1. import the fixture DIR into a fresh store ----
node main
run_import main "$FIX"
assert_eq "import DIR: exit 0" 0 "$RC"
assert_eq "import DIR: reports what it imported" "imported 1 groups, 4 components, 3 incidents, 2 maintenances, 12 updates" "$OUT"
check_store main "import DIR"
assert_contains "import DIR: audited" "$(cli main audit --json | jq -r '.[0] | .who + " " + .action + " " + .detail')" "import import.statuspage $FIX: "

# ---- 2. idempotent re-import (documented in the usage text) ----
assert_contains "usage text documents re-import" "$(cli main import statuspage --help 2>&1)" "importing again is idempotent"
EXPORT1=$(cli main export "$T/exp1" >/dev/null && jq -c -s 'walk(if type == "object" then del(.updated_at) else . end)' "$T/exp1"/*.json)
run_import main "$FIX"
assert_eq "re-import: exit 0 with the same counts" "0 imported 1 groups, 4 components, 3 incidents, 2 maintenances, 12 updates" "$RC $OUT"
check_store main "re-import"
cli main export "$T/exp2" >/dev/null
assert_json_eq "re-import: exported page identical apart from updated_at (nothing duplicated)" "$EXPORT1" \
	"$(jq -c -s 'walk(if type == "object" then del(.updated_at) else . end)' "$T/exp2"/*.json)"

# ---- 3. bad input: clear error, exit 1 (2 for usage), store unchanged ----
BAD="$T/bad"; mkdir -p "$BAD/nosummary" "$BAD/late"
cp "$FIX/incidents.json" "$BAD/nosummary/"
printf '{"components": [' > "$BAD/malformed.json"
echo '[{"id": "abc"}]' > "$BAD/array.json"
echo '{"page": {"id": "x"}}' > "$BAD/empty.json"
echo '{"incidents": {"id": "x"}}' > "$BAD/incobj.json"
echo '{"components": ["abc"]}' > "$BAD/compstr.json"
echo '{"components": [{"id": "abc123", "status": "operational"}]}' > "$BAD/noname.json"
echo '{"components": [{"id": "abc123", "name": "New", "status": "purple"}]}' > "$BAD/badstatus.json"
echo '{"components": [{"id": "abc123", "name": "New", "status": "operational", "position": "first"}]}' > "$BAD/badpos.json"
echo '{"incidents": [{"id": "abc123", "name": "I", "status": "investigating", "created_at": "yesterday"}]}' > "$BAD/badtime.json"
echo '{"incidents": [{"id": "abc123", "name": "I", "status": "investigating", "incident_updates": "none"}]}' > "$BAD/badupd.json"
printf '{"components": [], "incidents": [], "x": 1, "x": 2}' > "$BAD/dupkey.json"
truncate -s 40M "$BAD/huge.json"       # sparse: refused by size before it is read
# Everything renamed, and the very last update invalid: the renames must all roll back.
jq '.components[].name |= "Renamed " + .' "$FIX/summary.json" > "$BAD/late/summary.json"
jq '.incidents[].name |= "Renamed " + .' "$FIX/incidents.json" > "$BAD/late/incidents.json"
jq '.scheduled_maintenances[-1].incident_updates[0].status = "bogus"' "$FIX/scheduled-maintenances.json" \
	> "$BAD/late/scheduled-maintenances.json"
BEFORE=$(state main)
badcase() {   # DESC EXPECTED-RC EXPECTED-MESSAGE-PART ARGS...
	local d=$1 want=$2 msg=$3; shift 3
	run_import main "$@"
	assert_eq "bad input ($d): exit $want" "$want" "$RC"
	assert_contains "bad input ($d): says why" "$ERR" "$msg"
	assert_eq "bad input ($d): nothing on stdout" "" "$OUT"
}
badcase "missing path" 1 "No such file or directory" "$BAD/absent"
badcase "DIR without summary.json" 1 "summary.json: No such file or directory" "$BAD/nosummary"
badcase "malformed JSON" 1 "malformed.json:1: malformed JSON" "$BAD/malformed.json"
badcase "top level is an array" 1 "not a JSON object" "$BAD/array.json"
badcase "no v2 lists at all" 1 "not a Statuspage v2 document" "$BAD/empty.json"
badcase "incidents is an object" 1 '"incidents" is not an array' "$BAD/incobj.json"
badcase "component is a string" 1 '"components" item 0 is not an object' "$BAD/compstr.json"
badcase "component without a name" 1 'component abc123: missing "name"' "$BAD/noname.json"
badcase "unknown component status" 1 "component abc123: unknown status" "$BAD/badstatus.json"
badcase "position not a number" 1 '"position" is not a whole number' "$BAD/badpos.json"
badcase "bad time" 1 "created_at: not an ISO-8601 time" "$BAD/badtime.json"
badcase "incident_updates not a list" 1 '"incident_updates" is not an array' "$BAD/badupd.json"
badcase "duplicate key" 1 "duplicate object key" "$BAD/dupkey.json"
badcase "oversized file" 1 "larger than 33554432 bytes" "$BAD/huge.json"
badcase "invalid last update after good renames" 1 "update c3v5b7n9m1k3: unknown status" "$BAD/late"
badcase "no argument" 2 "usage: beacon import statuspage"
badcase "two arguments" 2 "usage: beacon import statuspage" "$FIX" "$FIX"
badcase "unknown option" 2 "usage: beacon import statuspage" --merge "$FIX"
assert_json_eq "bad input: store unchanged (export and audit log identical)" \
	"$(printf '%s' "$BEFORE" | jq -s -c .)" "$(state main | jq -s -c .)"
assert_eq "bad input: no renamed component survived" "0" "$(cli main component list --json | jq '[.[] | select(.name | startswith("Renamed"))] | length')"
node empty
EMPTY_BEFORE=$(state empty)
run_import empty "$BAD/late"
assert_eq "failed import into a fresh store: exit 1" 1 "$RC"
assert_json_eq "failed import into a fresh store: still empty" "$(printf '%s' "$EMPTY_BEFORE" | jq -s -c .)" \
	"$(state empty | jq -s -c .)"
assert_eq "failed import into a fresh store: no components" 0 "$(cli empty component list --json | jq length)"

# ---- 3b. references Statuspage keeps to deleted components are dropped with a note, not fatal ----
node ghost
mkdir -p "$T/ghostsrc"
cp "$FIX/summary.json" "$FIX/scheduled-maintenances.json" "$T/ghostsrc/"
jq '(.incidents[] | select(.id == "r2m8v5c1x7zq") | .components) += [{"id": "zzdeleted001", "name": "Old SMTP"}]
	| (.incidents[] | select(.id == "r2m8v5c1x7zq") | .incident_updates[0].affected_components) +=
		[{"code": "zzdeleted001", "name": "Old SMTP", "old_status": "major_outage", "new_status": "operational"}]' \
	"$FIX/incidents.json" > "$T/ghostsrc/incidents.json"
run_import ghost "$T/ghostsrc"
assert_eq "deleted component references: import succeeds and counts the drops" \
	"0 imported 1 groups, 4 components, 3 incidents, 2 maintenances, 12 updates (2 references to unknown components dropped)" "$RC $OUT"
assert_contains "deleted component references: noted on stderr" "$ERR" \
	"incident r2m8v5c1x7zq update k3j5h7g9f1d3: dropped reference to unknown component zzdeleted001"
check_store ghost "deleted component references"
echo '{"components": [{"id": "abc123", "name": "New", "status": "operational", "group_id": "nosuchgroup"}]}' > "$BAD/badgroup.json"
GHOST_BEFORE=$(state ghost)
run_import ghost "$BAD/badgroup.json"
assert_eq "component in an unknown group: exit 1" 1 "$RC"
assert_contains "component in an unknown group: says why" "$ERR" '"group_id" nosuchgroup is not a group of this import'
assert_json_eq "component in an unknown group: store unchanged" "$(printf '%s' "$GHOST_BEFORE" | jq -s -c .)" "$(state ghost | jq -s -c .)"

# ---- 4. import from a URL (fixtures served by python3 http.server on 127.0.0.1) ----
WWW="$T/www"; mkdir -p "$WWW/good/api/v2" "$WWW/partial/api/v2" "$WWW/huge/api/v2" "$WWW/broken/api/v2"
cp "$FIX"/*.json "$WWW/good/api/v2/"
cp "$FIX/summary.json" "$WWW/partial/api/v2/"
truncate -s 40M "$WWW/huge/api/v2/summary.json"
printf '{"components": [' > "$WWW/broken/api/v2/summary.json"
HPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$WWW" "$HPORT" >"$T/http.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
H="http://127.0.0.1:$HPORT"
wait_for curl -sf -o /dev/null "$H/good/api/v2/summary.json" || { echo "# http.server did not start"; cat "$T/http.log"; exit 1; }
node web
# import --page brings the source's name, URL and zone only where the store owns them (settings.h)
sed -i '/^page_name\|^page_url\|^time_zone/d' "$T/web/beacon.conf"
WEB_PAGE_ID=$(jq -r .page.id "$FIX/summary.json")    # import --page keeps the Statuspage page id
LOGLINES=$(wc -l < "$T/http.log")
run_import web --page "$H/good"
assert_eq "import URL: exit 0" "0 imported 1 groups, 4 components, 3 incidents, 2 maintenances, 12 updates" "$RC $OUT"
check_store web "import URL"
assert_eq "import URL: fetched the three files, once each" "GET /good/api/v2/incidents.json 200|GET /good/api/v2/scheduled-maintenances.json 200|GET /good/api/v2/summary.json 200|" \
	"$(tail -n +$((LOGLINES + 1)) "$T/http.log" | sed -n 's#.*"\(GET [^ ]*\) HTTP/1\.[01]" \([0-9]*\) .*#\1 \2#p' | sort | tr '\n' '|')"
node web2
run_import web2 "$H/good/api/v2/"
assert_eq "import URL ending in /api/v2/: same result" "0 imported 1 groups, 4 components, 3 incidents, 2 maintenances, 12 updates" "$RC $OUT"
assert_json_eq "import URL ending in /api/v2/: same incidents" "$(got_incs web incident)" "$(got_incs web2 incident)"
node web3
run_import web3 "$H/partial"
assert_eq "import URL without incidents.json and scheduled-maintenances.json (404): summary only" \
	"0 imported 1 groups, 4 components, 1 incidents, 1 maintenances, 3 updates" "$RC $OUT"
run_import web3 "$H/good/api/v2/incidents.json"
assert_eq "import URL of one .json file: its incidents" "0 imported 0 groups, 0 components, 3 incidents, 0 maintenances, 8 updates" "$RC $OUT"
WEB3_BEFORE=$(state web3)
run_import web3 "$H/nothing"
assert_eq "import URL, summary 404: exit 1" 1 "$RC"
assert_contains "import URL, summary 404: says so" "$ERR" "/nothing/api/v2/summary.json: HTTP 404"
run_import web3 "$H/huge"
assert_eq "import URL, oversized summary: exit 1" 1 "$RC"
assert_contains "import URL, oversized summary: says so" "$ERR" "larger than 33554432 bytes"
run_import web3 "$H/broken"
assert_eq "import URL, malformed JSON: exit 1" 1 "$RC"
assert_contains "import URL, malformed JSON: says so" "$ERR" "summary.json:1: malformed JSON"
run_import web3 "http://127.0.0.1:$(free_port)/"
assert_eq "import URL, connection refused: exit 1" 1 "$RC"
assert_contains "import URL, connection refused: says so" "$ERR" "Connection refused"
assert_json_eq "import URL failures: store unchanged" "$(printf '%s' "$WEB3_BEFORE" | jq -s -c .)" "$(state web3 | jq -s -c .)"

# ---- 5. the imported pages serve the fixtures' content through nginx ----
serve main
check_public "$URL_main" "served after DIR import"
serve web
check_public "$URL_web" "served after URL import --page" "$WEB_PAGE_ID"
# import keeps updated_at (feed readers must not see all history as new)
assert_json_eq "import keeps every incident's updated_at" \
	"$(jq -c '[.incidents[] | {id, updated_at}] | sort_by(.id)' "$FIX/incidents.json")" \
	"$(curl -s "$URL_web/api/v2/incidents.json" | jq -c '[.incidents[] | {id, updated_at}] | sort_by(.id)')"
# the Statuspage page id is kept: migrated v1 scripts keep their URLs
WEB_TOKEN=$(cli web token create --scope read --name migrated)
assert_eq "v1 with the Statuspage page id" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $WEB_TOKEN" "$URL_web/v1/pages/$WEB_PAGE_ID/components")"

# ---- 6. export, and re-import of the export into a third store ----
rm -rf "$T/export"
check "export DIR: exit 0" cli main export "$T/export"
for f in $FILES; do
	check "export: $f.json is JSON" jq -e . "$T/export/$f.json"
done
assert_eq "export: summary.json has the v2 summary keys" '["components","incidents","page","scheduled_maintenances","status"]' \
	"$(jq -c 'keys' "$T/export/summary.json")"
assert_eq "export: incidents.json has every incident" '["h4c9x2v7n1qa","r2m8v5c1x7zq","t5bq8n2wz6kd"]' \
	"$(jq -c '[.incidents[].id] | sort' "$T/export/incidents.json")"
assert_eq "export: scheduled-maintenances.json has every maintenance" '["d2k5p8s1v4yb","m6zt1k9d3wqe"]' \
	"$(jq -c '[.scheduled_maintenances[].id] | sort' "$T/export/scheduled-maintenances.json")"
curl -s --max-time 10 "$URL_main/api/v2/summary.json" > "$T/main-summary.json"
assert_json_eq "export: summary.json equals the served one" "$(jqf public "$T/main-summary.json")" \
	"$(jqf public "$T/export/summary.json")"
node third
run_import third "$T/export"
assert_eq "round trip: import of the export" "0 imported 1 groups, 4 components, 3 incidents, 2 maintenances, 12 updates" "$RC $OUT"
check_store third "round trip"
serve third
for f in $FILES; do
	assert_status "round trip: GET /api/v2/$f.json" 200 "$URL_third/api/v2/$f.json"
	cp "$T/body" "$T/third-$f.json"
	curl -s --max-time 10 "$URL_main/api/v2/$f.json" > "$T/main-$f.json"
	assert_json_eq "round trip: third store's public $f.json equals the first's" \
		"$(jqf public "$T/main-$f.json")" "$(jqf public "$T/third-$f.json")"
done
assert_json_eq "round trip: and equals the original fixture summary" "$(jqf public "$FIX/summary.json")" \
	"$(jqf public "$T/third-summary.json")"

# ---- sanitizer builds: no reports from the CLI or the servers ----
assert_eq "no sanitizer or crash reports" "" \
	"$(cat "$T/all-stderr" "$T"/*/beacon.log 2>/dev/null | grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' | head -5)"

bk_done
