# test_api_v1.sh: the v1 management API through real nginx (and lighttpd / beacon's socket for body limits):
# round trips of pages, components, groups, incidents, updates, postmortems and maintenances; JSON, form,
# multipart and query-string bodies; errors that name the field and write nothing; auth variants and scopes;
# rate limiting per key; Idempotency-Key; the audit log of every write; the OpenAPI document.
. "$(dirname "$0")/lib.sh"

# The main node gets a limit no test run reaches; the rate-limit node below has a small one.
# nginx logs every request, so the audit log can be checked against every successful API write.
BK_NGINX_ACCESS_LOG="$T/access.log"
bk_default_setup "rate_limit_per_minute = 1000000"
BK_NGINX_ACCESS_LOG=off
MAIN_PID=$BK_SERVE_PID

WRITE_TOKEN=$(bk_cli token create --scope write --name writer) || { echo "# token create failed"; exit 1; }
READ_TOKEN=$(bk_cli token create --scope read --name reader) || { echo "# token create failed"; exit 1; }
AUTH="Authorization: OAuth $ADMIN_TOKEN"
WAUTH="Authorization: OAuth $WRITE_TOKEN"
JSON="Content-Type: application/json"
B="$T/body"

j() { jq -r "$@" "$B" 2>/dev/null; }
is_id() { case "$1" in [0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z]) return 0;; esac; return 1; }
audit_count() { bk_cli audit --limit 100000 --json | jq '[.[] | select(.who != "system:scheduler")] | length'; }   # the scheduler writes on its own
# get PATH: GET with the admin key, body to stdout.
get() { curl -s --max-time 10 -H "$AUTH" "$URL$1"; }
# Everything a write could change, as one line: audit entries, components, groups, incidents.
state() {
	printf '%s %s %s %s\n' "$(audit_count)" "$(get "$V/components" | md5sum)" \
		"$(get "$V/component-groups" | md5sum)" "$(get "$V/incidents?per_page=100" | md5sum)"
}
# err_case DESC CODE FIELD curl-args... : the status, a JSON {"error": "..."} naming FIELD, nothing written.
err_case() {
	local d=$1 code=$2 field=$3 before after; shift 3
	before=$(state)
	assert_status "$d: HTTP $code" "$code" "$@"
	if jq -e '(.error | type) == "string"' "$B" >/dev/null 2>&1; then
		assert_contains "$d: error names '$field'" "$(j .error)" "$field"
	else
		not_ok "$d: body is {\"error\": string}" "$(head -c 300 "$B")"
	fi
	after=$(state)
	assert_eq "$d: nothing written" "$before" "$after"
}
# wait_until DESC CMD... : polls CMD (10 s) for the nginx microcache or the clock, then asserts it.
wait_until() { local d=$1; shift; if wait_for "$@"; then ok "$d"; else not_ok "$d" "still false after 10 s: $*"; fi; }
# audit_has ACTION TARGET : the newest 50 audit entries hold action on target.
audit_has() { bk_cli audit --limit 50 --json | jq -e --arg a "$1" --arg t "$2" 'any(.[]; .action == $a and .target == $t)' >/dev/null; }

# ================= pages =================
assert_status "GET /v1/pages" 200 -H "$AUTH" "$URL/v1/pages"
PAGE=$(j '.[0].id')
assert_eq "GET /v1/pages: one page" 1 "$(j length)"
is_id "$PAGE" && ok "page id looks like an id" || not_ok "page id looks like an id" "[$PAGE]"
V="/v1/pages/$PAGE"
assert_status "GET page" 200 -H "$AUTH" "$URL$V"
assert_eq "GET page: id" "$PAGE" "$(j .id)"
assert_eq "GET page: name from the config" "Beacon Test" "$(j .name)"
assert_contains "GET page: JSON content type" "$(grep -i '^content-type' "$T/headers")" "application/json"
A0=$(audit_count)
# page_name, page_url and time_zone are set in beacon.conf, so they are the config's (test_settings.sh
# has a page whose settings the store owns)
err_case "PATCH of a config-owned name" 409 "page_name" -H "$AUTH" -H "$JSON" -X PATCH "$URL$V" \
	-d '{"page":{"name":"Renamed Page","time_zone":"Europe/Madrid","url":"https://status.example.com"}}'
err_case "PATCH of a config-owned time zone" 409 "'time_zone' in $CONF" -H "$AUTH" -H "$JSON" -X PATCH "$URL$V" \
	-d '{"page":{"time_zone":"Europe/Madrid"}}'
assert_status "PATCH page with the config's own values" 200 -H "$AUTH" -H "$JSON" -X PATCH "$URL$V" \
	-d '{"page":{"name":"Beacon Test","url":"http://127.0.0.1/"}}'
assert_eq "PATCH page: name in answer" "Beacon Test" "$(j .name)"
assert_status "PUT page (same as PATCH)" 200 -H "$AUTH" -H "$JSON" -X PUT "$URL$V" -d '{"page":{"time_zone":"UTC"}}'
assert_eq "PUT page: time_zone" "UTC" "$(j .time_zone)"
assert_eq "page writes audited" "$((A0 + 2))" "$(audit_count)"
check "audit: page.update by the admin key" audit_has page.updated "$PAGE"

# ================= components =================
assert_status "POST component (JSON)" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/components" \
	-d '{"component":{"name":"API","description":"REST endpoints","status":"operational"}}'
C1=$(j .id)
is_id "$C1" && ok "component id" || not_ok "component id" "[$C1]"
assert_eq "component create: name" "API" "$(j .name)"
assert_eq "component create: page_id" "$PAGE" "$(j .page_id)"
assert_eq "component create: showcase default true" "true" "$(j .showcase)"
check "audit: component.created" audit_has component.created "$C1"
assert_status "GET component" 200 -H "$AUTH" "$URL$V/components/$C1"
assert_eq "GET component: description" "REST endpoints" "$(j .description)"
assert_status "GET component with .json" 200 -H "$AUTH" "$URL$V/components/$C1.json"
assert_eq "GET component.json: id" "$C1" "$(j .id)"
# form-encoded, Rails boolean casting
assert_status "POST component (form, showcase=f)" 201 -H "$WAUTH" -X POST "$URL$V/components" \
	--data-urlencode 'component[name]=Web App' -d 'component[showcase]=f' -d 'component[description]='
