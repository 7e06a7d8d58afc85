/**
 * Entry point of the `mailsync` command (bin/mailsync and the container image
 * run it with Node 24). It only decides which program runs, so that the CLI,
 * the worker and the controller never import each other:
 *   mailsync worker ...       the worker pod (src/worker/)
 *   mailsync controller ...   the Kubernetes controller (src/controller/), loaded only when asked for
 *   mailsync console ...      the web console (src/console/), loaded only when asked for
 *   anything else             the CLI (src/cli/dispatch.ts): sync, help, version, imapsync options
 * Output goes out with synchronous writes, so nothing is lost on exit.
 * Each program is imported only when it runs: a worker pod (one per account of a
 * migration) does not load the CLI, and `mailsync --version` not the worker
 * (module loading is most of a small sync's CPU: bench/worker-startup.ts).
 */
import { writeSync } from 'node:fs';
import type { CommandIo } from './cli/sync-command.js';

const write = (fd: number) => (text: string) => {
  writeSync(fd, text);
};

async function runProgram(
  program: 'controller' | 'console',
  argv: readonly string[],
  io: CommandIo,
): Promise<number | undefined> {
  // The controller and the console are optional in a build of the CLI alone: a variable specifier keeps tsc from requiring them.
  const specifier = `./${program}/main.js`;
  let mod: { main?: (argv: readonly string[]) => unknown };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`${program}/main`)) {
      io.stderr(`mailsync: error: the ${program} is not part of this build (dist/${program}/main.js is missing)\n`);
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

/** The exit code, or undefined for a program that keeps running (the controller). */
async function run(argv: readonly string[], io: CommandIo): Promise<number | undefined> {
  const [command, ...rest] = argv;
  const isHelp = command === 'help' || command === '--help' || command === '-h';
  if (command === 'worker') return (await import('./worker/main.js')).runWorker(rest, io);
  if (isHelp && rest[0] === 'worker') return (await import('./worker/main.js')).runWorker(['--help'], io);
  if (command !== 'controller' && command !== 'console') return (await import('./cli/dispatch.js')).dispatch(argv, io);
  try {
    return await runProgram(command, rest, io);
  } catch (err) {
    const { errorLines } = await import('./cli/report-error.js');
    io.stderr(`${errorLines(err, { debug: argv.includes('--debug') }).join('\n')}\n`);
    return 1;
  }
}

const code = await run(process.argv.slice(2), {
  env: process.env,
  stdout: write(1),
  stderr: write(2),
  stdoutIsTTY: process.stdout.isTTY === true,
});
// The engine may leave sockets behind after a failure: the exit code is final, leave now.
if (code !== undefined) process.exit(code);
