/**
 * The MailSync `spec`: the single source of truth for the options of a sync.
 *
 * The same type is read by the CLI (`mailsync sync --config file.yaml`), by the
 * worker pod, and is the openAPIV3Schema of the MailSync CRD (`crds/` is
 * generated from it by `generate-crd.ts`; a test fails when they drift).
 *
 * Two markers keep one schema for both worlds:
 * - `LOCAL`: fields that only make sense on the machine that runs the engine
 *   (files, environment variables). They are stripped from the CRD: a MailSync
 *   names Secrets, never files or inline passwords.
 * - `KUBE`: fields that only the controller reads (suspend, resources...). The
 *   CLI accepts and ignores them, so a MailSync spec can be run as is locally.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { RULE_TEXT } from './spec-rule-text.js';

export const LOCAL = 'x-mailsync-local';
export const KUBE = 'x-mailsync-kubernetes';

/** The two endpoints of a sync. */
export type Side = 'source' | 'destination';
export const SIDES: readonly Side[] = ['source', 'destination'];

/** Well-known IMAP ports: implicit TLS (imaps) and plain IMAP (STARTTLS or clear text). */
export const IMPLICIT_TLS_PORT = 993;
export const IMAP_PORT = 143;

/** The identity headers when `identityHeaders` is not given (as imapsync). */
export const DEFAULT_IDENTITY_HEADERS: readonly string[] = ['Message-ID', 'Received'];

/**
 * Patterns of string fields, with what they mean in words (schema-errors.ts
 * says the words, not the regex). Written for both JavaScript and the API
 * server's RE2.
 */
export const PATTERNS = {
  /** A Kubernetes object name (DNS-1123 subdomain): no "/" or ".." can reach an API path. */
  objectName: {
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
    meaning: 'must be a Kubernetes object name (lowercase letters, digits, "-" and ".")',
  },
  secretKey: { pattern: '^[-._a-zA-Z0-9]+$', meaning: 'must be a Secret key (letters, digits, "-", "_" and ".")' },
  /** User names go into IMAP commands and come back in messages: no CR, LF, NUL or other control character. */
  noControl: { pattern: '^[^\\x00-\\x1F\\x7F]+$', meaning: 'must not contain control characters (CR, LF, NUL, ...)' },
  host: { pattern: '^[^\\x00-\\x20\\x7F]+$', meaning: 'must not contain spaces or control characters' },
  regexFlags: { pattern: '^[gimsuy]*$', meaning: 'may only hold the regular expression flags g, i, m, s, u and y' },
  linearRegexFlags: { pattern: '^[gimsy]*$', meaning: 'may only hold the regular expression flags g, i, m, s and y' },
  headerName: { pattern: '^[!-9;-~]+$', meaning: 'must be a header name (printable ASCII without ":" or spaces)' },
  quantity: { pattern: '^[0-9.]+[a-zA-Z]*$', meaning: 'must be a quantity such as 500m or 128Mi' },
} as const;

const local = <T extends TSchema>(schema: T): T => ({ ...schema, [LOCAL]: true });
const kube = <T extends TSchema>(schema: T): T => ({ ...schema, [KUBE]: true });

export const SecretKeyRef = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: PATTERNS.objectName.pattern,
      description: 'Name of a Secret in the MailSync namespace.',
    }),
    key: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: PATTERNS.secretKey.pattern,
      description: 'Key inside the Secret.',
    }),
  },
  { additionalProperties: false },
);
export type SecretKeyRef = Static<typeof SecretKeyRef>;

export const TlsMode = Type.Union(
  [Type.Literal('auto'), Type.Literal('implicit'), Type.Literal('starttls'), Type.Literal('none')],
  {
    default: 'auto',
    description:
      'auto: implicit TLS on 993, else STARTTLS on 143 when announced, else plaintext only with allowPlaintext. ' +
      'implicit: TLS from the first byte. starttls: upgrade, fail if not offered. none: plaintext (needs allowPlaintext).',
  },
);
export type TlsMode = Static<typeof TlsMode>;

