# test_drafts.sh: draft incidents end to end: a draft (CLI, v1, the admin composer, an Alertmanager rule
# with --draft) is absent from every public read (/, /history, /incidents/ID, v2 summary/incidents/
# unresolved/status.json, feeds, badges, ?at=, the static export) and sends nothing; publishing makes it
# appear, sets its components then and sends exactly one notification to a real webhook receiver;
# discarding leaves nothing; the admin's Drafts list publishes and discards; an Alertmanager rule with
# --incident-template --draft opens a draft from the template and discards it when the group resolves.
. "$(dirname "$0")/lib.sh"
HOOK_PORT=$(free_port)
SECRETS="$T/secrets.json"; HOOKLOG="$T/hooks.log"; echo '{}' > "$SECRETS"; : > "$HOOKLOG"
/usr/bin/python3 "$ROOT/tests/integration/webhook_receiver.py" "$HOOK_PORT" "$SECRETS" "$HOOKLOG" >"$T/hook.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
bk_default_setup "notify_allow_private = yes"
up() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])))" "$1"; }
wait_for up "$HOOK_PORT"
U=$URL; ORIGIN=$U
AUTH="Authorization: OAuth $ADMIN_TOKEN"; JSON="Content-Type: application/json"
PAGE=$(curl -s -H "$AUTH" "$U/v1/pages" | jq -r '.[0].id'); V="/v1/pages/$PAGE"

