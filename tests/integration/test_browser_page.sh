# test_browser_page.sh: the public page as a reader sees it in headless Chromium: 90/60/30 uptime bars at
# 1280/800/390 px (CSS only), no horizontal overflow at 390 px with 250-character unbroken titles,
# icons and separators that never sit alone on a line, the banner on every page (incident, history,
# 404), styled and translated 404s, collapsible groups, tooltips with minutes by status, folded
# postmortems, Spanish 24-hour times, feeds that validate (xmllint) and carry HTML content, and branding
# (logo sanitized, colour, favicon in the current status), monthly uptime per component (page and JSON).
# Screenshots are kept in tests/artifacts/screenshots/page-*.png.
. "$(dirname "$0")/lib.sh"

CHROME=${CHROME:-/usr/bin/chromium}
SHOTS=${SHOTS:-$ROOT/tests/artifacts/screenshots}
[ -x "$CHROME" ] || { not_ok "chromium is installed at $CHROME"; bk_done; }
mkdir -p "$SHOTS"
rm -f "$SHOTS"/page-*.png

bk_demo_store
LONG=$(printf 'x%.0s' $(seq 250))
long_comp=$(bk_cli component add --name "$LONG")
solo_group=$(bk_cli group add --name "Solo group")
solo=$(bk_cli component add --name "Lone member" --group "$solo_group")
hidden=$(bk_cli component add --name "No bars here" --showcase no)
check "extra components created (long name, one-member group, showcase no)" test -n "$long_comp" -a -n "$solo" -a -n "$hidden"
long_inc=$(bk_cli incident open --name "$LONG" --status identified --impact major \
	--body "It's **bold**, it's _here_:

- one
- two" --component "$long_comp=major_outage")
check "incident with a 250-character title opened" test -n "$long_inc"
# ---- branding: logo (SVG sanitized by allow-list, PNG size-checked) and brand colour, set by the CLI ----
cat > "$T/logo.svg" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 64 32" onload="alert(1)">
  <metadata><x>editor data</x></metadata>
  <script>alert(2)</script>
  <foreignObject><div>x</div></foreignObject>
  <a href="javascript:alert(3)"><rect width="10" height="10"/></a>
  <rect x="2" y="2" width="28" height="28" rx="6" fill="#1d4ed8" style="background:url(http://evil.test/x)"/>
  <circle cx="48" cy="16" r="12" fill="url(#g)"/>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#f97316"/><stop offset="1" stop-color="#e5484d"/></linearGradient></defs>
</svg>
EOF
printf '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://evil.test/y)"/></svg>' > "$T/ext.svg"
printf '<!DOCTYPE svg [<!ENTITY e "x">]><svg xmlns="http://www.w3.org/2000/svg">&e;</svg>' > "$T/dtd.svg"
/usr/bin/python3 - "$T" <<'PY'
import struct, sys, zlib
def png(w, h, extra=0):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\0" + b"\x1d\x4e\xd8" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"tEXt", b"c\0" + b"x" * extra) + chunk(b"IEND", b""))
open(sys.argv[1] + "/logo.png", "wb").write(png(64, 32))
open(sys.argv[1] + "/huge.png", "wb").write(png(4000, 10))
open(sys.argv[1] + "/heavy.png", "wb").write(png(8, 8, 300 * 1024))
PY
check "page logo: a PNG is accepted" bk_cli page logo "$T/logo.png"
check_fails "page logo: a PNG over 1024 px a side is refused" bk_cli page logo "$T/huge.png"
check_fails "page logo: a file over 256 KiB is refused" bk_cli page logo "$T/heavy.png"
check_fails "page logo: an SVG pointing outside itself is refused" bk_cli page logo "$T/ext.svg"
check_fails "page logo: an SVG with a DOCTYPE/entities is refused" bk_cli page logo "$T/dtd.svg"
check "page logo: an SVG with script and handlers is accepted, sanitized" bk_cli page logo "$T/logo.svg"
check "page color: #7c3aed" bk_cli page color '#7c3aed'
check_fails "page color: a bad colour is refused" bk_cli page color 'red;}body{display:none'
assert_contains "page color: one write-layer event in the audit log" "$(bk_cli audit --limit 3)" "page.brand_updated"
assert_contains "page show" "$(bk_cli page show)" "#7c3aed"
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_nginx "$SOCK" nginx || exit 1
U=$NGINX_URL

curl -s --max-time 10 "$U/api/v2/incidents.json" > "$T/incidents.json"
INC=$(python3 -c '
import json, sys
inc = json.load(open(sys.argv[1]))["incidents"]
print(next((i["id"] for i in inc if "Platform Service Interruption" in i["name"]), ""))' "$T/incidents.json")
check "resolved reference incident found" test -n "$INC"

assert_status "logo served" 200 "$U/brand/logo.svg"
L=$(cat "$T/body")
assert_contains "logo: the sanitized SVG keeps the shapes" "$L" '<circle cx="48" cy="16" r="12" fill="url(#g)"/>'
for bad in script onload foreignObject javascript metadata 'style=' 'xlink' 'evil.test'; do
	assert_not_contains "logo: no $bad in the served SVG" "$L" "$bad"
done
assert_contains "logo: served under a sandbox policy" "$(tr -d '\r' < "$T/headers")" "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; sandbox"
H=$(curl -s "$U/")
assert_contains "home: brand colour" "$H" '<style>:root{--brand:#7c3aed}</style>'
assert_contains "home: logo in the header" "$H" '<img class="logo" src="/brand/logo.svg?v='
ind=$(curl -s "$U/api/v2/status.json" | python3 -c 'import json,sys; print({"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}[json.load(sys.stdin)["status"]["indicator"]])')
assert_contains "home: favicon shows the current status (status.json's indicator, level $ind)" "$H" "<link rel=\"icon\" data-status=\"$ind\""

# ---- monthly uptime per component (the documented definition), page and JSON ----
WA=$(curl -s "$U/api/v2/components.json" | python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin)["components"] if c["name"] == "WhatsApp"][0])')
assert_status "monthly uptime JSON" 200 "$U/api/v2/components/$WA/uptime.json"
check "monthly uptime JSON: 12 months newest first, the outage month below 100%, seconds by status" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["months"]
assert len(m) == 12 and m[0]["month"] > m[-1]["month"], [x["month"] for x in m]
assert any(x["uptime_percent"] is not None and x["uptime_percent"] < 100 and x["major_outage_seconds"] > 0 for x in m), m
assert all(set(x) >= {"month", "uptime_percent", "known_seconds", "downtime_seconds", "major_outage_seconds", "partial_outage_seconds"} for x in m)
assert d["component"]["name"] == "WhatsApp" and "30%" in d["definition"]' "$T/body"
assert_status "monthly uptime page" 200 "$U/components/$WA/uptime"
P=$(cat "$T/body")
assert_eq "monthly uptime page: 12 month rows" 12 "$(printf '%s' "$P" | grep -o '<tr><th scope="row">' | wc -l)"
assert_contains "monthly uptime page: outage minutes" "$P" "Major outage: "
assert_contains "monthly uptime page: the definition" "$P" "a partial outage counts as 30% downtime"
assert_contains "home links each component to its monthly uptime" "$(curl -s "$U/")" "href=\"/components/$WA/uptime\""
assert_status "monthly uptime of an unknown component is 404" 404 "$U/components/nope/uptime"
assert_status "monthly uptime JSON of an unknown component is 404" 404 "$U/api/v2/components/nope/uptime.json"

