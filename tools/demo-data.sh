#!/bin/sh
# demo-data.sh: fills a Beacon store with realistic demo data through the CLI (groups, components,
# two resolved incidents with postmortems, one open incident, one upcoming maintenance).
# usage: tools/demo-data.sh BEACON CONFIG   (runs `beacon init` first when the store is empty;
# then prints the admin token on stdout)
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BEACON CONFIG" >&2; exit 2; }
BEACON=$1
CONF=$2
b() { "$BEACON" --config "$CONF" "$@"; }
# UTC time of day $2 (HH:MM) on the day $1 days ago, e.g. at 15 08:50
at() { date -u -d "$1 days ago" "+%Y-%m-%dT$2:00Z"; }
# UTC time $1 minutes from now (negative: ago)
minutes() { date -u -d "$1 minutes" '+%Y-%m-%dT%H:%M:00Z'; }

if ! b group list >/dev/null 2>&1; then
	token=$(b init)
	echo "admin token: $token"
fi
if [ -n "$(b component list)" ]; then
	echo "demo-data: the store already has components; not adding demo data" >&2
	exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

channels=$(b group add --name Channels --description "Messaging channels connected to the platform")
platform=$(b group add --name Platform --description "Core platform services")
whatsapp=$(b component add --name WhatsApp --group "$channels" --description "WhatsApp Business messaging" --start-date 2024-01-15)
messenger=$(b component add --name "Facebook Messenger" --group "$channels" --start-date 2024-01-15)
instagram=$(b component add --name "Instagram Direct Messages" --group "$channels" --start-date 2024-03-01)
feed=$(b component add --name "Facebook Feed" --group "$channels" --start-date 2024-03-01)
b component add --name "Web widget" --group "$channels" --description "Chat widget embedded in customer sites" --start-date 2024-06-01 >/dev/null
api=$(b component add --name API --group "$platform" --description "REST API and webhooks" --start-date 2024-01-15)
website=$(b component add --name Website --group "$platform" --start-date 2024-01-15)
dashboard=$(b component add --name Dashboard --group "$platform" --description "Agent and admin dashboard" --start-date 2024-01-15)
workflow=$(b component add --name "Workflow engine" --group "$platform" --description "Bot flows and integrations" --start-date 2024-02-01)

# An older incident: partial outage of the workflow engine, about 40 days ago.
cat > "$TMP/investigating2.md" <<'EOF'
We are currently investigating an issue that may be affecting workflows and integrations. Our technical team is actively reviewing the situation and will provide an update within the next 30 minutes.
EOF
inc2=$(b incident open --name "Workflow Intermittency" --status investigating --impact minor \
	--body-file "$TMP/investigating2.md" --at "$(at 40 16:10)" \
	--component "$workflow=partial_outage" --component "$api=degraded_performance")
b incident update "$inc2" --status identified --at "$(at 40 16:30)" \
	--body "We are working on a fix for this incident."
b incident update "$inc2" --status monitoring --at "$(at 40 16:50)" \
	--body "We implemented a fix and are currently monitoring the result." \
	--component "$workflow=operational" --component "$api=operational"
b incident resolve "$inc2" --at "$(at 40 17:07)"
cat > "$TMP/postmortem2.md" <<'EOF'
## Incident Summary

During an automated hardening and infrastructure controls strengthening process, a temporary disruption occurred in some platform services. The intervention began at approximately 11:10 (UTC-5); the infrastructure team applied the corresponding fix at around 11:30, conducted behavior monitoring until 11:50, and confirmed full service stabilization at approximately 12:07.

## Impact

Certain services related to workflows and integrations experienced intermittency and availability errors for approximately 30 minutes. There was no data loss. There was no security compromise or unauthorized access.

## Root Cause

An internal connectivity dependency between platform services reacted in an unexpected way. The dependency had a lower-than-optimal level of detail in the configuration inventory, which caused a temporary degradation in communication between components.

## Resolution

Validation controls before and after each infrastructure change are being deepened, monitoring and early alerting expanded, and the internal connectivity dependency inventory strengthened.
EOF
b incident postmortem "$inc2" --body-file "$TMP/postmortem2.md" --publish --at "$(at 39 15:00)"

# The reference incident: a major outage about 15 days ago (8:50 AM to 2:36 PM, UTC-5).
cat > "$TMP/investigating1.md" <<'EOF'
We are currently experiencing a service disruption affecting the platform functionality. At the moment, chats may not respond and some platform features could be unavailable.

