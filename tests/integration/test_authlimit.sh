#!/bin/bash
# test_authlimit.sh: failed authentication is limited per client address (issue 8): 429 with Retry-After,
# other addresses unaffected, X-Forwarded-For believed only from a trusted proxy.
. "$(dirname "$0")/lib.sh"
bk_default_setup "trusted_proxies = 127.0.0.3, 127.0.0.4"
AUTH="Authorization: OAuth $ADMIN_TOKEN"

# code FROM [curl args...] : the HTTP status of GET /v1/pages from source address FROM through nginx
code() { local from=$1; shift; curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' --max-time 10 --interface "$from" "$@" "$URL/v1/pages"; }

n401=0; n429=0; other=0
for i in $(seq 1 60); do
	case $(code 127.0.0.1 -H "Authorization: OAuth wrongtoken$i") in
	401) n401=$((n401+1));; 429) n429=$((n429+1));; *) other=$((other+1));; esac
done
echo "# 60 wrong tokens from 127.0.0.1: $n401 x 401, $n429 x 429, $other other"
assert_eq "the first 10 wrong tokens get 401" 10 "$n401"
assert_eq "the other 50 get 429" 50 "$n429"
code 127.0.0.1 -H "Authorization: OAuth wrongtoken" >/dev/null
check "429 carries Retry-After" grep -qi '^Retry-After: [0-9]' "$T/headers"
assert_contains "429 says why" "$(cat "$T/body")" "too many failed authentications"
assert_eq "even the right token is refused from the flooding address" 429 "$(code 127.0.0.1 -H "$AUTH")"
assert_eq "?api_key= counts too" 429 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$URL/v1/pages?api_key=nope")"
assert_eq "a correct token from another address works" 200 "$(code 127.0.0.2 -H "$AUTH")"
assert_eq "a wrong token from another address is a plain 401" 401 "$(code 127.0.0.2 -H "Authorization: OAuth wrong")"
assert_eq "public pages from the flooding address still work" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$URL/api/v2/status.json")"

# X-Forwarded-For from an untrusted address is ignored: 127.0.0.2 cannot pose as someone else
for i in $(seq 1 12); do code 127.0.0.2 -H "X-Forwarded-For: 198.51.100.$i" -H "Authorization: OAuth bad$i" >/dev/null; done
assert_eq "spoofed X-Forwarded-For does not spread the failures" 429 "$(code 127.0.0.2 -H "$AUTH" -H "X-Forwarded-For: 198.51.100.77")"
# from a trusted proxy, the client named in X-Forwarded-For is limited, not the proxy
for i in $(seq 1 12); do code 127.0.0.3 -H "X-Forwarded-For: 203.0.113.9" -H "Authorization: OAuth bad$i" >/dev/null; done
assert_eq "trusted proxy: the flooding client gets 429" 429 "$(code 127.0.0.3 -H "$AUTH" -H "X-Forwarded-For: 203.0.113.9")"
assert_eq "trusted proxy: another client through it works" 200 "$(code 127.0.0.3 -H "$AUTH" -H "X-Forwarded-For: 203.0.113.10")"
assert_eq "trusted proxies chained: the client before both proxies counts" 429 \
	"$(code 127.0.0.3 -H "$AUTH" -H "X-Forwarded-For: 203.0.113.9, 127.0.0.4")"
assert_eq "a forged hop before the real client is not believed" 200 \
	"$(code 127.0.0.3 -H "$AUTH" -H "X-Forwarded-For: 203.0.113.9, 203.0.113.11")"

bk_done
