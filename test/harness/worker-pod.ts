/**
 * A worker pod's files (docs/worker.md): spec.json names Secret references, the Secrets' keys are
 * files under the secrets directory (MAILSYNC_SPEC_FILE, MAILSYNC_SECRETS_DIR). Used by the image
 * test and bench/worker-startup.ts, which run the worker as a pod does without the cluster.
 */
import type { Endpoint } from '../../src/api/spec.js';

/** An implicit-TLS endpoint of spec.json: the password is key `password` of Secret `secret`, the CA key `ca.crt` of Secret `ca`. */
export function podEndpoint(host: string, port: number, user: string, secret: string): Endpoint {
  return {
    host,
    port,
    tls: 'implicit',
    user,
    passwordSecretRef: { name: secret, key: 'password' },
    caSecretRef: { name: 'ca', key: 'ca.crt' },
  };
}
