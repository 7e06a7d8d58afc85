/**
 * Start a new run: check what the API server's schema cannot (regexes,
 * Secrets), write the spec into the MailSync's ConfigMap (keeping the delta
 * state of the last run), and create the Job.
 */
import type { V1ConfigMap, V1Job } from '@kubernetes/client-node';
import { ANNOTATION_STATE_DIGEST } from '../api/content-digest.js';
import { isAlreadyExists, isInvalid, isNotFound } from '../kube/kube-client.js';
import type { ReconcileResult } from '../kube/workqueue.js';
import { describeHold } from './admission/decide.js';
import { groupOf, hostKey } from './admission/hosts.js';
import type { StepInput } from './context.js';
import { noteChecked, readConfigMap } from './delta-state.js';
import { buildConfigMap, buildJob, SPEC_KEY, STATE_KEY, workerSpecJson } from './job-builder.js';
import { migrationOwner } from './migration-owner.js';
import { configMapName } from './pair-hash.js';
import { paths } from './paths.js';
import type { JobView } from './run-plan.js';
import type { RunTrigger, TriggerDecision } from './run-trigger.js';
import { checkStateConfigMap } from './state-configmap.js';
import { commitStatus } from './status-commit.js';
import { runBlocked, runQueued, runStarted, stepContext } from './transitions.js';
import { validateForRun } from './validate.js';

