#!/bin/sh
# test_cli.sh: every CLI subcommand's happy path and refusals; refusals change nothing; backup; check;
# demo data; a running `beacon serve` sees CLI writes at once.
. "$(dirname "$0")/lib.sh"

CONF="$T/beacon.conf"; STORE="$T/store"; SOCK="$T/beacon.sock"
mkdir -p "$STORE"
bk_make_conf "$CONF" "$STORE" "$SOCK"

# rc CMD... : runs CMD with stdout in $T/out and stderr in $T/err; prints its exit status.
rc() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
# Everything a CLI write could change, as the CLI lists it.
snapshot() {
	bk_cli component list --json; bk_cli group list --json; bk_cli token list --json
	bk_cli incident list --json --limit 1000; bk_cli maintenance list --json --limit 1000
}
# refuse DESC CODE MESSAGE ARGS... : the command exits CODE, says MESSAGE on stderr, changes nothing.
refuse() {
	d=$1; want=$2; msg=$3; shift 3
	before=$(snapshot)
	assert_eq "$d: exit $want" "$want" "$(rc bk_cli "$@")"
	assert_contains "$d: message" "$(cat "$T/err")" "$msg"
	assert_eq "$d: nothing changed" "$before" "$(snapshot)"
}
ms() { echo $(( $(date -u -d "$1" +%s) * 1000 )); }
jqo() { jq -r "$1" "$T/out"; }

# ---- check and config errors ----
assert_eq "check: exit 0" 0 "$(rc bk_cli check)"
assert_eq "check: configuration OK" "configuration OK" "$(head -1 "$T/out")"
assert_contains "check: says who can reach the socket" "$(cat "$T/out")" "listen: unix:$SOCK (mode 0660, group www-data)"
cp "$CONF" "$T/bad.conf"; echo "no_such_key = 1" >> "$T/bad.conf"
line=$(wc -l < "$T/bad.conf")
assert_eq "bad config key: exit 1" 1 "$(rc "$BEACON" --config "$T/bad.conf" check)"
assert_contains "bad config key: file:line: reason" "$(cat "$T/err")" "$T/bad.conf:$line: "
assert_eq "unknown command: exit 2" 2 "$(rc bk_cli frobnicate)"

# ---- init ----
assert_eq "component list before init fails" 1 "$(rc bk_cli component list)"
assert_contains "before init: says to run init" "$(cat "$T/err")" "beacon init"
assert_eq "init: exit 0" 0 "$(rc bk_cli init)"
assert_eq "init: one line" 1 "$(wc -l < "$T/out")"
ADMIN=$(cat "$T/out")
check "init: token shape" sh -c "echo '$ADMIN' | grep -Eq '^bk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}\$'"
refuse "init twice" 1 "already initialised" init
assert_eq "init --force-token: exit 0" 0 "$(rc bk_cli init --force-token)"
assert_ne "init --force-token: a new token" "$ADMIN" "$(cat "$T/out")"
assert_eq "init --force-token: one line" 1 "$(wc -l < "$T/out")"

# ---- tokens ----
assert_eq "token create read" 0 "$(rc bk_cli token create --scope read --name reader)"
READ_ID=$(cut -c4-15 "$T/out")
check "token list shows it" sh -c "'$BEACON' --config '$CONF' token list | grep -q '^$READ_ID .*read.*reader'"
assert_eq "token list: three tokens" 3 "$(bk_cli token list --json | jq length)"
refuse "token bad scope" 1 "--scope: expected one of read, write, admin, replication" token create --scope root
refuse "token without scope" 2 "--scope is required" token create
refuse "token name too long" 1 "--name: longer than 64 bytes" token create --scope read --name "$(printf '%065d' 0)"
refuse "token revoke unknown" 1 "no token 'zzzzzzzzzzzz'" token revoke zzzzzzzzzzzz
assert_eq "token revoke" 0 "$(rc bk_cli token revoke "$READ_ID")"
assert_eq "token revoked: two left" 2 "$(bk_cli token list --json | jq length)"

