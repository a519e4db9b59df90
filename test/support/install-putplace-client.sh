#!/usr/bin/env bash
# Installs PutPlace's published client (putplace-client, PyPI) at a pinned version into a venv in the test cache,
# for the e2e spec that scans a tree into Hoard with the stock client. Idempotent: does nothing once that version is
# installed. Needs python3 with venv and pip. Prints the path of its `ppclient`.
set -euo pipefail

version="0.8.4"
cache="${HOARD_TEST_CACHE:-$HOME/.cache/hoard-test}"
venv="$cache/putplace-client-$version"
bin="$venv/bin/ppclient"

# A venv cannot be moved once made: it is made in place and marked complete only after pip succeeded.
if [[ -x "$bin" && -f "$venv/.installed" ]]; then
  echo "$bin"
  exit 0
fi

python="$(command -v python3 || true)"
if [[ -z "$python" ]]; then
  echo "install-putplace-client: python3 is not on PATH" >&2
  exit 1
fi

echo "install-putplace-client: installing putplace-client $version into $venv" >&2
rm -rf "$venv"
mkdir -p "$cache"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "putplace-client==$version" >&2
touch "$venv/.installed"
echo "$bin"
