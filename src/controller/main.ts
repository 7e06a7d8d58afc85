/**
 * `mailsync controller`: the operator process. In a cluster it uses the pod's
 * service account (in-cluster config); elsewhere KUBECONFIG. Flags override
 * environment variables (the Helm chart sets the latter).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { EGRESS_ENV, type EgressSettings, egressPolicy, parsePorts, splitList } from '../api/egress-policy.js';
import { jsonPrintable } from '../api/printable.js';
import { CLIENT_DEFAULTS, KubeClient } from '../kube/kube-client.js';
import { loadConnectionSource } from '../kube/kube-config.js';
import { type LabelSelector, parseLabelSelector } from '../kube/label-selector.js';
import { DEFAULT_LEASE, type LeaderElectionOptions, LeaderElector } from '../kube/leader-election.js';
import { ControllerMetrics } from '../metrics/controller-metrics.js';
import { startMetricsServer } from '../metrics/server.js';
import { Controller, DEFAULT_BATCH_WINDOW_SECONDS } from './controller.js';
import { DEFAULT_LOG_STREAM_OPTIONS } from './log-stream-manager.js';
import { MigrationController } from './migration/migration-controller.js';
import { parseNameList, parseReleaseId } from './object-names.js';
import { checkReleaseClaims, ReleaseCheckError } from './release-check.js';
import { watchedFromList } from './release-claim.js';
import { parseResourceMaximums, type ResourceMaximums } from './resource-maximums.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, shutdownPlan } from './shutdown-plan.js';
import { requireTestMode, TEST_MODE_ENV } from './test-mode.js';

export const CONTROLLER_USAGE = `Usage: mailsync controller [options]

Runs the MailSync operator: one Job per account pair, the worker log streamed
into status, abort on delete. Uses in-cluster config or KUBECONFIG.

Options (environment variable in brackets):
  --namespace NS[,NS...]     namespaces to watch; empty or "*" = all [MAILSYNC_NAMESPACES]
  --concurrency N            reconciles in parallel (default 4) [MAILSYNC_CONCURRENCY]
  --worker-image IMAGE       image of the worker pods [MAILSYNC_WORKER_IMAGE]
  --worker-host-network      worker pods use the node's network: the repository's local test cluster only,
                             refused unless ${TEST_MODE_ENV}=1 [MAILSYNC_WORKER_HOST_NETWORK=true]
  --worker-image-pull-policy IfNotPresent (default), Always or Never [MAILSYNC_WORKER_IMAGE_PULL_POLICY]
  --worker-image-pull-secrets NAME[,NAME...]
                             Secrets (in each MailSync's namespace) for pulling the worker image from a
                             private registry [MAILSYNC_WORKER_IMAGE_PULL_SECRETS]
  --metrics-port PORT        /metrics, /healthz, /readyz (default 8080; 0 = off) [MAILSYNC_METRICS_PORT]
  --leader-elect             elect a leader on a Lease (run two replicas) [MAILSYNC_LEADER_ELECT=true]
  --lease-name NAME          Lease name (default mailsync-controller) [MAILSYNC_LEASE_NAME]
  --lease-namespace NS       Lease namespace (default: the pod's namespace) [MAILSYNC_LEASE_NAMESPACE, POD_NAMESPACE]
  --lease-duration-seconds N a standby takes over after N s without a renewal (default 15) [MAILSYNC_LEASE_DURATION_SECONDS]
  --renew-deadline-seconds N the leader steps down when it cannot renew for N s (default 10; < lease duration)
                             [MAILSYNC_RENEW_DEADLINE_SECONDS]
  --retry-period-seconds N   renew (leader) or try (standby) every N s (default 2; < renew deadline)
                             [MAILSYNC_RETRY_PERIOD_SECONDS]
  --release NS/NAME          the Helm release this controller belongs to: at start it refuses to run when
                             another release's controller watches any of its namespaces (needs
                             --leader-elect; its claim lives on the Lease) [MAILSYNC_RELEASE]
  --claim-stale-seconds N    another release's claim that no leader renewed and no controller re-checked
                             for N s blocks nothing (default 120) [MAILSYNC_CLAIM_STALE_SECONDS]
  --resync-seconds N         re-check every MailSync this often (default 60) [MAILSYNC_RESYNC_SECONDS]
  --max-log-follows N        worker logs followed live at once, the most recently started runs; the
                             others are polled in turn (default 100; 0 = poll all) [MAILSYNC_MAX_LOG_FOLLOWS]
  --max-running N            at most N syncs running at once, all namespaces (default 0 = no cap) [MAILSYNC_MAX_RUNNING]
  --max-running-per-host N   at most N syncs running at once against one IMAP host, source or
                             destination (default 0 = no cap); more wait with phase Queued
                             [MAILSYNC_MAX_RUNNING_PER_HOST]
  --batch-window-seconds N   a packed migration's worker pod (spec.accountsPerWorker) starts when it has
                             that many accounts, or N s after its first one was admitted (default 5; 0 = at
                             once; at most 3600). Longer makes fuller pods: each pod's start costs the node
                             about as much CPU as several small accounts [MAILSYNC_BATCH_WINDOW_SECONDS]
  --secret-selector SELECTOR only Secrets matching this label selector (e.g. mailsync.io/credentials=true)
                             may be referenced by a MailSync; others are refused (reason SecretNotAllowed).
                             Default: any Secret of the MailSync's namespace (docs/security.md) [MAILSYNC_SECRET_SELECTOR]
  --max-worker-resources cpu=N,memory=Q,ephemeral-storage=Q
                             the most a MailSync's resources (requests and limits) may ask for; above it: no Job,
                             reason ResourcesOverMaximum (default: no maximum) [MAILSYNC_MAX_WORKER_RESOURCES]
  --egress-allow-cidrs CIDRS worker pods connect only to addresses in these CIDRs (comma-separated; default:
                             any address not denied) [MAILSYNC_EGRESS_ALLOW_CIDRS]
  --egress-deny-cidrs CIDRS  worker pods never connect to these, in addition to the built-in link-local and
                             cloud metadata addresses (docs/security.md#egress-policy) [MAILSYNC_EGRESS_DENY_CIDRS]
  --egress-allow-ports PORTS worker pods connect only to these ports (default: any) [MAILSYNC_EGRESS_ALLOW_PORTS]
  --kube-api-qps N           client-side rate limit of API requests per second (default 100; 0 = none) [MAILSYNC_KUBE_API_QPS]
  --kube-api-burst N         requests allowed at once above that rate (default 200) [MAILSYNC_KUBE_API_BURST]
  --shutdown-timeout-seconds N
                             after SIGTERM: stop taking work, let running reconciles finish, write pending
                             status, release the Lease, all within N s, then exit (default ${DEFAULT_SHUTDOWN_TIMEOUT_SECONDS}; keep
                             terminationGracePeriodSeconds above it) [MAILSYNC_SHUTDOWN_TIMEOUT_SECONDS]
  --log-level LEVEL          debug, info, warn, error (default info) [MAILSYNC_LOG_LEVEL]
`;

/** Exit code when another release's controller watches our namespaces (the pod's last state shows it). */
export const EXIT_NAMESPACES_TAKEN = 3;

