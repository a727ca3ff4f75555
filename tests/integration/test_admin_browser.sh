# test_admin_browser.sh: the web admin in real headless Chromium over the DevTools protocol, through nginx:
# sign in with password, enrol in TOTP, sign out, sign in with password and TOTP (computed here), open an
# incident, update it, resolve it, publish a postmortem, schedule a maintenance, add a user, create and revoke
# a token, add a component and delete it (admin.js's confirmation), upload a PNG logo through the file input
# (DOM.setFileInputFiles), sign out; no CSP violations or JS errors; screenshots at 390 and 1280 px, light and
# dark, kept in tests/artifacts/screenshots/admin/.
. "$(dirname "$0")/lib.sh"

CHROME=${CHROME:-/usr/bin/chromium}
SHOTS=${SHOTS:-$ROOT/tests/artifacts/screenshots/admin}
[ -x "$CHROME" ] || { not_ok "chromium is installed at $CHROME"; bk_done; }
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png
bk_default_setup
bk_cli component add --name "API" >/dev/null
bk_cli component add --name "Website" >/dev/null
check "owner added" sh -c "echo 'owner-password-1' | '$BEACON' --config '$CONF' user add owner@example.com --role owner"
/usr/bin/python3 - "$T/logo.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
w, h = 96, 32
raw = b"".join(b"\0" + b"".join(bytes((x * 2 % 256, 80, 200 - y * 4)) for x in range(w)) for y in range(h))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                              chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
export BK_LOGO_PNG="$T/logo.png"
# the driver reads lines from the test's stdout protocol: PASS/FAIL
sed -n '/^# ---- cdp driver ----$/,$p' "$0" | sed 1d > "$T/drive.py"
BK_INTEGRATION_DIR="$ROOT/tests/integration" timeout 170 python3 "$T/drive.py" "$CHROME" "$URL" "$SHOTS" "$T/chrome" > "$T/cdp.out" 2> "$T/cdp.err"
rc=$?
while IFS="$(printf '\t')" read -r res desc detail; do
	case $res in
	PASS) ok "$desc" ;;
	FAIL) not_ok "$desc" "$detail" ;;
	esac
