#!/usr/bin/env bash
# Local single-node Kubernetes for tests, all on 127.0.0.1 (see README.md).
#   cluster.sh up       # build/cached binaries + images, start everything, wait for Ready + smoke pod
#   cluster.sh down     # stop every process started here, unmount, remove the state dir
#   cluster.sh status
#   cluster.sh env      # print `export KUBECONFIG=...`
#   cluster.sh kubeconfig   # print just the kubeconfig path (export KUBECONFIG=$(cluster.sh kubeconfig))
#   cluster.sh check-clean  # fail if any process, mount, cgroup or state of a cluster is left
#   cluster.sh restart etcd|kube-apiserver|kubelet|... [DOWN-SECONDS | until-gone:FILE]
#                           # stop one component, keep it down, start it again as it ran (fault tests)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/versions.sh"

DIR="$MAILSYNC_CLUSTER_DIR"
PKI="$DIR/pki"
LOGS="$DIR/logs"
PIDS="$DIR/pids"
KUBECONFIG_PATH="$DIR/kubeconfig"
NODE_NAME=127.0.0.1             # an IP as node name: the kubelet then reports InternalIP 127.0.0.1
API_PORT="${MAILSYNC_API_PORT:-443}"   # 443 = the `kubernetes` Service port, see README
ETCD_PORT="${MAILSYNC_ETCD_PORT:-12379}"
SERVICE_CIDR="127.0.0.0/24"     # first IP 127.0.0.1 -> KUBERNETES_SERVICE_HOST=127.0.0.1 in pods
CTRD_SOCK="$DIR/containerd/containerd.sock"
UP_TIMEOUT="${MAILSYNC_UP_TIMEOUT:-180}"
# pods per node (the kubelet's default 110; `npm run bench:live` needs 600: MAILSYNC_MAX_PODS=600 make cluster-up)
MAX_PODS="${MAILSYNC_MAX_PODS:-110}"
# components in start order; down stops them in reverse
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet)
# host paths that some component creates outside the state dir whatever its flags say
# (kubelet's device-plugin socket dir, runc/shim state of containerd 1.6); down removes
# the ones that did not exist before up (and only when empty)
HOST_PATHS=(/var/lib/kubelet /var/lib/kubelet/device-plugins /run/containerd /run/containerd/s
            /run/containerd/runc /run/containerd/runc/k8s.io)

log() { echo "cluster: $*" >&2; }
die() { echo "cluster: ERROR: $*" >&2; exit 1; }

BIN=""
bin_dir() { BIN="$(k8s_bin_dir)"; }
kc() { "$(k8s_bin_dir)/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# a recorded pid counts only while it is still our process (its command line names the state
# dir), so a pid reused after a crash or reboot is never signalled
ours() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$DIR/"; }
pid_of() { local p; [[ -f $PIDS/$1.pid ]] && p=$(cat "$PIDS/$1.pid") && ours "$p" && echo "$p"; }
alive() { local p; p=$(pid_of "$1") && [[ -n $p ]]; }

start() { # name cmd...
  local name=$1; shift
  mkdir -p "$LOGS" "$PIDS"
  # fd 8 is the up/down lock: daemons must not inherit it (they would hold it forever)
  setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null 8>&- &
  echo $! > "$PIDS/$name.pid"
}

wait_for() { # description timeout cmd...
  local what=$1 t=$2; shift 2
  local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= end)); then log "timed out waiting for $what"; return 1; fi
    sleep 0.5
  done
}

kubeconfig() { # file user cert key
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mailsync-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$3.crt
    client-key: $PKI/$3.key
contexts:
- name: mailsync-local
  context: {cluster: mailsync-local, user: $2}
current-context: mailsync-local
EOF
  chmod 600 "$1"
}

