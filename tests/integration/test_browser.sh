# test_browser.sh: the status pages in real headless Chromium with realistic demo data: screenshots at
# 390 and 1280 px in light and dark, the DOM after beacon.js ran (--dump-dom), no JS errors or failed
# loads, no horizontal overflow, text contrast, and accessibility basics (landmarks, one h1, lang,
# skip link, status text). Screenshots are kept in tests/artifacts/screenshots/.
. "$(dirname "$0")/lib.sh"

CHROME=${CHROME:-/usr/bin/chromium}
SHOTS=${SHOTS:-$ROOT/tests/artifacts/screenshots}
[ -x "$CHROME" ] || { not_ok "chromium is installed at $CHROME"; bk_done; }
mkdir -p "$SHOTS"
rm -f "$SHOTS"/home-*.png "$SHOTS"/incident-*.png "$SHOTS"/open-*.png "$SHOTS"/history-*.png

# ---- a store with the demo data, served by beacon behind nginx (data first: nothing cached empty) ----
bk_demo_store
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_nginx "$SOCK" nginx || exit 1
U=$NGINX_URL

# the resolved reference incident (all update kinds and a postmortem) and the open one
curl -s --max-time 10 "$U/api/v2/incidents.json" > "$T/incidents.json"
ids=$(python3 -c '
import json, sys
inc = json.load(open(sys.argv[1]))["incidents"]
def find(pred): return next((i["id"] for i in inc if pred(i)), "")
print(find(lambda i: "Platform Service Interruption" in i["name"]), find(lambda i: i["status"] != "resolved" and "WhatsApp" in i["name"]))' "$T/incidents.json")
INC=${ids% *}; OPEN=${ids#* }
check "resolved incident found through the API" test -n "$INC"
check "open incident found through the API" test -n "$OPEN"

# Chromium runs in another zone than the page (America/Guayaquil, -05) so local times differ.
export TZ=Asia/Tokyo

# ---- 1. --dump-dom: the DOM after beacon.js ran, and the console has no uncaught errors ----
dump() {   # dump NAME PATH: DOM in $T/NAME.dom, Chromium's log in $T/NAME.log
	timeout 30 "$CHROME" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
		--user-data-dir="$T/chrome-dump-$1" --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
		--window-size=1280,900 --dump-dom "$U$2" > "$T/$1.dom" 2> "$T/$1.log"
}
# domcheck FILE PY-EXPR...: python expressions over d (the parsed DOM); prints failed expressions
domq() {
	python3 - "$@" <<'PY'
import html.parser, sys, re
class D(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(convert_charrefs=True); s.tags=[]; s.text=[]; s.skip=0
    def handle_starttag(s, t, a):
        s.tags.append((t, dict(a)))
        if t in ("script", "style", "title"): s.skip += 1
    def handle_startendtag(s, t, a): s.tags.append((t, dict(a)))
    def handle_endtag(s, t):
        if t in ("script", "style", "title"): s.skip -= 1
    def handle_data(s, x):
        if not s.skip: s.text.append(x)
d = D(); d.feed(open(sys.argv[1], encoding="utf-8").read())
text = re.sub(r"\s+", " ", " ".join(d.text))
def tags(name, **kw):
    return [a for t, a in d.tags if t == name and all(k.rstrip("_") in a and (v is True or v in (a[k.rstrip("_")] or "").split()) for k, v in kw.items())]
html_attrs = tags("html")[0] if tags("html") else {}
for e in sys.argv[2:]:
    try:
        ok = eval(e)
    except Exception as ex:
        ok = False; e += " (%s)" % ex
    if not ok: print(e)
PY
}
domcheck() {   # domcheck DESC FILE EXPR...
	local desc=$1 out; shift
	out=$(domq "$@")
	if [ -z "$out" ]; then ok "$desc"; else not_ok "$desc" "$out"; fi
}
no_console_errors() {   # no_console_errors NAME
	local e
	e=$(grep -E 'Uncaught|CONSOLE\(.*(Error|error)|Failed to load resource' "$T/$1.log" | head -5)
	if [ -z "$e" ]; then ok "$1: no uncaught JS errors or failed loads in the console"; else not_ok "$1: no uncaught JS errors or failed loads in the console" "$e"; fi
}

dump home / && ok "dump-dom home" || not_ok "dump-dom home" "$(tail -5 "$T/home.log")"
domcheck "home DOM: beacon.js ran, banner, components, notices, language switcher" "$T/home.dom" \
	'"js" in html_attrs.get("class", "").split()' \
	'html_attrs.get("lang") == "en"' \
	'"Degraded performance" in text' \
	'all(n in text for n in ("Channels", "Platform", "WhatsApp", "Facebook Messenger", "Instagram Direct Messages", "Web widget", "API", "Workflow engine", "Dashboard"))' \
	'"WhatsApp Messaging Service – Increased Latency & Delayed Delivery" in text' \
	'"Database maintenance" in text and "Upcoming maintenance" in text' \
	'"Platform Service Interruption" in text and "Workflow Intermittency" in text' \
	'len(tags("nav", class_="langs")) == 1 and len([a for a in tags("a") if a.get("hreflang") in ("en", "es")]) == 2' \
	'len([a for a in tags("a") if a.get("hreflang") == "en" and a.get("aria-current") == "true"]) == 1' \
	'len(tags("svg", class_="bars")) >= 11' \
	'"Hover a time to see it in your own time zone." in text'
domcheck "home DOM: every <time> got a local-time title from beacon.js (reader zone GMT+9)" "$T/home.dom" \
	'len(tags("time")) >= 3' \
	'all(t.get("title") for t in tags("time", class_="lt"))' \
	'all("GMT+9" in t["title"] for t in tags("time", class_="lt"))'
no_console_errors home

dump incident "/incidents/$INC" && ok "dump-dom incident" || not_ok "dump-dom incident" "$(tail -5 "$T/incident.log")"
domcheck "incident DOM: title, affected components, every update kind, postmortem, local times" "$T/incident.dom" \
	'"🚨 Platform Service Interruption" in text' \
	'len(tags("h1")) == 1' \
	'all(s in text for s in ("Resolved", "Monitoring", "Identified", "Investigating", "Postmortem", "Affected", "Updates"))' \
	'all(n in text for n in ("Website", "WhatsApp", "Facebook Messenger", "Instagram Direct Messages", "Facebook Feed"))' \
	'"Major outage from" in text and "Incident Summary" in text' \
	'all(t.get("title") and "GMT+9" in t["title"] for t in tags("time", class_="lt"))' \
	'"js" in html_attrs.get("class", "").split()'
no_console_errors incident

dump history /history && ok "dump-dom history" || not_ok "dump-dom history" "$(tail -5 "$T/history.log")"
domcheck "history DOM: heading, months, notices, pager, local times" "$T/history.dom" \
	'"Notice history" in text' \
	'len(tags("h1")) == 1' \
	'"Platform Service Interruption" in text and "Workflow Intermittency" in text' \
	'len(tags("section", class_="month")) == 3' \
	'len(tags("nav", class_="pager")) == 1' \
	'all(t.get("title") and "GMT+9" in t["title"] for t in tags("time", class_="lt"))'
no_console_errors history

dump es "/?lang=es" && ok "dump-dom home in Spanish" || not_ok "dump-dom home in Spanish" "$(tail -5 "$T/es.log")"
domcheck "Spanish home DOM: lang, banner, switcher state" "$T/es.dom" \
	'html_attrs.get("lang") == "es"' \
	'"Rendimiento degradado" in text and "Componentes" in text' \
	'len([a for a in tags("a") if a.get("hreflang") == "es" and a.get("aria-current") == "true"]) == 1' \
	'all(t.get("title") for t in tags("time", class_="lt"))'
no_console_errors es

# ---- 2. Chrome DevTools Protocol: screenshots, overflow, contrast, accessibility, exceptions ----
cat > "$T/cdp.py" <<'PY'
# cdp.py: drives headless Chromium over the DevTools protocol (stdlib websocket client); prints
# "PASS<TAB>desc" or "FAIL<TAB>desc<TAB>detail" lines.
import base64, json, os, socket, struct, subprocess, sys, time, zlib
sys.path.insert(0, os.environ["BK_INTEGRATION_DIR"])
from browser_cdp import CDP, WS

chrome, base, shots, profile = sys.argv[1:5]
pages = [a.split("=", 1) for a in sys.argv[5:]]
WIDTHS = {390: 844, 1280: 900}
SCHEMES = ("light", "dark")
BG = {"light": (0xf5, 0xf6, 0xf8), "dark": (0x0e, 0x11, 0x15)}

def report(ok, desc, detail=""):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", desc, str(detail).replace("\n", " ")[:1500]), flush=True)

def png_rows(data, max_rows):
    """Width, height and the first max_rows rows of an 8-bit RGB/RGBA PNG as lists of pixel tuples."""
    if data[:8] != b"\x89PNG\r\n\x1a\n": raise ValueError("no PNG signature")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6): raise ValueError("unexpected PNG format %d/%d" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT": idat += body
        elif typ == b"IEND": break
        pos += 12 + n
    d = zlib.decompressobj()
    stride = w * bpp
    need = min(h, max_rows) * (stride + 1)
    raw = d.decompress(idat, need)
    rows, prev = [], bytearray(stride)
    for r in range(min(h, max_rows)):
        f, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return w, h, rows

CHECKS_JS = r"""(() => {
  const vw = window.innerWidth, de = document.documentElement;
  const out = {scrollWidth: de.scrollWidth, vw: vw, lang: de.lang, js: de.classList.contains("js")};
  const scrolls = e => { for (e = e.parentElement; e && e !== document.body; e = e.parentElement)
      if (/auto|scroll|hidden/.test(getComputedStyle(e).overflowX)) return true; return false; };
  out.wide = [...document.querySelectorAll("body *")].filter(e => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > vw + 0.5 && getComputedStyle(e).position !== "fixed" && !e.closest(".sprite, .skip") && !scrolls(e);
    }).slice(0, 5).map(e => e.tagName.toLowerCase() + "." + e.getAttribute("class") + " right=" + Math.round(e.getBoundingClientRect().right));
  out.h1 = document.querySelectorAll("h1").length;
  const hdr = document.querySelector("body > header"), first = document.querySelector("main > *");
  out.topGap = hdr && first ? Math.round(first.getBoundingClientRect().top - hdr.getBoundingClientRect().bottom) : -1;
  out.landmarks = {
    header: document.querySelectorAll("body > header").length, main: document.querySelectorAll("main").length,
    footer: document.querySelectorAll("body > footer").length, nav: document.querySelectorAll("nav[aria-label]").length };
  const focusable = [...document.querySelectorAll("a[href], button, input, select, textarea, summary")];
  const skip = focusable[0];
  out.skip = !!skip && skip.classList.contains("skip") && skip.getAttribute("href").startsWith("#") &&
    !!document.getElementById(skip.getAttribute("href").slice(1)) && skip.textContent.trim().length > 0;
  out.statusNoText = [...document.querySelectorAll(".st")].filter(e => !e.textContent.trim()).length;
  // an icon must sit next to words that say the same thing, or carry its own accessible name
  out.iconsNoText = [...document.querySelectorAll("svg.ic")].filter(i => {
      if (i.getAttribute("role") === "img" && (i.getAttribute("aria-label") || "").trim()) return false;
      const host = i.closest(".st, h1, .bt");
      return !(host && host.textContent.trim());
    }).map(i => i.parentElement.className || i.parentElement.tagName).slice(0, 5);
  out.bars = [...document.querySelectorAll("svg.bars")].filter(s => !(s.getAttribute("role") === "img" && s.getAttribute("aria-label"))).length;
  // text contrast: every element with its own visible text against the first opaque background up the tree
  const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const bgOf = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c[3] > 0.5) return c; }
    return [255, 255, 255, 1]; };
  out.lowContrast = [];
  for (const e of document.querySelectorAll("body *")) {
    if (e.closest(".skip, .sprite, .tip, svg, script, style")) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = e.getBoundingClientRect(); if (!r.width || !r.height) continue;
    const cs = getComputedStyle(e); if (cs.visibility === "hidden" || cs.display === "none") continue;
    const fg = rgb(cs.color), bg = bgOf(e);
    const l1 = lum(fg), l2 = lum(bg), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.lowContrast.push(e.tagName.toLowerCase() + "." + e.getAttribute("class") + " '" + e.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
  }
  out.lowContrast = out.lowContrast.slice(0, 6);
  out.bodyBg = getComputedStyle(document.body).backgroundColor;
  out.titles = [...document.querySelectorAll("time.lt")].filter(t => !t.title).length;
  return JSON.stringify(out);
})()"""

TIP_JS = r"""(() => { const t = document.querySelector(".tip"); if (!t) return JSON.stringify({none: true});
  const r = t.getBoundingClientRect();
  return JSON.stringify({hidden: t.hidden, text: t.textContent, left: r.left, right: r.right, top: r.top, vw: innerWidth,
    titles: document.querySelectorAll("svg.bars rect title").length}); })()"""

def tip_check(cdp, sid, tag, width):
    """Hovering today's bar of the first strip shows its tooltip inside the viewport (beacon.js). The strip
    is scrolled into view first (upcoming maintenance sits above the components); beacon.js hides the
    tooltip on scroll, so the hover comes after the scroll."""
    # scroll first, and let the scroll event (which hides the tooltip) pass before hovering
    cdp.call("Runtime.evaluate", {"awaitPromise": True, "expression":
        "new Promise(ok => { document.querySelector('svg.bars').scrollIntoView({block: 'center'});"
        " requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(ok, 50))); })"}, sid)
    pos = json.loads(cdp.call("Runtime.evaluate", {"returnByValue": True, "expression":
        "(() => { const b = document.querySelector('svg.bars');"
        " const r = b.querySelectorAll('rect')[89].getBoundingClientRect();"
        " return JSON.stringify([r.left + r.width / 2, r.top + r.height / 2]); })()"}, sid)["result"]["value"])
    if not (0 < pos[1] < WIDTHS[width]):
        report(False, tag + ": the first uptime bar is on screen after scrolling to it", pos); return
    cdp.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": pos[0], "y": pos[1]}, sid)
    t = json.loads(cdp.call("Runtime.evaluate", {"expression": TIP_JS, "returnByValue": True}, sid)["result"]["value"])
    good = (not t.get("none") and not t["hidden"] and "·" in t["text"] and "\n" in t["text"]
            and t["left"] >= 0 and t["right"] <= t["vw"] and t["top"] >= 0)
    report(good, tag + ": hovering today's uptime bar shows its tooltip inside the viewport", t)
    cdp.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 1, "y": 1}, sid)
    cdp.call("Runtime.evaluate", {"expression": "window.scrollTo(0, 0)"}, sid)

def shoot(cdp, name, path, width, scheme):
    tag = "%s %dpx %s" % (name, width, scheme)
    tid = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = cdp.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
    for dom in ("Page", "Runtime", "Log", "Network"):
        cdp.call(dom + ".enable", {}, sid)
    cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": WIDTHS[width], "deviceScaleFactor": 1,
             "mobile": width < 600}, sid)
    cdp.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}, sid)
    cdp.drain(sid)
    cdp.call("Page.navigate", {"url": base + path}, sid)
    cdp.wait("Page.loadEventFired", sid)
    res = json.loads(cdp.call("Runtime.evaluate", {"expression": CHECKS_JS, "returnByValue": True}, sid)["result"]["value"])
    dark = cdp.call("Runtime.evaluate", {"expression": "matchMedia('(prefers-color-scheme: dark)').matches", "returnByValue": True}, sid)["result"]["value"]
    if name == "home":
        tip_check(cdp, sid, tag, width)
    m = cdp.call("Page.getLayoutMetrics", {}, sid)
    height = min(int(m["cssContentSize"]["height"]), 12000)
    shot = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, sid)
    data = base64.b64decode(shot["data"])
    fn = os.path.join(shots, "%s-%d-%s.png" % (name, width, scheme))
    with open(fn, "wb") as f: f.write(data)
    events = cdp.drain(sid)
    cdp.call("Target.closeTarget", {"targetId": tid})

    errs = [e["params"]["exceptionDetails"].get("exception", {}).get("description") or e["params"]["exceptionDetails"].get("text")
            for e in events if e.get("method") == "Runtime.exceptionThrown"]
    errs += [e["params"]["entry"]["text"] for e in events if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
    errs += ["console.%s %s" % (e["params"]["type"], e["params"]["args"][:1]) for e in events
             if e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert")]
    errs += ["HTTP %d %s" % (e["params"]["response"]["status"], e["params"]["response"]["url"]) for e in events
             if e.get("method") == "Network.responseReceived" and e["params"]["response"]["status"] >= 400]
    errs += ["load failed %s" % e["params"].get("errorText") for e in events if e.get("method") == "Network.loadingFailed"]
    report(not errs, tag + ": no JS exceptions, console errors or failed loads", errs[:3])
    report(dark == (scheme == "dark"), tag + ": prefers-color-scheme is " + scheme)
    report(res["js"] and res["titles"] == 0, tag + ": beacon.js ran (html.js, every <time> has a local-time title)", res)
    report(res["scrollWidth"] <= width and not res["wide"], tag + ": no horizontal overflow (scrollWidth %d <= %d)" % (res["scrollWidth"], width), res["wide"])
    report(res["topGap"] >= 12, tag + ": main content does not touch the header (gap %dpx)" % res["topGap"])
    report(not res["lowContrast"], tag + ": text contrast at least WCAG AA", res["lowContrast"])
    if width == 1280 and scheme == "light":
        lm = res["landmarks"]
        report(lm["header"] == 1 and lm["main"] == 1 and lm["footer"] == 1 and lm["nav"] >= 1, tag + ": landmarks header/main/footer/nav", lm)
        report(res["h1"] == 1, tag + ": exactly one h1", res["h1"])
        report(res["lang"] in ("en", "es"), tag + ": html lang attribute", res["lang"])
        report(res["skip"], tag + ": skip link is the first focusable element and targets main")
        report(res["statusNoText"] == 0 and not res["iconsNoText"] and res["bars"] == 0, tag + ": every status has text, not only colour",
               {"empty": res["statusNoText"], "icons": res["iconsNoText"], "bars": res["bars"]})
    try:
        w, h, rows = png_rows(data, 120)
        colours = set()
        for r in rows[::4]: colours.update(r[::3])
        report(w == width and h == height, tag + ": valid PNG %dx%d" % (w, h), (width, height))
        report(len(data) > 8000 and len(colours) >= 8, tag + ": screenshot is not blank (%d bytes, %d colours)" % (len(data), len(colours)))
        bg = rows[min(len(rows) - 1, 100)][2]
        want = BG[scheme]
        report(max(abs(a - b) for a, b in zip(bg, want)) <= 3, tag + ": page background is the %s one" % scheme, (bg, want))
        return data, rows
    except Exception as ex:
        report(False, tag + ": valid PNG", ex)
        return data, []

def main():
    proc = subprocess.Popen([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--no-first-run", "--hide-scrollbars", "--remote-debugging-port=0",
                             "--user-data-dir=" + profile, "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=open(profile + ".log", "w"))
    try:
        portfile = os.path.join(profile, "DevToolsActivePort")
        end = time.time() + 30
        while not (os.path.exists(portfile) and len(open(portfile).read().split()) >= 2):
            if time.time() > end or proc.poll() is not None:
                report(False, "chromium started with a DevTools port", open(profile + ".log").read()[-500:]); return
            time.sleep(0.05)
        port, path = open(portfile).read().split()[:2]
        cdp = CDP(WS(int(port), path))
        report(True, "chromium started with a DevTools port")
        for name, path in pages:
            for width in WIDTHS:
                got = {}
                for scheme in SCHEMES:
                    got[scheme] = shoot(cdp, name, path, width, scheme)
                (ld, lr), (dd, dr) = got["light"], got["dark"]
                report(ld != dd and lr[:50] != dr[:50], "%s %dpx: light and dark screenshots differ" % (name, width))
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()

main()
PY

BK_INTEGRATION_DIR="$ROOT/tests/integration" timeout 80 python3 "$T/cdp.py" "$CHROME" "$U" "$SHOTS" "$T/chrome-cdp" \
	home=/ "incident=/incidents/$INC" "open=/incidents/$OPEN" history=/history > "$T/cdp.out" 2> "$T/cdp.err"
rc=$?
while IFS="$(printf '\t')" read -r res desc detail; do
	case $res in
	PASS) ok "$desc" ;;
	FAIL) not_ok "$desc" "$detail" ;;
	esac
done < "$T/cdp.out"
[ $rc -eq 0 ] && ok "CDP driver finished" || not_ok "CDP driver finished" "exit $rc: $(tail -5 "$T/cdp.err")"
n=$(ls "$SHOTS"/home-*.png "$SHOTS"/incident-*.png "$SHOTS"/open-*.png "$SHOTS"/history-*.png 2>/dev/null | wc -l)
assert_eq "16 screenshots saved in tests/artifacts/screenshots" 16 "$n"
bk_done
