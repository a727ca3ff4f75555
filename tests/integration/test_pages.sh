# test_pages.sh: the HTML status pages with the reference incidents entered through the CLI:
# rendered strings in English and Spanish, time ranges in the page zone, history paging, 404s,
# language choice, well-formed HTML, and an XSS corpus that must render inert.
. "$(dirname "$0")/lib.sh"

# One node in America/Guayaquil (UTC-5, no DST), like the reference page.
CONF="$T/beacon.conf"; STORE="$T/store"; SOCK="$T/beacon.sock"; LOG="$T/beacon.log"
mkdir -p "$STORE"
bk_make_conf "$CONF" "$STORE" "$SOCK"
sed -i 's#^time_zone = .*#time_zone = America/Guayaquil#; s#^page_name = .*#page_name = Jelou#' "$CONF"
ADMIN_TOKEN=$(bk_cli init) || { echo "# beacon init failed"; exit 1; }
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_lighttpd "$SOCK" lighttpd || exit 1
U=$LIGHTTPD_URL     # no microcache in front: every request renders

# UTC time of local HH:MM on the page-zone day N days ago.
at() {
	d=$(TZ=America/Guayaquil date -d "$1 days ago" +%F)
	date -u -d "TZ=\"America/Guayaquil\" $d $2" +%Y-%m-%dT%H:%M:%SZ
}
# Days that "Started N days ago" shows for a start time (date-fns rounding of minutes to days).
days_ago() { python3 -c "import sys,time,calendar; s=calendar.timegm(time.strptime(sys.argv[1],'%Y-%m-%dT%H:%M:%SZ')); print(round(round((time.time()//60*60-s)/60)/1440))" "$1"; }
# Visible text of a page: tags dropped, entities decoded, whitespace collapsed.
text_of() { python3 -c '
import html.parser, sys, re
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(convert_charrefs=True); s.out=[]; s.skip=0
    def handle_starttag(s, t, a):
        if t in ("script","style","title"): s.skip+=1
    def handle_endtag(s, t):
        if t in ("script","style","title"): s.skip-=1
    def handle_data(s, d):
        if not s.skip: s.out.append(d)
p=P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); print(re.sub(r"\s+,", ",", re.sub(r"\s+"," "," ".join(p.out))))' "$1"; }
# get NAME URL [curl args]: body in $T/NAME.html, status in $CODE.
get() { n=$1; shift; CODE=$(curl -s -o "$T/$n.html" -w '%{http_code}' --max-time 10 "$@"); TEXT=$(text_of "$T/$n.html"); }
# well_formed FILE: xmllint's HTML parser reports nothing but unknown HTML5 tags, and every
# element we open is closed in order (our own stricter check).
well_formed() {
	errs=$(xmllint --html --noout "$1" 2>&1 | grep -E '(parser error|warning) *:' | grep -vE 'Tag (main|header|footer|nav|section|article|time|svg|symbol|use|path|circle|rect|g|title|details|summary) invalid')
	[ -z "$errs" ] || { echo "# xmllint: $errs" | head -5; return 1; }
	python3 -c '
import html.parser, sys
VOID={"meta","link","br","hr","img","input","source","wbr","col","area","base","embed","track"}
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(); s.st=[]; s.err=None
    def handle_starttag(s,t,a):
        if t not in VOID: s.st.append(t)
    def handle_startendtag(s,t,a): pass
    def handle_endtag(s,t):
        if t in VOID: return
        if not s.st or s.st[-1]!=t:
            s.err = s.err or "unexpected </%s> with open %s at %s" % (t, s.st[-3:], s.getpos())
        elif s.st: s.st.pop()
p=P(); p.feed(open(sys.argv[1],encoding="utf-8").read()); p.close()
if p.err or p.st: print("#", p.err or "unclosed %s" % p.st); sys.exit(1)' "$1"
}

# ---- components of the reference page ----
website=$(bk_cli component add --name Website)
channels=$(bk_cli group add --name Channels)
whatsapp=$(bk_cli component add --name WhatsApp --group "$channels")
messenger=$(bk_cli component add --name "Facebook Messenger" --group "$channels")
instagram=$(bk_cli component add --name "Instagram Direct Messages" --group "$channels")
feed=$(bk_cli component add --name "Facebook Feed" --group "$channels")
platform=$(bk_cli component add --name Platform)
panel=$(bk_cli component add --name "Multiagent Panel")
jelouai=$(bk_cli component add --name "https://jelou.ai")
check "components and group created" test -n "$feed"

