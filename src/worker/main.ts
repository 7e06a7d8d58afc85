/**
 * `mailsync worker`: the entrypoint of a worker pod. Reads the spec the
 * controller mounted, turns the Secret references into the mounted files,
 * runs the engine with SIGTERM wired to a graceful stop (reported as
 * Interrupted, exit 31: the controller decides between resume and abort), logs JSON events on
 * stdout (the controller follows them) and exits with the summary's code.
 * The pod has no Kubernetes API access; everything arrives as files.
 * File conventions: docs/worker.md.
 */
import type { Logger } from 'pino';
import { SPEC_DIGEST_ENV, STATE_DIGEST_ENV } from '../api/content-digest.js';
import type { EgressPolicy } from '../api/egress-policy.js';
import { EVENT_SCHEMA_VERSION, type Summary } from '../api/events.js';
import { resolveMountedSecrets, SECRETS_DIR } from '../api/secret-refs.js';
import type { MailSyncSpec } from '../api/spec.js';
import { loadSpec, readConfigFile } from '../api/spec-load.js';
import { abortOnProcessSignals } from '../sync/abort.js';
import { checkSecretsReachable } from '../sync/credentials.js';
import { egressPolicyOfEnv } from '../sync/egress-dial.js';
import { loadRunSync } from '../sync/engine-loader.js';
import { asMailsyncError, ConfigError, errorHeadline } from '../sync/errors.js';
import { jsonEventLogger } from '../sync/event-logger.js';
import { readPreviousState } from './previous-state.js';
import { checkSpecDigest } from './spec-digest.js';
import { WORKER_USAGE } from './usage.js';

export const DEFAULT_SPEC_FILE = '/etc/mailsync/spec.json';

/** The summary of a run that never started (bad spec, missing Secret file): the controller still gets one. */
export function failureSummary(err: unknown, mode = 'sync', now = new Date()): Summary {
  const e = asMailsyncError(err);
  const time = now.toISOString();
  return {
    verdict: 'failed',
    reason: e.reason,
    exitCode: e.exitCode,
    mode,
    startTime: time,
    endTime: time,
    durationSeconds: 0,
    foldersSynced: 0,
    foldersCreated: 0,
    messagesTransferred: 0,
    messagesSkipped: 0,
    duplicatesSkipped: 0,
    messagesFailed: 0,
    messagesDeletedOnSource: 0,
    messagesDeletedOnDestination: 0,
    flagsUpdated: 0,
    bytesTransferred: 0,
    messagesPerSecond: 0,
    bytesPerSecond: 0,
    errors: 1,
    reconnects: 0,
    biggestMessageBytes: 0,
    verificationMissing: 0,
    message: e.message,
  };
}

function logFailure(logger: Logger, err: unknown): Summary {
  const e = asMailsyncError(err);
  const summary = failureSummary(e);
  logger.error(
    {
      schema: EVENT_SCHEMA_VERSION,
      event: 'error',
      reason: e.reason,
      ...(e.side ? { side: e.side } : {}),
      error: e.message,
    },
    'error',
  );
  logger.info({ schema: EVENT_SCHEMA_VERSION, event: 'summary', summary }, 'summary');
  return summary;
}

/** What the worker needs of its process (the entry point passes the real one; tests their own). */
export interface WorkerIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export async function runWorker(argv: readonly string[], io: WorkerIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${WORKER_USAGE}\n`);
    return 0;
  }
  const env = io.env;
  const logger = jsonEventLogger({ debug: env.MAILSYNC_DEBUG === '1' });
  let prepared: { spec: MailSyncSpec; state: unknown; egress: EgressPolicy };
  try {
    if (argv.length > 0) throw new ConfigError(`mailsync worker takes no arguments (got '${argv[0]}'); see --help`);
    const specFile = env.MAILSYNC_SPEC_FILE || DEFAULT_SPEC_FILE;
    checkSpecDigest(specFile, env[SPEC_DIGEST_ENV] || undefined);
    const raw = resolveMountedSecrets(readConfigFile(specFile), env.MAILSYNC_SECRETS_DIR || SECRETS_DIR);
    const { spec, notices } = loadSpec(raw, { context: 'worker' });
    checkSecretsReachable(spec, env);
    for (const notice of notices) logger.warn(notice);
    const previous = readPreviousState(env.MAILSYNC_STATE_FILE || undefined, env[STATE_DIGEST_ENV] || undefined);
    if (previous.problem) logger.warn(`previous delta state not usable, doing a full comparison: ${previous.problem}`);
    else if (previous.state !== undefined) logger.info('previous delta state loaded');
    prepared = { spec, state: previous.state, egress: egressPolicyOfEnv(env) };
  } catch (err) {
    const summary = logFailure(logger, err);
    io.stderr(`mailsync: ${errorHeadline(err)}\n`);
    return summary.exitCode;
  }
  // Interrupted, not Aborted: SIGTERM comes from drains and evictions as well as from an abort (docs/exit-codes.md).
  const stop = abortOnProcessSignals({
    reason: 'Interrupted',
    onForcedExit: (name) => logger.warn(`second ${name}: exiting at once`),
  });
  try {
    const runSync = await loadRunSync();
    // The state goes in and comes out in memory (Summary.state): the pod needs no writable file for it.
    const summary = await runSync(prepared.spec, {
      logger,
      signal: stop.signal,
      state: prepared.state,
      egress: prepared.egress,
    });
    return summary.exitCode;
  } catch (err) {
    // The engine reports its own failures in the summary; this is a bug or a missing build.
    return logFailure(logger, err).exitCode;
  } finally {
    stop.dispose();
  }
}
