/**
 * `mailsync worker` with MAILSYNC_BATCH set: several accounts in one pod,
 * one engine each, all in this process. A pod per account costs about one
 * CPU-second of kubelet, containerd and runc work, more than a small
 * mailbox's whole sync (docs/performance.md, "The engine alone"); a batch
 * pays it once for all its accounts.
 *
 * Every line an account's engine writes carries `"account": "<id>"`, so the
 * controller can give each account its own progress, log tail and outcome;
 * every account ends with its own `summary` line, also when its spec or a
 * Secret file is bad (that account fails, the others run) or when SIGTERM
 * stops the batch before it started (Interrupted). The files of an account
 * live under `<MAILSYNC_BATCH_DIR>/<id>/`: spec.json, state.json (optional)
 * and secrets/ (the layout of MAILSYNC_SECRETS_DIR). docs/worker.md has the
 * contract.
 */
import path from 'node:path';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { abortOnProcessSignals } from '../sync/abort.js';
import { egressPolicyOfEnv } from '../sync/egress-dial.js';
import { loadRunSync } from '../sync/engine-loader.js';
import { ConfigError } from '../sync/errors.js';
import { logFailure } from './failure-summary.js';
import { prepareRun } from './prepare-run.js';

export const BATCH_ENV = 'MAILSYNC_BATCH';
export const BATCH_DIR_ENV = 'MAILSYNC_BATCH_DIR';
export const BATCH_CONCURRENCY_ENV = 'MAILSYNC_BATCH_CONCURRENCY';
export const DEFAULT_BATCH_DIR = '/etc/mailsync/batch';
/** More accounts than this in one pod is a mistake of whoever wrote the list (and a pod spec too large). */
export const MAX_BATCH_ACCOUNTS = 200;

/** One account of a batch, as MAILSYNC_BATCH lists it. */
export interface BatchAccount {
  /** A DNS subdomain (the controller uses the MailSync's name); also the account's directory. */
  id: string;
  specDigest?: string;
  stateDigest?: string;
}

const ID = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Parse and check MAILSYNC_BATCH: a JSON array of {id, specDigest?, stateDigest?}, ids unique. */
export function parseBatch(text: string): BatchAccount[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${BATCH_ENV} is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(`${BATCH_ENV} must be a non-empty JSON array of accounts`);
  }
  if (value.length > MAX_BATCH_ACCOUNTS) {
    throw new ConfigError(`${BATCH_ENV} lists ${value.length} accounts; at most ${MAX_BATCH_ACCOUNTS} per worker`);
  }
  const seen = new Set<string>();
  return value.map((item: unknown, i): BatchAccount => {
    const where = `${BATCH_ENV}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new ConfigError(`${where} must be an object with an id`);
    }
    const { id, specDigest, stateDigest, ...rest } = item as Record<string, unknown>;
    const unknownKey = Object.keys(rest)[0];
    if (unknownKey !== undefined) throw new ConfigError(`${where} has an unknown field '${unknownKey.slice(0, 64)}'`);
    if (typeof id !== 'string' || !ID.test(id)) {
      throw new ConfigError(`${where}.id must be a DNS subdomain (lowercase letters, digits, '-', '.')`);
    }
    if (seen.has(id)) throw new ConfigError(`${where}.id '${id}' is listed twice`);
    seen.add(id);
    for (const [field, digest] of [
      ['specDigest', specDigest],
      ['stateDigest', stateDigest],
    ] as const) {
      if (digest !== undefined && (typeof digest !== 'string' || !DIGEST.test(digest))) {
        throw new ConfigError(`${where}.${field} must be sha256:<64 hex digits>`);
      }
    }
    return {
      id,
      ...(specDigest ? { specDigest: specDigest as string } : {}),
      ...(stateDigest ? { stateDigest: stateDigest as string } : {}),
    };
  });
}

function concurrencyOf(env: Readonly<Record<string, string | undefined>>, accounts: number): number {
  const text = env[BATCH_CONCURRENCY_ENV];
  if (!text) return accounts;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${BATCH_CONCURRENCY_ENV} must be a positive integer`);
  return Math.min(n, accounts);
}

/**
 * The exit code of a batch: 0 when every account succeeded, else the code of
 * the first account (in the batch's order) that did not. Each account's own
 * outcome is its summary line; the code only tells a reader of the pod which
 * kind of trouble came first.
 */
export function batchExitCode(codes: readonly number[]): number {
  return codes.find((code) => code !== 0) ?? 0;
}

export async function runBatch(
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  argv: readonly string[],
): Promise<number> {
  let accounts: BatchAccount[];
  let concurrency: number;
  try {
    if (argv.length > 0) throw new ConfigError(`mailsync worker takes no arguments (got '${argv[0]}'); see --help`);
    accounts = parseBatch(env[BATCH_ENV] ?? '');
    concurrency = concurrencyOf(env, accounts.length);
  } catch (err) {
    // No account can be told apart: one summary without an account, the controller fails them all.
    return logFailure(logger, err).exitCode;
  }
  const dir = env[BATCH_DIR_ENV] || DEFAULT_BATCH_DIR;
  const egress = egressPolicyOfEnv(env);
  logger.info({ batch: { accounts: accounts.length, concurrency } }, `batch of ${accounts.length} accounts`);
  const stop = abortOnProcessSignals({
    reason: 'Interrupted',
    onForcedExit: (name) => logger.warn(`second ${name}: exiting at once`),
  });
  try {
    const runSync = await loadRunSync();
    const limit = pLimit(concurrency);
    const codes = await Promise.all(
      accounts.map((account) =>
        limit(async () => {
          const log = logger.child({ account: account.id });
          const home = path.join(dir, account.id);
          try {
            // SIGTERM before this account's turn: it did not start, and says so.
            if (stop.signal.aborted) throw stop.signal.reason;
            const prepared = prepareRun(
              {
                specFile: path.join(home, 'spec.json'),
                specDigest: account.specDigest,
                secretsDir: path.join(home, 'secrets'),
                stateFile: path.join(home, 'state.json'),
                stateDigest: account.stateDigest,
              },
              env,
              egress,
              log,
            );
            const summary = await runSync(prepared.spec, {
              logger: log,
              signal: stop.signal,
              state: prepared.state,
              egress: prepared.egress,
            });
            return summary.exitCode;
          } catch (err) {
            return logFailure(log, err).exitCode;
          }
        }),
      ),
    );
    return batchExitCode(codes);
  } catch (err) {
    // Not an account's failure (each catches its own): the engine did not load. A bug or a missing build.
    return logFailure(logger, err).exitCode;
  } finally {
    stop.dispose();
  }
}
