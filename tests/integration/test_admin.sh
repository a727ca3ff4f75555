# test_admin.sh: the web admin through the shipped nginx config with curl: sign-in (password, TOTP), cookie
# flags, session fixation, CSRF and cross-origin refusal, sign-in storm (429, then the right password works),
# roles from the route table (`beacon admin routes`), XSS corpus inert in admin and public pages, headers,
# no caching by nginx, sign out everywhere, and a secondary's read-only admin.
. "$(dirname "$0")/lib.sh"
bk_default_setup
U=$URL
ORIGIN=$U

# ---- users from the CLI ----
check "user add owner (password on stdin)" sh -c "echo 'owner-password-1' | '$BEACON' --config '$CONF' user add Owner@Example.com --role owner"
check "user add viewer" sh -c "echo 'viewer-password-1' | '$BEACON' --config '$CONF' user add viewer@example.com --role viewer"
check "user add editor" sh -c "echo 'editor-password-1' | '$BEACON' --config '$CONF' user add editor@example.com --role editor"
check_fails "user add: a short password is refused" sh -c "echo short | '$BEACON' --config '$CONF' user add x@example.com --role viewer"
check_fails "user add: an existing email is refused" sh -c "echo 'another-password' | '$BEACON' --config '$CONF' user add owner@example.com --role viewer"
list=$(bk_cli user list)
assert_contains "user list shows the owner, lower-cased" "$list" "owner@example.com"
check_fails "the last owner cannot be demoted" bk_cli user set owner@example.com --role editor
check "user set --role" bk_cli user set editor@example.com --role viewer
check "user set --role back" bk_cli user set editor@example.com --role editor
assert_contains "audit names the CLI user change" "$(bk_cli audit --limit 5)" "user.updated"
stored=$(mdb_dump -a -p "$STORE" 2>/dev/null | grep -c 'owner-password-1')
assert_eq "the password is not stored in clear" "0" "$stored"
check "the stored hash is argon2id m=19456,t=2,p=1" sh -c "mdb_dump -s kv -p '$STORE' | grep -q 'argon2id\$v=19\$m=19456,t=2,p=1'"

# ---- helpers: a cookie jar by hand (curl will not keep Secure cookies over http) ----
# get_cookie NAME HEADERS-FILE
get_cookie() { sed -n "s/^[Ss]et-[Cc]ookie: $1=\([^;]*\).*/\1/p" "$2" | tail -1 | tr -d '\r'; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }
# login EMAIL PASSWORD [extra curl args]: sets SID (the session cookie) and CODE
login() {
	curl -s -D "$T/h.login" -o "$T/b.login" "$U/admin/login" ${3:+-H "$3"}
	PRE=$(get_cookie __Host-beacon_pre "$T/h.login"); TOK=$(csrf_of "$T/b.login")
	CODE=$(curl -s -o "$T/b.post" -D "$T/h.post" -w '%{http_code}' -H "Origin: $ORIGIN" \
		-H "Cookie: __Host-beacon_pre=$PRE${3:+; ${3#Cookie: }}" --data-urlencode "email=$1" --data-urlencode "password=$2" \
		--data-urlencode "csrf=$TOK" "$U/admin/login")
	SID=$(get_cookie __Host-beacon_session "$T/h.post")
}
# page PATH: GET with the session; body in $T/page
page() { curl -s -o "$T/page" -D "$T/h.page" -w '%{http_code}' -H "Cookie: __Host-beacon_session=$SID" "$U$1"; }
# post PATH FIELDS...: POST with the session and its CSRF token from /admin
post() {
	local p=$1; shift
	local tok; curl -s -o "$T/tokpage" -H "Cookie: __Host-beacon_session=$SID" "$U/admin/account"; tok=$(csrf_of "$T/tokpage")
	local args=""; for f in "$@"; do args="$args --data-urlencode $(printf %q "$f")"; done
	eval curl -s -o "$T/post" -D "$T/h.p" -w '%{http_code}' -H "'Origin: $ORIGIN'" -H "'Cookie: __Host-beacon_session=$SID'" \
		--data-urlencode "csrf=$tok" $args "'$U$p'"
}

# ---- sign-in and cookies ----
assert_status "GET /admin without a session redirects to the sign-in" 303 "$U/admin"
assert_contains "... to /admin/login" "$(grep -i '^location' "$T/headers")" "/admin/login"
login owner@example.com wrong-password-x
assert_eq "a wrong password: 401" 401 "$CODE"
assert_contains "a wrong password: the message" "$(cat "$T/b.post")" "Wrong email or password."
login nobody@example.com wrong-password-x
assert_eq "an unknown user: 401" 401 "$CODE"
assert_contains "an unknown user: the same message" "$(cat "$T/b.post")" "Wrong email or password."
# session fixation: a session id set before sign-in is not kept
FIX=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
login owner@example.com owner-password-1 "Cookie: __Host-beacon_session=$FIX"
assert_eq "the right password: 303" 303 "$CODE"
check "a new session id is set at sign-in" test -n "$SID"
assert_ne "the session id set before sign-in is not kept" "$FIX" "$SID"
assert_eq "the id is 256 bits of hex" 64 "${#SID}"
sc=$(grep -i '^set-cookie: __Host-beacon_session' "$T/h.post" | tr -d '\r')
for flag in "HttpOnly" "Secure" "SameSite=Strict" "Path=/"; do assert_contains "session cookie has $flag" "$sc" "$flag"; done
assert_not_contains "session cookie has no Domain" "$sc" "Domain"
check "the session id is not stored in clear" sh -c "! mdb_dump -a -p '$STORE/admin-sessions' | grep -q '$SID'"
assert_eq "the fixed id does not sign in" 303 "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: __Host-beacon_session=$FIX" "$U/admin")"
assert_eq "the dashboard with the session" 200 "$(page /admin)"
assert_contains "dashboard shows the signed-in user" "$(cat "$T/page")" "owner@example.com"
h=$(tr -d '\r' < "$T/h.page")
assert_contains "CSP of the admin" "$h" "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
assert_contains "nosniff" "$h" "X-Content-Type-Options: nosniff"
assert_contains "Referrer-Policy" "$h" "Referrer-Policy: same-origin"
assert_contains "Cache-Control no-store" "$h" "Cache-Control: no-store"
assert_not_contains "nginx does not cache the admin (no X-Cache HIT)" "$h" "X-Cache: HIT"
page /admin >/dev/null; h2=$(tr -d '\r' < "$T/h.page")
assert_not_contains "nginx does not cache the admin on a second request either" "$h2" "X-Cache"
g0=$(curl -s "$LURL/health" | jq -r .generation)
for i in 1 2 3; do page /admin >/dev/null; page /admin/incidents >/dev/null; done
assert_eq "admin page views do not bump the store generation" "$g0" "$(curl -s "$LURL/health" | jq -r .generation)"

