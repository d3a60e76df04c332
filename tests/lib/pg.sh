# pg.sh: a throwaway PostgreSQL for tests, the demo and the benchmark.
#
#   . tests/lib/pg.sh; pg_start     # sets PGHOST PGPORT PGUSER PGDATABASE
#   ...                             # pg_stop runs on exit, even on failure
#
# initdb into a temporary folder, unix socket only (listen_addresses=''),
# trust for the local superuser plus one password account (pf_pw, password
# in $PG_TEST_PASSWORD) for authentication tests. initdb refuses to run as
# root, so as root the server runs as the `postgres` user.

pg_bindir() {
    d=$(pg_config --bindir 2>/dev/null)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    return 1
}

pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    PG_BIN=$(pg_bindir) || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 3; }
    PG_DIR=$(mktemp -d /tmp/prodfuzz-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    PG_TEST_PASSWORD=${PG_TEST_PASSWORD:-pf-test-secret-$$}
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust \
            --no-sync -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
        echo "pg.sh: initdb failed:" >&2; cat "$PG_DIR/initdb.log" >&2; return 3
    fi
    cat >"$PG_DIR/data/pg_hba.conf" <<HBA
local all pf_pw scram-sha-256
local all all trust
HBA
    PGPORT=${PGPORT_TEST:-$((20000 + $$ % 20000))}
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -p $PGPORT -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=40" \
            start >/dev/null 2>&1; then
        echo "pg.sh: server did not start:" >&2; cat "$PG_DIR/server.log" >&2; return 3
    fi
    trap pg_stop EXIT INT TERM
    export PGHOST="$PG_DIR" PGPORT PGUSER=postgres PGDATABASE=postgres PG_TEST_PASSWORD PG_DIR PG_BIN
    "$PG_BIN/psql" -qX -v ON_ERROR_STOP=1 -c "CREATE ROLE pf_pw LOGIN PASSWORD '$PG_TEST_PASSWORD'" >/dev/null
}

pg_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    fi
    [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
    PG_DIR=
}

# pg_fixture_db DB FIXTURE LOG: for an integration test (assert.sh
# sourced, the server of pg_start running): a fresh database DB with the
# SQL file FIXTURE loaded, psql's output in LOG; the test fails and ends
# when it does not load.
pg_fixture_db() {
    local psql=("$PG_BIN/psql" -qX -v ON_ERROR_STOP=1)
    "${psql[@]}" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1
    if ! "${psql[@]}" -d "$1" -f "$2" >"$3" 2>&1; then
        t_fail "fixture $(basename "$2") loads into $1" "$(cat "$3")"
        exit 1
    fi
}