out=$(bk_cli subscriber add --webhook "http://127.0.0.1:$HOOK_PORT/all")
sec=$(echo "$out" | sed -n 's/.*(shown once): //p')
jq --arg s "$sec" '. + {"/all": $s}' "$SECRETS" > "$SECRETS.tmp" && mv "$SECRETS.tmp" "$SECRETS"
notify_once() { bk_cli notify --once >>"$T/notify.log" 2>&1; }
incident_hooks() { jq -s '[.[] | select(.path == "/all" and (.body | contains("\"incident\"")))] | length' "$HOOKLOG"; }
bk_cli component add --name API >/dev/null
bk_cli component add --name DB >/dev/null
status_of() { curl -s "$U/api/v2/components.json" | jq -r --arg n "$1" '.components[] | select(.name==$n) | .status'; }
stored_status() { bk_cli component list --json | jq -r --arg n "$1" '.[] | select(.name==$n) | .status'; }   # the store itself
notify_once; : > "$HOOKLOG"
# nginx's microcache serves a page until the end of its second: reads after a change retry (up to 10 s)
eventually_eq() {   # eventually_eq DESC WANT CMD...
	local d=$1 want=$2 got i=0; shift 2
	while got=$("$@"); [ "$got" != "$want" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
	assert_eq "$d" "$want" "$got"
}
has() { curl -s "$U$1" | grep -qF -- "$2" && echo yes || echo no; }

# absent NAME ID: no public read shows the incident named NAME (with id ID)
absent() {
	local n=$1 id=$2 p at
	for p in / /history /history.rss /history.atom /history.rss?lang=es /api/v2/summary.json /api/v2/incidents.json \
	         /api/v2/incidents/unresolved.json /api/v2/status.json "/incidents/$id"; do
		curl -s "$U$p" > "$T/pub"
		assert_not_contains "draft '$n' not on $p" "$(cat "$T/pub")" "$n"
		assert_not_contains "draft id not on $p" "$(cat "$T/pub")" "$id"
	done
	assert_status "draft: its public page is 404" 404 "$U/incidents/$id"
	indicator() { curl -s "$U/api/v2/status.json" | jq -r .status.indicator; }
	eventually_eq "draft: status.json says all is well" none indicator
	eventually_eq "draft: the badge says operational" yes has /badge.svg 'data-indicator="none"'
	at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	assert_not_contains "draft not on /?at=now" "$(curl -s "$U/?at=$at")" "$n"
	assert_eq "draft not in summary.json?at=now" 0 "$(curl -s "$U/api/v2/summary.json?at=$at" | jq --arg i "$id" '[.incidents[] | select(.id == $i)] | length')"
	assert_not_contains "draft not on /incidents/ID?at=now" "$(curl -s "$U/incidents/$id?at=$at")" "$n"
	assert_eq "draft: v1 incident list leaves it out" 0 "$(curl -s -H "$AUTH" "$U$V/incidents" | jq --arg i "$id" '[.[] | select(.id == $i)] | length')"
	assert_eq "draft: v1 unresolved list leaves it out" 0 "$(curl -s -H "$AUTH" "$U$V/incidents/unresolved" | jq --arg i "$id" '[.[] | select(.id == $i)] | length')"
	rm -rf "$T/site" "$T/site."*
	bk_cli export --static "$T/site" >/dev/null 2>&1
	assert_eq "draft not in the static export" "" "$(grep -rl -e "$n" -e "$id" "$T/site/" 2>/dev/null)"
}

# ---- a draft from the CLI ----
D=$(bk_cli incident open --name "Hidden outage Q7" --status identified --body "We found it" --component API=major_outage --draft)
check "incident open --draft prints an id" test -n "$D"
assert_contains "incident list shows the draft" "$(bk_cli incident list)" "$D  draft"
assert_contains "incident list --drafts" "$(bk_cli incident list --drafts)" "Hidden outage Q7"
assert_contains "incident show says draft" "$(bk_cli incident show "$D")" "draft (not published"
assert_eq "incident list --json: draft true" true "$(bk_cli incident list --json | jq -r --arg i "$D" '.[] | select(.id == $i) | .draft')"
assert_eq "a draft leaves its components alone (store)" operational "$(stored_status API)"
absent "Hidden outage Q7" "$D"
assert_eq "v1 GET of the draft says draft: true" true "$(curl -s -H "$AUTH" "$U$V/incidents/$D" | jq -r .draft)"
notify_once
assert_eq "a draft sends nothing" 0 "$(incident_hooks)"
check_fails "a draft cannot be resolved (discard it)" bk_cli incident resolve "$D"
check_fails "a draft has no postmortem" sh -c "echo pm > '$T/pm'; '$BEACON' --config '$CONF' incident postmortem '$D' --body-file '$T/pm'"
check "a draft can be edited (update rewrites its one update)" bk_cli incident update "$D" --status investigating --body "Edited text"
assert_eq "... still one update" 1 "$(bk_cli incident show "$D" --json | jq '.updates | length')"
assert_eq "... with the new text" "Edited text" "$(bk_cli incident show "$D" --json | jq -r '.updates[0].body')"
assert_eq "... and its planned status kept" major_outage "$(bk_cli incident show "$D" --json | jq -r '.updates[0].affected[0].new_status')"
assert_eq "editing still changes no component (store)" operational "$(stored_status API)"
notify_once
assert_eq "an edit sends nothing" 0 "$(incident_hooks)"

# ---- publish ----
check "incident publish" bk_cli incident publish "$D"
check_fails "publishing twice is refused" bk_cli incident publish "$D"
eventually_eq "published: the component takes its status now" major_outage status_of API
eventually_eq "published: on the home page" yes has / "Hidden outage Q7"
code_of() { curl -s -o /dev/null -w '%{http_code}' "$U$1"; }
eventually_eq "published: its page" 200 code_of "/incidents/$D"
assert_eq "published: in unresolved.json" "$D" "$(curl -s "$U/api/v2/incidents/unresolved.json" | jq -r '.incidents[0].id')"
eventually_eq "published: in the feed" yes has /history.atom "Hidden outage Q7"
assert_ne "published: status.json no longer none" none "$(curl -s "$U/api/v2/status.json" | jq -r .status.indicator)"
assert_eq "published: v1 shows no draft field" null "$(curl -s -H "$AUTH" "$U$V/incidents/$D" | jq -r .draft)"
assert_contains "published: the audit names the creation" "$(bk_cli audit --limit 3)" "incident.created"
notify_once
assert_eq "publish sends exactly one notification" 1 "$(incident_hooks)"
assert_eq "... about this incident" "Hidden outage Q7" "$(jq -s -r '[.[] | select(.path == "/all")][0].body' "$HOOKLOG" | jq -r .incident.name)"
assert_eq "... signed" true "$(jq -s -r '[.[] | select(.path == "/all")][0].sig_ok' "$HOOKLOG")"
notify_once
assert_eq "... and only once" 1 "$(incident_hooks)"
bk_cli incident resolve "$D" >/dev/null
notify_once; : > "$HOOKLOG"

# ---- discard ----
D2=$(bk_cli incident open --name "Never shown Z3" --status investigating --component DB=partial_outage --draft)
check "incident discard" bk_cli incident discard "$D2"
assert_eq "discarded: no drafts left" "" "$(bk_cli incident list --drafts)"
check_fails "discarded: gone" bk_cli incident show "$D2"
absent "Never shown Z3" "$D2"
assert_eq "discarded: DB untouched (store)" operational "$(stored_status DB)"
check_fails "a published incident cannot be discarded" bk_cli incident discard "$D"
notify_once
assert_eq "discarding sends nothing" 0 "$(incident_hooks)"

# ---- v1: draft extension field ----
assert_status "v1 POST with draft: true" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d '{"incident":{"name":"V1 draft K9","status":"investigating","draft":true}}' "$U$V/incidents"
VD=$(jq -r .id "$T/body")
assert_eq "v1 answer says draft: true" true "$(jq -r .draft "$T/body")"
assert_not_contains "v1 draft not on /" "$(curl -s "$U/")" "V1 draft K9"
assert_status "v1 PATCH draft: false publishes" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"draft":false}}' "$U$V/incidents/$VD"
assert_eq "... the answer has no draft field" null "$(jq -r .draft "$T/body")"
eventually_eq "... on / now" yes has / "V1 draft K9"
assert_status "v1 PATCH draft: true on a published incident is 409" 409 -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"draft":true}}' "$U$V/incidents/$VD"
notify_once
assert_eq "v1 publish sent one notification" 1 "$(incident_hooks)"
bk_cli incident resolve "$VD" >/dev/null
notify_once; : > "$HOOKLOG"

