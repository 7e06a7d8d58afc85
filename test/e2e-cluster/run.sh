#!/usr/bin/env bash
# Runs the cluster tests (each *.sh here except lib.sh/run.sh) against $KUBECONFIG
# (default: the local cluster of test/cluster). Prints "N passed, N failed" (assertions).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib.sh"
kc get --raw /readyz >/dev/null 2>&1 || { echo "cluster-test: no reachable cluster at KUBECONFIG=$KUBECONFIG (run make cluster-up)"; exit 1; }
passed=0 failed=0 rc=0
for t in "$HERE"/*.sh; do
  case "$(basename "$t")" in lib.sh|run.sh) continue ;; esac
  out=$(mktemp)
  bash "$t" 2>&1 | tee "$out"
  st=${PIPESTATUS[0]}
  p=$(grep -c '^  ok   - ' "$out"); f=$(grep -c '^  FAIL - ' "$out")
  if ((st != 0 && f == 0)); then f=1; echo "  FAIL - $(basename "$t") exited $st"; fi
  passed=$((passed + p)); failed=$((failed + f))
  ((st != 0)) && rc=1
  rm -f "$out"
done
echo "cluster-test: $passed passed, $failed failed"
exit $rc