export const AuthMechanism = Type.Union(
  [Type.Literal('LOGIN'), Type.Literal('PLAIN'), Type.Literal('XOAUTH2'), Type.Literal('CRAM-MD5')],
  {
    description:
      'SASL mechanism. Default: LOGIN for passwords (PLAIN when authUser is set), XOAUTH2 for tokens. CRAM-MD5 only when set (legacy servers; logged as a warning).',
  },
);
export type AuthMechanism = Static<typeof AuthMechanism>;

/** imapsync's provider presets (office1/office2, exchange1/exchange2): see presets.ts for what each sets. */
export const Preset = Type.Union([Type.Literal('office365'), Type.Literal('exchange'), Type.Literal('gmail')], {
  description:
    "imapsync's presets: office365 (--office1 on the source, --office2 on the destination), exchange " +
    '(--exchange1/--exchange2) or gmail (--gmail1/--gmail2; on both sides --gmail12). They fill in only the ' +
    'fields the spec leaves out (docs/servers.md).',
});
export type Preset = Static<typeof Preset>;

export const Endpoint = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: PATTERNS.host.pattern,
      description: 'IMAP server host name or address.',
    }),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: `Default: ${IMPLICIT_TLS_PORT} for implicit TLS, else ${IMAP_PORT}.`,
      }),
    ),
    tls: Type.Optional(TlsMode),
    allowPlaintext: Type.Optional(
      Type.Boolean({ default: false, description: 'Allow a connection without TLS (passwords in clear text).' }),
    ),
    insecureSkipVerify: Type.Optional(
      Type.Boolean({ default: false, description: 'Do not verify the server certificate (logs a warning).' }),
    ),
    allowLegacyTls: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Accept TLS 1.0 and 1.1 for a server too old for TLS 1.2 (logs a warning). Off: TLS 1.2 is the minimum.',
      }),
    ),
    user: Type.String({
      minLength: 1,
      maxLength: 512,
      pattern: PATTERNS.noControl.pattern,
      description: 'Login name (the mailbox to sync).',
    }),
    authUser: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        pattern: PATTERNS.noControl.pattern,
        description:
          'Admin/proxy login: authenticate as this user (with its password) on behalf of `user` (SASL PLAIN authzid).',
      }),
    ),
    proxyAuth: Type.Optional(
      Type.Boolean({
        description:
          "imapsync's proxyauth: log in as authUser (LOGIN or PLAIN, with authUser's password), then take over `user` with PROXYAUTH (Sun/iPlanet/Oracle Messaging Server). Needs authUser. For Dovecot, Cyrus and the like, use authUser alone (SASL PLAIN authorization identity).",
      }),
    ),
    authMechanism: Type.Optional(AuthMechanism),
    passwordSecretRef: Type.Optional(
      kube({ ...SecretKeyRef, description: 'Secret key holding the password (mounted as a file in the worker pod).' }),
    ),
    oauth2TokenSecretRef: Type.Optional(
      kube({
        ...SecretKeyRef,
        description: 'Secret key holding an OAuth2 access token (XOAUTH2); refresh it in the Secret.',
      }),
    ),
    oauth2RefreshSecretRef: Type.Optional(
      kube({
        ...SecretKeyRef,
        description:
          'Secret key holding OAuth2 refresh material, a JSON object {tokenEndpoint, clientId, clientSecret, ' +
          'refreshToken, scope?}: the worker gets (and renews) its access token itself (XOAUTH2).',
      }),
    ),
    caSecretRef: Type.Optional(
      kube({ ...SecretKeyRef, description: 'Secret key holding a PEM CA bundle trusted besides the system store.' }),
    ),
    passwordFile: Type.Optional(local(Type.String({ minLength: 1, description: 'File holding the password.' }))),
    passwordEnv: Type.Optional(
      local(Type.String({ minLength: 1, description: 'Environment variable holding the password.' })),
    ),
    oauth2TokenFile: Type.Optional(
      local(Type.String({ minLength: 1, description: 'File holding an OAuth2 access token (re-read on reconnect).' })),
    ),
    oauth2RefreshFile: Type.Optional(
      local(
        Type.String({
          minLength: 1,
          description: 'File holding OAuth2 refresh material (JSON, see oauth2RefreshSecretRef).',
        }),
      ),
    ),
    caFile: Type.Optional(
      local(Type.String({ minLength: 1, description: 'PEM CA bundle trusted besides the system store.' })),
    ),
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3600, default: 120, description: 'Command (socket inactivity) timeout.' }),
    ),
    connectTimeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 600,
        default: 30,
        description: 'TCP connect, TLS handshake and greeting timeout.',
      }),
    ),
    preset: Type.Optional(Preset),
  },
  {
    additionalProperties: false,
    // CEL rules for the CRD; specProblems (spec-problems.ts) checks the same, in the same words.
    'x-kubernetes-validations': [
      {
        rule: "!has(self.tls) || self.tls != 'none' || (has(self.allowPlaintext) && self.allowPlaintext)",
        message: `tls: ${RULE_TEXT.tlsNone}`,
      },
      {
        rule:
          '!(has(self.passwordSecretRef) && has(self.oauth2TokenSecretRef)) && ' +
          '!(has(self.passwordSecretRef) && has(self.oauth2RefreshSecretRef)) && ' +
          '!(has(self.oauth2TokenSecretRef) && has(self.oauth2RefreshSecretRef))',
        message: RULE_TEXT.oneCredential(['passwordSecretRef', 'oauth2TokenSecretRef', 'oauth2RefreshSecretRef']),
      },
      {
        rule: "!has(self.authMechanism) || self.authMechanism != 'XOAUTH2' || !has(self.passwordSecretRef)",
        message: `authMechanism: ${RULE_TEXT.xoauth2NeedsToken('oauth2TokenSecretRef or oauth2RefreshSecretRef')}`,
      },
    ],
  },
);
export type Endpoint = Static<typeof Endpoint>;

