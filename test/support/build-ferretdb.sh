#!/usr/bin/env bash
# Builds the FerretDB launcher used by the e2e tests (MongoDB wire protocol over SQLite) into the test cache.
# Idempotent: does nothing when the cached binary was built from the launcher's current sources. Prints the binary's path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/ferretdb-launcher"
cache="${HOARD_TEST_CACHE:-$HOME/.cache/hoard-test}"
bin="$cache/bin/ferretdb-launcher"

# The binary is rebuilt only when the launcher's sources change (a fresh clone has new mtimes, not new sources).
stamp="$bin.sources"
sources="$(cd "$src" && cat main.go go.mod go.sum | sha256sum | cut -c1-64)"
if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$sources" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-ferretdb: go is not on PATH" >&2
  exit 1
fi


mkdir -p "$cache/bin"
echo "build-ferretdb: building $bin (the first build downloads modules and takes a few minutes)" >&2
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(cd "$src" && CGO_ENABLED=0 go build -trimpath -tags ferretdb_no_postgresql -o "$tmp" .)
mv -f "$tmp" "$bin"
echo "$sources" > "$stamp"
echo "build-ferretdb: built $bin" >&2
echo "$bin"