C2=$(j .id)
assert_eq "form component: name" "Web App" "$(j .name)"
assert_eq "form component: showcase false" "false" "$(j .showcase)"
assert_eq "form component: empty description is null" "null" "$(j .description)"
# JSON without a Content-Type (yannh SDK), unwrapped attributes
assert_status "POST component (JSON, no Content-Type, unwrapped)" 201 -H "$WAUTH" -H "Content-Type:" -X POST \
	"$URL$V/components" --data-binary '{"name":"Database","status":"degraded_performance"}'
C3=$(j .id)
assert_eq "unwrapped component: status" "degraded_performance" "$(j .status)"
assert_status "POST component 4" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/components" -d '{"component":{"name":"Scratch"}}'
C4=$(j .id)
assert_status "GET components list" 200 -H "$AUTH" "$URL$V/components"
assert_eq "components list: 4 rows" 4 "$(j length)"
assert_eq "components list: ids" "$(printf '%s\n' "$C1" "$C2" "$C3" "$C4" | sort | tr '\n' ' ')" \
	"$(j '.[].id' | sort | tr '\n' ' ')"
assert_status "components list paging per_page=1&page=2" 200 -H "$AUTH" "$URL$V/components?per_page=1&page=2"
assert_eq "components paging: one row" 1 "$(j length)"
assert_status "components list past the end" 200 -H "$AUTH" "$URL$V/components?page=9"
assert_eq "components past the end: []" "[]" "$(j -c .)"
assert_status "PATCH component status" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/components/$C1" \
	-d '{"component":{"status":"partial_outage","description":null}}'
assert_eq "PATCH component: status" "partial_outage" "$(j .status)"
assert_eq "PATCH component: description cleared" "null" "$(j .description)"
assert_status "PUT component (partial, ?api_key=)" 200 -H "$JSON" -X PUT "$URL$V/components/$C1?api_key=$WRITE_TOKEN" \
	-d '{"component":{"name":"Public API"}}'
assert_eq "PUT component: name" "Public API" "$(j .name)"
assert_eq "PUT component: status untouched" "partial_outage" "$(j .status)"
assert_status "GET after PUT" 200 -H "$AUTH" "$URL$V/components/$C1"
assert_eq "GET after PUT: both changes kept" "Public API partial_outage" "$(j '.name + " " + .status')"
check "audit: component.updated" audit_has component.updated "$C1"
assert_status "DELETE component" 204 -H "$WAUTH" -X DELETE "$URL$V/components/$C4"
assert_eq "DELETE component: empty body" "" "$(cat "$B")"
assert_status "GET deleted component" 404 -H "$AUTH" "$URL$V/components/$C4"
check "audit: component.deleted" audit_has component.deleted "$C4"

