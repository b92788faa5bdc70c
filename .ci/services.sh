#!/usr/bin/env bash
# Makes sure Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer,
# starting them with this machine's own commands when they do not. Tests that
# need them fail loudly when they are missing; this script only gives them a chance.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  echo "services: starting Postgres" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! redis_up; then
  echo "services: starting Redis" >&2
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no || true
fi

for _ in $(seq 1 30); do
  if pg_up && redis_up; then
    echo "services: Postgres and Redis answer" >&2
    exit 0
  fi
  sleep 1
done
pg_up || echo "services: Postgres at 127.0.0.1:5432 does not answer" >&2
redis_up || echo "services: Redis at 127.0.0.1:6379 does not answer" >&2
exit 1
