#!/usr/bin/env bash
# Builds the FerretDB launcher used by the e2e tests (MongoDB wire protocol over SQLite) into the test cache.
# Idempotent: does nothing when the binary is newer than the launcher's sources. Prints the binary's path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/ferretdb-launcher"
cache="${HOARD_TEST_CACHE:-$HOME/.cache/hoard-test}"
bin="$cache/bin/ferretdb-launcher"

if ! command -v go >/dev/null 2>&1; then
  echo "build-ferretdb: go is not on PATH" >&2
  exit 1
fi

if [[ -x "$bin" && "$bin" -nt "$src/main.go" && "$bin" -nt "$src/go.mod" && "$bin" -nt "$src/go.sum" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache/bin"
echo "build-ferretdb: building $bin (the first build downloads modules and takes a few minutes)" >&2
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(cd "$src" && CGO_ENABLED=0 go build -trimpath -tags ferretdb_no_postgresql -o "$tmp" .)
mv -f "$tmp" "$bin"
echo "build-ferretdb: built $bin" >&2
echo "$bin"
