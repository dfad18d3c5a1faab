#!/usr/bin/env bash
# Runs every Mallard test: unit, in-process cluster (InProcessTestCluster) and HTTP end-to-end
# against a real silo. Results (TRX) land in .test-results/.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required and was not found on PATH" >&2
  exit 1
fi

rm -rf .test-results
dotnet build Orleans.sln -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet test Orleans.sln -c Release --no-build -nologo \
  --results-directory .test-results \
  --logger "trx;LogFileName=mallard.trx" \
  --logger "console;verbosity=normal" \
  -- RunConfiguration.TestSessionTimeout=1200000
