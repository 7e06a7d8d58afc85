#!/usr/bin/env bash
# make demo: from a fresh clone to a MailSync that ran in a local Kubernetes cluster.
#   1. dependencies (Debian packages, npm, the TypeScript build)      2. the local cluster (test/cluster)
#   3. the image, built and imported into the cluster                  4. two demo IMAP servers (Dovecot) on 127.0.0.1
#   5. the Helm chart, installed with that image                       6. a MailSync + its Secret
#   7. live progress until it ends, the summary, an independent count  8. how to look around and how to stop
# Run it again at any time: it starts over with fresh servers and a fresh MailSync.
# The web console (self-service page /X and admin view /admin) runs too; its URL is printed at the end.
# Settings (environment): DEMO_NAMESPACE, DEMO_RELEASE, DEMO_METRICS_PORT, DEMO_CONSOLE_PORT, DEMO_MESSAGES (300),
# DEMO_RATE (messages/s, 30; 0 = full speed), MAILSYNC_IMAGE, MAILSYNC_CLUSTER_DIR.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
[[ $EUID -eq 0 ]] || die "run as root: the local cluster (kubelet, containerd) and Dovecot need it"

step "dependencies: Debian packages, npm packages (Node 24 comes with them), build"
bash test/harness/install-deps.sh
if [[ ! -x node_modules/.bin/node ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  make --no-print-directory install
fi
echo "node $(node --version)"
make --no-print-directory build >/dev/null
HELM="$(charts/build-helm.sh helm)"

step "local Kubernetes cluster (make cluster-up)"
make --no-print-directory cluster-up
cluster_answers || die "the cluster does not answer (make cluster-status)"

mkdir -p "$MAILSYNC_DEMO_DIR" && chmod 700 "$MAILSYNC_DEMO_DIR"
step "image $MAILSYNC_IMAGE (make cluster-image: docker build, import into the cluster's containerd)"
# docker's output goes to a log (shown when the build fails); build-image.sh reports on stderr
if ! make --no-print-directory -s cluster-image MAILSYNC_IMAGE="$MAILSYNC_IMAGE" >"$MAILSYNC_DEMO_DIR/image-build.log"; then
  tail -40 "$MAILSYNC_DEMO_DIR/image-build.log" >&2
  die "the image build failed (log: $MAILSYNC_DEMO_DIR/image-build.log)"
fi
# a rebuilt image under the same tag must restart the operator: its id goes into a pod annotation
IMAGE_ID="$(docker image inspect -f '{{.Id}}' "$MAILSYNC_IMAGE" | sed 's/^sha256://' | cut -c1-12)"

step "two demo IMAP servers (Dovecot on 127.0.0.1), the source filled with ${DEMO_MESSAGES:-300} generated messages"
stop_imap_servers
setsid node --import tsx demo/imap-servers.ts --messages "${DEMO_MESSAGES:-300}" \
  >"$IMAP_LOG" 2>&1 </dev/null &
echo $! >"$IMAP_PID_FILE"
for ((i = 0; i < 600; i++)); do
  [[ -f $IMAP_STATE_FILE ]] && break
  kill -0 "$(cat "$IMAP_PID_FILE")" 2>/dev/null || { cat "$IMAP_LOG" >&2; die "the IMAP servers did not start"; }
  sleep 0.2
done
[[ -f $IMAP_STATE_FILE ]] || { cat "$IMAP_LOG" >&2; die "the IMAP servers were not ready in 120 s"; }
cat "$IMAP_LOG"

step "helm install $DEMO_RELEASE (charts/mailsync-operator) into namespace $DEMO_NAMESPACE"
kubectl create namespace "$DEMO_NAMESPACE" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
if ! "$HELM" status "$DEMO_RELEASE" -n "$DEMO_NAMESPACE" >/dev/null 2>&1; then
  if (exec 3<>"/dev/tcp/127.0.0.1/$DEMO_METRICS_PORT") 2>/dev/null; then
    die "port $DEMO_METRICS_PORT (the operator's metrics, on the node's network) is in use: set DEMO_METRICS_PORT"
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$DEMO_CONSOLE_PORT") 2>/dev/null; then
    die "port $DEMO_CONSOLE_PORT (the web console, on the node's network) is in use: set DEMO_CONSOLE_PORT"
  fi
fi
# the demo CA (it signed the IMAP servers' certificates) for the console's syncs and Test logins
node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).caPem)' \
  "$IMAP_STATE_FILE" >"$MAILSYNC_DEMO_DIR/ca.crt"