/**
 * The message `kubectl describe pod` shows for the container's last termination. Best effort: the
 * file exists only in a pod (terminationMessagePath).
 */
function writeTerminationMessage(text: string): void {
  const file = process.env.MAILSYNC_TERMINATION_LOG ?? '/dev/termination-log';
  try {
    if (existsSync(file)) writeFileSync(file, text.slice(0, 4096));
  } catch {
    // not in a pod, or not writable: the log has the message too
  }
}

export interface ControllerConfig {
  namespaces: string[];
  concurrency: number;
  workerImage: string;
  workerHostNetwork: boolean;
  workerImagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  workerImagePullSecrets: string[];
  metricsPort: number;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  /** leaseDurationSeconds > renewDeadlineSeconds > retryPeriodSeconds (checked). */
  lease: Pick<LeaderElectionOptions, 'leaseDurationSeconds' | 'renewDeadlineSeconds' | 'retryPeriodSeconds'>;
  /** `<namespace>/<name>` of the Helm release; unset: no check against other releases. */
  release?: string;
  claimStaleSeconds: number;
  resyncSeconds: number;
  maxLogFollows: number;
  /** 0: no cap. */
  maxRunning: number;
  maxRunningPerHost: number;
  /** How long a packed batch waits for more accounts before its Job is made (--batch-window-seconds). */
  batchWindowSeconds: number;
  kubeApiQps: number;
  kubeApiBurst: number;
  /** The most time shutdown takes after SIGTERM (shutdown-plan.ts). */
  shutdownTimeoutSeconds: number;
  logLevel: string;
  /** Only Secrets with these labels may be referenced (--secret-selector); unset: any Secret of the namespace. */
  secretSelector?: LabelSelector;
  /** The most a MailSync's resources may ask for (--max-worker-resources); empty: no maximum. */
  maxWorkerResources: ResourceMaximums;
  /** Where worker pods may connect (--egress-*), handed to them as MAILSYNC_EGRESS_* variables. */
  egress: EgressSettings;
}

