BEACON=/work/main/build-apiv1/beacon
. "$(dirname "$0")/lib.sh"
bk_default_setup
PID=$(curl -s -H "Authorization: OAuth $ADMIN_TOKEN" "$URL/v1/pages" | jq -r '.[0].id')
echo "page $PID"
H="Authorization: OAuth $ADMIN_TOKEN"
curl -s -H "$H" "$URL/v1/pages/$PID" | head -c 600; echo
curl -s -H "$H" -X POST -d '{"component":{"name":"API","description":"REST"}}' "$URL/v1/pages/$PID/components" ; echo
C=$(curl -s -H "$H" "$URL/v1/pages/$PID/components.json" | jq -r '.[0].id'); echo "comp $C"
curl -s -H "$H" -X POST -d "{\"component_group\":{\"name\":\"Platform\",\"components\":[\"$C\"]}}" "$URL/v1/pages/$PID/component-groups" ; echo
curl -s -H "$H" -X POST -d "{\"incident\":{\"name\":\"Down\",\"status\":\"investigating\",\"body\":\"Looking\",\"components\":{\"$C\":\"major_outage\"}}}" "$URL/api/v1/pages/$PID/incidents"; echo
I=$(curl -s -H "$H" "$URL/v1/pages/$PID/incidents/unresolved.json" | jq -r '.[0].id'); echo "inc $I"
curl -s -H "$H" -X PATCH -d "incident[status]=resolved&incident[components][$C]=operational&incident[message]=fixed" "$URL/v1/pages/$PID/incidents/$I.json" | jq -c '{status,impact,n:(.incident_updates|length),u:.incident_updates[0]}'
curl -s -H "$H" "$URL/v1/openapi.json" | jq -r .openapi
curl -s -H "$H" -X PUT -d '{"postmortem":{"body_draft":"# What happened"}}' "$URL/v1/pages/$PID/incidents/$I/postmortem"; echo
curl -s -H "$H" -X PUT "$URL/v1/pages/$PID/incidents/$I/postmortem/publish"; echo
curl -s "$URL/api/v2/incidents.json" | jq -c '.incidents[0] | {status, name}'
bk_cli 2>/dev/null; $BEACON --config $CONF audit list 2>&1 | head -5
tail -5 $LOG
bk_done
