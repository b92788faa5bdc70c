#!/bin/sh
# docker-compose's agents: enrol once (the identity lands in the state volume), then run.
# UPKEEP_ENROLL_TOKEN comes from `upkeep enroll-token create` (docs/operations.md).
set -eu
state="${UPKEEP_ROOT:-}/var/lib/upkeep"
if [ ! -f "$state/agent-identity.json" ]; then
  if [ -z "${UPKEEP_ENROLL_TOKEN:-}" ]; then
    echo "upkeep-agent: not enrolled and UPKEEP_ENROLL_TOKEN is empty; create one with" >&2
    echo "  upkeep enroll-token create --ttl 1h   and put it in .env (docs/operations.md)" >&2
    exit 78
  fi
  upkeep-agent enroll --server "$UPKEEP_SERVER" --token "$UPKEEP_ENROLL_TOKEN" \
    --ca-file "$UPKEEP_CA_FILE" --label "runtime=compose"
fi
exec upkeep-agent run
