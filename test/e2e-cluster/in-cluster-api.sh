#!/usr/bin/env bash
# In-cluster API access from a hostNetwork pod with its own ServiceAccount and RBAC, the way
# the operator reaches the API: KUBERNETES_SERVICE_HOST/PORT injected by the kubelet, the
# projected token and ca.crt under /var/run/secrets/kubernetes.io/serviceaccount.
# Checks: identity is system:serviceaccount:<ns>:reader, the Role allows configmaps,
# RBAC denies secrets (403), and the in-cluster address is usable without kube-proxy.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib.sh"

NS=mailsync-e2e-incluster
echo "# in-cluster API access (image $TEST_IMAGE)"
kc delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
kc create namespace "$NS" >/dev/null
trap 'kc delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT

kc -n "$NS" apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: configmap-reader}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-configmaps}
subjects: [{kind: ServiceAccount, name: reader}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmap-reader}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: probe}
data: {greeting: hello-from-the-api}
EOF

SCRIPT=$(cat <<'JS'
const fs = require("node:fs"), https = require("node:https");
const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
const host = process.env.KUBERNETES_SERVICE_HOST, port = process.env.KUBERNETES_SERVICE_PORT;
const ns = fs.readFileSync(sa + "/namespace", "utf8");
const opts = { ca: fs.readFileSync(sa + "/ca.crt"), headers: { authorization: "Bearer " + fs.readFileSync(sa + "/token", "utf8").trim(), "content-type": "application/json" } };
const req = (method, path, body) => new Promise((res) => {
  const r = https.request({ host, port, path, method, ...opts }, (m) => { let d = ""; m.on("data", (c) => (d += c)); m.on("end", () => res({ status: m.statusCode, body: d })); });
  r.on("error", (e) => res({ status: 0, body: String(e) }));
  r.end(body ? JSON.stringify(body) : undefined);
});
(async () => {
  const who = await req("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
  const cm = await req("GET", `/api/v1/namespaces/${ns}/configmaps/probe`);
  const sec = await req("GET", `/api/v1/namespaces/${ns}/secrets`);
  console.log(JSON.stringify({ host, port, ns, uid: process.getuid(),
    user: who.status === 201 ? JSON.parse(who.body).status.userInfo.username : `HTTP ${who.status} ${who.body.slice(0, 200)}`,
    configmap: cm.status === 200 ? JSON.parse(cm.body).data.greeting : `HTTP ${cm.status} ${cm.body.slice(0, 200)}`,
    secretsStatus: sec.status }));
})();
JS
)
kc -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: incluster}
spec:
  hostNetwork: true
  restartPolicy: Never
  serviceAccountName: reader
  terminationGracePeriodSeconds: 2
  securityContext: {runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true}
  containers:
  - name: main
    image: $TEST_IMAGE
    imagePullPolicy: IfNotPresent
    command: ["node", "-e", $(printf '%s' "$SCRIPT" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')]
EOF
wait_jsonpath "$NS" pod/incluster '{.status.phase}' Succeeded 90 || kc -n "$NS" describe pod incluster
out=$(kc -n "$NS" logs incluster 2>&1 | tail -1)
echo "    pod says: $out"
field() { node -e 'try { const o = JSON.parse(process.argv[1]); console.log(o[process.argv[2]]); } catch { console.log("") }' "$out" "$1"; }
svc_ip=$(kc -n default get service kubernetes -o jsonpath='{.spec.clusterIP}')
check "pod got KUBERNETES_SERVICE_HOST = kubernetes Service ClusterIP ($svc_ip)" test "$(field host)" = "$svc_ip"
check "pod runs as uid 10001" test "$(field uid)" = 10001
check "authenticated as its ServiceAccount" test "$(field user)" = "system:serviceaccount:$NS:reader"
check "RBAC allows what its Role grants (configmap read)" test "$(field configmap)" = hello-from-the-api
check "RBAC denies the rest (secrets -> 403)" test "$(field secretsStatus)" = 403
finish