write_configs() {
  mkdir -p "$DIR/conf" "$DIR/cni/net.d" "$DIR/containerd" "$DIR/kubelet" "$DIR/pod-logs"
  kubeconfig "$KUBECONFIG_PATH" mailsync-admin admin
  kubeconfig "$DIR/conf/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  kubeconfig "$DIR/conf/scheduler.kubeconfig" system:kube-scheduler scheduler
  kubeconfig "$DIR/conf/kubelet.kubeconfig" "system:node:$NODE_NAME" node

  # The API server's audit log records every request made by a ServiceAccount outside kube-system
  # (metadata only: user, verb, resource, response code; never a request or response body). The
  # least-privilege test in the e2e-helm group reads it to prove the chart grants exactly the verbs
  # the controller uses. Path: $DIR/logs/audit.log, rotated at 100 MB.
  cat > "$DIR/conf/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    userGroups: ["system:serviceaccounts:kube-system"]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
EOF

  # Only hostNetwork pods are used. The runtime still needs one valid CNI network to report
  # NetworkReady; a loopback-only network gives any non-hostNetwork pod just `lo`: no traffic
  # can leave the pod, and no bridge, route or iptables rule is created on the host.
  cat > "$DIR/cni/net.d/10-mailsync-loopback.conflist" <<'EOF'
{ "cniVersion": "1.0.0", "name": "mailsync-loopback", "plugins": [ { "type": "loopback" } ] }
EOF

  cat > "$DIR/containerd/config.toml" <<EOF
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$DIR/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "mailsync.local/pause:3.10"
  disable_apparmor = true
  enable_selinux = false
  # this VM lacks CAP_SYS_RESOURCE: negative oom_score_adj (sandbox -998) would fail in runc
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni/net.d"
    max_conf_num = 1
EOF

  cat > "$DIR/conf/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
rotateCertificates: false
serverTLSBootstrap: false
cgroupDriver: cgroupfs
failCgroupV1: false
cgroupsPerQOS: true
containerRuntimeEndpoint: unix://$CTRD_SOCK
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
podLogsDir: $DIR/pod-logs
volumePluginDir: $DIR/kubelet/volume-plugins
failSwapOn: false
memorySwap: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
shutdownGracePeriod: 0s
maxPods: $MAX_PODS
serializeImagePulls: false
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 5s
EOF
}

save_sysctls() {
  # the kubelet sets these kernel tunables; down restores the originals
  local f="$DIR/sysctl.orig"
  [[ -f $f ]] && return
  for k in vm/overcommit_memory kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
    [[ -r /proc/sys/$k ]] && echo "$k $(cat /proc/sys/$k)"
  done > "$f"
}
restore_sysctls() {
  local f="$DIR/sysctl.orig"
  [[ -f $f ]] || return 0
  while read -r k v; do echo "$v" > "/proc/sys/$k" 2>/dev/null || true; done < "$f"
}

