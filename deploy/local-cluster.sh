#!/usr/bin/env bash
# A 3-member PostgreSQL 15 cluster on loopback from Debian's packages (patroni, etcd-server,
# haproxy), with this folder's configuration: one etcd, three Patroni members, HAProxy in front.
#
#   deploy/local-cluster.sh start DIR [BASE_PORT]   start (or start again) the cluster in DIR;
#                                                   prints DATABASE_URL (HAProxy -> the leader)
#   deploy/local-cluster.sh status DIR              the members, their roles and lag
#   deploy/local-cluster.sh stop DIR                stop everything started in DIR
#   deploy/local-cluster.sh kill-postmaster DIR N   kill -9 member N's postmaster (Patroni stays)
#   deploy/local-cluster.sh kill-member DIR N       kill -9 member N's Patroni and postmaster
#   deploy/local-cluster.sh start-member DIR N      start member N's Patroni again
#
# Ports from BASE_PORT (default 15400): etcd client +0 and peer +1, HAProxy primary +2 and
# replicas +3, member N's PostgreSQL +10+N and Patroni REST API +20+N. Everything lives in DIR
# (data, logs, pid files); as root, PostgreSQL's programs run as the `postgres` user.
set -euo pipefail

DEPLOY="$(cd "$(dirname "$0")" && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
MEMBERS=(0 1 2)

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 2 ] || usage
CMD="$1"
DIR="$2"

for program in patroni etcd haproxy; do
  command -v "$program" >/dev/null 2>&1 || [ -x "/usr/sbin/$program" ] || {
    echo "local-cluster: $program is not installed (apt-get install -y patroni etcd-server haproxy)" >&2
    exit 3
  }
done
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"

# As root, every program runs as the postgres user (initdb and postgres refuse root).
AS_POSTGRES=()
[ "$(id -u)" = 0 ] && AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups --)

load_ports() {
  # shellcheck source=/dev/null
  . "$DIR/ports.env"
  ETCD_CLIENT_PORT=$BASE_PORT
  ETCD_PEER_PORT=$((BASE_PORT + 1))
  HAPROXY_PRIMARY_PORT=$((BASE_PORT + 2))
  HAPROXY_REPLICA_PORT=$((BASE_PORT + 3))
}
pg_port() { echo $((BASE_PORT + 10 + $1)); }
rest_port() { echo $((BASE_PORT + 20 + $1)); }

# Starts a program detached (its own session), its output in DIR/<name>.log, its pid in
# DIR/<name>.pid. setsid and setpriv exec, so the pid is the program's own.
launch() {
  local name="$1"
  shift
  setsid "${AS_POSTGRES[@]}" "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

postmaster_pid() {
  local f="$DIR/m$1/data/postmaster.pid"
  [ -f "$f" ] && head -n 1 "$f"
}

http_status() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true; }