# ---- admin: composer "Save as draft", Drafts list, Publish and Discard ----
check "user add editor" sh -c "echo 'editor-password-1' | '$BEACON' --config '$CONF' user add editor@example.com --role editor"
get_cookie() { sed -n "s/^[Ss]et-[Cc]ookie: $1=\([^;]*\).*/\1/p" "$2" | tail -1 | tr -d '\r'; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }
curl -s -D "$T/h.login" -o "$T/b.login" "$U/admin/login"
PRE=$(get_cookie __Host-beacon_pre "$T/h.login"); TOK=$(csrf_of "$T/b.login")
curl -s -o /dev/null -D "$T/h.post" -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_pre=$PRE" \
	--data-urlencode "email=editor@example.com" --data-urlencode "password=editor-password-1" --data-urlencode "csrf=$TOK" "$U/admin/login"
SID=$(get_cookie __Host-beacon_session "$T/h.post")
check "editor signed in" test -n "$SID"
page() { curl -s -o "$T/page" -w '%{http_code}' -H "Cookie: __Host-beacon_session=$SID" ${2:+-H "$2"} "$U$1"; }
post() {
	local p=$1 tok; shift
	curl -s -o "$T/tokpage" -H "Cookie: __Host-beacon_session=$SID" "$U/admin/account"; tok=$(csrf_of "$T/tokpage")
	local args=(); for f in "$@"; do args+=(--data-urlencode "$f"); done
	curl -s -o "$T/post" -D "$T/h.p" -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$SID" \
		--data-urlencode "csrf=$tok" "${args[@]}" "$U$p"
}
assert_eq "composer: Save as draft" 303 "$(post /admin/incidents/new name="Admin draft W4" status=investigating body=Checking notify=1 draft=1 save_template=am-draft)"
AD=$(bk_cli incident list --drafts --json | jq -r '.[0].id')
assert_eq "composer made a draft" "Admin draft W4" "$(bk_cli incident list --drafts --json | jq -r '.[0].name')"
assert_eq "dashboard" 200 "$(page /admin)"
assert_contains "dashboard: the Drafts list" "$(cat "$T/page")" 'id="drafts"'
assert_contains "dashboard: the draft in it" "$(cat "$T/page")" "Admin draft W4"
assert_contains "dashboard: its Publish button" "$(cat "$T/page")" "id=\"publish-$AD\""
assert_contains "dashboard: its Discard button" "$(cat "$T/page")" "id=\"discard-$AD\""
assert_eq "incidents page" 200 "$(page /admin/incidents)"
assert_contains "incidents page: the Drafts list" "$(cat "$T/page")" "Admin draft W4"
assert_eq "dashboard in Spanish" 200 "$(page /admin 'Accept-Language: es')"
assert_contains "... Borradores" "$(cat "$T/page")" "Borradores"
assert_contains "... Descartar" "$(cat "$T/page")" "Descartar"
assert_eq "the draft's admin page" 200 "$(page "/admin/incident?id=$AD")"
assert_contains "... says it is a draft" "$(cat "$T/page")" 'id="draft-state"'
assert_not_contains "admin draft not on /" "$(curl -s "$U/")" "Admin draft W4"
assert_eq "POST without CSRF is refused" 403 "$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$SID" --data-urlencode "id=$AD" "$U/admin/drafts/publish")"
assert_eq "Publish" 303 "$(post /admin/drafts/publish id="$AD")"
eventually_eq "published from the admin: on /" yes has / "Admin draft W4"
assert_eq "publishing a published one: 409" 409 "$(post /admin/drafts/publish id="$AD")"
notify_once
assert_eq "admin publish sent one notification" 1 "$(incident_hooks)"
bk_cli incident resolve "$AD" >/dev/null
assert_eq "composer: another draft" 303 "$(post /admin/incidents/new name="Admin draft V5" status=investigating draft=1)"
AD2=$(bk_cli incident list --drafts --json | jq -r '.[0].id')
assert_eq "Discard" 303 "$(post /admin/drafts/discard id="$AD2")"
assert_eq "discarded from the admin: no drafts" "" "$(bk_cli incident list --drafts)"
assert_eq "discard of an unknown id: 404" 404 "$(post /admin/drafts/discard id=zzzzzzzzzzzz)"
notify_once; : > "$HOOKLOG"

