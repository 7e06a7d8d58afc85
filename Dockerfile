# mailsync-operator image: one image for the controller, the sync workers and the CLI.
#   docker build -t mailsync-operator:dev .
# Base images are overridable (test/cluster/build-image.sh builds with a locally made
# Debian + Node 24 base when no registry is reachable):
#   --build-arg BASE_IMAGE=mailsync-base:local --build-arg RUNTIME_IMAGE=mailsync-base:local
# The runtime image must provide `node` (>= 24) on PATH.
ARG BASE_IMAGE=node:24-slim
ARG RUNTIME_IMAGE=node:24-slim

# --- build: full install (dev deps for tsc), compile to dist/ ----------------------------
FROM ${BASE_IMAGE} AS build
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build \
 && test -f dist/main.js \
 && mkdir -p bin

# --- production dependencies only ------------------------------------------------------
FROM ${BASE_IMAGE} AS prod-deps
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
# non-root, numeric so it also works on bases without /etc/passwd entries (distroless)
USER 10001:10001
# 2 MB semi-spaces: the young generation would otherwise grow to 64 MB resident during a sync
# (same flag as bin/mailsync; see there for the measurement). An environment variable, not an
# ENTRYPOINT flag, so a pod's own NODE_OPTIONS (the chart's controller sets 4) replaces it.
ENV NODE_OPTIONS=--max-semi-space-size=2
# subcommands: controller | worker | sync
ENTRYPOINT ["node", "/app/dist/main.js"]