start_etcd() {
  alive etcd && return 0
  mkdir -p "$DIR/etcd"
  chmod 700 "$DIR/etcd"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR/etcd"
  (
    set -a
    ETCD_DIR="$DIR/etcd"
    # shellcheck source=etcd.env
    . "$DEPLOY/etcd.env"
    set +a
    [ -d "$DIR/etcd/member" ] && export ETCD_INITIAL_CLUSTER_STATE=existing
    launch etcd etcd
  )
  for _ in $(seq 1 100); do
    [ "$(http_status "http://127.0.0.1:$ETCD_CLIENT_PORT/health")" = 200 ] && return 0
    sleep 0.1
  done
  echo "local-cluster: etcd did not start (see $DIR/etcd.log)" >&2
  exit 1
}

start_member() {
  local n="$1"
  alive "m$n" && return 0
  mkdir -p "$DIR/m$n"
  chmod 700 "$DIR/m$n"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR/m$n"
  (
    export PATRONI_NAME="m$n"
    export PATRONI_ETCD3_HOSTS="127.0.0.1:$ETCD_CLIENT_PORT"
    export PATRONI_RESTAPI_LISTEN="127.0.0.1:$(rest_port "$n")"
    export PATRONI_RESTAPI_CONNECT_ADDRESS="127.0.0.1:$(rest_port "$n")"
    export PATRONI_POSTGRESQL_LISTEN="127.0.0.1:$(pg_port "$n")"
    export PATRONI_POSTGRESQL_CONNECT_ADDRESS="127.0.0.1:$(pg_port "$n")"
    export PATRONI_POSTGRESQL_DATA_DIR="$DIR/m$n/data"
    export PATRONI_POSTGRESQL_PGPASS="$DIR/m$n/pgpass"
    export PATRONI_LOG_LEVEL="${PATRONI_LOG_LEVEL:-WARNING}"
    export HOME="$DIR/m$n"
    # The member's Unix socket in its own folder (not /var/run/postgresql, shared by others).
    export PATRONI_POSTGRESQL_PARAMETERS_UNIX_SOCKET_DIRECTORIES="$DIR/m$n"
    export PATH="$PG_BIN:$PATH"
    cd "$DIR/m$n"
    launch "m$n" patroni "$DEPLOY/patroni.yml"
  )
}

start_haproxy() {
  alive haproxy && return 0
  (
    export HAPROXY_BIND=127.0.0.1 HAPROXY_PRIMARY_PORT HAPROXY_REPLICA_PORT
    for n in "${MEMBERS[@]}"; do
      export "M${n}_PG=127.0.0.1:$(pg_port "$n")" "M${n}_REST_PORT=$(rest_port "$n")"
    done
    "$HAPROXY" -c -q -f "$DEPLOY/haproxy.cfg"
    launch haproxy "$HAPROXY" -db -f "$DEPLOY/haproxy.cfg"
  )
}

# Waits until one member leads, writes pass through HAProxy and every member replicates,
# one of them synchronously.
wait_ready() {
  local deadline=$((SECONDS + ${1:-90}))
  while [ $SECONDS -lt $deadline ]; do
    local primary=0 replicas=0 sync=0
    for n in "${MEMBERS[@]}"; do
      local base="http://127.0.0.1:$(rest_port "$n")"
      [ "$(http_status "$base/primary")" = 200 ] && primary=$((primary + 1))
      [ "$(http_status "$base/replica")" = 200 ] && replicas=$((replicas + 1))
      [ "$(http_status "$base/synchronous")" = 200 ] && sync=$((sync + 1))
    done
    if [ $primary = 1 ] && [ $replicas = 2 ] && [ $sync = 1 ] &&
      "$PG_BIN/psql" -qAtX -h 127.0.0.1 -p "$HAPROXY_PRIMARY_PORT" -U postgres -d postgres \
        -c 'SELECT 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  echo "local-cluster: the cluster did not become ready; member logs in $DIR/m*.log" >&2
  return 1
}

stop_all() {
  local pids=()
  for name in haproxy m0 m1 m2 etcd; do
    alive "$name" && pids+=("$(cat "$DIR/$name.pid")")
  done
  # Patroni stops its PostgreSQL on SIGTERM (fast shutdown); etcd goes last.
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 150); do
    local left=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for n in "${MEMBERS[@]}"; do
    local pm
    pm="$(postmaster_pid "$n" || true)"
    [ -n "$pm" ] && kill -KILL "$pm" 2>/dev/null || true
  done
  rm -f "$DIR"/*.pid
}

case "$CMD" in
start)
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  if [ ! -f "$DIR/ports.env" ]; then
    echo "BASE_PORT=${3:-15400}" >"$DIR/ports.env"
  fi
  load_ports
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
  start_etcd
  for n in "${MEMBERS[@]}"; do start_member "$n"; done
  start_haproxy
  wait_ready 120
  "$PG_BIN/psql" -qAtX -h 127.0.0.1 -p "$HAPROXY_PRIMARY_PORT" -U postgres -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = 'fulfill'" | grep -q 1 ||
    "$PG_BIN/psql" -qX -h 127.0.0.1 -p "$HAPROXY_PRIMARY_PORT" -U postgres -d postgres \
      -c 'CREATE DATABASE fulfill' >/dev/null
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$HAPROXY_PRIMARY_PORT/fulfill"
  echo "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$HAPROXY_REPLICA_PORT/fulfill"
  ;;
status)
  load_ports
  curl -s -m 2 "http://127.0.0.1:$(rest_port 0)/cluster" ||
    curl -s -m 2 "http://127.0.0.1:$(rest_port 1)/cluster" ||
    curl -s -m 2 "http://127.0.0.1:$(rest_port 2)/cluster"
  echo
  ;;
stop)
  [ -f "$DIR/ports.env" ] || exit 0
  load_ports
  stop_all
  ;;
kill-postmaster)
  load_ports
  pm="$(postmaster_pid "${3:?member}")"
  kill -KILL "$pm"
  echo "killed postmaster $pm of m$3"
  ;;
kill-member)
  load_ports
  pm="$(postmaster_pid "${3:?member}" || true)"
  kill -KILL "$(cat "$DIR/m$3.pid")" ${pm:+"$pm"}
  rm -f "$DIR/m$3.pid"
  echo "killed Patroni and postmaster ${pm:-none} of m$3"
  ;;
start-member)
  load_ports
  start_member "${3:?member}"
  ;;
wait-ready)
  load_ports
  wait_ready "${3:-90}"
  ;;
*)
  usage
  ;;
esac
