# test_notify.sh: subscribers and notifications with real parts: v1 /subscribers (create, list filters,
# count, get, delete, resend, bad input changes nothing), the CLI, and `beacon notify` turning outbox
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
	"post /pages/{page_id}/subscribers/{id}/resend_confirmation"; do
	m=${pm%% *} p=${pm#* }
	jq -e --arg p "$p" --arg m "$m" '.paths[$p][$m] != null' "$B" >/dev/null || missing="$missing $pm;"
done
assert_eq "openapi: subscriber routes documented" "" "$missing"
check "openapi: Subscriber schema" jq -e '.components.schemas.Subscriber.properties.secret' "$B"

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

# ---- a secondary never sends ----
SCONF="$T/secondary.conf"
sed 's/^store = .*/store = '"$(echo "$T/snap" | sed 's#/#\\/#g')"'/' "$CONF" > "$SCONF"; echo "role = secondary" >> "$SCONF"
OUT=$("$BEACON" --config "$SCONF" notify --once 2>&1)
assert_contains "secondary notify refuses" "$OUT" "only the primary sends"

bk_done
