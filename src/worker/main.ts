/**
 * `mailsync worker`: the entrypoint of a worker pod. Reads the spec the
 * controller mounted, turns the Secret references into the mounted files,
 * runs the engine with SIGTERM wired to a graceful stop (reported as
 * Interrupted, exit 31: the controller decides between resume and abort), logs JSON events on
 * stdout (the controller follows them) and exits with the summary's code.
 * The pod has no Kubernetes API access; everything arrives as files.
 * File conventions: docs/worker.md.
 */
import { SPEC_DIGEST_ENV, STATE_DIGEST_ENV } from '../api/content-digest.js';
import { SECRETS_DIR } from '../api/secret-refs.js';
import { abortOnProcessSignals } from '../sync/abort.js';
import { egressPolicyOfEnv } from '../sync/egress-dial.js';
import { loadRunSync } from '../sync/engine-loader.js';
import { ConfigError, errorHeadline } from '../sync/errors.js';
import { jsonEventLogger } from '../sync/event-logger.js';
import { BATCH_ENV, runBatch } from './batch.js';
import { logFailure } from './failure-summary.js';
import { type PreparedRun, prepareRun } from './prepare-run.js';
import { WORKER_USAGE } from './usage.js';

export const DEFAULT_SPEC_FILE = '/etc/mailsync/spec.json';

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
  if (env[BATCH_ENV]) return runBatch(env, logger, argv);
  let prepared: PreparedRun;
  try {
    if (argv.length > 0) throw new ConfigError(`mailsync worker takes no arguments (got '${argv[0]}'); see --help`);
    prepared = prepareRun(
      {
        specFile: env.MAILSYNC_SPEC_FILE || DEFAULT_SPEC_FILE,
        specDigest: env[SPEC_DIGEST_ENV] || undefined,
        secretsDir: env.MAILSYNC_SECRETS_DIR || SECRETS_DIR,
        stateFile: env.MAILSYNC_STATE_FILE || undefined,
        stateDigest: env[STATE_DIGEST_ENV] || undefined,
      },
      env,
      egressPolicyOfEnv(env),
      logger,
    );
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
