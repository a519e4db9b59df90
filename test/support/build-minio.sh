#!/usr/bin/env bash
# Builds the MinIO server used by the e2e tests (S3 API) into the test cache, from its Go module at a pinned
# version. Idempotent: does nothing when the cached binary was built from that version. Prints the binary's path.
set -euo pipefail

# The last published MinIO source; it builds with Go >= 1.24.
version="v0.0.0-20260212201848-7aac2a2c5b7c"
cache="${HOARD_TEST_CACHE:-$HOME/.cache/hoard-test}"
bin="$cache/bin/minio"
stamp="$cache/bin/minio.version"

if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-minio: go is not on PATH" >&2
  exit 1
fi

mkdir -p "$cache/bin"
echo "build-minio: building MinIO $version into $bin (the first build downloads modules and takes a few minutes)" >&2
tmp="$(mktemp -d "$cache/bin/.minio-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$version"
mv -f "$tmp/minio" "$bin"
echo "$version" > "$stamp"
echo "build-minio: built $bin" >&2
echo "$bin"
