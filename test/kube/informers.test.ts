/**
 * The informer against the fake API server: 410 Gone re-lists (reporting
 * what changed meanwhile), bookmarks move the resourceVersion, a silent
 * watch is cut and restarted, and a watch that ends at once backs off
 * instead of looping.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChangeType, Informer, type InformerOptions } from '../../src/kube/informers.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { FakeApiServer } from './fake-api-server.js';

const CM = '/api/v1/namespaces/ns/configmaps';
interface ConfigMap {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  data?: Record<string, string>;
}
const configMap = (name: string, data: Record<string, string> = {}): ConfigMap => ({
  metadata: { name, namespace: 'ns' },
  data,
});

let server: FakeApiServer;
let client: KubeClient;
let informer: Informer<ConfigMap> | undefined;
const log = pino({ level: 'silent' });

beforeEach(async () => {
  server = await new FakeApiServer().start();
  server.collections.add(CM);
  client = await server.client();
});
afterEach(async () => {
  informer?.stop();
  informer = undefined;
  client.close();
  await server.stop();
});

function start(options: Partial<InformerOptions<ConfigMap>> = {}) {
  const changes: [string, ChangeType][] = [];
  // short real waits unless a test injects its own sleep
  const defaults = { backoffMs: { initial: 20, max: 100 } };
  informer = new Informer<ConfigMap>(client, { name: 'cm', path: CM, log, ...defaults, ...options });
  informer.onChange((obj, type) => changes.push([obj.metadata.name, type]));
  return { informer, changes, started: informer.start() };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('list and watch', () => {
  it('lists, then watches from the list resourceVersion and applies events', async () => {
    server.put(`${CM}/a`, configMap('a'));
    const listVersion = server.resourceVersion;
    const { informer, changes, started } = start();
    await started;
    // The version moves with every change of the cache (readers keep indexes until it does).
    const versions = [informer.version];
    informer.onChange(() => versions.push(informer.version));
    const watch = await server.nextWatch();
    expect(watch.query.get('resourceVersion')).toBe(listVersion);
    expect(watch.query.get('allowWatchBookmarks')).toBe('true');
    watch.send('ADDED', { ...configMap('b'), metadata: { ...configMap('b').metadata, resourceVersion: '2001' } });
    watch.send('DELETED', { ...configMap('a'), metadata: { ...configMap('a').metadata, resourceVersion: '2002' } });
    await until(() => changes.length === 3);
    expect(versions).toHaveLength(3);
    expect(new Set(versions).size, `versions ${versions.join(', ')}`).toBe(3);
    expect(changes).toEqual([
      ['a', 'add'],
      ['b', 'add'],
      ['a', 'delete'],
    ]);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['b']);
    expect(informer.resourceVersion).toBe('2002');
  });

  it('re-lists after 410 Gone and reports what changed while it was not watching', async () => {
    server.put(`${CM}/a`, configMap('a'));
    server.put(`${CM}/b`, configMap('b'));
    const { informer, changes, started } = start();
    await started;
    const first = await server.nextWatch();
    // meanwhile: b deleted, c created, a changed; the watch's version is too old
    server.remove(`${CM}/b`);
    server.put(`${CM}/c`, configMap('c'));
    server.put(`${CM}/a`, configMap('a', { k: 'v' }));
    const relistVersion = server.resourceVersion;
    first.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    const second = await server.nextWatch();
    expect(server.seen('GET', CM).filter((r) => !r.query.has('watch'))).toHaveLength(2);
    expect(second.query.get('resourceVersion')).toBe(relistVersion);
    expect(changes.slice(2).sort()).toEqual([
      ['a', 'update'],
      ['b', 'delete'],
      ['c', 'add'],
    ]);
    expect(informer.get('a', 'ns')?.data).toEqual({ k: 'v' });
  });

  it('re-lists after a watch request answered 410, and says so in its log', async () => {
    const logged: string[] = [];
    const { started } = start({ log: pino({ level: 'info' }, { write: (line: string) => logged.push(line) }) });
    await started;
    (await server.nextWatch()).end();
    server.fail((p, q) => p === CM && q.get('watch') === 'true', { kind: 'status', status: 410, reason: 'Expired' });
    await server.nextWatch();
    expect(server.seen('GET', CM).filter((r) => !r.query.has('watch'))).toHaveLength(2);
    // How an operator (and the fault matrix's watch-expiry cell) tells that the watch expired.
    expect(logged.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ informer: 'cm', msg: 'watch expired (410 Gone): listing again' }),
    );
  });

  it('follows bookmarks: the next watch starts from the last bookmark', async () => {
    const { informer, changes, started } = start();
    await started;
    const first = await server.nextWatch();
    first.send('BOOKMARK', { metadata: { resourceVersion: '5000' } });
    first.end();
    const second = await server.nextWatch();
    expect(second.query.get('resourceVersion')).toBe('5000');
    expect(changes).toEqual([]);
    expect(informer.size).toBe(0);
  });
});

describe('re-lists', () => {
  const lists = (path: string) => server.seen('GET', path).filter((r) => !r.query.has('watch')).length;

  it('re-lists on its own, each informer after relistEveryMs plus its own random part', async () => {
    const CM2 = '/api/v1/namespaces/other/configmaps';
    server.collections.add(CM2);
    const early = start({ relistEveryMs: 300, relistJitter: 1, random: () => 0 });
    const late = new Informer<ConfigMap>(client, {
      name: 'cm2',
      path: CM2,
      log,
      relistEveryMs: 300,
      relistJitter: 1,
      random: () => 1,
    });
    const begun = Date.now();
    try {
      await Promise.all([early.started, late.start()]);
      await until(() => lists(CM) === 2);
      const earlyAt = Date.now() - begun;
      expect(lists(CM2), 'the informer with the larger random part has not re-listed yet').toBe(1);
      await until(() => lists(CM2) === 2);
      const lateAt = Date.now() - begun;
      // 300 ms and 600 ms nominally: they re-list apart, not at one instant.
      expect(earlyAt).toBeGreaterThanOrEqual(290);
      expect(lateAt).toBeGreaterThanOrEqual(590);
      expect(lateAt - earlyAt).toBeGreaterThanOrEqual(150);
    } finally {
      late.stop();
    }
  });

  it('takes a long list in slices: timers and I/O run before all of its changes are reported', async () => {
    for (let i = 0; i < 1000; i++) server.put(`${CM}/m${i}`, configMap(`m${i}`));
    const { informer, changes, started } = start();
    let reportedWhenALoopTurnRan: number | undefined;
    informer.onChange(() => {
      if (changes.length === 1) setImmediate(() => (reportedWhenALoopTurnRan ??= changes.length));
    });
    await started;
    expect(changes).toHaveLength(1000);
    expect(informer.size).toBe(1000);
    expect(reportedWhenALoopTurnRan, 'the event loop turned while the list was reported').toBeLessThan(1000);
  });

  it('keeps showing the whole old cache while a re-list is taken in slices', async () => {
    for (let i = 0; i < 1000; i++) server.put(`${CM}/m${i}`, configMap(`m${i}`));
    const { informer, started } = start({ relistEveryMs: 200, relistJitter: 0 });
    await started;
    // Every turn of the event loop, until the re-list is done: the cache is never a part of a list.
    let samples = 0;
    let smallest = Number.POSITIVE_INFINITY;
    let sampling = true;
    const sample = () => {
      samples++;
      smallest = Math.min(smallest, informer.size);
      if (sampling) setImmediate(sample);
    };
    sample();
    await until(() => lists(CM) === 2);
    const version = informer.version;
    await until(() => informer.version !== version);
    sampling = false;
    expect(samples).toBeGreaterThan(10);
    expect(smallest).toBe(1000);
  });
});

describe('watches that misbehave', () => {
  it('cuts a silent watch and watches again', async () => {
    const { started } = start({ silenceMs: 300 });
    await started;
    const silent = await server.nextWatch();
    await silent.closed;
    const next = await server.nextWatch();
    expect(next.query.get('watch')).toBe('true');
  });

  it('backs off, doubling, when watches end at once (no hot loop)', async () => {
    const waits: number[] = [];
    const { started } = start({
      backoffMs: { initial: 100, max: 400 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    server.fail((p, q) => p === CM && q.get('watch') === 'true', { kind: 'end' }, 5);
    await started;
    const healthy = await server.nextWatch();
    expect(waits).toEqual([100, 200, 400, 400, 400]);
    expect(server.seen('GET', CM).filter((r) => r.query.get('watch') === 'true')).toHaveLength(6);
    // a watch that brought events resets the backoff
    healthy.send('ADDED', configMap('x'));
    healthy.end();
    server.fail((p, q) => p === CM && q.get('watch') === 'true', { kind: 'end' }, 1);
    await server.nextWatch();
    expect(waits).toEqual([100, 200, 400, 400, 400, 100]);
  });

  it('backs off after failed watch requests (500) and recovers', async () => {
    const waits: number[] = [];
    const { started } = start({
      backoffMs: { initial: 100, max: 1000 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await started;
    (await server.nextWatch()).end();
    // the client retries a 500 itself a few times; the informer then backs off
    server.fail((p, q) => p === CM && q.get('watch') === 'true', { kind: 'status', status: 500 }, 10);
    const recovered = await server.nextWatch();
    expect(recovered.query.get('watch')).toBe('true');
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toBe(100);
  });
});
