/**
 * `mailsync console` flags (environment variables in brackets, set by the
 * Helm chart). Parsed and checked here, pure, so that a bad value is one
 * clear line before anything starts.
 */
import { parseArgs } from 'node:util';
import { parseTrustedProxies, type TrustedProxies, TrustedProxyError } from './admin/trusted-proxies.js';

export const CONSOLE_USAGE = `Usage: mailsync console [options]

Serves the self-service page /X: visitors type two IMAP accounts, test the
logins, start a sync (a Secret and a MailSync in the console's namespace) and
follow it live; Abort! works from any browser with the same credentials.
Uses in-cluster config or KUBECONFIG.

Options (environment variable in brackets):
  --namespace NS             where syncs are created (default: the pod's namespace) [POD_NAMESPACE]
  --host ADDRESS             listen address (default 0.0.0.0) [MAILSYNC_CONSOLE_HOST]
  --port PORT                listen port (default 8443 with TLS, else 8080) [MAILSYNC_CONSOLE_PORT]
  --tls-cert-file FILE       HTTPS certificate (PEM); with --tls-key-file [MAILSYNC_CONSOLE_TLS_CERT_FILE]
  --tls-key-file FILE        HTTPS private key (PEM) [MAILSYNC_CONSOLE_TLS_KEY_FILE]
  --hash-key-file FILE       key of the credential hashes and CSRF tokens (at least 32 bytes); without it
                             a random key: after a restart, running syncs can no longer be aborted from
                             the page [MAILSYNC_CONSOLE_HASH_KEY_FILE]
  --ca-secret NAME:KEY       a Secret key with a PEM CA bundle the syncs trust besides the system store
                             [MAILSYNC_CONSOLE_CA_SECRET]
  --ca-file FILE             the same bundle as a file, for Test logins [MAILSYNC_CONSOLE_CA_FILE]
  --secret-labels K=V[,K=V]  labels of the Secrets it creates, e.g. the controller's --secret-selector
                             [MAILSYNC_CONSOLE_SECRET_LABELS]
  --max-syncs N              self-service syncs running at once (default 20) [MAILSYNC_CONSOLE_MAX_SYNCS]
  --max-messages-per-second N  pace each self-service sync at N messages per second at most
                             (spec.throttle.maxMessagesPerSecond, e.g. 0.5 or 20; default: no limit), to
                             spare your IMAP servers [MAILSYNC_CONSOLE_MAX_MESSAGES_PER_SECOND]
  --rate-per-address N       login tests, syncs and aborts per minute per client address (default 10)
                             [MAILSYNC_CONSOLE_RATE_PER_ADDRESS]
  --rate-per-pair N          the same per account pair (default 5) [MAILSYNC_CONSOLE_RATE_PER_PAIR]
  --trust-forwarded-for      the client address is the first of X-Forwarded-For (behind an ingress)
                             [MAILSYNC_CONSOLE_TRUST_FORWARDED_FOR=true]
  --keep-finished-minutes N  delete finished self-service MailSyncs after N minutes (default 1440)
                             [MAILSYNC_CONSOLE_KEEP_FINISHED_MINUTES]
  --admin                    serve the admin view /admin: migrations and syncs, abort, suspend, run now,
                             account-file upload, reports; for users signed in with a Kubernetes token
                             (or an authenticating proxy), each list and action checked with a
                             SubjectAccessReview for that user [MAILSYNC_CONSOLE_ADMIN=true]
  --admin-namespaces NS[,NS] namespaces of the admin view (default: the console's) [MAILSYNC_CONSOLE_ADMIN_NAMESPACES]
  --auth-proxy-trusted CIDRS accept X-Forwarded-User/X-Forwarded-Groups from these peer addresses or
                             ranges (an authenticating proxy in front); from no one when unset
                             [MAILSYNC_CONSOLE_AUTH_PROXY_TRUSTED]
  --max-running-per-host N   the controller's --max-running-per-host, shown against the running counts
                             (default 0 = none) [MAILSYNC_MAX_RUNNING_PER_HOST]
  --log-level LEVEL          pino level (default info) [MAILSYNC_LOG_LEVEL]
  -h, --help
`;

export interface ConsoleConfig {
  namespace?: string;
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  hashKeyFile?: string;
  ca?: { name: string; key: string };
  caFile?: string;
  secretLabels: Record<string, string>;
  maxSyncs: number;
  /** spec.throttle.maxMessagesPerSecond of every self-service sync; undefined: none. */
  maxMessagesPerSecond?: number;
  ratePerAddress: number;
  ratePerPair: number;
  trustForwardedFor: boolean;
  keepFinishedMinutes: number;
  admin: boolean;
  adminNamespaces: string[];
  authProxyTrusted: TrustedProxies;
  maxRunningPerHost: number;
  logLevel: string;
  help: boolean;
}

export class ConsoleConfigError extends Error {
  readonly reason = 'InvalidConfiguration';
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new ConsoleConfigError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** "a=b,c=d" (an equality label selector, as the controller's --secret-selector) as labels. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const term of (text ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')) {
    const match = /^([^=!]+)==?([^=]*)$/.exec(term);
    const key = match?.[1]?.trim() ?? '';
    const value = match?.[2]?.trim() ?? '';
    if (!match || !LABEL_KEY.test(key) || key.length > 317 || !LABEL_VALUE.test(value) || value.length > 63) {
      throw new ConsoleConfigError(`--secret-labels: ${JSON.stringify(term)} is not KEY=VALUE with a valid label`);
    }
    labels[key] = value;
  }
  return labels;
}

