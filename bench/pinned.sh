#!/usr/bin/env bash
# Run a bench with the local cluster's control plane on CPU 0 and its node on CPU 1
# (a 2-core machine standing in for a cluster whose control plane has cores of its own):
#
#   KUBECONFIG=/tmp/mailsync-cluster/kubeconfig MAILSYNC_IMAGE=mailsync-operator:dev \
#     bench/pinned.sh npm run bench:fleet -- --accounts 1000 --per-host 50 --accounts-per-worker 25 --no-delta
#
# CPU 0: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, the bench and the controller it
# starts. CPU 1: the kubelet, containerd and its shims (so every worker pod), Dovecot, and the recipe's
# GNU parallel and mbsync: the same one core for the data path of both the migration and the recipe.
# Processes started later inherit their parent's CPU; a loop (every 2 s, on CPU 0, its own cost shows
# as "pinned.sh" in the bench's CPU table) moves the ones that start on the wrong side (Dovecot, parallel).
# Linux only (taskset, pgrep); needs 2 CPUs or more.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: bench/pinned.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ "$(nproc)" -lt 2 ]; then
  echo "bench/pinned.sh: needs 2 CPUs, this machine has $(nproc)" >&2
  exit 2
fi
pin() {
  local cpu=$1
  shift
  for pid in "$@"; do taskset -a -p -c "$cpu" "$pid" >/dev/null 2>&1 || true; done
}
pin_loop() {
  while true; do
    # shellcheck disable=SC2046 # word splitting of the pid lists is wanted
    pin 0 $(pgrep -x etcd) $(pgrep -x kube-apiserver) $(pgrep -f kube-controller-manager) \
      $(pgrep -x kube-scheduler) $(pgrep -f 'dist/main.js controller')
    # shellcheck disable=SC2046
    pin 1 $(pgrep -x kubelet) $(pgrep -x containerd) $(pgrep -f containerd-shim) $(pgrep -f dovecot) \
      $(pgrep -x parallel) $(pgrep -x mbsync)
    sleep 2
  done
}
# This script, its loop and the command all start on CPU 0.
taskset -p -c 0 $$ >/dev/null
pin_loop &
loop=$!
trap 'kill "$loop" 2>/dev/null || true' EXIT
taskset -c 0 "$@"