/** The endpoint fields that name something on the local machine (files, environment variables): marked LOCAL. */
export const LOCAL_ENDPOINT_FIELDS = Object.entries(Endpoint.properties)
  .filter(([, schema]) => (schema as Record<string, unknown>)[LOCAL] === true)
  .map(([name]) => name as keyof Endpoint);

export const RenameRule = Type.Object(
  {
    from: Type.String({
      minLength: 1,
      description: 'Regular expression (JavaScript syntax) matched on the destination name.',
    }),
    to: Type.String({ description: 'Replacement; $1, $2... refer to groups.' }),
    flags: Type.Optional(Type.String({ pattern: PATTERNS.regexFlags.pattern, description: 'Regex flags, e.g. "gi".' })),
  },
  { additionalProperties: false },
);
export type RenameRule = Static<typeof RenameRule>;

export const FolderMapping = Type.Object(
  {
    source: Type.String({ minLength: 1, description: 'Source folder, its full name as the source lists it.' }),
    destination: Type.String({ minLength: 1, description: 'Destination folder, its full name, used as it is.' }),
  },
  { additionalProperties: false },
);
export type FolderMapping = Static<typeof FolderMapping>;

export const Folders = Type.Object(
  {
    only: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Sync only these source folders (--folder).' }),
    ),
    include: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Regexes; a source folder must match one.' }),
    ),
    exclude: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Regexes; matching source folders are skipped.' }),
    ),
    subscribedOnly: Type.Optional(
      Type.Boolean({
        description: 'Sync only the source folders subscribed on the source, and INBOX (imapsync --subscribed).',
      }),
    ),
    automap: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Map special-use folders (\\Sent, \\Trash, ...) onto the destination ones.',
      }),
    ),
    rename: Type.Optional(Type.Array(RenameRule, { description: 'Ordered rename rules (imapsync --regextrans2).' })),
    subfolder: Type.Optional(
      Type.String({ minLength: 1, description: 'Put everything under this destination folder (--subfolder2).' }),
    ),
    subscribe: Type.Optional(Type.Boolean({ default: true, description: 'Copy subscriptions.' })),
    map: Type.Optional(
      Type.Array(FolderMapping, {
        description: 'Fixed source-to-destination folder names (imapsync --f1f2); they win over automap and rename.',
      }),
    ),
    first: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Source folders synced before all others, in this order (imapsync --folderfirst).',
      }),
    ),
    last: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description:
          'Source folders synced after all others, in this order (imapsync --folderlast): they start once every ' +
          'other folder is done (with skipCrossDuplicates, Gmail\'s "[Gmail]/All Mail" then only brings the ' +
          'messages no label folder had).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Folders = Static<typeof Folders>;

