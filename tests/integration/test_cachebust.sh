#!/bin/bash
# test_cachebust.sh: unique query strings do not bypass the caches (issue 8): 200 concurrent connections of
# random ?r= through the shipped nginx config all get 200 with no timeout, nearly all from nginx's cache.
. "$(dirname "$0")/lib.sh"
bk_default_setup
bk_cli component add --name API >/dev/null
curl -s -o /dev/null --max-time 10 "$URL/"      # warm both caches

# flood BASE_URL : 200 connections at once, 3 rounds, each GET /?r=<random> on its own connection, 15 s per
# request; prints "ok timeouts bad misses X-Cache-counts".
flood() {
/usr/bin/python3 - "$1" <<'PY'
import asyncio, random, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
stats = {"ok": 0, "timeout": 0, "bad": 0, "cache": {}}
async def one(path):
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(u.hostname, u.port), 15)
        w.write(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, u.netloc)).encode())
        data = await asyncio.wait_for(r.read(), 15)
        w.close()
    except asyncio.TimeoutError:
        stats["timeout"] += 1; return
    except OSError:
        stats["bad"] += 1; return
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if head[0].split(" ")[1:2] != ["200"]:
        stats["bad"] += 1; return
    stats["ok"] += 1
    xc = [h.split(":", 1)[1].strip() for h in head if h.lower().startswith("x-cache:")]
    k = xc[0] if xc else "none"
    stats["cache"][k] = stats["cache"].get(k, 0) + 1
async def main():
    for _ in range(3):
        await asyncio.gather(*(one("/?r=%d" % random.randrange(10**9)) for _ in range(200)))
asyncio.run(main())
miss = stats["cache"].get("MISS", 0) + stats["cache"].get("EXPIRED", 0) + stats["cache"].get("BYPASS", 0)
print(stats["ok"], stats["timeout"], stats["bad"], miss, " ".join("%s=%d" % kv for kv in sorted(stats["cache"].items())))
PY
}
flood "$URL" > "$T/flood.out"
read -r n_ok n_timeout n_bad n_miss detail < "$T/flood.out"
echo "# 600 requests of random ?r=: $n_ok ok, $n_timeout timeouts, $n_bad errors/non-200; X-Cache: $detail"
assert_eq "600 random ?r= requests: 0 timeouts" 0 "$n_timeout"
assert_eq "600 random ?r= requests: 0 errors or non-200" 0 "$n_bad"
check "nearly all answered from nginx's cache (misses+expired $n_miss of 600, at most 60)" test "${n_miss:-600}" -le 60
check "beacon is still up" curl -sf -o /dev/null --max-time 10 "$LURL/"

# straight to beacon (lighttpd has no cache): its render cache keys on the route's parameters only
flood "$LURL" > "$T/flood.out"
read -r n_ok n_timeout n_bad n_miss detail < "$T/flood.out"
echo "# lighttpd, 600 requests of random ?r=: $n_ok ok, $n_timeout timeouts, $n_bad errors/non-200"
assert_eq "lighttpd: 600 random ?r= requests: 0 timeouts" 0 "$n_timeout"
assert_eq "lighttpd: 600 random ?r= requests: 0 errors or non-200" 0 "$n_bad"

# the key still tells apart what the pages do read
assert_status "?lang=es through the cache" 200 "$URL/?lang=es&r=1"
assert_contains "?lang=es is Spanish" "$(cat "$T/body")" 'lang="es"'
assert_status "?lang=en through the cache" 200 "$URL/?lang=en&r=2"
assert_contains "?lang=en is English" "$(cat "$T/body")" 'lang="en"'

bk_done
