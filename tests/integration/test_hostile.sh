#!/bin/bash
# test_hostile.sh: requests from outside that used to end `beacon serve` (issue 8): the process must answer and stay up.
. "$(dirname "$0")/lib.sh"
bk_default_setup

alive() { kill -0 "$BK_SERVE_PID" 2>/dev/null && curl -sf -o /dev/null --max-time 10 "$URL/api/v2/status.json"; }

# Query and form fields without "=" (form_parse used to write into a string literal: SIGSEGV).
for path in '/?x' '/?utm_source&a=1' '/history?utm_source&page=1' '/api/v2/status.json?x' \
            '/api/v2/summary.json?utm_source&a=1' '/history.atom?x&y' '/badge.svg?x' '/nope?x'; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$LURL$path")
	case $code in 2*|3*|4*) ok "GET $path answers ($code)";; *) not_ok "GET $path answers" "HTTP $code";; esac
	check "serve alive after GET $path" alive
done
PAGE=$(curl -s --max-time 10 -H "Authorization: OAuth $ADMIN_TOKEN" "$LURL/v1/pages" | jq -r '.[0].id')
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H "Authorization: OAuth $ADMIN_TOKEN" \
	--data 'component[name]&x' "$LURL/v1/pages/$PAGE/components")
case $code in 4*) ok "form body field without = is refused ($code)";; *) not_ok "form body without =" "HTTP $code";; esac
check "serve alive after form body without =" alive

# A 900-level metadata object (9 KB, under the 4 KB-per-field check's reach only after json_dumps): 422, server up.
AUTH="Authorization: OAuth $ADMIN_TOKEN"
INC=$(curl -s --max-time 10 -H "$AUTH" -H 'Content-Type: application/json' -X POST "$URL/v1/pages/$PAGE/incidents" \
	-d '{"incident":{"name":"Deep","status":"investigating"}}' | jq -r .id)
deep=$(/usr/bin/python3 -c 'print("{\"incident\":{\"metadata\":" + "{\"a\":" * 900 + "1" + "}" * 900 + "}}")')
assert_status "PATCH with 900-level metadata: 422" 422 -H "$AUTH" -H 'Content-Type: application/json' -X PATCH \
	"$URL/v1/pages/$PAGE/incidents/$INC" --data-binary "$deep"
assert_contains "422 names the field" "$(cat "$T/body")" "metadata: nested deeper than 32 levels"
check "serve alive after the deep PATCH" alive
ok_meta='{"incident":{"metadata":'$(/usr/bin/python3 -c 'print("{\"a\":" * 30 + "1" + "}" * 30)')'}}'
assert_status "PATCH with 30-level metadata: 200" 200 -H "$AUTH" -H 'Content-Type: application/json' -X PATCH \
	"$URL/v1/pages/$PAGE/incidents/$INC" --data-binary "$ok_meta"
# ...and a deep array anywhere in a body
deep_arr='{"incident":{"name":"x","components":'$(/usr/bin/python3 -c 'print("[" * 900 + "]" * 900)')'}}'
assert_status "PATCH with 900 nested arrays: 422" 422 -H "$AUTH" -H 'Content-Type: application/json' -X PATCH \
	"$URL/v1/pages/$PAGE/incidents/$INC" --data-binary "$deep_arr"
assert_contains "422 names components" "$(cat "$T/body")" "components: nested deeper"

# The Statuspage import parses through the same bound.
/usr/bin/python3 -c 'print("{\"page\":{\"id\":\"x\",\"name\":\"n\"},\"components\":[" + "[" * 5000 + "]" * 5000 + "]}")' > "$T/deep.json"
err=$(bk_cli import statuspage "$T/deep.json" 2>&1); rc=$?
assert_ne "import of a 5000-level file fails" 0 "$rc"
assert_contains "import names the depth" "$err" "nested deeper than 32 levels"

# Names that are only whitespace or hold bidi overrides/isolates: refused by the store for every front end.
RLO=$(printf '\342\200\256')      # U+202E RIGHT-TO-LEFT OVERRIDE
LRI=$(printf '\342\201\246')      # U+2066 LEFT-TO-RIGHT ISOLATE
NBSP=$(printf '\302\240')
for name in "   " "$NBSP $NBSP" "Pay${RLO}lanruoj" "API ${LRI}x"; do
	body=$(jq -cn --arg n "$name" '{component:{name:$n}}')
	assert_status "v1 component name [$name]: 422" 422 -H "$AUTH" -H 'Content-Type: application/json' -X POST \
		"$URL/v1/pages/$PAGE/components" --data-binary "$body"
	assert_contains "v1 says why [$name]" "$(cat "$T/body")" "invalid name"
	body=$(jq -cn --arg n "$name" '{incident:{name:$n,status:"investigating"}}')
	assert_status "v1 incident name [$name]: 422" 422 -H "$AUTH" -H 'Content-Type: application/json' -X POST \
		"$URL/v1/pages/$PAGE/incidents" --data-binary "$body"
	err=$(bk_cli component add --name "$name" 2>&1); rc=$?
	assert_ne "CLI component add [$name] fails" 0 "$rc"
	assert_contains "CLI says why [$name]" "$err" "invalid name"
	err=$(bk_cli group add --name "$name" 2>&1); rc=$?
	assert_ne "CLI group add [$name] fails" 0 "$rc"
done
assert_eq "no component was created" 0 "$(curl -s --max-time 10 "$URL/api/v2/components.json?x=$RANDOM" | jq '.components | length')"
assert_status "v1 a name with inner spaces and RTL letters is fine" 201 -H "$AUTH" -H 'Content-Type: application/json' \
	-X POST "$URL/v1/pages/$PAGE/components" --data-binary "$(jq -cn '{component:{name:" API  עברית "}}')"

bk_done
