#!/usr/bin/env bash
# Builds dist/kerioSingle-VERSION.zip: modules/servers/kerioSingle/ exactly as a hosting admin uploads
# it to the WHMCS root — the module's tracked files plus the built engine bin/kerio-single, which
# keeps its executable bit (zip stores Unix permissions; check with `unzip -Z`).
#
#   scripts/dist.sh VERSION
set -euo pipefail

version="${1:?usage: scripts/dist.sh VERSION}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
module="modules/servers/kerioSingle"
engine="$module/bin/kerio-single"
zipfile="$repo/dist/kerioSingle-$version.zip"

cd "$repo"
[ -x "$engine" ] || { echo "dist: $engine is missing or not executable; run 'make engine' first" >&2; exit 1; }
file -b "$engine" | grep -q 'statically linked\|static-pie' \
  || { echo "dist: $engine is not statically linked; build it with 'make engine'" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
git ls-files -z -- "$module" | xargs -0 cp --parents --preserve=mode -t "$stage"
cp --parents --preserve=mode "$engine" "$stage"

mkdir -p "$repo/dist"
rm -f "$zipfile"
(cd "$stage" && zip -q -X -r "$zipfile" modules)
unzip -Z "$zipfile" "$engine" | grep -q '^-rwxr-xr-x' \
  || { echo "dist: the engine lost its executable bit inside $zipfile" >&2; exit 1; }
echo "dist: $zipfile ($(du -h "$zipfile" | cut -f1), $(unzip -Z1 "$zipfile" | grep -vc '/$') files)"
