/**
 * No work lost across a rolling upgrade (issue 11): the chart installed in the local cluster, 20
 * MailSyncs syncing real mailboxes (Dovecot harness servers on 127.0.0.1, throttled so each run lasts
 * about 140 s), and `helm upgrade` with a changed value while they run, which rolls the controller
 * Deployment: the old controller gets SIGTERM, releases its Lease (seen as an empty holder, not as an
 * expiry) and exits; the new one takes over the running syncs. Then every MailSync ends Succeeded by
 * the run it was in (the same Job, never started again), its destination is an exact copy
 * (test/harness/exact-copy.ts: every message once, bytes, flags, INTERNALDATE), and the counts in
 * its status agree with that check.
 *
 * Own release and namespace (ms-upgrade in mailsync-helm-upgrade); the CRDs are installed by this
 * release only when the cluster has none (otherwise another release owns them). Skipped (with the
 * reason printed) without the cluster, the image or the controller.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Lease } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_NAME, type MailSync } from '../../src/api/mailsync.js';
import { MIGRATION_CRD_NAME } from '../../src/api/migration.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { TERMINAL_PHASES } from '../../src/api/status.js';
import { buildTool, CHART, CI_VALUES, ROOT, run } from '../chart/tools.js';
import { seedMailbox } from '../e2e/helpers/mail.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { compareMailboxes, type ExactCopyReport } from '../harness/exact-copy.js';
import { freePorts } from '../harness/ports.js';
import { apply, getJson, kubectl, kubectlPath, must, operatorUnavailable, skipReason, waitFor } from './cluster.js';

const NAMESPACE = 'mailsync-helm-upgrade';
const RELEASE = 'ms-upgrade';
const DEPLOYMENT = `${RELEASE}-mailsync-operator`;
const SYNCS = 20;
/** Per mailbox: this many in INBOX and half as many in Projects (seedMailbox). */
const INBOX_MESSAGES = 14;
/**
 * About 140 s per run (21 messages): long enough for 20 worker pods to start on a busy node and for
 * the upgrade to happen while all of them run, short enough for CI.
 */
const MESSAGES_PER_SECOND = 0.15;
// generous: the machine is shared (20 worker pods start at once); never a speed check
const TEST_TIMEOUT_MS = 15 * 60_000;

function whyNot(): string | undefined {
  if (!existsSync(join(ROOT, 'src/controller/main.ts')))
    return 'the controller (src/controller/main.ts) has not landed';
  return operatorUnavailable();
}

interface PodList {
  items: { metadata: { name: string; uid: string } }[];
}

