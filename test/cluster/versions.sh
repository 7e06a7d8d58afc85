# shellcheck shell=bash
# Pinned versions and cache locations of the local test cluster (sourced by the scripts here).
K8S_VERSION="v1.33.13"          # k8s.io/kubernetes (see build/go.mod; staging modules at v0.33.13)
K8S_GIT_COMMIT="0000000000000000000000000000000000000000"  # not known from the module proxy
ETCD_VERSION="v3.5.21"          # go.etcd.io/etcd/server/v3, the version kubernetes v1.33 is tested with
DEBIAN_SUITE="bookworm"
MAILSYNC_CACHE="${MAILSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mailsync}"
MAILSYNC_CLUSTER_DIR="${MAILSYNC_CLUSTER_DIR:-/tmp/mailsync-cluster}"
CLUSTER_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

k8s_bin_dir() { echo "$MAILSYNC_CACHE/k8s/$K8S_VERSION-etcd-$ETCD_VERSION/bin"; }
# changes when the pinned inputs change; the cached build is reused while it matches
build_fingerprint() {
  { echo "$K8S_VERSION $ETCD_VERSION $(go env GOVERSION 2>/dev/null)"; cat "$CLUSTER_HERE/build/go.mod" "$CLUSTER_HERE/build/go.sum" "$CLUSTER_HERE/build/pause/main.go"; } | sha256sum | cut -c1-16
}