# ---- groups and components ----
G1=$(bk_cli group add --name Channels --description "Messaging channels")
G2=$(bk_cli group add --name Platform)
assert_eq "group list: two, in order" "Channels Platform" "$(bk_cli group list --json | jq -r '[.[].name] | join(" ")')"
C1=$(bk_cli component add --name WhatsApp --group "$G1" --description "WA" --start-date 2024-01-15)
C2=$(bk_cli component add --name API --group "$G2" --status degraded_performance --showcase no)
C3=$(bk_cli component add --name Website --position 7 --only-show-if-degraded yes)
check "component ids are 12 base36" sh -c "printf '%s\n' '$C1' '$C2' '$C3' | grep -Ecx '[a-z0-9]{12}' | grep -qx 3"
bk_cli component list --json > "$T/out"
assert_eq "component list: three" 3 "$(jqo length)"
assert_eq "component: group" "$G1" "$(jqo ".[] | select(.id == \"$C1\") | .group_id")"
assert_eq "component: start date" "2024-01-15" "$(jqo ".[] | select(.id == \"$C1\") | .start_date")"
assert_eq "component: status" "degraded_performance" "$(jqo ".[] | select(.id == \"$C2\") | .status")"
assert_eq "component: showcase no" "false" "$(jqo ".[] | select(.id == \"$C2\") | .showcase")"
assert_eq "component: only_show_if_degraded" "true" "$(jqo ".[] | select(.id == \"$C3\") | .only_show_if_degraded")"
assert_eq "component: position" "7" "$(jqo ".[] | select(.id == \"$C3\") | .position")"
assert_eq "component: ungrouped" "null" "$(jqo ".[] | select(.id == \"$C3\") | .group_id")"

N255=$(printf '%0255d' 0)
refuse "component bad status" 1 \
	"beacon: component add: --status: expected one of operational, degraded_performance, partial_outage, major_outage, under_maintenance" \
	component add --name X --status broken
refuse "component name 256 bytes" 1 "--name: longer than 255 bytes" component add --name "${N255}0"
refuse "component without name" 2 "--name is required" component add --status operational
refuse "component empty name" 1 "--name: must not be empty" component add --name ""
refuse "component unknown option" 2 "unknown option '--colour'" component add --name X --colour red
refuse "component option without value" 2 "--name needs a value" component add --name
refuse "component unknown group" 1 "--group: no group 'zzzzzzzzzzzz'" component add --name X --group zzzzzzzzzzzz
refuse "component bad showcase" 1 "--showcase: expected one of yes, no" component add --name X --showcase maybe
refuse "component bad position" 1 "--position: expected a whole number" component add --name X --position -3
refuse "component bad start date" 1 "--start-date: expected a date YYYY-MM-DD" component add --name X --start-date 2024-02-30
refuse "component set unknown id" 1 "no component 'zzzzzzzzzzzz'" component set zzzzzzzzzzzz --status operational
refuse "component set without id" 2 "missing argument" component set
refuse "component set bad status keeps all" 1 "--status: expected one of" component set "$C1" --name Renamed --status nope
refuse "component del unknown" 1 "no component 'zzzzzzzzzzzz'" component del zzzzzzzzzzzz
refuse "component unknown subcommand" 2 "unknown subcommand 'frob'" component frob
refuse "group without name" 2 "--name is required" group add
refuse "group name too long" 1 "--name: longer than 255 bytes" group add --name "${N255}0"
refuse "group set unknown" 1 "no group 'zzzzzzzzzzzz'" group set zzzzzzzzzzzz --name X
refuse "group del unknown" 1 "no group 'zzzzzzzzzzzz'" group del zzzzzzzzzzzz
assert_eq "component add -h: exit 0" 0 "$(rc bk_cli component add -h)"
assert_contains "component add -h: usage" "$(cat "$T/out")" "usage: beacon component add --name NAME"

