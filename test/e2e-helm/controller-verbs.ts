/**
 * What the installed controller does beyond one sync, so that every verb the chart grants it is
 * used in the helm end-to-end test (least-privilege.ts checks that against the audit log):
 *  - abort: `kubectl delete` of a running MailSync suspends its Job, deletes its pod (TERM), deletes
 *    the Job and takes its finalizer off (jobs patch and delete, pods delete, mailsyncs patch);
 *  - a lost run: a Job deleted by hand mid-run; the controller asks the API server for it (jobs
 *    get) before it records the run as failed (JobDeleted);
 *  - a MailMigration whose account file holds passwords: per-account Secrets and child MailSyncs
 *    created, patched when the file changes, deleted when an account leaves (secrets create,
 *    patch, delete; mailsyncs create, patch, delete; mailmigrations/status patch);
 *  - one Event raised twice: counted on the first (events patch).
 */
import { expect } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailMigration } from '../../src/api/migration-object.js';
import { mailboxes } from '../e2e/helpers/mail.js';
import { apply, getJson, kubectl, must, waitFor } from './cluster.js';
import type { MailFixture } from './mail-fixture.js';
import { NAMESPACE } from './release.js';

const RUN_TIMEOUT_MS = 5 * 60_000;

const getSync = (name: string) => getJson<MailSync>(['-n', NAMESPACE, 'mailsync', name]);
const ready = (ms: MailSync | undefined) => ms?.status?.conditions?.find((c) => c.type === 'Ready');

function waitSync(name: string, what: string, test: (ms: MailSync) => boolean): Promise<MailSync> {
  let last: MailSync | undefined;
  return waitFor(
    `${name}: ${what}`,
    () => {
      last = getSync(name);
      return last && test(last) ? last : undefined;
    },
    RUN_TIMEOUT_MS,
    () => `; last status: ${JSON.stringify(last?.status)?.slice(0, 2000)}`,
  );
}

// the worker runs (progress shows only every hundred messages, too late for a slow run)
const running = (ms: MailSync) => ms.status?.phase === 'Running';

/** Two slow syncs (two messages a second): one deleted mid-run, the other's Job deleted mid-run. */
export async function abortAndLostRun(mail: MailFixture): Promise<void> {
  const slow = { throttle: { maxMessagesPerSecond: 2 }, gracePeriodSeconds: 5, retry: { limit: 0 } };
  const aborted = await mail.account('athena', 120);
  const lost = await mail.account('ares', 120);
  apply(NAMESPACE, [...aborted.objects('aborted', slow), ...lost.objects('lost', slow)]);
  const [abortedRun, lostRun] = await Promise.all([
    waitSync('aborted', 'Running', running),
    waitSync('lost', 'Running', running),
  ]);

  // both at once, while both still run
  must(kubectl(['-n', NAMESPACE, 'delete', 'job', lostRun.status!.jobName!, '--cascade=background']), 'delete job');
  must(kubectl(['-n', NAMESPACE, 'delete', 'mailsync', 'aborted', '--wait=true', '--timeout=120s']), 'delete');
  expect(getSync('aborted')).toBeUndefined();
  expect(getJson(['-n', NAMESPACE, 'job', abortedRun.status!.jobName!])).toBeUndefined();
  const events = getJson<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>([
    '-n',
    NAMESPACE,
    'events',
  ]);
  expect(events?.items.filter((e) => e.involvedObject.name === 'aborted' && e.reason === 'Aborted')).toEqual([
    expect.objectContaining({ message: expect.stringMatching(/^sync aborted by deletion/) }),
  ]);

  const failed = await waitSync('lost', 'Failed', (ms) => ms.status?.phase === 'Failed');
  expect(ready(failed)).toMatchObject({ reason: 'JobDeleted' });
}

/** imapsync's file.txt line: host1;user1;password1;host2;user2;password2;options (hosts from the template). */
const line = (user: string, pw: { source: string; destination: string }, options = '') =>
  `;${user};${pw.source};;${user};${pw.destination};${options}`;

