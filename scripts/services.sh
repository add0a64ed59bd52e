#!/usr/bin/env bash
# Make PostgreSQL and Redis reachable for development and tests.
#
#   scripts/services.sh up      find or start both, write .local/services.env
#   scripts/services.sh env     same, then print the `export ...` lines
#   scripts/services.sh down    stop the private instances under .local/
#   scripts/services.sh status  show what is running under .local/
#   scripts/services.sh purge   down, then delete their data
#
# Resolution order, for each service:
#   1. DATABASE_URL / CELERY_BROKER_URL from the environment, used as is;
#   2. a server already answering on 127.0.0.1:5432 (user postgres, no
#      password) / 127.0.0.1:6379;
#   3. a private instance started from the Debian binaries, with its data under
#      .local/ (git-ignored), on 127.0.0.1:5544 / 127.0.0.1:6380.
#
# Knobs: AMENDS_PRIVATE_SERVICES=1 skips step 2; AMENDS_PG_PORT and
# AMENDS_REDIS_PORT move the private instances; AMENDS_DB_NAME names the
# database (default amends; pytest-django creates test_<name> next to it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOCAL=$ROOT/.local
ENV_FILE=$LOCAL/services.env

DB_NAME=${AMENDS_DB_NAME:-amends}
PRIVATE_ONLY=${AMENDS_PRIVATE_SERVICES:-0}
PG_PORT=${AMENDS_PG_PORT:-5544}
REDIS_PORT=${AMENDS_REDIS_PORT:-6380}
PG_DIR=$LOCAL/pg
REDIS_DIR=$LOCAL/redis

log() { echo "services: $*" >&2; }
# How to phrase an install hint for this user.
if [[ $EUID -eq 0 ]]; then APT="apt-get"; else APT="sudo apt-get"; fi
die() {
    log "$*"
    exit 1
}

# Probes and database creation use psycopg from the venv when it is there
# (`make` bootstraps the venv first); psql is the fallback when run by hand.
if [[ -x $ROOT/.venv/bin/python ]] && "$ROOT/.venv/bin/python" -c 'import psycopg' 2>/dev/null; then
    PY=$ROOT/.venv/bin/python
    HAVE_PSYCOPG=1
else
    PY=python3
    HAVE_PSYCOPG=0
fi

# --- PostgreSQL -------------------------------------------------------------

# pg_probe URL: succeeds if we can log in and run a query.
pg_probe() {
    if [[ $HAVE_PSYCOPG == 1 ]]; then
        "$PY" - "$1" <<'EOF' 2>/dev/null
import sys

import psycopg

psycopg.connect(sys.argv[1], connect_timeout=3).close()
EOF
    elif command -v psql >/dev/null 2>&1; then
        # -w: never stop to ask for a password.
        PGCONNECT_TIMEOUT=3 psql -w "$1" -Atqc 'select 1' >/dev/null 2>&1
    else
        return 1
    fi
}

# pg_ensure_db ADMIN_URL NAME: create the database unless it exists. Safe to
# run again and again, and against a concurrent creator.
pg_ensure_db() {
    if [[ $HAVE_PSYCOPG == 1 ]]; then
        "$PY" - "$1" "$2" <<'EOF'
import sys

import psycopg
from psycopg import errors, sql

url, name = sys.argv[1:]
with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    if exists.fetchone() is None:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"services: created database {name}", file=sys.stderr)
        except errors.DuplicateDatabase:
            pass
