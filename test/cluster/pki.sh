#!/usr/bin/env bash
# Generates the cluster PKI with openssl into $1 (default $MAILSYNC_CLUSTER_DIR/pki):
# one CA, serving certs (apiserver, etcd, kubelet), client certs (admin, apiserver->kubelet,
# apiserver->etcd, node, controller-manager, scheduler) and the service-account signing key.
# Keys are ECDSA P-256 (fast to make; supported by every component here).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/versions.sh"
PKI="${1:-$MAILSYNC_CLUSTER_DIR/pki}"
NODE_NAME="${NODE_NAME:-127.0.0.1}"
DAYS=30
mkdir -p "$PKI"
cd "$PKI"
umask 077

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }

# sign NAME SUBJECT EXTKEYUSAGE [SAN]
sign() {
  local name=$1 subj=$2 eku=$3 san=${4:-}
  key "$name"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } > "$name.ext"
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$DAYS" \
    -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

key ca
openssl req -x509 -new -key ca.key -subj "/CN=mailsync-local-ca" -days "$DAYS" -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
  -out ca.crt 2>/dev/null

sign apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign etcd "/CN=etcd" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
sign apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
sign admin "/O=system:masters/CN=mailsync-admin" clientAuth
sign controller-manager "/CN=system:kube-controller-manager" clientAuth
sign scheduler "/CN=system:kube-scheduler" clientAuth
sign node "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
sign kubelet "/CN=$NODE_NAME" serverAuth "IP:127.0.0.1,DNS:localhost"

# service-account token signing key pair (ES256)
key sa
openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
rm -f ca.srl
chmod 0644 ./*.crt sa.pub
