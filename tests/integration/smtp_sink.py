# smtp_sink.py: a real SMTP server (aiosmtpd) on 127.0.0.1 that stores each message as DIR/<n>.eml.
# usage: /usr/bin/python3 smtp_sink.py PORT DIR
import os, sys, time
from aiosmtpd.controller import Controller

class Store:
    def __init__(self, d):
        self.d, self.n = d, 0
    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        tmp = os.path.join(self.d, ".%d.tmp" % self.n)
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from.encode(), ",".join(envelope.rcpt_tos).encode()))
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.d, "%d.eml" % self.n))
        return "250 OK"

c = Controller(Store(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