# ---- reference incident 1: major outage 8:50 AM - 2:36 PM, 15 days ago ----
cat > "$T/inv1.md" <<'EOF'
We are currently experiencing a service disruption affecting the platform functionality. At the moment, chats may not respond and some platform features could be unavailable.

Our technical team is already investigating the issue with high priority and working to restore the service as soon as possible.
EOF
cat > "$T/pm1.md" <<'EOF'
RCA

**Incident Summary**

On March 16, 2026, between 03:44 and 07:45 UTC, a temporary degradation occurred in the message processing and workflow services.

1. An automatic failover event occurred in the cache cluster at 03:44 UTC.
2. During the failover process, platform services needed to re-establish their connections.
EOF
start1=$(at 15 08:50)
inc1=$(bk_cli incident open --name "🚨 Platform Service Interruption" --status investigating --impact critical \
	--body-file "$T/inv1.md" --at "$start1" --component "$whatsapp=major_outage" --component "$messenger=major_outage" \
	--component "$instagram=major_outage" --component "$feed=major_outage")
bk_cli incident update "$inc1" --status monitoring --at "$(at 15 12:51)" \
	--body "We implemented a fix and are currently monitoring the result." \
	--component "$whatsapp=operational" --component "$messenger=operational" \
	--component "$instagram=operational" --component "$feed=operational" >/dev/null
bk_cli incident resolve "$inc1" --at "$(at 15 14:36)" --body "This incident has been resolved." >/dev/null
bk_cli incident postmortem "$inc1" --body-file "$T/pm1.md" --publish --at "$(at 14 10:00)" >/dev/null
check "incident 1 entered" test -n "$inc1"

# ---- reference incident 2 (Spanish page): degraded 2:47 PM - 3:52 PM, resolved 7:06 PM, 19 days ago ----
start2=$(at 19 14:47)
inc2=$(bk_cli incident open --name "Intermittent Messaging Disruptions" --status investigating --impact minor \
	--body "We are currently experiencing a general intermittency affecting message delivery within the platform." \
	--at "$start2" --component "$platform=degraded_performance" --component "$panel=degraded_performance")
bk_cli incident update "$inc2" --status identified --at "$(at 19 15:10)" \
	--body "A fix is being released within the next few minutes." >/dev/null
bk_cli incident update "$inc2" --status monitoring --at "$(at 19 15:52)" \
	--body "We implemented a fix and are currently monitoring the result." \
	--component "$platform=operational" --component "$panel=operational" >/dev/null
bk_cli incident resolve "$inc2" --at "$(at 19 19:06)" --body "This incident has been resolved." >/dev/null

# ---- reference incident 3: components operational, lasted less than a minute, an "Update" ----
inc3=$(bk_cli incident open --name "Authentication Service Degradation" --status monitoring --impact minor \
	--body "Login issues were reported." --at "$(at 9 05:00)" \
	--component "$website=operational" --component "$jelouai=operational")
bk_cli incident update "$inc3" --status monitoring --at "$(at 9 05:00)" --body "Sessions are being restored." >/dev/null
bk_cli incident resolve "$inc3" --at "$(at 9 05:00)" --body "This incident has been resolved." >/dev/null

# ---- an old incident, for history paging ----
old=$(bk_cli incident open --name "Old Queue Backlog" --status investigating --impact major --at "$(at 200 10:00)" \
	--body "Queues are delayed." --component "$platform=partial_outage")
bk_cli incident resolve "$old" --at "$(at 200 11:00)" >/dev/null

# ---- incident page, English ----
get inc1 "$U/incidents/$inc1?lang=en"
assert_eq "incident page is 200" 200 "$CODE"
assert_contains "per-page title" "$(cat "$T/inc1.html")" "<title>Jelou - 🚨 Platform Service Interruption - Incident details</title>"
assert_contains "html lang en" "$(cat "$T/inc1.html")" '<html lang="en">'
assert_contains "status and impact" "$TEXT" "🚨 Platform Service Interruption Resolved Major outage"
assert_contains "started and lasted" "$TEXT" "Started $(days_ago "$start1") days ago · Lasted about 6 hours"
assert_contains "affected heading" "$TEXT" "Affected"
assert_contains "affected group shown" "$TEXT" "Channels WhatsApp"
assert_contains "WhatsApp time ranges in the page zone" "$TEXT" \
	"WhatsApp Major outage from 8:50 AM to 12:51 PM, Operational from 12:51 PM to 2:36 PM"
