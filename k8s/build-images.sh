#!/usr/bin/env bash
# Publishes the silo and the gateway self-contained for linux-x64 and builds their images.
#   k8s/build-images.sh [TAG]          (default tag: the git commit, else "dev")
# Images: mallard-silo:TAG and mallard-gateway:TAG. Push them to your registry and set the
# names in your overlay's `images:` (docs/kubernetes.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tag="${1:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo dev)}"
cd "$root"
rm -rf publish
dotnet publish Silo/Silo.csproj -c Release -r linux-x64 --self-contained true -o publish/silo -p:UseAppHost=true
dotnet publish Api/Api.csproj -c Release -r linux-x64 --self-contained true -o publish/gateway -p:UseAppHost=true
docker build ${DOCKER_BUILD_FLAGS:-} --target silo -t "mallard-silo:$tag" .
docker build ${DOCKER_BUILD_FLAGS:-} --target gateway -t "mallard-gateway:$tag" .
echo "built mallard-silo:$tag mallard-gateway:$tag"
