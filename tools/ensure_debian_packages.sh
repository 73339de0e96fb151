#!/usr/bin/env bash
# Install the Debian packages a part of the build needs, only those missing.
#
#   tools/ensure_debian_packages.sh WHAT PACKAGE...
#
# Each package is checked itself with dpkg-query (not a file it happens to
# ship), so a half-equipped machine gets exactly what it lacks. As root with
# apt-get the missing ones are installed without recommends (the Makefile names
# every package it needs; tests/test_tex_packages.py proves that list complete);
# otherwise the command to run is printed and the script fails.
set -euo pipefail
what=$1; shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "$what: present"
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "$what: installing ${missing[*]} (Debian packages)"
  log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -20 "$log"; rm -f "$log"; echo "error: installing ${missing[*]} failed"; exit 1
  fi
  rm -f "$log"
else
  echo "error: $what is missing. Run:"
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
