# test_status.sh: one set of read rules through real beacon: for each state entered with the CLI, the
# home banner, /api/v2/status.json and /badge.svg agree; the maintenance state agrees between v2 and pages.
. "$(dirname "$0")/lib.sh"

CONF="$T/beacon.conf"; STORE="$T/store"; SOCK="$T/beacon.sock"; LOG="$T/beacon.log"
mkdir -p "$STORE"
bk_make_conf "$CONF" "$STORE" "$SOCK"
ADMIN_TOKEN=$(bk_cli init) || { echo "# beacon init failed"; exit 1; }
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_lighttpd "$SOCK" lighttpd || exit 1
U=$LIGHTTPD_URL     # no microcache in front: every request renders

# states DESC WANT: "indicator|description" of status.json, and the banner and badge say the same.
states() {
	curl -s --max-time 10 "$U/?lang=en" > "$T/home.html"
	curl -s --max-time 10 "$U/api/v2/status.json" > "$T/status.json"
	curl -s --max-time 10 "$U/badge.svg" > "$T/badge.svg"
	/usr/bin/python3 - "$T" <<'PY'
import json, re, sys, html
t = sys.argv[1]
home = open(t + "/home.html", encoding="utf-8").read()
st = json.load(open(t + "/status.json"))["status"]
badge = open(t + "/badge.svg", encoding="utf-8").read()
m = re.search(r'<section class="banner s(\d)"[^>]*data-indicator="(\w+)"><h1[^>]*>.*?</svg>(.*?)</h1>', home, re.S)
b = re.search(r'data-indicator="(\w+)">([^<]*)</text>', badge)
banner = "%s|%s" % (m.group(2), html.unescape(m.group(3)).lower()) if m else "no banner"
print("%s|%s" % (st["indicator"], st["description"]))
print(banner)
print("%s|%s" % (b.group(1), html.unescape(b.group(2))) if b else "no badge")
PY
}
agree() {
	local d=$1 want=$2 out
	out=$(states)
	assert_eq "$d: status.json" "$want" "$(echo "$out" | sed -n 1p)"
	assert_eq "$d: banner agrees" "$(echo "$want" | tr 'A-Z' 'a-z')" "$(echo "$out" | sed -n 2p)"
	assert_eq "$d: badge agrees" "$want" "$(echo "$out" | sed -n 3p)"
}

agree "empty page" "none|All Systems Operational"
api=$(bk_cli component add --name API --status degraded_performance)
web=$(bk_cli component add --name Website)
agree "one of two degraded" "minor|Partially Degraded Service"
# issue 9: banner "Degraded performance" while status.json and the badge said "Major Service Outage"
inc=$(bk_cli incident open --name "Outage" --status investigating --impact critical --body "Looking.")
agree "critical incident on a degraded component" "critical|Major Service Outage"
bk_cli incident resolve "$inc" --body "Fixed." >/dev/null
bk_cli component set "$api" --status operational >/dev/null
agree "resolved" "none|All Systems Operational"
# issue 9: an open incident with no impact and no components showed green "Investigating / Operational"
quiet=$(bk_cli incident open --name "Something odd" --status investigating --impact none --body "Checking.")
agree "incident without impact or components" "minor|Minor Service Outage"
curl -s --max-time 10 "$U/incidents/$quiet?lang=en" > "$T/quiet.html"
badges=$(sed -n 's/.*<p class="badges">\(.*\)<\/p>.*/\1/p' "$T/quiet.html" | head -1)
assert_not_contains "fresh incident: not green" "$badges" 'class="st s0"'
assert_not_contains "fresh incident: not Operational" "$badges" "Operational"
# issue 9: "Starts in less than a minute" right after an incident opens
assert_not_contains "fresh incident: never 'Starts'" "$(cat "$T/quiet.html")" "Starts in"
assert_contains "fresh incident: started just now" "$(cat "$T/quiet.html")" "Started less than a minute ago"
bk_cli incident resolve "$quiet" --body "Fine." >/dev/null

# maintenance windows
bk_cli maintenance schedule --name "Soon" --from "$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)" \
	--until "$(date -u -d '+4 hours' +%Y-%m-%dT%H:%M:%SZ)" --component "$web" >/dev/null
agree "upcoming window" "none|All Systems Operational"
now=$(bk_cli maintenance schedule --name "Now" --from "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" \
	--until "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --component "$web")
agree "window running (auto start)" "maintenance|Service Under Maintenance"
bk_cli maintenance complete "$now" >/dev/null
# issue 9: over, auto-complete on and auto-start off: "scheduled" in v2, "Lasted about 2 hours" on the page
over=$(bk_cli maintenance schedule --name "Over" --from "$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)" \
	--until "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" --auto-start no --auto-complete yes --component "$web")
agree "window over (auto complete, no auto start)" "none|All Systems Operational"
v2=$(curl -s --max-time 10 "$U/api/v2/scheduled-maintenances.json" | jq -r ".scheduled_maintenances[] | select(.id == \"$over\") | .status")
assert_eq "window over: v2 says completed" "completed" "$v2"
assert_eq "window over: not upcoming in v2" "" \
	"$(curl -s --max-time 10 "$U/api/v2/scheduled-maintenances/upcoming.json" | jq -r ".scheduled_maintenances[] | select(.id == \"$over\") | .id")"
curl -s --max-time 10 "$U/incidents/$over?lang=en" > "$T/over.html"
assert_contains "window over: the page says completed" "$(cat "$T/over.html")" ">Completed</span>"
curl -s --max-time 10 "$U/?lang=en" > "$T/home.html"
upcoming=$(sed -n '/class="notices maint-next"/,/<\/section>/p' "$T/home.html")
assert_contains "upcoming window listed on the home page" "$upcoming" ">Soon</a>"
assert_not_contains "window over: not upcoming on the home page" "$upcoming" ">Over</a>"
bk_done