import_images() {
  local t
  for name in pause base; do
    t=$("$HERE/images.sh" tar "$name")
    ctr -a "$CTRD_SOCK" -n k8s.io images import "$t" >/dev/null
  done
  # images built by build-image.sh (e.g. mailsync-operator:dev)
  for t in "$MAILSYNC_CACHE"/images/extra/*.tar; do
    [[ -s $t ]] || continue
    ctr -a "$CTRD_SOCK" -n k8s.io images import "$t" >/dev/null || log "WARNING: could not import $t"
  done
}

preflight_ports() {
  local port busy=()
  for port in "$API_PORT" "$ETCD_PORT" $((ETCD_PORT + 1)) $((ETCD_PORT + 2)) 10248 10250 10257 10259; do
    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then busy+=("$port"); fi
  done
  ((${#busy[@]} == 0)) || die "ports already in use on this machine: ${busy[*]} (another cluster? see: ss -ltnp)"
}

up() {
  [[ $EUID -eq 0 ]] || die "must run as root (kubelet, containerd, mounts)"
  if status_quiet; then
    log "already running"; print_env; return 0
  fi
  if [[ -d $DIR ]]; then log "stale state in $DIR: cleaning up first"; down; fi
  local t0=$SECONDS
  "$HERE/install-deps.sh"
  bin_dir
  if [[ ! -f $BIN/.complete ]]; then
    log "building Kubernetes $K8S_VERSION and etcd $ETCD_VERSION (first time only; log $MAILSYNC_CACHE/build.log)"
  fi
  mkdir -p "$MAILSYNC_CACHE"
  "$HERE/build.sh" > /dev/null 2> >(tee -a "$MAILSYNC_CACHE/build.log" >&2) || die "build failed (see $MAILSYNC_CACHE/build.log)"
  # images (cached tarballs; docker is needed only when they are missing)
  "$HERE/images.sh" tar pause >/dev/null
  "$HERE/images.sh" tar base >/dev/null

  preflight_ports
  mkdir -p "$DIR" "$LOGS" "$PIDS"
  ln -sfn "$BIN" "$DIR/bin"
  NODE_NAME=$NODE_NAME "$HERE/pki.sh" "$PKI"
  write_configs
  save_sysctls
  local hp; for hp in "${HOST_PATHS[@]}"; do [[ -e $hp ]] || echo "$hp"; done > "$DIR/created-paths"

  log "starting etcd $ETCD_VERSION"
  start etcd "$BIN/etcd" --name mailsync --data-dir "$DIR/etcd" \
    --listen-client-urls "https://127.0.0.1:$ETCD_PORT" --advertise-client-urls "https://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "mailsync=http://127.0.0.1:$((ETCD_PORT + 1))" --listen-metrics-urls "http://127.0.0.1:$((ETCD_PORT + 2))" \
    --cert-file "$PKI/etcd.crt" --key-file "$PKI/etcd.key" --client-cert-auth --trusted-ca-file "$PKI/ca.crt" \
    --unsafe-no-fsync --snapshot-count 10000 --log-level warn
  wait_for "etcd" 30 curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" \
    "https://127.0.0.1:$ETCD_PORT/health" || { tail -20 "$LOGS/etcd.log" >&2; die "etcd did not start"; }

  log "starting kube-apiserver $K8S_VERSION on https://127.0.0.1:$API_PORT"
  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "https://127.0.0.1:$ETCD_PORT" --etcd-cafile "$PKI/ca.crt" \
    --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP,Hostname \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --endpoint-reconciler-type none \
    --audit-policy-file "$DIR/conf/audit-policy.yaml" --audit-log-path "$LOGS/audit.log" \
    --audit-log-maxsize 100 --audit-log-maxbackup 2 --audit-log-format json \
    --allow-privileged=true --profiling=false --v=1
  wait_for "kube-apiserver" 60 curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$API_PORT/readyz" || { tail -30 "$LOGS/kube-apiserver.log" >&2; die "kube-apiserver did not become ready"; }

  log "starting kube-controller-manager and kube-scheduler"
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$DIR/conf/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$DIR/conf/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$DIR/conf/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false \
    --flex-volume-plugin-dir "$DIR/kcm-volume-plugins" \
    --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller' \
    --profiling=false --v=1
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$DIR/conf/scheduler.kubeconfig" \
    --authentication-kubeconfig "$DIR/conf/scheduler.kubeconfig" \
    --authorization-kubeconfig "$DIR/conf/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false --profiling=false --v=1

  log "starting containerd $(containerd --version | awk '{print $3}') (runc, cgroupfs)"
  # No registry is reachable, and none may be contacted: every pull of an image that was not
  # imported goes to a dead proxy on loopback and fails at once (pods use IfNotPresent).
  start containerd env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 NO_PROXY=localhost,127.0.0.0/8 no_proxy=localhost,127.0.0.0/8 \
    containerd --config "$DIR/containerd/config.toml"
  wait_for "containerd" 30 ctr -a "$CTRD_SOCK" version || { tail -20 "$LOGS/containerd.log" >&2; die "containerd did not start"; }
  import_images

  log "starting kubelet (node $NODE_NAME)"
  start kubelet "$BIN/kubelet" --config "$DIR/conf/kubelet.yaml" \
    --kubeconfig "$DIR/conf/kubelet.kubeconfig" --root-dir "$DIR/kubelet" --cert-dir "$DIR/kubelet/pki" \
    --hostname-override "$NODE_NAME" --v=1
  wait_for "node registration" 60 kc get node "$NODE_NAME" || { tail -30 "$LOGS/kubelet.log" >&2; die "node did not register"; }
  kc wait --for=condition=Ready "node/$NODE_NAME" --timeout="${UP_TIMEOUT}s" >/dev/null ||
    { kc describe node "$NODE_NAME" >&2; tail -30 "$LOGS/kubelet.log" >&2; die "node not Ready"; }
  log "node $NODE_NAME Ready ($((SECONDS - t0)) s since start)"
  smoke
  log "cluster up in $((SECONDS - t0)) s"
  print_env
}

smoke() {
  wait_for "default service account" 60 kc -n default get serviceaccount default || die "no default service account"
  kc -n default delete pod mailsync-smoke --ignore-not-found --wait=true >/dev/null
  kc -n default apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: mailsync-smoke
  labels: {app.kubernetes.io/part-of: mailsync-local-cluster}
spec:
  hostNetwork: true
  restartPolicy: Never
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 5
  containers:
  - name: smoke
    image: mailsync-base:local
    imagePullPolicy: IfNotPresent
    command: ["node", "-e", "console.log('mailsync-smoke: hello from node ' + process.version + ' in pod ' + require('os').hostname())"]
EOF
  local end=$((SECONDS + 90)) phase=""
  while ((SECONDS < end)); do
    phase=$(kc -n default get pod mailsync-smoke -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [[ $phase == Succeeded || $phase == Failed ]] && break
    sleep 0.5
  done
  local out; out=$(kc -n default logs mailsync-smoke 2>&1 || true)
  if [[ $phase != Succeeded ]] || ! grep -q "mailsync-smoke: hello" <<<"$out"; then
    kc -n default describe pod mailsync-smoke >&2 || true
    echo "$out" >&2
    die "smoke pod failed (phase '$phase')"
  fi
  log "smoke pod log (read through the API server): $out"
  kc -n default delete pod mailsync-smoke --wait=false >/dev/null
}

print_env() {
  echo "kubeconfig: $KUBECONFIG_PATH"
  echo "export KUBECONFIG=$KUBECONFIG_PATH"
  echo "kubectl: $DIR/bin/kubectl  (export PATH=$DIR/bin:\$PATH)"
}

status_quiet() {
  [[ -f $KUBECONFIG_PATH ]] || return 1
  local c; for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  kc get --raw /readyz >/dev/null 2>&1
}

status() {
  if [[ ! -d $DIR ]]; then echo "cluster: down (no $DIR)"; return 3; fi
  local c ok=0
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then printf '  %-24s running (pid %s)\n' "$c" "$(pid_of "$c")"; else printf '  %-24s NOT running\n' "$c"; ok=1; fi
  done
  if kc get --raw /readyz >/dev/null 2>&1; then
    kc get nodes -o wide 2>&1 | sed 's/^/  /'
  else
    echo "  apiserver not ready"; ok=1
  fi
  print_env
  return $ok
}

# ---- restart (the fault matrix's disruptive cells, test/e2e/faults) ---------------------

# health probe of a component, as up waits for it
healthy() {
  case $1 in
  etcd) curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" \
          "https://127.0.0.1:$ETCD_PORT/health" ;;
  kube-apiserver) curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
          "https://127.0.0.1:$API_PORT/readyz" ;;
  kubelet) curl -sf http://127.0.0.1:10248/healthz ;;
  *) alive "$1" ;;
  esac
}

# Stops one running component (TERM, KILL after 20 s), keeps it down for `down` seconds (or, given
# `until-gone:FILE`, until FILE is gone, at most 120 s: the caller does its work while it is down), and
# starts it again with the very command line it ran with (so nothing about how the cluster came up
# changes), then waits until it is healthy. Prints the seconds it was down.
restart() { # name [down-seconds | until-gone:FILE]
  local name=$1 down=${2:-0} p
  case $name in
  etcd | kube-apiserver | kube-controller-manager | kube-scheduler | kubelet) ;;
  *) die "restart: '$name' is not one of etcd kube-apiserver kube-controller-manager kube-scheduler kubelet" ;;
  esac
  p=$(pid_of "$name") || die "restart: $name is not running"
  local -a cmd
  mapfile -d '' -t cmd < "/proc/$p/cmdline"
  ((${#cmd[@]})) || die "restart: cannot read the command line of $name (pid $p)"
  local t0=$SECONDS
  stop_pid "$p" 20
  case $down in
  until-gone:*)
    local flag=${down#until-gone:} i
    for ((i = 0; i < 600; i++)); do [ -e "$flag" ] || break; sleep 0.2; done
    [ -e "$flag" ] && log "restart: $flag still there after 120 s, starting $name anyway" ;;
  *) sleep "$down" ;;
  esac
  start "$name" "${cmd[@]}"
  wait_for "$name" 90 healthy "$name" || { tail -20 "$LOGS/$name.log" >&2; die "$name did not come back"; }
  log "$name restarted (down $((SECONDS - t0)) s, pid $(pid_of "$name"))"
}

# ---- down -------------------------------------------------------------------------------

stop_pids() { # timeout pid... : TERM all, wait, KILL what is left
  local t=$1; shift
  local p live=()
  for p in "$@"; do [[ -n $p ]] && kill -0 "$p" 2>/dev/null && live+=("$p"); done
  ((${#live[@]})) || return 0
  kill -TERM "${live[@]}" 2>/dev/null || true
  local end=$((SECONDS + t)) any
  while ((SECONDS < end)); do
    any=0; for p in "${live[@]}"; do kill -0 "$p" 2>/dev/null && any=1; done
    ((any)) || return 0
    sleep 0.1
  done
  for p in "${live[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      log "pid $p ($(cat /proc/"$p"/comm 2>/dev/null)) ignored TERM for ${t}s: KILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  sleep 0.2
}
stop_pid() { stop_pids "${2:-20}" "$1"; }

# containerd shims started for our containerd (they are re-parented, so find them by their -address)
our_shims() {
  local f p
  for f in $(grep -slF -- "$CTRD_SOCK" /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${f#/proc/}; p=${p%/cmdline}
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == containerd-shim* ]] && echo "$p"
  done
}

our_mounts() { awk -v r="$DIR/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r | uniq; }

down() {
  local c p
  [[ -d $DIR ]] || { log "nothing to stop ($DIR absent)"; return 0; }
  bin_dir
  # 1. kubelet first, so it does not restart what we stop
  if alive kubelet; then stop_pid "$(pid_of kubelet)" 20; fi
  # 2. all containers/sandboxes through containerd
  if alive containerd; then
    # In parallel and bounded: after `npm run bench:live` there are a thousand tasks, and one by one
    # (with retries for a task whose shim is slow to exit) this took over ten minutes.
    local ctr_each="ctr -a $CTRD_SOCK -n k8s.io"
    ctr -a "$CTRD_SOCK" -n k8s.io tasks ls -q 2>/dev/null |
      timeout 60 xargs -r -P 8 -n 1 sh -c "$ctr_each tasks kill -s SIGKILL \$0 >/dev/null 2>&1; for _ in 1 2 3; do $ctr_each tasks delete \$0 >/dev/null 2>&1 && break; sleep 0.3; done" ||
      log "containers still running after 60 s: their shims are stopped below"
    ctr -a "$CTRD_SOCK" -n k8s.io containers ls -q 2>/dev/null |
      timeout 60 xargs -r -P 8 -n 1 sh -c "$ctr_each containers delete \$0 >/dev/null 2>&1" || true
    stop_pid "$(pid_of containerd)" 20
  fi
  # 3. leftover shims and their children (containers), by pid
  local shims; shims=$(our_shims)
  for p in $shims; do
    local kids; kids=$(cat /proc/"$p"/task/*/children 2>/dev/null || true)
    for c in $kids; do kill -KILL "$c" 2>/dev/null || true; done
  done
  # shellcheck disable=SC2086
  stop_pids 5 $shims
  # 4. control plane: clients of the apiserver together, then etcd
  stop_pids 20 "$(pid_of kube-scheduler)" "$(pid_of kube-controller-manager)" "$(pid_of kube-apiserver)"
  stop_pids 20 "$(pid_of etcd)"
  # anything else we recorded
  local f; for f in "$PIDS"/*.pid; do [[ -f $f ]] && ours "$(cat "$f")" && stop_pid "$(cat "$f")" 5; done
  # 5. mounts under the state dir (pod volumes, shm, overlay rootfs, ...)
  local m tries=0
  while [[ -n $(our_mounts) ]] && ((tries < 5)); do
    for m in $(our_mounts); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    tries=$((tries + 1))
  done
  [[ -z $(our_mounts) ]] || { log "WARNING: mounts left:"; our_mounts >&2; }
  # 6. cgroups the kubelet/runc created (cgroupfs driver), deepest first
  for ctl in /sys/fs/cgroup/*/; do
    [[ -d ${ctl}kubepods ]] && find "${ctl}kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  restore_sysctls
  # host paths created for us outside the state dir
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  if [[ -f $DIR/created-paths ]]; then
    tac "$DIR/created-paths" | while read -r hp; do rmdir "$hp" 2>/dev/null || true; done
  fi
  # 7. keep the logs for post-mortems, remove the state
  if [[ -d $LOGS ]]; then
    rm -rf "$MAILSYNC_CACHE/last-cluster-logs"; mkdir -p "$MAILSYNC_CACHE"
    cp -r "$LOGS" "$MAILSYNC_CACHE/last-cluster-logs" 2>/dev/null || true
  fi
  rm -rf "$DIR"
  # the image-build engine, if one of our scripts started it
  "$HERE/docker-daemon.sh" stop || true
  log "down (logs kept in $MAILSYNC_CACHE/last-cluster-logs)"
}