export async function deleteJobs(input: StepInput, jobs: JobView[]): Promise<void> {
  for (const job of jobs) {
    try {
      await input.ctx.client.delete(paths.job(job.namespace, job.name), { propagationPolicy: 'Background' });
      input.log.info({ job: job.name }, 'deleted finished Job');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

/** A look again at a MailSync whose migration seemed gone (a cache that had not seen a new migration yet). */
const MIGRATION_GONE_RECHECK_MS = 5000;

const TRIGGER_WORDS: Record<RunTrigger, string | undefined> = {
  generation: undefined,
  requested: 'run-now request',
  retry: 'retry',
  schedule: 'scheduled run',
};

/** The ConfigMap is ready for the run (with the digest of a usable delta state), or someone else's. */
type PreparedConfigMap =
  | { ok: true; contentDigest?: string; dropped?: string }
  | { ok: false; problem: { reason: 'ConfigMapNotOwned'; message: string; retry: true } };

/**
 * First run: create the ConfigMap; later runs: it exists (with the delta
 * state): check that it is this MailSync's, drop a state that fails its
 * digest, update the spec in it. Someone else's ConfigMap of that name is
 * neither read further nor written (retried with backoff: it may be deleted).
 * After an earlier run (status.runGeneration) it is read first: a create
 * would only come back AlreadyExists (one request per run saved).
 */
async function writeConfigMap(input: StepInput): Promise<PreparedConfigMap> {
  const { ctx, mailSync, pairHash } = input;
  const namespace = mailSync.metadata.namespace!;
  const cmName = configMapName(mailSync.metadata.name!);
  let existing = input.status.runGeneration !== undefined ? await readConfigMap(ctx.client, mailSync) : undefined;
  if (!existing) {
    try {
      const created = await ctx.client.create<V1ConfigMap>(
        paths.configMaps(namespace),
        buildConfigMap({ mailSync, pairHash, configMapName: cmName }),
      );
      noteChecked(ctx.checkedConfigMaps, mailSync, created);
      return { ok: true };
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    existing = await readConfigMap(ctx.client, mailSync);
  }
  const check = checkStateConfigMap(existing, mailSync);
  if (check.kind === 'foreign') {
    return { ok: false, problem: { reason: 'ConfigMapNotOwned', message: check.message, retry: true } };
  }
  // Deleted between the create and the read: the next reconcile creates it.
  if (check.kind === 'absent') throw new Error(`ConfigMap ${namespace}/${cmName} vanished while the run was prepared`);
  const patch: { metadata?: object; data?: Record<string, string | null> } = {};
  if (existing!.data?.[SPEC_KEY] !== workerSpecJson(mailSync)) patch.data = { [SPEC_KEY]: workerSpecJson(mailSync) };
  if (check.state === 'dropped') {
    patch.data = { ...patch.data, [STATE_KEY]: null };
    patch.metadata = { annotations: { [ANNOTATION_STATE_DIGEST]: null } };
  }
  if (patch.data) {
    // On the very object checked: one replaced meanwhile fails with 409 (the reconcile is retried).
    patch.metadata = { ...patch.metadata, resourceVersion: existing!.metadata!.resourceVersion };
    existing = await ctx.client.mergePatch<V1ConfigMap>(paths.configMap(namespace, cmName), patch);
  }
  noteChecked(ctx.checkedConfigMaps, mailSync, existing);
  if (check.state === 'dropped') return { ok: true, dropped: check.why };
  return check.state === 'intact' ? { ok: true, contentDigest: check.digest } : { ok: true };
}

export async function startRun(input: StepInput, cleanup: JobView[], next: TriggerDecision): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key, log, pairHash, jobName } = input;
  const namespace = mailSync.metadata.namespace!;
  const step = stepContext(mailSync, ctx.now());
  const trigger = next.trigger ?? 'generation';

  const problem = await validateForRun(ctx.secrets, namespace, mailSync.spec, ctx.maxWorkerResources);
  if (problem) {
    await commitStatus(input, runBlocked(status, step, problem, pairHash), { flush: true });
    log.info({ reason: problem.reason }, 'not starting: %s', problem.message);
    return problem.retry ? { requeue: true } : {};
  }

  // Claim the pair before creating (another MailSync of the pair may be reconciled concurrently).
  const claimedBy = ctx.claims.holder(pairHash, key);
  if (claimedBy) return { requeueAfter: 2000 };

  // Its migration is gone: no run (nor slot) for a MailSync the garbage collector is about to delete.
  if (ctx.migrationGone(mailSync)) {
    ctx.admission.forget(key);
    log.info('not starting: its MailMigration is gone (garbage collection deletes this MailSync)');
    return { requeueAfter: MIGRATION_GONE_RECHECK_MS };
  }

  // A run slot under the caps, decided and reserved without an await in between.
  const uid = mailSync.metadata.uid!;
  const slot = ctx.admission.request({
    key,
    uid,
    group: groupOf(mailSync.metadata),
    sourceHost: hostKey(mailSync.spec.source.host),
    destinationHost: hostKey(mailSync.spec.destination.host),
    since: new Date(mailSync.metadata.creationTimestamp ?? 0).getTime(),
  });
  if (!slot.admitted) {
    await commitStatus(
      input,
      runQueued(status, step, { position: slot.position, why: describeHold(slot.hold), pairHash }),
    );
    return {};
  }
  ctx.claims.claim(pairHash, key);

  let hasState: boolean;
  try {
    const prepared = await writeConfigMap(input);
    if (!prepared.ok) {
      ctx.claims.release(pairHash, key);
      ctx.admission.release(uid);
      await commitStatus(input, runBlocked(status, step, prepared.problem, pairHash), { flush: true });
      log.info({ reason: prepared.problem.reason }, 'not starting: %s', prepared.problem.message);
      return { requeue: true };
    }
    if (prepared.dropped) {
      const message = `${prepared.dropped}: dropped, this run compares every folder (a full pass)`;
      ctx.events.record(mailSync, 'Warning', 'DeltaStateDropped', message);
      log.warn(message);
    }
    hasState = prepared.contentDigest !== undefined;
    const migration = migrationOwner(mailSync);
    const perWorker = ctx.accountsPerWorker(mailSync);
    if (perWorker > 1 && migration) {
      // Packed: the run goes into a batch with other accounts of the migration; its Job comes soon.
      const batchName = ctx.packer.join({
        key,
        entry: {
          mailSync,
          pairHash,
          configMapName: configMapName(mailSync.metadata.name!),
          ...(prepared.contentDigest ? { stateDigest: prepared.contentDigest } : {}),
        },
        group: groupOf(mailSync.metadata),
        accountsPerWorker: perWorker,
        owner: migration,
        trigger,
      });
      return recordStarted(input, batchName, next, hasState, true);
    }
    const created = await ctx.client.create<V1Job>(
      paths.jobs(namespace),
      buildJob({
        mailSync,
        pairHash,
        jobName,
        configMapName: configMapName(mailSync.metadata.name!),
        hasState,
        ...(prepared.contentDigest ? { contentDigest: prepared.contentDigest } : {}),
        worker: ctx.worker,
        trigger,
      }),
    );
    ctx.admission.created(uid, created.metadata?.uid);
  } catch (error) {
    // No Job: the pair and the run slot are free again.
    ctx.claims.release(pairHash, key);
    ctx.admission.release(uid);
    // Someone else's Job (or our previous one, still being deleted) has the name: look again shortly.
    if (isAlreadyExists(error)) return { requeueAfter: 1000 };
    // The Job itself is invalid (e.g. a resource request above the worker's default limit): say so, once.
    if (isInvalid(error)) {
      const problem = {
        reason: 'InvalidConfiguration',
        message: `the API server rejected the worker Job: ${(error as Error).message}`.slice(0, 1000),
        retry: false,
      };
      await commitStatus(input, runBlocked(status, step, problem, pairHash), { flush: true });
      log.info({ reason: problem.reason }, 'not starting: %s', problem.message);
      return {};
    }
    throw error;
  }
  await deleteJobs(input, cleanup);
  return recordStarted(input, jobName, next, hasState, false);
}

/** The run has its Job (or its place in a batch): status and Event say so. */
async function recordStarted(
  input: StepInput,
  jobName: string,
  next: TriggerDecision,
  hasState: boolean,
  inBatch: boolean,
): Promise<ReconcileResult> {
  const { ctx, mailSync, status, log, pairHash } = input;
  const what = inBatch ? 'joined the batch of Job' : 'created Job';
  const step = stepContext(mailSync, ctx.now());
  const trigger = next.trigger ?? 'generation';
  log.info({ job: jobName, generation: step.generation, deltaState: hasState, trigger }, what);
  // The status shows this run from now on: the log of an earlier run (a batch pod still going on with
  // other accounts) no longer updates it.
  ctx.currentJob.delete(input.key);
  const started = runStarted(status, step, { jobName, pairHash, trigger: next, inBatch });
  const notes = [
    hasState ? 'delta pass' : undefined,
    TRIGGER_WORDS[trigger],
    trigger === 'retry' ? `attempt ${(started.retries ?? 0) + 1}` : undefined,
  ].filter((n) => n !== undefined);
  await commitStatus(input, started, {
    flush: true,
    eventMessage: `${what} ${jobName} for generation ${step.generation}${notes.length ? ` (${notes.join(', ')})` : ''}`,
  });
  return {};
}
