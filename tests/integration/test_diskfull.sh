#!/bin/bash
# test_diskfull.sh: a store on a full filesystem (a 2 MiB tmpfs): writes fail with "no space left on device"
# (not LMDB's "Input/output error"), v1 answers 507, nothing acknowledged is lost, reads keep working (issue 8).
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/store"
if ! mount -t tmpfs -o size=2m tmpfs "$T/store" 2>/dev/null; then
	ok "skipped: cannot mount a tmpfs (needs root)"; bk_done
fi
trap 'for p in $BK_PIDS; do kill "$p" 2>/dev/null; done; sleep 0.5; umount -l "$T/store"; bk_cleanup' EXIT
bk_default_setup
AUTH="Authorization: OAuth $ADMIN_TOKEN"
PAGE=$(curl -s --max-time 10 -H "$AUTH" "$URL/v1/pages" | jq -r '.[0].id')
DESC=$(head -c 1500 /dev/zero | tr '\0' d)

# leave about 48 KiB free, then fill that through the CLI until a write is refused (bounded)
free_kb=$(df --output=avail -k "$T/store" | tail -1)
dd if=/dev/zero of="$T/store/filler" bs=1k count=$((free_kb - 48)) 2>/dev/null
added=0; err=""
for i in $(seq 1 300); do
	if ! err=$(bk_cli component add --name "C$i" --description "$DESC" 2>&1 >/dev/null); then break; fi
	added=$((added+1))
done
echo "# $added components fit on the 2 MiB filesystem"
check "the filesystem filled up (a write was refused after $added)" test "$added" -lt 300
assert_contains "CLI: says no space left on device" "$err" "no space left on device"
assert_not_contains "CLI: not 'Input/output error'" "$err" "nput/output error"

# A refused write can leave a page or two free (LMDB reuses the pages of the aborted txn), so v1
# keeps writing until it too is refused (bounded); each 201 is one more acknowledged component.
vadded=0; code=""
for i in $(seq 1 50); do
	code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 -H "$AUTH" -H 'Content-Type: application/json' \
		-X POST "$URL/v1/pages/$PAGE/components" -d "{\"component\":{\"name\":\"CV$i\",\"description\":\"$DESC\"}}")
	[ "$code" = 201 ] || break
	vadded=$((vadded+1))
done
added=$((added+vadded))
assert_eq "v1 on a full disk: 507" 507 "$code"
assert_contains "v1 says no space left on device" "$(cat "$T/body")" "no space left on device"
assert_contains "serve logs no space left on device" "$(cat "$LOG")" "no space left on device"
assert_not_contains "serve does not log Input/output error" "$(cat "$LOG")" "nput/output error"
assert_eq "every acknowledged component is there" "$added" \
	"$(curl -s --max-time 10 "$LURL/api/v2/components.json" | jq '[.components[] | select(.name | startswith("C"))] | length')"
assert_status "pages still render" 200 "$LURL/"
bk_done