export const Filters = Type.Object(
  {
    maxSize: Type.Optional(Type.Integer({ minimum: 0, description: 'Skip messages bigger than this (bytes).' })),
    minSize: Type.Optional(Type.Integer({ minimum: 0, description: 'Skip messages smaller than this (bytes).' })),
    maxAgeDays: Type.Optional(
      Type.Number({ minimum: 0, description: 'Skip messages older than this (INTERNALDATE).' }),
    ),
    minAgeDays: Type.Optional(
      Type.Number({
        minimum: 0,
        description: 'Skip messages newer than this. Above maxAgeDays, both ends are kept (as imapsync).',
      }),
    ),
    maxLineLength: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Skip messages with a line longer than this, in bytes with its line end, after messages rewrites ' +
          '(imapsync --maxlinelength).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Filters = Static<typeof Filters>;

export const RewriteRule = Type.Object(
  {
    from: Type.String({
      minLength: 1,
      description: "Regular expression (JavaScript syntax, run on V8's linear-time engine).",
    }),
    to: Type.String({ description: 'Replacement; $1, $2... refer to groups.' }),
    flags: Type.Optional(
      Type.String({ pattern: PATTERNS.linearRegexFlags.pattern, description: 'Regex flags, e.g. "gm".' }),
    ),
  },
  { additionalProperties: false },
);
export type RewriteRule = Static<typeof RewriteRule>;

export const Messages = Type.Object(
  {
    rewrite: Type.Optional(
      Type.Array(RewriteRule, {
        description: 'Ordered rules applied to each message before its APPEND (imapsync --regexmess).',
      }),
    ),
    wrapLinesLongerThan: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Cut lines longer than this many bytes (Exchange and Office 365 refuse long lines; their presets ' +
          'set 10239); 0: off.',
      }),
    ),
    disarmReadReceipts: Type.Optional(
      Type.Boolean({
        description: 'Rename Disposition-Notification-To to X-Disposition-Notification-To (--disarmreadreceipts).',
      }),
    ),
    flagRewrite: Type.Optional(
      Type.Array(RewriteRule, {
        description: "Ordered rules applied to each message's flags, as one space-separated list (--regexflag).",
      }),
    ),
  },
  { additionalProperties: false },
);
export type Messages = Static<typeof Messages>;

export const Mode = Type.Union(
  [
    Type.Literal('sync'),
    Type.Literal('dryRun'),
    Type.Literal('foldersOnly'),
    Type.Literal('loginOnly'),
    Type.Literal('folderSizesOnly'),
  ],
  { default: 'sync' },
);
export type Mode = Static<typeof Mode>;

export const Throttle = Type.Object(
  {
    maxBytesPerSecond: Type.Optional(Type.Integer({ minimum: 1, description: 'Bandwidth limit for message bodies.' })),
    maxMessagesPerSecond: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Message rate limit (e.g. 2 for Office 365).' }),
    ),
    unthrottledBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'maxBytesPerSecond paces only the bytes after the first this many of the run (imapsync --maxbytesafter).',
      }),
    ),
    maxBytesPerRun: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Stop cleanly after this many bytes (--exitwhenover); exit code ByteCapReached.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Throttle = Static<typeof Throttle>;

