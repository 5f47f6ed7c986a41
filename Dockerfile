# syntax=docker/dockerfile:1
# vigia: build in one stage, run as a non-root user on slim Debian.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# Dependencies first, in their own cached layer: a stub crate with the real
# manifest and lock file builds every dependency once.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && echo 'fn main() {}' > benches/matching.rs \
 && echo 'fn main() {}' > benches/flood.rs \
 && cargo build --release --locked --bin vigia \
 && rm -rf src benches
COPY src ./src
COPY benches ./benches
# Make sure cargo sees the real sources as newer than the stub's build.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin vigia

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin vigia \
 && mkdir -p /data && chown vigia /data
COPY --from=build /src/target/release/vigia /usr/local/bin/vigia
COPY config /config
# Inside the container the store lives in the /data volume: /config/vigia.toml
# says path = "../data/vigia.db", which resolves to /data/vigia.db.
ENV VIGIA_CONFIG=/config/vigia.toml
VOLUME ["/data"]
USER vigia
WORKDIR /data
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["vigia", "health"]
ENTRYPOINT ["vigia"]
CMD ["run"]
