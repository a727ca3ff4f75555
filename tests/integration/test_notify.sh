# test_notify.sh: subscribers and notifications with real parts: v1 /subscribers (create, list filters,
# count, get, delete, resend, bad input changes nothing; PATCH component_ids, histogram_by_state,
# unsubscribed, bulk unsubscribe/reactivate/resend_confirmation, incident subscribers notified about
# their incident only, to a real HTTP receiver; refused input leaves the whole store as it was), the CLI, and `beacon notify` turning outbox
# events into mails received by a real SMTP server (aiosmtpd), parsed header by header.
. "$(dirname "$0")/lib.sh"

SMTP_PORT=$(free_port)
MAILDIR="$T/mail"; mkdir -p "$MAILDIR"
/usr/bin/python3 "$ROOT/tests/integration/smtp_sink.py" "$SMTP_PORT" "$MAILDIR" >"$T/smtp.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
bk_default_setup "smtp_host = 127.0.0.1" "smtp_port = $SMTP_PORT" "smtp_starttls = no" "notify_allow_private = yes" \
	"notify_from = Beacon Status <status@example.test>"
wait_for python3 -c "import socket; socket.create_connection((\"127.0.0.1\", $SMTP_PORT))" || { echo "# smtp sink did not start"; cat "$T/smtp.log"; }

AUTH="Authorization: OAuth $ADMIN_TOKEN"
JSON="Content-Type: application/json"
B="$T/body"
j() { jq -r "$@" "$B" 2>/dev/null; }
PAGE=$(curl -s -H "$AUTH" "$URL/v1/pages" | jq -r '.[0].id')
V="/v1/pages/$PAGE"
COMP=$(bk_cli component add --name API | awk '{print $1}')
subs_state() { bk_cli subscriber list --json | md5sum; }
mails() { ls "$MAILDIR" | grep -c '\.eml$'; }
wait_until() { local d=$1; shift; if wait_for "$@"; then ok "$d"; else not_ok "$d" "still false after 10 s: $*"; fi; }
notify_once() { bk_cli notify --once >>"$T/notify.log" 2>&1; }

# ---- v1 create, get, list, count ----
assert_status "create email subscriber: 201" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscriber\":{\"email\":\"ana@example.test\",\"component_ids\":[\"$COMP\"],\"language\":\"es\"}}" "$URL$V/subscribers"
SUB=$(j .id)
assert_eq "new email subscriber is unconfirmed" "unconfirmed" "$(j .state)"
assert_eq "mode email" "email" "$(j .mode)"
assert_eq "components kept" "$COMP" "$(j '.components[0]')"
assert_eq "no secret for email" "null" "$(j .secret)"
assert_status "create webhook subscriber: 201" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d '{"subscriber":{"endpoint":"http://127.0.0.1:9/hook","email":"ops@example.test"}}' "$URL$V/subscribers"
HOOK=$(j .id)
assert_eq "webhook subscriber active" "active" "$(j .state)"
case "$(j .secret)" in whsec_*) ok "webhook secret shown at creation";; *) not_ok "webhook secret shown" "$(cat "$B")";; esac
assert_status "get webhook subscriber" 200 -H "$AUTH" "$URL$V/subscribers/$HOOK"
assert_eq "secret never shown again" "null" "$(j .secret)"
assert_status "list default (active)" 200 -H "$AUTH" "$URL$V/subscribers"
assert_eq "active list has the webhook only" "$HOOK" "$(j '[.[].id] | join(",")')"
assert_status "list unconfirmed emails" 200 -H "$AUTH" "$URL$V/subscribers?type=email&state=unconfirmed"
assert_eq "unconfirmed list" "$SUB" "$(j '[.[].id] | join(",")')"
assert_status "list paging" 200 -H "$AUTH" "$URL$V/subscribers?state=all&per_page=1&page=2"
assert_eq "page 2 of 1" "1" "$(j length)"
assert_status "count" 200 -H "$AUTH" "$URL$V/subscribers/count?state=all"
assert_eq "count by type" "1 1 0" "$(j '"\(.email) \(.webhook) \(.slack)"')"
assert_status "no auth: 401" 401 "$URL$V/subscribers"

# ---- bad input: clear errors, nothing written ----
bad() {
	local d=$1 code=$2 field=$3 body=$4 before
	before=$(subs_state)
	assert_status "$d: HTTP $code" "$code" -X POST -H "$AUTH" -H "$JSON" -d "$body" "$URL$V/subscribers"
	assert_contains "$d: error names $field" "$(j .error)" "$field"
	assert_eq "$d: nothing written" "$before" "$(subs_state)"
}
bad "bad email" 422 email '{"subscriber":{"email":"not an address"}}'
bad "bad URL" 422 endpoint '{"subscriber":{"endpoint":"ftp://x/y"}}'
bad "unknown component" 422 component_ids '{"subscriber":{"email":"b@example.test","component_ids":["zzzzzzzzzzzz"]}}'
bad "oversize email" 422 email "{\"subscriber\":{\"email\":\"$(head -c 300 /dev/zero | tr '\0' a)@example.test\"}}"
bad "neither email nor endpoint" 422 subscriber '{"subscriber":{}}'
bad "duplicate" 409 "already exists" '{"subscriber":{"email":"ANA@example.test"}}'
bad "bad language" 422 language '{"subscriber":{"email":"c@example.test","language":"fr"}}'

