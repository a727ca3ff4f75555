# test_asof.sh: the page as it was at a moment (?at=): home, incident page, summary.json and status.json
# from the status log. The reference cache-failover incident (08:50-12:51 -05, 15 days ago): at 10:00
# the four Channels components are in major outage, at 13:00 operational again.
. "$(dirname "$0")/lib.sh"

bk_demo_store
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_nginx "$SOCK" nginx || exit 1
U=$NGINX_URL

curl -s "$U/api/v2/incidents.json" > "$T/incidents.json"
read -r INC DAY <<EOF
$(python3 -c '
import json, sys, datetime as d
i = [x for x in json.load(open(sys.argv[1]))["incidents"] if "Platform Service Interruption" in x["name"]][0]
t = d.datetime.fromisoformat(i["started_at"].replace("Z", "+00:00")).astimezone(d.timezone(d.timedelta(hours=-5)))
print(i["id"], t.strftime("%Y-%m-%d"))' "$T/incidents.json")
EOF
check "reference incident found ($INC on $DAY)" test -n "$DAY"
AT10="${DAY}T10:00-05:00"; AT13="${DAY}T13:00-05:00"
CHANNELS='("WhatsApp", "Facebook Messenger", "Instagram Direct Messages", "Facebook Feed")'
comp_status() {   # comp_status FILE: "name=status" of the four Channels components
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (c["name"].replace(" ", "_"), c["status"]) for c in d["components"] if c["name"] in '"$CHANNELS"'))' "$1"
}
assert_status "summary.json at 10:00" 200 "$U/api/v2/summary.json?at=$AT10"
assert_eq "summary at 10:00: the four Channels components in major outage" \
	"WhatsApp=major_outage Facebook_Messenger=major_outage Instagram_Direct_Messages=major_outage Facebook_Feed=major_outage" "$(comp_status "$T/body")"
assert_eq "summary at 10:00: the incident is open, investigating" "🚨 Platform Service Interruption" \
	"$(python3 -c 'import json,sys; print(" ".join(i["name"] for i in json.load(open(sys.argv[1]))["incidents"]))' "$T/body")"
assert_eq "summary at 10:00: only the updates posted by then" "investigating" \
	"$(python3 -c 'import json,sys; print(" ".join(u["status"] for i in json.load(open(sys.argv[1]))["incidents"] for u in i["incident_updates"]))' "$T/body")"
assert_status "summary.json at 13:00" 200 "$U/api/v2/summary.json?at=$AT13"
assert_eq "summary at 13:00: the four Channels components operational" \
	"WhatsApp=operational Facebook_Messenger=operational Instagram_Direct_Messages=operational Facebook_Feed=operational" "$(comp_status "$T/body")"
assert_status "summary.json now" 200 "$U/api/v2/summary.json"
assert_contains "summary now: WhatsApp is degraded today" "$(comp_status "$T/body")" "WhatsApp=degraded_performance"
assert_status "status.json at 10:00" 200 "$U/api/v2/status.json?at=$AT10"
assert_contains "status at 10:00: major outage" "$(cat "$T/body")" '"indicator":"major"'
assert_status "status.json with a bad at" 400 "$U/api/v2/status.json?at=yesterday"
assert_contains "bad at: JSON error" "$(cat "$T/body")" '"error"'
assert_status "status.json with +offset sent unencoded" 200 "$U/api/v2/status.json?at=${DAY}T15:00+00:00"

# comp_badges FILE: the status class of each component row on a home page
comp_badges() { python3 -c 'import re, sys; print(" ".join(re.findall(r"<li class=\"comp\">.*?<span class=\"st (s\d)\"", open(sys.argv[1], encoding="utf-8").read(), re.S)))' "$1"; }
assert_status "home at 10:00" 200 "$U/?at=$AT10"
H=$(cat "$T/body")
assert_contains "home at 10:00: the as-of notice" "$H" "This is the page as it was on"
assert_contains "home at 10:00: a way back to now" "$H" 'href="/">See the current status</a>'
want=$(curl -s "$U/api/v2/status.json?at=$AT10" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["description"])')
assert_contains "home at 10:00: the banner of then, as status.json says then ($want)" "$(printf '%s' "$H" | tr 'A-Z' 'a-z')" "$(printf '%s' "$want" | tr 'A-Z' 'a-z')"
printf '%s' "$H" > "$T/h10.html"
assert_contains "home at 10:00: component rows in major outage" "$(comp_badges "$T/h10.html")" "s4"
assert_contains "home at 10:00: the incident of then, first update only" "$H" "Platform Service Interruption"
assert_not_contains "home at 10:00: no later update" "$H" "The issue has been identified in the cache cluster"
assert_contains "home at 10:00: links stay at that moment" "$H" "/incidents/$INC?at="
assert_status "home at 13:00" 200 "$U/?at=$AT13"
assert_not_contains "home at 13:00: no component row shows a major outage any more" "$(comp_badges "$T/body")" "s4"
assert_status "incident page at 10:00" 200 "$U/incidents/$INC?at=$AT10"
I=$(cat "$T/body")
assert_contains "incident at 10:00: investigating" "$I" "Investigating"
assert_not_contains "incident at 10:00: not resolved yet" "$I" ">Resolved<"
assert_not_contains "incident at 10:00: no postmortem yet" "$I" "Incident Summary"
assert_status "incident page before it began" 404 "$U/incidents/$INC?at=${DAY}T08:00-05:00"
assert_status "home with a bad at" 400 "$U/?at=2026-02-31T10:00Z"
assert_status "home with a future at shows now" 200 "$U/?at=2999-01-01T00:00Z"
assert_not_contains "future at: no as-of notice" "$(cat "$T/body")" "This is the page as it was on"
assert_status "Spanish as-of" 200 "$U/?at=$AT10&lang=es"
assert_contains "Spanish as-of notice" "$(cat "$T/body")" "Así se veía la página el "
assert_contains "Spanish as-of notice: 24-hour time" "$(cat "$T/body")" ", 10:00 -05."
bk_done