# verifies that nothing of a cluster is left: processes, mounts, cgroups, state, host paths
check_clean() {
  local bad=0 p exe args
  bin_dir
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null || true); [[ -n $exe ]] || continue
    args=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null || true)
    # our components (kubectl & co. run by others against the cluster do not count)
    if [[ $exe == "$BIN"/* && $exe != "$BIN/kubectl" ]] ||
       [[ $args == *"$DIR/"* && $(cat "$p/comm" 2>/dev/null) =~ ^(containerd|containerd-shim|etcd|kube-|kubelet|runc) ]]; then
      echo "left: process ${p#/proc/}: $args"; bad=1
    fi
  done
  if [[ -n $(our_mounts) ]]; then echo "left: mounts:"; our_mounts; bad=1; fi
  if ls -d /sys/fs/cgroup/*/kubepods >/dev/null 2>&1; then echo "left: cgroups:"; ls -d /sys/fs/cgroup/*/kubepods; bad=1; fi
  if [[ -e $DIR ]]; then echo "left: $DIR"; bad=1; fi
  [[ -e /var/lib/kubelet/device-plugins/kubelet.sock ]] && { echo "left: kubelet device-plugin socket"; bad=1; }
  if ((bad)); then echo "cluster: NOT clean"; return 1; fi
  echo "cluster: clean (no process, mount, cgroup or state left)"
}

# one up/down at a time per machine (several people or test runs may call make cluster-up)
# (fd 8 is closed for every daemon started, see start(); an earlier version leaked it into the
# daemons, which then held "$DIR.lock" for their lifetime, hence the new file name)
lock() {
  exec 8>"$DIR.updown.lock"
  flock -w "${MAILSYNC_LOCK_TIMEOUT:-900}" 8 || die "another cluster up/down holds $DIR.updown.lock"
}

case "${1:-}" in
up) lock; up ;;
down) lock; down ;;
status) status ;;
env) print_env ;;
kubeconfig) echo "$KUBECONFIG_PATH" ;;
check-clean) check_clean ;;
restart) lock; shift; restart "$@" ;;
*) echo "usage: $0 up|down|status|env|restart COMPONENT [DOWN-SECONDS]" >&2; exit 2 ;;
esac
