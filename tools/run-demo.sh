#!/bin/sh
# run-demo.sh: `make run`: a demo store, beacon serve, and nginx on http://127.0.0.1:8080/ until Ctrl-C.
set -eu
BEACON=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
D="$ROOT/run"
PORT=${PORT:-8080}
mkdir -p "$D/cache" "$D/tmp" "$D/logs"
chmod 0755 "$D"
cat > "$D/beacon.conf" <<CONF
# demo configuration written by tools/run-demo.sh
store = $D/store
listen = unix:$D/beacon.sock
threads = 32
page_name = Beacon Demo
page_url = http://127.0.0.1:$PORT/
time_zone = America/Guayaquil
default_language = en
languages = en,es
CONF
if [ ! -f "$D/store/data.mdb" ]; then
	mkdir -p "$D/store"
	"$BEACON" --config "$D/beacon.conf" init > "$D/admin-token"
	sh "$ROOT/tools/demo-data.sh" "$BEACON" "$D/beacon.conf"
	echo "demo store created; admin token saved in $D/admin-token"
fi
sed -e "s#unix:/run/beacon/beacon.sock#unix:$D/beacon.sock#" \
    -e "s#listen 127.0.0.1:8080;#listen 127.0.0.1:$PORT;#" \
    -e "s#/var/cache/nginx/beacon#$D/cache#" \
    -e "s#/var/lib/beacon/#$D/store/#" \
    "$ROOT/conf/nginx/beacon.conf" > "$D/site.conf"
{
	[ "$(id -u)" = 0 ] && echo "user root root;"
	cat <<NGX
worker_processes 2;
daemon off;
pid $D/nginx.pid;
error_log $D/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $D/logs/access.log;
    client_body_temp_path $D/tmp/body;
    fastcgi_temp_path $D/tmp/fastcgi;
    proxy_temp_path $D/tmp/proxy;
    uwsgi_temp_path $D/tmp/uwsgi;
    scgi_temp_path $D/tmp/scgi;
    include $D/site.conf;
}
NGX
} > "$D/nginx.conf"

"$BEACON" --config "$D/beacon.conf" serve 2>>"$D/logs/beacon.log" &
BPID=$!
nginx -p "$D" -c "$D/nginx.conf" -e "$D/logs/nginx-error.log" &
NPID=$!
trap 'kill $BPID $NPID 2>/dev/null; wait 2>/dev/null; echo; echo stopped' INT TERM EXIT
echo "Beacon demo: http://127.0.0.1:$PORT/  (API: http://127.0.0.1:$PORT/api/v2/summary.json)"
echo "admin token: $(cat "$D/admin-token")   logs: $D/logs/   Ctrl-C stops both"
wait $BPID $NPID
