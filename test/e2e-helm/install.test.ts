/**
 * The chart end to end in the local cluster, with the image built for it, watched by a real
 * Prometheus (Debian package) as a user's would:
 *   helm install (with an image pull secret) -> a second release watching the same namespace is
 *   refused at start with a clear message -> a user bound only to the built-in `edit` role creates
 *   and deletes a MailSync (the chart's aggregated roles) -> a MailSync (Dovecot harness servers on
 *   127.0.0.1) runs to Succeeded, its worker Job carrying the pull secret -> Prometheus says
 *   mailsync_messages_copied_total is what the sync copied; every metric the dashboard and the
 *   alerts use is exported; the alert rules and the dashboard queries evaluate -> helm upgrade with
 *   changed values rolls out a new pod that leaves the finished sync alone -> the controller's other
 *   duties (abort, a lost run, a MailMigration with passwords, a repeated Event: controller-verbs.ts)
 *   -> helm uninstall removes the operator and keeps the CRD and the MailSync
 *   (helm.sh/resource-policy: keep) -> least privilege (least-privilege.ts): the release runs in
 *   namespace scope, a MailSync in an unwatched namespace stays untouched, and the API server's audit
 *   log shows every verb the chart grants the controller used, none refused, no password.
 *
 * When the install or the sync fails, the tests that need it fail at once with its message
 * (Prerequisites) instead of each waiting out its own bound.
 *
 * Skipped (with the reason printed) without the cluster, the image, the controller or Prometheus.
 * The operator runs on the node's network (chart value hostNetwork; the local cluster has no pod
 * network, and the API server refuses to proxy to pods on 127.0.0.1), so Prometheus scrapes it at
 * 127.0.0.1:<metrics port> with a static target labelled like the chart's ServiceMonitor would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_NAME, type MailSync } from '../../src/api/mailsync.js';
import { TERMINAL_PHASES } from '../../src/api/status.js';
import {
  exprsInDashboard,
  metricNamesInDashboard,
  metricNamesInRuleFile,
  missingMetricNames,
} from '../chart/metric-names.js';
import { buildTool, CHART, ROOT, run } from '../chart/tools.js';
import { mailboxes } from '../e2e/helpers/mail.js';
import { freePorts } from '../harness/ports.js';
import { type Prometheus, prometheusUnavailable, startPrometheus } from '../prometheus/prometheus.js';
import { auditLogUnavailable } from './audit-log.js';
import { apply, getJson, kubectl, must, operatorUnavailable, Prerequisites, skipReason, waitFor } from './cluster.js';
import { abortAndLostRun, migrationLifecycle, repeatedEvent } from './controller-verbs.js';
import { checkLeastPrivilege, placeUnwatched, UNWATCHED_NAMESPACE, unwatchedUntouched } from './least-privilege.js';
import { type MailFixture, startMailFixture } from './mail-fixture.js';
import {
  adoptCrd,
  DEPLOYMENT,
  NAMESPACE,
  PROMETHEUS_JOB,
  PULL_SECRET,
  pullSecret,
  RELEASE,
  releaseValues,
  SECOND_DEPLOYMENT,
  SECOND_NAMESPACE,
  SECOND_RELEASE,
  secondReleaseValues,
} from './release.js';
import { aggregatedRolesMissing, USER_NAMESPACE, userCanCreateAndDelete } from './user-rbac.js';

const SYNC = 'helm-e2e';
// generous: the machine is shared (pods can take a minute to start under load); never a speed check
const TEST_TIMEOUT_MS = 10 * 60_000;
const SYNC_TIMEOUT_MS = 8 * 60_000;
const PROMETHEUS_WAIT_MS = 3 * 60_000;
const ALERTS_FILE = join(CHART, 'files/alerts.yaml');
const DASHBOARD = JSON.parse(readFileSync(join(CHART, 'files/dashboard.json'), 'utf8')) as unknown;

function whyNot(): string | undefined {
  if (!existsSync(join(ROOT, 'src/controller/main.ts')))
    return 'the controller (src/controller/main.ts) has not landed';
  return operatorUnavailable() ?? prometheusUnavailable();
}

interface Deployment {
  metadata: { generation: number };
  spec: {
    template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { args: string[] }[] } };
  };
  status: { availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}
interface ContainerState {
  terminated?: { exitCode: number; reason?: string; message?: string };
}
interface PodList {
  items: {
    metadata: { name: string; uid: string };
    spec?: { imagePullSecrets?: { name: string }[] };
    status?: { containerStatuses?: { restartCount: number; state?: ContainerState; lastState?: ContainerState }[] };
  }[];
}
interface Job {
  spec: { template: { spec: { imagePullSecrets?: { name: string }[] } } };
}

describe.skipIf(skipReason(whyNot(), 'helm end to end'))(
  'helm install, a sync watched by Prometheus, upgrade, uninstall',
  { timeout: TEST_TIMEOUT_MS },
  () => {
    let helm = '';
    let metricsPort = 0;
    let values: string[] = [];
    let prom: Prometheus;
    let mail: MailFixture;
    let finished: MailSync;
    const prerequisites = new Prerequisites();
    // Prometheus scrapes every second; the generous bound is for a loaded machine
    const waitProm = (expr: string, accept: (value: number) => boolean, what: string) =>
      prom.waitForValue(expr, accept, what, PROMETHEUS_WAIT_MS);
    const helmRun = (args: string[]) => run(helm, [...args, '--kubeconfig', process.env.KUBECONFIG!]);
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const controllerPods = (namespace = NAMESPACE) =>
      getJson<PodList>(['-n', namespace, 'pods', '-l', 'app.kubernetes.io/component=controller'])?.items ?? [];

    /** When this group began: the least-privilege test reads the audit log from here on. */
    const startedAt = new Date();
    /** When the uninstall began: it deletes the Roles while the controller still stops. */
    let uninstallAt: Date | undefined;

    beforeAll(async () => {
      helm = buildTool('helm');
      // what an earlier, interrupted run may have left
      helmRun(['uninstall', SECOND_RELEASE, '--namespace', SECOND_NAMESPACE, '--wait']);
      helmRun(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']);
      dropFinalizers();
      for (const namespace of [NAMESPACE, SECOND_NAMESPACE, USER_NAMESPACE, UNWATCHED_NAMESPACE]) {
        kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=120s']);
      }
      for (const namespace of [NAMESPACE, SECOND_NAMESPACE]) {
        must(kubectl(['create', 'namespace', namespace]), `create namespace ${namespace}`);
        apply(namespace, [pullSecret()]);
      }
      adoptCrd();
      metricsPort = (await freePorts([['0.0.0.0']]))[0]!;
      values = releaseValues(process.env.MAILSYNC_IMAGE!, metricsPort);
      mail = await startMailFixture('hermes', 40);
      prom = await startPrometheus({
        jobs: [{ job: PROMETHEUS_JOB, targets: [`127.0.0.1:${metricsPort}`], labels: { namespace: NAMESPACE } }],
        ruleFiles: [ALERTS_FILE],
      });
    }, 30 * 60_000);

    afterAll(async () => {
      await prom?.stop();
      await mail?.pair.stop();
      if (!helm) return;
      helmRun(['uninstall', SECOND_RELEASE, '--namespace', SECOND_NAMESPACE, '--wait']);
      helmRun(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']);
      dropFinalizers(); // the operator is gone: nobody else takes them off
      for (const namespace of [NAMESPACE, SECOND_NAMESPACE, USER_NAMESPACE, UNWATCHED_NAMESPACE]) {
        kubectl(['delete', 'namespace', namespace, '--wait=false']);
      }
    });

    const podsSummary = () => kubectl(['-n', NAMESPACE, 'get', 'pods,jobs', '-o', 'wide']).stdout;
    const operatorLogTail = () => kubectl(['-n', NAMESPACE, 'logs', `deployment/${DEPLOYMENT}`, '--tail=30']).stdout;

    function dropFinalizers(): void {
      const list = getJson<{ items: MailSync[] }>(['-n', NAMESPACE, 'mailsyncs']);
      for (const ms of list?.items ?? []) {
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

    it('installs: the Deployment becomes available and its replica takes the Lease', () =>
      prerequisites.step('the install', () => {
        // --force-conflicts: helm's server-side apply takes over the adopted CRD's fields from their
        // previous field manager (the controller e2e suite applies the CRD server-side too)
        must(
          helmRun(['install', RELEASE, CHART, ...values, '--force-conflicts', '--wait', '--timeout', '5m']),
          'helm install',
        );
        const deployment = getJson<Deployment>(['-n', NAMESPACE, 'deployment', DEPLOYMENT]);
        expect(deployment?.status.availableReplicas).toBe(1);
        const leases = getJson<{ items: { spec: { holderIdentity?: string } }[] }>(['-n', NAMESPACE, 'leases']);
        expect(leases?.items.some((l) => l.spec.holderIdentity?.startsWith(DEPLOYMENT))).toBe(true);
        // the pull secret reaches the controller's own pod as well
        expect(controllerPods()[0]?.spec?.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
      }));

    it("helm test: the chart's test pod finds the CRDs established and the controller ready", () => {
      prerequisites.require('the install');
      const out = must(helmRun(['test', RELEASE, '--namespace', NAMESPACE, '--timeout', '5m']), 'helm test');
      expect(out).toMatch(/Phase:\s+Succeeded/);
    });

    it('a second release watching the same namespace is refused at start, with the reason; the first runs on', async () => {
      prerequisites.require('the install');
      const holder = () =>
        getJson<{ spec: { holderIdentity?: string } }>(['-n', NAMESPACE, 'lease', DEPLOYMENT])?.spec.holderIdentity;
      const leader = holder();
      const [secondPort] = await freePorts([['0.0.0.0']]);
      // no --wait: it never becomes ready
      must(
        helmRun(['install', SECOND_RELEASE, CHART, ...secondReleaseValues(process.env.MAILSYNC_IMAGE!, secondPort!)]),
        'helm install (second release)',
      );
      let pods: PodList['items'] = [];
      const terminated = await waitFor(
        "the second release's controller to stop",
        () => {
          pods = controllerPods(SECOND_NAMESPACE);
          const status = pods[0]?.status?.containerStatuses?.[0];
          return status?.lastState?.terminated ?? status?.state?.terminated;
        },
        5 * 60_000,
        () => `; pods: ${JSON.stringify(pods.map((p) => p.status))}`,
      );
      const message =
        `release ${SECOND_NAMESPACE}/${SECOND_RELEASE} refuses to start: namespace ${NAMESPACE} is already ` +
        `watched by release ${NAMESPACE}/${RELEASE} (running; claim on Lease ${NAMESPACE}/${DEPLOYMENT})`;
      expect(terminated.exitCode).toBe(3);
      expect(terminated.message).toContain(`NamespacesAlreadyWatched: ${message}`);
      const pod = pods[0]!.metadata.name;
      const logs = [
        kubectl(['-n', SECOND_NAMESPACE, 'logs', pod]).stdout,
        kubectl(['-n', SECOND_NAMESPACE, 'logs', pod, '--previous']).stdout,
      ].join('\n');
      expect(logs).toContain(message);
      // the first release's controller was not disturbed: same leader, never restarted
      expect(holder()).toBe(leader);
      expect(controllerPods()[0]?.status?.containerStatuses?.[0]?.restartCount).toBe(0);
      must(
        helmRun(['uninstall', SECOND_RELEASE, '--namespace', SECOND_NAMESPACE, '--wait']),
        'helm uninstall (second release)',
      );
      expect(kubectl(['-n', SECOND_NAMESPACE, 'get', 'deployment', SECOND_DEPLOYMENT]).status).not.toBe(0);
    });

    it.skipIf(skipReason(aggregatedRolesMissing(), 'the edit-role test'))(
      'a user bound only to the built-in edit role in a namespace creates and deletes a MailSync',
      async () => {
        prerequisites.require('the install');
        await userCanCreateAndDelete();
      },
    );

    it('Prometheus scrapes the operator: the target is up, and it is the leader', async () => {
      prerequisites.require('the install');
      await waitProm(`up{job="${PROMETHEUS_JOB}"}`, (v) => v === 1, 'the operator target to be up');
      await waitProm('mailsync_leader', (v) => v === 1, 'the replica to report leadership');
      const [target] = await prom.api.targets();
      expect(target).toMatchObject({ health: 'up', labels: { job: PROMETHEUS_JOB, namespace: NAMESPACE } });
    });

    it('a MailSync against the Dovecot servers runs to Succeeded under the installed operator', async () => {
      prerequisites.require('the install');
      await prerequisites.step('the sync', () => runSync());
    });

    it('the worker Job the controller created carries the configured image pull secret', () => {
      prerequisites.require('the install', 'the sync');
      const job = getJson<Job>(['-n', NAMESPACE, 'job', finished.status!.jobName!]);
      expect(job?.spec.template.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
    });

    async function runSync(): Promise<void> {
      // the same objects in a namespace the release does not watch (rbac.scope=namespace)
      placeUnwatched(mail.objects);
      apply(NAMESPACE, mail.objects(SYNC));
      let last: MailSync | undefined;
      finished = await waitFor(
        `${SYNC} to finish`,
        () => {
          last = getJson<MailSync>(['-n', NAMESPACE, 'mailsync', SYNC]);
          const phase = last?.status?.phase;
          return phase && TERMINAL_PHASES.has(phase) && (last?.status?.summary || phase !== 'Succeeded')
            ? last
            : undefined;
        },
        SYNC_TIMEOUT_MS,
        () =>
          `; last status: ${JSON.stringify(last?.status)}\npods: ${podsSummary()}\noperator log:\n${operatorLogTail()}`,
      );
      expect(finished.status?.lastError, JSON.stringify(finished.status?.logTail)).toBeUndefined();
      expect(finished.status?.phase).toBe('Succeeded');
      expect(finished.status?.summary?.messagesTransferred).toBe(mail.total);
      const { source, destination } = await mailboxes(mail.pair, mail.user);
      expect(destination).toEqual(source);
    }

    it('namespace scope: a MailSync in a namespace the release does not watch is left alone', () => {
      prerequisites.require('the install', 'the sync');
      unwatchedUntouched();
    });

    it('Prometheus: mailsync_messages_copied_total is the number the sync copied', async () => {
      prerequisites.require('the install', 'the sync');
      const copied = await waitProm(
        'mailsync_messages_copied_total',
        (v) => v === mail.total,
        `the copied messages (${mail.total})`,
      );
      expect(copied).toBe(finished.status?.summary?.messagesTransferred);
      expect(await waitProm('mailsync_bytes_copied_total', (v) => v > 0, 'the copied bytes')).toBe(
        finished.status?.summary?.bytesTransferred,
      );
      await waitProm('mailsync_sync_duration_seconds_count', (v) => v === 1, 'one finished run');
      await waitProm('mailsync_syncs{phase="Succeeded"}', (v) => v === 1, 'one Succeeded MailSync');
    });

    it('every metric the dashboard and the alerts use is exported (live scrape and Prometheus metadata)', async () => {
      prerequisites.require('the install');
      const used = [
        ...new Set([...metricNamesInDashboard(DASHBOARD), ...metricNamesInRuleFile(readFileSync(ALERTS_FILE, 'utf8'))]),
      ];
      expect(used).toContain('mailsync_messages_copied_total');
      expect(missingMetricNames(used, await scrape())).toEqual([]);
      // Prometheus knows each one from the scrapes: a sample, or the # TYPE of a metric without samples yet
      const metadata = await prom.api.metadata();
      const series = new Set(
        (await prom.query('count by (__name__) ({job="mailsync-operator"})')).map((s) => s.metric.__name__),
      );
      const known = (name: string) =>
        series.has(name) || name in metadata || name.replace(/_(bucket|sum|count)$/, '') in metadata || name === 'up';
      expect(used.filter((name) => !known(name))).toEqual([]);
    });

    it('the alert rules evaluate against the live operator without errors, and none fires', async () => {
      prerequisites.require('the install');
      const rules = await waitFor('every alert rule to be evaluated', async () => {
        const all = (await prom.api.ruleGroups()).flatMap((g) => g.rules);
        return all.length > 0 && all.every((r) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001'))
          ? all
          : undefined;
      });
      expect(rules.map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual(rules.map((r) => [r.name, 'ok', '']));
      expect(await prom.query('ALERTS{alertstate="firing"}')).toEqual([]);
    });

    it('every dashboard query is valid PromQL for Prometheus, and the leader panel shows the replica', async () => {
      prerequisites.require('the install');
      for (const expr of exprsInDashboard(DASHBOARD)) {
        // Grafana fills in $__rate_interval (at least four scrape intervals)
        await expect(prom.query(expr.replaceAll('$__rate_interval', '1m')), expr).resolves.toBeDefined();
      }
      const leader = await prom.query('max by (instance) (mailsync_leader)');
      expect(leader.map((s) => s.value)).toEqual([1]);
    });

    it('upgrades: changed values roll out a new pod, which leaves the finished sync alone', async () => {
      prerequisites.require('the install', 'the sync');
      const [before] = controllerPods();
      const started = (await prom.query('process_start_time_seconds'))[0]?.value ?? 0;
      must(
        helmRun([
          'upgrade',
          RELEASE,
          CHART,
          ...values,
          '--set',
          'concurrency=8',
          '--set-string',
          'podAnnotations.e2e\\.mailsync\\.io/upgraded=yes',
          '--force-conflicts',
          '--wait',
          '--timeout',
          '5m',
        ]),
        'helm upgrade',
      );
      const deployment = getJson<Deployment>(['-n', NAMESPACE, 'deployment', DEPLOYMENT])!;
      expect(deployment.spec.template.spec.containers[0]!.args).toContain('--concurrency=8');
      expect(deployment.spec.template.metadata.annotations).toMatchObject({ 'e2e.mailsync.io/upgraded': 'yes' });
      expect(deployment.status.updatedReplicas).toBe(1);
      expect(deployment.metadata.generation).toBe(deployment.status.observedGeneration);
      const after = await waitFor('the old pod to be gone', () => {
        const pods = controllerPods();
        return pods.length === 1 && pods[0]!.metadata.uid !== before?.metadata.uid ? pods[0] : undefined;
      });
      expect(after.metadata.name).not.toBe(before?.metadata.name);
      // Prometheus follows the new process on the same target; once it has reconciled everything
      // (its queue is empty and it counts the MailSync as Succeeded), the sync was not run again
      await waitProm('process_start_time_seconds', (v) => v > started, 'the new process to be scraped');
      await waitProm('mailsync_leader', (v) => v === 1, 'the new replica to lead');
      await waitProm('sum(controller_runtime_reconcile_total)', (v) => v > 0, 'a reconcile by the new replica');
      await waitProm('mailsync_syncs{phase="Succeeded"}', (v) => v === 1, 'the new replica to see the sync');
      await waitProm('workqueue_depth', (v) => v === 0, 'an empty work queue');
      const ms = getJson<MailSync>(['-n', NAMESPACE, 'mailsync', SYNC])!;
      expect(ms.status?.phase).toBe('Succeeded');
      expect(ms.status?.startTime).toBe(finished.status?.startTime);
      expect(ms.status?.jobName).toBe(finished.status?.jobName);
    });

    // after the Prometheus checks and the upgrade, which count exactly one sync
    it('kubectl delete aborts a running sync; a Job deleted by hand ends its MailSync as JobDeleted', async () => {
      prerequisites.require('the install', 'the sync');
      await abortAndLostRun(mail);
    });

    it('a MailMigration with passwords in its account file: children and their Secrets follow the file', async () => {
      prerequisites.require('the install', 'the sync');
      await migrationLifecycle(mail);
    });

    it('an Event raised again is counted on the first one', async () => {
      prerequisites.require('the install');
      await repeatedEvent();
    });

    it('no password shows in the metrics, the operator log or the MailSync', async () => {
      prerequisites.require('the install', 'the sync');
      const places = [
        await scrape(),
        must(kubectl(['-n', NAMESPACE, 'logs', `deployment/${DEPLOYMENT}`]), 'operator log'),
        must(kubectl(['-n', NAMESPACE, 'get', 'mailsync', SYNC, '-o', 'json']), 'MailSync'),
        must(kubectl(['-n', NAMESPACE, 'get', 'events', '-o', 'json']), 'events'),
      ];
      for (const secret of mail.secrets) expect(places.filter((p) => p.includes(secret))).toEqual([]);
    });

    it('uninstalls: the operator is gone, the CRD and the MailSync stay (helm.sh/resource-policy: keep)', async () => {
      prerequisites.require('the install', 'the sync');
      uninstallAt = new Date();
      const out = must(helmRun(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait']), 'helm uninstall');
      expect(out).toContain(CRD_NAME);
      expect(kubectl(['-n', NAMESPACE, 'get', 'deployment', DEPLOYMENT]).status).not.toBe(0);
      await waitFor('the operator pod to be gone', () => (controllerPods().length === 0 ? true : undefined));
      expect(kubectl(['get', 'crd', CRD_NAME]).status).toBe(0);
      const ms = getJson<MailSync>(['-n', NAMESPACE, 'mailsync', SYNC]);
      expect(ms?.status?.phase).toBe('Succeeded');
      expect(ms?.metadata.uid).toBe(finished.metadata.uid);
    });

    // last: the whole group's requests are in the audit log by now
    it.skipIf(skipReason(auditLogUnavailable(), 'the least-privilege test'))(
      'least privilege: the audit log shows every verb the chart grants the controller used, none refused, no password',
      async () => {
        prerequisites.require('the install', 'the sync');
        await checkLeastPrivilege({
          helm,
          values,
          since: startedAt,
          until: uninstallAt,
          secrets: mail.secrets,
          jobName: finished.status!.jobName!,
        });
      },
    );
  },
);
