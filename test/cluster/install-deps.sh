#!/usr/bin/env bash
# Installs (idempotently, quietly) the Debian packages the local test cluster needs:
# containerd + runc (CRI v1 runtime), CNI plugins, docker.io (image builds only),
# debootstrap (base image rootfs), openssl (PKI), plus small host tools the kubelet uses.
# Go (>= 1.24) must already be installed; the Kubernetes components are built by build.sh.
set -euo pipefail
PKGS=(containerd runc containernetworking-plugins docker.io debootstrap openssl
      iproute2 util-linux mount procps psmisc ca-certificates curl kmod e2fsprogs)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $EUID -ne 0 ]]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# third-party sources may be unreachable here; Debian's own are enough
apt-get update -qq >/dev/null 2>&1 || true
# do not let the packages' maintainer scripts start services (no init system here)
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
fi
trap '((created_policy)) && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