export const Performance = Type.Object(
  {
    folderConcurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 16,
        default: 2,
        description:
          'Folders synced in parallel (one connection pair each; an empty source folder waits for an open pair).',
      }),
    ),
    batchMessages: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Messages per FETCH/MULTIAPPEND batch.' }),
    ),
    // Two batches in flight per folder worker: 4 MiB keeps a full sync's peak RSS under 150 MB
    // (measured: 8 MiB gave 145 MB, 4 MiB 133 MB, at the same speed).
    batchBytes: Type.Optional(
      Type.Integer({
        minimum: 1024,
        default: 4194304,
        description: 'Upper bound of the bytes of one batch; a folder worker holds at most two (memory bound).',
      }),
    ),
    compress: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Use COMPRESS=DEFLATE where a server offers it, except on the loopback interface.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Performance = Static<typeof Performance>;

export const Retry = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, default: 3, description: 'Retries after the first attempt (0: none).' }),
    ),
    initialBackoffSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86400,
        default: 10,
        description: 'Backoff ceiling of the first retry; it doubles with each retry.',
      }),
    ),
    maxBackoffSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 604800, default: 600, description: 'Largest backoff ceiling.' }),
    ),
  },
  { additionalProperties: false },
);
export type Retry = Static<typeof Retry>;

/** A Kubernetes quantity ("500m", "128Mi" or a number). */
const Quantity = Type.Union([Type.Integer(), Type.String({ pattern: PATTERNS.quantity.pattern })], {
  'x-kubernetes-int-or-string': true,
});
/**
 * The resource names a worker may ask for: a MailSync author must not be able
 * to hold GPUs or extended resources (a pod that never schedules blocks its
 * account pair until spec.startDeadlineSeconds). A map (not fixed properties)
 * so that the CEL rule sees, and rejects, any other name instead of the API
 * server silently pruning it.
 */
export const RESOURCE_NAMES = ['cpu', 'memory', 'ephemeral-storage'] as const;
const ResourceList = Type.Object(
  {},
  {
    additionalProperties: Quantity,
    maxProperties: RESOURCE_NAMES.length,
    'x-kubernetes-validations': [
      {
        rule: `self.all(k, k in [${RESOURCE_NAMES.map((n) => `'${n}'`).join(', ')}])`,
        message: RULE_TEXT.resourceNames,
      },
    ],
  },
);

