#!/usr/bin/env bash
# Builds the stand-in worker image of `npm run bench:live` (bench/live/standin/) on the locally
# made base image and imports it into the local cluster's containerd, as test/cluster/build-image.sh
# does for the project image.
#   bench/live/build-standin.sh [SECONDS]     # -> mailsync-standin:local, each run lasting SECONDS (300)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER="$HERE/../../test/cluster"
. "$CLUSTER/versions.sh"
IMAGE="${MAILSYNC_STANDIN_IMAGE:-mailsync-standin:local}"
DOCKER="$(command -v /usr/bin/docker || command -v docker)"
SOCK="$MAILSYNC_CLUSTER_DIR/containerd/containerd.sock"
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$HERE/standin/Dockerfile" "$HERE/standin/replay.sh" "$HERE/worker-log.tsv" "$ctx/"

"$CLUSTER/docker-daemon.sh" start
"$CLUSTER/images.sh" docker-load
"$DOCKER" build --network host --build-arg "STANDIN_SECONDS=${1:-300}" -t "$IMAGE" "$ctx" >&2
tar="$ctx/standin.tar"
"$DOCKER" save -o "$tar" "$IMAGE"
[[ -S $SOCK ]] || { echo "build-standin: the local cluster is not running ($SOCK)" >&2; exit 1; }
ctr -a "$SOCK" -n k8s.io images import "$tar" >/dev/null
echo "build-standin: $IMAGE (runs of ${1:-300} s) imported into the local cluster" >&2
