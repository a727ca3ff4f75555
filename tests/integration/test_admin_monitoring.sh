#!/bin/sh
# test_admin_monitoring.sh: the admin's monitoring page through nginx with curl and a session: rules and
# heartbeats added and deleted by an editor (through the write layer: audit names the admin user), bad
# forms 422 with nothing written, ping URLs, last ping and late/ok state, alerts in effect and those
# suppressed by a maintenance, a viewer reads but cannot write, Spanish, markup inert.
. "$(dirname "$0")/lib.sh"
bk_default_setup
U=$URL
ORIGIN=$U

check "user add editor" sh -c "echo 'editor-password-1' | '$BEACON' --config '$CONF' user add editor@example.com --role editor"
check "user add viewer" sh -c "echo 'viewer-password-1' | '$BEACON' --config '$CONF' user add viewer@example.com --role viewer"
bk_cli component add --name API >/dev/null
bk_cli component add --name DB >/dev/null
INTAKE=$(bk_cli token create --scope intake)
comp_id() { curl -s "$U/api/v2/components.json" | jq -r --arg n "$1" '.components[] | select(.name==$n) | .id'; }
API_ID=$(comp_id API); DB_ID=$(comp_id DB)

# ---- a session by hand (curl keeps no Secure cookies over http), as test_admin.sh does ----
get_cookie() { sed -n "s/^[Ss]et-[Cc]ookie: $1=\([^;]*\).*/\1/p" "$2" | tail -1 | tr -d '\r'; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }
login() {
	curl -s -D "$T/h.login" -o "$T/b.login" "$U/admin/login"
	PRE=$(get_cookie __Host-beacon_pre "$T/h.login"); TOK=$(csrf_of "$T/b.login")
	curl -s -o /dev/null -D "$T/h.post" -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_pre=$PRE" \
		--data-urlencode "email=$1" --data-urlencode "password=$2" --data-urlencode "csrf=$TOK" "$U/admin/login"
	SID=$(get_cookie __Host-beacon_session "$T/h.post")
}
page() { curl -s -o "$T/page" -w '%{http_code}' -H "Cookie: __Host-beacon_session=$SID" "$U$1"; }
# post PATH FIELD=VALUE...: with the session, its CSRF token and the site's Origin; body in $T/post
post() {
	local p=$1 tok; shift
	curl -s -o "$T/tokpage" -H "Cookie: __Host-beacon_session=$SID" "$U/admin/account"; tok=$(csrf_of "$T/tokpage")
	set -- "$@" "csrf=$tok"
	local args="" f
	for f in "$@"; do args="$args --data-urlencode $(printf %q "$f")"; done
	eval curl -s -o "$T/post" -w '%{http_code}' -H "'Origin: $ORIGIN'" -H "'Cookie: __Host-beacon_session=$SID'" $args "'$U$p'"
}

login editor@example.com editor-password-1
check "editor signed in" test -n "$SID"
assert_eq "monitoring page (editor)" 200 "$(page /admin/monitoring)"
assert_contains "... in the admin's navigation" "$(cat "$T/page")" 'href="/admin/monitoring" aria-current="page"'
assert_contains "... has the add-rule form" "$(cat "$T/page")" 'action="/admin/monitoring/rules/new"'
assert_contains "... has the add-heartbeat form" "$(cat "$T/page")" 'action="/admin/monitoring/heartbeats/new"'
assert_contains "... no alert yet" "$(cat "$T/page")" "No alert is firing."

# ---- rules ----
before=$(bk_cli audit --limit 1 --json)
assert_eq "a rule without matchers: 422" 422 "$(post /admin/monitoring/rules/new component_id=$API_ID match= default=partial_outage)"
assert_contains "... says which field" "$(cat "$T/post")" "match"
assert_eq "a matcher that is not LABEL=VALUE: 422" 422 "$(post /admin/monitoring/rules/new component_id=$API_ID match=service default=partial_outage)"
assert_eq "a bad stale-after: 422" 422 "$(post /admin/monitoring/rules/new component_id=$API_ID match=service=api default=partial_outage stale_after=soon)"
assert_eq "an unknown component: 422" 422 "$(post /admin/monitoring/rules/new component_id=nosuchcomp match=service=api default=partial_outage)"
assert_eq "an unknown default status: 422" 422 "$(post /admin/monitoring/rules/new component_id=$API_ID match=service=api default=operational)"
assert_eq "refused forms wrote nothing" "$before" "$(bk_cli audit --limit 1 --json)"
XS='<script>alert(1)</script>'
assert_eq "editor adds a rule" 303 "$(post /admin/monitoring/rules/new component_id=$API_ID "match=service=api
env=prod" status_label=severity default=partial_outage "map=p1=major_outage" "incident=API $XS" stale_after=10m)"
rules=$(bk_cli rule list --json)
assert_eq "the CLI lists it" 1 "$(printf '%s' "$rules" | jq length)"
assert_eq "... with both matchers" "service=api,env=prod" "$(printf '%s' "$rules" | jq -r '.[0].match')"
assert_eq "... and its stale-after time" 600 "$(printf '%s' "$rules" | jq -r '.[0].stale_after_s')"
RULE=$(printf '%s' "$rules" | jq -r '.[0].id')
assert_contains "audit: the admin user added it (write layer event)" "$(bk_cli audit --limit 1)" "admin:editor@example.com"
assert_contains "... as intake.rule.created" "$(bk_cli audit --limit 1)" "intake.rule.created"
page /admin/monitoring >/dev/null
assert_contains "the page lists the rule" "$(cat "$T/page")" "service=api, env=prod"
assert_contains "... its stale-after time" "$(cat "$T/page")" "10m"
assert_not_contains "markup in the incident name is escaped" "$(cat "$T/page")" "$XS"
assert_contains "... shown as text" "$(cat "$T/page")" "&lt;script&gt;"

