#!/usr/bin/env bash
# Installs what `make test` and `make demo` need on a fresh Debian 12 machine (idempotent).
# Debian packages only (plus axe-core from npm, installed by the browser suite itself): no Composer,
# no Packagist. Rust comes from the machine's rustup toolchain.
set -euo pipefail

packages=(
  python3  # imaplib: the third-party IMAP client of the emulator's IMAP tests (tests/imap.rs) and scripts/seed-imap.py
  php-cli php-curl php-mysql php-sqlite3 php-mbstring php-xml php-gd
  phpunit php-illuminate-database smarty4
  mariadb-server mariadb-client
  chromium libjs-bootstrap4
  zip unzip file ca-certificates curl
  dovecot-imapd openssl  # the IMAP import source of the engine's tests (scripts/dovecot.sh, seed-imap.py)
  gcc libc6-dev  # the C parts of ring (TLS) and mimalloc (the emulator's allocator), and the static libc
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm by command: NodeSource's nodejs package brings its own npm, which Debian's npm
# package conflicts with.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "install-deps: cargo not found; install Rust stable with rustup (https://rustup.rs)" >&2; exit 1; }
rustup target list --installed 2>/dev/null | grep -q x86_64-unknown-linux-gnu || true
echo "install-deps: all dependencies present"
