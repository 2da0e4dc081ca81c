#!/usr/bin/env bash
# A private Dovecot IMAP server, the import source of the engine's tests: no systemd, no /etc/dovecot,
# nothing shared with another checkout.
#
#   scripts/dovecot.sh start   write .state/dovecot/ (config, empty passwd-file, a self-signed certificate
#                              made with openssl the first time), start dovecot on 127.0.0.1 with IMAPS
#                              (implicit TLS) on $KS_IMAPS_PORT and IMAP (STARTTLS offered) on
#                              $KS_IMAP_PORT, wait until both answer; prints the connection as shell
#                              assignments (KS_IMAP_HOST=127.0.0.1 ...). Starting an instance that
#                              already runs only prints the assignments.
#   scripts/dovecot.sh stop    stop the instance started from this checkout.
#   scripts/dovecot.sh env     print the assignments without starting anything.
#   scripts/dovecot.sh status  exit 0 when the instance runs, 1 when not.
#
# Users live in the passwd-file $KS_IMAP_PASSWD (scripts/seed-imap.py adds them); mail is Maildir
# (LAYOUT=fs, hierarchy separator "/") under $KS_IMAP_MAIL/USER. Folders named "Gesendete
# Objekte", "Trash", "Spam" and "Entwürfe" carry the special-use attributes \Sent, \Trash, \Junk and
# \Drafts (RFC 6154), so tests can tell a mapping by attribute from one by name.
#
# Environment: KS_IMAP_STATE (default <repo>/.state/dovecot), KS_IMAPS_PORT (default 39993 +
# KS_DB_PORT_OFFSET), KS_IMAP_PORT (default 39143 + KS_DB_PORT_OFFSET): the offset shared with
# scripts/mariadb.sh lets checkouts side by side run their suites at once (default 0). Everything runs
# as the user who starts it; but Dovecot refuses root for its login and internal processes and for
# mail (uid 0), so when started by root (CI containers) they run as the Debian package's users
# dovenull (login) and dovecot (auth, mail; the passwd-file is then group dovecot, mode 0640, and
# the mail folders belong to dovecot).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
state="${KS_IMAP_STATE:-$repo/.state/dovecot}"
offset="${KS_DB_PORT_OFFSET:-0}"
imaps_port="${KS_IMAPS_PORT:-$((39993 + offset))}"
imap_port="${KS_IMAP_PORT:-$((39143 + offset))}"
config="$state/dovecot.conf"

# Where Dovecot's unprivileged processes read and write (passwd-file, sockets, mail, homes): the
# state directory when the user dovecot can reach it; under root with a checkout it cannot reach
# (e.g. below a private /root), a directory of this checkout's own below /var/tmp.
shared_dir() {
  local dir="$state"
  while [ ! -d "$dir" ]; do dir="$(dirname "$dir")"; done
  if [ "$(id -u)" -ne 0 ] || runuser -u dovecot -- test -x "$dir" 2>/dev/null; then
    echo "$state"
  else
    echo "/var/tmp/kerio-single-dovecot-$(printf '%s' "$state" | sha256sum | cut -c1-12)"
  fi
}

shared="$(shared_dir)"
passwd="$shared/passwd"
run_dir="$shared/run"
mail="$shared/mail"
homes="$shared/home"
pidfile="$run_dir/master.pid"
logfile="$state/dovecot.log"
cert="$state/cert.pem"
key="$state/key.pem"

die() { echo "dovecot.sh: $*" >&2; exit 1; }

print_env() {
  echo "KS_IMAP_HOST=127.0.0.1"
  echo "KS_IMAPS_PORT=$imaps_port"
  echo "KS_IMAP_PORT=$imap_port"
  echo "KS_IMAP_PASSWD=$passwd"
  echo "KS_IMAP_CERT=$cert"
  echo "KS_IMAP_STATE=$state"
  echo "KS_IMAP_MAIL=$mail"
}

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

