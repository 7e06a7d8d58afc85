/**
 * CPU of one worker run of a small account (`npm run bench:worker-startup`; not a test).
 *
 *   npm run build && npm run bench:worker-startup -- [--runs 20] [--messages 35] \
 *     [--baseline /path/to/other/dist] [--no-bundle] [--no-cache] [--profile DIR]
 *   npm run bench:worker-startup -- --image-root DIR [--baseline-image-root DIR2]   # images (below)
 *
 * What a worker pod of a fleet migration spends, without the cluster: the
 * worker entry point the image runs (`node dist/main.js worker`, same
 * NODE_ENV and NODE_OPTIONS as the Dockerfile) with the pod's file contract
 * (docs/worker.md: a spec.json naming Secret references, the Secret keys as
 * files under a secrets directory), against a real Dovecot pair
 * (test/harness). The source account holds `--messages` small messages
 * (600-byte bodies, like bench/fleet.ts); every run copies them into a fresh
 * destination user, so each run is a whole small sync.
 *
 * Variants, interleaved in one run (round-robin, the order rotated every
 * round) so that the machine's load hits them alike:
 *   floor           `node -e 0`: Node's own start-up
 *   dist            this build's dist/ as tsc wrote it (bin/mailsync, a checkout)
 *   bundled         a copy of dist/ with the worker bundled into one file
 *                   (scripts/bundle-worker.ts): what the image runs (Dockerfile)
 *   +cache          the same with NODE_COMPILE_CACHE, warmed by one untimed run
 *   baseline        `--baseline DIR` (another build's dist/, e.g. of main)
 * With `--image-root DIR` (the image's file system, unpacked:
 *   docker export "$(docker create mailsync-operator:dev)" | tar -x -C DIR)
 * the variants are the image's own node and files, run as the pod runs them
 * (chroot DIR, uid 10001, the image's environment), with and without the
 * compile cache the image ships (Dockerfile): `image` and `image+cache`;
 * `--baseline-image-root DIR2` adds another image as it runs (`baseline image`).
 * Reported per variant: user+sys CPU seconds and wall seconds of the child
 * (GNU time), median / mean / min over the runs. `--profile DIR` writes a V8
 * CPU profile (--cpu-prof) of one extra run of each worker variant.
 */
import { chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorker } from '../scripts/bundle-worker.js';
import { testMessage } from '../test/e2e/helpers/mail.js';
import { startDovecotPair } from '../test/harness/dovecot.js';
import { appendMessages } from '../test/harness/mailbox.js';
import { podEndpoint } from '../test/harness/worker-pod.js';
import { measured } from './measure.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    messages: { type: 'string', default: '35' },
    baseline: { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
    'no-bundle': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'image-root': { type: 'string' },
    'baseline-image-root': { type: 'string' },
  },
});
const runs = Number(values.runs);
const messageCount = Number(values.messages);
const node = process.execPath;

interface Variant {
  label: string;
  command: string;
  argv: string[];
  /** NODE_COMPILE_CACHE of the child, warmed by one untimed run before the timed ones. */
  cacheDir?: string;
  worker: boolean;
  /** The image's file system: the pod's files go under its /tmp, the process runs chrooted as uid 10001. */
  imageRoot?: string;
  env?: NodeJS.ProcessEnv;
}

const work = mkdtempSync(path.join(tmpdir(), 'bench-worker-startup-'));
const variants: Variant[] = [{ label: 'floor (node -e 0)', command: node, argv: ['-e', '0'], worker: false }];
const imageRoot = values['image-root'] ? path.resolve(values['image-root']) : undefined;
const builds: [string, string][] = imageRoot ? [] : [['dist', path.join(ROOT, 'dist')]];
if (values.baseline) builds.unshift([`baseline (${values.baseline})`, path.resolve(values.baseline)]);
if (!values['no-bundle'] && !imageRoot) {
  const copy = path.join(work, 'dist-bundled');
  cpSync(path.join(ROOT, 'dist'), copy, { recursive: true });
  // As in the image (/app/package.json): without it Node first tries the bundle as CommonJS.
  writeFileSync(path.join(work, 'package.json'), '{"type": "module"}\n');
  await bundleWorker(copy);
  builds.push(['bundled', copy]);
}
for (const [label, dist] of builds) {
  const argv = [path.join(dist, 'main.js'), 'worker'];
  variants.push({ label, command: node, argv, worker: true });
  if (!values['no-cache'])
    variants.push({
      label: `${label}+cache`,
      command: node,
      argv,
      worker: true,
      cacheDir: path.join(work, `cache-${variants.length}`),
    });
}
if (imageRoot) {
  // The image's ENV (Dockerfile) and its ENTRYPOINT, as uid 10001.
  const chrootedIn = (root: string, argv: string[]) => ['--userspec=10001:10001', root, '/usr/local/bin/node', ...argv];
  const chrooted = (argv: string[]) => chrootedIn(imageRoot, argv);
  const env = {
    PATH: '/usr/local/bin',
    NODE_ENV: 'production',
    SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    NODE_OPTIONS: '--max-semi-space-size=2',
  };
  variants[0] = {
    label: 'floor (node -e 0, image)',
    command: '/usr/sbin/chroot',
    argv: chrooted(['-e', '0']),
    worker: false,
    env,
  };
  const common = {
    command: '/usr/sbin/chroot',
    argv: chrooted(['/app/dist/main.js', 'worker']),
    worker: true,
    imageRoot,
  };
  variants.push({ label: 'image', ...common, env: { ...env, NODE_DISABLE_COMPILE_CACHE: '1' } });
  if (!values['no-cache'])
    variants.push({ label: 'image+cache', ...common, env: { ...env, NODE_COMPILE_CACHE: '/app/compile-cache' } });
  const before = values['baseline-image-root'];
  if (before)
    variants.push({
      label: 'baseline image',
      command: '/usr/sbin/chroot',
      argv: chrootedIn(path.resolve(before), ['/app/dist/main.js', 'worker']),
      worker: true,
      imageRoot: path.resolve(before),
      env,
    });
}

