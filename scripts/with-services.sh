#!/usr/bin/env bash
# Runs a command with a real PostgreSQL and Redis available, starting local ones from the
# installed server binaries (Debian's postgresql and redis-server) when DATABASE_URL or
# REDIS_URL are not given. The servers keep running afterwards so repeated runs are fast;
# `scripts/with-services.sh --stop` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE_DIR="${NERVE_STATE_DIR:-$PWD/.cache}"
PG_PORT="${NERVE_PG_PORT:-55432}"
REDIS_PORT="${NERVE_REDIS_PORT:-56379}"
# Outside the checkout: the postgres user may not be able to enter it (e.g. under /root).
PG_DIR="${NERVE_PG_DIR:-${TMPDIR:-/tmp}/nerve-pg-$PG_PORT}"
mkdir -p "$STATE_DIR"

pg_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  ls /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1
}

# PostgreSQL refuses to run as root; run it as the postgres user the Debian package creates.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-}" = "--stop" ]; then
  [ -d "$PG_DIR" ] && as_pg "$(pg_bin pg_ctl)" -D "$PG_DIR" stop -m fast || true
  redis-cli -p "$REDIS_PORT" shutdown nosave 2>/dev/null || true
  exit 0
fi

if [ -z "${DATABASE_URL:-}" ]; then
  PG_CTL=$(pg_bin pg_ctl); INITDB=$(pg_bin initdb)
  if [ -z "$PG_CTL" ] || [ -z "$INITDB" ]; then
    echo "PostgreSQL server binaries not found: install Debian's postgresql or set DATABASE_URL" >&2; exit 1
  fi
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    as_pg "$INITDB" -D "$PG_DIR" -U postgres --auth=trust >/dev/null
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null && ! as_pg "$PG_CTL" -D "$PG_DIR" status >/dev/null 2>&1; then
    as_pg "$PG_CTL" -D "$PG_DIR" -l "$PG_DIR/server.log" -w \
      -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  fi
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='nerve'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE nerve"
  export DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/nerve"
fi

if [ -z "${REDIS_URL:-}" ]; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server not found: install Debian's redis-server or set REDIS_URL" >&2; exit 1
  fi
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --logfile "$STATE_DIR/redis.log" >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
fi

exec "$@"
