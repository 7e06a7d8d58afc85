/**
 * The mail side of the helm end-to-end test: two Dovecot servers on 127.0.0.1 (test/harness), a user
 * with mail on the source, and the Secret + MailSync that sync it under the installed operator.
 */
import { randomBytes } from 'node:crypto';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { seedMailbox } from '../e2e/helpers/mail.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';

export interface MailFixture {
  pair: DovecotPair;
  user: string;
  /** Messages put on the source. */
  total: number;
  /** Every password used: none may show up anywhere else. */
  secrets: string[];
  objects(name: string): object[];
}

export async function startMailFixture(user: string, messages: number): Promise<MailFixture> {
  const pair = await startDovecotPair();
  const passwords = { source: randomBytes(12).toString('hex'), destination: randomBytes(12).toString('hex') };
  await pair.a.addUser(user, passwords.source);
  await pair.b.addUser(user, passwords.destination);
  const total = await seedMailbox(pair.a, user, messages);
  const secretName = `${user}-imap`;
  const endpoint = (port: number, side: 'source' | 'destination') => ({
    host: '127.0.0.1',
    port,
    tls: 'implicit' as const,
    user,
    passwordSecretRef: { name: secretName, key: side },
    caSecretRef: { name: secretName, key: 'ca.crt' },
  });
  return {
    pair,
    user,
    total,
    secrets: [passwords.source, passwords.destination],
    objects: (name) => [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName },
        type: 'Opaque',
        stringData: { ...passwords, 'ca.crt': pair.a.caPem },
      },
      {
        apiVersion: 'mailsync.io/v1alpha1',
        kind: 'MailSync',
        metadata: { name },
        spec: {
          source: endpoint(pair.a.implicitTlsPort, 'source'),
          destination: endpoint(pair.b.implicitTlsPort, 'destination'),
          folders: { automap: true },
        } satisfies MailSyncSpec,
      },
    ],
  };
}
