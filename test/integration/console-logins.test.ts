/**
 * The console's HTTP server (hono on node:http, 127.0.0.1) with the engine's
 * real login check against real Dovecot (TLS, test CA): "Test logins" with
 * the right and a wrong password, as a browser posts the form. The passwords
 * must appear in no page and no log line.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleApp } from '../../src/console/app.js';
import { LiveHub } from '../../src/console/live-hub.js';
import { KeyedRateLimit } from '../../src/console/rate-limit.js';
import { checkLogin } from '../../src/sync/login-check.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { FakeSource, FakeStore } from '../unit/console/fakes.js';

const SOURCE_PASSWORD = 'src-Pa55-console';
const DESTINATION_PASSWORD = 'dst-Pa55-console';

let pair: DovecotPair;
let base: string;
let close: () => void;
const logLines: string[] = [];

beforeAll(async () => {
  pair = await startDovecotPair();
  await pair.a.addUser('carol', SOURCE_PASSWORD);
  await pair.b.addUser('carol', DESTINATION_PASSWORD);
  const log = pino(
    { level: 'trace' },
    new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    }),
  );
  const source = new FakeSource();
  const app = consoleApp({
    namespace: 'web',
    key: Buffer.alloc(32, 3),
    hub: new LiveHub(source),
    store: new FakeStore(source),
    checkLogins: (endpoint, side, env) => checkLogin(endpoint, side, { logger: log, env }),
    limits: {
      perAddress: new KeyedRateLimit({ burst: 50, perMinute: 50 }),
      perPair: new KeyedRateLimit({ burst: 50, perMinute: 50 }),
    },
    maxRunning: 5,
    caFile: pair.a.caFile,
    secureCookies: false,
    script: async () => '',
    log,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(async () => {
  close?.();
  await pair?.stop();
});

async function testLogins(destinationPassword: string, extra: Record<string, string> = {}) {
  const first = await fetch(`${base}/X`);
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())?.[1] ?? '';
  const response = await fetch(`${base}/X`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      csrf,
      action: 'test',
      s_host: pair.a.host,
      s_port: String(pair.a.implicitTlsPort),
      s_user: 'carol',
      s_password: SOURCE_PASSWORD,
      d_host: pair.b.host,
      d_port: String(pair.b.starttlsPort),
      d_user: 'carol',
      d_password: destinationPassword,
      ...extra,
    }),
  });
  return { status: response.status, page: await response.text() };
}

const items = (page: string) =>
  [...page.matchAll(/<li class="(ok|error)" data-side="(source|destination)">([^<]*)<\/li>/g)].map((m) => ({
    ok: m[1] === 'ok',
    side: m[2],
    text: m[3],
  }));

describe('Test logins through the console server (real Dovecot)', () => {
  it('right passwords: both sides logged in, with the TLS mode and a verified certificate', async () => {
    const { status, page } = await testLogins(DESTINATION_PASSWORD);
    expect(status).toBe(200);
    expect(items(page)).toEqual([
      {
        ok: true,
        side: 'source',
        text: `source: logged in to ${pair.a.host}:${pair.a.implicitTlsPort} with TLS (implicit), certificate verified.`,
      },
      {
        ok: true,
        side: 'destination',
        text: `destination: logged in to ${pair.b.host}:${pair.b.starttlsPort} with TLS (starttls), certificate verified.`,
      },
    ]);
  });

  it('a wrong destination password: the source is fine, the destination says its login was refused', async () => {
    const wrong = 'wrong-Pa55-guess';
    const { page } = await testLogins(wrong);
    const [source, destination] = items(page);
    expect(source?.ok).toBe(true);
    expect(destination?.ok).toBe(false);
    expect(destination?.text).toMatch(
      /^destination: AuthenticationFailed \(destination\): destination server .* refused the login of user &quot;carol&quot;/,
    );
    for (const secret of [SOURCE_PASSWORD, DESTINATION_PASSWORD, wrong]) {
      expect(page).not.toContain(secret);
      expect(logLines.join('')).not.toContain(secret);
    }
  });

  it('a server whose certificate is not valid for the host: refused unless the visitor opts out', async () => {
    const extra = { s_host: pair.a.mismatchHost };
    const refused = items((await testLogins(DESTINATION_PASSWORD, extra)).page)[0];
    expect(refused?.ok).toBe(false);
    expect(refused?.text).toMatch(/^source: TLSFailed \(source\): .*certificate is not valid for the name/);
    const accepted = items((await testLogins(DESTINATION_PASSWORD, { ...extra, s_insecure: 'on' })).page)[0];
    expect(accepted?.text).toBe(
      `source: logged in to ${pair.a.mismatchHost}:${pair.a.implicitTlsPort} with TLS (implicit), certificate NOT verified.`,
    );
  });
});
