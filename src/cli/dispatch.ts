/**
 * `mailsync <command>`: the subcommands. Returns the exit code, or `undefined`
 * for a command that keeps running (the controller).
 */
import { runWorker } from '../worker/main.js';
import { errorLines } from './report-error.js';
import { type CommandIo, runSyncCommand } from './sync-command.js';
import { MAIN_USAGE, SYNC_USAGE, WORKER_USAGE } from './usage.js';
import { packageVersion } from './version.js';

const HELP: Record<string, string> = { sync: SYNC_USAGE, worker: WORKER_USAGE };

async function runController(argv: readonly string[], io: CommandIo): Promise<number | undefined> {
  // The controller is optional in a build of the CLI alone: a variable specifier keeps tsc from requiring it.
  const specifier = '../controller/main.js';
  let mod: { main?: (argv: readonly string[]) => unknown };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes('controller/main')) {
      io.stderr('mailsync: error: the controller is not part of this build (dist/controller/main.js is missing)\n');
      return 1;
    }
    throw err;
  }
  // A module with `main` is started here; one without has started itself on import.
  if (typeof mod.main === 'function') {
    const result = await mod.main(argv);
    if (typeof result === 'number') return result;
  }
  return undefined;
}

export async function dispatch(argv: readonly string[], io: CommandIo): Promise<number | undefined> {
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
      case 'worker':
        return await runWorker(rest, io);
      case 'controller':
        return await runController(rest, io);
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
