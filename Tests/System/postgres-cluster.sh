#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a data directory of its own,
# listening on 127.0.0.1 only, trust authentication (loopback, a test machine), no fsync.
#
#   Tests/System/postgres-cluster.sh start DIR PORT   # prints the server's URL
#   Tests/System/postgres-cluster.sh restart DIR [DOWN_SECONDS]
#                                                     # fast shutdown (sessions cut), DOWN_SECONDS
#                                                     # (default 0) without a server, start again
#   Tests/System/postgres-cluster.sh stop DIR         # stops it and removes DIR
#
# initdb refuses to run as root, so as root the cluster belongs to the unprivileged `postgres` user
# that Debian's package creates; otherwise it belongs to whoever runs this.
set -euo pipefail

action=${1:?start|restart|stop}
dir=${2:?data directory}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "postgres-cluster: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Enough connections for three daemons' pools and the tests' stores at once.
start_server() {
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-p $1 -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
}

case "$action" in
start)
    port=${3:?port}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner test -w "$dir" || {
        echo "postgres-cluster: $dir is not writable by $( [ "$(id -u)" = 0 ] && echo postgres || id -un ); give it a"\
             "directory of its own whose parents it can enter (mktemp -d)" >&2; exit 1; }
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    start_server "$port"
    echo "postgresql://postgres@127.0.0.1:$port/postgres?sslmode=disable"
    ;;
restart)
    [ -f "$dir/port" ] || { echo "postgres-cluster: no cluster started in $dir" >&2; exit 1; }
    # -m fast: open sessions are terminated (SQLSTATE 57P01), as in a failover or a package upgrade.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep "${3:-0}"
    start_server "$(cat "$dir/port")"
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start DIR PORT | restart DIR [DOWN_SECONDS] | stop DIR" >&2
    exit 2
    ;;
esac