# a component added a moment ago (within the page's minute, which the render rounds down to) has today's bar
fresh=$(bk_cli component add --name "Fresh component")
fresh_down=$(bk_cli component add --name "Fresh and down" --status major_outage)
sleep 1.2                       # past nginx's one-second microcache of /
curl -s "$U/" > "$T/fresh.html"
today_of() {   # today_of NAME: the class of the component's last day bar
	python3 -c '
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
i = h.index(">" + sys.argv[2] + "</a>")
print(re.findall(r"<rect [^>]*class=\"(\w+)\"", h[i:i + 40000])[89])' "$T/fresh.html" "$1"
}
c1=$(today_of "Fresh component"); c2=$(today_of "Fresh and down")
check "home: a component added this minute has data for today (class $c1)" test -n "$fresh" -a "$c1" = d0
check "home: ... in the status it has (added in major outage: class $c2)" test -n "$fresh_down" -a "$c2" = d4

# ---- plain HTTP: 404s, /history/, feeds ----
assert_status "unknown route is 404" 404 "$U/no/such/page"
B=$(cat "$T/body")
assert_contains "404 is the styled page" "$B" '/static/style.css'
assert_contains "404 has the banner" "$B" 'class="banner'
assert_contains "404 in English" "$B" "Page not found"
assert_status "unknown route in Spanish is 404" 404 -H "Accept-Language: es" "$U/no/such/page"
assert_contains "404 translated (Accept-Language)" "$(cat "$T/body")" "Página no encontrada"
assert_status "unknown route with ?lang=es" 404 "$U/nope?lang=es"
assert_contains "404 translated (?lang=es)" "$(cat "$T/body")" "Página no encontrada"
assert_status "unknown incident is 404" 404 "$U/incidents/zzzzzzzzzzzz?lang=es"
assert_contains "unknown incident 404 has the banner" "$(cat "$T/body")" 'class="banner'
assert_status "API 404 stays JSON" 404 "$U/api/v2/nope.json"
assert_contains "API 404 body" "$(cat "$T/body")" '"error"'
assert_status "/history/ works" 200 "$U/history/"
assert_contains "/history/ is the history page" "$(cat "$T/body")" "Notice history"