/** A MailMigration of two accounts, then the file changes: a password and an option, then one account leaves. */
export async function migrationLifecycle(mail: MailFixture): Promise<void> {
  const users = ['hera', 'hestia'] as const;
  const pw = new Map<string, { source: string; destination: string }>();
  for (const user of users) {
    await mail.account(user, 3);
    pw.set(user, {
      source: await mail.newPassword(user, 'source'),
      destination: await mail.newPassword(user, 'destination'),
    });
  }
  const file = (lines: string[]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'olympus-accounts' },
    stringData: { 'file.txt': `${lines.join('\n')}\n` },
  });
  const side = (port: number) => ({
    host: '127.0.0.1',
    port,
    tls: 'implicit',
    caSecretRef: { name: 'olympus-ca', key: 'ca.crt' },
  });
  apply(NAMESPACE, [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'olympus-ca' }, stringData: { 'ca.crt': mail.pair.a.caPem } },
    file(users.map((u) => line(u, pw.get(u)!))),
    {
      apiVersion: 'mailsync.io/v1alpha1',
      kind: 'MailMigration',
      metadata: { name: 'olympus' },
      spec: {
        template: { source: side(mail.pair.a.implicitTlsPort), destination: side(mail.pair.b.implicitTlsPort) },
        accountsFrom: { secretRef: { name: 'olympus-accounts', key: 'file.txt' }, format: 'imapsync' },
      },
    },
  ]);
  const children = () =>
    getJson<{ items: MailSync[] }>(['-n', NAMESPACE, 'mailsyncs', '-l', 'mailsync.io/migration=olympus'])?.items ?? [];
  const accountSecrets = () =>
    getJson<{ items: { metadata: { name: string; resourceVersion: string } }[] }>([
      '-n',
      NAMESPACE,
      'secrets',
      '-l',
      'mailsync.io/migration=olympus',
    ])?.items ?? [];
  const migration = () => getJson<MailMigration>(['-n', NAMESPACE, 'mailmigration', 'olympus']);
  await waitFor(
    'both children Succeeded, and the migration says so',
    () => {
      const all = children();
      const accounts = migration()?.status?.accounts;
      return all.length === 2 && all.every((c) => c.status?.phase === 'Succeeded') && accounts?.succeeded === 2
        ? accounts
        : undefined;
    },
    RUN_TIMEOUT_MS,
    () =>
      `; migration: ${JSON.stringify(migration()?.status)}; children: ${JSON.stringify(children().map((c) => c.status))}`,
  );
  for (const user of users) {
    const { source, destination } = await mailboxes(mail.pair, user);
    expect(destination, user).toEqual(source);
  }
  const before = new Map(accountSecrets().map((s) => [s.metadata.name, s.metadata.resourceVersion]));
  expect(before.size).toBe(2);

  // hera: a new destination password (her per-account Secret is patched) and an option (her child is)
  const hera = { ...pw.get('hera')!, destination: await mail.newPassword('hera', 'destination') };
  apply(NAMESPACE, [file([line('hera', hera, '--exclude ^Nothing'), line('hestia', pw.get('hestia')!)])]);
  const heraChild = await waitFor(
    "hera's child patched",
    () => children().find((c) => c.spec.source.user === 'hera' && c.spec.folders?.exclude?.includes('^Nothing')),
    RUN_TIMEOUT_MS,
  );
  await waitFor("hera's Secret patched", () =>
    accountSecrets().some(
      (s) => before.has(s.metadata.name) && before.get(s.metadata.name) !== s.metadata.resourceVersion,
    )
      ? true
      : undefined,
  );
  // the changed spec runs again, with the new password
  await waitSync(
    heraChild.metadata.name!,
    'Succeeded again',
    (ms) => ms.status?.phase === 'Succeeded' && ms.status.observedGeneration === ms.metadata.generation,
  );

  // hestia leaves the file: her child and her Secret go
  apply(NAMESPACE, [file([line('hera', hera, '--exclude ^Nothing')])]);
  await waitFor('hestia gone', () => (children().length === 1 && accountSecrets().length === 1 ? true : undefined));
  expect(children()[0]?.spec.source.user).toBe('hera');
}

/**
 * A MailSync whose Secret does not exist, suspended, resumed (SecretNotFound), suspended again:
 * the second Suspended Event is the first one counted twice.
 */
export async function repeatedEvent(): Promise<void> {
  const name = 'on-and-off';
  const endpoint = (host: string) => ({ host, user: 'zeus', passwordSecretRef: { name: 'not-there', key: 'pw' } });
  const sync = (suspend: boolean) => ({
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailSync',
    metadata: { name },
    spec: { source: endpoint('imap.old.example'), destination: endpoint('imap.new.example'), suspend },
  });
  const reason = () => ready(getSync(name))?.reason;
  apply(NAMESPACE, [sync(true)]);
  await waitFor('Suspended', () => (reason() === 'Suspended' ? true : undefined));
  apply(NAMESPACE, [sync(false)]);
  await waitFor('SecretNotFound', () => (reason() === 'SecretNotFound' ? true : undefined));
  apply(NAMESPACE, [sync(true)]);
  const counted = await waitFor('the Suspended Event counted twice', () => {
    const list = getJson<{ items: { reason: string; count?: number; involvedObject: { name: string } }[] }>([
      '-n',
      NAMESPACE,
      'events',
    ]);
    const suspended = list?.items.filter((e) => e.involvedObject.name === name && e.reason === 'Suspended') ?? [];
    return suspended.some((e) => e.count === 2) ? suspended : undefined;
  });
  expect(counted).toHaveLength(1);
  must(kubectl(['-n', NAMESPACE, 'delete', 'mailsync', name, '--wait=true', '--timeout=60s']), 'delete');
}
