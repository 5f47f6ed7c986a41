# syntax=docker/dockerfile:1
# vigia: built with cargo-chef (dependencies in their own cached layer, planned
# from the real manifest), run as a non-root user on slim Debian.
# .ci/image runs these build steps on a clean copy of the tree in CI.

FROM rust:1-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS plan
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=plan /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json --bin vigia
COPY . .
RUN cargo build --release --locked --bin vigia

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin vigia \
 && mkdir -p /data && chown 10001 /data
COPY --from=build /src/target/release/vigia /usr/local/bin/vigia
COPY config /config
# The store lives in the /data volume: /config/vigia.toml says
# path = "../data/vigia.db", which resolves to /data/vigia.db.
ENV VIGIA_CONFIG=/config/vigia.toml
# /healthz and /metrics answer outside the container (compose publishes them on
# the host's loopback only).
ENV VIGIA_HTTP_LISTEN=0.0.0.0:9187
# The token is a secret file; a container without it refuses to start rather
# than print alerts nobody reads. Set it empty to run without Telegram.
# (A path, not the token: hadolint cannot tell.)
# hadolint ignore=DL3064
ENV TELEGRAM_BOT_TOKEN_FILE=/run/secrets/telegram_token
EXPOSE 9187
VOLUME ["/data"]
USER 10001
WORKDIR /data
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["vigia", "health"]
ENTRYPOINT ["vigia"]
CMD ["run"]