assert_contains "Facebook Feed time ranges" "$TEXT" \
	"Facebook Feed Major outage from 8:50 AM to 12:51 PM, Operational from 12:51 PM to 2:36 PM"
assert_contains "timeline newest first with postmortem" "$TEXT" "Updates Postmortem RCA Incident Summary"
assert_contains "resolved update" "$TEXT" "Resolved This incident has been resolved."
assert_contains "monitoring update" "$TEXT" "Monitoring We implemented a fix and are currently monitoring the result."
assert_contains "investigating update last" "$TEXT" "Investigating We are currently experiencing a service disruption"
assert_contains "postmortem markdown rendered" "$(cat "$T/inc1.html")" "<strong>Incident Summary</strong>"
assert_contains "postmortem list rendered" "$(cat "$T/inc1.html")" "<li>An automatic failover event"
assert_contains "zone shown with times" "$TEXT" "8:50 AM – 2:36 PM -05"
assert_contains "machine-readable time with offset" "$(cat "$T/inc1.html")" "T08:50:00-05:00\""
assert_contains "footer names the zone" "$TEXT" "Times are shown in America/Guayaquil (-05)."
check "incident page well-formed" well_formed "$T/inc1.html"

# ---- incident page, Spanish ----
get inc1es "$U/incidents/$inc1?lang=es"
assert_contains "es: title" "$(cat "$T/inc1es.html")" "<title>Jelou - 🚨 Platform Service Interruption - Detalles del incidente</title>"
assert_contains "es: html lang" "$(cat "$T/inc1es.html")" '<html lang="es">'
assert_contains "es: started and lasted" "$TEXT" "Comenzó hace $(days_ago "$start1") días · Duró alrededor de 6 horas"
assert_contains "es: ranges" "$TEXT" "WhatsApp Interrupción grave de 08:50 a 12:51, En funcionamiento de 12:51 a 14:36"
assert_contains "es: statuses" "$TEXT" "Resuelto This incident has been resolved."
assert_contains "es: monitoring" "$TEXT" "Supervisando We implemented a fix"
assert_contains "es: headings" "$TEXT" "Afectado"
assert_contains "es: updates heading" "$TEXT" "Actualizaciones"

get inc2es "$U/incidents/$inc2" -H 'Accept-Language: es-EC,es;q=0.9,en;q=0.5'
assert_contains "es via Accept-Language" "$TEXT" "Intermittent Messaging Disruptions Resuelto Rendimiento degradado"
assert_contains "es: reference ranges" "$TEXT" \
	"Platform Rendimiento degradado de 14:47 a 15:52, En funcionamiento de 15:52 a 19:06"
assert_contains "es: Multiagent Panel ranges" "$TEXT" \
	"Multiagent Panel Rendimiento degradado de 14:47 a 15:52, En funcionamiento de 15:52 a 19:06"
assert_contains "es: lasted about 4 hours" "$TEXT" "Comenzó hace $(days_ago "$start2") días · Duró alrededor de 4 horas"
assert_contains "es: identified" "$TEXT" "Identificado A fix is being released"
assert_contains "es: investigating" "$TEXT" "Investigando We are currently experiencing a general intermittency"
get inc2en "$U/incidents/$inc2?lang=en" -H 'Accept-Language: es'
assert_contains "?lang=en beats Accept-Language" "$TEXT" "Resolved Degraded performance"
assert_contains "chosen language kept in links" "$(cat "$T/inc2en.html")" 'href="/history?lang=en"'

get inc3 "$U/incidents/$inc3?lang=en"
assert_contains "less than a minute" "$TEXT" "Lasted less than a minute"
assert_contains "operational-only ranges" "$TEXT" "Website Operational from 5:00 AM to 5:00 AM"
assert_contains "url-named component" "$TEXT" "https://jelou.ai Operational from 5:00 AM to 5:00 AM"
assert_contains "same status again is an Update" "$TEXT" "Update Sessions are being restored."