describe.skipIf(skipReason(whyNot(), 'rolling upgrade end to end'))(
  'helm upgrade while 20 MailSyncs run: all end Succeeded and exact',
  { timeout: TEST_TIMEOUT_MS },
  () => {
    let helm = '';
    let values: string[] = [];
    let pair: DovecotPair;
    const users = Array.from({ length: SYNCS }, (_, i) => `roll${String(i).padStart(2, '0')}`);
    const passwords = new Map<string, { source: string; destination: string }>();
    let total = 0;
    const helmRun = (args: string[]) => run(helm, [...args, '--kubeconfig', process.env.KUBECONFIG!]);
    const controllerPods = () =>
      getJson<PodList>(['-n', NAMESPACE, 'pods', '-l', 'app.kubernetes.io/component=controller'])?.items ?? [];
    const mailSyncs = () => getJson<{ items: MailSync[] }>(['-n', NAMESPACE, 'mailsyncs'])?.items ?? [];
    const holder = () => getJson<V1Lease>(['-n', NAMESPACE, 'lease', DEPLOYMENT])?.spec?.holderIdentity ?? '';

    function dropFinalizers(): void {
      for (const ms of mailSyncs()) {
        kubectl([
          '-n',
          NAMESPACE,
          'patch',
          'mailsync',
          ms.metadata.name!,
          '--type=merge',
          '-p',
          '{"metadata":{"finalizers":null}}',
        ]);
      }
    }

    beforeAll(async () => {
      helm = buildTool('helm');
      // what an earlier, interrupted run may have left
      helmRun(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']);
      dropFinalizers();
      kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=120s']);
      must(kubectl(['create', 'namespace', NAMESPACE]), `create namespace ${NAMESPACE}`);
      const [metricsPort] = await freePorts([['0.0.0.0']]);
      const image = process.env.MAILSYNC_IMAGE!;
      const colon = image.lastIndexOf(':');
      // Another release (test/e2e-helm/install.test.ts, the controller e2e suite) may own the CRDs.
      const crdsPresent = [CRD_NAME, MIGRATION_CRD_NAME].every((name) => kubectl(['get', 'crd', name]).status === 0);
      values = [
        '--namespace',
        NAMESPACE,
        '--set',
        `image.repository=${image.slice(0, colon)}`,
        '--set',
        `image.tag=${image.slice(colon + 1)}`,
        '-f',
        CI_VALUES,
        '--set',
        `metrics.port=${metricsPort}`,
        '--set',
        `crds.enabled=${!crdsPresent}`,
      ];
      pair = await startDovecotPair();
      for (const user of users) {
        const pw = { source: randomBytes(12).toString('hex'), destination: randomBytes(12).toString('hex') };
        passwords.set(user, pw);
        await pair.a.addUser(user, pw.source);
        await pair.b.addUser(user, pw.destination);
        total = await seedMailbox(pair.a, user, INBOX_MESSAGES);
      }
    }, 30 * 60_000);

    afterAll(async () => {
      if (helm) {
        // the operator first (it removes the finalizers of the MailSyncs it deletes), then the rest
        for (const user of users) kubectl(['-n', NAMESPACE, 'delete', 'mailsync', user, '--wait=false']);
        helmRun(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']);
        dropFinalizers();
        kubectl(['delete', 'namespace', NAMESPACE, '--wait=false']);
      }
      await pair?.stop();
    });

    function objects(user: string): object[] {
      const pw = passwords.get(user)!;
      const endpoint = (port: number, side: 'source' | 'destination') => ({
        host: '127.0.0.1',
        port,
        tls: 'implicit' as const,
        user,
        passwordSecretRef: { name: `${user}-imap`, key: side },
        caSecretRef: { name: `${user}-imap`, key: 'ca.crt' },
      });
      return [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `${user}-imap` },
          type: 'Opaque',
          stringData: { ...pw, 'ca.crt': pair.a.caPem },
        },
        {
          apiVersion: 'mailsync.io/v1alpha1',
          kind: 'MailSync',
          metadata: { name: user },
          spec: {
            source: endpoint(pair.a.implicitTlsPort, 'source'),
            destination: endpoint(pair.b.implicitTlsPort, 'destination'),
            folders: { automap: true },
            throttle: { maxMessagesPerSecond: MESSAGES_PER_SECOND },
            // 20 workers at once on a small shared node: ask for little CPU (they mostly wait)
            resources: { requests: { cpu: '10m', memory: '64Mi' } },
          } satisfies MailSyncSpec,
        },
      ];
    }

    it('all 20 end Succeeded, by the run they were in, with an exact destination and truthful counts', async () => {
      must(helmRun(['install', RELEASE, CHART, ...values, '--wait', '--timeout', '5m']), 'helm install');
      const [oldPod] = controllerPods();
      expect(oldPod).toBeDefined();
      const oldLeader = await waitFor('the controller to lead', () => holder() || undefined, 120_000);
      expect(oldLeader.startsWith(oldPod!.metadata.name)).toBe(true);

      // all at once (one apply), so that their runs overlap
      apply(
        NAMESPACE,
        users.flatMap((user) => objects(user)),
      );
      // every sync running before the upgrade
      const before = await waitFor(
        'all 20 MailSyncs to be Running',
        () => {
          const list = mailSyncs();
          return list.length === SYNCS && list.every((ms) => ms.status?.phase === 'Running') ? list : undefined;
        },
        8 * 60_000,
        () =>
          `; phases: ${JSON.stringify(mailSyncs().map((ms) => [ms.metadata.name, ms.status?.phase, ms.status?.progress?.display]))}`,
      );
      const jobOf = new Map(before.map((ms) => [ms.metadata.name!, ms.status!.jobName!]));
      const startOf = new Map(before.map((ms) => [ms.metadata.name!, ms.status!.startTime]));

      // Watch the Lease through the upgrade (kubectl --watch, a process of its own: helm runs
      // synchronously): who holds it, in order.
      const holders: string[] = [];
      const leaseWatch = spawn(
        kubectlPath(),
        ['-n', NAMESPACE, 'get', 'lease', DEPLOYMENT, '--watch', '-o', 'jsonpath={.spec.holderIdentity}{"|"}{"\\n"}'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let rest = '';
      leaseWatch.stdout.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const h = line.replace(/\|$/, '');
          if (h !== holders.at(-1)) holders.push(h);
        }
      });
      await waitFor('the Lease watch to start', () => (holders.length > 0 ? true : undefined), 60_000);
      const upgradeStarted = Date.now();
      const upgrade = helmRun([
        'upgrade',
        RELEASE,
        CHART,
        ...values,
        '--set',
        'concurrency=6',
        // what the upgrade must not break: SIGTERM to the old controller, then the budget holds
        '--set',
        'shutdown.timeoutSeconds=15',
        '--set',
        'terminationGracePeriodSeconds=25',
        '--set-string',
        'podAnnotations.e2e\\.mailsync\\.io/rolled=yes',
        '--wait',
        '--timeout',
        '5m',
      ]);
      must(upgrade, 'helm upgrade');
      const newPod = await waitFor('the old controller pod to be gone', () => {
        const pods = controllerPods();
        return pods.length === 1 && pods[0]!.metadata.uid !== oldPod!.metadata.uid ? pods[0] : undefined;
      });
      const newLeader = await waitFor('the new controller to lead', () =>
        holders.at(-1)?.startsWith(newPod.metadata.name) ? holders.at(-1) : undefined,
      );
      leaseWatch.kill();
      // released by the old controller (an empty holder), not taken over after an expiry
      expect(holders).toEqual([oldLeader, '', newLeader]);
      // the hand-over happened while the syncs ran: the new controller finishes them
      const stillRunning = mailSyncs().filter((ms) => !TERMINAL_PHASES.has(ms.status?.phase ?? 'Pending'));
      console.log(
        `rolling upgrade: Lease holders ${JSON.stringify(holders)}; helm upgrade to the new leader ` +
          `${((Date.now() - upgradeStarted) / 1000).toFixed(0)} s; ${stillRunning.length} of ${SYNCS} syncs still running then`,
      );
      expect(stillRunning.length).toBeGreaterThan(0);

      const finished = await waitFor(
        'all 20 MailSyncs to finish',
        () => {
          const list = mailSyncs();
          return list.every(
            (ms) =>
              ms.status?.phase &&
              TERMINAL_PHASES.has(ms.status.phase) &&
              (ms.status.summary || ms.status.phase !== 'Succeeded'),
          )
            ? list
            : undefined;
        },
        8 * 60_000,
        () => `; phases: ${JSON.stringify(mailSyncs().map((ms) => [ms.metadata.name, ms.status?.phase]))}`,
      );
      const reports = new Map<string, ExactCopyReport>();
      for (const user of users) {
        reports.set(user, await compareMailboxes({ server: pair.a, user }, { server: pair.b, user }));
      }
      const outcome = finished
        .map((ms) => {
          const report = reports.get(ms.metadata.name!)!;
          const s = ms.status!;
          return {
            name: ms.metadata.name,
            phase: s.phase,
            sameRun: s.jobName === jobOf.get(ms.metadata.name!) && s.startTime === startOf.get(ms.metadata.name!),
            exact: report.exact,
            missing: report.missing.length,
            extra: report.extra.length,
            destination: report.destinationMessages,
            transferred: s.summary?.messagesTransferred,
            skipped: s.summary?.messagesSkipped,
            failed: s.summary?.messagesFailed,
          };
        })
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      expect(outcome).toEqual(
        users.map((name) => ({
          name,
          phase: 'Succeeded',
          sameRun: true,
          exact: true,
          missing: 0,
          extra: 0,
          destination: total,
          // one run copied every message once: nothing was already there, nothing failed
          transferred: total,
          skipped: 0,
          failed: 0,
        })),
      );
      // no password in the new controller's log or the MailSyncs
      const places = [
        must(kubectl(['-n', NAMESPACE, 'logs', `deployment/${DEPLOYMENT}`]), 'operator log'),
        must(kubectl(['-n', NAMESPACE, 'get', 'mailsyncs', '-o', 'json']), 'MailSyncs'),
      ];
      const secrets = [...passwords.values()].flatMap((pw) => [pw.source, pw.destination]);
      expect(secrets.filter((secret) => places.some((p) => p.includes(secret)))).toEqual([]);
    });
  },
);