# ================= component groups =================
assert_status "POST component-group with components" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/component-groups" \
	-d "{\"description\":\"outer\",\"component_group\":{\"name\":\"Backend\",\"components\":[\"$C3\",\"$C2\"]}}"
G=$(j .id)
assert_eq "group create: components in order" "$C3 $C2" "$(j '.components | join(" ")')"
assert_eq "group create: top-level description" "outer" "$(j .description)"
check "audit: group.created" audit_has group.created "$G"
assert_status "GET grouped component" 200 -H "$AUTH" "$URL$V/components/$C3"
assert_eq "grouped component: group_id" "$G" "$(j .group_id)"
assert_status "GET component-groups list" 200 -H "$AUTH" "$URL$V/component-groups"
assert_eq "groups list: the group" "$G" "$(j '.[0].id')"
assert_status "GET component_groups (underscore alias)" 200 -H "$AUTH" "$URL$V/component_groups.json"
assert_eq "underscore alias: same list" "$G" "$(j '.[0].id')"
assert_status "components list includes the group row" 200 -H "$AUTH" "$URL$V/components"
assert_eq "group row: group true" "true" "$(j '.[] | select(.id == "'"$G"'") | .group')"
assert_status "PATCH group: only C2" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/component-groups/$G" \
	-d "{\"component_group\":{\"components\":[\"$C2\"],\"description\":\"inner\"}}"
assert_eq "PATCH group: components" "$C2" "$(j '.components | join(" ")')"
assert_eq "PATCH group: inner description" "inner" "$(j .description)"
assert_status "released component" 200 -H "$AUTH" "$URL$V/components/$C3"
assert_eq "released component: group_id null" "null" "$(j .group_id)"
assert_status "PATCH component into the group (group_id)" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/components/$C1" \
	-d "{\"component\":{\"group_id\":\"$G\"}}"
assert_eq "component group_id set" "$G" "$(j .group_id)"
assert_status "group lists the joined component" 200 -H "$AUTH" "$URL$V/component-groups/$G"
assert_eq "group members after join" "$C2 $C1" "$(j '.components | join(" ")')"
assert_status "PATCH component group_id \"null\" (string)" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/components/$C1" \
	-d '{"component":{"group_id":"null"}}'
assert_eq "component left the group" "null" "$(j .group_id)"
assert_status "DELETE component-group" 200 -H "$WAUTH" -X DELETE "$URL$V/component-groups/$G"
assert_eq "DELETE group: returns the group" "$G" "$(j .id)"
assert_status "GET deleted group" 404 -H "$AUTH" "$URL$V/component-groups/$G"
assert_status "orphaned child" 200 -H "$AUTH" "$URL$V/components/$C2"
assert_eq "orphaned child: group_id null" "null" "$(j .group_id)"
check "audit: group.deleted" audit_has group.deleted "$G"
# a group whose last child is deleted goes with it; the inner description wins over the outer one
assert_status "POST component (lone child)" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/components" -d '{"component":{"name":"Lone"}}'
C5=$(j .id)
assert_status "POST group of one" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/component_groups" \
	-d "{\"description\":\"outer\",\"component_group\":{\"name\":\"Solo\",\"description\":\"inner\",\"components\":[\"$C5\"]}}"
G2=$(j .id)
assert_eq "group: inner description wins" "inner" "$(j .description)"
assert_status "DELETE the only child" 204 -H "$WAUTH" -X DELETE "$URL$V/components/$C5"
assert_status "group went with its last child" 404 -H "$AUTH" "$URL$V/component-groups/$G2"

# ================= incidents =================
bk_cli component set "$C1" --status operational >/dev/null
A0=$(audit_count)
assert_status "POST incident with components map and body" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d "{\"incident\":{\"name\":\"Checkout errors\",\"status\":\"identified\",\"body\":\"We see errors.\",\"components\":{\"$C1\":\"major_outage\"},\"component_ids\":[\"$C2\"],\"wants_twitter_update\":false}}"
I1=$(j .id)
is_id "$I1" && ok "incident id" || not_ok "incident id" "[$I1]"
assert_eq "incident create: status" "identified" "$(j .status)"
assert_eq "incident create: one update" 1 "$(j '.incident_updates | length')"
assert_eq "incident create: update body" "We see errors." "$(j '.incident_updates[0].body')"
assert_eq "incident create: impact from major_outage" "critical" "$(j .impact)"
assert_eq "incident create: affected C1 old->new" "operational>major_outage" \
	"$(j '.incident_updates[0].affected_components[] | select(.code == "'"$C1"'") | .old_status + ">" + .new_status')"
assert_eq "incident create: components listed" "$(printf '%s\n' "$C1" "$C2" | sort | tr '\n' ' ')" \
	"$(j '.components[].id' | sort | tr '\n' ' ')"
assert_eq "incident create: one audit entry" "$((A0 + 1))" "$(audit_count)"
check "audit: incident.created" audit_has incident.created "$I1"
assert_status "component status set by the incident" 200 -H "$AUTH" "$URL$V/components/$C1"
assert_eq "C1 is major_outage" "major_outage" "$(j .status)"
assert_status "GET incidents list" 200 -H "$AUTH" "$URL$V/incidents"
assert_eq "incident in list, newest first" "$I1" "$(j '.[0].id')"
assert_status "GET incidents/unresolved.json (v1)" 200 -H "$AUTH" "$URL$V/incidents/unresolved.json"
assert_eq "v1 unresolved holds it" "$I1" "$(j '.[0].id')"
assert_status "GET incident" 200 -H "$AUTH" "$URL$V/incidents/$I1"
assert_eq "GET incident: name" "Checkout errors" "$(j .name)"
v2_unresolved_has() { curl -s "$URL/api/v2/incidents/unresolved.json" | jq -e --arg i "$1" 'any(.incidents[]; .id == $i)' >/dev/null; }
v2_unresolved_lacks() { curl -s "$URL/api/v2/incidents/unresolved.json" | jq -e --arg i "$1" 'all(.incidents[]; .id != $i)' >/dev/null; }
home_has() { curl -s "$URL/" | grep -qF "$1"; }
wait_until "public /api/v2/incidents/unresolved.json shows the incident" v2_unresolved_has "$I1"
wait_until "public / shows the incident name" home_has "Checkout errors"

# PATCH with status and body: a new update, component statuses change
assert_status "PATCH incident status+body+components" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$I1" \
	-d "{\"incident\":{\"status\":\"monitoring\",\"body\":\"Fix deployed.\",\"components\":{\"$C1\":\"degraded_performance\"}}}"
assert_eq "PATCH: two updates" 2 "$(j '.incident_updates | length')"
assert_eq "PATCH: newest update first" "Fix deployed. monitoring" "$(j '.incident_updates[0].body + " " + .incident_updates[0].status')"
assert_eq "PATCH: monitoring_at set" "true" "$(j '.monitoring_at != null')"
assert_eq "PATCH: impact keeps the highest its components reached" "critical" "$(j .impact)"
assert_status "C1 after PATCH" 200 -H "$AUTH" "$URL$V/components/$C1"
assert_eq "C1 is degraded_performance" "degraded_performance" "$(j .status)"
assert_status "PATCH name only" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$I1" -d '{"incident":{"name":"Checkout errors (EU)"}}'
assert_eq "name-only PATCH adds no update" 2 "$(j '.incident_updates | length')"
# message alias, multipart PUT (legacy clients)
assert_status "PUT incident multipart with message" 200 -H "$WAUTH" -X PUT "$URL$V/incidents/$I1" \
	-F 'incident[message]=Still watching.' -F 'incident[status]=monitoring'
assert_eq "multipart PUT: message became an update" "Still watching." "$(j '.incident_updates[0].body')"
assert_eq "multipart PUT: three updates" 3 "$(j '.incident_updates | length')"
U_FIRST=$(j '.incident_updates[-1].id')
# incident_updates edit
assert_status "PATCH incident_update body and display_at" 200 -H "$WAUTH" -H "$JSON" -X PATCH \
	"$URL$V/incidents/$I1/incident_updates/$U_FIRST" \
	-d '{"incident_update":{"body":"We see errors at checkout.","display_at":"2026-01-02T03:04:05Z"}}'
assert_eq "update edit: body" "We see errors at checkout." "$(j .body)"
assert_eq "update edit: status unchanged" "identified" "$(j .status)"
assert_contains "update edit: display_at" "$(j .display_at)" "2026-01-02T03:04:05"
assert_status "GET incident after update edit" 200 -H "$AUTH" "$URL$V/incidents/$I1"
assert_eq "update edit: count unchanged" 3 "$(j '.incident_updates | length')"
assert_eq "update edit: stored" "We see errors at checkout." \
	"$(j '.incident_updates[] | select(.id == "'"$U_FIRST"'") | .body')"
check "audit: incident_update.updated" audit_has incident_update.updated "$I1"
# metadata (an object of objects) round-trips and is edited in place, without a new update
assert_status "PATCH metadata only" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$I1" \
	-d '{"incident":{"metadata":{"jira":{"issue_id":"OPS-42"},"port":{"runId":"r_1"}}}}'
assert_eq "metadata: in the answer" "OPS-42" "$(j .metadata.jira.issue_id)"
assert_eq "metadata: no new update" 3 "$(j '.incident_updates | length')"
assert_status "GET incident with metadata" 200 -H "$AUTH" "$URL$V/incidents/$I1"
assert_eq "metadata: stored" "r_1" "$(j .metadata.port.runId)"
err_case "metadata with a value that is not an object" 422 "metadata.jira" -H "$WAUTH" -H "$JSON" \
	-X PATCH "$URL$V/incidents/$I1" -d '{"incident":{"metadata":{"jira":"OPS-43"}}}'
assert_status "GET incident after a refused metadata" 200 -H "$AUTH" "$URL$V/incidents/$I1"
assert_eq "metadata: unchanged after the refusal" "OPS-42" "$(j .metadata.jira.issue_id)"
# a postmortem is drafted any time but published only after the resolution: 409 before
assert_status "PUT postmortem draft on an open incident" 200 -H "$WAUTH" -H "$JSON" -X PUT \
	"$URL$V/incidents/$I1/postmortem" -d '{"postmortem":{"body_draft":"Early notes."}}'
err_case "publish a postmortem before the resolution" 409 "a postmortem is published after the incident is resolved" -H "$WAUTH" -H "$JSON" \
	-X PUT "$URL$V/incidents/$I1/postmortem/publish" -d '{"postmortem":{"notify_subscribers":false}}'
assert_status "DELETE the early draft" 204 -H "$WAUTH" -X DELETE "$URL$V/incidents/$I1/postmortem"
# resolve
assert_status "PATCH to resolved" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$I1" \
	-d "{\"incident\":{\"status\":\"resolved\",\"body\":\"All good.\",\"components\":{\"$C1\":\"operational\"}}}"
assert_eq "resolved: status" "resolved" "$(j .status)"
assert_eq "resolved: resolved_at set" "true" "$(j '.resolved_at != null')"
assert_eq "resolved: four updates" 4 "$(j '.incident_updates | length')"
assert_status "v1 unresolved after resolve" 200 -H "$AUTH" "$URL$V/incidents/unresolved"
assert_eq "v1 unresolved: not listed" "false" "$(j --arg i "$I1" 'any(.[]; .id == $i)')"
wait_until "public unresolved.json drops the resolved incident" v2_unresolved_lacks "$I1"
# postmortem
assert_status "GET postmortem before any" 404 -H "$AUTH" "$URL$V/incidents/$I1/postmortem"
assert_status "PUT postmortem draft" 200 -H "$WAUTH" -H "$JSON" -X PUT "$URL$V/incidents/$I1/postmortem" \
	-d '{"postmortem":{"body_draft":"## Root cause\nA bad deploy."}}'
assert_contains "postmortem draft: body_draft" "$(j .body_draft)" "Root cause"
assert_eq "postmortem draft: not published" "null" "$(j .published_at)"
assert_not_contains "an unpublished draft is not on the public page" "$(curl -s "$LURL/incidents/$I1")" "A bad deploy."
assert_status "v1 incident while only a draft exists" 200 -H "$AUTH" "$URL$V/incidents/$I1"
assert_eq "v1 incident: postmortem_body is the published text only" "null" "$(j .postmortem_body)"
assert_status "PUT postmortem/publish" 200 -H "$WAUTH" -H "$JSON" -X PUT "$URL$V/incidents/$I1/postmortem/publish" \
	-d '{"postmortem":{"notify_subscribers":false}}'
assert_eq "publish: published_at set" "true" "$(j '.published_at != null')"
assert_contains "publish: body" "$(j .body)" "A bad deploy."
assert_status "incident after publish" 200 -H "$AUTH" "$URL$V/incidents/$I1"
assert_eq "incident: postmortem_published_at" "true" "$(j '.postmortem_published_at != null')"
# editing the draft after publishing does not change what readers see until it is published again
assert_status "PUT a new draft after publishing" 200 -H "$WAUTH" -H "$JSON" -X PUT "$URL$V/incidents/$I1/postmortem" \
	-d '{"postmortem":{"body_draft":"## Root cause\nA bad deploy, and a slow rollback."}}'
assert_contains "new draft: body_draft" "$(j .body_draft)" "slow rollback"
assert_contains "new draft: published body unchanged" "$(j .body)" "A bad deploy."
assert_not_contains "new draft: not in the published body" "$(j .body)" "slow rollback"
assert_contains "new draft: the public page shows the published text" "$(curl -s "$LURL/incidents/$I1")" "A bad deploy."
assert_not_contains "new draft: not on the public page" "$(curl -s "$LURL/incidents/$I1")" "slow rollback"
assert_status "publish the new draft" 200 -H "$WAUTH" -H "$JSON" -X PUT "$URL$V/incidents/$I1/postmortem/publish" \
	-d '{"postmortem":{"notify_subscribers":false}}'
assert_contains "republished: body" "$(j .body)" "slow rollback"
assert_contains "republished: on the public page" "$(curl -s "$LURL/incidents/$I1")" "slow rollback"
assert_status "PUT postmortem/revert" 200 -H "$WAUTH" -X PUT "$URL$V/incidents/$I1/postmortem/revert"
assert_eq "revert: unpublished" "null" "$(j .published_at)"
assert_contains "revert: draft kept" "$(j .body_draft)" "Root cause"
assert_status "DELETE postmortem" 204 -H "$WAUTH" -X DELETE "$URL$V/incidents/$I1/postmortem"
assert_status "GET postmortem after delete" 404 -H "$AUTH" "$URL$V/incidents/$I1/postmortem"
assert_contains "postmortem 404 text" "$(j .error)" "Postmortem"
for a in postmortem.updated postmortem.published postmortem.reverted postmortem.deleted; do
	check "audit: $a" audit_has "$a" "$I1"
done

# form-encoded incident with a components map, the query-string form of legacy clients
assert_status "POST incident form-encoded" 201 -H "$WAUTH" -X POST "$URL$V/incidents" \
	--data-urlencode 'incident[name]=Form incident' --data-urlencode 'incident[body]=Via form' \
	-d "incident[components][$C3]=major_outage" -d "incident[component_ids][]=$C2" -d 'incident[deliver_notifications]=f'
I2=$(j .id)
assert_eq "form incident: name" "Form incident" "$(j .name)"
assert_eq "form incident: C3 major_outage" "major_outage" "$(j '.components[] | select(.id == "'"$C3"'") | .status')"
assert_eq "form incident: two components" 2 "$(j '.components | length')"
assert_status "PATCH incident via query-string brackets" 200 -H "$WAUTH" -X PATCH \
	"$URL$V/incidents/$I2.json?incident%5Bstatus%5D=identified&incident%5Bmessage%5D=From%20query"
assert_eq "query-string PATCH: status" "identified" "$(j .status)"
assert_eq "query-string PATCH: message" "From query" "$(j '.incident_updates[0].body')"

assert_status "incidents ?q= searches update bodies" 200 -H "$AUTH" "$URL$V/incidents?q=AT%20CHECKOUT"
assert_eq "?q= finds the edited update's incident only" "$I1" "$(j '[.[].id] | join(" ")')"
assert_status "incidents ?limit=1" 200 -H "$AUTH" "$URL$V/incidents?limit=1"
assert_eq "?limit=1: newest only" "$I2" "$(j '[.[].id] | join(" ")')"

# ================= scheduled maintenance =================
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
NOW=$(date +%s)
assert_status "POST maintenance (future)" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d "{\"incident\":{\"name\":\"DB upgrade\",\"scheduled_for\":\"$(iso $((NOW + 3600)))\",\"scheduled_until\":\"$(iso $((NOW + 7200)))\",\"scheduled_auto_in_progress\":true,\"scheduled_auto_completed\":true,\"component_ids\":[\"$C3\"]}}"
MU=$(j .id)
assert_eq "maintenance: status scheduled" "scheduled" "$(j .status)"
assert_eq "maintenance: impact maintenance" "maintenance" "$(j .impact)"
check "audit: maintenance.scheduled" audit_has maintenance.scheduled "$MU"
assert_status "PATCH maintenance reminder_intervals" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$MU" \
	-d '{"incident":{"reminder_intervals":"[1,  6]"}}'
assert_eq "reminder_intervals: stored, normalised" "[1, 6]" "$(j .reminder_intervals)"
assert_status "GET maintenance" 200 -H "$AUTH" "$URL$V/incidents/$MU"
assert_eq "reminder_intervals: read back" "[1, 6]" "$(j .reminder_intervals)"
# deliver_notifications: false is kept on the update it makes (Beacon itself sends no notifications)
assert_status "PATCH with deliver_notifications false" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$MU" \
	-d '{"incident":{"body":"Moved to the night window.","deliver_notifications":false}}'
assert_eq "deliver_notifications: false on the new update" "false" \
	"$(j '.incident_updates[] | select(.body == "Moved to the night window.") | .deliver_notifications')"
assert_eq "deliver_notifications: earlier updates true" "true" "$(j '[.incident_updates[] | .deliver_notifications] | last')"
# backfilled: a resolved incident entered afterwards, dated by backfill_date
assert_status "POST backfilled incident" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"Last week blip","backfilled":true,"backfill_date":"2026-11-16T10:00:00Z","body":"Short outage."}}'
assert_eq "backfilled: flag" "true" "$(j .backfilled)"
assert_eq "backfilled: resolved" "resolved" "$(j .status)"
assert_contains "backfilled: created_at is the backfill date" "$(j .created_at)" "2026-11-16T"
assert_status "POST maintenance (window now, milliseconds and offset)" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d "{\"incident\":{\"name\":\"Network work\",\"status\":\"scheduled\",\"scheduled_for\":\"$(date -u -d "@$((NOW - 3600))" +%Y-%m-%dT%H:%M:%S).000+00:00\",\"scheduled_until\":\"$(iso $((NOW + 3600)))\",\"scheduled_auto_in_progress\":true,\"scheduled_auto_completed\":true}}"
MA=$(j .id)
assert_status "POST maintenance (past)" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d "{\"incident\":{\"name\":\"Old work\",\"scheduled_for\":\"$(iso $((NOW - 7200)))\",\"scheduled_until\":\"$(iso $((NOW - 3600)))\",\"scheduled_auto_in_progress\":true,\"scheduled_auto_completed\":true}}"
MC=$(j .id)
ids_of() { get "$V/incidents/$1" | jq -r '[.[].id] | sort | join(" ")'; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }
assert_eq "upcoming: only the future one" "$MU" "$(ids_of upcoming)"
assert_eq "active_maintenance: the current one (auto in progress)" "$MA" "$(ids_of active_maintenance)"
assert_eq "scheduled: all maintenances" "$(sorted "$MU" "$MA" "$MC")" "$(ids_of scheduled)"
assert_status "past maintenance" 200 -H "$AUTH" "$URL$V/incidents/$MC"
assert_eq "past maintenance: auto completed" "completed" "$(j .status)"
assert_eq "unresolved holds no maintenance" "false" "$(get "$V/incidents/unresolved" | jq --arg a "$MU" --arg b "$MA" 'any(.[]; .id == $a or .id == $b)')"
# a short window crossed by the clock: scheduled -> in_progress -> completed
NOW=$(date +%s)
assert_status "POST maintenance (2 s from now, 4 s long)" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d "{\"incident\":{\"name\":\"Quick work\",\"scheduled_for\":\"$(iso $((NOW + 2)))\",\"scheduled_until\":\"$(iso $((NOW + 6)))\",\"scheduled_auto_in_progress\":true,\"scheduled_auto_completed\":true}}"
MQ=$(j .id)
mstatus() { [ "$(get "$V/incidents/$1" | jq -r .status)" = "$2" ]; }
[ "$(date +%s)" -lt $((NOW + 2)) ] && assert_eq "quick maintenance: scheduled before its start" scheduled "$(j .status)"
wait_until "quick maintenance: in_progress at its start" mstatus "$MQ" in_progress
wait_until "quick maintenance: completed at its end" mstatus "$MQ" completed
# the primary's scheduler writes the window's In progress and Completed updates (within 2 s)
mwritten() { get "$V/incidents/$1" | jq -e '[.incident_updates[].status] | index("completed") != null and index("in_progress") != null' >/dev/null; }
wait_until "quick maintenance: the scheduler wrote its In progress and Completed updates" mwritten "$MQ"
assert_status "maintenance status PATCH (manual verifying)" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$MA" \
	-d '{"incident":{"status":"verifying","body":"Checking."}}'
assert_eq "maintenance PATCH: verifying" "verifying" "$(j .status)"
assert_eq "active_maintenance keeps verifying" "$MA" "$(ids_of active_maintenance)"

# ================= errors: status, {"error"} naming the field, nothing written =================
err_case "bad JSON" 400 "JSON" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" -d '{"incident":{"name":'
err_case "JSON array body" 400 "object" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" -d '[1,2]'
err_case "name of wrong type" 422 "incident.name" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" -d '{"incident":{"name":5}}'
err_case "boolean of wrong type" 422 "incident.deliver_notifications" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"x","deliver_notifications":"yes"}}'
err_case "bad status enum" 422 "incident.status" -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$I2" -d '{"incident":{"status":"exploded"}}'
err_case "bad component status in map" 422 "incident.components" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d "{\"incident\":{\"name\":\"x\",\"components\":{\"$C1\":\"on_fire\"}}}"
err_case "unknown component in map" 422 "incident.components" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"x","components":{"zzzzzzzzzzzz":"major_outage"}}}'
err_case "missing required name" 422 "incident.name" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" -d '{"incident":{"body":"b"}}'
err_case "unknown field (refused by the input table)" 422 "incident.bogus_field" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"x","bogus_field":1}}'
err_case "unknown field outside the envelope" 422 "stray" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/components" \
	-d '{"stray":1,"component":{"name":"x"}}'
