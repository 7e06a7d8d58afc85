import { defineConfig } from 'vitest/config';

// Test layers (see README "Tests"):
//   test/unit         pure logic, no I/O
//   test/kube         src/kube against an in-process fake API server on 127.0.0.1
//   test/integration  real Dovecot servers on 127.0.0.1 (test/harness)
//   test/e2e          a real Kubernetes cluster (KUBECONFIG), worker pods on a real kubelet
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
