#!/usr/bin/env bash
# Builds (once per pinned version) the Kubernetes components and etcd used by the
# local test cluster, from the Go module proxy, into ~/.cache/mailsync/k8s/<version>/bin.
# A second run with the same versions is a no-op (stamp file).
#
#   test/cluster/build.sh            # build if needed, print the bin dir
#   MAILSYNC_BUILD_NICE=0 ...        # do not renice the compiler
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$HERE/versions.sh"

BIN="$(k8s_bin_dir)"
STAMP="$BIN/.complete"
if [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(build_fingerprint)" ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$BIN"
exec 9>"$BIN/.lock"
flock 9
# someone else may have finished while we waited
if [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(build_fingerprint)" ]]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "go is required (go >= 1.24)" >&2; exit 1; }

NICE="${MAILSYNC_BUILD_NICE:-10}"
export CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" GO111MODULE=on
# keep the Go build cache with ours so a cached machine does not rebuild
export GOCACHE="${MAILSYNC_GOCACHE:-$MAILSYNC_CACHE/gocache}"
BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
MAJOR="${K8S_VERSION#v}"; MAJOR="${MAJOR%%.*}"
MINOR="${K8S_VERSION#v*.}"; MINOR="${MINOR%%.*}"
LD="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LD+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$MAJOR -X $p.gitMinor=$MINOR"
  LD+=" -X $p.gitCommit=$K8S_GIT_COMMIT -X $p.gitTreeState=clean -X $p.buildDate=$BUILD_DATE"
done

start=$(date +%s)
echo "build: kubernetes $K8S_VERSION + etcd $ETCD_VERSION -> $BIN (nice $NICE, $(nproc) cores)" >&2
cd "$HERE/build"
tmp="$BIN/.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
nice -n "$NICE" go build -ldflags "$LD" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubelet \
  k8s.io/kubernetes/cmd/kubectl
nice -n "$NICE" go build -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
mv "$tmp"/* "$BIN/"
rmdir "$tmp"
end=$(date +%s)
echo "$((end - start))" > "$BIN/.build-seconds"
build_fingerprint > "$STAMP"
echo "build: done in $((end - start)) s" >&2
echo "$BIN"
