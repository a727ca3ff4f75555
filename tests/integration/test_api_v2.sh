# test_api_v2.sh: the public v2 JSON API, history feeds and badges on a fixed store, through real nginx and lighttpd:
# golden bodies (ids and wall-clock times normalised), spec key order, rollup, list cap, escaping, CORS, ETag/304.
. "$(dirname "$0")/lib.sh"
GOLDEN="$ROOT/tests/golden/v2"

# One node like bk_default_setup, but the page lives in America/Guayaquil (-05:00, no DST) to test offsets.
CONF="$T/beacon.conf"; STORE="$T/store"; SOCK="$T/beacon.sock"; LOG="$T/beacon.log"
mkdir -p "$STORE"
bk_make_conf "$CONF" "$STORE" "$SOCK"
sed -i 's#^time_zone = .*#time_zone = America/Guayaquil#; s#^page_name = .*#page_name = Acme <b>\&</b> "Co"#' "$CONF"
ADMIN_TOKEN=$(bk_cli init) || { echo "# beacon init failed"; exit 1; }

# ---- the fixed store (XSS corpus in names and bodies) ----
XSS_NAME='Email <script>alert("x")</script> & co'
XSS_INC="Elevated API <img src=x onerror=alert(1)> errors 'q'"
G=$(bk_cli group add --name "Platform" --position 1)
C1=$(bk_cli component add --name "API" --group "$G" --position 1 --description "REST and GraphQL endpoints" --start-date 2023-01-10)
C2=$(bk_cli component add --name "Dashboard" --group "$G" --position 2)
C3=$(bk_cli component add --name "$XSS_NAME" --position 2 --showcase no)
R=$(bk_cli incident open --name "Delayed email delivery" --status investigating --impact major \
	--component "$C3=partial_outage" --at 2025-02-20T13:55:00Z)
bk_cli incident update "$R" --status monitoring --at 2025-02-20T14:40:05Z >/dev/null
bk_cli incident update "$R" --status monitoring --body "$(printf 'Queues are draining.\nStill <b>watching</b>.')" \
	--at 2025-02-20T14:58:30Z >/dev/null
bk_cli incident resolve "$R" --at 2025-02-20T15:10:44Z >/dev/null
I=$(bk_cli incident open --name "$XSS_INC" --status identified --impact minor \
	--component "$C1=degraded_performance" --body 'Fix in progress </script><script>alert(2)</script>' \
	--at 2025-03-04T09:41:12Z)
MU=$(bk_cli maintenance schedule --name "Email provider migration" --from 2030-03-08T02:00:00Z \
	--until 2030-03-08T04:00:00Z --component "$C3" --auto-start yes --auto-complete yes)
MA=$(bk_cli maintenance schedule --name "Database upgrade" --from 2025-01-01T00:00:00Z \
	--until 2099-01-01T00:00:00Z --component "$C2" --auto-start yes --auto-complete yes)
MC=$(bk_cli maintenance schedule --name "Old migration" --from 2024-01-01T10:00:00Z \
	--until 2024-01-01T12:00:00Z --auto-start yes --auto-complete yes)
for v in G C1 C2 C3 R I MU MA MC; do
	eval "val=\$$v"
	case "$val" in [0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z]) ;;
	*) echo "# CLI setup failed for $v: [$val]"; exit 1;; esac
done

bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_nginx "$SOCK" nginx || exit 1
bk_start_lighttpd "$SOCK" lighttpd || exit 1

