/**
 * Bad MailSync specs the API server refuses at admission (CRD schema and CEL rules), each with what
 * its message must say: test/e2e/crd.e2e.test.ts (one by one, no controller) and
 * test/e2e/bad-manifests.e2e.test.ts (all at once, beside a running controller).
 */
import type { MailSyncSpec } from '../../../src/api/spec.js';

export const validSpec = (): MailSyncSpec => ({
  source: { host: 'imap.source.example', user: 'alice', passwordSecretRef: { name: 'creds', key: 'source' } },
  destination: { host: 'imap.dest.example', user: 'alice', passwordSecretRef: { name: 'creds', key: 'destination' } },
});

// biome-ignore lint/suspicious/noExplicitAny: the manifests are deliberately malformed
export type Doc = Record<string, any>;
type Mutate = (spec: Doc) => void;

/** Bad manifests: what is wrong, and what the API server's message must say. */
export const BAD_SPECS: [string, Mutate, RegExp][] = [
  ['source missing', (s) => delete s.source, /spec\.source: Required value/],
  ['destination missing', (s) => delete s.destination, /spec\.destination: Required value/],
  ['host missing', (s) => delete s.source.host, /spec\.source\.host: Required value/],
  ['user missing', (s) => delete s.destination.user, /spec\.destination\.user: Required value/],
  ['empty host', (s) => (s.source.host = ''), /spec\.source\.host.*at least 1 chars/],
  ['host too long', (s) => (s.source.host = 'h'.repeat(254)), /spec\.source\.host: Too long: may not be more than 253/],
  ['port 0', (s) => (s.source.port = 0), /spec\.source\.port.*greater than or equal to 1/],
  ['port 70000', (s) => (s.destination.port = 70000), /spec\.destination\.port.*less than or equal to 65535/],
  ['port as text', (s) => (s.source.port = 'imaps'), /spec\.source\.port.*must be of type integer/],
  [
    'unknown tls mode',
    (s) => (s.source.tls = 'ssl'),
    /spec\.source\.tls.*Unsupported value: "ssl".*"auto", "implicit", "starttls", "none"/,
  ],
  ['tls none without allowPlaintext', (s) => (s.source.tls = 'none'), /tls: none needs allowPlaintext: true/],
  [
    'password and token',
    (s) => (s.source.oauth2TokenSecretRef = { name: 'tok', key: 'k' }),
    /set only one of passwordSecretRef, oauth2TokenSecretRef/,
  ],
  [
    'XOAUTH2 with a password',
    (s) => (s.source.authMechanism = 'XOAUTH2'),
    /authMechanism: XOAUTH2 needs an OAuth2 token \(oauth2TokenSecretRef or oauth2RefreshSecretRef\), not a password/,
  ],
  [
    'unknown mechanism',
    // CRAM-MD5 is supported since the legacy-server options; DIGEST-MD5 is not.
    (s) => (s.source.authMechanism = 'DIGEST-MD5'),
    /spec\.source\.authMechanism.*Unsupported value: "DIGEST-MD5"/,
  ],
  [
    'no credentials',
    (s) => delete s.destination.passwordSecretRef,
    /destination: no credential: set passwordSecretRef, oauth2TokenSecretRef or oauth2RefreshSecretRef/,
  ],
  [
    'secret ref without key',
    (s) => delete s.source.passwordSecretRef.key,
    /spec\.source\.passwordSecretRef\.key: Required value/,
  ],
  [
    'secret ref with empty name',
    (s) => (s.source.passwordSecretRef.name = ''),
    /passwordSecretRef\.name.*at least 1 chars/,
  ],
  [
    'same account on both sides',
    (s) => (s.destination = { ...s.source, host: 'IMAP.SOURCE.EXAMPLE' }),
    /destination: the same account as source: a mailbox cannot be synced onto itself/,
  ],
  [
    'secret name leaving its API path',
    (s) => (s.source.passwordSecretRef.name = '../../../api/v1/namespaces/kube-system/secrets/x'),
    /spec\.source\.passwordSecretRef\.name.*should match/,
  ],
  ['secret key with a slash', (s) => (s.source.passwordSecretRef.key = 'a/b'), /passwordSecretRef\.key.*should match/],
  ['user name with CR/LF', (s) => (s.destination.user = 'alice\r\nA1 LOGOUT'), /spec\.destination\.user.*should match/],
  ['user name with NUL', (s) => (s.source.user = 'alice\u0000'), /spec\.source\.user.*should match/],
  ['auth user with LF', (s) => (s.source.authUser = 'admin\nA1 LOGOUT'), /spec\.source\.authUser.*should match/],
  ['host with a space', (s) => (s.source.host = 'imap source.example'), /spec\.source\.host.*should match/],
  ['unknown mode', (s) => (s.mode = 'mirror'), /spec\.mode.*Unsupported value: "mirror"/],
  ['grace period 0', (s) => (s.gracePeriodSeconds = 0), /spec\.gracePeriodSeconds.*greater than or equal to 1/],
  ['grace period 4000', (s) => (s.gracePeriodSeconds = 4000), /spec\.gracePeriodSeconds.*less than or equal to 3600/],
  ['backoff limit 11', (s) => (s.backoffLimit = 11), /spec\.backoffLimit.*less than or equal to 10/],
  ['negative errorsMax', (s) => (s.errorsMax = -1), /spec\.errorsMax.*greater than or equal to 0/],
  [
    'too many parallel folders',
    (s) => (s.performance = { folderConcurrency: 17 }),
    /spec\.performance\.folderConcurrency.*less than or equal to 16/,
  ],
  [
    'bad regex flags',
    (s) => (s.folders = { rename: [{ from: 'a', to: 'b', flags: 'z' }] }),
    /spec\.folders\.rename\[0\]\.flags.*should match/,
  ],
  [
    'empty identity header list',
    (s) => (s.identityHeaders = []),
    /spec\.identityHeaders.*should have at least 1 items/,
  ],
  [
    'bad quantity',
    (s) => (s.resources = { limits: { memory: 'lots' } }),
    /spec\.resources\.limits\.memory.*should match/,
  ],
  [
    'min size over max size',
    (s) => (s.filters = { minSize: 10, maxSize: 5 }),
    /filters\.minSize: bigger than maxSize: no message would match/,
  ],
  [
    'delete on source without verify',
    (s) => Object.assign(s, { deleteOnSource: true, verify: false }),
    /deleteOnSource: needs verify: true/,
  ],
  [
    'zero message rate',
    (s) => (s.throttle = { maxMessagesPerSecond: 0 }),
    /spec\.throttle\.maxMessagesPerSecond.*greater than 0/,
  ],
];
