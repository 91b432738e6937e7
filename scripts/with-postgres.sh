#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL on a free loopback port, exported as TOCSIN_TEST_PG_URL.
# If TOCSIN_TEST_PG_URL is already set, that server is used as it is. If no PostgreSQL is installed,
# Debian's `postgresql` package is installed (CI machines are fresh). The server and its data are
# removed when the command ends, however it ends.
set -euo pipefail

if [ -n "${TOCSIN_TEST_PG_URL:-}" ]; then
  export TOCSIN_REQUIRE_PG=1
  exec "$@"
fi

find_bindir() {
  local best=""
  for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best="$d"
  done
  echo "$best"
}

PGBIN=$(find_bindir)
if [ -z "$PGBIN" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "with-postgres: installing Debian's postgresql package" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(find_bindir)
  fi
fi
if [ -z "$PGBIN" ]; then
  echo "with-postgres: no PostgreSQL found and cannot install it (need root and apt-get);" \
       "set TOCSIN_TEST_PG_URL to a server to test against" >&2
  exit 1
fi

TMP=$(mktemp -d /tmp/tocsin-pg.XXXXXX)
chmod 755 "$TMP"
AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  chown postgres "$TMP"
  AS=(runuser -u postgres --)  # initdb refuses to run as root
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

"${AS[@]}" "$PGBIN/initdb" -D "$TMP/data" -U tocsin --auth=trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
  || { cat "$TMP/initdb.log" >&2; exit 1; }
"${AS[@]}" "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w -t 60 \
  -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$TMP/server.log" >&2; exit 1; }
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U tocsin tocsin_test

export TOCSIN_TEST_PG_URL="postgresql://tocsin@127.0.0.1:$PORT/tocsin_test"
export TOCSIN_REQUIRE_PG=1
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
set +e
"$@"
status=$?
exit $status
