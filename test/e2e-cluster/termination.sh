#!/usr/bin/env bash
# Termination as Kubernetes promises it: on delete with a grace period the container gets
# SIGTERM first, and SIGKILL only when the grace period has run out.
#  1. "stubborn" pod traps TERM, logs it with a timestamp, and keeps running:
#     -> TERM arrives right after the delete, the process keeps working after TERM,
#        and it is killed (exit code 137 = 128+KILL) about GRACE seconds after TERM.
#  2. "graceful" pod exits on TERM: it stops right away with its own exit code (0), no KILL.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib.sh"

NS=mailsync-e2e-termination
GRACE=5
echo "# termination (grace period ${GRACE}s, image $TEST_IMAGE)"
kc delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
kc create namespace "$NS" >/dev/null
trap 'kc delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true; kill $(jobs -p) 2>/dev/null || true' EXIT

pod() { # name script
  kc -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  hostNetwork: true
  restartPolicy: Never
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: $GRACE
  securityContext: {runAsUser: 10001, runAsGroup: 10001}
  containers:
  - name: main
    image: $TEST_IMAGE
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", $(printf '%s' "$2" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')]
EOF
}

# ---- 1. stubborn: trap TERM, keep running ---------------------------------------------
pod stubborn '
ts() { date +%s.%N; }
trap "echo TERM-received \$(ts)" TERM
echo started $(ts)
i=0
while true; do
  i=$((i+1)); echo tick $i $(ts)
  sleep 0.25 & wait $!
done'
wait_jsonpath "$NS" pod/stubborn '{.status.phase}' Running 60 || { kc -n "$NS" describe pod stubborn; exit 1; }
# wait for the first tick so the trap is installed
for _ in $(seq 1 40); do kc -n "$NS" logs stubborn 2>/dev/null | grep -q '^tick' && break; sleep 0.25; done

logf=$(mktemp); watchf=$(mktemp)
kc -n "$NS" logs -f stubborn > "$logf" 2>&1 &
logpid=$!
# record the container's final state before the pod object disappears
kc -n "$NS" get pod stubborn --watch -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}{"|"}{.status.containerStatuses[0].state.terminated.reason}{"\n"}' > "$watchf" 2>/dev/null &
watchpid=$!
sleep 0.5
t_delete=$(now)
kc -n "$NS" delete pod stubborn --grace-period="$GRACE" --wait=true --timeout=60s >/dev/null
t_gone=$(now)
wait "$logpid" 2>/dev/null || true
kill "$watchpid" 2>/dev/null || true; wait "$watchpid" 2>/dev/null || true

t_term=$(awk '/^TERM-received/ {print $2; exit}' "$logf")
t_last=$(awk '/^tick/ {t=$3} END {print t}' "$logf")
ticks_after=$(awk -v t="${t_term:-0}" '/^tick/ && $3 > t {n++} END {print n+0}' "$logf")
exit_line=$(grep -E '^[0-9]+\|' "$watchf" | tail -1 || true)
echo "    delete at $t_delete, TERM at ${t_term:-none}, last tick at ${t_last:-none}, pod gone at $t_gone, final state '${exit_line}'"

check "container received SIGTERM" test -n "$t_term"
if [[ -n $t_term ]]; then
  check "SIGTERM came promptly after the delete (< 3 s)" fcmp "$t_term - $t_delete < 3"
  check "container kept running after SIGTERM ($ticks_after ticks)" test "$ticks_after" -ge 8
  check "SIGKILL not before the grace period (last tick >= TERM + $((GRACE - 1)) s)" fcmp "$t_last - $t_term >= $GRACE - 1"
  check "SIGKILL soon after the grace period (last tick < TERM + $((GRACE + 3)) s)" fcmp "$t_last - $t_term < $GRACE + 3"
fi
check "container exit code 137 (killed by SIGKILL)" test "${exit_line%%|*}" = 137

# ---- 2. graceful: exit on TERM ---------------------------------------------------------
pod graceful '
trap "echo TERM-received \$(date +%s.%N); exit 0" TERM
echo started
while true; do sleep 0.25 & wait $!; done'
wait_jsonpath "$NS" pod/graceful '{.status.phase}' Running 60 || { kc -n "$NS" describe pod graceful; exit 1; }
for _ in $(seq 1 40); do kc -n "$NS" logs graceful 2>/dev/null | grep -q '^started' && break; sleep 0.25; done
logf2=$(mktemp); watchf2=$(mktemp)
kc -n "$NS" logs -f graceful > "$logf2" 2>&1 &
logpid=$!
kc -n "$NS" get pod graceful --watch -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}{"|"}{.status.containerStatuses[0].state.terminated.reason}{"\n"}' > "$watchf2" 2>/dev/null &
watchpid=$!
sleep 0.5
t0=$(now)
kc -n "$NS" delete pod graceful --grace-period="$GRACE" --wait=true --timeout=60s >/dev/null
t1=$(now)
wait "$logpid" 2>/dev/null || true
kill "$watchpid" 2>/dev/null || true; wait "$watchpid" 2>/dev/null || true
exit2=$(grep -E '^[0-9]+\|' "$watchf2" | tail -1 || true)
echo "    graceful pod: deleted in $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s, final state '$exit2'"
check "graceful container logged SIGTERM" grep -q '^TERM-received' "$logf2"
check "graceful container exited 0 on its own (no KILL)" test "${exit2%%|*}" = 0
check "graceful pod was gone well before the grace period ended (< $GRACE s)" fcmp "$t1 - $t0 < $GRACE"
rm -f "$logf" "$watchf" "$logf2" "$watchf2"
finish
