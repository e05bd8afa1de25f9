# syntax=docker/dockerfile:1
#
# Production image of zhucan: one static binary that runs as `migrate`, `api`
# or `worker` (see docker-compose.yml for how the three are wired).
#
#   docker build -t zhucan:local .
#   docker run --rm zhucan:local help

# Build stage. It runs on the builder's own platform and cross-compiles for
# the target one (docker buildx build --platform linux/arm64 works without
# emulation); with CGO off the binary is static and needs no libc.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -o /out/zhucan ./cmd/zhucan

# Runtime stage: distroless "static", not Debian slim. The binary is static
# (schema migrations and the service catalogue are embedded in it), so it
# needs only what this image has: CA certificates, time-zone data and a
# passwd entry for the unprivileged "nonroot" user (uid 65532). With no shell,
# package manager or curl there is little to patch or to abuse; container
# health checks run `zhucan probe URL` instead of curl.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/zhucan /zhucan
ENV ZHUCAN_HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/zhucan"]
CMD ["help"]
