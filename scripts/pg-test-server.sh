#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite (loopback only, trust auth).
#
#   eval "$(scripts/pg-test-server.sh start [DIR])"   # exports GUANCE_BILLING_TEST_PG_URL
#   scripts/pg-test-server.sh stop [DIR]
#
# Uses Debian's binaries (/usr/lib/postgresql/N/bin, the newest N) or PGBIN.
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres`
# system user (created by the Debian package), else `nobody`.
set -euo pipefail

cmd=${1:-}
dir=${2:-${TMPDIR:-/tmp}/guance-billing-pg}
db=guance_billing_test

pgbin() {
  if [[ -n "${PGBIN:-}" ]]; then echo "$PGBIN"; return; fi
  local found="" dir
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -d "$dir" ]] && found=$(printf '%s\n' "$found" "$dir" | sed '/^$/d' | sort -V | tail -n 1)
  done
  if [[ -z "$found" ]]; then
    found=$(dirname "$(command -v pg_ctl || echo /usr/local/bin/pg_ctl)")
  fi
  echo "$found"
}

as_owner() {
  if [[ $(id -u) -ne 0 ]]; then "$@"; return; fi
  local user=postgres
  id -u "$user" >/dev/null 2>&1 || user=nobody
  runuser -u "$user" -- "$@"
}

owner() {
  if [[ $(id -u) -ne 0 ]]; then id -un; return; fi
  if id -u postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

case "$cmd" in
  start)
    bin=$(pgbin)
    [[ -x "$bin/initdb" ]] || { echo "initdb not found in $bin (install postgresql)" >&2; exit 1; }
    rm -rf "$dir"
    mkdir -p "$dir"
    chown "$(owner)" "$dir" 2>/dev/null || true
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-h 127.0.0.1 -p $port -k $dir -F -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    echo "export GUANCE_BILLING_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$port/$db"
    ;;
  stop)
    bin=$(pgbin)
    if [[ -d "$dir/data" ]]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