# ---- heartbeats ----
assert_eq "a heartbeat with a bad period: 422" 422 "$(post /admin/monitoring/heartbeats/new hb_component_id=$DB_ID period=0s grace=30s status=major_outage)"
assert_eq "a heartbeat that sets no status: 422" 422 "$(post /admin/monitoring/heartbeats/new hb_component_id=$DB_ID period=60s grace=30s status=none)"
assert_eq "editor adds a heartbeat" 303 "$(post /admin/monitoring/heartbeats/new hb_component_id=$DB_ID period=2s grace=2s status=partial_outage)"
UUID=$(bk_cli heartbeat list --json | jq -r '.[0].ping_url' | sed 's|.*/ping/||')
check "the CLI lists it with its ping URL" test -n "$UUID"
page /admin/monitoring >/dev/null
assert_contains "the page shows its ping URL" "$(cat "$T/page")" "http://127.0.0.1/ping/$UUID"
assert_contains "... and the Uptime Kuma push URL" "$(cat "$T/page")" "http://127.0.0.1/api/push/$UUID"
assert_contains "... state ok" "$(cat "$T/page")" 'class="state-ok">ok<'
# row: the heartbeat's table row alone
row() { tr -d '\n' < "$T/page" | grep -o '<tr id="heartbeat-.*' | sed 's|</tr>.*||'; }
assert_contains "... never pinged yet" "$(row)" "<td>—</td>"
assert_status "ping it" 200 "$U/ping/$UUID"
page /admin/monitoring >/dev/null
assert_not_contains "last ping shown after a ping" "$(row)" "<td>—</td>"
i=0; while ! { page /admin/monitoring >/dev/null; grep -q 'class="state-down">late<' "$T/page"; }; do
	i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.2
done
assert_contains "missed: the page shows it late" "$(cat "$T/page")" 'class="state-down">late<'
assert_contains "... and its alert in effect" "$(cat "$T/page")" "heartbeat late"

