# count_receiver.py: a local HTTP receiver for the notification bench: answers every POST 204 and
# counts them; GET /count -> "<count> <unix time of the last POST>".
# usage: /usr/bin/python3 count_receiver.py PORT
import sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
lock, state = threading.Lock(), [0, 0.0]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            state[0] += 1; state[1] = time.time()
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        with lock: body = ("%d %.3f" % (state[0], state[1])).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
ThreadingHTTPServer.request_queue_size = 1024
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
