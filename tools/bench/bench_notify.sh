#!/bin/sh
# bench_notify.sh: notifications at scale: one incident to N webhook subscribers on a local receiver
# (time from the write's commit to the last delivery, the sender's RSS, the write's latency with and
# without the subscribers), and one incident to N email subscribers through a local SMTP server.
#
# usage: sh tools/bench/bench_notify.sh /abs/path/BUILD/beacon
# Environment: BENCH_SUBSCRIBERS (10000), BENCH_NOTIFY_CONCURRENCY (32), BENCH_WRITES (5 latency samples).
# The N subscribers follow component "API"; the latency samples are incidents on another component,
# so they fan out over all N subscribers but send nothing, and the write path is the same as the
# trigger's. Targets (informational): fan-out under 30 s, RSS under 16 MB, no latency difference,
# N mails under 60 s. Exit non-zero only when something did not run.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 /abs/path/to/beacon" >&2; exit 2; }
BEACON=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$BEACON")" && pwd)
N=${BENCH_SUBSCRIBERS:-10000}
CONC=${BENCH_NOTIFY_CONCURRENCY:-32}
WRITES=${BENCH_WRITES:-5}
RESULTS=$ROOT/tools/bench/results-notify-latest.txt
fail() { echo "bench_notify: $*" >&2; exit 1; }
D=$(mktemp -d /tmp/beacon-bench-notify.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; [ "${KEEP:-0}" = 1 ] || rm -rf "$D"; }
trap cleanup EXIT

