# cdp_subscribe.py: real headless Chromium over the DevTools protocol (stdlib websocket): open the status
# page, follow "Subscribe to updates", submit the form, run `beacon notify --once`, open the confirmation
# link from the received mail, confirm, then unsubscribe from the mail's link. Prints PASS/FAIL lines.
# usage: /usr/bin/python3 cdp_subscribe.py CHROME BASE_URL PROFILE_DIR MAILDIR BEACON CONF EMAIL
import base64, email, email.policy, json, os, re, socket, struct, subprocess, sys, time, urllib.request

chrome, base, profile, maildir, beacon, conf, addr = sys.argv[1:8]

def report(ok, desc, detail=""):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", desc, str(detail).replace("\n", " ")[:800]), flush=True)

class WS:
    def __init__(self, port, path):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.s.recv(1)
            if not c: raise IOError("handshake")
            head += c
    def _exact(self, n):
        b = bytearray()
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c: raise IOError("closed")
            b += c
        return bytes(b)
    def send(self, text, op=1):
        data = text.encode() if isinstance(text, str) else text
        n = len(data)
        hdr = bytes([0x80 | op]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536
                                    else bytes([0x80 | 127]) + struct.pack(">Q", n))
        mask = os.urandom(4)
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7f
            if n == 126: n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127: n = struct.unpack(">Q", self._exact(8))[0]
            data, op = self._exact(n), b0 & 0x0f
            if op == 9: self.send(data, 10); continue
            if op in (0, 1, 2): msg += data
            if b0 & 0x80 and op != 10: return json.loads(msg)

class CDP:
    def __init__(self, ws): self.ws, self.n, self.events = ws, 0, []
    def call(self, method, params=None, session=None):
        self.n += 1
        m = {"id": self.n, "method": method, "params": params or {}}
        if session: m["sessionId"] = session
        self.ws.send(json.dumps(m))
        while True:
            r = self.ws.recv()
            if r.get("id") == self.n:
                if "error" in r: raise RuntimeError("%s: %s" % (method, r["error"]))
                return r["result"]
            self.events.append(r)
    def wait(self, method, session, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e.get("method") == method and e.get("sessionId") == session: return self.events.pop(i)
            self.events.append(self.ws.recv())
        raise TimeoutError(method)

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