/** The --egress-* flags (over MAILSYNC_EGRESS_*), checked here so a typo stops the controller, not every worker. */
function egressSettings(
  values: Partial<Record<'egress-allow-cidrs' | 'egress-deny-cidrs' | 'egress-allow-ports', string>>,
  env: Readonly<Record<string, string | undefined>>,
): EgressSettings {
  const settings: EgressSettings = {
    allowCidrs: splitList(values['egress-allow-cidrs'] ?? env[EGRESS_ENV.allowCidrs]),
    denyCidrs: splitList(values['egress-deny-cidrs'] ?? env[EGRESS_ENV.denyCidrs]),
    allowPorts: parsePorts(
      splitList(values['egress-allow-ports'] ?? env[EGRESS_ENV.allowPorts]),
      '--egress-allow-ports',
    ),
  };
  egressPolicy(settings, {
    allowCidrs: '--egress-allow-cidrs',
    denyCidrs: '--egress-deny-cidrs',
    allowPorts: '--egress-allow-ports',
  });
  return settings;
}

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

function positiveInt(name: string, value: string, min = 1, max = Number.POSITIVE_INFINITY): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${value}'`);
  if (n > max) throw new Error(`${name} must be at most ${max}, got '${value}'`);
  return n;
}

/** A longer batch window would only keep admitted accounts waiting (and the chart's schema allows no more). */
const MAX_BATCH_WINDOW_SECONDS = 3600;

