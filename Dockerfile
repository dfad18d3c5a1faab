# Mallard images: `--target silo` and `--target gateway`. They copy the self-contained output of
# `dotnet publish` (k8s/build-images.sh makes it under publish/), so no SDK image is needed.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS runtime
# What a self-contained .NET app and DuckDB need beyond the base: TLS (Orleans mutual TLS,
# PostgreSQL), CA roots, time zones, the C++ runtime (libduckdb).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 libstdc++6 tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 mallard \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mallard
# No ICU in the image: Mallard formats and parses with the invariant culture only.
ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    Mallard__Logging__Json=true \
    Logging__LogLevel__Microsoft.AspNetCore=Warning
WORKDIR /app
USER 10001:10001

FROM runtime AS silo
COPY --chown=0:0 publish/silo/ /app/
# Shards live on the data volume; the root filesystem is read-only (only /data and /tmp are written).
VOLUME ["/data"]
ENV Mallard__Shards__DataDirectory=/data
EXPOSE 11111 30000 8081
ENTRYPOINT ["/app/Mallard.Silo"]

FROM runtime AS gateway
COPY --chown=0:0 publish/gateway/ /app/
EXPOSE 8080
ENTRYPOINT ["/app/Mallard.Api"]