for lang in en es; do
	for kind in atom rss; do
		assert_status "$kind feed ($lang) 200" 200 "$U/history.$kind?lang=$lang"
		cp "$T/body" "$T/feed-$lang.$kind"
		check "$kind feed ($lang) is well-formed XML (xmllint)" xmllint --noout "$T/feed-$lang.$kind"
	done
done
feed_check() {   # feed_check FILE LANG: prints what is wrong with the entries' HTML content
	/usr/bin/python3 - "$@" <<'PY'
import sys, html.parser, xml.etree.ElementTree as ET
f, lang = sys.argv[1:3]
raw = open(f, encoding="utf-8").read()
root = ET.fromstring(raw)
ns = {"a": "http://www.w3.org/2005/Atom"}
if root.tag.endswith("feed"):
    bodies = [(e.find("a:title", ns).text, e.find("a:content", ns).text or "") for e in root.findall("a:entry", ns)]
    if root.get("{http://www.w3.org/XML/1998/namespace}lang") != ("es" if lang == "es" else "en-US"): print("xml:lang", root.attrib)
else:
    ch = root.find("channel")
    if ch.find("description").text.strip() in ("", "Statuspage"): print("rss description is", ch.find("description").text)
    bodies = [(i.find("title").text, i.find("description").text or "") for i in ch.findall("item")]
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(convert_charrefs=True); s.tags = []; s.text = []
    def handle_starttag(s, t, a): s.tags.append(t)
    def handle_data(s, d): s.text.append(d)
if not bodies: print("no entries")
if "&amp;#39;" in raw or "&amp;amp;" in raw: print("double escape in the raw feed")
long = [b for t, b in bodies if t.startswith("xxxxxxxx")]
if not long: print("long incident missing")
for t, b in bodies:
    p = P(); p.feed(b); text = "".join(p.text)
    if "p" not in p.tags or "strong" not in p.tags: print("no HTML paragraphs in", t[:40], b[:200])
    if "<" in text or "**" in text: print("raw markup shows as text in", t[:40], text[:200])
if long:
    p = P(); p.feed(long[0]); text = "".join(p.text)
    if not ("strong" in p.tags and "ul" in p.tags and "li" in p.tags and "em" in p.tags): print("markdown not rendered", p.tags)
    if "It's" not in text: print("apostrophe not decoded exactly once", text[:120])
want = "Identificado" if lang == "es" else "Identified"
if not any(want in b for t, b in bodies): print("labels not in", lang)
PY
}
for lang in en es; do
	for kind in atom rss; do
		out=$(feed_check "$T/feed-$lang.$kind" "$lang" 2>&1)
		if [ -z "$out" ]; then ok "$kind feed ($lang): content is HTML, Markdown rendered, escaped once, labels in $lang"; else not_ok "$kind feed ($lang): content is HTML, Markdown rendered, escaped once, labels in $lang" "$out"; fi
	done
