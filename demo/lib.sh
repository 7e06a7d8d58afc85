# Shared by demo.sh and demo-down.sh: names, paths, and small helpers. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
export MAILSYNC_CLUSTER_DIR="${MAILSYNC_CLUSTER_DIR:-/tmp/mailsync-cluster}"
export MAILSYNC_DEMO_DIR="${MAILSYNC_DEMO_DIR:-/tmp/mailsync-demo}"
# the demo always talks to the local cluster, whatever KUBECONFIG the shell has
export KUBECONFIG="$MAILSYNC_CLUSTER_DIR/kubeconfig"
[[ -x $MAILSYNC_CLUSTER_DIR/bin/kubectl ]] && export PATH="$MAILSYNC_CLUSTER_DIR/bin:$PATH"

DEMO_NAMESPACE="${DEMO_NAMESPACE:-mailsync-demo}"
DEMO_RELEASE="${DEMO_RELEASE:-mailsync-operator}"
DEMO_NAME="${DEMO_NAME:-demo}"
MAILSYNC_IMAGE="${MAILSYNC_IMAGE:-mailsync-operator:dev}"
# the operator runs on the node's network (the local cluster has no pod network): this is a port
# of this machine
DEMO_METRICS_PORT="${DEMO_METRICS_PORT:-18080}"
# the web console, also on the node's network, listening on 127.0.0.1 only (plain HTTP: loopback)
DEMO_CONSOLE_PORT="${DEMO_CONSOLE_PORT:-18081}"
# a ServiceAccount with the namespace's `edit` rights, whose token signs in to the console's admin view
DEMO_ADMIN_SA="${DEMO_ADMIN_SA:-demo-admin}"
IMAP_PID_FILE="$MAILSYNC_DEMO_DIR/imap-servers.pid"
IMAP_STATE_FILE="$MAILSYNC_DEMO_DIR/imap-servers.json"
IMAP_LOG="$MAILSYNC_DEMO_DIR/imap-servers.log"

DEMO_T0=${DEMO_T0:-$SECONDS}
step() { printf '\n\033[1m==> [%3ds] %s\033[0m\n' "$((SECONDS - DEMO_T0))" "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

cluster_answers() {
  [[ -f $KUBECONFIG ]] && kubectl get --raw /readyz --request-timeout=5s >/dev/null 2>&1
}

# Stops the demo IMAP servers this demo started (by the pid it recorded): SIGTERM lets them stop
# Dovecot and remove their files; SIGKILL only if that takes more than 20 s.
stop_imap_servers() {
  [[ -f $IMAP_PID_FILE ]] || return 0
  local pid; pid=$(cat "$IMAP_PID_FILE")
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'demo/imap-servers.ts'; then
    kill -TERM "$pid"
    local i; for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "demo: the IMAP servers (pid $pid) did not stop in 20 s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$IMAP_PID_FILE" "$IMAP_STATE_FILE"
}