assert_eq "component name of 255 bytes is fine" 0 "$(rc bk_cli component add --name "$N255")"
C4=$(cat "$T/out")
assert_eq "component set" 0 "$(rc bk_cli component set "$C4" --name "Dashboard" --group "$G2" --status partial_outage)"
bk_cli component list --json > "$T/out"
assert_eq "component set: name" "Dashboard" "$(jqo ".[] | select(.id == \"$C4\") | .name")"
assert_eq "component set: status" "partial_outage" "$(jqo ".[] | select(.id == \"$C4\") | .status")"
assert_eq "component set: group" "$G2" "$(jqo ".[] | select(.id == \"$C4\") | .group_id")"
assert_eq "component set --group none" 0 "$(rc bk_cli component set "$C4" --group none --status operational)"
assert_eq "component ungrouped" "null" "$(bk_cli component list --json | jq -r ".[] | select(.id == \"$C4\") | .group_id")"
assert_eq "component del" 0 "$(rc bk_cli component del "$C4")"
assert_eq "component deleted" "" "$(bk_cli component list --json | jq -r ".[] | select(.id == \"$C4\") | .id")"
assert_eq "group set" 0 "$(rc bk_cli group set "$G2" --name "Core platform" --position 9)"
assert_eq "group set: name" "Core platform" "$(bk_cli group list --json | jq -r ".[] | select(.id == \"$G2\") | .name")"
G3=$(bk_cli group add --name Temporary)
C5=$(bk_cli component add --name Widget --group "$G3")
assert_eq "group del" 0 "$(rc bk_cli group del "$G3")"
assert_eq "group del ungroups its components" "null" \
	"$(bk_cli component list --json | jq -r ".[] | select(.id == \"$C5\") | .group_id")"

# ---- incidents ----
bk_cli component set "$C2" --status operational
T0=$(date -u -d '15 days ago' '+%Y-%m-%d 08:50')
T1=$(date -u -d '15 days ago' '+%Y-%m-%dT10:15:00Z')
T2=$(date -u -d '15 days ago' '+%Y-%m-%dT12:51:00Z')
T3=$(date -u -d '15 days ago' '+%Y-%m-%dT14:36:00Z')
assert_eq "incident open" 0 "$(rc bk_cli incident open --name "Platform Service Interruption" --status investigating \
	--impact major --body "Chats may not respond." --component "$C1=major_outage" --component "$C2=partial_outage" --at "$T0")"
I1=$(cat "$T/out")
bk_cli component list --json > "$T/out"
# the incident is dated 15 days back: C1 had no change since, so the outage is its current status;
# C2 was set operational since, and a back-dated change never overwrites a later state
assert_eq "open: component 1 status" "major_outage" "$(jqo ".[] | select(.id == \"$C1\") | .status")"
assert_eq "open: back-dated change leaves the later status" "operational" "$(jqo ".[] | select(.id == \"$C2\") | .status")"
bk_cli incident show "$I1" --json > "$T/out"
assert_eq "open: status" "investigating" "$(jqo .status)"
assert_eq "open: impact" "major" "$(jqo .impact)"
assert_eq "open: back-dated start" "$(ms "$T0")" "$(jqo .started_at)"
assert_eq "open: one update" 1 "$(jqo '.updates | length')"
assert_eq "open: update body" "Chats may not respond." "$(jqo '.updates[0].body')"
assert_eq "open: update display_at" "$(ms "$T0")" "$(jqo '.updates[0].display_at')"
assert_eq "open: affected old/new" "operational>major_outage" \
	"$(jqo ".updates[0].affected[] | select(.component_id == \"$C1\") | .old_status + \">\" + .new_status")"
assert_eq "open: two components" 2 "$(jqo '.components | length')"

refuse "incident bad status" 1 "--status: expected one of investigating, identified, monitoring, resolved" \
	incident open --name X --status scheduled --impact minor
