/**
 * What the Kubernetes cells of the fault matrix (issue 11) share: a test
 * namespace, a pair of real Dovecot servers with one seeded source mailbox,
 * a MailSync spec from it to a fresh destination user, and the checks every
 * cell ends with:
 * - the destination is an exact copy of the source (test/harness/exact-copy.ts:
 *   every message once, bytes, flags, keywords, INTERNALDATE, no extra copy);
 * - phase, reason and counts agree with it (Succeeded, nothing failed,
 *   copied + already present = every source message);
 * - status.logTail holds the worker log neither lost nor doubled: the run's
 *   pods' logs are read back from the API server and rendered as the
 *   controller renders them (RunLog, one marker line between two pods); the
 *   status keeps the last 50 lines / 8 KiB, so its worker lines must be
 *   exactly the last lines of that rendering (same order, none twice, ending
 *   with the verdict); the controller's own notes ("--- worker pod gone ...")
 *   are left out of the comparison;
 * - the worker stayed within its memory limit (no pod OOMKilled, its peak
 *   resident memory from the summary under the limit); the controller runs in
 *   a memory cgroup of the chart's limit (256 MiB) and must not be OOM-killed.
 */
import { appendFileSync } from 'node:fs';
import type { V1Pod } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../../src/api/spec.js';
import { paths } from '../../../src/controller/paths.js';
import { RunLog } from '../../../src/controller/run-log.js';
import { type KubeClient, readAll } from '../../../src/kube/kube-client.js';
import type { DovecotPair } from '../../harness/dovecot.js';
import { compareMailboxes } from '../../harness/exact-copy.js';
import { type ControllerOptions, type ControllerProcess, startController } from '../helpers/controller-process.js';
import { waitMailSync } from '../helpers/fixture.js';
import { createSecret, IMAGE, listPods } from '../helpers/kube.js';
import { seedMailboxBatched } from '../helpers/mail.js';

/** The chart's controller memory limit (values.yaml resources.limits.memory). */
export const CONTROLLER_MEMORY_LIMIT = 256 * 1024 * 1024;
/** The worker's default memory limit (job-builder.ts DEFAULT_RESOURCES). */
export const WORKER_MEMORY_LIMIT = 512 * 1024 * 1024;
/** Where each cluster disruption is recorded for the other helpers (helper guide). */
export const DISRUPTION_LOG = process.env.MAILSYNC_DISRUPTION_LOG ?? '/work/cluster-disruption.log';

export interface Source {
  pair: DovecotPair;
  /** The source mailbox's user and password. */
  user: string;
  password: string;
  /** Messages in the source mailbox (INBOX and Projects). */
  messages: number;
}

/** A source user with `inbox` messages in INBOX and half as many in Projects (seedMailboxBatched). */
export async function seedSource(pair: DovecotPair, user: string, inbox: number): Promise<Source> {
  const password = `src-${user}-${Math.random().toString(36).slice(2)}`;
  await pair.a.addUser(user, password);
  // Dovecot re-reads its passwd-file at most once per second.
  await new Promise((r) => setTimeout(r, 1100));
  const messages = await seedMailboxBatched(pair.a, user, inbox);
  return { pair, user, password, messages };
}

/** A controller for the test namespace, as a replica of the chart runs it (memory cgroup of the chart's limit). */
export function controllerFor(ns: string, over: Partial<ControllerOptions> = {}): Promise<ControllerProcess> {
  return startController({
    namespaces: [ns],
    image: IMAGE!,
    memoryLimitBytes: CONTROLLER_MEMORY_LIMIT,
    resyncSeconds: 10,
    ...over,
  });
}

/** The controller stayed within its memory limit (its cgroup's OOM killer never fired). */
export function expectControllerWithinLimit(controller: ControllerProcess): void {
  expect(controller.oomKills(), `${controller.name}: OOM kills in its ${CONTROLLER_MEMORY_LIMIT} B cgroup`).toBe(0);
}

/** A fresh destination user, its Secret, and the MailSync spec from the shared source to it. */
export async function syncSpec(
  client: KubeClient,
  ns: string,
  source: Source,
  user: string,
  extra: Partial<MailSyncSpec> = {},
): Promise<MailSyncSpec> {
  const destinationPassword = `dst-${user}-${Math.random().toString(36).slice(2)}`;
  await source.pair.b.addUser(user, destinationPassword);
  await createSecret(client, ns, `${user}-creds`, {
    source: source.password,
    destination: destinationPassword,
    'ca.crt': source.pair.a.caPem,
  });
  const side = (port: number, login: string, key: string) => ({
    host: '127.0.0.1',
    port,
    tls: 'implicit' as const,
    user: login,
    passwordSecretRef: { name: `${user}-creds`, key },
    caSecretRef: { name: `${user}-creds`, key: 'ca.crt' },
  });
  return {
    source: side(source.pair.a.implicitTlsPort, source.user, 'source'),
    destination: side(source.pair.b.implicitTlsPort, user, 'destination'),
    ...extra,
  };
}

export const podsOfJob = (client: KubeClient, ns: string, jobName: string): Promise<V1Pod[]> =>
  listPods(client, ns, `batch.kubernetes.io/job-name=${jobName}`);

