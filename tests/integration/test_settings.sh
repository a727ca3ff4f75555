# test_settings.sh: page settings have one owner. Keys set in beacon.conf are applied at every start of
# serve and by the CLI and refused by v1; keys not set there are the store's. Every time is formatted
# per request in the page's zone: after a zone change v2 offsets, the page's <time> offsets and the
# footer agree, without a restart; feeds use the current page_url.
. "$(dirname "$0")/lib.sh"

CONF="$T/beacon.conf"; STORE="$T/store"; SOCK="$T/beacon.sock"; LOG="$T/beacon.log"
mkdir -p "$STORE"
# no page_name, page_url or time_zone: the store owns them
printf 'store = %s\nlisten = unix:%s\nthreads = 8\n' "$STORE" "$SOCK" > "$CONF"
ADMIN_TOKEN=$(bk_cli init) || { echo "# beacon init failed"; exit 1; }
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_lighttpd "$SOCK" lighttpd || exit 1
U=$LIGHTTPD_URL
AUTH="Authorization: OAuth $ADMIN_TOKEN"
JSON="Content-Type: application/json"
PAGE=$(curl -s -H "$AUTH" "$U/v1/pages" | jq -r '.[0].id')
V="/v1/pages/$PAGE"
web=$(bk_cli component add --name Website)
inc=$(bk_cli incident open --name "Slow pages" --status investigating --impact minor --body "Looking." \
	--at 2026-03-16T13:50:00Z --component "$web=degraded_performance")

# zone ZONE OFFSET ABBR DESC: v2 names the zone and writes its offsets, the page's times and footer agree
zone() {
	local z=$1 off=$2 abbr=$3 d=$4 s poff=$2
	[ "$off" = ":00.000Z" ] && poff="+00:00"
	s=$(curl -s --max-time 10 "$U/api/v2/incidents.json")
	assert_eq "$d: v2 page.time_zone" "$z" "$(echo "$s" | jq -r .page.time_zone)"
	assert_contains "$d: v2 started_at offset" "$(echo "$s" | jq -r .incidents[0].started_at)" "$off"
	curl -s --max-time 10 "$U/incidents/$inc?lang=en" > "$T/inc.html"
	assert_contains "$d: page <time> offset" "$(cat "$T/inc.html")" "datetime=\"2026-03-16T"
	assert_contains "$d: page <time> in the zone" "$(grep -o 'datetime="[^"]*"' "$T/inc.html" | head -1)" "$poff\""
	assert_contains "$d: footer names the zone" "$(cat "$T/inc.html")" "Times are shown in $z ($abbr)"
}
zone "UTC" ":00.000Z" "UTC" "default"
assert_status "PATCH time_zone (store-owned)" 200 -H "$AUTH" -H "$JSON" -X PATCH "$U$V" -d '{"page":{"time_zone":"Asia/Tokyo"}}'
zone "Asia/Tokyo" "+09:00" "JST" "Tokyo, no restart"
assert_status "PATCH time_zone again" 200 -H "$AUTH" -H "$JSON" -X PATCH "$U$V" -d '{"page":{"time_zone":"America/Guayaquil"}}'
zone "America/Guayaquil" "-05:00" "-05" "Guayaquil"
assert_contains "Guayaquil: clock time on the page" "$(cat "$T/inc.html")" "8:50 AM"
# the CLI reads a time without an offset in the store-owned zone too (not UTC)
bk_cli component add --name "CLI zone" >/dev/null
bk_cli component set "CLI zone" --status partial_outage --at "2026-01-10 08:50" >/dev/null
st() { curl -s --max-time 10 "$U/api/v2/summary.json?at=$1" | jq -r '.components[] | select(.name == "CLI zone") | .status'; }
assert_eq "CLI --at without an offset is in the store's zone: operational at 08:49 there" "operational" "$(st 2026-01-10T13:49:00Z)"
assert_eq "CLI --at without an offset is in the store's zone: partial outage at 08:51 there" "partial_outage" "$(st 2026-01-10T13:51:00Z)"
assert_status "unknown zone refused" 422 -H "$AUTH" -H "$JSON" -X PATCH "$U$V" -d '{"page":{"time_zone":"Mars/Olympus"}}'
assert_contains "unknown zone: error names the field" "$(cat "$T/body")" "page.time_zone"
assert_status "PATCH url (store-owned)" 200 -H "$AUTH" -H "$JSON" -X PATCH "$U$V" -d '{"page":{"url":"https://status.one.test"}}'
assert_contains "feed uses the current page_url" "$(curl -s --max-time 10 "$U/history.atom")" "https://status.one.test/incidents/$inc"
assert_contains "RSS date in the page zone" "$(curl -s --max-time 10 "$U/history.rss")" "-0500</pubDate>"

# now beacon.conf sets them: applied at the next start of serve
kill "$BK_SERVE_PID"; wait "$BK_SERVE_PID" 2>/dev/null
printf 'page_name = Conf Status\npage_url = https://status.two.test/\ntime_zone = Europe/Madrid\n' >> "$CONF"
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
wait_for curl -sf -o /dev/null "$U/api/v2/status.json"
zone "Europe/Madrid" "+01:00" "CET" "config zone after restart"
assert_eq "v2 page name from the config" "Conf Status" "$(curl -s "$U/api/v2/status.json" | jq -r .page.name)"
assert_contains "feed uses the config's page_url" "$(curl -s --max-time 10 "$U/history.atom")" "https://status.two.test/incidents/$inc"
assert_status "PATCH of a config-owned key refused" 409 -H "$AUTH" -H "$JSON" -X PATCH "$U$V" -d '{"page":{"time_zone":"Asia/Tokyo"}}'
assert_contains "409 names the config key" "$(jq -r .error "$T/body")" "'time_zone' in $CONF"
zone "Europe/Madrid" "+01:00" "CET" "after the refused PATCH"
# the CLI applies the config too: a changed page_name is the page's after the next CLI write
sed -i 's/^page_name = .*/page_name = Renamed In Conf/' "$CONF"
bk_cli component add --name API >/dev/null
assert_eq "CLI write applies the config" "Renamed In Conf" "$(curl -s "$U/api/v2/status.json" | jq -r .page.name)"
assert_contains "the page shows it" "$(curl -s "$U/?lang=en")" "<title>Renamed In Conf - "
# import does not override a config-owned key
mkdir -p "$T/imp"
echo '{"page":{"id":"x","name":"Imported","url":"https://imported.test","time_zone":"Asia/Tokyo"},"components":[]}' > "$T/imp/summary.json"
bk_cli import statuspage --page "$T/imp" > "$T/import.out" 2>&1
assert_contains "import says the config owns time_zone" "$(cat "$T/import.out")" "'time_zone' in $CONF"
assert_eq "import left the config's zone" "Europe/Madrid" "$(curl -s "$U/api/v2/status.json" | jq -r .page.time_zone)"
bk_done