# ---- Alertmanager: a rule with --incident-template --draft ----
check_fails "rule add --draft without an incident is a usage error" bk_cli rule add --component API --match service=x --draft
check_fails "rule add with an unknown template is refused" bk_cli rule add --component API --match service=x --incident-template nope
RULE=$(bk_cli rule add --component DB --match service=db --incident-template am-draft --draft)
check "rule add --incident-template --draft" test -n "$RULE"
assert_contains "rule list shows template and draft" "$(bk_cli rule list)" "template: am-draft  (as a draft)"
INTAKE=$(bk_cli token create --scope intake)
am() {   # am STATUS: one Alertmanager v4 notification of group g-db
	curl -s -o "$T/am" -w '%{http_code}' -H "Authorization: Bearer $INTAKE" -H "$JSON" -X POST \
		-d "{\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"DBDown\\\"}\",\"status\":\"$1\",\"alerts\":[{\"status\":\"$1\",\"labels\":{\"alertname\":\"DBDown\",\"service\":\"db\",\"severity\":\"critical\"},\"startsAt\":\"2026-12-01T10:00:00Z\",\"fingerprint\":\"abc123\"}]}" \
		"$U/intake/alertmanager"
}
assert_eq "alertmanager: firing accepted" 200 "$(am firing)"
AMD=$(bk_cli incident list --drafts --json | jq -r '.[0].id')
assert_eq "the rule opened a draft from the template" "Admin draft W4" "$(bk_cli incident list --drafts --json | jq -r '.[0].name')"
assert_eq "... with the template's body" "Checking" "$(bk_cli incident show "$AMD" --json | jq -r '.updates[0].body')"
eventually_eq "the rule's component mapping still applies" major_outage status_of DB
assert_eq "the draft is on no public incident list" 0 "$(curl -s "$U/api/v2/incidents/unresolved.json" | jq '.incidents | length')"
assert_status "the draft's page is 404" 404 "$U/incidents/$AMD"
assert_eq "a repeat opens no second draft" 200 "$(am firing)"
assert_eq "... still one draft" 1 "$(bk_cli incident list --drafts --json | jq length)"
notify_once
assert_eq "the intake draft sent no incident notification" 0 "$(incident_hooks)"
assert_eq "alertmanager: resolved accepted" 200 "$(am resolved)"
assert_eq "every alert resolved before anyone published: the draft is discarded" "" "$(bk_cli incident list --drafts)"
check_fails "... gone" bk_cli incident show "$AMD"
eventually_eq "the component is restored" operational status_of DB
assert_contains "the audit says intake discarded it" "$(bk_cli audit --limit 5)" "incident.draft_discarded"
# fired again and published by a human: resolving the group resolves it like any incident
assert_eq "alertmanager: fires again" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $INTAKE" -H "$JSON" -X POST \
	-d '{"version":"4","groupKey":"{}:{alertname=\"DBDown\"}","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"DBDown","service":"db","severity":"critical"},"startsAt":"2026-12-01T11:00:00Z","fingerprint":"abc123"}]}' "$U/intake/alertmanager")"
AMD2=$(bk_cli incident list --drafts --json | jq -r '.[0].id')
check "a new draft" test -n "$AMD2" -a "$AMD2" != null
check "a human publishes it" bk_cli incident publish "$AMD2"
assert_eq "alertmanager: resolves" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $INTAKE" -H "$JSON" -X POST \
	-d '{"version":"4","groupKey":"{}:{alertname=\"DBDown\"}","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"DBDown","service":"db","severity":"critical"},"startsAt":"2026-12-01T11:00:00Z","fingerprint":"abc123"}]}' "$U/intake/alertmanager")"
assert_eq "the published incident is resolved, not discarded" resolved "$(bk_cli incident show "$AMD2" --json | jq -r .status)"
bk_done