kubectl -n "$DEMO_NAMESPACE" create secret generic demo-ca --from-file=ca.crt="$MAILSYNC_DEMO_DIR/ca.crt" \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# The CRDs (MailSync, MailMigration) already in the cluster (from kubectl apply, or kept by another
# release's uninstall) are adopted into this release, as the chart README describes; --force-conflicts
# lets helm's server-side apply take over the fields another field manager (e.g. kubectl apply) set.
for crd in mailsyncs.mailsync.io mailmigrations.mailsync.io; do
  if kubectl get crd "$crd" >/dev/null 2>&1; then
    kubectl label --overwrite crd "$crd" app.kubernetes.io/managed-by=Helm >/dev/null
    kubectl annotate --overwrite crd "$crd" meta.helm.sh/release-name="$DEMO_RELEASE" \
      meta.helm.sh/release-namespace="$DEMO_NAMESPACE" >/dev/null
  fi
done
"$HELM" upgrade --install "$DEMO_RELEASE" charts/mailsync-operator --namespace "$DEMO_NAMESPACE" \
  --set image.repository="${MAILSYNC_IMAGE%:*}" --set image.tag="${MAILSYNC_IMAGE##*:}" \
  -f charts/mailsync-operator/ci/local-cluster-values.yaml \
  --set metrics.port="$DEMO_METRICS_PORT" \
  --set console.enabled=true --set console.admin.enabled=true --set console.port="$DEMO_CONSOLE_PORT" \
  --set console.caSecret.name=demo-ca --set-json 'console.extraArgs=["--host=127.0.0.1"]' \
  --set-string "podAnnotations.mailsync\.io/image-id=$IMAGE_ID" \
  --force-conflicts --wait --timeout 5m >/dev/null
kubectl -n "$DEMO_NAMESPACE" get deployment "$DEMO_RELEASE" "$DEMO_RELEASE-console" -o wide
# who signs in to the admin view: a ServiceAccount with the namespace's built-in `edit` role (the
# chart aggregates the MailSync and MailMigration rights into it); the console checks every action
# against this account's own RBAC
kubectl -n "$DEMO_NAMESPACE" create serviceaccount "$DEMO_ADMIN_SA" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$DEMO_NAMESPACE" create rolebinding "$DEMO_ADMIN_SA" --clusterrole=edit \
  --serviceaccount="$DEMO_NAMESPACE:$DEMO_ADMIN_SA" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

step "MailSync $DEMO_NAME and its Secret (passwords + the demo CA)"
# start over: the operator removes the old run (its finalizer) before the new one is created
kubectl -n "$DEMO_NAMESPACE" delete mailsync "$DEMO_NAME" --ignore-not-found --wait=true --timeout=120s >/dev/null
node --import tsx demo/manifests.ts --name "$DEMO_NAME" --messages-per-second "${DEMO_RATE:-30}" |
  kubectl -n "$DEMO_NAMESPACE" apply -f -

step "progress (kubectl -n $DEMO_NAMESPACE get mailsync $DEMO_NAME)"
status=0
KUBECTL=kubectl node --import tsx demo/progress.ts --namespace "$DEMO_NAMESPACE" --name "$DEMO_NAME" || status=$?
echo
kubectl -n "$DEMO_NAMESPACE" get mailsync "$DEMO_NAME"

cat <<TEXT

Look around:
  export KUBECONFIG=$KUBECONFIG PATH=$MAILSYNC_CLUSTER_DIR/bin:\$PATH
  kubectl -n $DEMO_NAMESPACE get ms                      # phase, progress, rate, age
  kubectl -n $DEMO_NAMESPACE describe ms $DEMO_NAME                 # conditions, summary, events
  kubectl -n $DEMO_NAMESPACE get ms $DEMO_NAME -o jsonpath='{range .status.logTail[*]}{@}{"\n"}{end}'   # worker log tail
  kubectl -n $DEMO_NAMESPACE logs deploy/$DEMO_RELEASE     # the operator's JSON log
  curl -s http://127.0.0.1:$DEMO_METRICS_PORT/metrics | grep '^mailsync_'   # metrics: the operator is on the node's network
                                                         # (the API server refuses to proxy to 127.0.0.1 pods)
  kubectl -n $DEMO_NAMESPACE patch ms $DEMO_NAME --type=merge -p '{"spec":{"errorsMax":10}}'   # new generation: a delta pass
  IMAP servers: $IMAP_STATE_FILE (ports, passwords, CA), log $IMAP_LOG
Web console (plain HTTP on this machine's loopback):
  http://127.0.0.1:$DEMO_CONSOLE_PORT/X        the self-service page: two accounts, Test logins, Sync!, live progress
  http://127.0.0.1:$DEMO_CONSOLE_PORT/admin    the admin view; sign in with the token of $DEMO_ADMIN_SA:
    kubectl -n $DEMO_NAMESPACE create token $DEMO_ADMIN_SA
Stop everything: make demo-down   (helm uninstall, IMAP servers, make cluster-down)
TEXT
echo "make demo: $([[ $status -eq 0 ]] && echo done || echo FAILED) in $((SECONDS - DEMO_T0)) s"
exit $status