refuse "incident bad impact" 1 "--impact: expected one of none, minor, major, critical" \
	incident open --name X --status investigating --impact huge
refuse "incident missing status" 2 "are required" incident open --name X
refuse "incident name 256 bytes" 1 "--name: longer than 255 bytes" \
	incident open --name "${N255}0" --status investigating --impact minor
refuse "incident bad component status" 1 "--component: expected one of operational" \
	incident open --name X --status investigating --impact minor --component "$C1=down"
refuse "incident component without status" 1 "--component: expected NAME=STATUS or ID=STATUS" \
	incident open --name X --status investigating --impact minor --component "$C1"
refuse "incident unknown component" 1 "--component: no component 'zzzzzzzzzzzz'" \
	incident open --name X --status investigating --impact minor --component "$C3=major_outage" --component zzzzzzzzzzzz=major_outage
refuse "incident bad time" 1 "--at: expected a time like" \
	incident open --name X --status investigating --impact minor --at "yesterday"
refuse "incident future time" 1 "is in the future" \
	incident open --name X --status investigating --impact minor --at "2099-01-01T00:00:00Z"
refuse "incident missing body file" 1 "--body-file: $T/nope" \
	incident open --name X --status investigating --impact minor --body-file "$T/nope"
head -c 65537 /dev/zero | tr '\0' a > "$T/big.md"
refuse "incident body too big" 1 "longer than 65536 bytes" \
	incident open --name X --status investigating --impact minor --body-file "$T/big.md"
refuse "update unknown incident" 1 "no incident 'zzzzzzzzzzzz'" incident update zzzzzzzzzzzz --status identified
refuse "update without status" 2 "--status is required" incident update "$I1"
refuse "update before last update" 1 "before the incident's last update" \
	incident update "$I1" --status identified --at "$(date -u -d '16 days ago' '+%Y-%m-%d 08:50')"
refuse "postmortem published on an open incident" 1 "a postmortem is published after the incident is resolved" \
	incident postmortem "$I1" --body "RCA" --publish

assert_eq "incident update identified" 0 "$(rc bk_cli incident update "$I1" --status identified --at "$T1" --body "Found it.")"
assert_eq "incident update monitoring" 0 "$(rc bk_cli incident update "$I1" --status monitoring --at "$T2" \
	--component "$C1=operational")"
bk_cli incident show "$I1" --json > "$T/out"
assert_eq "monitoring: monitoring_at" "$(ms "$T2")" "$(jqo .monitoring_at)"
assert_eq "monitoring: default body" "A fix has been implemented and we are monitoring the results." "$(jqo '.updates[2].body')"
assert_eq "monitoring: affected" "major_outage>operational" \
	"$(jqo '.updates[2].affected[0] | .old_status + ">" + .new_status')"