done < "$T/cdp.out"
[ $rc -eq 0 ] && ok "CDP driver finished" || not_ok "CDP driver finished" "exit $rc: $(tail -5 "$T/cdp.err")"
assert_contains "the store has the browser's incident" "$(curl -s "$URL/api/v2/incidents.json")" "Browser incident"
assert_contains "the store has the browser's maintenance" "$(curl -s "$URL/api/v2/scheduled-maintenances.json")" "Browser maintenance"
assert_contains "the browser's user exists" "$(bk_cli user list)" "added@example.com"
assert_not_contains "the browser's component was deleted" "$(curl -s "$URL/api/v2/components.json")" "Browser component"
assert_status "the browser's PNG logo is served" 200 "$URL/brand/logo.png"
check "... byte for byte" cmp -s "$T/body" "$T/logo.png"
assert_contains "the audit log names the admin user" "$(bk_cli audit --limit 20)" "admin:owner@example.com"
n=$(ls "$SHOTS"/*.png 2>/dev/null | wc -l)
assert_eq "20 screenshots saved in tests/artifacts/screenshots/admin" 20 "$n"
bk_done
exit

# ---- cdp driver ----
import base64, hashlib, hmac, json, os, socket, struct, subprocess, sys, time

chrome, base, shots, profile = sys.argv[1:5]

def report(ok, desc, detail=""):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", desc, str(detail).replace("\n", " ")[:1500]), flush=True)

def totp(secret, step):
    k = base64.b32decode(secret + "=" * (-len(secret) % 8))
    h = hmac.new(k, struct.pack(">Q", step), hashlib.sha1).digest()
    o = h[19] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000)

sys.path.insert(0, os.environ["BK_INTEGRATION_DIR"])
from browser_cdp import CDP, WS      # the one CDP client of the browser tests

class Tab:
    def __init__(self, cdp):
        self.cdp = cdp
        tid = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.sid = cdp.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        for d in ("Page", "Runtime", "Log"):
            cdp.call(d + ".enable", {}, self.sid)
    def js(self, expr):
        r = self.cdp.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True}, self.sid)
        if "exceptionDetails" in r: raise RuntimeError("js: %s: %s" % (expr[:80], r["exceptionDetails"].get("text")))
        return r["result"].get("value")
    def go(self, path):
        self.cdp.call("Page.navigate", {"url": base + path}, self.sid)
        self.cdp.wait("Page.loadEventFired", self.sid)
    def submit(self, fields, button):
        """Types fields (selector -> value) and clicks the button, like a person; waits for the next page."""
        for sel, val in fields.items():
            self.js("(() => { const e = document.querySelector(%s); if (!e) throw new Error('no ' + %s); e.value = %s; "
                    "e.dispatchEvent(new Event('input', {bubbles: true})); })()" % (json.dumps(sel), json.dumps(sel), json.dumps(val)))
        self.js("window.confirm = () => true; document.querySelector(%s).click()" % json.dumps(button))
        self.cdp.wait("Page.loadEventFired", self.sid)
    def path(self):
        return self.js("location.pathname + location.search")
    def text(self):
        return self.js("document.body.innerText")
    def errors(self):
        bad = [e for e in self.cdp.events if e.get("sessionId") == self.sid and
               (e.get("method") == "Runtime.exceptionThrown" or
                (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"))]
        self.cdp.events = [e for e in self.cdp.events if e.get("sessionId") != self.sid]
        return [json.dumps(e["params"])[:300] for e in bad]

def shoot(tab, name, width, scheme):
    tab.cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 844 if width == 390 else 900,
                 "deviceScaleFactor": 1, "mobile": width == 390}, tab.sid)
    tab.cdp.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}, tab.sid)
    time.sleep(0.2)
    over = tab.js("document.documentElement.scrollWidth")
    report(over <= width, "%s %dpx %s: no horizontal overflow (%d)" % (name, width, scheme, over))
    data = base64.b64decode(tab.cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, tab.sid)["data"])
    with open(os.path.join(shots, "admin-%s-%d-%s.png" % (name, width, scheme)), "wb") as f: f.write(data)
    report(len(data) > 5000, "%s %dpx %s: screenshot saved (%d bytes)" % (name, width, scheme, len(data)))

def shoot_all(tab, name):
    for width in (390, 1280):
        for scheme in ("light", "dark"):
            shoot(tab, name, width, scheme)
    tab.cdp.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, tab.sid)

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
                report(False, "chromium started", open(profile + ".log").read()[-500:]); return
            time.sleep(0.05)
        port, path = open(portfile).read().split()[:2]
        cdp = CDP(WS(int(port), path))
        t = Tab(cdp)
        t.go("/admin")
        report(t.path() == "/admin/login", "unsigned: /admin leads to the sign-in page", t.path())
        shoot_all(t, "login")
        t.submit({"#email": "owner@example.com", "#password": "owner-password-1"}, "#signin")
        report(t.path() == "/admin", "signed in with the password", t.path())
        # enrol in TOTP
        t.go("/admin/account")
        t.submit({}, "#start-2fa")
        secret = t.js("document.querySelector('#totp-secret').textContent")
        report(bool(secret) and t.js("!!document.querySelector('svg.qr')"), "2FA: secret and QR code shown")
        step = int(time.time() // 30)
        t.submit({"#code": totp(secret, step)}, "#confirm-2fa")
        report(t.js("document.querySelectorAll('#recovery-codes li').length") == 8, "2FA: on, 8 recovery codes shown")
        t.submit({}, "#signout")
        report(t.path().startswith("/admin/login"), "signed out", t.path())
        # sign in with password and TOTP
        t.submit({"#email": "owner@example.com", "#password": "owner-password-1"}, "#signin")
        report(t.path() == "/admin/login/totp", "password accepted, the code is asked", t.path())
        t.submit({"#code": totp(secret, step + 1)}, "#verify")
        report(t.path() == "/admin", "signed in with password and TOTP", t.path())
        shoot_all(t, "dashboard")
        # incident: open, update, resolve, postmortem
        t.go("/admin/incidents/new")
        t.js("document.querySelector('select[name^=c_]').value = 'partial_outage'")
        t.submit({"#name": "Browser incident", "#body": "We are **looking** into it."}, "#create-incident")
        report(t.path().startswith("/admin/incident?id="), "incident opened", t.path())
        inc = t.path()
        shoot_all(t, "incident")
        t.js("document.querySelector('#status').value = 'identified'")
        t.submit({"#body": "Found the cause."}, "#post-update")
        report("Found the cause." in t.text(), "incident updated")
        t.js("document.querySelector('#status').value = 'resolved'")
        t.submit({"#body": "Fixed."}, "#post-update")
        report(t.js("document.querySelector('#incident-status').textContent") == "Resolved", "incident resolved")
        t.submit({"#pm_body": "What happened, and what we changed."}, "#pm-publish")
        report(t.js("document.querySelector('#postmortem-state').textContent") == "Published.", "postmortem published")
        t.go("/admin/maintenance")
        t.submit({"#name": "Browser maintenance", "#from": "2031-05-01T10:00", "#until": "2031-05-01T11:00"}, "#schedule")
        report("Browser maintenance" in t.text(), "maintenance scheduled")
        t.go("/admin/users")
        t.submit({"#uemail": "added@example.com", "#upassword": "added-user-password"}, "#add-user")
        report("added@example.com" in t.text(), "user added")
        t.go("/admin/tokens")
        t.submit({"#tname": "browser"}, "#create-token")
        tok = t.js("(document.querySelector('#new-token') || {}).textContent")
        report(bool(tok) and tok.startswith("bk_"), "token created and shown once")
        t.go("/admin/tokens")
        report(tok not in t.text(), "the token is not shown again")
        t.submit({}, "#revoke-" + tok[3:15])
        report("browser" not in t.js("document.querySelector('table').innerText"), "token revoked")
        # a component: add it, then delete it from its page (admin.js asks, then adds confirm=1)
        t.go("/admin/components")
        t.submit({"#cname": "Browser component", "#cdesc": "Made in Chromium"}, "#add-component")
        report("Browser component" in t.js("document.querySelector('#components').innerText"), "component added")
        shoot_all(t, "components")
        edit = t.js("[...document.querySelectorAll('#components tr')].filter(r => r.innerText.includes('Browser component'))"
                    "[0].querySelector('a[id^=edit-]').getAttribute('href')")
        t.go(edit)
        report(t.js("document.querySelector('#cname').value") == "Browser component", "the component's edit page", edit)
        t.submit({}, "#delete-component")
        report(t.path().startswith("/admin/components") and
               "Browser component" not in t.js("document.querySelector('#components').innerText"),
               "component deleted after the confirmation", t.path())
        # a PNG logo through the file input
        t.go("/admin/settings")
        doc = t.cdp.call("DOM.getDocument", {}, t.sid)["root"]["nodeId"]
        node = t.cdp.call("DOM.querySelector", {"nodeId": doc, "selector": "input#logo"}, t.sid)["nodeId"]
        t.cdp.call("DOM.setFileInputFiles", {"files": [os.environ["BK_LOGO_PNG"]], "nodeId": node}, t.sid)
        t.submit({}, "#save-logo")
        report("/admin/settings" in t.path() and t.js("!!document.querySelector('img.logo[src^=\"/brand/logo.png\"]')"),
               "PNG logo uploaded through the file input", t.path())
        t.go("/")
        report(t.js("(document.querySelector('img[src*=\"/brand/logo.png\"]') || {}).naturalWidth || 0") == 96,
               "the public page shows the PNG logo")
        t.go("/admin")
        t.go("/admin/monitoring")
        t.submit({"#match": "service=api\nenv=prod", "#stale_after": "10m"}, "#add-rule")
        report("service=api, env=prod" in t.text(), "monitoring: rule added", t.path())
        t.submit({"#period": "90s", "#grace": "30s"}, "#add-heartbeat")
        report("/ping/" in t.text() and "/api/push/" in t.text(), "monitoring: heartbeat added, its ping URLs shown")
        shoot_all(t, "monitoring")
        errs = t.errors()
        report(not errs, "no JS errors or CSP violations in the console", errs)
        t.submit({}, "#signout")
        t.go(inc)
        report(t.path() == "/admin/login", "after sign out the admin asks to sign in again", t.path())
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()

main()