const podDirs: string[] = [];
const pair = await startDovecotPair();
try {
  const source = 'startup';
  const totalRuns = (variants.filter((v) => v.worker).length * (runs + 1) + (values.profile ? variants.length : 0)) | 0;
  await pair.a.addUser(source, 'a-pw');
  await pair.b.addUsers(Array.from({ length: totalRuns }, (_, i) => [`startup${i}`, `b-pw-${i}`] as const));
  await appendMessages(
    pair.a,
    source,
    'INBOX',
    Array.from({ length: messageCount }, (_, m) => ({ raw: testMessage(source, m, 600) })),
  );

  // The pod's files: the spec names Secret references, the keys are files under the secrets directory.
  let nextUser = 0;
  const podFiles = (root?: string): NodeJS.ProcessEnv => {
    const i = nextUser++;
    // In the image, under its /tmp (the process sees /tmp/...), owned by the pod's user.
    const inside = root ? `/tmp/bench-worker-startup-pod-${process.pid}-${i}` : path.join(work, `pod-${i}`);
    const dir = root ? path.join(root, inside) : inside;
    const secrets = path.join(dir, 'secrets');
    for (const side of ['source', 'destination']) mkdirSync(path.join(secrets, side), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(secrets, 'source/password'), 'a-pw', { mode: 0o400 });
    writeFileSync(path.join(secrets, 'destination/password'), `b-pw-${i}`, { mode: 0o400 });
    writeFileSync(path.join(secrets, 'source/ca.crt'), pair.a.caPem);
    writeFileSync(path.join(secrets, 'destination/ca.crt'), pair.b.caPem);
    const spec = {
      source: podEndpoint('127.0.0.1', pair.a.implicitTlsPort, source, 'src'),
      destination: podEndpoint('127.0.0.1', pair.b.implicitTlsPort, `startup${i}`, 'dst'),
    };
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
    if (root) {
      for (const entry of readdirSync(dir, { recursive: true })) chownSync(path.join(dir, String(entry)), 10001, 10001);
      chownSync(dir, 10001, 10001);
      podDirs.push(dir);
    }
    return { MAILSYNC_SPEC_FILE: path.join(inside, 'spec.json'), MAILSYNC_SECRETS_DIR: path.join(inside, 'secrets') };
  };

  const run = async (v: Variant, extraArgv: string[] = []) => {
    // The image's environment (Dockerfile): nothing inherited from this process.
    const env: NodeJS.ProcessEnv = {
      ...(v.env ?? { PATH: process.env.PATH, NODE_ENV: 'production', NODE_OPTIONS: '--max-semi-space-size=2' }),
      ...(v.cacheDir ? { NODE_COMPILE_CACHE: v.cacheDir } : {}),
      ...(v.worker ? podFiles(v.imageRoot) : {}),
    };
    // Node's own options go after `chroot --userspec ROOT node`.
    const at = v.command === '/usr/sbin/chroot' ? 3 : 0;
    const argv = [...v.argv.slice(0, at), ...extraArgv, ...v.argv.slice(at)];
    const m = await measured(v.label, v.command, argv, { messages: 0, bytes: 0 }, env);
    if (v.worker) {
      const summary = m.stdout
        .split('\n')
        .filter((l) => l.includes('"event":"summary"'))
        .map((l) => JSON.parse(l).summary)
        .pop();
      if (m.exitCode !== 0 || summary?.messagesTransferred !== messageCount)
        throw new Error(`${v.label}: exit ${m.exitCode}, ${summary?.messagesTransferred} of ${messageCount} copied`);
    }
    return m;
  };

  console.log(`${node} (${process.version}), ${messageCount} messages per sync, ${runs} runs per variant`);
  for (const v of variants.filter((x) => x.cacheDir)) await run(v); // writes the cache; not timed
  const samples = new Map<string, { cpu: number[]; wall: number[] }>(
    variants.map((v) => [v.label, { cpu: [], wall: [] }]),
  );
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length]!;
      const m = await run(v);
      samples.get(v.label)!.cpu.push(m.cpuSeconds);
      samples.get(v.label)!.wall.push(m.seconds);
    }
  }
  if (values.profile) {
    mkdirSync(values.profile, { recursive: true });
    for (const [i, v] of variants.entries())
      if (v.worker)
        await run(v, [
          '--cpu-prof',
          `--cpu-prof-dir=${path.resolve(values.profile)}`,
          `--cpu-prof-name=${i}.cpuprofile`,
        ]);
    console.log(`CPU profiles in ${values.profile} (<variant index>.cpuprofile)`);
  }

  const median = (list: number[]) => {
    const s = [...list].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
  const f = (x: number) => x.toFixed(3).padStart(6);
  const width = Math.max(...variants.map((v) => v.label.length));
  console.log(`${''.padEnd(width)}   CPU s (user+sys): median   mean    min    wall s: median`);
  for (const v of variants) {
    const { cpu, wall } = samples.get(v.label)!;
    console.log(
      `${v.label.padEnd(width)}                     ${f(median(cpu))} ${f(mean(cpu))} ${f(Math.min(...cpu))}            ${f(median(wall))}`,
    );
  }
} finally {
  await pair.stop();
  rmSync(work, { recursive: true, force: true });
  for (const dir of podDirs) rmSync(dir, { recursive: true, force: true });
}