export function parseConsoleConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ConsoleConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        namespace: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'tls-cert-file': { type: 'string' },
        'tls-key-file': { type: 'string' },
        'hash-key-file': { type: 'string' },
        'ca-secret': { type: 'string' },
        'ca-file': { type: 'string' },
        'secret-labels': { type: 'string' },
        'max-syncs': { type: 'string' },
        'max-messages-per-second': { type: 'string' },
        'rate-per-address': { type: 'string' },
        'rate-per-pair': { type: 'string' },
        'trust-forwarded-for': { type: 'boolean' },
        'keep-finished-minutes': { type: 'string' },
        admin: { type: 'boolean' },
        'admin-namespaces': { type: 'string' },
        'auth-proxy-trusted': { type: 'string' },
        'max-running-per-host': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new ConsoleConfigError((error as Error).message);
  }
  const str = (flag: string, variable: string): string | undefined => {
    const value = (values[flag] as string | undefined) ?? env[variable];
    return value === '' ? undefined : value;
  };
  const certFile = str('tls-cert-file', 'MAILSYNC_CONSOLE_TLS_CERT_FILE');
  const keyFile = str('tls-key-file', 'MAILSYNC_CONSOLE_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConsoleConfigError('--tls-cert-file and --tls-key-file go together');
  }
  const caSecret = str('ca-secret', 'MAILSYNC_CONSOLE_CA_SECRET');
  let ca: ConsoleConfig['ca'];
  if (caSecret !== undefined) {
    const match = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):([-._a-zA-Z0-9]+)$/.exec(caSecret);
    if (!match) throw new ConsoleConfigError(`--ca-secret must be NAME:KEY, got ${JSON.stringify(caSecret)}`);
    ca = { name: match[1] ?? '', key: match[3] ?? '' };
  }
  const rate = str('max-messages-per-second', 'MAILSYNC_CONSOLE_MAX_MESSAGES_PER_SECOND');
  if (rate !== undefined && (!/^\d+(\.\d+)?$/.test(rate) || Number(rate) <= 0)) {
    throw new ConsoleConfigError(`--max-messages-per-second must be a number > 0, got ${JSON.stringify(rate)}`);
  }
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
  const namespace = str('namespace', 'POD_NAMESPACE');
  const hashKeyFile = str('hash-key-file', 'MAILSYNC_CONSOLE_HASH_KEY_FILE');
  const caFile = str('ca-file', 'MAILSYNC_CONSOLE_CA_FILE');
  let authProxyTrusted: TrustedProxies;
  try {
    authProxyTrusted = parseTrustedProxies(str('auth-proxy-trusted', 'MAILSYNC_CONSOLE_AUTH_PROXY_TRUSTED'));
  } catch (error) {
    if (!(error instanceof TrustedProxyError)) throw error;
    throw new ConsoleConfigError(error.message);
  }
  const adminNamespaces = (str('admin-namespaces', 'MAILSYNC_CONSOLE_ADMIN_NAMESPACES') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const ns of adminNamespaces) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) {
      throw new ConsoleConfigError(`--admin-namespaces: ${JSON.stringify(ns)} is not a namespace name`);
    }
  }
  return {
    ...(namespace ? { namespace } : {}),
    host: str('host', 'MAILSYNC_CONSOLE_HOST') ?? '0.0.0.0',
    port: positiveInt('port', str('port', 'MAILSYNC_CONSOLE_PORT'), tls ? 8443 : 8080, 0),
    ...(tls ? { tls } : {}),
    ...(hashKeyFile ? { hashKeyFile } : {}),
    ...(ca ? { ca } : {}),
    ...(caFile ? { caFile } : {}),
    secretLabels: parseLabels(str('secret-labels', 'MAILSYNC_CONSOLE_SECRET_LABELS')),
    maxSyncs: positiveInt('max-syncs', str('max-syncs', 'MAILSYNC_CONSOLE_MAX_SYNCS'), 20),
    ...(rate !== undefined ? { maxMessagesPerSecond: Number(rate) } : {}),
    ratePerAddress: positiveInt('rate-per-address', str('rate-per-address', 'MAILSYNC_CONSOLE_RATE_PER_ADDRESS'), 10),
    ratePerPair: positiveInt('rate-per-pair', str('rate-per-pair', 'MAILSYNC_CONSOLE_RATE_PER_PAIR'), 5),
    trustForwardedFor: values['trust-forwarded-for'] === true || env.MAILSYNC_CONSOLE_TRUST_FORWARDED_FOR === 'true',
    keepFinishedMinutes: positiveInt(
      'keep-finished-minutes',
      str('keep-finished-minutes', 'MAILSYNC_CONSOLE_KEEP_FINISHED_MINUTES'),
      1440,
    ),
    admin: values.admin === true || env.MAILSYNC_CONSOLE_ADMIN === 'true',
    adminNamespaces,
    authProxyTrusted,
    maxRunningPerHost: positiveInt(
      'max-running-per-host',
      str('max-running-per-host', 'MAILSYNC_MAX_RUNNING_PER_HOST'),
      0,
      0,
    ),
    logLevel: str('log-level', 'MAILSYNC_LOG_LEVEL') ?? 'info',
    help: values.help === true,
  };
}
