#!/usr/bin/env bash
# Runs every Mallard test: unit, in-process cluster (InProcessTestCluster) and HTTP end-to-end
# against a real silo. Results (TRX) land in .test-results/.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required and was not found on PATH" >&2
  exit 1
fi

# The type-conformance tests read shards with DuckDB's Node.js client and type-check with tsc.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "test.sh: installing Node.js and npm (Debian packages)…"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm >/dev/null; fi
fi
# The cluster-mode tests start their own private PostgreSQL server (initdb + pg_ctl in a temp folder).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  echo "test.sh: installing PostgreSQL (Debian package postgresql)…"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi
fi
# The manifest tests render k8s/ with kubectl kustomize (Debian package kubernetes-client) and
# validate it offline with kubernetes-models.
if ! command -v kubectl >/dev/null; then
  echo "test.sh: installing kubectl (Debian package kubernetes-client)…"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq kubernetes-client >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq kubernetes-client >/dev/null; fi
fi
# The image test builds and runs the Dockerfile's images on a private Docker daemon over a base
# image made with debootstrap (skipped, saying why, where that cannot run).
if [ "$(id -u)" -eq 0 ] && { ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! command -v docker >/dev/null; }; then
  echo "test.sh: installing docker.io and debootstrap (Debian packages)…"
  apt-get update -qq && apt-get install -y -qq docker.io debootstrap >/dev/null || echo "test.sh: docker.io could not be installed; the image test will be skipped"
fi
# The console's browser tests drive Debian's Chromium headless (playwright-core from npm).
if [ ! -x /usr/bin/chromium ] && [ -z "${MALLARD_CHROMIUM:-}" ]; then
  echo "test.sh: installing Chromium (Debian package chromium)…"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
if [ ! -d k8s/validate/node_modules/kubernetes-models ] || [ k8s/validate/package-lock.json -nt k8s/validate/node_modules/.package-lock.json ]; then
  (cd k8s/validate && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -d web/node_modules/@duckdb/node-api ] || [ ! -d web/node_modules/playwright-core ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

rm -rf .test-results
dotnet build Orleans.sln -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet test Orleans.sln -c Release --no-build -nologo \
  --results-directory .test-results \
  --logger "trx;LogFileName=mallard.trx" \
  --logger "console;verbosity=normal" \
  -- RunConfiguration.TestSessionTimeout=1200000