done
# the reference incident was entered today but happened 15 days ago; its postmortem came a day later
upd=$(xmllint --xpath "string(//*[local-name()='entry'][*[local-name()='title']='🚨 Platform Service Interruption']/*[local-name()='updated'])" "$T/feed-en.atom")
last=$(python3 -c 'import json,sys,datetime as d
i=[x for x in json.load(open(sys.argv[1]))["incidents"] if "Platform Service Interruption" in x["name"]][0]
t=max(u["display_at"] for u in i["incident_updates"])
print(d.datetime.fromisoformat(t.replace("Z","+00:00")).astimezone(d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$T/incidents.json")
check "atom: an entry is dated by its last update or postmortem (not the data-entry time)" \
	python3 -c 'import sys; u, l, today = sys.argv[1:]; sys.exit(not (u >= l and not u.startswith(today)))' "$upd" "$last" "$(date -u +%Y-%m-%d)"

# ---- Chromium over the DevTools protocol ----
cat > "$T/page.py" <<'PY'
import base64, json, os, sys
sys.path.insert(0, os.environ["BK_INTEGRATION_DIR"])
from browser_cdp import chromium_start

chrome, base, shots, profile, inc, long_inc, wa = sys.argv[1:8]
def report(ok, desc, detail=""):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", desc, str(detail).replace("\n", " ")[:1500]), flush=True)

MEASURE = r"""(() => {
  const vw = innerWidth, de = document.documentElement, out = {};
  out.scrollWidth = de.scrollWidth;
  const scrolls = e => { for (e = e.parentElement; e && e !== document.body; e = e.parentElement)
      if (/auto|scroll|hidden/.test(getComputedStyle(e).overflowX)) return true; return false; };
  out.wide = [...document.querySelectorAll("body *")].filter(e => { const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > vw + 0.5 && getComputedStyle(e).position !== "fixed" && !e.closest(".sprite, .skip") && !scrolls(e); })
    .slice(0, 5).map(e => e.tagName + "." + e.getAttribute("class") + " " + Math.round(e.getBoundingClientRect().right));
  // bars of every uptime strip whose centre is inside the strip
  out.bars = [...document.querySelectorAll("svg.bars")].filter(s => s.getBoundingClientRect().width > 0).map(s => {
      const b = s.getBoundingClientRect();
      return [...s.querySelectorAll("rect")].filter(r => { const q = r.getBoundingClientRect(), c = q.left + q.width / 2;
        return q.width > 0 && c > b.left && c < b.right; }).length; });
  out.minBarWidth = Math.min(...[...document.querySelectorAll("svg.bars rect")].map(r => r.getBoundingClientRect().width).filter(w => w > 0 && w < 400));
  out.agoShown = [...document.querySelectorAll(".bar-foot > .ago:first-child")].slice(0, 2).map(a => a.innerText.trim());
  out.banner = !!document.querySelector("main > .banner .bt") && document.querySelector(".banner").innerText.trim().length > 0;
  // an icon or separator must share its line with words: icon top near the first line of its neighbour
  out.loneIcons = [...document.querySelectorAll(".recent li")].filter(li => { const i = li.querySelector("svg.ic"), a = li.querySelector("a");
      if (!i || !a) return true; const r = a.getClientRects()[0]; return Math.abs(i.getBoundingClientRect().top - r.top) > 14; }).length;
  out.loneSeps = [...document.querySelectorAll("body *")].filter(e => !e.closest("svg, .tip") && [...e.childNodes].some(n => n.nodeType === 3 && / · /.test(n.textContent) && !/\u00a0· /.test(n.textContent)))
    .map(e => e.tagName + "." + e.className + ": " + e.textContent.slice(0, 60));
  const g = [...document.querySelectorAll("details.members")];
  out.groups = g.map(d => [d.querySelector("summary h3").innerText, d.open, d.querySelector("summary .count").innerText]);
  const gb = g.length ? g[0].querySelector("summary svg.bars") : null, mb = g.length ? g[0].querySelector("ul svg.bars") : null;
  out.aligned = gb && mb ? [gb.getBoundingClientRect().left, gb.getBoundingClientRect().width, mb.getBoundingClientRect().left, mb.getBoundingClientRect().width] : null;
  out.tips = [...document.querySelectorAll("svg.bars rect title")].map(t => t.textContent).filter(t => /outage: \d+ (min|h)/.test(t)).length;
  const comps = [...document.querySelectorAll("li.comp")];
  const named = n => comps.find(c => c.querySelector(".cname").textContent.trim() === n);
  out.noBars = named("No bars here") ? named("No bars here").querySelectorAll("svg.bars").length : -1;
  const lone = named("Lone member");
  out.loneToday = lone ? lone.querySelectorAll("svg.bars rect")[89].getAttribute("class") : "missing";
  const sec = [...document.querySelectorAll("main > section, main > .notices")].map(s => s.className);
  out.order = sec;
  out.pm = [...document.querySelectorAll("details.pm-more")].map(d => [d.open, d.querySelector("summary").innerText]);
  out.text = document.body.innerText;
  out.status = document.title;
  return JSON.stringify(out);
})()"""

def load(cdp, path, width, shot=None, height=900):
    tid = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = cdp.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
    cdp.call("Page.enable", {}, sid)
    cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}, sid)
    cdp.call("Page.navigate", {"url": base + path}, sid)
    cdp.wait("Page.loadEventFired", sid)
    res = json.loads(cdp.call("Runtime.evaluate", {"expression": MEASURE, "returnByValue": True}, sid)["result"]["value"])
    if shot:
        m = cdp.call("Page.getLayoutMetrics", {}, sid)
        h = min(int(m["cssContentSize"]["height"]), 9000)
        data = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                        "clip": {"x": 0, "y": 0, "width": width, "height": h, "scale": 1}}, sid)["data"]
        with open(os.path.join(shots, "page-%s-%d.png" % (shot, width)), "wb") as f: f.write(base64.b64decode(data))
    cdp.drain(sid)
    cdp.call("Target.closeTarget", {"targetId": tid})
    return res

