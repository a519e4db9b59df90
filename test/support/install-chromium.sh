#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser specs (they drive it through playwright-core), unless it is
# there already. Needs root (CI) or sudo. Prints the binary's path.
set -euo pipefail

bin="${HOARD_TEST_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: $bin is missing and there is no apt-get: install Chromium and set HOARD_TEST_CHROMIUM" >&2
  exit 1
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
echo "install-chromium: installing Debian's chromium package" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
echo "$bin"
