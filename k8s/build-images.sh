#!/usr/bin/env bash
# Publishes the silo and the gateway self-contained for linux-x64 and builds their images.
#   k8s/build-images.sh [TAG]          (default tag: the git commit, else "dev")
# Images: mallard-silo:TAG and mallard-gateway:TAG. Push them to your registry and set the
# names in your overlay's `images:` (docs/kubernetes.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tag="${1:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo dev)}"
cd "$root"
rm -rf publish/silo publish/gateway
# Its own artifacts folder: the self-contained build must not replace the framework-dependent
# one in Silo/bin and Api/bin that run.sh, the tests and the benchmark run.
artifacts="$root/publish/.artifacts"
dotnet publish Silo/Silo.csproj -c Release -r linux-x64 --self-contained true -p:UseAppHost=true --artifacts-path "$artifacts" -o publish/silo
dotnet publish Api/Api.csproj -c Release -r linux-x64 --self-contained true -p:UseAppHost=true --artifacts-path "$artifacts" -o publish/gateway
docker build ${DOCKER_BUILD_FLAGS:-} --target silo -t "mallard-silo:$tag" .
docker build ${DOCKER_BUILD_FLAGS:-} --target gateway -t "mallard-gateway:$tag" .
echo "built mallard-silo:$tag mallard-gateway:$tag"