err_case "component status enum" 422 "component.status" -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/components/$C1" \
	-d '{"component":{"status":"broken"}}'
err_case "group_id of a missing group" 422 "component.group_id" -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/components/$C1" \
	-d '{"component":{"group_id":"nosuchgroup1"}}'
err_case "empty group" 422 "component_group.components" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/component-groups" \
	-d '{"component_group":{"name":"Empty","components":[]}}'
err_case "realtime status on a maintenance" 422 "incident.status" -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$MU" \
	-d '{"incident":{"status":"investigating"}}'
err_case "maintenance ends before it starts" 422 "scheduled_until" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"x","scheduled_for":"2030-01-02T00:00:00Z","scheduled_until":"2030-01-01T00:00:00Z"}}'
err_case "schedule on a realtime incident" 422 "incident.scheduled_for" -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/$I2" \
	-d '{"incident":{"scheduled_for":"2030-01-01T00:00:00Z"}}'
err_case "bad time" 422 "incident.scheduled_for" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"x","scheduled_for":"tomorrow"}}'
err_case "page time_zone" 409 "page.time_zone" -H "$AUTH" -H "$JSON" -X PATCH "$URL$V" -d '{"page":{"time_zone":"Mars/Olympus"}}'
python3 -c "import json;print(json.dumps({'incident':{'name':'long','body':'x'*25001}}))" > "$T/long.json"
err_case "body over 25000 bytes" 422 "incident.body" -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" --data-binary "@$T/long.json"
python3 -c "import json;print(json.dumps({'incident':{'name':'big','body':'x'*70000}}))" > "$T/big.json"
before=$(state)
assert_status "body over 64 KiB: 413 from nginx" 413 -H "$WAUTH" -H "$JSON" -X POST "$URL$V/incidents" --data-binary "@$T/big.json"
assert_status "body over 64 KiB: 413 from lighttpd" 413 -H "$WAUTH" -H "$JSON" -X POST "$LURL$V/incidents" --data-binary "@$T/big.json"
# beacon itself, straight on its FastCGI socket (both front ends stop the body before beacon)
fcgi_big() {
	env -i REQUEST_METHOD=POST REQUEST_URI="$V/incidents" SCRIPT_NAME="$V/incidents" SERVER_PROTOCOL=HTTP/1.1 \
		CONTENT_TYPE=application/json CONTENT_LENGTH="$(stat -c %s "$T/big.json")" HTTP_AUTHORIZATION="OAuth $WRITE_TOKEN" \
		cgi-fcgi -bind -connect "$SOCK" < "$T/big.json"
}
out=$(fcgi_big 2>&1)
assert_contains "body over 64 KiB: beacon answers 413 itself" "$out" "Status: 413"
assert_contains "body over 64 KiB: beacon's JSON error" "$out" '{"error":"request body over 65536 bytes"}'
assert_eq "413s wrote nothing" "$before" "$(state)"
err_case "unsupported Content-Type" 415 "Content-Type" -H "$WAUTH" -H "Content-Type: text/plain" -X POST "$URL$V/incidents" -d 'name=x'
err_case "no token" 401 "API key" -H "$JSON" -X POST "$URL$V/incidents" -d '{"incident":{"name":"x"}}'
err_case "wrong token" 401 "API key" -H "Authorization: OAuth bk_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrongwrongwro" \
	-H "$JSON" -X POST "$URL$V/incidents" -d '{"incident":{"name":"x"}}'