# ---- 404s ----
get nf "$U/incidents/zzzzzzzzzzzz"
assert_eq "unknown incident is 404" 404 "$CODE"
assert_contains "404 page is readable" "$TEXT" "Page not found"
check "404 page well-formed" well_formed "$T/nf.html"
get nfes "$U/incidents/nope?lang=es"
assert_eq "short id is 404" 404 "$CODE"
assert_contains "404 in Spanish" "$TEXT" "Página no encontrada"
get nf2 "$U/incidents/%3Cscript%3E"
assert_eq "markup id is 404" 404 "$CODE"
assert_not_contains "404 does not echo the id" "$(cat "$T/nf2.html")" "<script>"

# ---- home ----
get home "$U/?lang=en"
assert_eq "home 200" 200 "$CODE"
assert_contains "home title" "$(cat "$T/home.html")" "<title>Jelou - Status</title>"
assert_contains "banner all operational" "$TEXT" "All systems operational"
assert_contains "group with status" "$TEXT" "Channels Operational"
assert_contains "component with status" "$TEXT" "WhatsApp Operational"
assert_eq "90 day bars for each of the 9 components and groups" 810 "$(grep -oE '<rect x="[0-9]+" width="4"' "$T/home.html" | wc -l)"
assert_contains "tooltip names the incident of the day" "$(cat "$T/home.html")" "• 🚨 Platform Service Interruption"
# 4 hours of major outage 15 days ago; days before a component's first record are "No data".
check "uptime below 100% after a major outage" grep -qE "WhatsApp Operational 90 days ago 60 days ago 30 days ago 98\.[0-9]+% uptime" <(echo "$TEXT")
assert_contains "uptime definition documented" "$TEXT" "a partial outage counts as 30% downtime"
assert_contains "recent notices" "$TEXT" "Authentication Service Degradation"
assert_contains "status text with an icon shape" "$(cat "$T/home.html")" '<use href="#i0"/>'
check "home well-formed" well_formed "$T/home.html"
get homees "$U/" -H 'Accept-Language: es'
assert_contains "es home banner" "$TEXT" "Sistemas funcionando con normalidad"
assert_contains "es component status" "$TEXT" "WhatsApp En funcionamiento"
assert_contains "es uptime legend" "$TEXT" "Disponibilidad en los últimos 90 días"
assert_contains "language switcher" "$(cat "$T/homees.html")" 'href="/?lang=en" hreflang="en" lang="en">English</a>'

# an open incident and maintenance change the home page
live=$(bk_cli incident open --name "Delayed Delivery of WhatsApp Messages" --status investigating --impact critical \
	--body "We are currently experiencing delays in WhatsApp message delivery." --component "$whatsapp=major_outage")
mnt=$(bk_cli maintenance schedule --name "Database upgrade" --from "$(date -u -d '2 days' +%Y-%m-%dT10:00:00Z)" \
	--until "$(date -u -d '2 days' +%Y-%m-%dT12:00:00Z)" --component "$platform" --body "Planned upgrade.")
get home2 "$U/?lang=en"
assert_contains "banner shows the rollup of status.json" "$TEXT" "Major service outage"
assert_contains "active incident with latest update" "$TEXT" "Active incidents Delayed Delivery of WhatsApp Messages Investigating"
assert_contains "latest update body" "$TEXT" "We are currently experiencing delays in WhatsApp message delivery."
assert_contains "component shows outage" "$TEXT" "WhatsApp Major outage"
assert_contains "group shows worst member" "$TEXT" "Channels Major outage"
assert_contains "upcoming maintenance" "$TEXT" "Upcoming maintenance Database upgrade Scheduled"
check "home with incidents well-formed" well_formed "$T/home2.html"
get home2es "$U/?lang=es"
assert_contains "es: outage banner" "$TEXT" "Interrupción grave del servicio"
assert_contains "es: maintenance" "$TEXT" "Mantenimiento programado Database upgrade Programado"
get mnt "$U/incidents/$mnt?lang=en"
assert_contains "maintenance page title" "$(cat "$T/mnt.html")" "Database upgrade - Maintenance details</title>"
assert_contains "maintenance starts in" "$TEXT" "Starts in"
bk_cli incident resolve "$live" >/dev/null

