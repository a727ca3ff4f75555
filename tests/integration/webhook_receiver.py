# webhook_receiver.py: a real HTTP receiver for Beacon webhooks. It verifies Standard Webhooks signatures
# (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256(key, id.ts.body)>) with the
# whsec_ secrets in SECRETS (a JSON object path -> secret, re-read on every request), and appends one JSON
# line per request to LOG: {path, id, ts, sig_ok, body}. Paths starting /gone answer 410, /dead 500,
# /slow sleep 0.3 s first; everything else 204.
# usage: /usr/bin/python3 webhook_receiver.py PORT SECRETS LOG
import base64, hashlib, hmac, json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secrets_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        wid, ts, sig = (self.headers.get(h) or "" for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
        try:
            secrets = json.load(open(secrets_file))
        except Exception:
            secrets = {}
        ok = False
        sec = secrets.get(self.path)
        if sec and sec.startswith("whsec_"):
            key = base64.b64decode(sec[6:])
            want = base64.b64encode(hmac.new(key, wid.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256).digest()).decode()
            ok = any(s.startswith("v1,") and hmac.compare_digest(s[3:], want) for s in sig.split(" "))
        with open(log_file, "a") as f:
            f.write(json.dumps({"path": self.path, "id": wid, "ts": ts, "sig_ok": ok, "at": time.time(),
                                "ctype": self.headers.get("Content-Type"), "body": body.decode("utf-8", "replace")}) + "\n")
        if self.path.startswith("/slow"):
            time.sleep(0.3)
        code = 410 if self.path.startswith("/gone") else 500 if self.path.startswith("/dead") else 204
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
