#!/bin/sh
# A throwaway cluster in /tmp (tmpfs), listening on 127.0.0.1:$PGPORT only, password auth.
set -eu
: "${PGPORT:=5432}" "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
BIN=/usr/lib/postgresql/15/bin
DATA=/tmp/pgdata
printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
"$BIN/initdb" -D "$DATA" -U postgres --auth=scram-sha-256 --pwfile=/tmp/pwfile -E UTF8 >/dev/null
rm -f /tmp/pwfile
exec "$BIN/postgres" -D "$DATA" -c listen_addresses=127.0.0.1 -p "$PGPORT" \
  -c unix_socket_directories=/tmp -c max_connections=100
