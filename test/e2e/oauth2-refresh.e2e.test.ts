/**
 * OAuth2 refresh in the cluster (docs/oauth2.md): a MailSync whose destination
 * has only refresh material (`oauth2RefreshSecretRef`, no access token
 * anywhere). Its worker pod (host network) exchanges the refresh token at the
 * harness's token endpoint (HTTPS, test CA from the side's caSecretRef), logs
 * in to Dovecot with the access token it got (oauth2 passdb), and syncs
 * exactly. Then no access token, refresh token or client secret appears in the
 * status, events, Jobs, ConfigMaps, pods, pod logs or the controller's log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import { paths } from '../../src/controller/paths.js';
import { type KubeClient, readAll } from '../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { type OAuthTokenEndpoint, startOAuthTokenEndpoint } from '../harness/oauth-token-endpoint.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import {
  connect,
  createMailSync,
  createNamespace,
  createSecret,
  deleteNamespace,
  getMailSync,
  IMAGE,
  imageSkipReason,
  installCrd,
  listEvents,
  listJobs,
  listPods,
  waitFor,
} from './helpers/kube.js';
import { addUserOnBoth, mailboxes, seedMailbox } from './helpers/mail.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/oauth2-refresh.e2e.test.ts: ${skip}`);

describe.skipIf(skip)('OAuth2 refresh in a worker pod (oauth2RefreshSecretRef)', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  let tokens: OAuthTokenEndpoint;
  let controller: ControllerProcess;
  const passwords: string[] = [];
  const seen: string[] = [];

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-oauth2');
    pair = await startDovecotPair();
    tokens = await startOAuthTokenEndpoint(pair.certs, pair.oauth);
    controller = await startController({ namespaces: [ns], image: IMAGE! });
  });

  afterAll(async () => {
    await controller?.stop();
    await tokens?.close();
    await pair?.stop();
    if (client && ns) await deleteNamespace(client, ns);
  });

  it('the worker gets its access token from the token endpoint and syncs exactly', async () => {
    const user = 'olga';
    const sourcePassword = `src-${Math.random().toString(36).slice(2)}`;
    // The destination's password is never given to mailsync: only the token can log in there.
    const destinationPassword = `dst-${Math.random().toString(36).slice(2)}`;
    passwords.push(sourcePassword, destinationPassword);
    await addUserOnBoth(pair, user, { a: sourcePassword, b: destinationPassword });
    const total = await seedMailbox(pair.a, user, 12);
    const material = tokens.grant(user);
    await createSecret(client, ns, 'olga-creds', {
      source: sourcePassword,
      'refresh.json': JSON.stringify(material),
      'ca.crt': pair.a.caPem,
    });
    const before = tokens.requests;
    await createMailSync(client, ns, user, {
      source: {
        host: '127.0.0.1',
        port: pair.a.implicitTlsPort,
        tls: 'implicit',
        user,
        passwordSecretRef: { name: 'olga-creds', key: 'source' },
        caSecretRef: { name: 'olga-creds', key: 'ca.crt' },
      },
      destination: {
        host: '127.0.0.1',
        port: pair.b.implicitTlsPort,
        tls: 'implicit',
        user,
        oauth2RefreshSecretRef: { name: 'olga-creds', key: 'refresh.json' },
        // Trusted for the IMAP server and for the token endpoint (same test CA).
        caSecretRef: { name: 'olga-creds', key: 'ca.crt' },
      },
    });
    const done = await waitFor(
      `${user}: finished`,
      async () => {
        const ms = await getMailSync(client, ns, user);
        if (ms) seen.push(JSON.stringify(ms));
        return ms && ['Succeeded', 'Failed'].includes(ms.status?.phase ?? '') ? ms : undefined;
      },
      240_000,
      500,
      async () => JSON.stringify((await getMailSync(client, ns, user))?.status ?? 'no such MailSync').slice(0, 2000),
    );
    const status = (done as MailSync).status;
    expect(status?.lastError, JSON.stringify(status?.logTail)).toBeUndefined();
    expect(status?.phase).toBe('Succeeded');
    expect(status?.summary).toMatchObject({ reason: 'Succeeded', messagesTransferred: total, messagesFailed: 0 });
    // The token came from the endpoint (the Secret holds no access token), through the worker pod.
    expect(tokens.requests - before).toBeGreaterThanOrEqual(1);
    const { source, destination } = await mailboxes(pair, user);
    expect(destination).toEqual(source);
    // The refresh is logged (cause, endpoint, lifetime), never the token.
    const [pod] = await listPods(client, ns, `batch.kubernetes.io/job-name=${status!.jobName}`);
    const log = await readAll(
      await client.open('GET', paths.podLog(ns, pod!.metadata!.name!), { query: { container: 'worker' } }),
    );
    const refreshes = log
      .split('\n')
      .filter((line) => line.includes('"event":"oauth2Refresh"'))
      .map((line) => JSON.parse(line) as { side: string; cause: string });
    expect(refreshes[0]).toMatchObject({ side: 'destination', cause: 'first use' });
  });

  it('no access token, refresh token, client secret or password in status, events, Jobs, pods, logs', async () => {
    const texts: [string, string][] = [['controller log', controller.output()]];
    for (const ms of seen) texts.push(['MailSync', ms]);
    texts.push(['MailSyncs now', JSON.stringify(await client.get(paths.mailSyncs(ns)))]);
    texts.push(['events', JSON.stringify(await client.get(paths.events(ns)))]);
    texts.push(['events of olga', JSON.stringify(await listEvents(client, ns, 'olga'))]);
    texts.push(['jobs', JSON.stringify(await listJobs(client, ns))]);
    texts.push(['configmaps', JSON.stringify(await client.get(`/api/v1/namespaces/${ns}/configmaps`))]);
    const pods = await listPods(client, ns, 'mailsync.io/pair');
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      texts.push([`pod ${pod.metadata?.name}`, JSON.stringify(pod)]);
      const log = await client.open('GET', paths.podLog(ns, pod.metadata!.name!), { query: { container: 'worker' } });
      texts.push([`log of ${pod.metadata?.name}`, await readAll(log)]);
    }
    const secrets = [...tokens.secrets, ...passwords];
    // An access token, a refresh token and a client secret at least: the scan has something to find.
    expect(tokens.secrets.length).toBeGreaterThanOrEqual(3);
    const leaks = texts.flatMap(([where, text]) => secrets.filter((s) => text.includes(s)).map(() => where));
    expect(leaks).toEqual([]);
  });
});