# ---- CSRF and origin ----
gen0=$(bk_cli audit --limit 1 --json | head -c 200)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	--data "name=x&status=investigating" "$U/admin/incidents/new")
assert_eq "a cross-origin form post is refused" 403 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Sec-Fetch-Site: cross-site" -H "Cookie: __Host-beacon_session=$SID" \
	--data "name=x&status=investigating" "$U/admin/incidents/new")
assert_eq "Sec-Fetch-Site: cross-site is refused" 403 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: __Host-beacon_session=$SID" --data "name=x&status=investigating" "$U/admin/incidents/new")
assert_eq "a post without Origin or Sec-Fetch-Site is refused" 403 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$SID" \
	--data "name=x&status=investigating&csrf=0000" "$U/admin/incidents/new")
assert_eq "a post with a wrong CSRF token is refused" 403 "$code"
assert_eq "nothing was written by the refused posts" "$gen0" "$(bk_cli audit --limit 1 --json | head -c 200)"

# ---- writes through the admin ----
bk_cli component add --name "API" >/dev/null
assert_eq "open an incident" 303 "$(post /admin/incidents/new name='Admin incident' status=investigating impact=minor body='Looking *into* it' notify=1)"
INC=$(sed -n 's/^[Ll]ocation: .*id=\([a-z0-9]*\).*/\1/p' "$T/h.p" | tr -d '\r')
check "the new incident's id" test -n "$INC"
assert_contains "v2 shows it" "$(curl -s "$LURL/api/v2/incidents/unresolved.json")" "Admin incident"
assert_contains "audit names the admin user" "$(bk_cli audit --limit 3)" "admin:owner@example.com"
assert_eq "update it" 303 "$(post /admin/incident/update id=$INC status=identified body='Found it')"
assert_eq "resolve it" 303 "$(post /admin/incident/update id=$INC status=resolved body='Fixed')"
assert_contains "v2 shows it resolved" "$(curl -s "$LURL/api/v2/incidents.json")" '"status":"resolved"'
assert_eq "postmortem draft" 303 "$(post /admin/incident/postmortem id=$INC op=draft pm_body='What happened')"
assert_eq "postmortem publish" 303 "$(post /admin/incident/postmortem id=$INC op=publish pm_body='What happened')"
assert_contains "the public page shows the postmortem" "$(curl -s "$U/incidents/$INC")" "What happened"
assert_eq "open an incident and save it as a template" 303 "$(post /admin/incidents/new name='DB slow' status=identified body='Queries are slow.' save_template=db-slow)"
page "/admin/incidents/new?template=db-slow" >/dev/null
assert_contains "the composer offers the template" "$(cat "$T/page")" '<option value="db-slow" selected>'
assert_contains "the template fills the body" "$(cat "$T/page")" "Queries are slow."
assert_contains "the template fills the name" "$(cat "$T/page")" 'value="DB slow"'
assert_eq "schedule a maintenance" 303 "$(post /admin/maintenance/new name='DB upgrade' from=2031-01-02T03:00 until=2031-01-02T04:00 body=Upgrading auto_start=1 auto_complete=1)"
assert_contains "v2 upcoming maintenance" "$(curl -s "$LURL/api/v2/scheduled-maintenances/upcoming.json")" "2031-01-02T03:00:00"
assert_eq "a bad maintenance time: 422" 422 "$(post /admin/maintenance/new name=x from=tomorrow until=later)"
assert_eq "add a user" 303 "$(post /admin/users/new email=new@example.com password=new-user-password role=editor)"
assert_contains "the user is listed by the CLI" "$(bk_cli user list)" "new@example.com"
assert_eq "create a token" 200 "$(post /admin/tokens/new name=deploy scope=write)"
NEWTOK=$(sed -n 's/.*id="new-token">\([^<]*\)<.*/\1/p' "$T/post")
check "the token is shown once" test -n "$NEWTOK"
assert_eq "the token works" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $NEWTOK" "$U/v1/pages")"
page /admin/tokens >/dev/null
assert_not_contains "the token list does not show it again" "$(cat "$T/page")" "$NEWTOK"
TID=$(echo "$NEWTOK" | cut -c4-15)
assert_eq "revoke it" 303 "$(post /admin/tokens/revoke id=$TID)"
assert_eq "the revoked token fails" 401 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $NEWTOK" "$U/v1/pages")"
assert_eq "audit page" 200 "$(page '/admin/audit?action=token.')"
assert_contains "audit filter shows token events" "$(cat "$T/page")" "token.revoked"
assert_not_contains "audit filter hides the others" "$(cat "$T/page")" "incident.created"
assert_eq "settings: a page key owned by beacon.conf is refused (409)" 409 "$(post /admin/settings page_name=Other)"
assert_contains "settings: ... naming the key" "$(cat "$T/post")" "page_name"
assert_eq "settings: require 2FA for everyone" 303 "$(post /admin/settings 'page_name=Beacon Test' require_2fa=1)"
check "settings: the CLI turns it off again" bk_cli admin require-2fa no
assert_eq "settings: brand colour" 303 "$(post /admin/settings brand_color='#7c3aed')"
assert_contains "the public page shows the colour" "$(curl -s "$LURL/")" '<style>:root{--brand:#7c3aed}</style>'
assert_contains "the CLI shows it" "$(bk_cli page show)" "#7c3aed"
aud0=$(bk_cli audit --limit 1 --json)
assert_eq "settings: a bad colour: 422" 422 "$(post /admin/settings 'brand_color=red;}body{display:none')"
assert_contains "... naming the field" "$(cat "$T/post")" "color"
assert_eq "... and nothing written" "$aud0" "$(bk_cli audit --limit 1 --json)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	--data "brand_color=%23000000" "$U/admin/settings")
assert_eq "settings: a cross-origin post is refused" 403 "$code"
assert_contains "... the colour is unchanged" "$(curl -s "$LURL/")" '--brand:#7c3aed'
assert_eq "settings: an empty colour removes it" 303 "$(post /admin/settings brand_color=)"
assert_not_contains "... the CLI shows none" "$(bk_cli page show)" "#7c3aed"
assert_not_contains "... the public page has no brand colour" "$(curl -s "$LURL/")" '--brand:'
assert_eq "settings: languages es only, Spanish by default" 303 "$(post /admin/settings languages=es default_language=es)"
assert_contains "... the public page is in Spanish" "$(curl -s "$LURL/")" '<html lang="es"'
aud1=$(bk_cli audit --limit 1 --json)
assert_eq "settings: an unknown language: 422" 422 "$(post /admin/settings languages=fr)"
assert_contains "... naming the field" "$(cat "$T/post")" "languages"
assert_eq "settings: a default outside the languages: 422" 422 "$(post /admin/settings default_language=en)"
assert_eq "... and nothing written" "$aud1" "$(bk_cli audit --limit 1 --json)"
assert_eq "settings: back to en,es with English by default" 303 "$(post /admin/settings languages=en,es default_language=en)"
assert_contains "... the public page is in English" "$(curl -s "$LURL/")" '<html lang="en"'
# logo upload: multipart/form-data (v1's parser), sanitized by write_brand_logo
cat > "$T/logo.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" onload="alert(1)"><script>alert(2)</script><rect width="30" height="30" fill="#1d4ed8"/></svg>
SVG
upload() {   # upload [curl -F args...]: multipart post to /admin/settings/logo with the session's token
	local tok; curl -s -o "$T/tokpage" -H "Cookie: __Host-beacon_session=$SID" "$U/admin/account"; tok=$(csrf_of "$T/tokpage")
	curl -s -o "$T/post" -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$SID" -F "csrf=$tok" "$@" "$U/admin/settings/logo"
}
assert_eq "settings: upload an SVG logo with a script" 303 "$(upload -F "logo=@$T/logo.svg;type=image/svg+xml")"
assert_status "the logo is served" 200 "$LURL/brand/logo.svg"
assert_contains "... with its shapes" "$(cat "$T/body")" "<rect"
assert_not_contains "... without the script" "$(cat "$T/body")" "script"
assert_not_contains "... without the handler" "$(cat "$T/body")" "onload"
assert_contains "the audit log has the brand event" "$(bk_cli audit --limit 3)" "page.brand_updated"
printf '<!DOCTYPE svg [<!ENTITY e "x">]><svg xmlns="http://www.w3.org/2000/svg">&e;</svg>' > "$T/dtd.svg"
aud0=$(bk_cli audit --limit 1 --json)
assert_eq "settings: a refused SVG: 422" 422 "$(upload -F "logo=@$T/dtd.svg;type=image/svg+xml")"
assert_contains "... with the reason" "$(cat "$T/post")" "not an accepted SVG"
assert_eq "settings: no file: 422" 422 "$(upload -F "other=x")"
assert_eq "... and nothing written" "$aud0" "$(bk_cli audit --limit 1 --json)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	-F "logo=@$T/logo.svg" "$U/admin/settings/logo")
assert_eq "settings: a cross-origin upload is refused" 403 "$code"
assert_eq "settings: remove the logo" 303 "$(upload -F remove=1)"
assert_status "... no logo served" 404 "$LURL/brand/logo.svg"
# a PNG logo: a binary body (NUL bytes) larger than max_body_kb, allowed only on this route (AR_BINARY_KB
# in the admin route table, a location of its own in the shipped nginx and lighttpd configs)
/usr/bin/python3 - "$T" <<'PY'
import os, random, struct, sys, zlib
def png(w, h, extra=0, noise=False):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    rnd = random.Random(11)
    row = lambda: bytes(rnd.getrandbits(8) for _ in range(3 * w)) if noise else b"\x1d\x4e\xd8" * w
    raw = b"".join(b"\0" + row() for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"tEXt", b"c\0" + b"x" * extra) + chunk(b"IEND", b""))
