# shellcheck shell=bash
# Helpers for the cluster tests (sourced). Needs KUBECONFIG (defaults to the local cluster's).
MAILSYNC_CLUSTER_DIR="${MAILSYNC_CLUSTER_DIR:-/tmp/mailsync-cluster}"
export KUBECONFIG="${KUBECONFIG:-$MAILSYNC_CLUSTER_DIR/kubeconfig}"
if [[ -x $MAILSYNC_CLUSTER_DIR/bin/kubectl ]]; then KUBECTL="$MAILSYNC_CLUSTER_DIR/bin/kubectl"; else KUBECTL=kubectl; fi
TEST_IMAGE="${MAILSYNC_TEST_IMAGE:-mailsync-base:local}"   # any image with node + sh
kc() { "$KUBECTL" "$@"; }

_failures=0
_assertions=0
pass() { _assertions=$((_assertions + 1)); echo "  ok   - $*"; }
fail() { _assertions=$((_assertions + 1)); _failures=$((_failures + 1)); echo "  FAIL - $*"; }
check() { # description command...
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() { # exit status of the test file
  ((_failures == 0))
}

# wait until jsonpath expression on object equals value
wait_jsonpath() { # ns obj jsonpath value timeout
  local end=$((SECONDS + $5)) v
  while ((SECONDS < end)); do
    v=$(kc -n "$1" get "$2" -o "jsonpath=$3" 2>/dev/null || true)
    [[ $v == "$4" ]] && return 0
    sleep 0.3
  done
  echo "    (timeout: $2 $3 = '$v', wanted '$4')"
  return 1
}

now() { date +%s.%N; }
# float compare: fcmp "a < b"
fcmp() { awk "BEGIN { exit !($1) }"; }