assert_contains "401 sends WWW-Authenticate" "$(cat "$T/headers")" "WWW-Authenticate"
err_case "wrong ?api_key" 401 "API key" -H "$JSON" -X POST "$URL$V/incidents?api_key=nope" -d '{"incident":{"name":"x"}}'
err_case "read-scoped token on a write" 403 "scope" -H "Authorization: OAuth $READ_TOKEN" -H "$JSON" -X POST \
	"$URL$V/incidents" -d '{"incident":{"name":"x"}}'
err_case "write-scoped token on page settings (admin)" 403 "admin" -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V" -d '{"page":{"name":"x"}}'
err_case "unknown incident id (PATCH)" 404 "incident" -H "$WAUTH" -H "$JSON" -X PATCH "$URL$V/incidents/zzzzzzzzzzzz" \
	-d '{"incident":{"body":"x"}}'
err_case "unknown incident id (DELETE)" 404 "incident" -H "$WAUTH" -X DELETE "$URL$V/incidents/zzzzzzzzzzzz"
err_case "unknown component id (DELETE)" 404 "component" -H "$WAUTH" -X DELETE "$URL$V/components/zzzzzzzzzzzz"
err_case "unknown update id" 404 "incident update" -H "$WAUTH" -H "$JSON" -X PATCH \
	"$URL$V/incidents/$I2/incident_updates/zzzzzzzzzzzz" -d '{"incident_update":{"body":"x"}}'