# ---- notify_fill, built with the Makefile's flags against beacon's objects ----
mkdir -p "$BUILD/bench"
flags() {
	printf 'bench_flags:\n\t@echo "$(%s)"\n' "$1" |
		make --no-print-directory -s -C "$ROOT" -f Makefile -f - BUILD="$BUILD" bench_flags
}
CFLAGS=$(flags ALL_CFLAGS | sed -e 's/ -MMD//' -e 's/ -MP//')
LIBS="$(flags LDFLAGS) $(flags LDLIBS)"
OBJS=""
for o in "$BUILD"/firmware/*.o "$BUILD"/store/*.o "$BUILD/gen/web_assets.o"; do
	[ -f "$o" ] || fail "missing object $o: build beacon first (make all)"
	[ "$o" = "$BUILD/firmware/main.o" ] || OBJS="$OBJS $o"
done
# shellcheck disable=SC2086
(cd "$ROOT" && cc $CFLAGS -o "$BUILD/bench/notify_fill" tools/bench/notify_fill.c $OBJS $LIBS) || fail "notify_fill did not build"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HPORT=$(port); SPORT=$(port)
/usr/bin/python3 "$ROOT/tools/bench/count_receiver.py" "$HPORT" >"$D/recv.log" 2>&1 & PIDS="$PIDS $!"
mkdir -p "$D/mail"
/usr/bin/python3 "$ROOT/tests/integration/smtp_sink.py" "$SPORT" "$D/mail" >"$D/smtp.log" 2>&1 & PIDS="$PIDS $!"
ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_parts() { awk '/^RssAnon|^RssFile|^RssShmem/ {printf "%s %s KiB ", $1, $2}' "/proc/$1/status" 2>/dev/null; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# node NAME: a store with components API and Other, a sender config; sets CONF, API, OTHER
node() {
	mkdir -p "$D/$1"
	CONF="$D/$1/beacon.conf"
	printf 'store = %s\nlisten = unix:%s\nnotify_store = %s\nnotify_allow_private = yes\nnotify_concurrency = %s\nsmtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_starttls = no\npage_url = http://127.0.0.1/\n' \
		"$D/$1/store" "$D/$1/sock" "$D/$1/deliv" "$CONC" "$SPORT" > "$CONF"
	mkdir -p "$D/$1/store"
	"$BEACON" --config "$CONF" init >/dev/null
	API=$("$BEACON" --config "$CONF" component add --name API | awk '{print $1}')
	OTHER=$("$BEACON" --config "$CONF" component add --name Other | awk '{print $1}')
}
# write_ms: one incident on Other (notifies nobody here), its wall time in ms
write_ms() {
	t0=$(ms); "$BEACON" --config "$CONF" incident open --name "sample" --status investigating --impact minor \
		--component "$OTHER=degraded_performance" >/dev/null; t1=$(ms); echo $((t1 - t0))
}
start_sender() { "$BEACON" --config "$CONF" notify >>"$D/notify.log" 2>&1 & SENDER=$!; PIDS="$PIDS $SENDER"; }
idle() {   # waits until the sender has read the whole outbox and has nothing pending
	i=0; while [ $i -lt 1500 ]; do
		[ "$("$BEACON" --config "$CONF" deliveries --json --limit 1 | jq '.pending == 0 and .cursor == .outbox_last')" = true ] &&
			return 0
		sleep 0.2; i=$((i+1))
	done; return 1
}

# ---- webhooks ----
node hooks
start_sender
LAT0=$(for i in $(seq "$WRITES"); do write_ms; done | median)
"$BUILD/bench/notify_fill" "$D/hooks/store" --webhooks "http://127.0.0.1:$HPORT/h" "$N" --component "$API" >/dev/null
idle || fail "sender did not settle"
LAT1=$(for i in $(seq "$WRITES"); do write_ms; done | median)
idle || fail "sender did not settle"
BASE_RSS=$(rss_kb "$SENDER")
T0=$(ms)
"$BEACON" --config "$CONF" incident open --name "API down" --status investigating --impact major \
	--component "$API=major_outage" >/dev/null
TC=$(ms)
PEAK=0; PARTS=""
while :; do
	r=$(rss_kb "$SENDER"); [ "$r" -gt "$PEAK" ] && { PEAK=$r; PARTS=$(rss_parts "$SENDER"); }
	set -- $(curl -s "http://127.0.0.1:$HPORT/count")
	[ "$1" -ge "$N" ] && break
	[ $(( $(ms) - TC )) -gt 300000 ] && fail "only $1 of $N webhooks after 300 s"
	sleep 0.1
done
LAST=$(python3 -c "print(int(float('$2') * 1000))")
FANOUT=$((LAST - TC)); TRIG=$((TC - T0)); HWM=$(hwm_kb "$SENDER")
kill "$SENDER"; wait "$SENDER" 2>/dev/null || true

# ---- emails ----
node mails
"$BUILD/bench/notify_fill" "$D/mails/store" --emails example.test "$N" --component "$API" >/dev/null
start_sender
idle || fail "sender did not settle"
"$BEACON" --config "$CONF" incident open --name "API down" --status investigating --impact major \
	--component "$API=major_outage" >/dev/null
MC=$(ms)
while [ "$(ls "$D/mail" | grep -c '\.eml$')" -lt "$N" ]; do
	[ $(( $(ms) - MC )) -gt 600000 ] && fail "only $(ls "$D/mail" | grep -c eml) of $N mails after 600 s"
	sleep 0.2
done
MAILT=$(( $(ms) - MC )); MHWM=$(hwm_kb "$SENDER")
kill "$SENDER"; wait "$SENDER" 2>/dev/null || true

verdict() { if [ "$1" -le "$2" ]; then echo PASS; else echo MISS; fi; }
{
	echo "bench_notify: $N subscribers, notify_concurrency $CONC, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "webhooks: commit -> last of $N deliveries: ${FANOUT} ms (target < 30000: $(verdict "$FANOUT" 30000))"
	echo "webhooks: sender RSS idle ${BASE_RSS} KiB, during fan-out max sampled ${PEAK} KiB (${PARTS}), VmHWM ${HWM} KiB (target < 16384: $(verdict "$HWM" 16384))"
	echo "write latency (CLI incident open, median of $WRITES): ${LAT0} ms without subscribers, ${LAT1} ms with $N; the trigger took ${TRIG} ms"
	echo "emails: commit -> $N mails at the SMTP server: ${MAILT} ms (target < 60000: $(verdict "$MAILT" 60000)); sender VmHWM ${MHWM} KiB"
} | tee "$RESULTS"
