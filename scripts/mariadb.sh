#!/usr/bin/env bash
# A private MariaDB server for the PHP tests: no systemd, no system datadir, nothing shared.
#
#   scripts/mariadb.sh start   initialise .state/mariadb/ if needed, start mariadbd on a unix socket and
#                              127.0.0.1:$KS_DB_PORT, wait until it answers, create $KS_DB_NAME;
#                              prints the connection as shell assignments (KS_DB_DRIVER=mysql ...).
#                              Starting an instance that already runs only prints the assignments.
#   scripts/mariadb.sh stop    stop the instance started from this checkout.
#   scripts/mariadb.sh env     print the assignments without starting anything.
#   scripts/mariadb.sh status  exit 0 when the instance runs, 1 when not.
#   scripts/mariadb.sh drop    drop $KS_DB_NAME (a test run's private database).
#
# Environment: KS_DB_STATE (default <repo>/.state/mariadb), KS_DB_PORT (default 33306 + KS_DB_PORT_OFFSET,
# the offset letting checkouts side by side run their suites at once; default 0),
# KS_DB_NAME (default whmcs_test). Runs as root with --user=root when started by root (CI containers).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
state="${KS_DB_STATE:-$repo/.state/mariadb}"
port="${KS_DB_PORT:-$((33306 + ${KS_DB_PORT_OFFSET:-0}))}"
name="${KS_DB_NAME:-whmcs_test}"
datadir="$state/data"
socket="$state/mysqld.sock"
pidfile="$state/mysqld.pid"
logfile="$state/mysqld.log"

die() { echo "mariadb.sh: $*" >&2; exit 1; }

print_env() {
  echo "KS_DB_DRIVER=mysql"
  echo "KS_DB_SOCKET=$socket"
  echo "KS_DB_HOST=127.0.0.1"
  echo "KS_DB_PORT=$port"
  echo "KS_DB_NAME=$name"
  echo "KS_DB_USER=root"
  echo "KS_DB_PASSWORD="
}

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

client() {
  mariadb --no-defaults --protocol=socket --socket="$socket" -uroot "$@"
}

find_server() {
  for candidate in mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  die "mariadbd not found; install it with: apt-get install mariadb-server (or run scripts/install-deps.sh)"
}

initialise() {
  [ -d "$datadir/mysql" ] && return
  command -v mariadb-install-db >/dev/null || die "mariadb-install-db not found; apt-get install mariadb-server"
  mkdir -p "$datadir"
  mariadb-install-db --no-defaults --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db $(user_option) >"$state/install.log" 2>&1 \
    || die "mariadb-install-db failed; see $state/install.log"
}

user_option() {
  if [ "$(id -u)" -eq 0 ]; then echo "--user=root"; fi
}

start() {
  mkdir -p "$state"
  if running; then create_database; print_env; return; fi
  initialise
  local server; server="$(find_server)"
  "$server" --no-defaults --datadir="$datadir" --socket="$socket" --pid-file="$pidfile" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$logfile" \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --skip-log-bin $(user_option) \
    >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    if client -e 'SELECT 1' >/dev/null 2>&1; then
      create_database
      print_env
      return
    fi
    sleep 0.1
  done
  die "MariaDB did not start within 30 s; see $logfile"
}

create_database() {
  client -e "CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
}

drop_database() {
  running || return 0
  client -e "DROP DATABASE IF EXISTS \`$name\`"
}

stop() {
  running || return 0
  local pid; pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  die "MariaDB (pid $pid) did not stop within 30 s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) running ;;
  drop) drop_database ;;
  *) die "usage: scripts/mariadb.sh start|stop|env|status|drop" ;;
esac