EOF
    else
        command -v psql >/dev/null 2>&1 || die "need psql or the venv (run: make bootstrap) to create the database"
        if [[ -z $(psql -w "$1" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$2'") ]]; then
            # May lose a race against a concurrent creator; that is fine.
            if psql -w "$1" -qc "CREATE DATABASE \"$2\"" >/dev/null 2>&1; then
                log "created database $2"
            fi
        fi
    fi
}

# Server binaries: PATH first, else the newest /usr/lib/postgresql/N/bin
# (Debian does not put initdb or pg_ctl on PATH).
find_pg_bin() {
    local dir
    if command -v pg_ctl >/dev/null 2>&1; then
        dir=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
        if [[ -x $dir/initdb ]]; then
            echo "$dir"
            return
        fi
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [[ -x $dir/pg_ctl && -x $dir/initdb ]]; then
            echo "$dir"
            return
        fi
    done
    return 1
}

# initdb and postgres refuse to run as root. As root we run them as the owner
# of an existing data folder, else as the `postgres` system user (created if
# missing). As anybody else we run them as ourselves.
PG_OS_USER=
pick_pg_user() {
    if [[ $EUID -ne 0 ]]; then
        return
    fi
    if [[ -e $PG_DIR ]]; then
        PG_OS_USER=$(stat -L -c %U "$PG_DIR")
    fi
    if [[ -z $PG_OS_USER || $PG_OS_USER == root || $PG_OS_USER == UNKNOWN ]]; then
        PG_OS_USER=postgres
    fi
    if ! id "$PG_OS_USER" >/dev/null 2>&1; then
        log "creating system user $PG_OS_USER to run PostgreSQL"
        useradd --system --user-group --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin "$PG_OS_USER"
    fi
}
as_pg() {
    if [[ -n $PG_OS_USER ]]; then
        # From /, as the project folder may be closed to that user.
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

# Create the (empty) data folder so that the PostgreSQL user owns it. If that
# user cannot reach .local/ (checkout under /root, say), the data lives in
# /var/tmp and .local/pg points to it.
prepare_pg_dir() {
    [[ -e $PG_DIR ]] && return
    mkdir -p "$PG_DIR"
    if [[ -n $PG_OS_USER ]]; then
        chown "$PG_OS_USER:" "$PG_DIR"
        if ! as_pg test -w "$PG_DIR"; then
            rmdir "$PG_DIR"
            local outside
            outside=/var/tmp/amends-pg-$(printf %s "$ROOT" | cksum | cut -d' ' -f1)
            mkdir -p "$outside"
            chown "$PG_OS_USER:" "$outside"
            ln -s "$outside" "$PG_DIR"
            log "user $PG_OS_USER cannot reach $LOCAL; PostgreSQL data goes to $outside"
        fi
    fi
    chmod 700 "$PG_DIR/"
}

# pg_ctl on our cluster. Paths are resolved first: the postgres user may be
# unable to follow them through .local/ (see prepare_pg_dir).
pg_ctl_() { as_pg "$PG_BIN/pg_ctl" -D "$(readlink -f "$PG_DIR")" "$@"; }
pg_running() { [[ -f $PG_DIR/postmaster.pid ]] && pg_ctl_ status >/dev/null 2>&1; }

start_private_pg() {
    PG_BIN=$(find_pg_bin) || die "PostgreSQL is not reachable on 127.0.0.1:5432 and its server binaries
  (initdb, pg_ctl) are not installed. Either install them:
      $APT install postgresql
  or point DATABASE_URL at a server, e.g. postgres://user:pass@host:5432/$DB_NAME"
    pick_pg_user

    if [[ ! -f $PG_DIR/PG_VERSION ]]; then
        prepare_pg_dir
        local locale=C.UTF-8
        locale -a 2>/dev/null | grep -qix 'c.utf-\?8' || locale=C
        log "initdb $PG_DIR (${PG_OS_USER:-$(id -un)}, $("$PG_BIN/pg_ctl" --version))"
        as_pg "$PG_BIN/initdb" -D "$(readlink -f "$PG_DIR")" -U postgres --auth=trust -E UTF8 \
            --locale="$locale" >"$LOCAL/pg-initdb.log" 2>&1 ||
            die "initdb failed; see $LOCAL/pg-initdb.log"
        # TCP on loopback only, no Unix socket (the default socket folder,
        # /var/run/postgresql, is not writable for everybody). A throwaway
        # development cluster: trade crash safety for speed.
        cat >>"$PG_DIR/postgresql.conf" <<'EOF'

# Private development instance of Amends (scripts/services.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi

    if pg_running; then
        # Already up from an earlier run: keep whatever port it listens on.
        PG_PORT=$(sed -n 4p "$PG_DIR/postmaster.pid")
    else
        log "starting private PostgreSQL on 127.0.0.1:$PG_PORT"
        if ! pg_ctl_ -l "$(readlink -f "$PG_DIR")/server.log" -o "-p $PG_PORT" \
            -w -t 60 start >/dev/null 9>&-; then
            tail -n 20 "$PG_DIR/server.log" >&2 || true
            die "PostgreSQL did not start (port $PG_PORT taken? set AMENDS_PG_PORT)"
        fi
    fi
}

stop_private_pg() {
    [[ -f $PG_DIR/postmaster.pid ]] || return 0
    PG_BIN=$(find_pg_bin) || die "cannot find pg_ctl to stop $PG_DIR"
    pick_pg_user
    if pg_running; then
        log "stopping private PostgreSQL ($PG_DIR)"
        pg_ctl_ -m fast -w stop >/dev/null
    fi
}

resolve_pg() {
    if [[ -n ${DATABASE_URL:-} ]]; then
        PG_SOURCE="DATABASE_URL from the environment"
        return
    fi
    if [[ $PRIVATE_ONLY != 1 ]] && pg_probe "postgres://postgres@127.0.0.1:5432/postgres"; then
        pg_ensure_db "postgres://postgres@127.0.0.1:5432/postgres" "$DB_NAME"
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
        PG_SOURCE="server on 127.0.0.1:5432"
        return
    fi
    start_private_pg
    pg_ensure_db "postgres://postgres@127.0.0.1:$PG_PORT/postgres" "$DB_NAME"
    DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$DB_NAME"
    PG_SOURCE="private instance on 127.0.0.1:$PG_PORT (.local/pg)"
}

# --- Redis ------------------------------------------------------------------

redis_ping() { # HOST PORT
    if command -v redis-cli >/dev/null 2>&1; then
        [[ $(timeout 3 redis-cli -h "$1" -p "$2" ping 2>/dev/null) == PONG ]]
    else
        "$PY" - "$1" "$2" <<'EOF'
import socket
import sys

try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2) as s:
        s.sendall(b"PING\r\n")
        ok = s.recv(64).startswith(b"+PONG")
except OSError:
    ok = False
sys.exit(0 if ok else 1)
EOF
    fi
}

# Our redis-server, if its pid file names a live redis-server process.
redis_pid() {
    local pid
    pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null) || return 1
    [[ -n $pid ]] && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

start_private_redis() {
    if redis_pid >/dev/null; then
        # Already up from an earlier run: keep whatever port it listens on.
        REDIS_PORT=$(cat "$REDIS_DIR/port" 2>/dev/null || echo "$REDIS_PORT")
        redis_ping 127.0.0.1 "$REDIS_PORT" && return
    fi
    command -v redis-server >/dev/null 2>&1 || die "Redis is not reachable on 127.0.0.1:6379 and redis-server is not installed.
  Either install it:
      $APT install redis-server
  or point CELERY_BROKER_URL at a server, e.g. redis://host:6379/0"
    mkdir -p "$REDIS_DIR"
    log "starting private Redis on 127.0.0.1:$REDIS_PORT"
    # Redis only carries task messages here: nothing needs to survive a restart.
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
        --dir "$REDIS_DIR" --save '' --appendonly no \
        --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" 9>&-
    echo "$REDIS_PORT" >"$REDIS_DIR/port"
    for _ in $(seq 50); do
        redis_ping 127.0.0.1 "$REDIS_PORT" && return
        sleep 0.2
    done
    tail -n 20 "$REDIS_DIR/redis.log" >&2 || true
    die "Redis did not start (port $REDIS_PORT taken? set AMENDS_REDIS_PORT)"
}

stop_private_redis() {
    local pid
    pid=$(redis_pid) || return 0
    log "stopping private Redis (pid $pid)"
    kill "$pid"
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    rm -f "$REDIS_DIR/redis.pid"
}

resolve_redis() {
    if [[ -n ${CELERY_BROKER_URL:-} ]]; then
        REDIS_SOURCE="CELERY_BROKER_URL from the environment"
        return
    fi
    if [[ $PRIVATE_ONLY != 1 ]] && redis_ping 127.0.0.1 6379; then
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0"
        REDIS_SOURCE="server on 127.0.0.1:6379"
        return
    fi
    start_private_redis
    CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
    REDIS_SOURCE="private instance on 127.0.0.1:$REDIS_PORT (.local/redis)"
}

# --- Commands ---------------------------------------------------------------

write_env() {
    local tmp=$ENV_FILE.tmp
    {
        echo "# Written by scripts/services.sh; sourced by the Makefile."
        printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
        printf 'export CELERY_BROKER_URL=%q\n' "$CELERY_BROKER_URL"
    } >"$tmp"
    mv "$tmp" "$ENV_FILE"
}

up() {
    resolve_pg
    resolve_redis
    write_env
    log "PostgreSQL: $PG_SOURCE"
    log "Redis:      $REDIS_SOURCE"
}

status() {
    local any=0
    if [[ -f $PG_DIR/postmaster.pid ]] && kill -0 "$(head -n1 "$PG_DIR/postmaster.pid")" 2>/dev/null; then
        echo "private PostgreSQL: running on 127.0.0.1:$(sed -n 4p "$PG_DIR/postmaster.pid") ($PG_DIR)"
        any=1
    fi
    if pid=$(redis_pid); then
        echo "private Redis: running on 127.0.0.1:$(cat "$REDIS_DIR/port" 2>/dev/null || echo '?') (pid $pid)"
        any=1
    fi
    [[ $any == 1 ]] || echo "no private services running"
    [[ -f $ENV_FILE ]] && grep '^export' "$ENV_FILE" || true
}

mkdir -p "$LOCAL"
# One caller at a time: two parallel `make` runs must not both run initdb.
# (The daemons we start must not inherit fd 9, or they would hold the lock.)
exec 9>"$LOCAL/services.lock"
flock 9

case ${1:-} in
up) up ;;
env)
    up
    grep '^export' "$ENV_FILE"
    ;;
down)
    stop_private_redis
    stop_private_pg
    rm -f "$ENV_FILE"
    ;;
purge)
    # down, then delete the private data, including a /var/tmp data folder
    # that .local/pg points to.
    stop_private_redis
    stop_private_pg
    if [[ -L $PG_DIR ]]; then
        rm -rf "$(readlink -f "$PG_DIR")"
    fi
    rm -rf "$PG_DIR" "$REDIS_DIR" "$ENV_FILE" "$LOCAL/pg-initdb.log"
    ;;
status) status ;;
*)
    echo "usage: $0 up|env|down|status|purge" >&2
    exit 2
    ;;
esac