# normalise FILE: minified JSON -> pretty JSON with ids as <G>, <C1>, ... and wall-clock times as <now>.
# Times the test fixed (--at, --from, --until, --start-date) stay, so their page-zone rendering is checked.
FIXED="2025-02-20T13:55:00 2025-02-20T14:40:05 2025-02-20T14:58:30 2025-02-20T15:10:44 2025-03-04T09:41:12
2030-03-08T02:00:00 2030-03-08T04:00:00 2025-01-01T00:00:00 2099-01-01T00:00:00 2024-01-01T10:00:00 2024-01-01T12:00:00"
normalise() {
	IDS="G=$G C1=$C1 C2=$C2 C3=$C3 R=$R I=$I MU=$MU MA=$MA MC=$MC" FIXED="$FIXED" python3 - "$1" <<'PY'
import datetime, json, os, re, sys
tz = datetime.timezone(datetime.timedelta(hours=-5))
fixed = set()
for s in os.environ["FIXED"].split():
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    fixed.add(d.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S.000-05:00"))
ids = dict(kv.split("=")[::-1] for kv in os.environ["IDS"].split())
ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-05:00$")
idre = re.compile(r"^[0-9a-z]{12}$")
def walk(v, key=None):
    if isinstance(v, dict):
        return {k: walk(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [walk(x) for x in v]
    if isinstance(v, str):
        if ts.match(v) and v not in fixed:
            return "<now>"
        if key == "id" and idre.match(v) and v not in ids:   # update ids, in order of appearance
            ids[v] = "u%d" % (sum(n.startswith("u") for n in ids.values()) + 1)
        for i, name in ids.items():
            v = v.replace(i, "<" + name + ">")
    return v
doc = json.loads(open(sys.argv[1], encoding="utf-8").read())
ids[doc["page"]["id"]] = "page"
print(json.dumps(walk(doc), indent=1, ensure_ascii=False))
PY
}

ENDPOINTS="summary status components incidents incidents/unresolved scheduled-maintenances
scheduled-maintenances/upcoming scheduled-maintenances/active"

for front in nginx lighttpd; do
	if [ $front = nginx ]; then U=$NGINX_URL; else U=$LIGHTTPD_URL; fi
	for ep in $ENDPOINTS; do
		gname=$(echo "$ep" | tr / _)
		assert_status "$front: $ep.json 200" 200 "$U/api/v2/$ep.json"
		cp "$T/body" "$T/$front-$gname.json"
		h=$(tr -d '\r' < "$T/headers")
		assert_contains "$front: $ep.json content type" "$h" "Content-Type: application/json; charset=utf-8"
		assert_contains "$front: $ep.json CORS" "$h" "Access-Control-Allow-Origin: *"
		check "$front: $ep.json is minified JSON" python3 -c '
import json,sys; s=open(sys.argv[1]).read(); json.loads(s); assert s == json.dumps(json.loads(s), separators=(",",":"), ensure_ascii=False).replace("</","<\\/")' "$T/body"
		if [ "${UPDATE_GOLDEN:-0}" = 1 ] && [ $front = nginx ]; then
			mkdir -p "$GOLDEN"; normalise "$T/body" > "$GOLDEN/$gname.json"
		fi
		if normalise "$T/body" > "$T/norm.json" && diff -u "$GOLDEN/$gname.json" "$T/norm.json" > "$T/diff"; then
			ok "$front: $ep.json matches golden"
		else
			not_ok "$front: $ep.json matches golden" "$(head -40 "$T/diff")"
		fi
	done
	check "$front: same bytes as nginx for summary" cmp "$T/nginx-summary.json" "$T/$front-summary.json"
done

# ---- key order and values, straight from the spec (section 2, 3, 8) ----
S="$T/nginx-summary.json"
keys() { jq -c "$1 | keys_unsorted" "$2"; }
assert_eq "summary top-level keys" '["page","components","incidents","scheduled_maintenances","status"]' "$(keys . "$S")"
assert_eq "page keys" '["id","name","url","time_zone","updated_at"]' "$(keys .page "$S")"
assert_eq "component keys" '["id","name","status","created_at","updated_at","position","description","showcase","start_date","group_id","page_id","group","only_show_if_degraded"]' \
	"$(keys '.components[1]' "$S")"
assert_eq "group keys" '["id","name","status","created_at","updated_at","position","description","showcase","start_date","group_id","page_id","group","only_show_if_degraded","components"]' \
	"$(keys '.components[0]' "$S")"
assert_eq "incident keys" '["id","name","status","created_at","updated_at","monitoring_at","resolved_at","impact","shortlink","started_at","page_id","incident_updates","components","reminder_intervals"]' \
	"$(keys '.incidents[0]' "$S")"
assert_eq "update keys" '["id","status","body","incident_id","created_at","updated_at","display_at","affected_components","deliver_notifications","custom_tweet","tweet_id"]' \
	"$(keys '.incidents[0].incident_updates[0]' "$S")"
assert_eq "affected component keys" '["code","name","old_status","new_status"]' \
	"$(keys '.incidents[0].incident_updates[0].affected_components[0]' "$S")"
assert_eq "maintenance keys" '["id","name","status","created_at","updated_at","monitoring_at","resolved_at","impact","shortlink","started_at","page_id","incident_updates","components","scheduled_for","scheduled_until"]' \
	"$(keys '.scheduled_maintenances[0]' "$S")"
assert_eq "status keys" '["page","status"]' "$(keys . "$T/nginx-status.json")"
assert_eq "components.json keys" '["page","components"]' "$(keys . "$T/nginx-components.json")"
assert_eq "incidents.json keys" '["page","incidents"]' "$(keys . "$T/nginx-incidents.json")"
assert_eq "maintenances keys" '["page","scheduled_maintenances"]' "$(keys . "$T/nginx-scheduled-maintenances.json")"
assert_eq "page zone and offset" "America/Guayaquil 2025-03-04T04:41:12.000-05:00" \
	"$(jq -r '"\(.page.time_zone) \(.incidents[0].started_at)"' "$S")"
assert_eq "flat component order: group, children, top level" "$G $C1 $C2 $C3" "$(jq -r '[.components[].id]|join(" ")' "$S")"
assert_eq "group lists its children" "[\"$C1\",\"$C2\"]" "$(jq -c '.components[0].components' "$S")"
assert_eq "grouped name in affected_components" "Platform - API" "$(jq -r '.incidents[0].incident_updates[0].affected_components[0].name' "$S")"
assert_eq "summary status" '{"indicator":"minor","description":"Partially Degraded Service"}' "$(jq -c .status "$S")"
assert_eq "summary maintenances: upcoming and active" "$MU scheduled $MA in_progress" \
	"$(jq -r '[.scheduled_maintenances[]|"\(.id) \(.status)"]|join(" ")' "$S")"
assert_eq "incidents.json newest first, resolved included" "$I identified $R resolved" \
	"$(jq -r '[.incidents[]|"\(.id) \(.status)"]|join(" ")' "$T/nginx-incidents.json")"
assert_eq "updates newest first" "resolved monitoring monitoring investigating" \
	"$(jq -r '[.incidents[1].incident_updates[].status]|join(" ")' "$T/nginx-incidents.json")"
assert_eq "maintenance auto transitions at request time" "$MU scheduled $MA in_progress $MC completed" \
	"$(jq -r '[.scheduled_maintenances[]|"\(.id) \(.status)"]|join(" ")' "$T/nginx-scheduled-maintenances.json")"
assert_eq "upcoming.json" "$MU" "$(jq -r '[.scheduled_maintenances[].id]|join(" ")' "$T/nginx-scheduled-maintenances_upcoming.json")"
assert_eq "active.json" "$MA" "$(jq -r '[.scheduled_maintenances[].id]|join(" ")' "$T/nginx-scheduled-maintenances_active.json")"
assert_eq "unresolved.json" "$I" "$(jq -r '[.incidents[].id]|join(" ")' "$T/nginx-incidents_unresolved.json")"

# ---- escaping: names survive as data, never as markup ----
assert_eq "XSS component name round-trips in JSON" "$XSS_NAME" "$(jq -r ".components[3].name" "$S")"
assert_eq "XSS incident name round-trips in JSON" "$XSS_INC" "$(jq -r ".incidents[0].name" "$S")"
assert_not_contains "no raw </script> in JSON" "$(cat "$S")" "</script>"
assert_eq "page name round-trips" 'Acme <b>&</b> "Co"' "$(jq -r .page.name "$S")"

# ---- feeds ----
for front in nginx lighttpd; do
	if [ $front = nginx ]; then U=$NGINX_URL; else U=$LIGHTTPD_URL; fi
	assert_status "$front: history.atom 200" 200 "$U/history.atom"
	cp "$T/body" "$T/$front.atom"
	assert_contains "$front: atom content type" "$(tr -d '\r' < "$T/headers")" "Content-Type: application/atom+xml"
	assert_status "$front: history.rss 200" 200 "$U/history.rss"
	cp "$T/body" "$T/$front.rss"
	assert_contains "$front: rss content type" "$(tr -d '\r' < "$T/headers")" "Content-Type: application/rss+xml"
	check "$front: atom is well-formed XML" xmllint --noout "$T/$front.atom"
	check "$front: rss is well-formed XML" xmllint --noout "$T/$front.rss"
done
A="$T/nginx.atom"; X="$T/nginx.rss"
ax() { xmllint --xpath "$1" "$A" 2>/dev/null; }
rx() { xmllint --xpath "$1" "$X" 2>/dev/null; }
E="//*[local-name()='entry']"
assert_eq "atom: 5 entries (incidents and maintenances)" 5 "$(ax "count($E)")"
assert_eq "atom: feed id" "tag:127.0.0.1,2005:/history" "$(ax "string(/*/*[local-name()='id'])")"
assert_eq "atom: feed title" 'Acme <b>&</b> "Co" Status - Incident History' "$(ax "string(/*/*[local-name()='title'])")"
assert_eq "atom: self link" "http://127.0.0.1/history.atom" "$(ax "string(/*/*[local-name()='link'][@rel='self']/@href)")"
assert_eq "atom: author" 'Acme <b>&</b> "Co"' "$(ax "string(/*/*[local-name()='author']/*[local-name()='name'])")"
n=1; good=0; idlist=""
while [ $n -le 5 ]; do
	id=$(ax "string(($E)[$n]/*[local-name()='id'])")
	case "$id" in tag:127.0.0.1,2005:Incident/*[!0-9]*) ;; tag:127.0.0.1,2005:Incident/[0-9]*) good=$((good+1));; esac
	idlist="$idlist$id
"
	n=$((n+1))
done
assert_eq "atom: entry ids are tag:host,2005:Incident/N" 5 "$good"
assert_eq "atom: entry ids are distinct" 5 "$(printf '%s' "$idlist" | sort -u | grep -c .)"
RE="$E[*[local-name()='link']/@href='http://127.0.0.1/incidents/$R']"
assert_eq "atom: resolved entry title" "Delayed email delivery" "$(ax "string($RE/*[local-name()='title'])")"
assert_eq "atom: published is when it began" "2025-02-20T13:55:00Z" "$(ax "string($RE/*[local-name()='published'])")"
assert_eq "atom: updated is the last update (not the data-entry time)" "2025-02-20T15:10:44Z" "$(ax "string($RE/*[local-name()='updated'])")"
case "$(ax "string($RE/*[local-name()='updated'])")" in
[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z) ok "atom: updated is UTC seconds";;
*) not_ok "atom: updated is UTC seconds" "$(ax "string($RE/*[local-name()='updated'])")";;
esac
content=$(ax "string($RE/*[local-name()='content'])")
assert_contains "atom: newest update first, labelled" "$content" "<p><small>Feb <var data-var='date'>20</var>, <var data-var='time'>10:10</var> -05</small><br><strong>Resolved</strong></p><p>"
assert_contains "atom: repeated status is 'Update', body rendered from Markdown" "$content" "<strong>Update</strong></p><p>Queues are draining.
Still &lt;b&gt;watching&lt;/b&gt;.</p>"
assert_contains "atom: first update" "$content" "<strong>Investigating</strong></p><p>We are currently investigating this issue.</p>"
assert_eq "atom: XSS title round-trips" "$XSS_INC" "$(ax "string($E[*[local-name()='link']/@href='http://127.0.0.1/incidents/$I']/*[local-name()='title'])")"
assert_contains "atom: XSS body stays escaped HTML" "$(ax "string($E[*[local-name()='link']/@href='http://127.0.0.1/incidents/$I']/*[local-name()='content'])")" \
	"Fix in progress &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
assert_not_contains "atom: no raw markup from data" "$(cat "$A")" "<script"
I_="//item"
assert_eq "rss: 5 items" 5 "$(rx "count($I_)")"
assert_eq "rss: channel description" 'Incidents and maintenance of Acme <b>&</b> "Co", with every update' "$(rx "string(/rss/channel/description)")"
assert_eq "rss: channel link" "http://127.0.0.1" "$(rx "string(/rss/channel/link)")"
assert_eq "rss: item child order" "title description pubDate link guid" \
	"$(rx "$I_[link='http://127.0.0.1/incidents/$R']/*" | sed -n 's#^ *<\([a-zA-Z]*\)[ >].*#\1#p' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "rss: incident pubDate is the last update, page zone" "Thu, 20 Feb 2025 10:10:44 -0500" "$(rx "string($I_[guid='http://127.0.0.1/incidents/$R']/pubDate)")"
assert_contains "rss: resolved marker for GOV.UK" "$(rx "string($I_[guid='http://127.0.0.1/incidents/$R']/description)")" "<strong>Resolved</strong>"
assert_eq "rss: maintenances carry maintenanceEndDate" 3 "$(rx "count($I_/maintenanceEndDate)")"
assert_eq "rss: maintenance pubDate is scheduled_for" "Thu, 07 Mar 2030 21:00:00 -0500" "$(rx "string($I_[guid='http://127.0.0.1/incidents/$MU']/pubDate)")"
assert_eq "rss: maintenanceEndDate is scheduled_until" "Thu, 07 Mar 2030 23:00:00 -0500" "$(rx "string($I_[guid='http://127.0.0.1/incidents/$MU']/maintenanceEndDate)")"
assert_contains "rss: scheduled event header" "$(rx "string($I_[guid='http://127.0.0.1/incidents/$MU']/description)")" \
	"<p><strong>THIS IS A SCHEDULED EVENT Mar <var data-var='date'> 7</var>, <var data-var='time'>21:00</var> - <var data-var='time'>23:00</var> -05</strong></p>"
assert_contains "rss: apostrophes as &apos;" "$(cat "$X")" "data-var=&apos;date&apos;"
assert_eq "rss: item order newest first" "http://127.0.0.1/incidents/$MU" "$(rx "string($I_[1]/guid)")"

# ---- badges ----
for front in nginx lighttpd; do
	if [ $front = nginx ]; then U=$NGINX_URL; else U=$LIGHTTPD_URL; fi
	assert_status "$front: page badge 200" 200 "$U/badge.svg"
	assert_contains "$front: badge content type" "$(tr -d '\r' < "$T/headers")" "Content-Type: image/svg+xml"
	check "$front: page badge is well-formed SVG" xmllint --noout "$T/body"
	assert_contains "$front: page badge says the status in words" "$(cat "$T/body")" ">Partially Degraded Service</text>"
	assert_status "$front: component badge (.svg)" 200 "$U/badge/$C3.svg"
	check "$front: component badge is well-formed" xmllint --noout "$T/body"
	assert_contains "$front: badge name escaped" "$(cat "$T/body")" "Email &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"
	assert_not_contains "$front: no raw script in badge" "$(cat "$T/body")" "<script"
	assert_status "$front: component badge (bare id)" 200 "$U/badge/$C1"
	assert_contains "$front: grouped component badge" "$(cat "$T/body")" ">Platform - API</text>"
	assert_contains "$front: component status in words" "$(cat "$T/body")" ">Degraded performance</text>"
	assert_status "$front: group badge" 200 "$U/badge/$G.svg"
	assert_contains "$front: group badge rolls up" "$(cat "$T/body")" ">Degraded performance</text>"
	assert_status "$front: unknown badge 404" 404 "$U/badge/zzzzzzzzzzzz.svg"
	assert_status "$front: malformed badge id 404" 404 "$U/badge/%3Cx%3E.svg"
done

# ---- HTTP: CORS preflight, ETag/304 through nginx, HEAD ----
assert_status "OPTIONS answered" 204 -X OPTIONS "$NGINX_URL/api/v2/summary.json"
assert_contains "OPTIONS has CORS" "$(tr -d '\r' < "$T/headers")" "Access-Control-Allow-Origin: *"
etag=$(curl -s -D - -o /dev/null "$NGINX_URL/api/v2/summary.json" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
assert_ne "summary.json has an ETag through nginx" "" "$etag"
assert_status "If-None-Match through nginx gives 304" 304 -H "If-None-Match: $etag" "$NGINX_URL/api/v2/summary.json"
assert_status "HEAD summary.json" 200 -I "$NGINX_URL/api/v2/summary.json"
assert_status "gzip through nginx" 200 -H 'Accept-Encoding: gzip' "$NGINX_URL/api/v2/components.json"
assert_contains "gzip encoding" "$(tr -d '\r' < "$T/headers")" "Content-Encoding: gzip"
check "gzip body is the same JSON" sh -c "gzip -dc '$T/body' | cmp - '$T/nginx-components.json'"

# ---- overall indicator follows the store (cache is per generation) ----
st() { sleep 0.2; curl -s "$LIGHTTPD_URL/api/v2/status.json" | jq -r '"\(.status.indicator)/\(.status.description)"'; }
etag_of() { curl -s -D - -o /dev/null "$LIGHTTPD_URL/api/v2/summary.json" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p'; }
etag=$(etag_of)
bk_cli incident resolve "$I" >/dev/null
assert_eq "rollup: only an active maintenance" "maintenance/Service Under Maintenance" "$(st)"
assert_ne "ETag changes with the store" "$etag" "$(etag_of)"
bk_cli maintenance complete "$MA" >/dev/null
assert_eq "rollup: all operational" "none/All Systems Operational" "$(st)"
bk_cli component set "$C2" --status partial_outage >/dev/null
assert_eq "rollup: one partial outage" "minor/Minor Service Outage" "$(st)"
bk_cli component set "$C1" --status major_outage >/dev/null
assert_eq "rollup: some major outage" "major/Partial System Outage" "$(st)"
bk_cli component set "$C2" --status major_outage >/dev/null
bk_cli component set "$C3" --status major_outage >/dev/null
assert_eq "rollup: all major outage" "critical/Major System Outage" "$(st)"
for c in $C1 $C2 $C3; do bk_cli component set "$c" --status operational >/dev/null; done
bk_cli incident open --name "Crit" --status investigating --impact critical >/dev/null
assert_eq "rollup: critical incident raises" "critical/Major Service Outage" "$(st)"

# ---- list cap: the 50 most recent incidents, newest first ----
i=0
while [ $i -lt 50 ]; do
	bk_cli incident open --name "Bulk $i" --status investigating --impact none --at "2024-06-01T00:$(printf %02d $i):00Z" >/dev/null
	i=$((i+1))
done
L="$T/list.json"
curl -s "$LIGHTTPD_URL/api/v2/incidents.json" > "$L"
assert_eq "incidents.json holds 50" 50 "$(jq '.incidents|length' "$L")"
assert_eq "incidents.json newest first" "true" "$(jq '[.incidents[].started_at] as $s | $s == ($s|sort|reverse)' "$L")"
assert_eq "incidents.json excludes maintenances" 0 "$(jq '[.incidents[]|select(has("scheduled_for"))]|length' "$L")"

bk_done
