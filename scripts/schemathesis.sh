#!/usr/bin/env bash
# Runs schemathesis (every check, every phase) against kaamgar serving a fresh demo database with a service token,
# and fails on any failure. Usage: scripts/schemathesis.sh [MAX_EXAMPLES]  (default 30 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-30}"
bin="${KAAMGAR_BIN:-target/debug/kaamgar}"
dir=$(mktemp -d)
port=18181
token="schemathesis-service-token-$(date +%s)"
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
  echo "port $port is taken by another server; stop it first"; exit 1
fi
root=$PWD
(cd "$dir" && KAAMGAR_API_TOKEN="$token" KAAMGAR_LOG=error exec "$root/$bin" serve --demo --addr "127.0.0.1:$port" >"$dir/serve.log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done
# The server answering is this run's: its service token works.
curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/trades" >/dev/null \
  || { cat "$dir/serve.log"; echo "kaamgar did not start"; exit 1; }
schemathesis --config-file tests/api/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --url "http://127.0.0.1:$port" --checks all --max-examples "$examples" --seed "${SCHEMATHESIS_SEED:-2020}" \
  -H "Authorization: Bearer $token" --no-color
