#!/bin/bash
# test_mapsize.sh: map_size_mb is the map a store opens with, and a map grown for a large import stays grown (issue 8).
. "$(dirname "$0")/lib.sh"

map_size() { mdb_stat -e "$1" | sed -n 's/^ *Map size: //p'; }

# map_size_mb = 256 is applied (it used to be 64 MiB whatever the config said)
mkdir -p "$T/big"
bk_make_conf "$T/big.conf" "$T/big" "$T/big.sock" "map_size_mb = 256"
"$BEACON" --config "$T/big.conf" init >/dev/null || not_ok "init (map_size_mb = 256)"
"$BEACON" --config "$T/big.conf" component add --name API >/dev/null || not_ok "component add"
assert_eq "map_size_mb = 256: the store's map is 256 MiB" $((256 << 20)) "$(map_size "$T/big")"

# map_size_mb = 1 and an import of a few MB: it succeeds, the map grew, and the grown size is kept
mkdir -p "$T/small" "$T/src"
bk_make_conf "$T/small.conf" "$T/small" "$T/small.sock" "map_size_mb = 1"
"$BEACON" --config "$T/small.conf" init >/dev/null || not_ok "init (map_size_mb = 1)"
assert_eq "map_size_mb = 1: the store's map is 1 MiB" $((1 << 20)) "$(map_size "$T/small")"
echo '{"page":{"id":"p7s3x9k2m4qd","name":"Acme"},"components":[]}' > "$T/src/summary.json"
/usr/bin/python3 - "$T/src/incidents.json" <<'PY'
import json, sys
body = "Investigating elevated error rates on the API. " * 40
incs = []
for i in range(1500):
    t = "2025-03-%02dT%02d:%02d:00.000Z" % (1 + i % 28, i % 24, i % 60)
    iid = "imp%09d" % i
    incs.append({"id": iid, "name": "Incident %d" % i, "status": "resolved", "impact": "minor",
                 "created_at": t, "updated_at": t, "started_at": t, "resolved_at": t, "monitoring_at": None,
                 "components": [], "incident_updates": [
                     {"id": "u%011d" % i, "incident_id": iid, "status": "resolved", "body": body,
                      "created_at": t, "updated_at": t, "display_at": t, "affected_components": None}]})
json.dump({"page": {"id": "p7s3x9k2m4qd", "name": "Acme"}, "incidents": incs}, open(sys.argv[1], "w"))
PY
out=$("$BEACON" --config "$T/small.conf" import statuspage "$T/src" 2>&1); rc=$?
assert_eq "import of $(($(stat -c %s "$T/src/incidents.json") >> 10)) KiB into a 1 MiB map succeeds" 0 "$rc"
assert_contains "import reports the incidents" "$out" "1500 incidents"
grown=$(map_size "$T/small")
check "the map grew past 1 MiB ($grown)" test "$grown" -gt $((1 << 20))
"$BEACON" --config "$T/small.conf" component add --name Later >/dev/null
assert_eq "the grown map is kept by the next process" "$grown" "$(map_size "$T/small")"
assert_eq "every incident is in the store" 1500 "$("$BEACON" --config "$T/small.conf" incident list --json --limit 5000 2>/dev/null | jq length)"

bk_done
