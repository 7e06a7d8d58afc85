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
  /**
   * Another user with `messages` on the source (its passwords join `secrets`) and the Secret +
   * MailSync (spec fields added from `over`) that sync it.
   */
  account(user: string, messages: number): Promise<{ objects(name: string, over?: Partial<MailSyncSpec>): object[] }>;
  /** A new password for `user` on one server (it joins `secrets`). */
  newPassword(user: string, side: 'source' | 'destination'): Promise<string>;
}

export async function startMailFixture(user: string, messages: number): Promise<MailFixture> {
  const pair = await startDovecotPair();
  const secrets: string[] = [];
  const password = () => {
    const value = randomBytes(12).toString('hex');
    secrets.push(value);
    return value;
  };
  const account = async (name: string, count: number) => {
    const passwords = { source: password(), destination: password() };
    await pair.a.addUser(name, passwords.source);
    await pair.b.addUser(name, passwords.destination);
    const total = await seedMailbox(pair.a, name, count);
    const secretName = `${name}-imap`;
    const endpoint = (port: number, side: 'source' | 'destination') => ({
      host: '127.0.0.1',
      port,
      tls: 'implicit' as const,
      user: name,
      passwordSecretRef: { name: secretName, key: side },
      caSecretRef: { name: secretName, key: 'ca.crt' },
    });
    const objects = (syncName: string, over: Partial<MailSyncSpec> = {}) => [
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
        metadata: { name: syncName },
        spec: {
          source: endpoint(pair.a.implicitTlsPort, 'source'),
          destination: endpoint(pair.b.implicitTlsPort, 'destination'),
          folders: { automap: true },
          ...over,
        } satisfies MailSyncSpec,
      },
    ];
    return { total, objects };
  };
  const first = await account(user, messages);
  return {
    pair,
    user,
    total: first.total,
    secrets,
    objects: (name) => first.objects(name),
    account,
    newPassword: async (name, side) => {
      const value = password();
      await (side === 'source' ? pair.a : pair.b).addUser(name, value);
      return value;
    },
  };
}
