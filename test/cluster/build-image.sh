#!/usr/bin/env bash
# Builds the project image from the repository's normal Dockerfile, its build stages on the locally
# made base (no registry; the runtime stage is FROM scratch), and imports it into the local
# cluster's containerd (k8s.io namespace).
#   test/cluster/build-image.sh                 # -> mailsync-operator:dev
#   MAILSYNC_IMAGE=mailsync-operator:x test/cluster/build-image.sh
# The image tarball is also kept in $MAILSYNC_CACHE/images/extra/ so that the next
# `make cluster-up` imports it again. Pods must use imagePullPolicy: IfNotPresent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/versions.sh"
REPO="$(cd "$HERE/../.." && pwd)"
IMAGE="${MAILSYNC_IMAGE:-mailsync-operator:dev}"
BASE="${MAILSYNC_BASE_IMAGE:-mailsync-base:local}"
DOCKER="$(command -v /usr/bin/docker || command -v docker)"
SOCK="$MAILSYNC_CLUSTER_DIR/containerd/containerd.sock"

"$HERE/docker-daemon.sh" start
[[ $BASE == mailsync-base:local ]] && "$HERE/images.sh" docker-load
echo "build-image: docker build $IMAGE (base $BASE)" >&2
start=$SECONDS
"$DOCKER" build --network host \
  --build-arg "BASE_IMAGE=$BASE" \
  -t "$IMAGE" -f "$REPO/Dockerfile" "$REPO"
mkdir -p "$MAILSYNC_CACHE/images/extra"
tar="$MAILSYNC_CACHE/images/extra/$(echo "$IMAGE" | tr '/:' '__').tar"
"$DOCKER" save -o "$tar.tmp" "$IMAGE" && mv "$tar.tmp" "$tar"
if [[ -S $SOCK ]] && ctr -a "$SOCK" version >/dev/null 2>&1; then
  ctr -a "$SOCK" -n k8s.io images import "$tar" >/dev/null
  echo "build-image: $IMAGE imported into the local cluster (k8s.io namespace)" >&2
else
  echo "build-image: local cluster not running; $IMAGE will be imported by the next cluster-up" >&2
fi
echo "build-image: done in $((SECONDS - start)) s" >&2