/** Parse flags over environment variables. Throws with a one-line message on bad input. Pure. */
export function parseControllerArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ControllerConfig | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      namespace: { type: 'string' },
      concurrency: { type: 'string' },
      'worker-image': { type: 'string' },
      'worker-host-network': { type: 'boolean' },
      'worker-image-pull-policy': { type: 'string' },
      'worker-image-pull-secrets': { type: 'string' },
      'metrics-port': { type: 'string' },
      'leader-elect': { type: 'boolean' },
      'lease-name': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-duration-seconds': { type: 'string' },
      'renew-deadline-seconds': { type: 'string' },
      'retry-period-seconds': { type: 'string' },
      release: { type: 'string' },
      'claim-stale-seconds': { type: 'string' },
      'resync-seconds': { type: 'string' },
      'max-log-follows': { type: 'string' },
      'max-running': { type: 'string' },
      'max-running-per-host': { type: 'string' },
      'batch-window-seconds': { type: 'string' },
      'kube-api-qps': { type: 'string' },
      'kube-api-burst': { type: 'string' },
      'secret-selector': { type: 'string' },
      'max-worker-resources': { type: 'string' },
      'egress-allow-cidrs': { type: 'string' },
      'egress-deny-cidrs': { type: 'string' },
      'egress-allow-ports': { type: 'string' },
      'shutdown-timeout-seconds': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const namespaces = (values.namespace ?? env.MAILSYNC_NAMESPACES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n && n !== '*');
  const workerImage = values['worker-image'] ?? env.MAILSYNC_WORKER_IMAGE ?? '';
  if (!workerImage) throw new Error('the worker image is not set: --worker-image or MAILSYNC_WORKER_IMAGE');
  const pullPolicy = values['worker-image-pull-policy'] ?? env.MAILSYNC_WORKER_IMAGE_PULL_POLICY ?? 'IfNotPresent';
  if (pullPolicy !== 'Always' && pullPolicy !== 'IfNotPresent' && pullPolicy !== 'Never') {
    throw new Error(`--worker-image-pull-policy must be Always, IfNotPresent or Never, got '${pullPolicy}'`);
  }
  const lease = {
    leaseDurationSeconds: positiveInt(
      '--lease-duration-seconds',
      values['lease-duration-seconds'] ??
        env.MAILSYNC_LEASE_DURATION_SECONDS ??
        String(DEFAULT_LEASE.leaseDurationSeconds),
    ),
    renewDeadlineSeconds: positiveInt(
      '--renew-deadline-seconds',
      values['renew-deadline-seconds'] ??
        env.MAILSYNC_RENEW_DEADLINE_SECONDS ??
        String(DEFAULT_LEASE.renewDeadlineSeconds),
    ),
    retryPeriodSeconds: positiveInt(
      '--retry-period-seconds',
      values['retry-period-seconds'] ?? env.MAILSYNC_RETRY_PERIOD_SECONDS ?? String(DEFAULT_LEASE.retryPeriodSeconds),
    ),
  };
  // as client-go: a leader must give up before a standby may take over, and renew more than once in that time
  if (lease.renewDeadlineSeconds >= lease.leaseDurationSeconds) {
    throw new Error(
      `--renew-deadline-seconds (${lease.renewDeadlineSeconds}) must be less than --lease-duration-seconds (${lease.leaseDurationSeconds})`,
    );
  }
  if (lease.retryPeriodSeconds >= lease.renewDeadlineSeconds) {
    throw new Error(
      `--retry-period-seconds (${lease.retryPeriodSeconds}) must be less than --renew-deadline-seconds (${lease.renewDeadlineSeconds})`,
    );
  }
  const workerHostNetwork = values['worker-host-network'] ?? truthy(env.MAILSYNC_WORKER_HOST_NETWORK);
  if (workerHostNetwork) requireTestMode(env, '--worker-host-network (MAILSYNC_WORKER_HOST_NETWORK)');
  const leaderElect = values['leader-elect'] ?? truthy(env.MAILSYNC_LEADER_ELECT);
  const releaseValue = values.release ?? env.MAILSYNC_RELEASE ?? '';
  const release = releaseValue ? parseReleaseId('--release', releaseValue) : undefined;
  if (release && !leaderElect) {
    throw new Error('--release needs --leader-elect: the release claim lives on the Lease, renewed by the leader');
  }
  const selectorText = (values['secret-selector'] ?? env.MAILSYNC_SECRET_SELECTOR ?? '').trim();
  const secretSelector = selectorText ? parseLabelSelector(selectorText) : undefined;
  return {
    namespaces,
    concurrency: positiveInt('--concurrency', values.concurrency ?? env.MAILSYNC_CONCURRENCY ?? '4'),
    workerImage,
    workerHostNetwork,
    workerImagePullPolicy: pullPolicy,
    workerImagePullSecrets: parseNameList(
      '--worker-image-pull-secrets',
      values['worker-image-pull-secrets'] ?? env.MAILSYNC_WORKER_IMAGE_PULL_SECRETS ?? '',
    ),
    metricsPort: positiveInt('--metrics-port', values['metrics-port'] ?? env.MAILSYNC_METRICS_PORT ?? '8080', 0),
    leaderElect,
    leaseName: values['lease-name'] ?? env.MAILSYNC_LEASE_NAME ?? 'mailsync-controller',
    leaseNamespace: values['lease-namespace'] ?? env.MAILSYNC_LEASE_NAMESPACE ?? env.POD_NAMESPACE ?? 'default',
    lease,
    ...(release ? { release } : {}),
    claimStaleSeconds: positiveInt(
      '--claim-stale-seconds',
      values['claim-stale-seconds'] ?? env.MAILSYNC_CLAIM_STALE_SECONDS ?? '120',
    ),
    resyncSeconds: positiveInt('--resync-seconds', values['resync-seconds'] ?? env.MAILSYNC_RESYNC_SECONDS ?? '60'),
    maxLogFollows: positiveInt(
      '--max-log-follows',
      values['max-log-follows'] ?? env.MAILSYNC_MAX_LOG_FOLLOWS ?? String(DEFAULT_LOG_STREAM_OPTIONS.maxFollows),
      0,
    ),
    maxRunning: positiveInt('--max-running', values['max-running'] ?? env.MAILSYNC_MAX_RUNNING ?? '0', 0),
    maxRunningPerHost: positiveInt(
      '--max-running-per-host',
      values['max-running-per-host'] ?? env.MAILSYNC_MAX_RUNNING_PER_HOST ?? '0',
      0,
    ),
    batchWindowSeconds: positiveInt(
      '--batch-window-seconds',
      values['batch-window-seconds'] ?? env.MAILSYNC_BATCH_WINDOW_SECONDS ?? String(DEFAULT_BATCH_WINDOW_SECONDS),
      0,
      MAX_BATCH_WINDOW_SECONDS,
    ),
    kubeApiQps: positiveInt(
      '--kube-api-qps',
      values['kube-api-qps'] ?? env.MAILSYNC_KUBE_API_QPS ?? String(CLIENT_DEFAULTS.qps),
      0,
    ),
    kubeApiBurst: positiveInt(
      '--kube-api-burst',
      values['kube-api-burst'] ?? env.MAILSYNC_KUBE_API_BURST ?? String(CLIENT_DEFAULTS.burst),
    ),
    shutdownTimeoutSeconds: positiveInt(
      '--shutdown-timeout-seconds',
      values['shutdown-timeout-seconds'] ??
        env.MAILSYNC_SHUTDOWN_TIMEOUT_SECONDS ??
        String(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS),
    ),
    logLevel: values['log-level'] ?? env.MAILSYNC_LOG_LEVEL ?? 'info',
    ...(secretSelector ? { secretSelector } : {}),
    maxWorkerResources: parseResourceMaximums(
      values['max-worker-resources'] ?? env.MAILSYNC_MAX_WORKER_RESOURCES ?? '',
    ),
    egress: egressSettings(values, env),
  };
}

