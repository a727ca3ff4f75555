# test_admin_secondary.sh: on a secondary the admin is read-only: users come with the snapshot, sign-in works
# (sessions are local to the node), every page shows the read-only banner, and every write route gets 503.
. "$(dirname "$0")/lib.sh"

K="$T/keys"; mkdir -p "$K"
openssl ecparam -genkey -name prime256v1 -noout -out "$K/priv.pem" 2>/dev/null
openssl ec -in "$K/priv.pem" -pubout -out "$K/pub.pem" 2>/dev/null
PSTORE="$T/primary"; PSOCK="$T/primary.sock"; PCONF="$T/primary.conf"; PLOG="$T/primary.log"
mkdir -p "$PSTORE"
bk_make_conf "$PCONF" "$PSTORE" "$PSOCK" "role = primary" "replication_key_file = $K/priv.pem"
pcli() { "$BEACON" --config "$PCONF" "$@"; }
pcli init >/dev/null || { echo "# init failed"; exit 1; }
REPL=$(pcli token create --scope replication --name secondary)
pcli component add --name API >/dev/null
check "a viewer and an owner on the primary" sh -c "echo 'owner-password-1' | '$BEACON' --config '$PCONF' user add owner@example.com --role owner"
bk_start_serve "$PCONF" "$PSOCK" "$PLOG" || exit 1
BK_SNAP_DIR=$PSTORE bk_start_nginx "$PSOCK" nginx-primary || exit 1
PURL=$NGINX_URL

SSTORE="$T/secondary"; SSOCK="$T/secondary.sock"; SCONF="$T/secondary.conf"; SLOG="$T/secondary.log"
mkdir -p "$SSTORE"
bk_make_conf "$SCONF" "$SSTORE" "$SSOCK" "role = secondary" "replication_key_file = $K/pub.pem" \
	"upstream = $PURL" "upstream_token = $REPL" "pull_seconds = 1"
bk_start_serve "$SCONF" "$SSOCK" "$SLOG" || exit 1
bk_start_nginx "$SSOCK" nginx-secondary || exit 1
U=$NGINX_URL
check "the secondary pulls a snapshot" "$BEACON" --config "$SCONF" pull --once
wait_for sh -c "curl -s '$U/health' | grep -q '\"role\":\"secondary\"'"
wait_for sh -c "test \$(curl -s -o /dev/null -w '%{http_code}' '$U/admin/login') = 200"

get_cookie() { sed -n "s/^[Ss]et-[Cc]ookie: $1=\([^;]*\).*/\1/p" "$2" | tail -1 | tr -d '\r'; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }
curl -s -D "$T/h1" -o "$T/b1" "$U/admin/login"
PRE=$(get_cookie __Host-beacon_pre "$T/h1")
code=$(curl -s -D "$T/h2" -o "$T/b2" -w '%{http_code}' -H "Origin: $U" -H "Cookie: __Host-beacon_pre=$PRE" \
	--data-urlencode email=owner@example.com --data-urlencode password=owner-password-1 --data-urlencode "csrf=$(csrf_of "$T/b1")" "$U/admin/login")
assert_eq "sign-in on the secondary (the user came with the snapshot)" 303 "$code"
SID=$(get_cookie __Host-beacon_session "$T/h2")
curl -s -o "$T/dash" -H "Cookie: __Host-beacon_session=$SID" "$U/admin"
assert_contains "the dashboard says the admin is read-only here" "$(cat "$T/dash")" 'class="banner ro"'
TOK=$(csrf_of "$T/dash")
bad=""; n=0
while read -r m p role kind _; do
	[ "$m" = POST ] && [ "$kind" = write ] || continue
	n=$((n+1))
	c=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $U" -H "Cookie: __Host-beacon_session=$SID" \
		--data-urlencode "csrf=$TOK" --data "id=x&name=x&status=investigating" "$U$p")
	[ "$c" = 503 ] || bad="$bad $p:$c"
done <<ROUTES
$("$BEACON" --config "$SCONF" admin routes)
ROUTES
check "the route table has write routes" test "$n" -ge 10
assert_eq "every write route gets 503 on the secondary ($n)" "" "$bad"
curl -s -o "$T/inc" -H "Cookie: __Host-beacon_session=$SID" "$U/admin/maintenance"
assert_not_contains "no scheduling form on the secondary" "$(cat "$T/inc")" 'id="schedule"'
bk_done