err_case "unknown page id" 404 "page" -H "$WAUTH" -H "$JSON" -X POST "$URL/v1/pages/zzzzzzzzzzzz/incidents" -d '{"incident":{"name":"x"}}'
err_case "wrong method" 405 "DELETE" -H "$WAUTH" -X DELETE "$URL$V/incidents"
assert_contains "405 Allow lists GET and POST" "$(grep -i '^allow:' "$T/headers")" "GET, HEAD, POST"
assert_status "read-scoped token reads" 200 -H "Authorization: OAuth $READ_TOKEN" "$URL$V/incidents"
assert_status "GET incident 404" 404 -H "$AUTH" "$URL$V/incidents/zzzzzzzzzzzz"
assert_contains "GET 404 names the incident" "$(j .error)" "incident not found"

# ================= authorization variants =================
assert_status "Authorization: OAuth" 200 -H "Authorization: OAuth $READ_TOKEN" "$URL$V"
assert_status "Authorization: oauth (lower case)" 200 -H "Authorization: oauth $READ_TOKEN" "$URL$V"
assert_status "Authorization: Bearer" 200 -H "Authorization: Bearer $READ_TOKEN" "$URL$V"
assert_status "Authorization: the bare key" 200 -H "Authorization: $READ_TOKEN" "$URL$V"
assert_status "Authorization: an unknown scheme" 401 -H "Authorization: Basic $READ_TOKEN" "$URL$V"
assert_contains "401 says Could not authenticate" "$(j .error)" "Could not authenticate"
assert_status "?api_key=" 200 "$URL$V?api_key=$READ_TOKEN"
assert_status "?api_key= on a write" 201 -H "$JSON" -X POST "$URL$V/incidents?api_key=$WRITE_TOKEN" \
	-d '{"incident":{"name":"Via api_key"}}'