# ---- the confirmation mail, from the outbox, through SMTP ----
notify_once
wait_until "confirmation mail received" test "$(mails)" -ge 1
M="$MAILDIR/1.eml"
mp() { /usr/bin/python3 "$ROOT/tests/integration/mail_parse.py" "$M" "$@"; }
assert_eq "To" "ana@example.test" "$(mp To)"
assert_contains "Subject in Spanish, RFC 2047 decoded" "$(mp Subject)" "Confirma tu suscripción a"
assert_contains "raw Subject is encoded-words" "$(grep -m1 '^Subject:' "$M")" "=?UTF-8?B?"
assert_eq "Auto-Submitted" "auto-generated" "$(mp Auto-Submitted)"
assert_eq "List-Unsubscribe-Post" "List-Unsubscribe=One-Click" "$(mp List-Unsubscribe-Post)"
assert_contains "List-Unsubscribe link" "$(mp List-Unsubscribe)" "http://127.0.0.1/unsubscribe?token=u$SUB."
assert_contains "Message-ID is the delivery id" "$(mp Message-ID)" "_$SUB@beacon>"
assert_ne "Date header" "" "$(mp Date)"
assert_eq "envelope sender" "status@example.test" "$(sed -n 's/^X-Envelope-From: //p' "$M" | tr -d '\r')"
assert_contains "text part has the confirm link" "$(mp link subscribe/confirm)" "token=c$SUB."
assert_contains "html part escapes and links" "$(mp html)" "<a href=\"http://127.0.0.1/subscribe/confirm?token="
notify_once
assert_eq "one mail per subscriber per event (no resend)" "1" "$(mails)"

# ---- resend, deliveries listing ----
assert_status "resend confirmation" 201 -X POST -H "$AUTH" "$URL$V/subscribers/$SUB/resend_confirmation"
assert_status "resend to an active webhook: 422" 422 -X POST -H "$AUTH" "$URL$V/subscribers/$HOOK/resend_confirmation"
notify_once
wait_until "second confirmation mail" test "$(mails)" -ge 2
assert_contains "deliveries lists them" "$(bk_cli deliveries)" "delivered"
assert_eq "deliveries json: 2 delivered" "2" "$(bk_cli deliveries --json | jq '[.deliveries[] | select(.state=="delivered")] | length')"

# ---- the links of the mail: GET shows a button (scanners change nothing), POST acts; one-click ----
CONFIRM=$(mp link subscribe/confirm); CPATH=${CONFIRM#http://127.0.0.1}
assert_status "confirm link GET: a page with a button" 200 "$URL$CPATH"
assert_contains "confirm page has a POST form" "$(cat "$B")" 'method="post"'
assert_eq "GET changed nothing" "unconfirmed" "$(curl -s -H "$AUTH" "$URL$V/subscribers/$SUB" | jq -r .state)"
assert_status "confirm POST" 200 -X POST "$URL$CPATH"
assert_eq "confirmed" "active" "$(curl -s -H "$AUTH" "$URL$V/subscribers/$SUB" | jq -r .state)"
assert_status "confirm link is single-use" 404 -X POST "$URL$CPATH"
assert_status "forged token: 404" 404 "$URL/unsubscribe?token=u$SUB.99999999999999.00000000000000000000000000000000"
UNSUB=$(mp List-Unsubscribe | tr -d '<>'); UPATH=${UNSUB#http://127.0.0.1}
assert_status "unsubscribe GET: a page" 200 "$URL$UPATH"
assert_eq "unsubscribe GET changed nothing" "active" "$(curl -s -H "$AUTH" "$URL$V/subscribers/$SUB" | jq -r .state)"
assert_status "RFC 8058 one-click POST" 200 -X POST -d "List-Unsubscribe=One-Click" "$URL$UPATH"
assert_eq "unsubscribed by one click" "unsubscribed" "$(curl -s -H "$AUTH" "$URL$V/subscribers/$SUB" | jq -r .state)"

# ---- Chromium: subscribe on the page, confirm from the mail's link, unsubscribe from the mail's link ----
if [ -x /usr/bin/chromium ]; then
	/usr/bin/python3 "$ROOT/tests/integration/cdp_subscribe.py" /usr/bin/chromium "$URL" "$T/chrome" "$MAILDIR" "$BEACON" "$CONF" \
		chrome@example.test > "$T/cdp.out" 2>&1
	while IFS="$(printf '\t')" read -r res desc detail; do
		case "$res" in PASS) ok "chromium: $desc";; FAIL) not_ok "chromium: $desc" "$detail";; esac
	done < "$T/cdp.out"
	assert_eq "chromium: every step ran" 10 "$(grep -c '^PASS' "$T/cdp.out")"
else
	not_ok "chromium is installed"
fi

# ---- the public form: CSRF token, same answer for known and new addresses, rate limit ----
assert_status "subscribe form" 200 "$URL/subscribe"
CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$B" | sed 's/.*value="//; s/"//')
assert_ne "form carries a CSRF token" "" "$CSRF"
assert_status "form post, new address" 200 -X POST -d "csrf=$CSRF&email=new%40example.test&language=en" "$URL/subscribe"
A1=$(cat "$B" | md5sum)
assert_status "form post, known address" 200 -X POST -d "csrf=$CSRF&email=ops%40example.test&language=en" "$URL/subscribe"
assert_eq "same answer either way" "$A1" "$(cat "$B" | md5sum)"
assert_eq "new address is pending" "pending" "$(bk_cli subscriber list --json | jq -r '.[] | select(.email=="new@example.test") | .state')"
BEFORE=$(subs_state)
assert_status "cross-site post refused" 403 -X POST -H "Sec-Fetch-Site: cross-site" -d "csrf=$CSRF&email=x%40example.test" "$URL/subscribe"
assert_status "missing CSRF refused" 403 -X POST -d "email=y%40example.test" "$URL/subscribe"
assert_status "bad address: readable error" 422 -X POST -d "csrf=$CSRF&email=nope" "$URL/subscribe"
assert_eq "refused posts wrote nothing" "$BEFORE" "$(subs_state)"
for i in 1 2 3; do curl -s -o /dev/null -X POST -d "csrf=$CSRF&email=z$i%40example.test" "$URL/subscribe"; done
assert_status "rate limited per client address" 429 -X POST -d "csrf=$CSRF&email=w%40example.test" "$URL/subscribe"

