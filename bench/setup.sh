#!/usr/bin/env bash
# Installs the reference programs the benchmarks compare against (nginx, restic, openssl) from the
# distribution's packages when they are missing. Safe to run again: it does nothing when all are present.
set -euo pipefail

declare -A wanted=([nginx]=nginx [restic]=restic [openssl]=openssl)
missing=()
for cmd in nginx restic openssl; do
  if command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ]; then
    echo "setup: $cmd present ($(command -v "$cmd" || echo "/usr/sbin/$cmd"))"
  else
    echo "setup: $cmd missing"
    missing+=("${wanted[$cmd]}")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: nothing to install"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: apt-get not found; install ${missing[*]} by hand" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "setup: not root and no sudo; install ${missing[*]} by hand" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup: apt-get update"
"${sudo[@]}" apt-get update -q
echo "setup: apt-get install -y ${missing[*]}"
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
# The package may start a system nginx on port 80; the benchmarks start their own and need none running.
if [[ " ${missing[*]} " == *" nginx "* ]] && command -v service >/dev/null 2>&1; then
  "${sudo[@]}" service nginx stop >/dev/null 2>&1 || true
fi
echo "setup: done"
