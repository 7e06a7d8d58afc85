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
