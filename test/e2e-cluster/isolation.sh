#!/usr/bin/env bash
# The local cluster never talks to the outside: an image that was not imported is not pulled
# from any registry; the runtime's pull goes to a dead proxy on loopback and fails at once.
# (Only meaningful on the local cluster of test/cluster; skipped elsewhere, e.g. kind.)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib.sh"
echo "# isolation: no registry traffic"
if [[ $(kc get node -o jsonpath='{.items[0].metadata.name}' 2>/dev/null) != 127.0.0.1 ]]; then
  echo "    (not the local cluster: skipped)"; exit 0
fi
NS=mailsync-e2e-isolation
kc delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
kc create namespace "$NS" >/dev/null
trap 'kc delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT
kc -n "$NS" run missing --image=registry.example.invalid/mailsync/missing:1 --image-pull-policy=IfNotPresent \
  --restart=Never --overrides='{"spec":{"hostNetwork":true,"automountServiceAccountToken":false}}' >/dev/null
msg=""
for _ in $(seq 1 60); do
  msg=$(kc -n "$NS" get events --field-selector involvedObject.name=missing,reason=Failed -o jsonpath='{.items[*].message}' 2>/dev/null || true)
  [[ -n $msg ]] && break
  sleep 0.5
done
echo "    pull error: ${msg:0:220}"
check "pull of a non-imported image fails" test -n "$msg"
check "the pull went to the loopback dead proxy, not to a registry" grep -q '127.0.0.1:9' <<<"$msg"
check "node still reports a loopback-only address (InternalIP 127.0.0.1)" \
  test "$(kc get node 127.0.0.1 -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')" = 127.0.0.1
finish
