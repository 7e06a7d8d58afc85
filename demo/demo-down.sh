#!/usr/bin/env bash
# make demo-down: undo make demo. The MailSync first (while the operator still runs to take its
# finalizer off), then helm uninstall and the namespace, the demo IMAP servers, the local cluster.
# The MailSync CRD stays (the chart keeps it: helm.sh/resource-policy: keep) until the cluster goes.
# DEMO_KEEP_CLUSTER=1 leaves the cluster running.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if cluster_answers; then
  step "MailSyncs in $DEMO_NAMESPACE, helm uninstall $DEMO_RELEASE, namespace $DEMO_NAMESPACE"
  if kubectl get namespace "$DEMO_NAMESPACE" >/dev/null 2>&1; then
    if ! kubectl -n "$DEMO_NAMESPACE" delete mailsyncs --all --wait=true --timeout=90s 2>/dev/null; then
      # no operator to remove the finalizers (uninstalled already, or never started): drop them
      for ms in $(kubectl -n "$DEMO_NAMESPACE" get mailsyncs -o name 2>/dev/null); do
        kubectl -n "$DEMO_NAMESPACE" patch "$ms" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null || true
      done
    fi
    HELM="$(charts/build-helm.sh helm)"
    if "$HELM" status "$DEMO_RELEASE" -n "$DEMO_NAMESPACE" >/dev/null 2>&1; then
      "$HELM" uninstall "$DEMO_RELEASE" -n "$DEMO_NAMESPACE" --wait --timeout 2m
    fi
    kubectl delete namespace "$DEMO_NAMESPACE" --wait=true --timeout=120s
  fi
else
  echo "demo-down: the local cluster is not running: nothing to uninstall"
fi

step "demo IMAP servers"
stop_imap_servers
rm -rf "$MAILSYNC_DEMO_DIR"

if [[ ${DEMO_KEEP_CLUSTER:-} == 1 ]]; then
  echo "demo-down: DEMO_KEEP_CLUSTER=1: the local cluster keeps running (make cluster-down stops it)"
else
  step "local Kubernetes cluster (make cluster-down)"
  make --no-print-directory cluster-down
fi
echo "make demo-down: done in $((SECONDS - DEMO_T0)) s"