Our technical team is already investigating the issue with high priority and working to restore the service as soon as possible.

We will keep you updated in the next 30 minutes with more information.

Thank you for your patience
EOF
inc1=$(b incident open --name "🚨 Platform Service Interruption" --status investigating --impact major \
	--body-file "$TMP/investigating1.md" --at "$(at 15 13:50)" \
	--component "$website=major_outage" --component "$whatsapp=major_outage" \
	--component "$messenger=major_outage" --component "$instagram=major_outage" \
	--component "$feed=major_outage")
b incident update "$inc1" --status identified --at "$(at 15 15:20)" \
	--body "The issue has been identified in the cache cluster after an automatic failover. Our team is restoring the connections of the affected services."
b incident update "$inc1" --status monitoring --at "$(at 15 17:51)" \
	--body "We implemented a fix and are currently monitoring the result." \
	--component "$website=operational" --component "$whatsapp=operational" \
	--component "$messenger=operational" --component "$instagram=operational" \
	--component "$feed=operational"
b incident resolve "$inc1" --at "$(at 15 19:36)"
cat > "$TMP/postmortem1.md" <<'EOF'
RCA

## Incident Summary

On March 16, 2026, between 03:44 and 07:45 UTC, a temporary degradation occurred in the message processing and workflow services. The issue was triggered by an automatic failover event in the cache cluster. During the failover process, some services experienced a brief interruption in communication with the in-memory database, which resulted in temporary latency in request processing.

## Impact

During the incident window, the system experienced temporary delays in the processing of some messages. Certain users may have noticed increased response times from the service.

The cache hit rate temporarily decreased from its normal operating level, which led to increased processing times for some requests. Service performance gradually recovered as the system re-established normal operations.

## Detection

The incident was proactively detected through automated monitoring alerts configured in the system. These alerts identified variations in the performance of the workflow service and in the operation of the cache cluster.

The alerts enabled the infrastructure team to begin investigating the event promptly.

## Response

The infrastructure team analyzed cache cluster metrics and dependent services to determine the source of the degradation. It was identified that an automatic failover event had occurred in the cluster as part of the high availability and protection mechanisms of the managed cache service.

It was confirmed that this event was not related to any security incident. The system stabilized progressively as services re-established their connections and the cache returned to normal operational levels.

## Root Cause

The incident was caused by the combination of the following factors:

1. An automatic failover event occurred in the cache cluster at 03:44 UTC. These events are part of the high availability mechanisms of the managed cache service and may occur either as scheduled maintenance or in response to infrastructure conditions.
2. During the failover process, platform services needed to re-establish their connections with the new active node. This resulted in a temporary reconnection period that briefly affected cache efficiency.
3. The temporary reduction in cache efficiency increased request processing times during the system stabilization period.

## Resolution and Improvements

In response to this incident, the engineering team is implementing the following improvements:

1. Optimization of service connectivity configurations with the cache cluster to ensure that failover events remain fully transparent to platform operations.
2. Implementation of proactive multi-layer monitoring capable of detecting failover events early and tracking their impact across platform services.
3. Deployment of a centralized observability dashboard to improve incident identification and accelerate resolution times for the infrastructure team.
4. Optimization of service auto-reconnection mechanisms to minimize recovery time during failover events.

These measures are designed to prevent the recurrence of similar situations and ensure service continuity during infrastructure maintenance events.
EOF
b incident postmortem "$inc1" --body-file "$TMP/postmortem1.md" --publish --at "$(at 14 16:00)"

# An open incident: WhatsApp delivery is degraded right now.
b incident open --name "WhatsApp Messaging Service – Increased Latency & Delayed Delivery" \
	--status investigating --impact minor --at "$(minutes -20)" \
	--body "WhatsApp messages are currently experiencing delays in responses. We are currently investigating this incident." \
	--component "$whatsapp=degraded_performance" >/dev/null

# An upcoming maintenance window in three days.
b maintenance schedule --name "Database maintenance" \
	--from "$(date -u -d '3 days' '+%Y-%m-%dT06:00:00Z')" --until "$(date -u -d '3 days' '+%Y-%m-%dT08:00:00Z')" \
	--component "$api" --component "$dashboard" \
	--body "We will upgrade the primary database cluster. The API and the dashboard may respond slowly for a few minutes during the window." >/dev/null
echo "demo-data: done"
