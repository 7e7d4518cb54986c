# vpce-doctor: build with the dev dependencies, run with the production dependencies only.
#
#   docker build -t vpce-doctor .
#   docker run --rm -p 8080:8080 vpce-doctor          # serves the bundled example snapshot
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp vpce-doctor
#
# test/deploy/dockerfile.test.ts replays this file without Docker (install, build,
# production install, start, /readyz, the HEALTHCHECK command, SIGTERM). It knows the RUN
# commands used below and fails on any other, naming it, so that a new one gets replayed too.
# The base is the Active LTS of .nvmrc, pinned by tag; pin it by digest as well (node:24.21.0-bookworm-slim@sha256:…)
# where images must be reproducible. Slim (glibc) rather than Alpine (musl): the DNS checks
# of the prober then resolve the way most clients (Amazon Linux, Debian, Ubuntu) do.

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No scripts: `prepare` would compile before the sources are here; the build is its own step.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The web page: bundled by esbuild into dist/web.
COPY web ./web
COPY scripts/build-web.mjs scripts/build-cli.mjs ./scripts/
RUN npm run build

FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# Owned by root and read-only to the service's user: the process writes nothing but /tmp.
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The example snapshots: the default VPCE_DOCTOR_SNAPSHOT_DIR is examples/healthy-aws-service.
COPY examples ./examples
# Set after the install so that npm's own files stay out of /tmp. With --read-only (or
# readOnlyRootFilesystem), mount a tmpfs or an emptyDir at /tmp.
ENV PORT=8080 \
    HOST=0.0.0.0 \
    HOME=/tmp
# The node image's unprivileged user, by number so that Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080
STOPSIGNAL SIGTERM
# node itself (the slim image has no curl); a live source's first load may take a minute.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "require('node:http').get({host: '127.0.0.1', port: process.env.PORT || 8080, path: '/healthz', timeout: 4000}, (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('timeout', () => process.exit(1)).on('error', () => process.exit(1))"]
CMD ["node", "dist/server.js"]