# ---- notice history ----
m() { LC_ALL=C TZ=America/Guayaquil date -d "$(TZ=America/Guayaquil date +%Y-%m-15) $1 months" +'%b %Y'; }
get hist "$U/history?lang=en"
assert_eq "history 200" 200 "$CODE"
assert_contains "history title" "$(cat "$T/hist.html")" "<title>Jelou - Notice history</title>"
assert_contains "history months newest first" "$TEXT" "Notice history $(m 0)"
assert_contains "incident in history" "$TEXT" "🚨 Platform Service Interruption Resolved Major outage"
assert_contains "updates in history" "$TEXT" "Monitoring We implemented a fix and are currently monitoring the result."
assert_contains "page range label" "$TEXT" "$(m -2) to $(m 0)"
assert_contains "older notices: Next" "$TEXT" "Next"
assert_not_contains "first page: no Previous" "$TEXT" "Previous"
check "history well-formed" well_formed "$T/hist.html"
get hist1 "$U/history?page=1&lang=en"
assert_contains "page 1 range" "$TEXT" "$(m -5) to $(m -3)"
assert_contains "empty month" "$TEXT" "$(m -3) No notices reported this month"
assert_contains "page 1 has Previous" "$(cat "$T/hist1.html")" 'href="/history?lang=en"'
assert_contains "page 1 has Next" "$(cat "$T/hist1.html")" 'href="/history/page/2?lang=en"'
found=""
for p in 1 2 3; do
	get histp "$U/history?page=$p&lang=en"
	case "$TEXT" in *"Old Queue Backlog"*) found=$p;; esac
done
assert_ne "old incident reachable by paging" "" "$found"
get histlast "$U/history?page=$((found + 1))&lang=en"
assert_not_contains "no Next past the oldest notice" "$TEXT" "Next"
get hist1es "$U/history?page=1&lang=es"
assert_contains "es: empty month" "$TEXT" "No se reportaron avisos este mes"
assert_contains "es: history heading" "$TEXT" "Historial de avisos"
assert_contains "es: pager" "$TEXT" "Anterior"
get bad "$U/history?page=abc"
assert_eq "bad page number is 400" 400 "$CODE"
get bad2 "$U/history?page=99999"
assert_eq "huge page number is 400" 400 "$CODE"
if bk_start_nginx "$SOCK" nginx; then
	get hn "$NGINX_URL/history?lang=es"
	assert_eq "history through nginx" 200 "$CODE"
	assert_contains "history through nginx is Spanish" "$TEXT" "Historial de avisos"
else
	not_ok "nginx in front of the pages"
fi

# ---- XSS corpus in names and bodies ----
xg=$(bk_cli group add --name '<script>alert("g")</script>')
xc=$(bk_cli component add --name '"><img src=x onerror=alert(1)>' --group "$xg" --description "<svg onload=alert(2)>")
cat > "$T/xss.md" <<'EOF'
<script>alert(3)</script> <img src=x onerror=alert(4)> <a href="javascript:alert(5)">raw</a>

[md](javascript:alert(6)) [enc](&#106;avascript:alert(7)) [pct](javascript%3Aalert(8)) <javascript:alert(9)>
![img](javascript:alert(10)) [ok](https://example.com/ok)

<iframe src="https://evil.example"></iframe> <style>body{display:none}</style>
EOF
xi=$(bk_cli incident open --name "</title><script>alert(11)</script>' \"onx=1" --status investigating --impact minor \
	--body-file "$T/xss.md" --component "$xc=degraded_performance")
for page in "/?lang=en" "/incidents/$xi" "/history"; do
	get xss "$U$page"
	h=$(cat "$T/xss.html")
	assert_eq "xss $page: only our own script tag" 1 "$(grep -o '<script' "$T/xss.html" | wc -l)"
	assert_not_contains "xss $page: no injected img" "$h" "<img"
	assert_not_contains "xss $page: no injected svg handler" "$h" "<svg onload"
	assert_not_contains "xss $page: no iframe" "$h" "<iframe"
	assert_not_contains "xss $page: no injected style" "$h" "<style"
	assert_not_contains "xss $page: no script URL" "$h" 'href="javascript'
	assert_not_contains "xss $page: no attribute breakout" "$h" '" onx='
	check "xss $page: well-formed" well_formed "$T/xss.html"
done
get xss "$U/incidents/$xi"
assert_contains "xss: safe link kept" "$(cat "$T/xss.html")" 'href="https://example.com/ok"'
assert_contains "xss: raw html shown as text" "$TEXT" "<script>alert(3)</script>"
assert_contains "xss: title escaped" "$(cat "$T/xss.html")" "&lt;/title&gt;&lt;script&gt;alert(11)"

bk_done