export const MailSyncSpec = Type.Object(
  {
    source: { ...Endpoint, description: 'The account to copy from.' },
    destination: { ...Endpoint, description: 'The account to copy to.' },
    mode: Type.Optional({
      ...Mode,
      description: 'sync; dryRun (report only); foldersOnly; loginOnly (check both logins); folderSizesOnly.',
    }),
    folders: Type.Optional({ ...Folders, description: 'Which folders, and where they go.' }),
    identityHeaders: Type.Optional(
      Type.Array(Type.String({ minLength: 1, pattern: PATTERNS.headerName.pattern }), {
        minItems: 1,
        description:
          'Headers whose values identify a message (imapsync --useheader). ' +
          `Default: ${DEFAULT_IDENTITY_HEADERS.join(' and ')}.`,
      }),
    ),
    skipCrossDuplicates: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Copy a message only once per run over all folders (imapsync --skipcrossduplicates): a source message ' +
          'already on the destination in another folder, or copied there in this run, is skipped. For Gmail ' +
          'sources (labels are folders) to a server without labels.',
      }),
    ),
    syncLabels: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Gmail to Gmail: after copying a message, set its Gmail labels (X-GM-LABELS) on the destination ' +
          '(imapsync --synclabels). Only where both servers announce X-GM-EXT-1; otherwise a notice.',
      }),
    ),
    resyncLabels: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Gmail to Gmail: also set the labels of messages already on the destination when they differ ' +
          '(imapsync --resynclabels). Only where both servers announce X-GM-EXT-1.',
      }),
    ),
    syncFlags: Type.Optional(Type.Boolean({ default: true, description: 'Propagate flag changes on re-runs.' })),
    deleteOnDestination: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Strict mirror: delete destination messages absent from the source (--delete2).',
      }),
    ),
    deleteOnSource: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Move: delete source messages once verified on the destination (--delete1).',
      }),
    ),
    filters: Type.Optional({ ...Filters, description: 'Skip messages by size, age or line length.' }),
    messages: Type.Optional({
      ...Messages,
      description: 'Changes made to messages and flags on their way (a changed message is reported as changed).',
    }),
    throttle: Type.Optional({ ...Throttle, description: 'Limits for providers that throttle (Gmail, Office 365).' }),
    errorsMax: Type.Optional(Type.Integer({ minimum: 0, default: 50, description: 'Stop after this many errors.' })),
    verify: Type.Optional(Type.Boolean({ default: true, description: 'Compare identities per folder at the end.' })),
    performance: Type.Optional({ ...Performance, description: 'Parallelism and batching.' }),
    suspend: Type.Optional(kube(Type.Boolean({ default: false, description: 'true aborts a running sync.' }))),
    schedule: Type.Optional(
      kube(
        Type.String({
          minLength: 1,
          maxLength: 256,
          description:
            'Cron schedule (5 fields or @hourly/@daily/..., as a CronJob): a delta run at each tick; a tick is skipped while a run is going on.',
        }),
      ),
    ),
    timeZone: Type.Optional(
      kube(
        Type.String({
          minLength: 1,
          maxLength: 64,
          default: 'UTC',
          description: 'IANA time zone of `schedule` (e.g. Europe/Berlin).',
        }),
      ),
    ),
    retry: Type.Optional(
      kube({
        ...Retry,
        description:
          'New runs after a retriable failure (connection, timeout, server busy...), with exponential backoff and full jitter. Authentication, TLS, configuration, a full destination (QuotaExceeded), byte cap and abort are never retried (docs/exit-codes.md).',
      }),
    ),
    gracePeriodSeconds: Type.Optional(
      kube(Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'SIGTERM, then SIGKILL after this.' })),
    ),
    backoffLimit: Type.Optional(
      kube(
        Type.Integer({
          minimum: 0,
          maximum: 10,
          default: 1,
          description: 'Worker pod retries for retryable failures.',
        }),
      ),
    ),
    ttlSecondsAfterFinished: Type.Optional(
      kube(
        Type.Integer({
          minimum: 0,
          description: 'Delete the finished Job (not the MailSync) after this many seconds.',
        }),
      ),
    ),
    startDeadlineSeconds: Type.Optional(
      kube(
        Type.Integer({
          minimum: 10,
          maximum: 86400,
          default: 600,
          description:
            'A run whose worker pod is not running after this many seconds fails with the scheduler’s reason (StartDeadlineExceeded) and frees the account pair.',
        }),
      ),
    ),
    activeDeadlineSeconds: Type.Optional(
      kube(
        Type.Integer({
          minimum: 60,
          maximum: 2592000,
          default: 604800,
          description:
            'The Job’s activeDeadlineSeconds: a run still going after this many seconds (default 7 days) is stopped and fails with DeadlineExceeded.',
        }),
      ),
    ),
    resources: Type.Optional(
      kube(
        Type.Object(
          { requests: Type.Optional(ResourceList), limits: Type.Optional(ResourceList) },
          {
            additionalProperties: false,
            description:
              'Worker pod resources: cpu, memory and ephemeral-storage only (defaults: the controller flags).',
          },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
export type MailSyncSpec = Static<typeof MailSyncSpec>;
