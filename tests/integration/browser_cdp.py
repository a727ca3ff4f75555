# browser_cdp.py: a minimal Chrome DevTools Protocol client over a stdlib websocket, shared by the
# browser tests (test_browser.sh, test_browser_page.sh, test_admin_browser.sh, cdp_subscribe.py).
import base64, json, os, socket, struct, time

class WS:
    def __init__(self, port, path):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.s.recv(1)
            if not c: raise IOError("websocket handshake: connection closed")
            head += c
        if b" 101 " not in head.split(b"\r\n")[0]: raise IOError("websocket handshake: %r" % head[:100])
    def _exact(self, n):
        b = bytearray()
        while len(b) < n:
            c = self.s.recv(min(n - len(b), 1 << 20))
            if not c: raise IOError("websocket closed")
            b += c
        return bytes(b)
    def send(self, text, op=1):
        data = text.encode() if isinstance(text, str) else text
        n = len(data)
        hdr = bytes([0x80 | op])
        if n < 126: hdr += bytes([0x80 | n])
        elif n < 65536: hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else: hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7f
            if n == 126: n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127: n = struct.unpack(">Q", self._exact(8))[0]
            data = self._exact(n)
            op = b0 & 0x0f
            if op == 9: self.send(data, 10); continue
            if op == 8: raise IOError("websocket closed by browser")
            if op in (0, 1, 2): msg += data
            if b0 & 0x80 and op != 10: return json.loads(msg)

class CDP:
    def __init__(self, ws):
        self.ws, self.n, self.events = ws, 0, []
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
    def wait(self, method, session, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e.get("method") == method and e.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self.ws.recv())
        raise TimeoutError(method)
    def drain(self, session):
        mine = [e for e in self.events if e.get("sessionId") == session]
        self.events = [e for e in self.events if e.get("sessionId") != session]
        return mine


def chromium_start(chrome, profile):
    """Starts headless Chromium with a DevTools port; returns (process, CDP) or raises."""
    import subprocess
    proc = subprocess.Popen([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--no-first-run", "--hide-scrollbars", "--remote-debugging-port=0",
                             "--user-data-dir=" + profile, "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=open(profile + ".log", "w"))
    portfile = os.path.join(profile, "DevToolsActivePort")
    end = time.time() + 30
    while not (os.path.exists(portfile) and len(open(portfile).read().split()) >= 2):
        if time.time() > end or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("chromium did not open a DevTools port: " + open(profile + ".log").read()[-500:])
        time.sleep(0.05)
    port, path = open(portfile).read().split()[:2]
    return proc, CDP(WS(int(port), path))
