/**
 * Turns `<dist>/worker/main.js` (the tsc output) into one file holding the
 * worker, the engine and the npm packages they use, for the container image
 * (Dockerfile). A worker pod runs once per account of a migration, and
 * loading ~400 modules one by one (resolving, reading, compiling each) was
 * most of a small sync's CPU: bench/worker-startup.ts measures both.
 * Only the worker is bundled: `dist/main.js` still chooses the program, and
 * the CLI, the controller and the console load from dist/ and node_modules/
 * as before.
 *
 *   npx tsx scripts/bundle-worker.ts [dist]     (default: dist/ of the repository)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function bundleWorker(dist: string): Promise<string> {
  const entry = path.join(dist, 'worker', 'main.js');
  await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // The CommonJS packages (pino) require Node's built-in modules: an ES module has no `require` of its own.
    banner: {
      js: "import { createRequire as __mailsyncRequire } from 'node:module';\nconst require = __mailsyncRequire(import.meta.url);",
    },
    // Names stay as they are: error classes and functions are reported by name.
    keepNames: true,
    logLevel: 'warning',
    // The packages of this repository, also for a copy of dist/ elsewhere (bench/worker-startup.ts).
    nodePaths: [path.join(import.meta.dirname, '..', 'node_modules')],
  });
  return entry;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'dist'));
  console.log(`bundled ${await bundleWorker(dist)}`);
}
