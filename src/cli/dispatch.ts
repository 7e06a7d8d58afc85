/**
 * The CLI's commands: `mailsync sync`, help, version, and an imapsync command
 * line. (`mailsync worker` and `mailsync controller` are other programs:
 * src/main.ts starts them.)
 */
import { errorLines } from './report-error.js';
import { type CommandIo, runSyncCommand } from './sync-command.js';
import { MAIN_USAGE, SYNC_USAGE } from './usage.js';
import { packageVersion } from './version.js';

const HELP: Record<string, string> = { sync: SYNC_USAGE };

/** `report` and `import` talk to Kubernetes: loaded only when used (a plain sync never loads them). */
async function runMigrationCommand(command: 'report' | 'import', argv: readonly string[], io: CommandIo) {
  try {
    if (command === 'report') return await (await import('./report-command.js')).runReportCommand(argv, io);
    return await (await import('./import-command.js')).runImportCommand(argv, io);
  } catch (err) {
    // Usage mistakes (unknown option, missing argument) exit 2 like any invalid configuration.
    const code = (err as { code?: string }).code ?? '';
    const usage = code.startsWith('ERR_PARSE_ARGS') || (err as { reason?: string }).reason === 'InvalidConfiguration';
    if (!usage) throw err;
    io.stderr(`mailsync ${command}: error: ${(err as Error).message}\nTry 'mailsync ${command} --help' for usage.\n`);
    return 2;
  }
}

export async function dispatch(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr(`${MAIN_USAGE}\n`);
        return 2;
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${HELP[rest[0] ?? ''] ?? MAIN_USAGE}\n`);
        return 0;
      case 'version':
      case '--version':
      case '-V':
        io.stdout(`mailsync ${packageVersion()}\n`);
        return 0;
      case 'sync':
        return await runSyncCommand(rest, io);
      case 'report':
      case 'import':
        return await runMigrationCommand(command, rest, io);
      default:
        // `mailsync --host1 ...`: an imapsync command line with the command name changed.
        if (command.startsWith('-')) return await runSyncCommand(argv, io);
        io.stderr(`mailsync: error: unknown command '${command}'\nTry 'mailsync help' for the list of commands.\n`);
        return 2;
    }
  } catch (err) {
    io.stderr(`${errorLines(err, { debug: argv.includes('--debug') }).join('\n')}\n`);
    return 1;
  }
}