/** Waits for the run to end (any final phase) and returns the MailSync. */
export function finished(client: KubeClient, ns: string, name: string, timeoutMs = 300_000): Promise<MailSync> {
  return waitMailSync(
    client,
    ns,
    name,
    'a final phase',
    (ms) => ['Succeeded', 'Failed', 'Aborted'].includes(ms.status?.phase ?? '') && ms.status?.summary !== undefined,
    { timeoutMs },
  );
}

/** The destination equals the source (exact-copy.ts), reported with the first differences. */
export async function expectExactCopy(source: Source, user: string): Promise<void> {
  const report = await compareMailboxes({ server: source.pair.a, user: source.user }, { server: source.pair.b, user });
  expect(
    { exact: report.exact, missing: report.missing.slice(0, 5), extra: report.extra.slice(0, 5) },
    `${user}: destination vs source`,
  ).toEqual({ exact: true, missing: [], extra: [] });
  expect(report.destinationMessages).toBe(source.messages);
}

/**
 * Succeeded, and the status says what the destination shows: nothing failed,
 * copied + already there = every source message; `alreadyThere` (when known)
 * is what an earlier, aborted run had copied.
 */
export function expectTruthfulSuccess(ms: MailSync, source: Source, alreadyThere?: number): void {
  const status = ms.status!;
  expect(status.phase, JSON.stringify(status).slice(0, 2000)).toBe('Succeeded');
  expect(status.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('Succeeded');
  const summary = status.summary!;
  expect(summary.reason).toBe('Succeeded');
  expect(summary.exitCode).toBe(0);
  expect(summary.messagesFailed ?? 0).toBe(0);
  expect((summary.messagesTransferred ?? 0) + (summary.messagesSkipped ?? 0)).toBe(source.messages);
  if (alreadyThere !== undefined) expect(summary.messagesSkipped ?? 0).toBe(alreadyThere);
  expect(status.progress?.messagesCopied).toBe(summary.messagesTransferred);
}

/** The worker log of a pod as raw "<timestamp> <text>" lines. */
export async function podLog(client: KubeClient, ns: string, pod: string): Promise<string[]> {
  const response = await client.open('GET', paths.podLog(ns, pod), {
    query: { container: 'worker', timestamps: true },
  });
  return (await readAll(response)).split('\n').filter(Boolean);
}

const isControllerNote = (line: string) => line.startsWith('--- worker pod gone');

/**
 * The status's log tail is the run's log, neither lost nor doubled (see the
 * module comment). Returns how many lines were compared.
 */
export async function expectLogTail(client: KubeClient, ns: string, ms: MailSync): Promise<number> {
  const pods = (await podsOfJob(client, ns, ms.status!.jobName!)).sort(
    (a, b) => new Date(a.metadata!.creationTimestamp!).getTime() - new Date(b.metadata!.creationTimestamp!).getTime(),
  );
  expect(pods.length).toBeGreaterThan(0);
  const log = new RunLog();
  for (const pod of pods) {
    const name = pod.metadata!.name!;
    log.beginPod(name);
    for (const line of await podLog(client, ns, name)) log.apply(line);
    log.markDone();
  }
  const expected = log.snapshot().logTail;
  const tail = (ms.status?.logTail ?? []).filter((line) => !isControllerNote(line));
  expect(tail.length, 'worker lines in status.logTail').toBeGreaterThan(0);
  expect(tail, 'status.logTail: the last lines of the worker log, in order, none twice').toEqual(
    expected.slice(-tail.length),
  );
  expect(tail.at(-1)).toMatch(/^Verdict: /);
  return tail.length;
}

/** No worker pod of the run was OOMKilled and its peak memory stayed under the limit. */
export async function expectWorkerWithinLimit(
  client: KubeClient,
  ns: string,
  ms: MailSync,
  limitBytes = WORKER_MEMORY_LIMIT,
): Promise<void> {
  for (const pod of await podsOfJob(client, ns, ms.status!.jobName!)) {
    const worker = pod.status?.containerStatuses?.find((c) => c.name === 'worker');
    const terminated = worker?.state?.terminated ?? worker?.lastState?.terminated;
    expect(terminated?.reason, `${pod.metadata?.name}: not OOMKilled`).not.toBe('OOMKilled');
  }
  const peak = ms.status?.summary?.peakMemoryBytes;
  expect(peak, 'the worker reports its peak memory').toBeGreaterThan(0);
  expect(peak!).toBeLessThan(limitBytes);
}

/** Every check of a successful cell. */
export async function expectExactRun(
  client: KubeClient,
  ns: string,
  source: Source,
  ms: MailSync,
  user: string,
  alreadyThere?: number,
): Promise<void> {
  expectTruthfulSuccess(ms, source, alreadyThere);
  await expectExactCopy(source, user);
  await expectLogTail(client, ns, ms);
  await expectWorkerWithinLimit(client, ns, ms);
}

/** Records a cluster disruption for the other helpers: START before, END after (helper guide). */
export async function disruption<T>(what: string, action: () => Promise<T>): Promise<T> {
  const now = () => new Date().toISOString().slice(11, 19);
  appendFileSync(DISRUPTION_LOG, `START ${now()} ${what}\n`);
  try {
    return await action();
  } finally {
    appendFileSync(DISRUPTION_LOG, `END ${now()}\n`);
  }
}