I3=$(j .id)
assert_status "Bearer on a write" 200 -H "Authorization: Bearer $WRITE_TOKEN" -H "$JSON" -X PATCH "$URL$V/incidents/$I3" \
	-d '{"incident":{"body":"Bearer works"}}'
assert_eq "Bearer write: update added" 2 "$(j '.incident_updates | length')"

# ================= /api/v1 alias =================
A="/api/v1/pages/$PAGE"
assert_status "alias: GET /api/v1/pages" 200 -H "$AUTH" "$URL/api/v1/pages"
assert_eq "alias: same page" "$PAGE" "$(j '.[0].id')"
assert_status "alias: POST incident" 201 -H "$WAUTH" -H "$JSON" -X POST "$URL$A/incidents.json" -d '{"incident":{"name":"Alias incident"}}'
I4=$(j .id)
assert_status "alias: seen under /v1" 200 -H "$AUTH" "$URL$V/incidents/$I4"
assert_eq "alias: same name" "Alias incident" "$(j .name)"
assert_status "alias: PATCH" 200 -H "$WAUTH" -H "$JSON" -X PATCH "$URL$A/incidents/$I4" -d '{"incident":{"status":"resolved"}}'
assert_eq "alias: resolved" "resolved" "$(j .status)"
assert_status "alias: components" 200 -H "$AUTH" "$URL$A/components"
assert_eq "alias: same components" "$(get "$V/components" | jq -c '[.[].id]')" "$(j -c '[.[].id]')"
assert_status "alias: DELETE incident" 200 -H "$WAUTH" -X DELETE "$URL$A/incidents/$I4"
assert_status "alias: deleted" 404 -H "$AUTH" "$URL$V/incidents/$I4"

# ================= DELETE incident =================
assert_status "DELETE incident" 200 -H "$WAUTH" -X DELETE "$URL$V/incidents/$I3"
assert_eq "DELETE incident: returns it" "$I3" "$(j .id)"
assert_status "GET deleted incident" 404 -H "$AUTH" "$URL$V/incidents/$I3"
assert_eq "deleted incident gone from the list" "false" "$(get "$V/incidents" | jq --arg i "$I3" 'any(.[]; .id == $i)')"
check "audit: incident.deleted" audit_has incident.deleted "$I3"

# ================= Idempotency-Key =================
n0=$(get "$V/incidents?per_page=100" | jq length)
a0=$(audit_count)
assert_status "Idempotency-Key: first POST" 201 -H "$WAUTH" -H "$JSON" -H "Idempotency-Key: key-one" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"Once only"}}'
ID1=$(j .id)
assert_status "Idempotency-Key: same POST again" 201 -H "$WAUTH" -H "$JSON" -H "Idempotency-Key: key-one" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"Once only"}}'
assert_eq "Idempotency-Key: same id" "$ID1" "$(j .id)"
assert_contains "Idempotency-Key: replay marked" "$(cat "$T/headers")" "Idempotent-Replayed: true"
assert_eq "Idempotency-Key: one incident created" "$((n0 + 1))" "$(get "$V/incidents?per_page=100" | jq length)"
assert_eq "Idempotency-Key: one audit entry" "$((a0 + 1))" "$(audit_count)"
assert_status "Idempotency-Key: another key" 201 -H "$WAUTH" -H "$JSON" -H "Idempotency-Key: key-two" -X POST "$URL$V/incidents" \
	-d '{"incident":{"name":"Once only"}}'
assert_ne "Idempotency-Key: another key, another id" "$ID1" "$(j .id)"
assert_eq "Idempotency-Key: two incidents now" "$((n0 + 2))" "$(get "$V/incidents?per_page=100" | jq length)"
# eight clients racing with one key: one incident, every answer names it
n1=$(get "$V/incidents?per_page=100" | jq length)
racers=""
for k in 1 2 3 4 5 6 7 8; do
	curl -s --max-time 10 -o "$T/race.$k" -H "$WAUTH" -H "$JSON" -H "Idempotency-Key: race-key" -X POST "$URL$V/incidents" \
		-d '{"incident":{"name":"Raced"}}' &
	racers="$racers $!"
done
for p in $racers; do wait "$p"; done     # only the curls: a bare wait would wait for beacon and nginx too
assert_eq "Idempotency-Key race: eight answers, one id" 1 "$(cat "$T"/race.* | jq -r .id | sort -u | grep -c '^[0-9a-z]\{12\}$')"
assert_eq "Idempotency-Key race: one incident created" "$((n1 + 1))" "$(get "$V/incidents?per_page=100" | jq length)"
err_case "Idempotency-Key reused with another body" 422 "Idempotency-Key" -H "$WAUTH" -H "$JSON" -H "Idempotency-Key: key-one" \
	-X POST "$URL$V/incidents" -d '{"incident":{"name":"Something else"}}'