# ---- alerts: in effect, and suppressed by a maintenance ----
am() {
	curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $INTAKE" "$U/intake/alertmanager" \
		-d "{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"$1\",\"alerts\":[{\"status\":\"$1\",\"labels\":{\"alertname\":\"$2\",\"service\":\"api\",\"env\":\"prod\",\"severity\":\"critical\"},\"startsAt\":\"2026-01-01T00:00:00Z\",\"fingerprint\":\"$3\"}]}"
}
bk_cli maintenance schedule --name "API upgrade" --from now --until "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" \
	--component API --set-components no >/dev/null
# the scheduler's start is a write of its own: wait for it, so later "nothing written" checks see only theirs
check "the scheduler starts the maintenance" wait_for sh -c "'$BEACON' --config '$CONF' audit --limit 20 | grep -q maintenance.started"
assert_eq "an alert during the maintenance" 200 "$(am firing ApiDown a1)"
page /admin/monitoring >/dev/null
assert_contains "the page shows it" "$(cat "$T/page")" "ApiDown"
assert_contains "... suppressed by the maintenance" "$(cat "$T/page")" "suppressed: maintenance"
page "/admin/monitoring?lang=es" >/dev/null
assert_contains "Spanish: the title" "$(cat "$T/page")" "Monitoreo"
assert_contains "Spanish: suppressed" "$(cat "$T/page")" "suprimida: mantenimiento"

# ---- a viewer reads, cannot write ----
EDITOR_SID=$SID
login viewer@example.com viewer-password-1
assert_eq "viewer: the page" 200 "$(page /admin/monitoring)"
assert_not_contains "viewer: no add form" "$(cat "$T/page")" 'action="/admin/monitoring/rules/new"'
assert_not_contains "viewer: no delete buttons" "$(cat "$T/page")" 'action="/admin/monitoring/rules/del"'
before=$(bk_cli audit --limit 1 --json)
assert_eq "viewer cannot delete a rule" 403 "$(post /admin/monitoring/rules/del id=$RULE confirm=1)"
assert_eq "... nothing written" "$before" "$(bk_cli audit --limit 1 --json)"
SID=$EDITOR_SID

# ---- deletes ----
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	--data "id=$RULE&confirm=1" "$U/admin/monitoring/rules/del")
assert_eq "a cross-origin delete is refused" 403 "$code"
assert_eq "an unknown rule: 404" 404 "$(post /admin/monitoring/rules/del id=nosuchrule confirm=1)"
before=$(bk_cli audit --limit 1 --json)
assert_eq "a delete first asks (no JavaScript): the confirmation page" 200 "$(post /admin/monitoring/rules/del id=$RULE)"
assert_contains "... names the rule" "$(cat "$T/post")" "API: service=api, env=prod"
assert_contains "... and posts again with confirm=1" "$(cat "$T/post")" 'name="confirm" value="1"'
assert_eq "... nothing deleted yet" "$before" "$(bk_cli audit --limit 1 --json)"
assert_eq "editor deletes the rule (confirmed)" 303 "$(post /admin/monitoring/rules/del id=$RULE confirm=1)"
assert_eq "the CLI no longer lists it" 0 "$(bk_cli rule list --json | jq length)"
assert_not_contains "its alerts are dropped" "$(bk_cli rule alerts)" "ApiDown"
HB=$(bk_cli heartbeat list --json | jq -r '.[0].id')
assert_eq "the heartbeat's delete asks first" 200 "$(post /admin/monitoring/heartbeats/del id=$HB)"
assert_contains "... naming it" "$(cat "$T/post")" "DB (2s)"
assert_eq "editor deletes the heartbeat (confirmed)" 303 "$(post /admin/monitoring/heartbeats/del id=$HB confirm=1)"
assert_eq "the CLI no longer lists it" 0 "$(bk_cli heartbeat list --json | jq length)"
check "DB gets its status back" sh -c "sleep 1.1; curl -s '$U/api/v2/components.json' | jq -e '.components[] | select(.name==\"DB\") | .status == \"operational\"'"
assert_contains "audit: the admin user deleted it" "$(bk_cli audit --limit 3)" "intake.heartbeat.deleted"
assert_eq "an unknown heartbeat: 404" 404 "$(post /admin/monitoring/heartbeats/del id=nosuchcheck confirm=1)"
# ---- a rule that opens its incident from a template, held as a draft ----
assert_eq "save a template (composer)" 303 "$(post /admin/incidents/new name='API errors' status=investigating body='We see errors.' save_template=api-errors)"
page /admin/monitoring >/dev/null
assert_contains "the rule form offers the saved template" "$(cat "$T/page")" '<option value="api-errors">'
assert_contains "... and the draft choice" "$(cat "$T/page")" 'name="draft" value="1"'
before=$(bk_cli audit --limit 1 --json)
assert_eq "an unknown template: 422" 422 "$(post /admin/monitoring/rules/new component_id=$API_ID match=service=api default=partial_outage incident_template=nosuch draft=1)"
assert_contains "... says which field" "$(cat "$T/post")" "incident_template"
assert_eq "a draft with no incident to open: 422" 422 "$(post /admin/monitoring/rules/new component_id=$API_ID match=service=api default=partial_outage draft=1)"
assert_contains "... says why" "$(cat "$T/post")" "needs an incident name or an incident template"
cli_out=$(bk_cli rule add --component API --match service=api --draft 2>&1) && cli_rc=0 || cli_rc=$?
assert_eq "the CLI refuses it too" 1 "$cli_rc"
assert_contains "... with the same words (one rule, in the write layer)" "$cli_out" "needs an incident name or an incident template"
assert_eq "... nothing written" "$before" "$(bk_cli audit --limit 1 --json)"
assert_eq "editor adds a template rule held as a draft" 303 "$(post /admin/monitoring/rules/new component_id=$API_ID match=service=api default=partial_outage incident_template=api-errors draft=1)"
rules=$(bk_cli rule list --json)
assert_eq "the CLI lists its template" "api-errors" "$(printf '%s' "$rules" | jq -r '.[0].incident_template')"
assert_eq "... and that it makes drafts" "true" "$(printf '%s' "$rules" | jq -r '.[0].draft')"
page /admin/monitoring >/dev/null
assert_contains "the page shows the rule's incident as a draft" "$(cat "$T/page")" "api-errors (draft)"
bk_done