/** Runs until SIGTERM/SIGINT (or a lost lease); resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let config: ControllerConfig | 'help';
  try {
    config = parseControllerArgs(argv, process.env);
  } catch (error) {
    process.stderr.write(`mailsync controller: error: ${(error as Error).message}\n${CONTROLLER_USAGE}`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(CONTROLLER_USAGE);
    return 0;
  }
  // Messages may quote IMAP servers (worker failures): no C1 control or bidi override raw in a log line.
  const log = pino({
    level: config.logLevel,
    base: { component: 'controller' },
    hooks: { streamWrite: jsonPrintable },
  });
  let source: Awaited<ReturnType<typeof loadConnectionSource>>;
  try {
    source = await loadConnectionSource();
  } catch (error) {
    process.stderr.write(`mailsync controller: error: ${(error as Error).message}\n`);
    return 1;
  }
  const client = new KubeClient(source, {
    userAgent: 'mailsync-controller',
    qps: config.kubeApiQps,
    burst: config.kubeApiBurst,
  });
  const metrics = new ControllerMetrics();
  const controller = new Controller(client, log, metrics, {
    namespaces: config.namespaces,
    concurrency: config.concurrency,
    worker: {
      image: config.workerImage,
      hostNetwork: config.workerHostNetwork,
      imagePullPolicy: config.workerImagePullPolicy,
      imagePullSecrets: config.workerImagePullSecrets,
      egress: config.egress,
    },
    resyncMs: config.resyncSeconds * 1000,
    informerRestartMs: 5 * 60_000,
    statusIntervalMs: 5000,
    maxLogFollows: config.maxLogFollows,
    requestStatsMs: Number(process.env.MAILSYNC_REQUEST_STATS_SECONDS ?? 30) * 1000,
    maxRunning: config.maxRunning,
    maxRunningPerHost: config.maxRunningPerHost,
    batchWindowMs: config.batchWindowSeconds * 1000,
    secretSelector: config.secretSelector,
    maxWorkerResources: config.maxWorkerResources,
  });
  const migrations = new MigrationController(client, log.child({ component: 'migration' }), {
    namespaces: config.namespaces,
    concurrency: 2,
    informerRestartMs: 5 * 60_000,
    resyncMs: config.resyncSeconds * 1000,
  });
  // Validating a run reads the key names of its Secrets: a migration's per-account ones come from its cache.
  controller.ctx.secrets.useCache((namespace, name) => migrations.secrets.get(name, namespace));
  const identity = `${process.env.POD_NAME ?? hostname()}_${process.pid}`;
  const elector = config.leaderElect
    ? new LeaderElector(client, log.child({ component: 'leader' }), {
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity,
        ...config.lease,
      })
    : undefined;

  if (config.release) {
    try {
      await checkReleaseClaims(client, log.child({ component: 'release-check' }), {
        release: config.release,
        namespaces: watchedFromList(config.namespaces),
        leaseNamespace: config.leaseNamespace,
        leaseName: config.leaseName,
        staleSeconds: config.claimStaleSeconds,
      });
    } catch (error) {
      client.close();
      if (!(error instanceof ReleaseCheckError)) throw error;
      log.error({ reason: error.reason, conflicts: error.conflicts }, error.message);
      writeTerminationMessage(`${error.reason}: ${error.message}`);
      return error.reason === 'NamespacesAlreadyWatched' ? EXIT_NAMESPACES_TAKEN : 1;
    }
  }

  let shuttingDown = false;
  const server =
    config.metricsPort > 0
      ? await startMetricsServer(config.metricsPort, metrics.registry, {
          healthy: () => true,
          ready: () => !shuttingDown && (elector ? !elector.leading || controller.started : controller.started),
        })
      : undefined;
  log.info(
    {
      namespaces: config.namespaces.length ? config.namespaces : 'all',
      concurrency: config.concurrency,
      maxLogFollows: config.maxLogFollows,
      maxRunning: config.maxRunning || 'none',
      maxRunningPerHost: config.maxRunningPerHost || 'none',
      batchWindowSeconds: config.batchWindowSeconds,
      workerImage: config.workerImage,
      workerHostNetwork: config.workerHostNetwork,
      leaderElect: config.leaderElect,
      metricsPort: config.metricsPort,
      kubeApiQps: config.kubeApiQps,
      kubeApiBurst: config.kubeApiBurst,
      apiServer: source.describe(),
    },
    'mailsync controller starting',
  );

  let exitCode = 0;
  let lostLease = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const startController = () => {
    metrics.leader.set(1);
    Promise.all([controller.start(), migrations.start()]).catch((error) => {
      log.error({ err: String(error) }, 'controller failed to start');
      exitCode = 1;
      resolveDone();
    });
  };
  if (elector) {
    void elector.run({
      onStarted: startController,
      onStopped: () => {
        // As controller-runtime does: a replica that lost the lease exits and starts over as a standby.
        metrics.leader.set(0);
        lostLease = true;
        exitCode = 1;
        resolveDone();
      },
    });
  } else {
    startController();
  }

  const onSignal = (signal: string) => {
    log.info({ signal, shutdownTimeoutSeconds: config.shutdownTimeoutSeconds }, 'shutting down');
    resolveDone();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  await done;
  shuttingDown = true;
  const plan = shutdownPlan(config.shutdownTimeoutSeconds);
  const stopping = Date.now();
  const shutdown = (async () => {
    await Promise.all([
      controller.stop({ drainMs: plan.drainMs, flushMs: plan.flushMs, flush: !lostLease }).catch(() => {}),
      migrations.stop(plan.drainMs).catch(() => {}),
    ]);
    metrics.leader.set(0);
    // Last: until now this process could still write; the next leader starts as soon as it is released.
    await elector?.stop(plan.releaseMs);
  })();
  // The budget holds even if a step hangs: exit before the kubelet's SIGKILL.
  let budgetTimer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    shutdown.then(() => true),
    new Promise<false>((resolve) => {
      budgetTimer = setTimeout(() => resolve(false), config.shutdownTimeoutSeconds * 1000);
    }),
  ]);
  clearTimeout(budgetTimer);
  if (!inTime) log.error({ shutdownTimeoutSeconds: config.shutdownTimeoutSeconds }, 'shutdown ran out of time');
  server?.close();
  client.close();
  log.info({ tookMs: Date.now() - stopping }, 'stopped');
  return exitCode;
}
