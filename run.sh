#!/usr/bin/env bash
# Runs Mallard locally: one silo and the HTTP gateway, DuckDB shards on local disk.
#   MALLARD_PORT    gateway port            (default 8080)
#   MALLARD_DATA    data directory          (default ./data)
#   MALLARD_SCHEMA  contract file           (default ./schema.yaml)
#   MALLARD_KEYS    API keys file (./mallard keys create --keys-file F …); with it the gateway
#                   asks every request for a key and listens on MALLARD_HOST (default 0.0.0.0);
#                   without it, it listens on 127.0.0.1 only and is open, as a local tool
# Ctrl-C or SIGTERM stops both processes cleanly; starting again finds all data.
set -euo pipefail
cd "$(dirname "$0")"

port="${MALLARD_PORT:-8080}"
data="$(mkdir -p "${MALLARD_DATA:-./data}" && cd "${MALLARD_DATA:-./data}" && pwd)"
schema="$(cd "$(dirname "${MALLARD_SCHEMA:-./schema.yaml}")" && pwd)/$(basename "${MALLARD_SCHEMA:-./schema.yaml}")"
silo_http="${MALLARD_SILO_HTTP_PORT:-8081}"
silo_port="${MALLARD_SILO_PORT:-11111}"
gateway_port="${MALLARD_GATEWAY_PORT:-30000}"
out="$PWD/.run"
keys="${MALLARD_KEYS:-}"
if [ -n "$keys" ]; then
  [ -f "$keys" ] || { echo "run.sh: MALLARD_KEYS=$keys: no such file (create it: ./mallard keys create --keys-file $keys --name admin --scope admin)" >&2; exit 1; }
  keys="$(cd "$(dirname "$keys")" && pwd)/$(basename "$keys")"
  host="${MALLARD_HOST:-0.0.0.0}"
  api_auth=(--Mallard:Auth:KeysFile="$keys")
else
  host=127.0.0.1
  api_auth=()
fi

command -v dotnet >/dev/null || { echo "run.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
[ -f "$schema" ] || { echo "run.sh: contract file $schema not found" >&2; exit 1; }

echo "Building Mallard (Release)…"
dotnet build Orleans.sln -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null \
  || { dotnet build Orleans.sln -c Release -v quiet -nologo -clp:ErrorsOnly; exit 1; }
mkdir -p "$out"

common=(--Mallard:Schema="$schema"
        --Mallard:Cluster:SiloPort="$silo_port" --Mallard:Cluster:GatewayPort="$gateway_port")

silo_pid=""; api_pid=""
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping Mallard…"
  [ -n "$api_pid" ] && kill -TERM "$api_pid" 2>/dev/null || true
  [ -n "$api_pid" ] && wait "$api_pid" 2>/dev/null || true
  [ -n "$silo_pid" ] && kill -TERM "$silo_pid" 2>/dev/null || true
  [ -n "$silo_pid" ] && wait "$silo_pid" 2>/dev/null || true
  echo "Stopped."
  exit 0
}
trap stop INT TERM EXIT

# Waits until a URL answers 200, or the process behind it exits, or 120 s pass.
wait_for() {
  local url="$1" pid="$2" name="$3"
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "run.sh: $name exited; see $out/$name.log" >&2; tail -n 20 "$out/$name.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "run.sh: $name did not become ready; see $out/$name.log" >&2; exit 1
}

dotnet Silo/bin/Release/net10.0/Mallard.Silo.dll "${common[@]}" \
  --Mallard:Shards:DataDirectory="$data" --Mallard:Silo:HttpPort="$silo_http" \
  >"$out/silo.log" 2>&1 &
silo_pid=$!
wait_for "http://127.0.0.1:$silo_http/healthz" "$silo_pid" silo

dotnet Api/bin/Release/net10.0/Mallard.Api.dll "${common[@]}" "${api_auth[@]}" \
  --urls "http://$host:$port" \
  >"$out/api.log" 2>&1 &
api_pid=$!
wait_for "http://127.0.0.1:$port/readyz" "$api_pid" api

cat <<TXT

Mallard is running.
  Gateway    http://127.0.0.1:$port          (contract: $schema)
  Console    http://127.0.0.1:$port/ui        (datasets, partitions, ingest rate, queries)
  API        http://127.0.0.1:$port/reference/v1  (OpenAPI: /openapi/v1.json)
  Status     http://127.0.0.1:$port/          (partitions, silos, links)
  Dashboard  http://127.0.0.1:$port/dashboard
  Metrics    http://127.0.0.1:$port/metrics  (silo: http://127.0.0.1:$silo_http/metrics)
  Data       $data
  Logs       $out/silo.log, $out/api.log

Try:
  curl -s -X POST http://127.0.0.1:$port/v1/datasets/page_views/records -H 'Content-Type: application/json' -d '[
    {"event_id":"0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60","ts":"2026-11-26T10:00:00.123456Z","user_id":"u1",
     "page":"/home","country":"DE","duration_ms":1200,"bytes":"5120","revenue":"9.99","bot":false,"score":0.5,"day":"2026-11-26"}]'
  curl -s -X POST http://127.0.0.1:$port/v1/datasets/page_views/query -H 'Content-Type: application/json' \\
    -d '{"groupBy":["page"],"aggregates":[{"fn":"count","as":"views"}],"orderBy":[{"column":"views","desc":true}]}'

Press Ctrl-C to stop.
TXT
if [ -n "$keys" ]; then
  cat <<TXT
API keys are on ($keys), listening on $host:$port: add -H "Authorization: Bearer \$KEY" to each
request (ingest:/query: scopes for data, admin for /, /dashboard, /metrics, /v1/cluster).
TXT
fi

wait -n "$silo_pid" "$api_pid" || true
echo "run.sh: a Mallard process exited; see $out/*.log" >&2
