# test_static_export.sh: `beacon export --static DIR` served by a plain nginx (no beacon, no FastCGI)
# answers every page, feed, badge, asset and v2 JSON document byte for byte like the live server
# under the same URLs; `--every` swaps the copy atomically (a reader never sees a missing file).
. "$(dirname "$0")/lib.sh"

bk_demo_store
printf '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5" fill="#1d4ed8"/></svg>' > "$T/logo.svg"
check "logo set" bk_cli page logo "$T/logo.svg"
# a notice ten months back, so the history has older pages (/history/page/N, paths a static host serves)
OLD_AT=$(date -u -d '10 months ago' +%Y-%m-%dT12:00Z)
check "an old resolved notice" bk_cli incident open --name "Old notice" --status resolved --impact minor --at "$OLD_AT"
bk_start_serve "$CONF" "$SOCK" "$LOG" || exit 1
bk_start_nginx "$SOCK" nginx || exit 1
LIVE=$NGINX_URL

# plain nginx over a directory: stock mime.types, index.html, and the exported 404 page
start_static_nginx() {   # start_static_nginx ROOT NAME: sets STATIC_URL
	local d="$T/$2" port
	mkdir -p "$d/tmp" "$d/logs"
	port=$(free_port)
	cat > "$d/nginx.conf" <<NGX
$( [ "$(id -u)" = 0 ] && echo "user root root;" )
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 128; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $d/tmp/body; fastcgi_temp_path $d/tmp/fastcgi; proxy_temp_path $d/tmp/proxy;
    uwsgi_temp_path $d/tmp/uwsgi; scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $1;
        index index.html;
        error_page 404 /404.html;
    }
}
NGX
	nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" >>"$d/logs/stderr" 2>&1 &
	BK_PIDS="$BK_PIDS $!"
	STATIC_URL="http://127.0.0.1:$port"
	wait_for curl -s -o /dev/null "$STATIC_URL/" || { echo "# static nginx did not start:"; cat "$d/logs/error.log"; return 1; }
}

SITE="$T/site"
check "export --static writes the site" bk_cli export --static "$SITE"
check "DIR is a symlink to the copy" test -L "$SITE"
check "export --static refuses a DIR that is a real directory" test "$(mkdir -p "$T/realdir"; bk_cli export --static "$T/realdir" >/dev/null 2>&1; echo $?)" = 1
check_fails "export --every without --static is a usage error" bk_cli export "$T/x" --every 5s
start_static_nginx "$SITE" static || exit 1

# every exported file, as the URL a reader asks for
urls() {
	(cd "$SITE/" && find . -type f | sed 's#^\./##' | sort) | while read -r f; do
		case $f in
		index.html) echo "/" ;;
		404.html) ;;
		*/index.html) echo "/${f%/index.html}" ;;
		*) echo "/$f" ;;
		esac
	done
}
urls > "$T/urls"
n=$(wc -l < "$T/urls")
check "the export has pages, incidents, history, feeds, badges, assets, v2 JSON, monthly uptime, logo ($n URLs)" \
	sh -c "for u in / /history /history.atom /history.rss /badge.svg /static/style.css /static/beacon.js /api/v2/summary.json /api/v2/status.json /api/v2/components.json /api/v2/incidents.json /api/v2/incidents/unresolved.json /api/v2/scheduled-maintenances.json /api/v2/scheduled-maintenances/upcoming.json /api/v2/scheduled-maintenances/active.json /brand/logo.svg /history/page/1 /history/page/3; do grep -qx \"\$u\" '$T/urls' || exit 1; done; grep -q '^/incidents/' '$T/urls' && grep -q '^/badge/' '$T/urls' && grep -q '^/components/.*/uptime$' '$T/urls' && grep -q '^/api/v2/components/.*/uptime.json$' '$T/urls'"

assert_contains "history page 3 (a path) holds the old notice" "$(curl -s --max-time 10 "$LIVE/history/page/3")" "Old notice"
assert_contains "the older-page link is a path" "$(curl -s --max-time 10 "$LIVE/history")" 'href="/history/page/1"'
assert_contains "?page=3 still works" "$(curl -s --max-time 10 "$LIVE/history?page=3")" "Old notice"
assert_status "/history/page/99999 is a 400" 400 "$LIVE/history/page/99999"