# ---- delete (unsubscribe) ----
assert_status "delete: 200 with the subscriber" 200 -X DELETE -H "$AUTH" "$URL$V/subscribers/$SUB"
assert_eq "now unsubscribed" "unsubscribed" "$(j .state)"
assert_status "unknown subscriber: 404" 404 -H "$AUTH" "$URL$V/subscribers/zzzzzzzzzzzz"
assert_contains "audit has the subscriber events" "$(bk_cli audit --limit 20)" "subscriber.unsubscribed"

# ---- CLI ----
OUT=$(bk_cli subscriber add --webhook http://127.0.0.1:9/other --component "$COMP")
assert_contains "cli add webhook prints the secret once" "$OUT" "webhook secret (shown once): whsec_"
CID=$(echo "$OUT" | awk 'NR==1{print $1}')
assert_contains "cli list" "$(bk_cli subscriber list --type webhook)" "$CID"
assert_eq "cli show" "active" "$(bk_cli subscriber show "$CID" | jq -r .state)"
check_fails "cli add bad email fails" bk_cli subscriber add --email "x@"
check_fails "cli add duplicate active webhook fails" bk_cli subscriber add --webhook http://127.0.0.1:9/other
check "cli del" bk_cli subscriber del "$CID"
assert_eq "cli del unsubscribed" "unsubscribed" "$(bk_cli subscriber show "$CID" | jq -r .state)"

# ---- OpenAPI documents every subscriber route ----
assert_status "openapi" 200 "$URL/v1/openapi.json"
missing=""
for pm in "get /pages/{page_id}/subscribers" "post /pages/{page_id}/subscribers" "get /pages/{page_id}/subscribers/count" \
	"get /pages/{page_id}/subscribers/{id}" "delete /pages/{page_id}/subscribers/{id}" \
	"post /pages/{page_id}/subscribers/{id}/resend_confirmation" "patch /pages/{page_id}/subscribers/{id}" \
	"put /pages/{page_id}/subscribers/{id}" "get /pages/{page_id}/subscribers/histogram_by_state" \
	"get /pages/{page_id}/subscribers/unsubscribed" "post /pages/{page_id}/subscribers/unsubscribe" \
	"post /pages/{page_id}/subscribers/reactivate" "post /pages/{page_id}/subscribers/resend_confirmation" \
	"get /pages/{page_id}/incidents/{incident_id}/subscribers" "post /pages/{page_id}/incidents/{incident_id}/subscribers" \
	"get /pages/{page_id}/incidents/{incident_id}/subscribers/{id}" \
	"delete /pages/{page_id}/incidents/{incident_id}/subscribers/{id}" \
	"post /pages/{page_id}/incidents/{incident_id}/subscribers/{id}/resend_confirmation"; do
	m=${pm%% *} p=${pm#* }
	jq -e --arg p "$p" --arg m "$m" '.paths[$p][$m] != null' "$B" >/dev/null || missing="$missing $pm;"
done
assert_eq "openapi: subscriber routes documented" "" "$missing"
check "openapi: Subscriber schema" jq -e '.components.schemas.Subscriber.properties.secret' "$B"

# ================= v1: PATCH, histogram, unsubscribed, bulk, incident subscribers =================
HOOK_PORT=$(free_port); SECRETS="$T/secrets.json"; HOOKLOG="$T/hooks.log"; echo '{}' > "$SECRETS"; : > "$HOOKLOG"
/usr/bin/python3 "$ROOT/tests/integration/webhook_receiver.py" "$HOOK_PORT" "$SECRETS" "$HOOKLOG" >"$T/hook.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
wait_for python3 -c "import socket; socket.create_connection(('127.0.0.1', $HOOK_PORT))"
H="http://127.0.0.1:$HOOK_PORT"
RAUTH="Authorization: OAuth $(bk_cli token create --scope read --name reader)"
dump() { mdb_dump -a -p "$STORE" 2>/dev/null | md5sum; }    # the whole store
naudit() { bk_cli audit --limit 100000 --json | jq length; }
hooks() { jq -c "select(.path == \"$1\")" "$HOOKLOG"; }
nhooks() { hooks "$1" | grep -c . ; }
# keep_secret PATH: the webhook secret of the last answer goes to the receiver
keep_secret() { jq --arg p "$1" --arg s "$(j .secret)" '. + {($p): $s}' "$SECRETS" > "$SECRETS.tmp" && mv "$SECRETS.tmp" "$SECRETS"; }
# hook PATH [URL]: a new webhook subscriber of the page (or of URL's incident); prints its id
hook() {
	curl -s -o "$B" -X POST -H "$AUTH" -H "$JSON" -d "{\"subscriber\":{\"endpoint\":\"$H$1\"}}" "$URL${2:-$V/subscribers}"
	keep_secret "$1"; j .id
}
# refused DESC CODE TEXT curl-args...: a JSON error holding TEXT, and the store unchanged
refused() {
	local d=$1 code=$2 text=$3 before; shift 3
	before=$(dump)
	assert_status "$d: HTTP $code" "$code" "$@"
	assert_contains "$d: the error says $text" "$(j .error)" "$text"
	assert_eq "$d: nothing written" "$before" "$(dump)"
}
COMP2=$(bk_cli component add --name Web | awk '{print $1}')
notify_once; : > "$HOOKLOG"

# ---- PATCH …/subscribers/{id}: component_ids ----
PS=$(hook /p)
A0=$(naudit)
assert_status "PATCH component_ids at the top level" 200 -X PATCH -H "$AUTH" -H "$JSON" \
	-d "{\"component_ids\":[\"$COMP\",\"$COMP2\"]}" "$URL$V/subscribers/$PS"
assert_eq "PATCH: components set" "$COMP,$COMP2" "$(j '.components | join(",")')"
assert_eq "PATCH: one audit entry" "$((A0 + 1))" "$(naudit)"
assert_contains "PATCH: audited as subscriber.updated" "$(bk_cli audit --limit 1)" "subscriber.updated"
assert_status "PATCH inside the subscriber envelope" 200 -X PATCH -H "$AUTH" -H "$JSON" \
	-d "{\"subscriber\":{\"component_ids\":[\"$COMP2\"]}}" "$URL$V/subscribers/$PS"
assert_eq "PATCH envelope: components" "$COMP2" "$(j '.components | join(",")')"
assert_status "PATCH form-encoded" 200 -X PATCH -H "$AUTH" -d "subscriber[component_ids][]=$COMP" "$URL$V/subscribers/$PS"
assert_eq "PATCH form: components" "$COMP" "$(j '.components | join(",")')"
assert_status "PUT is PATCH" 200 -X PUT -H "$AUTH" -H "$JSON" -d "{\"component_ids\":[\"$COMP\"]}" "$URL$V/subscribers/$PS"
A0=$(naudit)
assert_status "PATCH with the same components" 200 -X PATCH -H "$AUTH" -H "$JSON" -d "{\"component_ids\":[\"$COMP\"]}" "$URL$V/subscribers/$PS"
assert_eq "PATCH changing nothing: no audit entry" "$A0" "$(naudit)"
assert_status "PATCH with component_ids omitted: every component" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{}' "$URL$V/subscribers/$PS"
assert_eq "PATCH {}: components empty (all)" "0" "$(j '.components | length')"
assert_status "PATCH with []: every component" 200 -X PATCH -H "$AUTH" -H "$JSON" -d "{\"component_ids\":[\"$COMP\"]}" "$URL$V/subscribers/$PS"
assert_status "PATCH []" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"component_ids":[]}' "$URL$V/subscribers/$PS"
assert_eq "PATCH []: components empty (all)" "0" "$(j '.components | length')"
MANY=$(seq 1 301 | sed 's/^/"c/; s/$/"/' | paste -sd,)
refused "PATCH unknown component" 422 "no component 'zzzzzzzzzzzz'" -X PATCH -H "$AUTH" -H "$JSON" \
	-d "{\"component_ids\":[\"$COMP\",\"zzzzzzzzzzzz\"]}" "$URL$V/subscribers/$PS"
refused "PATCH malformed JSON" 400 "malformed JSON" -X PATCH -H "$AUTH" -H "$JSON" -d '{"component_ids":[' "$URL$V/subscribers/$PS"
refused "PATCH of another field" 422 "unknown field: subscriber.email" -X PATCH -H "$AUTH" -H "$JSON" \
	-d '{"subscriber":{"email":"x@example.test"}}' "$URL$V/subscribers/$PS"
refused "PATCH with 301 components" 422 "at most 300" -X PATCH -H "$AUTH" -H "$JSON" -d "{\"component_ids\":[$MANY]}" "$URL$V/subscribers/$PS"
refused "PATCH a bad id" 422 "component_ids[0]" -X PATCH -H "$AUTH" -H "$JSON" -d '{"component_ids":["../x"]}' "$URL$V/subscribers/$PS"
refused "PATCH unknown subscriber" 404 "subscriber not found" -X PATCH -H "$AUTH" -H "$JSON" -d '{}' "$URL$V/subscribers/zzzzzzzzzzzz"
refused "PATCH without a key" 401 "Could not authenticate" -X PATCH -H "$JSON" -d '{}' "$URL$V/subscribers/$PS"
refused "PATCH with a read key" 403 "scope" -X PATCH -H "$RAUTH" -H "$JSON" -d '{}' "$URL$V/subscribers/$PS"

# ---- histogram_by_state and count agree ----
assert_status "histogram_by_state" 200 -H "$RAUTH" "$URL$V/subscribers/histogram_by_state"
cp "$B" "$T/hist.json"
assert_eq "histogram: Statuspage's types" '["email","integration_partner","slack","sms","teams","webhook"]' "$(jq -c 'keys' "$T/hist.json")"
assert_eq "histogram: states and total per type" "true" "$(jq 'all(.[]; keys == ["active","quarantined","total","unconfirmed"] and .total == .active + .unconfirmed + .quarantined)' "$T/hist.json")"
for st in active unconfirmed quarantined; do
	C=$(curl -s -H "$RAUTH" "$URL$V/subscribers/count?state=$st")
	assert_eq "histogram $st = count?state=$st" "$(echo "$C" | jq -c '[.email, .webhook, .slack]')" "$(jq -c --arg s "$st" '[.email[$s], .webhook[$s], .slack[$s]]' "$T/hist.json")"
done
assert_status "histogram_by_state.json" 200 -H "$RAUTH" "$URL$V/subscribers/histogram_by_state.json"
assert_status "histogram without a key" 401 "$URL$V/subscribers/histogram_by_state"

# ---- unsubscribed: the tombstones, with paging ----
assert_status "unsubscribed list" 200 -H "$RAUTH" "$URL$V/subscribers/unsubscribed"
assert_contains "unsubscribed list has the deleted subscriber" "$(j '[.[].id] | join(",")')" "$SUB"
assert_eq "unsubscribed list: only unsubscribed, each with unsubscribed_at" "true" "$(j 'all(.state == "unsubscribed" and .unsubscribed_at != null)')"
NUNSUB=$(j length)
assert_status "unsubscribed paging" 200 -H "$RAUTH" "$URL$V/subscribers/unsubscribed?per_page=1&page=2"
[ "$NUNSUB" -ge 2 ] && assert_eq "unsubscribed page 2 of 1 is the second" "$(curl -s -H "$RAUTH" "$URL$V/subscribers/unsubscribed" | jq -r '.[1].id')" "$(j '.[0].id')"
assert_status "unsubscribed past the end: []" 200 -H "$RAUTH" "$URL$V/subscribers/unsubscribed?page=999"
assert_eq "past the end is empty" "0" "$(j length)"
assert_status "unsubscribed without a key" 401 "$URL$V/subscribers/unsubscribed"

# ---- bulk unsubscribe / reactivate / resend_confirmation: all or nothing ----
B1=$(hook /b1); B2=$(hook /b2); B3=$(hook /b3)
E1=$(curl -s -X POST -H "$AUTH" -H "$JSON" -d '{"subscriber":{"email":"bulk@example.test"}}' "$URL$V/subscribers" | jq -r .id)
notify_once; : > "$HOOKLOG"
A0=$(naudit)
assert_status "bulk unsubscribe" 200 -X POST -H "$AUTH" -H "$JSON" -d "{\"subscribers\":[\"$B1\",\"$B2\",\"$B1\"]}" "$URL$V/subscribers/unsubscribe"
assert_eq "bulk unsubscribe: the answer lists each once, unsubscribed" "$B1 unsubscribed,$B2 unsubscribed" "$(j '[.[] | "\(.id) \(.state)"] | join(",")')"
assert_eq "bulk unsubscribe: one audit entry per subscriber" "$((A0 + 2))" "$(naudit)"
assert_eq "bulk unsubscribe: audited" "2" "$(bk_cli audit --limit 2 | grep -c subscriber.unsubscribed)"
assert_eq "bulk unsubscribe: the third is still active" "active" "$(curl -s -H "$AUTH" "$URL$V/subscribers/$B3" | jq -r .state)"
assert_status "an incident for the page's subscribers" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d '{"incident":{"name":"Bulk check","status":"investigating","body":"x"}}' "$URL$V/incidents"
INC0=$(j .id)
notify_once
assert_eq "the sender skips unsubscribed subscribers" "0 0" "$(nhooks /b1) $(nhooks /b2)"
assert_eq "the active one got it" "1" "$(nhooks /b3)"
BIG=$(seq 1 1001 | sed 's/^/"s/; s/$/"/' | paste -sd,)
LONGID=$(head -c 2000 /dev/zero | tr '\0' a)
{ printf '{"subscribers":["'; head -c 70000 /dev/zero | tr '\0' a; printf '"]}'; } > "$T/huge.json"
refused "bulk with an unknown id" 422 "no subscriber 'zzzzzzzzzzzz'" -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscribers\":[\"$B3\",\"zzzzzzzzzzzz\"]}" "$URL$V/subscribers/unsubscribe"
refused "bulk with 1001 ids" 422 "at most 1000" -X POST -H "$AUTH" -H "$JSON" -d "{\"subscribers\":[$BIG]}" "$URL$V/subscribers/unsubscribe"
refused "bulk with 1001 ids as a string" 422 "at most 1000" -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscribers\":\"$(seq 1 1001 | sed 's/^/s/' | paste -sd,)\"}" "$URL$V/subscribers/reactivate"
refused "bulk malformed JSON" 400 "malformed JSON" -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":["a"' "$URL$V/subscribers/unsubscribe"
refused "bulk without subscribers" 422 "subscribers: is required" -X POST -H "$AUTH" -H "$JSON" -d '{"type":"webhook"}' "$URL$V/subscribers/unsubscribe"
refused "bulk with no ids" 422 "at least one" -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":[]}' "$URL$V/subscribers/unsubscribe"
refused "bulk with a bad type" 422 "type: must be one of" -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":"all","type":"pigeon"}' "$URL$V/subscribers/unsubscribe"
refused "bulk with a bad state" 422 "state: must be one of" -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":"all","state":"asleep"}' "$URL$V/subscribers/unsubscribe"
refused "bulk with an unknown field" 422 "unknown field: everyone" -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":"all","everyone":true}' "$URL$V/subscribers/unsubscribe"
refused "bulk with an oversize id" 422 "subscribers[0]" -X POST -H "$AUTH" -H "$JSON" -d "{\"subscribers\":[\"$LONGID\"]}" "$URL$V/subscribers/unsubscribe"
before=$(dump)
assert_status "bulk body over max_body_kb: 413 from nginx" 413 -X POST -H "$AUTH" -H "$JSON" --data-binary "@$T/huge.json" "$URL$V/subscribers/unsubscribe"
assert_eq "bulk oversize body: nothing written" "$before" "$(dump)"
refused "bulk without a key" 401 "Could not authenticate" -X POST -H "$JSON" -d "{\"subscribers\":[\"$B3\"]}" "$URL$V/subscribers/unsubscribe"
refused "bulk with a read key" 403 "scope" -X POST -H "$RAUTH" -H "$JSON" -d "{\"subscribers\":[\"$B3\"]}" "$URL$V/subscribers/unsubscribe"
refused "bulk resend to a webhook: named, nothing sent" 422 "$B3" -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscribers\":[\"$E1\",\"$B3\"]}" "$URL$V/subscribers/resend_confirmation"
NM=$(mails); to_ana() { grep -il '^To: .*ana@example.test' "$MAILDIR"/*.eml | grep -c .; }; ANA0=$(to_ana)
A0=$(naudit)
assert_status "bulk reactivate (ids as one comma-separated string)" 200 -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscribers\":\"$B1, $B2,$SUB\"}" "$URL$V/subscribers/reactivate"
assert_eq "reactivate: webhooks active, an email asked to confirm again" "$B1 active,$B2 active,$SUB unconfirmed" "$(j '[.[] | "\(.id) \(.state)"] | join(",")')"
assert_eq "reactivate: one audit entry each" "$((A0 + 3))" "$(naudit)"
assert_contains "reactivate: audited" "$(bk_cli audit --limit 3)" "subscriber.reactivated"
assert_not_contains "reactivate: no longer in the unsubscribed list" "$(curl -s -H "$RAUTH" "$URL$V/subscribers/unsubscribed" | jq -r '[.[].id] | join(",")')" "$B1"
assert_status "bulk resend_confirmation" 200 -X POST -H "$AUTH" -H "$JSON" -d "{\"subscribers\":[\"$E1\"]}" "$URL$V/subscribers/resend_confirmation"
assert_eq "resend: the unconfirmed email" "$E1 unconfirmed" "$(j '[.[] | "\(.id) \(.state)"] | join(",")')"
notify_once
wait_until "reactivated email and resend: two confirmation mails" test "$(mails)" -ge $((NM + 2))
assert_eq "the reactivated address got a confirmation" "$((ANA0 + 1))" "$(to_ana)"
assert_status "bulk resend with form fields" 200 -X POST -H "$AUTH" -d "subscribers[]=$E1" "$URL$V/subscribers/resend_confirmation"
assert_status "resend \"all\": only unconfirmed emails" 200 -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":"all"}' "$URL$V/subscribers/resend_confirmation"
assert_eq "resend all: every one an unconfirmed email" "true" "$(j 'length > 0 and all(.mode == "email" and .state == "unconfirmed")')"

# ---- incident subscribers: GET/POST/DELETE …/incidents/{id}/subscribers[/{id}] ----
assert_status "incident A" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"incident\":{\"name\":\"Disk full\",\"status\":\"investigating\",\"body\":\"Filling up\",\"component_ids\":[\"$COMP\"]}}" "$URL$V/incidents"
INCA=$(j .id)
assert_status "incident B" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d '{"incident":{"name":"Slow search","status":"investigating","body":"Slow"}}' "$URL$V/incidents"
INCB=$(j .id)
notify_once; : > "$HOOKLOG"
IS="$V/incidents/$INCA/subscribers"
A0=$(naudit); HW0=$(curl -s -H "$RAUTH" "$URL$V/subscribers/histogram_by_state" | jq .webhook.total)
assert_status "incident subscriber: webhook" 201 -X POST -H "$AUTH" -H "$JSON" -d "{\"subscriber\":{\"endpoint\":\"$H/inc\"}}" "$URL$IS"
IW=$(j .id); keep_secret /inc
assert_eq "incident webhook: active, of incident A" "active $INCA" "$(j '"\(.state) \(.incident_id)"')"
case "$(j .secret)" in whsec_*) ok "incident webhook: secret shown at creation";; *) not_ok "incident webhook secret" "$(cat "$B")";; esac
assert_eq "incident subscriber: audited" "$((A0 + 1))" "$(naudit)"
assert_status "incident subscriber: email" 201 -X POST -H "$AUTH" -H "$JSON" -d '{"subscriber":{"email":"inc@example.test"}}' "$URL$IS"
IE=$(j .id)
assert_eq "incident email: double opt-in (unconfirmed)" "unconfirmed" "$(j .state)"
assert_status "a page subscriber's address may follow an incident too" 201 -X POST -H "$AUTH" -H "$JSON" \
	-d '{"subscriber":{"email":"bulk@example.test","skip_confirmation_notification":true}}' "$URL$IS"
IE2=$(j .id)
assert_status "incident A's subscribers" 200 -H "$RAUTH" "$URL$IS"
assert_eq "incident A lists its three" "$IW,$IE,$IE2" "$(j '[.[].id] | join(",")')"
assert_status "incident B's subscribers" 200 -H "$RAUTH" "$URL$V/incidents/$INCB/subscribers.json"
assert_eq "incident B has none" "0" "$(j length)"
assert_status "get an incident subscriber" 200 -H "$RAUTH" "$URL$IS/$IW"
assert_eq "get: its id" "$IW" "$(j .id)"
assert_status "not under another incident" 404 -H "$RAUTH" "$URL$V/incidents/$INCB/subscribers/$IW"
assert_status "not a page subscriber" 404 -H "$RAUTH" "$URL$V/subscribers/$IW"
assert_not_contains "not in the page's list" "$(curl -s -H "$RAUTH" "$URL$V/subscribers?state=all&per_page=100" | jq -r '[.[].id] | join(",")')" "$IW"
assert_eq "not in the page's histogram" "$HW0" "$(curl -s -H "$RAUTH" "$URL$V/subscribers/histogram_by_state" | jq .webhook.total)"
refused "incident subscriber with components" 422 "component_ids" -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscriber\":{\"email\":\"c@example.test\",\"component_ids\":[\"$COMP\"]}}" "$URL$IS"
refused "incident subscriber of an unknown incident" 404 "incident not found" -X POST -H "$AUTH" -H "$JSON" \
	-d '{"subscriber":{"email":"c@example.test"}}' "$URL$V/incidents/zzzzzzzzzzzz/subscribers"
refused "incident subscriber, bad address" 422 "email" -X POST -H "$AUTH" -H "$JSON" -d '{"subscriber":{"email":"nope"}}' "$URL$IS"
refused "incident subscriber, twice" 409 "already exists" -X POST -H "$AUTH" -H "$JSON" -d "{\"subscriber\":{\"endpoint\":\"$H/inc\"}}" "$URL$IS"
refused "incident subscriber, malformed JSON" 400 "malformed JSON" -X POST -H "$AUTH" -H "$JSON" -d '{"subscriber":' "$URL$IS"
refused "incident subscriber, oversize email" 422 "email" -X POST -H "$AUTH" -H "$JSON" \
	-d "{\"subscriber\":{\"email\":\"$(head -c 300 /dev/zero | tr '\0' a)@example.test\"}}" "$URL$IS"
refused "incident subscriber without a key" 401 "Could not authenticate" -X POST -H "$JSON" -d '{"subscriber":{"email":"c@example.test"}}' "$URL$IS"
refused "incident subscriber with a read key" 403 "scope" -X POST -H "$RAUTH" -H "$JSON" -d '{"subscriber":{"email":"c@example.test"}}' "$URL$IS"
refused "delete under another incident" 404 "subscriber not found" -X DELETE -H "$AUTH" "$URL$V/incidents/$INCB/subscribers/$IW"
# the incident email confirms from its mail, like a page subscriber
notify_once
IM=$(grep -il '^To: .*inc@example.test' "$MAILDIR"/*.eml | head -1)
assert_ne "incident email: confirmation mail" "" "$IM"
ICONF=$(/usr/bin/python3 "$ROOT/tests/integration/mail_parse.py" "$IM" link subscribe/confirm)
assert_status "incident email: confirm" 200 -X POST "$URL${ICONF#http://127.0.0.1}"
assert_eq "incident email: active" "active" "$(curl -s -H "$AUTH" "$URL$IS/$IE" | jq -r .state)"
NINC=$(ls "$MAILDIR" | grep -c eml)
assert_status "update incident A" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"status":"identified","body":"Found it"}}' "$URL$V/incidents/$INCA"
assert_status "update incident B" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"status":"identified","body":"Index"}}' "$URL$V/incidents/$INCB"
assert_status "a component change" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"component":{"status":"degraded_performance"}}' "$URL$V/components/$COMP"
notify_once
assert_eq "incident webhook: incident A's update only" "$INCA" "$(hooks /inc | jq -r '.body | fromjson | .incident.id // "other"' | sort -u | paste -sd,)"
assert_eq "incident webhook: one delivery" "1" "$(nhooks /inc)"
assert_eq "incident webhook: signature verifies" "true" "$(hooks /inc | jq -s 'all(.sig_ok)')"
assert_eq "page webhook of everything got both updates and the component change" "3" "$(nhooks /b3)"
wait_until "incident email: the update of A arrived" sh -c "grep -il '^To: .*inc@example.test' '$MAILDIR'/*.eml | wc -l | grep -qx 2"
IMS=$(for f in $(grep -il '^To: .*inc@example.test' "$MAILDIR"/*.eml); do /usr/bin/python3 "$ROOT/tests/integration/mail_parse.py" "$f" Subject; done)
assert_contains "incident email: about Disk full" "$IMS" "Disk full"
assert_not_contains "incident email: nothing about incident B" "$IMS" "Slow search"
A0=$(naudit)
assert_status "delete an incident subscriber" 200 -X DELETE -H "$AUTH" "$URL$IS/$IW"
assert_eq "deleted: unsubscribed" "unsubscribed" "$(j .state)"
assert_eq "delete: audited" "$((A0 + 1))" "$(naudit)"
assert_status "incident list without the unsubscribed one" 200 -H "$RAUTH" "$URL$IS"
assert_eq "incident A lists two" "$IE,$IE2" "$(j '[.[].id] | join(",")')"
assert_status "resend to an active incident email: 422" 422 -X POST -H "$AUTH" "$URL$IS/$IE/resend_confirmation"
assert_status "update incident A again" 200 -X PATCH -H "$AUTH" -H "$JSON" -d '{"incident":{"status":"monitoring","body":"Freed"}}' "$URL$V/incidents/$INCA"
notify_once
assert_eq "an unsubscribed incident webhook gets nothing more" "1" "$(nhooks /inc)"
A0=$(naudit)
assert_status "unsubscribe \"all\" webhooks of the page" 200 -X POST -H "$AUTH" -H "$JSON" -d '{"subscribers":"all","type":"webhook"}' "$URL$V/subscribers/unsubscribe"
NW=$(j length)
assert_eq "unsubscribe all: one audit entry each" "$((A0 + NW))" "$(naudit)"
assert_eq "unsubscribe all: no active page webhook left" "0" "$(curl -s -H "$RAUTH" "$URL$V/subscribers/count?type=webhook" | jq .webhook)"
assert_eq "unsubscribe all: incident subscribers untouched" "active" "$(curl -s -H "$AUTH" "$URL$IS/$IE2" | jq -r .state)"

# ---- STARTTLS (certificate checked) and AUTH PLAIN / AUTH LOGIN to a relay that requires both ----
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
	-keyout "$T/smtp.key" -out "$T/smtp.crt" >/dev/null 2>&1
tls_relay() {   # tls_relay NAME EXCLUDE: a TLS+AUTH sink; sets TPORT, TDIR
	TPORT=$(free_port); TDIR="$T/$1"; mkdir -p "$TDIR"
	SMTP_TLS_CERT="$T/smtp.crt" SMTP_TLS_KEY="$T/smtp.key" SMTP_USER=beacon SMTP_PASS='s3cr et' SMTP_AUTH_EXCLUDE=$2 \
		/usr/bin/python3 "$ROOT/tests/integration/smtp_sink.py" "$TPORT" "$TDIR" >"$TDIR.log" 2>&1 &
	BK_PIDS="$BK_PIDS $!"
	wait_for python3 -c "import socket; socket.create_connection(('127.0.0.1', $TPORT))"
}
tls_conf() {    # tls_conf FILE PORT CA [extra]: the main config aimed at a TLS relay, own delivery store
	sed '/^smtp_/d; /^ca_file/d; /^notify_store/d' "$CONF" > "$1"
	printf 'smtp_host = localhost\nsmtp_port = %s\nsmtp_starttls = yes\nsmtp_user = beacon\nsmtp_password = s3cr et\nca_file = %s\nnotify_store = %s\n' \
		"$2" "$3" "$1.deliv" >> "$1"
}
MAILSUB2=$(curl -s -X POST -H "$AUTH" -H "$JSON" -d '{"subscriber":{"email":"tls@example.test"}}' "$URL$V/subscribers" | jq -r .id)
tls_relay tlsplain ""
tls_conf "$T/tls1.conf" "$TPORT" "$T/smtp.crt"
"$BEACON" --config "$T/tls1.conf" notify --once >>"$T/notify.log" 2>&1
TM=$(grep -l "tls@example.test" "$TDIR"/*.eml 2>/dev/null | head -1)
assert_ne "mail through STARTTLS + AUTH" "" "$TM"
[ -n "$TM" ] && assert_eq "sent over TLS" "yes" "$(sed -n 's/^X-Sink-TLS: //p' "$TM" | tr -d '\r')"
[ -n "$TM" ] && assert_eq "AUTH PLAIN" "beacon/PLAIN" "$(sed -n 's/^X-Sink-Auth: //p' "$TM" | tr -d '\r')"
tls_relay tlslogin PLAIN
tls_conf "$T/tls2.conf" "$TPORT" "$T/smtp.crt"
"$BEACON" --config "$T/tls2.conf" notify --once >>"$T/notify.log" 2>&1
TM=$(grep -l "tls@example.test" "$TDIR"/*.eml 2>/dev/null | head -1)
[ -n "$TM" ] && assert_eq "AUTH LOGIN when PLAIN is not offered" "beacon/LOGIN" "$(sed -n 's/^X-Sink-Auth: //p' "$TM" | tr -d '\r')" || not_ok "AUTH LOGIN mail arrived"
tls_relay tlsbadca ""
tls_conf "$T/tls3.conf" "$TPORT" /etc/ssl/certs/ca-certificates.crt
"$BEACON" --config "$T/tls3.conf" notify --once >>"$T/notify.log" 2>&1
assert_eq "untrusted certificate: nothing sent" "0" "$(ls "$TDIR" | grep -c eml)"
assert_contains "untrusted certificate: the reason is visible" "$("$BEACON" --config "$T/tls3.conf" deliveries --failed)" "certificate"

# ---- one SMTP session carries many mails; a refused recipient is reset (RSET) and the next ones go ----
RPORT=$(free_port); RDIR="$T/reuse"; mkdir -p "$RDIR"
SMTP_REFUSE=refused /usr/bin/python3 "$ROOT/tests/integration/smtp_sink.py" "$RPORT" "$RDIR" >"$RDIR.log" 2>&1 &
BK_PIDS="$BK_PIDS $!"
wait_for python3 -c "import socket; socket.create_connection(('127.0.0.1', $RPORT))"
RCONF="$T/reuse.conf"; sed '/^smtp_port/d; /^notify_concurrency/d' "$CONF" > "$RCONF"
printf 'smtp_port = %s\nnotify_concurrency = 1\n' "$RPORT" >> "$RCONF"
notify_once                                       # nothing older left for the new relay
for who in r1 r2 refused r3 r4 r5; do bk_cli subscriber add --email "$who@example.test" >/dev/null; done
"$BEACON" --config "$RCONF" notify --once >>"$T/notify.log" 2>&1
assert_eq "five confirmation mails at the relay" 5 "$(ls "$RDIR" | grep -c '\.eml$')"
assert_eq "all through one SMTP session" 1 "$(cat "$RDIR"/*.eml | tr -d '\r' | sed -n 's/^X-Sink-Session: //p' | sort -u | wc -l)"
assert_ne "the mail after the refused one arrived" "" "$(grep -l 'X-Envelope-To: r3@example.test' "$RDIR"/*.eml)"
assert_contains "the refusal is the delivery's error" "$("$BEACON" --config "$RCONF" deliveries --failed --limit 5)" "550"

# ---- a secondary never sends ----
SCONF="$T/secondary.conf"
sed 's/^store = .*/store = '"$(echo "$T/snap" | sed 's#/#\\/#g')"'/' "$CONF" > "$SCONF"; echo "role = secondary" >> "$SCONF"
OUT=$("$BEACON" --config "$SCONF" notify --once 2>&1)
assert_contains "secondary notify refuses" "$OUT" "only the primary sends"

bk_done
