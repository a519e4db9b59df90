#!/usr/bin/env bash
# Schemathesis (PyPI) with every check but use_after_free (see schemathesis.toml) against a freshly started
# server's own /openapi.json, with a read, a write and an admin key; any failure fails the run. Needs python3 and
# the built server (npm run build). HOARD_ST_SECONDS bounds each run (default 60); the venv is cached under
# ~/.cache/hoard-test.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=4.32.5
CACHE="${HOARD_TEST_CACHE:-$HOME/.cache/hoard-test}"
VENV="$CACHE/schemathesis-$VERSION"
SECONDS_PER_RUN="${HOARD_ST_SECONDS:-60}"
config="$PWD/test/schemathesis/schemathesis.toml"
export HOARD_ST_HOOKS="$PWD/test/schemathesis/hooks.py"

if [[ ! -x "$VENV/bin/st" ]]; then
  echo "== schemathesis $VERSION: creating $VENV"
  rm -rf "$VENV"
  python="$(command -v python3)"
  [[ -n "$python" ]] || { echo "schemathesis: python3 is required" >&2; exit 1; }
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

data="$(mktemp -d)"
log="$data/server.log"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
url="http://127.0.0.1:$port"
admin="hk_st_$(openssl rand -hex 24)"
HOARD_DATA_DIR="$data/store" HOST=127.0.0.1 PORT="$port" HOARD_BOOTSTRAP_ADMIN_KEY="$admin" HOARD_LOG_LEVEL=warn \
  node dist/apps/server/src/main.js >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$url/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$url/ready" >/dev/null || { echo "schemathesis: the server did not start" >&2; cat "$log" >&2; exit 1; }

mint() {
  curl -fsS -X POST "$url/api/v1/keys" -H "X-API-Key: $admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"schemathesis-$1\",\"scopes\":[\"$1\"]}" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>console.log(JSON.parse(s).key))"
}
writer="$(mint write)"
reader="$(mint read)"
revoker="$(mint admin)"

# Revoking keys is tested last, with a key of its own: a run that revoked its own key would test nothing after.
revocations='^(DELETE /api/v1/keys/\{id\}|DELETE /api_keys/\{id\}|PUT /api_keys/\{id\}/revoke)$'
# One worker: CPython 3.11 can fail parsing source in two threads at once (AST recursion depth mismatch).
status=0
run() {
  local who="$1"
  shift
  echo "== schemathesis, every check but use_after_free, ${SECONDS_PER_RUN} s, $who key $*"
  # Run from the temporary directory: schemathesis keeps its cache in the working directory.
  (cd "$data" && HOARD_ST_KEY="${!who}" timeout $((SECONDS_PER_RUN + 120)) "$VENV/bin/st" --config-file "$config" \
    run "$url/openapi.json" --checks all --exclude-checks use_after_free --max-time "$SECONDS_PER_RUN" --workers 1 --no-color "$@") || status=1
}
run reader --exclude-name-regex "$revocations"
run writer --exclude-name-regex "$revocations"
run admin --exclude-name-regex "$revocations"
run revoker --include-name-regex "$revocations"
if ! kill -0 "$server" 2>/dev/null; then
  echo "schemathesis: the server died during the runs" >&2
  cat "$log" >&2
  status=1
fi
exit "$status"