assert_eq "list --open has it" "$I1" "$(bk_cli incident list --open --json | jq -r '.[].id')"
assert_eq "incident resolve" 0 "$(rc bk_cli incident resolve "$I1" --at "$T3")"
bk_cli incident show "$I1" --json > "$T/out"
assert_eq "resolved: status" "resolved" "$(jqo .status)"
assert_eq "resolved: resolved_at" "$(ms "$T3")" "$(jqo .resolved_at)"
assert_eq "resolved: four updates" 4 "$(jqo '.updates | length')"
assert_eq "resolved: components restored" "operational operational" \
	"$(bk_cli component list --json | jq -r "[.[] | select(.id == \"$C1\" or .id == \"$C2\") | .status] | join(\" \")")"
refuse "resolve twice" 1 "already resolved" incident resolve "$I1"
assert_eq "list --open empty" 0 "$(bk_cli incident list --open --json | jq length)"
printf '# RCA\n\nThe cache cluster failed over.\n' > "$T/pm.md"
assert_eq "postmortem draft" 0 "$(rc bk_cli incident postmortem "$I1" --body-file "$T/pm.md")"
bk_cli incident show "$I1" --json > "$T/out"
assert_contains "postmortem: draft text" "$(jqo .postmortem_draft)" "The cache cluster failed over."
assert_eq "postmortem: nothing published yet" "null" "$(jqo .postmortem_body)"
assert_eq "postmortem: draft unpublished" 0 "$(jqo .postmortem_published_at)"
assert_eq "postmortem publish" 0 "$(rc bk_cli incident postmortem "$I1" --body-file "$T/pm.md" --publish)"
assert_ne "postmortem: published" 0 "$(bk_cli incident show "$I1" --json | jq .postmortem_published_at)"
assert_contains "postmortem: published text" "$(bk_cli incident show "$I1" --json | jq -r .postmortem_body)" \
	"The cache cluster failed over."
refuse "postmortem without body" 2 "--body-file is required" incident postmortem "$I1"

assert_eq "resolve --keep-components" 0 "$(rc bk_cli incident open --name "Slow API" --status identified --impact minor \
	--component "$C2=degraded_performance")"
I2=$(cat "$T/out")
bk_cli incident resolve "$I2" --keep-components
assert_eq "keep-components: status kept" "degraded_performance" \
	"$(bk_cli component list --json | jq -r ".[] | select(.id == \"$C2\") | .status")"
assert_eq "incident list: two" 2 "$(bk_cli incident list --json | jq length)"
assert_eq "incident list --limit 1" 1 "$(bk_cli incident list --json --limit 1 | jq length)"
check "incident list text" sh -c "'$BEACON' --config '$CONF' incident list | grep -q 'Platform Service Interruption'"
check "incident show text" sh -c "'$BEACON' --config '$CONF' incident show '$I1' | grep -q 'Found it.'"
refuse "incident list bad limit" 1 "--limit: expected a whole number" incident list --limit 0
refuse "incident show unknown" 1 "no incident 'zzzzzzzzzzzz'" incident show zzzzzzzzzzzz
assert_eq "incident del" 0 "$(rc bk_cli incident del "$I2")"
assert_eq "incident deleted" 1 "$(rc bk_cli incident show "$I2")"

# ---- maintenance ----
FROM=$(date -u -d '2 days' '+%Y-%m-%dT06:00:00Z'); UNTIL=$(date -u -d '2 days' '+%Y-%m-%dT08:00:00Z')
refuse "maintenance until before from" 1 "--until: must be after scheduled_for" \
	maintenance schedule --name DB --from "$UNTIL" --until "$FROM"
refuse "maintenance missing until" 2 "are required" maintenance schedule --name DB --from "$FROM"
refuse "maintenance unknown component" 1 "no component 'zzzzzzzzzzzz'" \
	maintenance schedule --name DB --from "$FROM" --until "$UNTIL" --component zzzzzzzzzzzz
assert_eq "maintenance schedule" 0 "$(rc bk_cli maintenance schedule --name "Database upgrade" --from "$FROM" \
	--until "$UNTIL" --component "$C3" --auto-start no)"
M1=$(cat "$T/out")
bk_cli maintenance list --json > "$T/out"
assert_eq "maintenance list: one" 1 "$(jqo length)"
assert_eq "maintenance: scheduled" "scheduled" "$(jqo '.[0].status')"
assert_eq "maintenance: window" "$(ms "$FROM")" "$(jqo '.[0].scheduled_for')"
assert_eq "maintenance: auto_start no" "false" "$(jqo '.[0].auto_start')"
assert_eq "maintenance not in incident list" 1 "$(bk_cli incident list --json | jq length)"
refuse "maintenance bad status" 1 "--status: expected one of in_progress, verifying, completed" \
	maintenance update "$M1" --status resolved
refuse "maintenance update of an incident" 1 "use 'beacon incident'" maintenance update "$I1" --status in_progress
assert_eq "maintenance in progress" 0 "$(rc bk_cli maintenance update "$M1" --status in_progress)"
assert_eq "in progress: component under maintenance" "under_maintenance" \
	"$(bk_cli component list --json | jq -r ".[] | select(.id == \"$C3\") | .status")"
assert_eq "maintenance complete" 0 "$(rc bk_cli maintenance complete "$M1")"
assert_eq "completed: component operational" "operational" \
	"$(bk_cli component list --json | jq -r ".[] | select(.id == \"$C3\") | .status")"
assert_eq "completed: status" "completed" "$(bk_cli incident show "$M1" --json | jq -r .status)"
refuse "complete twice" 1 "already completed" maintenance complete "$M1"

# ---- backup ----
assert_eq "backup" 0 "$(rc bk_cli backup "$T/backup.mdb")"
check "backup: mdb_stat reads it" mdb_stat -n "$T/backup.mdb"
check "backup: no temp file left" test ! -e "$T/backup.mdb.tmp"
refuse "backup over a file" 1 "exists (--force overwrites it)" backup "$T/backup.mdb"
assert_eq "backup --force" 0 "$(rc bk_cli backup --force "$T/backup.mdb")"
mkdir -p "$T/restored"; cp "$T/backup.mdb" "$T/restored/data.mdb"
bk_make_conf "$T/restored.conf" "$T/restored" "$T/restored.sock"
assert_eq "backup holds the same components" "$(bk_cli component list --json)" \
	"$("$BEACON" --config "$T/restored.conf" component list --json)"
assert_eq "backup holds the same incidents" "$(bk_cli incident list --json)" \
	"$("$BEACON" --config "$T/restored.conf" incident list --json)"

# ---- demo data ----
mkdir -p "$T/demo"
bk_make_conf "$T/demo.conf" "$T/demo" "$T/demo.sock"
assert_eq "demo-data.sh" 0 "$(rc sh "$ROOT/tools/demo-data.sh" "$BEACON" "$T/demo.conf")"
[ -s "$T/err" ] && printf '#   %s\n' "$(head -c 600 "$T/err")"
demo() { "$BEACON" --config "$T/demo.conf" "$@"; }
assert_eq "demo: nine components" 9 "$(demo component list --json | jq length)"
assert_eq "demo: groups" "Channels Platform" "$(demo group list --json | jq -r '[.[].name] | join(" ")')"
assert_eq "demo: three incidents" 3 "$(demo incident list --json | jq length)"
assert_eq "demo: one open" 1 "$(demo incident list --open --json | jq length)"
assert_eq "demo: one maintenance" 1 "$(demo maintenance list --json | jq length)"
assert_eq "demo: WhatsApp degraded" "degraded_performance" \
	"$(demo component list --json | jq -r '.[] | select(.name == "WhatsApp") | .status')"
PSI=$(demo incident list --json | jq -r '.[] | select(.name | test("Platform Service Interruption")) | .id')
demo incident show "$PSI" --json > "$T/out"
assert_eq "demo: reference incident updates" "investigating identified monitoring resolved" \
	"$(jqo '[.updates[].status] | join(" ")')"
assert_ne "demo: reference postmortem published" 0 "$(jqo .postmortem_published_at)"
assert_eq "demo: refuses a second run" 1 "$(rc sh "$ROOT/tools/demo-data.sh" "$BEACON" "$T/demo.conf")"

# ---- a running server sees CLI writes at once ----
if bk_start_serve "$CONF" "$SOCK" "$T/serve.log" && bk_start_nginx "$SOCK" nginx; then
	assert_status "serve: components.json" 200 "$NGINX_URL/api/v2/components.json"
	assert_not_contains "serve: new component absent" "$(cat "$T/body")" "Freshly added"
	bk_cli component add --name "Freshly added" >/dev/null; sleep 1.1   # the nginx microcache keeps a page 1 s
	assert_status "serve: components.json again" 200 "$NGINX_URL/api/v2/components.json"
	assert_contains "serve: sees the CLI write" "$(cat "$T/body")" "Freshly added"
else
	not_ok "serve and nginx start"
fi

bk_done