find_server() {
  for candidate in dovecot /usr/sbin/dovecot; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  die "dovecot not found; install it with: apt-get install dovecot-imapd (or run scripts/install-deps.sh)"
}

make_certificate() {
  [ -s "$cert" ] && [ -s "$key" ] && return
  command -v openssl >/dev/null || die "openssl not found; apt-get install openssl"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$key" -out "$cert" >"$state/openssl.log" 2>&1 \
    || die "openssl could not make the certificate; see $state/openssl.log"
  chmod 600 "$key"
}

# The users Dovecot's login, internal (auth) and mail processes run as: never root.
service_users() {
  if [ "$(id -u)" -eq 0 ]; then
    id dovenull >/dev/null 2>&1 && id dovecot >/dev/null 2>&1 \
      || die "the users dovecot and dovenull are missing; apt-get install dovecot-imapd"
    login_user=dovenull internal_user=dovecot internal_group=dovecot
  else
    login_user="$(id -un)" internal_user="$(id -un)" internal_group="$(id -gn)"
  fi
  chown "$internal_user:$internal_group" "$mail" "$homes"
}

write_config() {
  local user="$internal_user" group="$internal_group"
  cat >"$config" <<EOF
# Written by scripts/dovecot.sh: a private instance for tests, regenerated at every start.
protocols = imap
listen = 127.0.0.1
base_dir = $run_dir
state_dir = $state/lib
log_path = $logfile
info_log_path = $logfile
ssl = yes
ssl_cert = <$cert
ssl_key = <$key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $internal_user
default_internal_group = $internal_group
default_login_user = $login_user
first_valid_uid = $(id -u "$user")
first_valid_gid = $(getent group "$group" | cut -d: -f3)
mail_uid = $user
mail_gid = $group
mail_location = maildir:$mail/%u:LAYOUT=fs
mail_plugins =
imap_max_line_length = 64k
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $passwd
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$homes/%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox "Gesendete Objekte" {
    special_use = \\Sent
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Spam {
    special_use = \\Junk
  }
  mailbox "Entwürfe" {
    special_use = \\Drafts
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
service anvil {
  chroot =
}
service auth {
  unix_listener auth-userdb {
    mode = 0600
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
EOF
}

# Whether the plain listener on port $1 greets (* OK), within 2 s.
answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 4 <&3" 2>/dev/null | grep -q '^\* OK'
}

# Whether the implicit-TLS listener on port $1 greets after the handshake, within 2 s.
answers_tls() {
  local greeting
  greeting="$(sleep 1 | timeout 2 openssl s_client -quiet -connect "127.0.0.1:$1" 2>/dev/null | head -c 4 || true)"
  [ "$greeting" = "* OK" ]
}

start() {
  mkdir -p "$state" "$state/lib" "$shared" "$run_dir" "$mail" "$homes"
  chmod 755 "$shared"
  if running; then print_env; return; fi
  local server; server="$(find_server)"
  make_certificate
  service_users
  touch "$passwd"
  chmod 640 "$passwd"
  chgrp "$internal_group" "$passwd"
  : >"$logfile"
  write_config
  "$server" -c "$config" >"$state/start.log" 2>&1 || die "dovecot did not start: $(tail -n 3 "$state/start.log")"
  for _ in $(seq 1 300); do
    if running && answers "$imap_port" && answers_tls "$imaps_port"; then
      print_env
      return
    fi
    if grep -q 'Fatal' "$logfile"; then
      stop
      die "Dovecot failed: $(grep -m1 'Fatal' "$logfile")"
    fi
    sleep 0.1
  done
  stop
  die "Dovecot did not answer within 30 s; see $logfile"
}

stop() {
  running || return 0
  "$(find_server)" -c "$config" stop >/dev/null 2>&1 || kill "$(cat "$pidfile")" 2>/dev/null || true
  for _ in $(seq 1 300); do
    running || return 0
    sleep 0.1
  done
  die "Dovecot did not stop within 30 s; see $logfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) running ;;
  *) die "usage: scripts/dovecot.sh start|stop|env|status" ;;
esac