proc, cdp = chromium_start(chrome, profile)
try:
    for width, want in ((390, 30), (800, 60), (1280, 90)):
        r = load(cdp, "/", width, "home")
        report(r["bars"] and all(n == want for n in r["bars"]), "home %dpx: every uptime strip shows %d bars" % (width, want), r["bars"][:6])
        report(r["minBarWidth"] >= 3, "home %dpx: bars are not hairlines (narrowest %.1f px)" % (width, r["minBarWidth"]))
        report(all(a == "%d days ago" % want for a in r["agoShown"]), "home %dpx: the strip says \"%d days ago\"" % (width, want), r["agoShown"])
        report(r["scrollWidth"] <= width and not r["wide"], "home %dpx: no horizontal overflow with a 250-character name" % width, [r["scrollWidth"], r["wide"]])
        report(r["banner"], "home %dpx: banner" % width)
        if width == 390:
            report(r["loneIcons"] == 0, "home 390px: recent notices keep the icon on the title's first line", r["loneIcons"])
            report(not r["loneSeps"], "home 390px: every \" · \" is bound to the word before it", r["loneSeps"])
        if width == 1280:
            gs = {g[0]: g for g in r["groups"]}
            report(gs.get("Channels", [0, False])[1] is True, "home: a group with a degraded member is expanded", r["groups"])
            report(gs.get("Platform", [0, True])[1] is False, "home: an all-operational group is collapsed", r["groups"])
            report(gs.get("Solo group", [0, 0, ""])[2] == "1 component", "home: \"1 component\" (singular)", r["groups"])
            a = r["aligned"]
            report(a and abs(a[0] - a[2]) < 1 and abs(a[1] - a[3]) < 1, "home: group bars line up with their members' bars", a)
            report(r["tips"] > 0, "home: tooltips give outage minutes by status (\"Major outage: 42 min\")", r["tips"])
            report(r["noBars"] == 0, "home: showcase no draws no bars", r["noBars"])
            report(r["loneToday"] not in ("nd", "missing"), "home: a component added today has data for today", r["loneToday"])
            o = r["order"]
            mi = next((i for i, c in enumerate(o) if "maint-next" in c), 99); ci = next((i for i, c in enumerate(o) if "comps-card" in c), -1)
            report(mi < ci, "home: upcoming maintenance sits above the components", o)
    r = load(cdp, "/?lang=es", 1280)
    report("1 componente" in r["text"] and "Hace 90 días" in r["text"], "home es: \"1 componente\", \"Hace 90 días\"")
    for name, path in (("incident", "/incidents/" + inc), ("long", "/incidents/" + long_inc), ("history", "/history"),
                       ("history-slash", "/history/"), ("notfound", "/no/such/page"), ("notfound-es", "/no/such/page?lang=es"),
                       ("incident-es", "/incidents/" + inc + "?lang=es"), ("uptime", "/components/" + wa + "/uptime?lang=es")):
        r = load(cdp, path, 390, name)
        report(r["banner"], "%s 390px: the current-status banner is shown" % name)
        report(r["scrollWidth"] <= 390 and not r["wide"], "%s 390px: no horizontal overflow" % name, [r["scrollWidth"], r["wide"]])
        if name == "history":
            report(r["pm"] and all(not o and s == "Read the postmortem" for o, s in r["pm"]), "history: postmortems folded behind \"Read the postmortem\"", r["pm"])
        if name == "notfound-es":
            report("Página no encontrada" in r["text"] and "Volver a la página de estado" in r["text"], "404 es: translated", r["text"][:200])
        if name == "incident-es":
            import re
            report(re.search(r"\b\d\d:\d\d\b", r["text"]) and not re.search(r"\d (AM|PM)\b", r["text"]), "incident es: 24-hour times, no AM/PM", r["text"][:300])
            report(re.search(r"\d{1,2} [a-z]{3,4} \d{4}, \d\d:\d\d", r["text"]), "incident es: \"16 mar 2026, 08:50\" date-times", r["text"][:300])
