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

bk_done
