# cdp_subscribe.py: real headless Chromium over the DevTools protocol (stdlib websocket): open the status
# page, follow "Subscribe to updates", submit the form, run `beacon notify --once`, open the confirmation
# link from the received mail, confirm, then unsubscribe from the mail's link. Prints PASS/FAIL lines.
# usage: /usr/bin/python3 cdp_subscribe.py CHROME BASE_URL PROFILE_DIR MAILDIR BEACON CONF EMAIL
import base64, email, email.policy, json, os, re, socket, struct, subprocess, sys, time, urllib.request

chrome, base, profile, maildir, beacon, conf, addr = sys.argv[1:8]

def report(ok, desc, detail=""):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", desc, str(detail).replace("\n", " ")[:800]), flush=True)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_cdp import CDP, WS      # the one CDP client of the browser tests

port = socket.socket(); port.bind(("127.0.0.1", 0)); dport = port.getsockname()[1]; port.close()
proc = subprocess.Popen([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--user-data-dir=" + profile, "--remote-debugging-port=%d" % dport, "about:blank"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            ver = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/version" % dport, timeout=2)); break
        except Exception: time.sleep(0.2)
    cdp = CDP(WS(dport, "/" + ver["webSocketDebuggerUrl"].split("/", 3)[3]))
    tid = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = cdp.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
    cdp.call("Page.enable", session=sid)
    def js(expr): return cdp.call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=sid)["result"].get("value")
    def go(url):
        cdp.call("Page.navigate", {"url": url}, session=sid); cdp.wait("Page.loadEventFired", sid)
    def click(sel):
        js("document.querySelector(%s).click()" % json.dumps(sel)); cdp.wait("Page.loadEventFired", sid)
    text = lambda: js("document.body.innerText") or ""

    go(base + "/")
    link = js("(document.querySelector('a.subscribe-link') || {}).href")
    report(bool(link) and link.endswith("/subscribe"), "home page links to the subscribe form", link)
    click("a.subscribe-link")
    report(js("!!document.querySelector('form[method=post] input[type=email]')"), "subscribe form shown", text()[:200])
    js("document.querySelector('#sub-email').value = %s" % json.dumps(addr))
    click("form[method=post] button[type=submit]")
    report("confirmation mail is on its way" in text(), "neutral answer after submitting", text()[:300])

    before = set(os.listdir(maildir))
    subprocess.run([beacon, "--config", conf, "notify", "--once"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mail = None
    for _ in range(50):
        new = [f for f in os.listdir(maildir) if f.endswith(".eml") and f not in before]
        for f in new:
            m = email.message_from_binary_file(open(os.path.join(maildir, f), "rb"), policy=email.policy.default)
            if addr in str(m["To"]): mail = m
        if mail: break
        time.sleep(0.1)
    report(mail is not None, "confirmation mail received by the SMTP server")
    body = mail.get_body(preferencelist=("plain",)).get_content() if mail else ""
    confirm = next((u for u in re.findall(r"https?://\S+", body) if "/subscribe/confirm" in u), "")
    path = lambda u: "/" + u.split("/", 3)[3] if u.count("/") >= 3 else ""
    go(base + path(confirm))
    report("Confirm your subscription?" in text(), "confirmation page asks first", text()[:200])
    click("form[method=post] button[type=submit]")
    report("Your subscription is confirmed." in text(), "confirmed in the browser", text()[:200])
    state = json.loads(subprocess.run([beacon, "--config", conf, "subscriber", "list", "--json"], capture_output=True).stdout)
    report([s["state"] for s in state if s["email"] == addr] == ["active"], "the subscriber is active", state)
    unsub = str(mail["List-Unsubscribe"]).strip("<>") if mail else ""
    go(base + path(unsub))
    report("Stop receiving updates?" in text(), "unsubscribe page asks first", text()[:200])
    click("form[method=post] button[type=submit]")
    report("You are unsubscribed" in text(), "unsubscribed in the browser", text()[:200])
    state = json.loads(subprocess.run([beacon, "--config", conf, "subscriber", "list", "--json"], capture_output=True).stdout)
    report([s["state"] for s in state if s["email"] == addr] == ["unsubscribed"], "the subscriber is unsubscribed", state)
except Exception as e:
    report(False, "browser flow ran", repr(e))
finally:
    proc.kill()
