#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it, on a fresh machine or a warm one:
#   1. system packages (Dovecot, openssl, containerd, ...)   test/*/install-deps.sh, and Cyrus and
#      Courier unpacked (not installed) for the interop suite   test/harness/interop/install-servers.sh
#   2. npm dependencies (Node 24 comes with them) and the TypeScript build
#   3. lint, the type check of everything (tests and benches too: vitest and tsx only transpile),
#      unit tests, src/kube against an in-process fake API server, integration tests against
#      real Dovecot, chart tests
#   4. the local Kubernetes cluster (built from source, cached under ~/.cache/mailsync),
#      the project image, and the end-to-end suite against it; the cluster is stopped at the end.
# Prints one closing line "N passed, N failed, N skipped" over every vitest run.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=$(mktemp -d /tmp/mailsync-test.XXXXXX)
export PATH="$ROOT/node_modules/.bin:$PATH"
status=0

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; status=1; }

step "system packages"
for script in test/harness/install-deps.sh test/harness/interop/install-servers.sh test/cluster/install-deps.sh test/chart/install-deps.sh test/browser/install-deps.sh; do
  [ -f "$script" ] && { bash "$script" || { echo "FATAL: $script failed" >&2; exit 1; }; }
done

step "npm dependencies and build"
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || { echo "FATAL: npm ci failed" >&2; exit 1; }
  export PATH="$ROOT/node_modules/.bin:$PATH"
fi
echo "node $(node --version)"
npm run build || { echo "FATAL: TypeScript build failed" >&2; exit 1; }

step "lint"
npm run lint || fail "lint"

step "typecheck (src, tests, benches, demo, scripts)"
npm run typecheck || fail "typecheck"

run_vitest() { # name, paths...
  local name=$1; shift
  step "vitest: $name"
  vitest run --reporter=default --reporter=json --outputFile.json="$RESULTS/$name.json" "$@" || fail "vitest $name"
}

run_vitest unit test/unit/
run_vitest kube test/kube/
run_vitest integration test/integration/
run_vitest chart test/chart/ test/prometheus/
# The web console in Debian's chromium (playwright-core), its server on 127.0.0.1 with real Dovecot.
run_vitest browser test/browser/

if [ -f test/cluster/cluster.mk ] && [ "${MAILSYNC_SKIP_CLUSTER:-}" != 1 ]; then
  step "local Kubernetes cluster"
  cluster_started=0
  if make --no-print-directory cluster-up; then
    cluster_started=1
    export KUBECONFIG=${MAILSYNC_CLUSTER_DIR:-/tmp/mailsync-cluster}/kubeconfig
    make --no-print-directory cluster-test || fail "cluster tests (TERM then KILL)"
    if make --no-print-directory cluster-image; then
      export MAILSYNC_IMAGE=${MAILSYNC_IMAGE:-mailsync-operator:dev}
      run_vitest e2e test/e2e/ --no-file-parallelism --exclude 'test/e2e/faults/**'
      # The fault matrix's Kubernetes cells (docs/reliability.md): they kill controllers, OOM a worker, run
      # 50 syncs at once and stop kube-apiserver, etcd and the kubelet, so they run alone, after the e2e group.
      run_vitest e2e-faults test/e2e/faults/ --no-file-parallelism
      # Slow: a 300,000-message folder in a worker pod under the default memory limit (a few minutes).
      if [ "${MAILSYNC_SKIP_SLOW:-}" != 1 ]; then
        run_vitest e2e-slow test/e2e-slow/ --no-file-parallelism
      else
        echo "SKIPPED: slow end-to-end suite test/e2e-slow (MAILSYNC_SKIP_SLOW=1)"
      fi
      run_vitest e2e-helm test/e2e-helm/ --no-file-parallelism
    else
      fail "image build"
    fi
  else
    fail "cluster-up"
  fi
  if [ "$cluster_started" = 1 ]; then
    make --no-print-directory cluster-down || fail "cluster-down"
    make --no-print-directory cluster-check-clean || fail "cluster-down left processes, mounts or state behind"
  fi
else
  echo "SKIPPED: local cluster and end-to-end suites (MAILSYNC_SKIP_CLUSTER=1 or test/cluster missing)"
fi

step "summary"
node -e '
  const fs = require("node:fs"), path = require("node:path");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
    console.log(`${f.replace(/\.json$/, "")}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$RESULTS"
rm -rf "$RESULTS"
exit $status
