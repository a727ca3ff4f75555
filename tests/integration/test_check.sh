# test_check.sh: `beacon check` validates meaning, not only syntax: the zone exists, the listen address
# and port are valid, key files are readable and of the right kind for the role, a secondary has an
# upstream and a token; each problem is one "file:line: key: reason" line and the exit status is 1.
. "$(dirname "$0")/lib.sh"

openssl ecparam -name prime256v1 -genkey -noout -out "$T/repl.key" 2>/dev/null
openssl ec -in "$T/repl.key" -pubout -out "$T/repl.pub" 2>/dev/null
openssl genrsa -out "$T/rsa.key" 2048 2>/dev/null
# conf NAME LINES... : a config file of these lines
conf() { local f="$T/$1.conf"; shift; printf '%s\n' "store = $T/store" "$@" > "$f"; echo "$f"; }
# bad DESC FILE LINE TEXT : check fails, and says FILE:LINE: ... TEXT
bad() {
	local d=$1 f=$2 line=$3 text=$4 out rc
	out=$("$BEACON" --config "$f" check 2>&1); rc=$?
	assert_eq "$d: exit 1" 1 "$rc"
	assert_contains "$d: file:line: reason" "$out" "$f:$line: $text"
}

f=$(conf good "listen = unix:$T/b.sock" "time_zone = America/Guayaquil" "replication_key_file = $T/repl.key")
out=$("$BEACON" --config "$f" check 2>&1)
assert_eq "good primary: OK" "configuration OK" "$(printf '%s\n' "$out" | head -1)"
assert_eq "good primary: says who can reach the socket" "listen: unix:$T/b.sock (mode 0660, group www-data)" \
	"$(printf '%s\n' "$out" | sed -n 2p)"
f=$(conf zone "listen = unix:$T/b.sock" "time_zone = Mars/Olympus")
bad "unknown zone" "$f" 3 "time_zone: 'Mars/Olympus' is not a time zone"
f=$(conf port "listen = 127.0.0.1:99999")
bad "port over 65535" "$f" 2 "listen: port '99999' must be a number from 1 to 65535"
f=$(conf port0 "listen = 127.0.0.1:0")
bad "port 0" "$f" 2 "listen: port '0'"
f=$(conf remote "listen = 0.0.0.0:9000")
bad "listen on every address" "$f" 2 "listen: '0.0.0.0:9000' lets other hosts reach the FastCGI socket"
f=$(conf remote_ok "listen = 0.0.0.0:9000" "listen_allow_remote = yes")
assert_eq "listen_allow_remote = yes allows it" "configuration OK" "$("$BEACON" --config "$f" check 2>&1 | head -1)"
f=$(conf group "listen = unix:$T/b.sock" "listen_group = no-such-grp")
bad "listen_group that does not exist" "$f" 3 "listen_group: 'no-such-grp' is not a group"
f=$(conf host "listen = example.com:80")
bad "listen host not an address" "$f" 2 "listen: 'example.com' is not an IPv4 address"
f=$(conf rel "listen = unix:beacon.sock")
bad "relative socket path" "$f" 2 "listen: socket path 'beacon.sock' must be absolute"
f=$(conf nokey "listen = unix:$T/b.sock" "replication_key_file = $T/missing.key")
bad "unreadable key file" "$f" 3 "replication_key_file: cannot read '$T/missing.key'"
f=$(conf pubprimary "listen = unix:$T/b.sock" "replication_key_file = $T/repl.pub")
bad "public key on a primary" "$f" 3 "replication_key_file: private key $T/repl.pub"
f=$(conf rsa "listen = unix:$T/b.sock" "replication_key_file = $T/rsa.key")
bad "RSA key" "$f" 3 "replication_key_file: key $T/rsa.key: not an ECDSA P-256"
f=$(conf privsecondary "listen = unix:$T/b.sock" "role = secondary" "replication_key_file = $T/repl.key" \
	"upstream = http://127.0.0.1:9" "upstream_token = tok")
bad "private key on a secondary" "$f" 4 "replication_key_file: '$T/repl.key' is a private key"
f=$(conf lonely "listen = unix:$T/b.sock" "role = secondary" "replication_key_file = $T/repl.pub")
bad "secondary without upstream" "$f" 3 "upstream: a secondary needs the primary's base URL"
bad "secondary without token" "$f" 3 "upstream_token: a secondary needs a token"
f=$(conf unsigned "listen = unix:$T/b.sock" "role = secondary" "upstream = http://127.0.0.1:9" "upstream_token = t")
bad "secondary without keys" "$f" 3 "replication_key_file: neither replication_key_file nor replication_hmac_key is set"
f=$(conf hmac "listen = unix:$T/b.sock" "replication_hmac_key = abcd")
bad "short HMAC key" "$f" 3 "replication_hmac_key: replication_hmac_key must be 32 to 128 hex digits"
f=$(conf okay2 "listen = unix:$T/b.sock" "role = secondary" "replication_key_file = $T/repl.pub" \
	"upstream = https://status.example.com" "upstream_token = tok")
assert_eq "good secondary: OK" "configuration OK" "$("$BEACON" --config "$f" check 2>&1 | head -1)"
f=$(conf many "listen = 127.0.0.1:70000" "time_zone = Nowhere/Land" "role = secondary")
out=$("$BEACON" --config "$f" check 2>&1)
assert_eq "every problem is reported, one a line" 5 "$(echo "$out" | grep -c "^$f:[0-9]*: ")"
bk_done