open(sys.argv[1] + "/logo.png", "wb").write(png(256, 256, noise=True))   # ~190 KiB: over nginx's 64k
open(sys.argv[1] + "/small.png", "wb").write(png(32, 16))
open(sys.argv[1] + "/heavy.png", "wb").write(png(8, 8, 300 * 1024))     # over 256 KiB, under the route's 320
open(sys.argv[1] + "/toobig.png", "wb").write(png(8, 8, 400 * 1024))    # over the route's body limit
open(sys.argv[1] + "/fake.png", "wb").write(b"\x89PNX\r\n\x1a\n" + png(8, 8)[8:])
PY
check "the test PNG is over 64 KiB and holds NUL bytes" sh -c "[ \$(stat -c %s '$T/logo.png') -gt 65536 ] && grep -qaP '\\x00' '$T/logo.png'"
assert_eq "settings: upload a PNG logo through nginx" 303 "$(upload -F "logo=@$T/logo.png;type=image/png")"
assert_status "the PNG logo is served" 200 "$LURL/brand/logo.png"
check "... byte for byte" cmp -s "$T/body" "$T/logo.png"
assert_contains "the public page shows the logo" "$(curl -s "$LURL/")" "/brand/logo.png"
upload_l() {  # the same through lighttpd
	local tok; curl -s -o "$T/tokpage" -H "Cookie: __Host-beacon_session=$SID" "$LURL/admin/account"; tok=$(csrf_of "$T/tokpage")
	curl -s -o "$T/post" -w '%{http_code}' -H "Origin: $LURL" -H "Cookie: __Host-beacon_session=$SID" -F "csrf=$tok" "$@" "$LURL/admin/settings/logo"
}
assert_eq "settings: upload a PNG logo through lighttpd" 303 "$(upload_l -F "logo=@$T/small.png;type=image/png")"
assert_status "... it is served" 200 "$U/brand/logo.png"
check "... byte for byte" cmp -s "$T/body" "$T/small.png"
assert_eq "settings: the large PNG again through lighttpd" 303 "$(upload_l -F "logo=@$T/logo.png;type=image/png")"
aud0=$(bk_cli audit --limit 1 --json)
assert_eq "settings: a PNG over 256 KiB: 422 (nginx)" 422 "$(upload -F "logo=@$T/heavy.png;type=image/png")"
assert_contains "... a readable page naming the limit" "$(cat "$T/post")" "larger than 262144 bytes"
assert_contains "... in the admin layout" "$(cat "$T/post")" '<main id="main">'
assert_eq "settings: a PNG over 256 KiB: 422 (lighttpd)" 422 "$(upload_l -F "logo=@$T/heavy.png;type=image/png")"
assert_eq "settings: a body over the route's 320 KiB: 413 (nginx)" 413 "$(upload -F "logo=@$T/toobig.png;type=image/png")"
assert_contains "... a readable page" "$(cat "$T/post")" "413"
assert_eq "settings: a body over the route's 320 KiB: 413 (lighttpd)" 413 "$(upload_l -F "logo=@$T/toobig.png;type=image/png")"
assert_eq "settings: a fake PNG (bad signature): 422" 422 "$(upload -F "logo=@$T/fake.png;type=image/png")"
assert_contains "... with the reason" "$(cat "$T/post")" "logo"
# beacon's own limit, without the web server's: straight to the FastCGI socket
SOCKLIM=$(/usr/bin/python3 -c 'print("x" * (330 * 1024))')
code=$(printf '%s' "$SOCKLIM" | REQUEST_METHOD=POST REQUEST_URI=/admin/settings/logo CONTENT_TYPE='multipart/form-data; boundary=x' \
	CONTENT_LENGTH=$((330 * 1024)) cgi-fcgi -bind -connect "$SOCK" 2>/dev/null | tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p')
assert_eq "beacon itself refuses a body over the route's limit: 413" 413 "$code"
assert_eq "... and nothing was written by the refused uploads" "$aud0" "$(bk_cli audit --limit 1 --json)"
assert_status "... the logo is unchanged" 200 "$LURL/brand/logo.png"
check "... byte for byte" cmp -s "$T/body" "$T/logo.png"
# NUL bytes stay refused everywhere else, and the logo route takes only multipart
tok=$(curl -s -H "Cookie: __Host-beacon_session=$SID" "$U/admin/account" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
code=$(printf 'csrf=%s&brand_color=%%23000000&x=\0' "$tok" | curl -s -o "$T/post" -w '%{http_code}' -H "Origin: $ORIGIN" \
	-H "Cookie: __Host-beacon_session=$SID" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$U/admin/settings")
assert_eq "a form body with a NUL byte on another route: 400" 400 "$code"
assert_contains "... a readable page" "$(cat "$T/post")" "NUL byte"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$SID" -F "csrf=$tok" \
	-F "logo=@$T/small.png;type=image/png" "$U/admin/settings")
assert_eq "a multipart PNG to another admin route: 400 (NUL refused)" 400 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$SID" \
	-H 'Content-Type: application/json' --data-binary "@$T/small.png" "$U/v1/pages")
assert_eq "a binary body on the API: 400" 400 "$code"
code=$(printf 'csrf=%s&remove=1' "$tok" | curl -s -o "$T/post" -w '%{http_code}' -H "Origin: $ORIGIN" \
	-H "Cookie: __Host-beacon_session=$SID" --data-binary @- "$U/admin/settings/logo")
assert_eq "the logo route refuses a urlencoded body: 415" 415 "$code"
printf -- '--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n%s\r\n--b\r\nContent-Disposition: form-data; name="remove"\r\n\r\n1\0\r\n--b--\r\n' "$tok" > "$T/nulfield"
code=$(curl -s -o "$T/post" -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$SID" \
	-H 'Content-Type: multipart/form-data; boundary=b' --data-binary "@$T/nulfield" "$U/admin/settings/logo")
assert_eq "the logo route refuses a NUL byte in a plain field: 400" 400 "$code"
assert_eq "... nothing written" "$aud0" "$(bk_cli audit --limit 1 --json)"
assert_eq "settings: remove the PNG logo" 303 "$(upload -F remove=1)"
assert_status "... no PNG logo served" 404 "$LURL/brand/logo.png"
G1=$(bk_cli group add --name 'Core'); G2=$(bk_cli group add --name 'Edge')
C1=$(bk_cli component add --name 'Core A' --group "$G1"); C2=$(bk_cli component add --name 'Core B' --group "$G1")
bk_cli component add --name 'Edge A' --group "$G2" >/dev/null
assert_eq "component status toggle" 303 "$(post /admin/components/status id=$C1 status_$C1=major_outage)"
assert_contains "v2 shows the component's new status" "$(curl -s "$LURL/api/v2/components.json" | jq -c ".components[] | select(.id==\"$C1\") | .status")" "major_outage"
assert_eq "move a component down" 303 "$(post /admin/components/move id=$C1 dir=down)"
assert_eq "Core B is now first in its group" "Core B" "$(curl -s "$LURL/api/v2/components.json" | jq -r "[.components[] | select(.group_id==\"$G1\")] | sort_by(.position) | .[0].name")"
assert_eq "move a group down" 303 "$(post /admin/groups/move id=$G1 dir=down)"
page /admin/components >/dev/null
assert_eq "the groups table lists Edge before Core" "Edge Core" "$(sed -n 's/.*id="groups"\(.*\)/\1/p' "$T/page" | grep -o '<td>\(Core\|Edge\)</td>' | sed 's/<[^>]*>//g' | tr '\n' ' ' | sed 's/ $//')"
# ---- components and groups: create, edit, delete (write_component.c); bad input changes nothing ----
comp() { curl -s "$LURL/api/v2/components.json" | jq -c ".components[] | select(.name==\"$1\")"; }
assert_eq "add a component" 303 "$(post /admin/components/new name=Web description='The front end' group_id=$G2 options=1 showcase=1)"
CW=$(comp Web | jq -r .id)
check "v2 shows the new component" test -n "$CW"
assert_eq "... in its group" "$G2" "$(comp Web | jq -r .group_id)"
assert_eq "... with its description" "The front end" "$(comp Web | jq -r .description)"
assert_eq "the component's page" 200 "$(page "/admin/component?id=$CW")"
assert_contains "... has the edit form" "$(cat "$T/page")" 'action="/admin/component/edit"'
assert_eq "edit it: name, description, group, display options" 303 "$(post /admin/component/edit id=$CW name='Web UI' description= group_id= options=1 only_show_if_degraded=1)"
assert_eq "... renamed" "Web UI" "$(comp 'Web UI' | jq -r .name)"
assert_eq "... out of its group" "null" "$(comp 'Web UI' | jq -r .group_id)"
assert_eq "... no description" "null" "$(comp 'Web UI' | jq -r .description)"
assert_eq "... showcase off" "false" "$(comp 'Web UI' | jq -r .showcase)"
assert_eq "... only shown when degraded" "true" "$(comp 'Web UI' | jq -r .only_show_if_degraded)"
aud0=$(bk_cli audit --limit 1 --json); c0=$(curl -s "$LURL/api/v2/components.json")
assert_eq "a component without a name: 422" 422 "$(post /admin/components/new name= options=1)"
assert_eq "renaming a component to nothing: 422" 422 "$(post /admin/component/edit id=$CW name=)"
assert_eq "a component in an unknown group: 422" 422 "$(post /admin/components/new name=Ghost group_id=nosuchgroup)"
assert_contains "... naming the field" "$(cat "$T/post")" "group_id"
assert_eq "editing an unknown component: 404" 404 "$(post /admin/component/edit id=nosuchcomp name=x)"
assert_eq "deleting an unknown component: 404" 404 "$(post /admin/component/delete id=nosuchcomp)"
assert_eq "a delete without confirm=1: the confirmation page" 200 "$(post /admin/component/delete id=$CW)"
assert_contains "... asks" "$(cat "$T/post")" 'id="confirm-question"'
assert_contains "... re-posts the id, confirmed" "$(cat "$T/post")" "<input type=\"hidden\" name=\"id\" value=\"$CW\"><input type=\"hidden\" name=\"confirm\" value=\"1\">"
assert_eq "... and nothing changed by the refused and unconfirmed posts" "$aud0" "$(bk_cli audit --limit 1 --json)"
assert_eq "... the components are as they were" "$c0" "$(curl -s "$LURL/api/v2/components.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	--data "id=$CW&confirm=1" "$U/admin/component/delete")
assert_eq "a cross-origin component delete is refused" 403 "$code"
check "... the component is still there" test -n "$(comp 'Web UI')"
assert_eq "delete it, confirmed" 303 "$(post /admin/component/delete id=$CW confirm=1)"
assert_eq "... v2 no longer has it" "" "$(comp 'Web UI')"
grp() { curl -s "$LURL/api/v2/components.json" | jq -r ".components[] | select(.group==true and .name==\"$1\") | .id"; }
assert_eq "add a group" 303 "$(post /admin/groups/new name=Spare)"
GS=$(grp Spare)
check "... v2 has it" test -n "$GS"
assert_eq "rename it" 303 "$(post /admin/groups/rename id=$GS name='Spare parts')"
assert_eq "... renamed" "$GS" "$(grp 'Spare parts')"
aud0=$(bk_cli audit --limit 1 --json)
assert_eq "a group renamed to nothing: 422" 422 "$(post /admin/groups/rename id=$GS name=)"
assert_eq "a group without a name: 422" 422 "$(post /admin/groups/new name=)"
assert_eq "renaming an unknown group: 404" 404 "$(post /admin/groups/rename id=nosuchgroup name=x)"
assert_eq "a group delete without confirm=1: the confirmation page" 200 "$(post /admin/groups/delete id=$GS)"
assert_eq "... and nothing changed" "$aud0" "$(bk_cli audit --limit 1 --json)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	--data "id=$GS&confirm=1" "$U/admin/groups/delete")
assert_eq "a cross-origin group delete is refused" 403 "$code"
assert_eq "delete the empty group" 303 "$(post /admin/groups/delete id=$GS confirm=1)"
assert_eq "... gone" "" "$(grp 'Spare parts')"
EA=$(comp 'Edge A' | jq -r .id)
assert_eq "delete the group Edge (with a component)" 303 "$(post /admin/groups/delete id=$G2 confirm=1)"
assert_eq "... its component stays, without a group" "null" "$(comp 'Edge A' | jq -r .group_id)"
assert_eq "put a component back in a group from its page" 303 "$(post /admin/component/edit id=$EA name='Edge A' group_id=$G1 options=1 showcase=1)"
assert_eq "... in Core" "$G1" "$(comp 'Edge A' | jq -r .group_id)"
page "/admin/components?lang=es" >/dev/null
assert_contains "es: the components page in Spanish" "$(cat "$T/page")" "Nuevo componente"

# ---- incidents: edit an update, delete an incident, delete a template, edit and cancel a maintenance ----
UPD=$(curl -s "$LURL/api/v2/incidents.json" | jq -r ".incidents[] | select(.id==\"$INC\") | .incident_updates[-1].id")
check "the first update's id" test -n "$UPD"
assert_eq "the update's edit page" 200 "$(page "/admin/incident/update/edit?id=$INC&update=$UPD")"
assert_contains "... with its text" "$(cat "$T/page")" "Looking *into* it"
AT=$(sed -n 's/.*name="at_was" value="\([^"]*\)".*/\1/p' "$T/page")
assert_eq "edit the update's text" 303 "$(post /admin/incident/update/edit id=$INC update=$UPD body='Looking into the *API*' at=$AT at_was=$AT)"
assert_contains "the public page shows the new text" "$(curl -s "$LURL/incidents/$INC")" "Looking into the <em>API</em>"
assert_contains "the audit names the edit" "$(bk_cli audit --limit 2)" "incident"
aud0=$(bk_cli audit --limit 1 --json)
assert_eq "an update time in the future: 422" 422 "$(post /admin/incident/update/edit id=$INC update=$UPD body=x at=2099-01-01T00:00 at_was=$AT)"
assert_eq "a malformed update time: 422" 422 "$(post /admin/incident/update/edit id=$INC update=$UPD body=x at=soon at_was=$AT)"
assert_eq "an unknown update: 404" 404 "$(post /admin/incident/update/edit id=$INC update=nosuchupdate body=x)"
assert_eq "an update of an unknown incident: 404" 404 "$(page "/admin/incident/update/edit?id=nosuch&update=$UPD")"
assert_eq "... nothing changed" "$aud0" "$(bk_cli audit --limit 1 --json)"
assert_contains "... the text is still the edited one" "$(curl -s "$LURL/incidents/$INC")" "Looking into the <em>API</em>"
assert_eq "open an incident to delete" 303 "$(post /admin/incidents/new name='Short lived' status=investigating body=x)"
DEL=$(sed -n 's/^[Ll]ocation: .*id=\([a-z0-9]*\).*/\1/p' "$T/h.p" | tr -d '\r')
assert_eq "an incident delete without confirm=1: the confirmation page" 200 "$(post /admin/incident/delete id=$DEL)"
assert_contains "... v2 still has it" "$(curl -s "$LURL/api/v2/incidents.json")" "Short lived"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	--data "id=$DEL&confirm=1" "$U/admin/incident/delete")
assert_eq "a cross-origin incident delete is refused" 403 "$code"
assert_eq "delete it, confirmed" 303 "$(post /admin/incident/delete id=$DEL confirm=1)"
assert_not_contains "... v2 no longer has it" "$(curl -s "$LURL/api/v2/incidents.json")" "Short lived"
assert_status "... its public page is gone" 404 "$LURL/incidents/$DEL"
assert_eq "deleting an unknown incident: 404" 404 "$(post /admin/incident/delete id=nosuchinc confirm=1)"
assert_eq "the templates page" 200 "$(page /admin/templates)"
assert_contains "... lists db-slow" "$(cat "$T/page")" ">db-slow</a>"
assert_eq "a template delete without confirm=1: the confirmation page" 200 "$(post /admin/templates/delete name=db-slow)"
assert_eq "delete the template, confirmed" 303 "$(post /admin/templates/delete name=db-slow confirm=1)"
page /admin/templates >/dev/null
assert_not_contains "... no longer listed" "$(cat "$T/page")" ">db-slow</a>"
assert_eq "deleting an unknown template: 404" 404 "$(post /admin/templates/delete name=nosuchtemplate confirm=1)"
MNT=$(curl -s "$LURL/api/v2/scheduled-maintenances/upcoming.json" | jq -r '.scheduled_maintenances[] | select(.name=="DB upgrade") | .id')
check "the maintenance's id" test -n "$MNT"
assert_eq "the maintenance's edit page" 200 "$(page "/admin/maintenance/edit?id=$MNT")"
assert_contains "... with its window" "$(cat "$T/page")" 'value="2031-01-02T03:00"'
assert_eq "move and rename the maintenance" 303 "$(post /admin/maintenance/edit id=$MNT name='DB upgrade, moved' from=2031-01-03T03:00 until=2031-01-03T05:00 auto_start=1 auto_complete=1)"
up=$(curl -s "$LURL/api/v2/scheduled-maintenances/upcoming.json")
assert_contains "v2 shows the new window" "$up" "2031-01-03T03:00:00"
assert_contains "... and name" "$up" "DB upgrade, moved"
aud0=$(bk_cli audit --limit 1 --json)
assert_eq "a maintenance ending before it starts: 422" 422 "$(post /admin/maintenance/edit id=$MNT name=x from=2031-01-03T05:00 until=2031-01-03T03:00)"
assert_eq "a malformed maintenance time: 422" 422 "$(post /admin/maintenance/edit id=$MNT name=x from=later until=2031-01-03T03:00)"
assert_eq "a maintenance without a name: 422" 422 "$(post /admin/maintenance/edit id=$MNT name= from=2031-01-03T03:00 until=2031-01-03T05:00)"
assert_eq "editing an incident as a maintenance: 404" 404 "$(post /admin/maintenance/edit id=$INC name=x from=2031-01-03T03:00 until=2031-01-03T05:00)"
assert_eq "... nothing changed" "$aud0" "$(bk_cli audit --limit 1 --json)"
assert_eq "cancel the maintenance (deleted), confirmed" 303 "$(post /admin/incident/delete id=$MNT confirm=1)"
assert_contains "... back to the maintenance page" "$(grep -i '^location' "$T/h.p")" "/admin/maintenance"
assert_not_contains "v2 no longer has it" "$(curl -s "$LURL/api/v2/scheduled-maintenances/upcoming.json")" "DB upgrade"
assert_eq "schedule it again (for the pages below)" 303 "$(post /admin/maintenance/new name='DB upgrade' from=2031-01-02T03:00 until=2031-01-02T04:00 body=Upgrading)"
assert_eq "es: the sign-in page in Spanish" 200 "$(curl -s -o "$T/es" -w '%{http_code}' -H 'Accept-Language: es' "$U/admin/login")"
assert_contains "es: Iniciar sesión" "$(cat "$T/es")" "Iniciar sesión"

# ---- XSS corpus typed into admin forms (the corpus of test_pages.sh): inert in admin and public pages ----
XNAME="</title><script>alert(11)</script>' \"onx=1 <img src=x onerror=alert(1)>"
cat > "$T/xss.md" <<'XSS'
<script>alert(3)</script> <img src=x onerror=alert(4)> <a href="javascript:alert(5)">raw</a>

[md](javascript:alert(6)) [enc](&#106;avascript:alert(7)) [pct](javascript%3Aalert(8)) <javascript:alert(9)>
![img](javascript:alert(10)) [ok](https://example.com/ok)

<iframe src="https://evil.example"></iframe> <style>body{display:none}</style> <svg onload=alert(12)>
XSS
XBODY=$(cat "$T/xss.md")
assert_eq "xss: incident typed into the composer" 303 "$(post /admin/incidents/new name="$XNAME" status=investigating body="$XBODY" save_template="<svg onload=alert(14)>")"
XINC=$(sed -n 's/^[Ll]ocation: .*id=\([a-z0-9]*\).*/\1/p' "$T/h.p" | tr -d '\r')
assert_eq "xss: a token named with the corpus" 200 "$(post /admin/tokens/new name="<svg onload=alert(13)>" scope=read)"
inert() {   # inert DESC FILE
	local h; h=$(cat "$2")
	assert_eq "xss $1: only our own script tag" 1 "$(grep -o '<script' "$2" | wc -l)"
	assert_not_contains "xss $1: no injected img" "$h" "<img"
	assert_not_contains "xss $1: no injected svg handler" "$h" "<svg onload"
	assert_not_contains "xss $1: no iframe" "$h" "<iframe"
	assert_not_contains "xss $1: no injected style" "$h" "<style"
	assert_not_contains "xss $1: no script URL" "$h" 'href="javascript'
	assert_not_contains "xss $1: no attribute breakout" "$h" '" onx='
}
assert_eq "xss: a component typed into the new component form" 303 "$(post /admin/components/new name="$XNAME" description="$XBODY" options=1 showcase=1)"
XCOMP=$(curl -s "$LURL/api/v2/components.json" | jq -r '.components[] | select(.name | startswith("</title>")) | .id')
assert_eq "xss: a group named with the corpus" 303 "$(post /admin/groups/new name="<svg onload=alert(16)>")"
XUPD=$(curl -s "$LURL/api/v2/incidents.json" | jq -r ".incidents[] | select(.id==\"$XINC\") | .incident_updates[0].id")
for p in "/admin/incident?id=$XINC" /admin/incidents /admin /admin/tokens "/admin/incidents/new?template=x" /admin/audit \
	/admin/components "/admin/component?id=$XCOMP" /admin/templates "/admin/incident/update/edit?id=$XINC&update=$XUPD"; do
	page "$p" >/dev/null; inert "admin $p" "$T/page"
done
curl -s -o "$T/pub" "$U/incidents/$XINC"; inert "public /incidents/$XINC" "$T/pub"
curl -s -o "$T/pub" "$U/"; inert "public /" "$T/pub"

# ---- subscribers: an editor adds, resends, unsubscribes (write_subscriber.c); bad input writes nothing ----
OWNER_SID=$SID
login editor@example.com editor-password-1
assert_eq "editor signed in" 303 "$CODE"
assert_eq "subscribers page (editor)" 200 "$(page /admin/subscribers)"
assert_contains "... has the add form" "$(cat "$T/page")" 'action="/admin/subscribers/new"'
assert_eq "editor adds an email subscriber" 303 "$(post /admin/subscribers/new mode=email email=reader@example.com lang=es)"
assert_contains "it is in beacon subscriber list, pending" "$(bk_cli subscriber list)" "reader@example.com"
SUBID=$(bk_cli subscriber list --type email | awk '/reader@example.com/ {print $1}')
assert_eq "... pending" "pending" "$(bk_cli subscriber list --json | jq -r ".[] | select(.id==\"$SUBID\") | .state")"
assert_eq "resend its confirmation" 303 "$(post /admin/subscribers/resend id=$SUBID)"
subs0=$(bk_cli subscriber list); aud0=$(bk_cli audit --limit 1 --json)
assert_eq "a bad email: 422" 422 "$(post /admin/subscribers/new mode=email email=not-an-address)"
assert_contains "... with a clear message" "$(cat "$T/post")" "email: not a valid address"
assert_eq "a webhook without a URL: 422" 422 "$(post /admin/subscribers/new mode=webhook endpoint=ftp://x)"
assert_eq "an unknown type: 422" 422 "$(post /admin/subscribers/new mode=sms email=a@example.com)"
assert_eq "nothing was written by the bad adds" "$aud0" "$(bk_cli audit --limit 1 --json)"
assert_eq "... and the list is unchanged" "$subs0" "$(bk_cli subscriber list)"
assert_eq "editor adds a webhook: the page with its secret" 200 "$(post /admin/subscribers/new mode=webhook endpoint=https://hooks.example.com/beacon email=ops@example.com)"
WHSEC=$(sed -n 's/.*id="new-secret">\([^<]*\)<.*/\1/p' "$T/post")
assert_contains "the webhook secret is shown once" "$WHSEC" "whsec_"
page /admin/subscribers >/dev/null
assert_not_contains "... and not again" "$(cat "$T/page")" "$WHSEC"
assert_contains "the webhook is listed" "$(cat "$T/page")" "https://hooks.example.com/beacon"
assert_eq "editor adds a Slack subscriber (its secret shown too, as in v1)" 200 "$(post /admin/subscribers/new mode=slack endpoint=https://hooks.slack.com/services/T0/B0/x)"
assert_contains "the CLI lists it as slack" "$(bk_cli subscriber list --type slack)" "hooks.slack.com"
page "/admin/subscribers?type=webhook" >/dev/null
assert_not_contains "the type filter hides email subscribers" "$(cat "$T/page")" "reader@example.com"
assert_contains "... and shows webhooks" "$(cat "$T/page")" "hooks.example.com"
assert_eq "an unknown filter: 422" 422 "$(page "/admin/subscribers?state=bogus")"
assert_eq "unsubscribe it" 303 "$(post /admin/subscribers/unsubscribe id=$SUBID)"
assert_eq "the CLI shows it unsubscribed" "unsubscribed" "$(bk_cli subscriber list --json | jq -r ".[] | select(.id==\"$SUBID\") | .state")"
page "/admin/subscribers?state=unsubscribed" >/dev/null
assert_contains "the state filter shows it" "$(cat "$T/page")" "reader@example.com"
assert_eq "unsubscribe an unknown id: 404" 404 "$(post /admin/subscribers/unsubscribe id=nosuchsub)"
XS="<svg onload=alert(15)>@example.com"
assert_eq "xss: a subscriber email with markup is refused" 422 "$(post /admin/subscribers/new mode=email email="$XS")"
page /admin/subscribers >/dev/null; inert "admin /admin/subscribers" "$T/page"
page "/admin/subscribers?lang=es" >/dev/null
assert_contains "es: the subscribers page in Spanish" "$(cat "$T/page")" "Suscriptores"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H "Cookie: __Host-beacon_session=$SID" \
	--data "mode=email&email=cross@example.com" "$U/admin/subscribers/new")
assert_eq "a cross-origin subscriber post is refused" 403 "$code"
assert_not_contains "... and wrote nothing" "$(bk_cli subscriber list)" "cross@example.com"
assert_eq "an editor adds a group" 303 "$(post /admin/groups/new name='Editor group')"
EG=$(curl -s "$LURL/api/v2/components.json" | jq -r '.components[] | select(.group==true and .name=="Editor group") | .id')
assert_eq "an editor deletes it" 303 "$(post /admin/groups/delete id=$EG confirm=1)"
assert_eq "an editor cannot open the settings" 403 "$(page /admin/settings)"
SID=$OWNER_SID

# ---- roles: a viewer cannot write on any admin route (from the route table) ----
login viewer@example.com viewer-password-1
check "viewer signed in" test -n "$SID"
before=$(bk_cli audit --limit 1 --json)
n=0; bad=""
while read -r m p role kind _; do
	[ "$m" = POST ] && [ "$kind" = write ] || continue
	[ "$role" = viewer ] && continue          # the viewer's own account (sign out everywhere, 2FA, password)
	n=$((n+1))
	c=$(post "$p" id=x name=x status=investigating email=x@example.com role=owner)
	[ "$c" = 403 ] || bad="$bad $p:$c"
done <<ROUTES
$(bk_cli admin routes)
ROUTES
check "the route table lists write routes for editors and owners" test "$n" -ge 27
routes=$(bk_cli admin routes)
for r in "POST /admin/components/new editor write" "POST /admin/component/edit editor write" "POST /admin/component/delete editor write" \
	"POST /admin/groups/new editor write" "POST /admin/groups/rename editor write" "POST /admin/groups/delete editor write" \
	"POST /admin/incident/delete editor write" "POST /admin/incident/update/edit editor write" \
	"POST /admin/templates/delete editor write" "POST /admin/maintenance/edit editor write"; do
	assert_contains "the route table has $r" "$(echo "$routes" | tr -s ' ')" "$r"
done
assert_eq "a viewer gets 403 on every write route ($n)" "" "$bad"
# The upload's body limit lives in the route table; the shipped nginx and lighttpd configs must say the same.
up=$(echo "$routes" | awk '$2 == "/admin/settings/logo" { sub("upload=", "", $5); print $5 }')
check "the logo route declares its upload limit ($up)" test -n "$up"
assert_eq "nginx's logo location has the route table's limit" "client_max_body_size $up;" \
	"$(sed -n '/location = \/admin\/settings\/logo/,/}/p' "$ROOT/conf/nginx/beacon.conf" | grep -o 'client_max_body_size [0-9]*k;')"
assert_eq "lighttpd's logo block has the route table's limit" "${up%k}" \
	"$(sed -n '/"\/admin\/settings\/logo"/,/}/p' "$ROOT/conf/lighttpd/beacon.conf" | sed -n 's/.*server.max-request-size = \([0-9]*\).*/\1/p')"
assert_eq "nothing was written by the viewer" "$before" "$(bk_cli audit --limit 1 --json)"
assert_eq "a viewer can read the audit log" 200 "$(page /admin/audit)"
assert_eq "a viewer cannot open the users page" 403 "$(page /admin/users)"
assert_eq "a viewer cannot open an update's edit page" 403 "$(page "/admin/incident/update/edit?id=$INC&update=$UPD")"
assert_eq "a viewer can read the components page" 200 "$(page /admin/components)"
assert_not_contains "... without the add forms" "$(cat "$T/page")" 'action="/admin/components/new"'
assert_not_contains "... or delete buttons" "$(cat "$T/page")" 'action="/admin/groups/delete"'
assert_eq "a viewer can read the templates page" 200 "$(page /admin/templates)"
assert_not_contains "... without delete buttons" "$(cat "$T/page")" 'action="/admin/templates/delete"'
assert_eq "a viewer can read the subscribers page" 200 "$(page /admin/subscribers)"
assert_not_contains "... without the add form" "$(cat "$T/page")" 'action="/admin/subscribers/new"'
assert_eq "a viewer cannot add a subscriber" 403 "$(post /admin/subscribers/new mode=email email=viewer-add@example.com)"
assert_not_contains "... nothing written" "$(bk_cli subscriber list)" "viewer-add@example.com"

# ---- TOTP: enrol, then sign in with password and code ----
SID=$OWNER_SID
assert_eq "2FA: start" 303 "$(post /admin/account/2fa action=start)"
page /admin/account >/dev/null
SECRET=$(sed -n 's/.*id="totp-secret">\([A-Z2-7]*\)<.*/\1/p' "$T/page")
check "2FA: the secret is shown" test -n "$SECRET"
assert_contains "2FA: the otpauth URI" "$(cat "$T/page")" "otpauth://totp/"
assert_contains "2FA: a QR code" "$(cat "$T/page")" "<svg class=\"qr\""
totp() { python3 -c 'import base64,hmac,hashlib,struct,sys,time
k=base64.b32decode(sys.argv[1]+"="*(-len(sys.argv[1])%8)); c=int(time.time()//30)+int(sys.argv[2])
h=hmac.new(k,struct.pack(">Q",c),hashlib.sha1).digest(); o=h[19]&15
print("%06d"%((struct.unpack(">I",h[o:o+4])[0]&0x7fffffff)%1000000))' "$1" "${2:-0}"; }
assert_eq "2FA: a wrong code is refused" 422 "$(post /admin/account/2fa action=confirm code=000000)"
assert_eq "2FA: confirm with the current code" 200 "$(post /admin/account/2fa action=confirm code=$(totp "$SECRET"))"
RC=$(sed -n 's/.*<li><code>\([a-z0-9-]*\)<\/code>.*/\1/p' "$T/post" | head -1)
RC=$(grep -o '<li><code>[a-z0-9-]*</code>' "$T/post" | head -1 | sed 's/<[^>]*>//g')
check "2FA: recovery codes shown once" test -n "$RC"
login owner@example.com owner-password-1
assert_eq "2FA: the password step" 303 "$CODE"
assert_contains "2FA: then the code step" "$(grep -i '^location' "$T/h.post")" "/admin/login/totp"
assert_eq "2FA: the half session cannot see the dashboard" 303 "$(page /admin)"
HALF=$SID
login owner@example.com owner-password-1 "Cookie: __Host-beacon_session=$HALF"
assert_eq "2FA: signing in again over a half-finished sign-in works" 303 "$CODE"
HALF=$SID
tpost() { curl -s -o "$T/tp" -D "$T/h.tp" -w '%{http_code}' -H "Origin: $ORIGIN" -H "Cookie: __Host-beacon_session=$HALF" \
	--data-urlencode "csrf=$(curl -s -H "Cookie: __Host-beacon_session=$HALF" "$U/admin/login/totp" > "$T/tpp"; csrf_of "$T/tpp")" "$@" "$U/admin/login/totp"; }
assert_eq "2FA: a wrong code: 401" 401 "$(tpost --data-urlencode code=123456)"
sleep 1
CODE1=$(totp "$SECRET" 1)
assert_eq "2FA: the right code signs in" 303 "$(tpost --data-urlencode "code=$CODE1")"
SID=$(get_cookie __Host-beacon_session "$T/h.tp")
assert_ne "2FA: a new session id after the code step" "$HALF" "$SID"
assert_eq "2FA: the dashboard" 200 "$(page /admin)"
login owner@example.com owner-password-1; HALF=$SID
assert_eq "2FA: a used code cannot be replayed" 401 "$(tpost --data-urlencode "code=$CODE1")"
assert_eq "2FA: a recovery code signs in" 303 "$(tpost --data-urlencode "recovery=$RC")"
login owner@example.com owner-password-1; HALF=$SID
assert_eq "2FA: a recovery code works once" 401 "$(tpost --data-urlencode "recovery=$RC")"
SID=$(get_cookie __Host-beacon_session "$T/h.tp")

# ---- sign-in storm: 429 with Retry-After, then the right password works ----
got429=0
for i in 1 2 3 4 5 6 7; do
	login editor@example.com "wrong-password-$i"
	[ "$CODE" = 429 ] && got429=1
done
assert_eq "a sign-in storm gets 429" 1 "$got429"
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$T/h.post" | tr -d '\r')
check "429 has Retry-After" test -n "$ra"
login editor@example.com editor-password-1
assert_eq "during the lockout even the right password gets 429" 429 "$CODE"
sleep "$((ra + 1))"
login editor@example.com editor-password-1
assert_eq "after Retry-After the right password works" 303 "$CODE"
ED1=$SID
login editor@example.com editor-password-1; ED2=$SID
assert_ne "two sessions of one user" "$ED1" "$ED2"

# ---- sign out, sign out everywhere ----
SID=$ED1
assert_eq "sign out everywhere" 303 "$(post /admin/logout-all)"
SID=$ED2
assert_eq "... ends the user's other session too" 303 "$(page /admin)"
login viewer@example.com viewer-password-1
assert_eq "another user's session is not affected" 200 "$(page /admin)"
assert_eq "sign out" 303 "$(post /admin/logout)"
assert_contains "sign out clears the cookie" "$(grep -i '^set-cookie: __Host-beacon_session' "$T/h.p")" "Max-Age=0"
assert_eq "after sign out the session is gone" 303 "$(page /admin)"

bk_done
