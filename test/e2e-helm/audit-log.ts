/**
 * The local cluster's API server audit log (test/cluster/cluster.sh: metadata of every request by a
 * ServiceAccount outside kube-system, JSON lines, rotated at 100 MB into audit-<time>.log): the
 * events of some users since a point in time, and the raw text of those files for the secret scan.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditEvent } from '../chart/rbac-usage.js';

export const AUDIT_DIR = join(process.env.MAILSYNC_CLUSTER_DIR ?? '/tmp/mailsync-cluster', 'logs');

/** Why the audit log cannot be read, or undefined. */
export function auditLogUnavailable(): string | undefined {
  const file = join(AUDIT_DIR, 'audit.log');
  return existsSync(file) ? undefined : `${file} does not exist (the local cluster writes it since its audit policy)`;
}

/** The audit log files written to since `since` (the current one and rotated ones). */
function filesSince(since: Date): string[] {
  return readdirSync(AUDIT_DIR)
    .filter((f) => /^audit.*\.log$/.test(f))
    .map((f) => join(AUDIT_DIR, f))
    .filter((f) => statSync(f).mtimeMs >= since.getTime());
}

/**
 * Events of `users` received at or after `since`, and whether any line of those files since then
 * contains one of `secrets` (as written or in base64): the caller asserts there is none.
 */
export async function readAudit(
  since: Date,
  users: readonly string[],
  secrets: readonly string[] = [],
): Promise<{ events: AuditEvent[]; secretsFound: string[] }> {
  const events: AuditEvent[] = [];
  const needles = secrets.flatMap((s) => [s, Buffer.from(s).toString('base64')]);
  const found = new Set<string>();
  for (const file of filesSince(since)) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      for (const needle of needles) if (line.includes(needle)) found.add(needle);
      if (!users.some((u) => line.includes(`"username":"${u}"`))) continue;
      const event = JSON.parse(line) as AuditEvent;
      if (Date.parse(event.requestReceivedTimestamp ?? '') >= since.getTime()) events.push(event);
    }
  }
  // only which secret (by position), never its value, goes into a failure message
  return { events, secretsFound: [...found].map((n) => `secret #${Math.floor(needles.indexOf(n) / 2)}`) };
}
