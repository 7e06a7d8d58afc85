# mailsync-operator image: one image for the controller, the sync workers and the CLI.
#   docker build -t mailsync-operator:dev .
# The runtime image is built FROM scratch and holds only the Node binary, the shared libraries it
# links (ldd), Debian's CA certificates, /etc/passwd and /etc/group naming the user 10001, an empty
# /tmp (1777) and the app. No shell, no package manager, no npm: whoever gets code execution in a
# worker finds no tools, and there is nothing else to patch (docs/security.md, "The image").
# The build stages need a Debian-based image with node (>= 24) and npm on PATH, ldd and apt-get
# (for ca-certificates). When no registry is reachable, test/cluster/build-image.sh builds on the
# locally made Debian + Node 24 base:
#   --build-arg BASE_IMAGE=mailsync-base:local
ARG BASE_IMAGE=node:24-slim

# --- build: full install (dev deps for tsc), compile to dist/ ----------------------------
FROM ${BASE_IMAGE} AS build
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# The worker in one file (scripts/bundle-worker.ts): a worker pod runs once per account, and loading
# ~400 modules one by one was most of a small sync's CPU (bench/worker-startup.ts).
RUN npm run build \
 && npx tsx scripts/bundle-worker.ts \
 && test -f dist/main.js

# --- production dependencies only ------------------------------------------------------
FROM ${BASE_IMAGE} AS prod-deps
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /src
COPY package.json package-lock.json ./
# Type declarations and source maps are never loaded at run time: about half of node_modules.
RUN npm ci --omit=dev && npm cache clean --force \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.js.map' -o -name '*.mjs.map' -o -name '*.cjs.map' -o -name '*.d.ts.map' \) -delete

# --- rootfs: what the runtime needs besides the app, collected under /rootfs --------------
# The node binary with exactly the libraries `ldd` names (libc, libm, libstdc++, libgcc_s, the
# loader, ...), copied to the paths the loader searches by default (no ld.so.cache is needed).
# nsswitch.conf: names resolve from /etc/hosts, then DNS (glibc >= 2.34 has both built in).
# The final check runs node inside /rootfs, so a missing library fails the build, not a pod.
FROM ${BASE_IMAGE} AS rootfs
RUN set -eu; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null; \
    node=$(command -v node); \
    mkdir -p /rootfs/usr/local/bin /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/app; \
    cp -L "$node" /rootfs/usr/local/bin/node; \
    for lib in $(ldd "$node" | grep -oE '/[^ ]+'); do \
      mkdir -p "/rootfs$(dirname "$lib")"; cp -L "$lib" "/rootfs$lib"; \
    done; \
    cp -L /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt; \
    printf 'root:x:0:0:root:/nonexistent:/nonexistent\nmailsync:x:10001:10001:mailsync:/tmp:/nonexistent\n' >/rootfs/etc/passwd; \
    printf 'root:x:0:\nmailsync:x:10001:\n' >/rootfs/etc/group; \
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >/rootfs/etc/nsswitch.conf; \
    chmod 0755 /rootfs/usr/local/bin/node; \
    chmod 1777 /rootfs/tmp; \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt chroot /rootfs /usr/local/bin/node -e \
      'const n = require("node:tls").getCACertificates("system").length; if (n < 100) throw new Error(`system CA store: ${n} certificates`); console.log(`node ${process.version}: ${n} system CA certificates`)'

# --- Node's compile cache of the worker, made where and as whom the pod runs it -------------
# Node keeps compiled code per file path and per uid (a directory named ...-10001): made at /app
# as uid 10001 with the same node binary, then read-only (root-owned). A pod finds the worker
# compiled already; what a process compiles beyond it (the controller, the console) is not written
# back (read-only root filesystem, or a directory it may not write): Node skips that silently.
# About 5% of a small worker run's CPU (bench/worker-startup.ts, "bundled+cache").
FROM ${BASE_IMAGE} AS compile-cache
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
RUN set -eu; \
    mkdir compile-cache; chown 10001:10001 compile-cache; \
    setpriv --reuid 10001 --regid 10001 --clear-groups \
      env NODE_COMPILE_CACHE=/app/compile-cache node /app/dist/main.js worker --help >/dev/null; \
    chown -R 0:0 compile-cache; chmod -R a+rX,go-w compile-cache; \
    test -n "$(find compile-cache -type f -size +100k)"

# --- runtime ---------------------------------------------------------------------------
FROM scratch
COPY --from=rootfs /rootfs/ /
# PATH: `node` for the exec-form ENTRYPOINT and for pods that run `node -e` (the chart's helm test).
# SSL_CERT_FILE: Node's "system" CA store (used with its own bundle, src/sync/tls-options.ts).
ENV PATH=/usr/local/bin NODE_ENV=production SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
COPY --from=compile-cache /app/compile-cache ./compile-cache
ENV NODE_COMPILE_CACHE=/app/compile-cache
# non-root, numeric so that runAsNonRoot can check it without reading /etc/passwd
USER 10001:10001
# 2 MB semi-spaces: the young generation would otherwise grow to 64 MB resident during a sync
# (same flag as bin/mailsync; see there for the measurement). An environment variable, not an
# ENTRYPOINT flag, so a pod's own NODE_OPTIONS (the chart's controller sets 4) replaces it.
ENV NODE_OPTIONS=--max-semi-space-size=2
# subcommands: controller | worker | sync | console | ... (`--help`); bin/mailsync is not copied
# (it is a /bin/sh launcher for installs from the repository).
ENTRYPOINT ["node", "/app/dist/main.js"]
