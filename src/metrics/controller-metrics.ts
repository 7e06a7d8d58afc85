/**
 * The controller's Prometheus metrics. The names are a contract with the Helm
 * chart's dashboard and alerts: change them only together. Labels never carry
 * user data (no MailSync name or user labels: cardinality and privacy); the
 * exceptions are few and chosen by the admin: a MailMigration's namespace and
 * name, and the IMAP host names the syncs connect to.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { PHASES, type Phase } from '../api/status.js';

export const CONTROLLER_NAME = 'mailsync';
export const QUEUE_NAME = 'mailsync';

export class ControllerMetrics {
  readonly registry = new Registry();

  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller and result (success, error, requeue, requeue_after).',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of the work queue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by the work queue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries (rate-limited re-adds) handled by the work queue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly syncs = new Gauge({
    name: 'mailsync_syncs',
    help: 'MailSyncs per phase (as last written by this controller).',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly messagesCopied = new Counter({
    name: 'mailsync_messages_copied_total',
    help: "Messages copied, counted as the workers' progress comes in (live during runs).",
    registers: [this.registry],
  });
  readonly bytesCopied = new Counter({
    name: 'mailsync_bytes_copied_total',
    help: "Bytes copied, counted as the workers' progress comes in (live during runs).",
    registers: [this.registry],
  });
  readonly migrationAccounts = new Gauge({
    name: 'mailsync_migration_accounts',
    help: 'MailSyncs of each MailMigration per phase (as last written by this controller).',
    labelNames: ['namespace', 'migration', 'phase'] as const,
    registers: [this.registry],
  });
  readonly migrationQueued = new Gauge({
    name: 'mailsync_migration_queued',
    help: 'MailSyncs of each MailMigration waiting for a run slot (MailSyncs of no migration: migration="").',
    labelNames: ['namespace', 'migration'] as const,
    registers: [this.registry],
  });
  readonly runningPerHost = new Gauge({
    name: 'mailsync_running_syncs',
    help: 'Syncs holding a run slot (Job or worker pod alive) per IMAP host, source or destination side.',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly syncDuration = new Histogram({
    name: 'mailsync_sync_duration_seconds',
    help: 'Duration of finished runs (start of the Job to its end).',
    buckets: [10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400],
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'mailsync_failures_total',
    help: 'Failed runs by reason (AuthenticationFailed, TLSFailed, ConnectFailed, ErrorBudgetExceeded, ...).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly logStreamsActive = new Gauge({
    name: 'mailsync_log_streams_active',
    help: 'Worker pod logs being followed right now.',
    registers: [this.registry],
  });
  readonly logStreamsPolled = new Gauge({
    name: 'mailsync_log_streams_polled',
    help: 'Worker pod logs read by polling right now (running syncs over --max-log-follows).',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'mailsync_leader',
    help: '1 when this replica is the leader (reconciles), else 0.',
    registers: [this.registry],
  });
  readonly statusWrites = new Counter({
    name: 'mailsync_status_writes_total',
    help: 'Status subresource patches sent.',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.leader.set(0);
    this.logStreamsActive.set(0);
    this.logStreamsPolled.set(0);
    this.queueDepth.set({ name: QUEUE_NAME }, 0);
    for (const phase of PHASES) this.syncs.set({ phase }, 0);
  }

  setPhaseCounts(counts: Partial<Record<Phase, number>>): void {
    for (const phase of PHASES) this.syncs.set({ phase }, counts[phase] ?? 0);
  }

  /** The fleet gauges, replaced as a whole (a deleted migration or an idle host disappears). */
  setFleet(fleet: {
    /** "namespace/migration" -> phase -> MailSyncs. */
    accounts: Map<string, Partial<Record<Phase, number>>>;
    /** "namespace/migration" (or "" for standalone MailSyncs) -> waiting for a slot. */
    queued: Map<string, number>;
    /** host -> running syncs. */
    runningPerHost: Map<string, number>;
  }): void {
    const split = (group: string) => {
      const slash = group.indexOf('/');
      return slash < 0
        ? { namespace: '', migration: '' }
        : { namespace: group.slice(0, slash), migration: group.slice(slash + 1) };
    };
    this.migrationAccounts.reset();
    for (const [group, counts] of fleet.accounts) {
      for (const phase of PHASES) this.migrationAccounts.set({ ...split(group), phase }, counts[phase] ?? 0);
    }
    this.migrationQueued.reset();
    for (const [group, n] of fleet.queued) this.migrationQueued.set(split(group), n);
    this.runningPerHost.reset();
    for (const [host, n] of fleet.runningPerHost) this.runningPerHost.set({ host }, n);
  }

  /** Known failure reasons only (anything else is "Other"): the label must stay low-cardinality. */
  static failureLabel(reason: string): string {
    return /^[A-Za-z]{1,40}$/.test(reason) ? reason : 'Other';
  }
}