# Compare: the live server (beacon behind nginx) against the static copy. Both render from the same
# store generation; pages depend on the minute (relative times, maintenance auto-start), so when a
# minute boundary falls between the export and the comparison, export again and compare once more.
# Nothing else is ignored: every byte of every page and JSON document must match.
compare_all() {
	: > "$T/diffs"
	while read -r u; do
		curl -sL --max-time 10 "$LIVE$u" > "$T/live.body"
		curl -sL --max-time 10 -w '%{http_code}' -o "$T/static.body" "$STATIC_URL$u" > "$T/static.code"
		if [ "$(cat "$T/static.code")" != 200 ]; then echo "$u: static HTTP $(cat "$T/static.code")" >> "$T/diffs"
		elif ! cmp -s "$T/live.body" "$T/static.body"; then echo "$u: body differs" >> "$T/diffs"; fi
	done < "$T/urls"
}
compare_all
for attempt in 1 2 3; do
	[ -s "$T/diffs" ] || break
	m0=$(date -u +%Y%m%d%H%M)       # export and compare again within one minute, or report the diffs
	bk_cli export --static "$SITE" >/dev/null
	compare_all
	[ "$m0" = "$(date -u +%Y%m%d%H%M)" ] && break
done
if [ -s "$T/diffs" ]; then not_ok "every page, feed, badge, asset and JSON document matches the live server ($n URLs)" "$(head -5 "$T/diffs")"
else ok "every page, feed, badge, asset and JSON document matches the live server ($n URLs)"; fi

ct() { curl -s -o /dev/null -w '%{content_type}' "$STATIC_URL$1"; }
assert_contains "static: JSON served as JSON" "$(ct /api/v2/summary.json)" "application/json"
assert_contains "static: Atom served as Atom" "$(ct /history.atom)" "application/atom+xml"
assert_contains "static: badges served as SVG" "$(ct /badge.svg)" "image/svg+xml"
assert_contains "static: pages served as HTML" "$(ct /)" "text/html"
code=$(curl -s -o "$T/nf" -w '%{http_code}' "$STATIC_URL/no/such/page")
assert_eq "static: unknown address is 404" 404 "$code"
assert_contains "static: with the styled 404 page" "$(cat "$T/nf")" "Page not found"

# --every: the copy is rebuilt and DIR switched in one rename; readers never miss a file meanwhile
SITE2="$T/site2"
bk_cli export --static "$SITE2" >/dev/null
start_static_nginx "$SITE2" static2 || exit 1
STATIC_URL2=$STATIC_URL
first=$(readlink "$SITE2")
"$BEACON" --config "$CONF" export --static "$SITE2" --every 1s > "$T/every.log" 2>&1 &
EVERY=$!
BK_PIDS="$BK_PIDS $EVERY"
misses=0; polls=0; end=$(( $(date +%s) + 8 ))
while [ "$(date +%s)" -lt $end ]; do
	for u in / /api/v2/summary.json /history.atom; do
		c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$STATIC_URL2$u" 2>/dev/null || echo 000)
		polls=$((polls + 1)); [ "$c" = 200 ] || misses=$((misses + 1))
	done
	[ "$(grep -c ' files$' "$T/every.log")" -ge 3 ] && break
done
kill "$EVERY" 2>/dev/null; wait "$EVERY" 2>/dev/null
swaps=$(grep -c ' files$' "$T/every.log")
check "--every 1s exported again at least 3 times ($swaps)" test "$swaps" -ge 3
assert_ne "--every: DIR points at a new copy" "$first" "$(readlink "$SITE2")"
assert_eq "--every: no request failed during the swaps ($polls polls)" 0 "$misses"
left=$(ls -d "$SITE2".* 2>/dev/null | grep -vc '\.link$')
check "--every: old copies are removed (at most 2 left: $left)" test "$left" -le 2
bk_done
