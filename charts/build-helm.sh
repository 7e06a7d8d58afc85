#!/usr/bin/env bash
# Builds (once per pinned version) the chart tools from the Go module proxy and
# caches them under ~/.cache/mailsync/bin:
#   helm-<HELM_VERSION>               helm.sh/helm/v4/cmd/helm
#   kubeconform-<KUBECONFORM_VERSION> github.com/yannh/kubeconform/cmd/kubeconform
# A second run is a no-op. Prints the absolute path of each requested tool.
#
#   charts/build-helm.sh                 # both, one path per line (helm first)
#   charts/build-helm.sh helm            # only helm
#   charts/build-helm.sh kubeconform     # only kubeconform
#   MAILSYNC_BUILD_NICE=0 ...            # do not renice the compiler
set -euo pipefail

HELM_VERSION="v4.3.1"          # helm.sh/helm/v4 (charts are apiVersion v2: Helm 3.x renders them too)
KUBECONFORM_VERSION="v0.8.0"   # github.com/yannh/kubeconform
MAILSYNC_CACHE="${MAILSYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mailsync}"
BIN="$MAILSYNC_CACHE/bin"
NICE="${MAILSYNC_BUILD_NICE:-10}"

# build <name> <version> <package@version> <ldflags>
build() {
  local name="$1" version="$2" pkg="$3" ldflags="$4"
  local out="$BIN/$name-$version"
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  mkdir -p "$BIN"
  exec 9>"$BIN/.$name.lock"
  flock 9
  # another process may have finished the build while we waited for the lock
  if [[ -x "$out" ]]; then echo "$out"; exec 9>&-; return; fi
  command -v go >/dev/null || { echo "go is required (>= 1.26 for $pkg)" >&2; exit 1; }
  local tmp start
  tmp="$(mktemp -d "$BIN/.$name.XXXXXX")"
  start=$(date +%s)
  echo "build: $pkg -> $out (nice $NICE, $(nproc) cores)" >&2
  # go install pkg@version builds from the module's own go.mod (no local module needed);
  # the default GOCACHE is shared with the other Go builds on this machine.
  CGO_ENABLED=0 GOFLAGS="-trimpath" GOBIN="$tmp" GO111MODULE=on \
    nice -n "$NICE" go install -ldflags "$ldflags" "$pkg"
  mv "$tmp/$name" "$out"
  rmdir "$tmp"
  echo "build: $name $version done in $(($(date +%s) - start)) s" >&2
  exec 9>&-
  echo "$out"
}

build_helm() {
  # the same version stamping as helm's Makefile for a tagged release
  build helm "$HELM_VERSION" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" \
    "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.metadata= -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
}

build_kubeconform() {
  build kubeconform "$KUBECONFORM_VERSION" "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" \
    "-s -w -X main.version=$KUBECONFORM_VERSION"
}

case "${1:-all}" in
  helm) build_helm ;;
  kubeconform) build_kubeconform ;;
  all) build_helm; build_kubeconform ;;
  *) echo "usage: $0 [helm|kubeconform]" >&2; exit 2 ;;
esac
