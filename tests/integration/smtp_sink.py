# smtp_sink.py: a real SMTP server (aiosmtpd) on 127.0.0.1 that stores each message as DIR/<n>.eml,
# preceded by X-Envelope-From/-To and X-Sink-TLS (yes|no) / X-Sink-Auth (user or -) lines.
# Optional STARTTLS (required when on) with SMTP_TLS_CERT + SMTP_TLS_KEY, and AUTH (required) with
# SMTP_USER + SMTP_PASS; SMTP_AUTH_EXCLUDE=PLAIN leaves only LOGIN. X-Sink-Session: the client's
# port (one per connection). SMTP_REFUSE=TEXT answers 550 to recipients containing TEXT.
# usage: /usr/bin/python3 smtp_sink.py PORT DIR
import os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

class Store:
    def __init__(self, d):
        self.d, self.n = d, 0
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if os.environ.get("SMTP_REFUSE") and os.environ["SMTP_REFUSE"] in address:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        tmp = os.path.join(self.d, ".%d.tmp" % self.n)
        user = getattr(session, "auth_data", None) or "-"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from.encode(), ",".join(envelope.rcpt_tos).encode()))
            f.write(b"X-Sink-TLS: %s\r\nX-Sink-Auth: %s\r\n" % (b"yes" if session.ssl else b"no", str(user).encode()))
            f.write(b"X-Sink-Session: %d\r\n" % session.peer[1])
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.d, "%d.eml" % self.n))
        return "250 OK"

def auth(server, session, envelope, mechanism, data):
    ok = data.login.decode() == os.environ["SMTP_USER"] and data.password.decode() == os.environ["SMTP_PASS"]
    return AuthResult(success=ok, auth_data=data.login.decode() + "/" + mechanism if ok else None)

kw = {}
if os.environ.get("SMTP_TLS_CERT"):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.environ["SMTP_TLS_CERT"], os.environ["SMTP_TLS_KEY"])
    kw.update(tls_context=ctx, require_starttls=True)
if os.environ.get("SMTP_USER"):
    kw.update(authenticator=auth, auth_required=True, auth_require_tls=bool(os.environ.get("SMTP_TLS_CERT")))
    if os.environ.get("SMTP_AUTH_EXCLUDE"):
        kw.update(auth_exclude_mechanism=[os.environ["SMTP_AUTH_EXCLUDE"]])
c = Controller(Store(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]), server_kwargs=kw)
c.start()
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
