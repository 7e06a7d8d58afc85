/**
 * The Kubernetes objects of one self-service sync: a Secret with the two
 * passwords and a MailSync referring to it, both labelled as console-made,
 * and the same endpoints for "Test logins" (the password in memory only).
 * Pure: the caller creates them (sync-starter.ts).
 */
import type { V1Secret } from '@kubernetes/client-node';
import { API_VERSION, KIND, type MailSync } from '../api/mailsync.js';
import type { Endpoint, MailSyncSpec } from '../api/spec.js';
import type { AccountSide } from './credential-hash.js';
import type { ConsoleRequest, FormSide } from './form.js';

/** On the Secret and the MailSync: made by the self-service page. */
export const LABEL_CONSOLE = 'console.mailsync.io/made-by';
export const CONSOLE_MADE = 'self-service';
export const CONSOLE_SELECTOR = `${LABEL_CONSOLE}=${CONSOLE_MADE}`;
/** On the MailSync: the pair key (both accounts without passwords, keyed hash). */
export const LABEL_CONSOLE_PAIR = 'console.mailsync.io/pair';
/** On the MailSync: the credential hash (keyed; who may follow and abort). */
export const ANNOTATION_CREDENTIAL_HASH = 'console.mailsync.io/credential-hash';

/** Where the console's MailSyncs find a CA bundle to trust (besides the system store), if configured. */
export interface CaRef {
  name: string;
  key: string;
}

export interface SyncObjectsInput {
  namespace: string;
  name: string;
  request: ConsoleRequest;
  pairKey: string;
  credentialHash: string;
  ca?: CaRef;
  /** More labels of the Secret (the controller's --secret-selector may require some). */
  secretLabels?: Record<string, string>;
  /** The console's --max-messages-per-second: every self-service sync is paced so. */
  maxMessagesPerSecond?: number;
}

/** An endpoint without its credential, as both the MailSync and the login check use it. */
export function endpointBase(request: ConsoleRequest, side: FormSide, ca?: CaRef): Omit<Endpoint, 'passwordEnv'> {
  const account: AccountSide = request.pair[side];
  const insecure = request.extras[side].insecureSkipVerify;
  return {
    host: account.host,
    ...(account.port !== undefined ? { port: account.port } : {}),
    tls: account.tls,
    // tls: none is a deliberate choice on the form; the page says the password travels in clear text.
    ...(account.tls === 'none' ? { allowPlaintext: true } : {}),
    ...(insecure ? { insecureSkipVerify: true } : {}),
    ...(ca && !insecure ? { caSecretRef: ca } : {}),
    user: account.user,
  };
}

export function secretName(syncName: string): string {
  return `${syncName}-credentials`;
}

export function syncObjects(input: SyncObjectsInput): { secret: V1Secret; mailSync: MailSync } {
  const { namespace, name, request } = input;
  const labels = { [LABEL_CONSOLE]: CONSOLE_MADE };
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName(name), namespace, labels: { ...input.secretLabels, ...labels } },
    type: 'Opaque',
    stringData: { source: request.pair.source.password, destination: request.pair.destination.password },
  };
  const side = (s: FormSide): Endpoint => ({
    ...endpointBase(request, s, input.ca),
    passwordSecretRef: { name: secretName(name), key: s },
  });
  const spec: MailSyncSpec = {
    source: side('source'),
    destination: side('destination'),
    mode: request.options.dryRun ? 'dryRun' : 'sync',
    ...(request.options.exclude.length > 0 ? { folders: { exclude: request.options.exclude } } : {}),
    ...(input.maxMessagesPerSecond !== undefined
      ? { throttle: { maxMessagesPerSecond: input.maxMessagesPerSecond } }
      : {}),
    // The Secret goes when the run ends: a retry would find no password. The visitor presses Sync! again.
    retry: { limit: 0 },
  };
  const mailSync: MailSync = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      name,
      namespace,
      labels: { ...labels, [LABEL_CONSOLE_PAIR]: input.pairKey },
      annotations: { [ANNOTATION_CREDENTIAL_HASH]: input.credentialHash },
    },
    spec,
  };
  return { secret, mailSync };
}