finally:
    proc.terminate()
    try: proc.wait(10)
    except Exception: proc.kill()
PY
BK_INTEGRATION_DIR="$ROOT/tests/integration" timeout 150 python3 "$T/page.py" "$CHROME" "$U" "$SHOTS" "$T/chrome" "$INC" "$long_inc" "$WA" > "$T/page.out" 2> "$T/page.err"
rc=$?
while IFS="$(printf '\t')" read -r res desc detail; do
	case $res in
	PASS) ok "$desc" ;;
	FAIL) not_ok "$desc" "$detail" ;;
	esac
done < "$T/page.out"
[ $rc -eq 0 ] && ok "CDP driver finished" || not_ok "CDP driver finished" "exit $rc: $(tail -5 "$T/page.err")"
curl -s "$U/" > "$T/home.html"
assert_contains "home: Atom autodiscovery" "$(cat "$T/home.html")" '<link rel="alternate" type="application/atom+xml"'
assert_contains "home: RSS autodiscovery" "$(cat "$T/home.html")" '<link rel="alternate" type="application/rss+xml"'
assert_contains "home: visible feed links" "$(cat "$T/home.html")" 'href="/history.atom" type="application/atom+xml">Atom</a>'
assert_contains "home es: Spanish feed links" "$(curl -s "$U/?lang=es")" 'href="/history.atom?lang=es"'
n=$(ls "$SHOTS"/page-*.png 2>/dev/null | wc -l)
assert_eq "11 screenshots saved in tests/artifacts/screenshots/page-*.png" 11 "$n"
bk_done
