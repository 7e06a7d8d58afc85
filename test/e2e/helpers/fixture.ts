/**
 * What the e2e files that run a controller share: waiting for a MailSync or a
 * MailMigration to reach a state (saying its last status on timeout), and the
 * teardown of a test namespace.
 */
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailMigration } from '../../../src/api/migration-object.js';
import type { KubeClient } from '../../../src/kube/kube-client.js';
import { deleteNamespaceAndWait, getMailSync, waitFor } from './kube.js';
import { getMigration } from './migration.js';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Poll the MailSync until `test` holds; returns it. */
export function waitMailSync(
  client: KubeClient,
  ns: string,
  name: string,
  what: string,
  test: (ms: MailSync) => boolean,
  { timeoutMs = 300_000, intervalMs = 500 }: WaitOptions = {},
): Promise<MailSync> {
  return waitFor(
    `${name}: ${what}`,
    async () => {
      const ms = await getMailSync(client, ns, name);
      return ms && test(ms) ? ms : undefined;
    },
    timeoutMs,
    intervalMs,
    async () => JSON.stringify((await getMailSync(client, ns, name))?.status ?? 'no such MailSync').slice(0, 3000),
  );
}

/** Poll the MailMigration until `test` holds; returns it. `seen` gets every version read (for the secret scan). */
export function waitMigration(
  client: KubeClient,
  ns: string,
  name: string,
  what: string,
  test: (mm: MailMigration) => boolean,
  { timeoutMs = 300_000, intervalMs = 1000, seen }: WaitOptions & { seen?: (mm: MailMigration) => void } = {},
): Promise<MailMigration> {
  return waitFor(
    `${name}: ${what}`,
    async () => {
      const mm = await getMigration(client, ns, name);
      if (mm) seen?.(mm);
      return mm && test(mm) ? mm : undefined;
    },
    timeoutMs,
    intervalMs,
    async () =>
      JSON.stringify((await getMigration(client, ns, name))?.status ?? 'no such MailMigration').slice(0, 3000),
  );
}

/**
 * Teardown: delete the test namespace and wait until it is gone. Call it while the controller
 * still runs: the MailSyncs' finalizers need it (stopped first, it leaves the namespace
 * Terminating for good). A namespace that takes too long is reported, not thrown.
 */
export async function removeNamespace(client: KubeClient | undefined, ns: string | undefined, timeoutMs = 180_000) {
  if (!client || !ns) return;
  await deleteNamespaceAndWait(client, ns, timeoutMs).catch((error) => console.warn(String(error)));
}