# ================= audit covers every API write =================
# Every 2xx write above went through v1_commit; the log must hold one entry per write by the API keys.
WID=token:$(printf '%s' "$WRITE_TOKEN" | cut -d_ -f2)
assert_eq "audit: entries by the write key have targets" "0" \
	"$(bk_cli audit --limit 100000 --json | jq --arg w "$WID" '[.[] | select(.who == $w and .target == "")] | length')"
check "audit: human listing" sh -c "'$BEACON' --config '$CONF' audit --limit 3 | grep -q incident.created"
check_fails "audit: bad --limit is a usage error" bk_cli audit --limit 0

# every 2xx write request nginx saw (an Idempotency-Key replay writes nothing) has one audit entry
writes=$(grep -cE '"(POST|PATCH|PUT|DELETE) /(api/)?v1/[^"]*" 2[0-9][0-9] ' "$T/access.log")
replays=8      # one sequential replay and seven raced ones
ADMIN_ID=token:$(printf '%s' "$ADMIN_TOKEN" | cut -d_ -f2)
api_audits=$(bk_cli audit --limit 100000 --json | jq --arg a "$ADMIN_ID" --arg w "$WID" '[.[] | select(.who == $a or .who == $w)] | length')
[ "$writes" -gt 40 ] && ok "access log counted $writes API writes" || not_ok "access log counted API writes" "only [$writes]"
assert_eq "audit: one entry per successful API write" "$((writes - replays))" "$api_audits"

# ================= OpenAPI =================
assert_status "GET /v1/openapi.json (no auth)" 200 "$URL/v1/openapi.json"
check "openapi: version 3.x" jq -e '.openapi | startswith("3.")' "$B"
# Both ways, from the route table itself (`beacon routes`): every /v1 route and intake route is in
# the document, and the document names no route the table lacks. Aliases (/api/v1, ".json",
# component_groups) are the same operations and are not listed twice.
bk_cli routes | awk '$2 ~ "^/v1/" || $2 ~ "^/(intake|ping|api/push)/" { print tolower($1), $2 }' |
	grep -v -e '\.json$' -e '/component_groups' -e ' /v1/openapi$' |
	sed -e 's#^\([a-z]*\) /v1/#\1 /#' -e 's#:page#{page_id}#' -e 's#:incident/#{incident_id}/#' \
	    -e 's#:uid#{update_id}#' -e 's#:\([a-z]*\)#{\1}#g' | sort -u > "$T/routes.table"
jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | select(. != "parameters" and . != "servers") | "\(.) \($p)"' "$B" |
	sort -u > "$T/routes.doc"
missing=$(comm -23 "$T/routes.table" "$T/routes.doc" | tr '\n' ';')
extra=$(comm -13 "$T/routes.table" "$T/routes.doc" | tr '\n' ';')
check "openapi: the route table has rows ($(wc -l < "$T/routes.table"))" test "$(wc -l < "$T/routes.table")" -gt 50
assert_eq "openapi: documents no route the table lacks" "" "$extra"
assert_eq "openapi: every route documented" "" "$missing"
assert_status "GET /api/v1/openapi.json" 200 "$URL/api/v1/openapi.json"
check "openapi alias: same document" jq -e '.openapi | startswith("3.")' "$B"

# ================= rate limiting: a second node with 5 requests a minute per key =================
RL="$T/rl"; mkdir -p "$RL/store"
bk_make_conf "$RL/beacon.conf" "$RL/store" "$RL/beacon.sock" "rate_limit_per_minute = 5" "max_body_kb = 16"
RL_ADMIN=$("$BEACON" --config "$RL/beacon.conf" init) || { echo "# rl init failed"; exit 1; }
RL_OTHER=$("$BEACON" --config "$RL/beacon.conf" token create --scope read) || exit 1
bk_start_serve "$RL/beacon.conf" "$RL/beacon.sock" "$RL/beacon.log" || exit 1
bk_start_nginx "$RL/beacon.sock" nginx-rl || exit 1
RLURL=$NGINX_URL
bk_start_lighttpd "$RL/beacon.sock" lighttpd-rl || exit 1
RLLURL=$LIGHTTPD_URL
codes=""
for i in 1 2 3 4 5; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $RL_ADMIN" "$RLURL/v1/pages")"
done
assert_eq "rate limit: 5 requests pass" " 200 200 200 200 200" "$codes"
assert_status "rate limit: the 6th is 429" 429 -H "Authorization: OAuth $RL_ADMIN" "$RLURL/v1/pages"
ra=$(grep -i '^retry-after:' "$T/headers" | tr -dc 0-9)
[ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 120 ] && ok "429 has Retry-After 1..120 ($ra)" || not_ok "429 has Retry-After" "$(cat "$T/headers")"
assert_contains "429 JSON error" "$(j .error)" "rate limit"
assert_status "rate limit is per key: another key passes" 200 -H "Authorization: OAuth $RL_OTHER" "$RLURL/v1/pages"
RLP=$(j '.[0].id')
assert_status "rate limit: a write with the limited key is 429 too" 429 -H "Authorization: OAuth $RL_ADMIN" -H "$JSON" \
	-X POST "$RLURL/v1/pages/$RLP/components" -d '{"component":{"name":"x"}}'
assert_eq "rate limited write wrote nothing" 0 "$("$BEACON" --config "$RL/beacon.conf" component list --json | jq length)"
# the same node's beacon refuses a body over its max_body_kb (16) that lighttpd (64k) lets through
python3 -c "import json;print(json.dumps({'component':{'name':'big','description':'x'*20000}}))" > "$T/mid.json"
assert_status "max_body_kb: 413 from beacon behind lighttpd" 413 -H "Authorization: OAuth $RL_OTHER" -H "$JSON" \
	-X POST "$RLLURL/v1/pages/$RLP/components" --data-binary "@$T/mid.json"
assert_contains "max_body_kb: beacon's JSON error" "$(j .error)" "request body over 16384 bytes"

check "the main beacon survived every request" kill -0 "$MAIN_PID"
check "the rate-limit beacon survived every request" kill -0 "$BK_SERVE_PID"
bk_done
