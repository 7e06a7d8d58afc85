/**
 * `mailsync sync`: arguments and config file into a validated spec, the
 * engine run with SIGTERM/SIGINT wired to an abort, events printed as JSON
 * lines or readable lines, and the summary's exit code returned.
 */
import { statSync } from 'node:fs';
import { EXIT_CODES, type Reason, reasonForExitCode } from '../api/exit-codes.js';
import { loadSpec, readConfigFile } from '../api/spec-load.js';
import { parseSyncArgs } from '../imapsync/parse.js';
import type { SyncArgs } from '../imapsync/parse-state.js';
import { imapsyncPasswordEnvFallback } from '../imapsync/password-env.js';
import { applyOverrides, hasOverrides } from '../imapsync/spec-overrides.js';
import { abortOnProcessSignals } from '../sync/abort.js';
import { checkSecretsReachable } from '../sync/credentials.js';
import { egressPolicyOfEnv } from '../sync/egress-dial.js';
import { loadRunSync } from '../sync/engine-loader.js';
import { ConfigError, MailsyncError, type Side } from '../sync/errors.js';
import { type CompatOutcome, compatReport, compatStart } from './imapsync-report.js';
import { createLogger, defaultLogFormat, type RecordFilter } from './log-output.js';
import { errorLines } from './report-error.js';
import { type TokenFiles, writeTokenFiles } from './token-files.js';
import { SYNC_USAGE } from './usage.js';
import { packageVersion } from './version.js';

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
}

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** Hide secrets given on the command line from `ps` (Node rewrites the argv memory with the title). */
function hideCommandLine(args: SyncArgs): void {
  const secrets = Object.keys(args.secretEnv).length + Object.keys(args.literalTokens).length;
  if (secrets > 0) process.title = 'mailsync sync';
}

export function buildSpec(args: SyncArgs, env: NodeJS.ProcessEnv) {
  if (!args.configFile && !hasOverrides(args.overrides)) {
    throw new ConfigError('nothing to sync: give --config file.yaml, or --host1 ... --host2 ... as with imapsync');
  }
  const fileSpec = args.configFile ? readConfigFile(args.configFile) : {};
  const merged = applyOverrides(fileSpec, args.overrides);
  const envNotices = imapsyncPasswordEnvFallback(merged, env);
  const validated = loadSpec(merged, { context: 'local' });
  checkSecretsReachable(validated.spec, env);
  return { ...validated, notices: [...args.notices, ...envNotices, ...validated.notices] };
}

/** --imapsync-compat given (also when the arguments do not parse: the exit code is then imapsync's too). */
const compatAsked = (argv: readonly string[]) => argv.some((a) => /^--?imapsync-compat$/i.test(a));

export async function runSyncCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let args: SyncArgs | undefined;
  let tokenFiles: TokenFiles | undefined;
  const start = compatAsked(argv) ? compatStart() : undefined;
  /** What imapsync's end of run needs, filled as the run goes (--imapsync-compat only). */
  const compat: Partial<CompatOutcome> = {};
  // imapsync's end replaces the summary block; the folders event gives "Folders synced: n/total".
  const dropForCompat: RecordFilter = (record) => {
    if (record.event === 'folders' && typeof record.total === 'number') compat.foldersTotal = record.total;
    return record.event === 'summary';
  };
  try {
    args = parseSyncArgs(argv, { isFile });
    if (args.help) {
      io.stdout(`${SYNC_USAGE}\n`);
      return 0;
    }
    if (args.version) {
      io.stdout(`mailsync ${packageVersion()}\n`);
      return 0;
    }
    Object.assign(io.env, args.secretEnv);
    hideCommandLine(args);
    tokenFiles = writeTokenFiles(args.literalTokens);
    for (const [side, file] of Object.entries(tokenFiles.files)) args.overrides[side as Side].oauth2TokenFile = file;
    const { spec, notices } = buildSpec(args, io.env);
    compat.spec = spec;
    const egress = egressPolicyOfEnv(io.env);
    const format = start ? 'human' : (args.logFormat ?? defaultLogFormat(io.stdoutIsTTY));
    const logger = createLogger(format, { debug: args.debug, ...(start ? { drop: dropForCompat } : {}) });
    for (const notice of notices) logger.warn(notice);
    const runSync = await loadRunSync();
    const stop = abortOnProcessSignals({
      onForcedExit: (name) => io.stderr(`mailsync: second ${name}: exiting now\n`),
    });
    try {
      const summary = await runSync(spec, { logger, signal: stop.signal, stateFile: args.stateFile, egress });
      if (summary.verdict === 'failed') {
        // The log has the details; stderr gets one line and what to try next.
        const { side } = reasonForExitCode(summary.exitCode);
        const reason = (summary.reason in EXIT_CODES ? summary.reason : 'InternalError') as Reason;
        const err = new MailsyncError(reason, summary.message, { side });
        io.stderr(`${errorLines(err).join('\n')}\n`);
      }
      if (start) {
        const { side } = reasonForExitCode(summary.exitCode);
        const report = compatReport({ ...compat, reason: summary.reason, ...(side ? { side } : {}), summary }, start);
        io.stdout(`${report.lines.join('\n')}\n`);
        return report.code;
      }
      return summary.exitCode;
    } finally {
      stop.dispose();
    }
  } catch (err) {
    const lines = errorLines(err, { debug: args?.debug ?? argv.includes('--debug') });
    io.stderr(`${lines.join('\n')}\n`);
    if (start) {
      const reason = err instanceof MailsyncError ? err.reason : 'InternalError';
      const side = err instanceof MailsyncError ? err.side : undefined;
      const report = compatReport({ ...compat, reason, ...(side ? { side } : {}) }, start);
      io.stdout(`${report.lines.join('\n')}\n`);
      return report.code;
    }
    return exitCodeOf(err);
  } finally {
    tokenFiles?.remove();
  }
}

function exitCodeOf(err: unknown): number {
  const code = (err as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? code : 1;
}
