/**
 * Everything a run reads before its first connection, shared by the worker's
 * two modes (one account per pod, main.ts; several, batch.ts): the spec the
 * controller wrote (checked against its digest), the Secret references turned
 * into mounted files that must exist, and the delta state of the last run.
 * Throws a MailsyncError (a ConfigError for a bad spec or a missing file);
 * an unusable delta state is only a warning (a full comparison).
 */
import type { Logger } from 'pino';
import type { EgressPolicy } from '../api/egress-policy.js';
import { resolveMountedSecrets } from '../api/secret-refs.js';
import type { MailSyncSpec } from '../api/spec.js';
import { loadSpec, readConfigFile } from '../api/spec-load.js';
import { checkSecretsReachable } from '../sync/credentials.js';
import { readPreviousState } from './previous-state.js';
import { checkSpecDigest } from './spec-digest.js';

export interface RunFiles {
  specFile: string;
  /** sha256:<hex> the spec file must have (set by the controller); undefined: not checked. */
  specDigest?: string;
  secretsDir: string;
  stateFile?: string;
  /** sha256:<hex> the state file must have, else it is not used. */
  stateDigest?: string;
}

export interface PreparedRun {
  spec: MailSyncSpec;
  state: unknown;
  egress: EgressPolicy;
}

export function prepareRun(
  files: RunFiles,
  env: Readonly<Record<string, string | undefined>>,
  egress: EgressPolicy,
  logger: Logger,
): PreparedRun {
  checkSpecDigest(files.specFile, files.specDigest);
  const raw = resolveMountedSecrets(readConfigFile(files.specFile), files.secretsDir);
  const { spec, notices } = loadSpec(raw, { context: 'worker' });
  checkSecretsReachable(spec, env);
  for (const notice of notices) logger.warn(notice);
  const previous = readPreviousState(files.stateFile, files.stateDigest);
  if (previous.problem) logger.warn(`previous delta state not usable, doing a full comparison: ${previous.problem}`);
  else if (previous.state !== undefined) logger.info('previous delta state loaded');
  return { spec, state: previous.state, egress };
}
