#!/usr/bin/env bash
# Throw-away PostgreSQL cluster for tests, built from Debian's server binaries.
#
#   pg_ephemeral.sh start DIR PORT   -> prints postgresql+psycopg://postgres@127.0.0.1:PORT/hotline_test
#   pg_ephemeral.sh stop DIR         -> stops the cluster and removes DIR
#
# Layout: DIR/data (cluster), DIR/run (unix socket), DIR/postgres.log. Everything in DIR belongs to the
# `postgres` OS user (initdb refuses to run as root), so every file operation inside DIR runs as that user.
# Only the URL goes to stdout; progress and errors go to stderr.
set -euo pipefail

PG_USER=postgres
DB_NAME=hotline_test

log() { printf '[pg_ephemeral] %s\n' "$*" >&2; }
die() {
    printf '[pg_ephemeral] ERROR: %s\n' "$*" >&2
    exit 1
}
usage() { die "usage: $0 start DIR PORT | stop DIR"; }

as_pg() { (cd / && runuser -u "$PG_USER" -- "$@"); }

pick_bindir() {
    local initdb
    initdb="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)"
    [[ -n "$initdb" ]] || die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb);" \
        "install the Debian package 'postgresql' (scripts/bootstrap.sh does this)"
    dirname "$initdb"
}

preflight() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (it runs the server as the '$PG_USER' user via runuser)"
    command -v runuser >/dev/null 2>&1 || die "runuser not found (util-linux)"
    id "$PG_USER" >/dev/null 2>&1 || die "OS user '$PG_USER' does not exist (install 'postgresql')"
}

show_log() {
    local dir="$1"
    if as_pg test -f "$dir/postgres.log"; then
        log "---- $dir/postgres.log (tail) ----"
        as_pg tail -n 40 "$dir/postgres.log" >&2 || true
    fi
}

cmd_start() {
    local dir="$1" port="$2"
    [[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "bad port: $port"
    preflight
    local bindir
    bindir="$(pick_bindir)"

    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd -P)"
    [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty; refusing to reuse it"
    # unix socket paths are limited to ~107 bytes
    ((${#dir} < 80)) || die "directory path too long for a unix socket: $dir"
    chown "$PG_USER:" "$dir"
    chmod 700 "$dir"
    as_pg test -w "$dir" ||
        die "'$PG_USER' cannot write $dir (a parent directory is not searchable by it); use a dir under /tmp"

    log "initdb ($bindir) in $dir"
    as_pg mkdir -p "$dir/data" "$dir/run"
    local out
    if ! out="$(as_pg "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=trust --no-sync 2>&1)"; then
        printf '%s\n' "$out" >&2
        die "initdb failed"
    fi

    # trust, but only over the socket in DIR and 127.0.0.1 (no IPv6, no other hosts)
    printf '%s\n' \
        'local all all trust' \
        'host  all all 127.0.0.1/32 trust' | as_pg tee "$dir/data/pg_hba.conf" >/dev/null
    printf '%s\n' \
        "listen_addresses = '127.0.0.1'" \
        "port = $port" \
        "unix_socket_directories = '$dir/run'" \
        'fsync = off' \
        'synchronous_commit = off' \
        'full_page_writes = off' \
        'max_connections = 200' \
        "logging_collector = off" | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null

    log "starting server on 127.0.0.1:$port"
    if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 start >&2; then
        show_log "$dir"
        die "server did not start (port $port in use?)"
    fi

    local i ready=0
    for ((i = 0; i < 60; i++)); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
            ready=1
            break
        fi
        sleep 0.5
    done
    if ((!ready)); then
        show_log "$dir"
        die "server on 127.0.0.1:$port not ready after 30 s"
    fi

    as_pg "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE $DB_NAME OWNER postgres" >&2 || die "could not create database $DB_NAME"
    log "ready"
    printf 'postgresql+psycopg://postgres@127.0.0.1:%s/%s\n' "$port" "$DB_NAME"
}

cmd_stop() {
    local dir="$1"
    if [[ ! -e "$dir" ]]; then
        log "$dir does not exist; nothing to stop"
        return 0
    fi
    preflight
    dir="$(cd "$dir" && pwd -P)"
    if as_pg test -f "$dir/data/postmaster.pid"; then
        local bindir ver
        ver="$(as_pg cat "$dir/data/PG_VERSION" 2>/dev/null || true)"
        if [[ -n "$ver" && -x "/usr/lib/postgresql/$ver/bin/pg_ctl" ]]; then
            bindir="/usr/lib/postgresql/$ver/bin"
        else
            bindir="$(pick_bindir)"
        fi
        log "stopping server in $dir"
        as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2 ||
            as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >&2 ||
            log "WARNING: pg_ctl stop failed"
    fi
    # Empty DIR as its owner, then remove the (root-owned parent's) entry as root.
    as_pg find "$dir" -mindepth 1 -delete 2>/dev/null || true
    rm -rf "$dir"
    [[ ! -e "$dir" ]] || die "could not remove $dir"
    log "removed $dir"
}

case "${1:-}" in
    start)
        [[ $# -eq 3 ]] || usage
        cmd_start "$2" "$3"
        ;;
    stop)
        [[ $# -eq 2 ]] || usage
        cmd_stop "$2"
        ;;
    *) usage ;;
esac
