/**
 * The MailMigration `spec`: many account pairs migrated as one resource.
 *
 * `template` holds the MailSync spec fields every account shares (hosts,
 * ports, TLS, options, and an admin login where the servers allow one); the
 * accounts give the user names, and optionally their own passwords and
 * overrides. Each account becomes a child MailSync whose spec is the template
 * merged with the account (see src/controller/migration/desired-accounts.ts).
 * The CRD (crds/mailsync.io_mailmigrations.yaml) is generated from this file.
 */
import { type Static, Type } from '@sinclair/typebox';
import { MAX_INLINE_ACCOUNTS } from './migration.js';
import { Endpoint, MailSyncSpec, PATTERNS, SecretKeyRef } from './spec.js';

/** A side of the template: every Endpoint field but the user (per account), all optional. */
const TemplateEndpoint = Type.Partial(Type.Omit(Endpoint, ['user']));

// The migration runs its children's passes itself (run-now annotation): no schedule of their own.
const {
  source: _s,
  destination: _d,
  suspend: _suspend,
  schedule: _schedule,
  timeZone: _timeZone,
  ...sharedFields
} = MailSyncSpec.properties;

export const MailSyncTemplate = Type.Object(
  {
    source: Type.Optional({
      ...TemplateEndpoint,
      description:
        'Source server settings shared by all accounts; authUser + passwordSecretRef: one admin login for all.',
    }),
    destination: Type.Optional({
      ...TemplateEndpoint,
      description:
        'Destination server settings shared by all accounts; authUser + passwordSecretRef: one admin login for all.',
    }),
    ...sharedFields,
  },
  { additionalProperties: false },
);
export type MailSyncTemplate = Static<typeof MailSyncTemplate>;

const AccountSide = Type.Object(
  {
    user: Type.String({
      minLength: 1,
      maxLength: 512,
      pattern: PATTERNS.noControl.pattern,
      description: 'Login name (the mailbox).',
    }),
    passwordSecretRef: Type.Optional({
      ...SecretKeyRef,
      description: "This account's password (else the template's admin login).",
    }),
    oauth2TokenSecretRef: Type.Optional({ ...SecretKeyRef, description: "This account's OAuth2 access token." }),
    oauth2RefreshSecretRef: Type.Optional({
      ...SecretKeyRef,
      description:
        "This account's OAuth2 refresh material (JSON: tokenEndpoint, clientId, clientSecret, refreshToken).",
    }),
  },
  { additionalProperties: false },
);

export const InlineAccount = Type.Object(
  {
    source: { ...AccountSide, description: 'The source mailbox.' },
    destination: Type.Optional({
      ...Type.Partial(AccountSide),
      description: 'The destination mailbox (default: the same user name as the source).',
    }),
    overrides: Type.Optional({
      ...MailSyncTemplate,
      description: 'Fields of the template that differ for this account (merged over it, lists replaced).',
    }),
  },
  { additionalProperties: false },
);
export type InlineAccount = Static<typeof InlineAccount>;

export const ACCOUNT_FILE_FORMATS = ['imapsync', 'csv'] as const;
export type AccountFileFormat = (typeof ACCOUNT_FILE_FORMATS)[number];

export const AccountsFrom = Type.Object(
  {
    secretRef: {
      ...SecretKeyRef,
      description: 'Secret key holding the account file (it has passwords: a Secret, never a ConfigMap).',
    },
    format: Type.Optional(
      Type.Union(
        ACCOUNT_FILE_FORMATS.map((f) => Type.Literal(f)),
        {
          default: 'imapsync',
          description:
            "imapsync: FAQ.Massive's file.txt, host1;user1;password1;host2;user2;password2;[imapsync options]. " +
            'csv: a header line, columns host1, port1, user1, password1, host2, port2, user2, password2, options, ' +
            'oauth2refresh1, oauth2refresh2 (secret-name/key of a Secret holding the OAuth2 refresh material).',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type AccountsFrom = Static<typeof AccountsFrom>;

export const AutoConcurrency = Type.Object(
  {
    initial: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'Running syncs per host before the first window ends (default 2, within min .. max).',
      }),
    ),
    min: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Never fewer running syncs per host (default 1).' }),
    ),
    max: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'Never more running syncs per host (default: perSourceHost / perDestinationHost, else 50).',
      }),
    ),
    windowSeconds: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 3600,
        default: 60,
        description: "How long each limit is measured (the host's throughput) before the next decision.",
      }),
    ),
  },
  {
    additionalProperties: false,
    'x-kubernetes-validations': [
      {
        rule: '!has(self.min) || !has(self.initial) || self.min <= self.initial',
        message: 'auto: min is above initial',
      },
      {
        rule: '!has(self.max) || !has(self.initial) || self.initial <= self.max',
        message: 'auto: initial is above max',
      },
      { rule: '!has(self.max) || !has(self.min) || self.min <= self.max', message: 'auto: min is above max' },
    ],
  },
);
export type AutoConcurrency = Static<typeof AutoConcurrency>;

export const Concurrency = Type.Object(
  {
    total: Type.Optional(Type.Integer({ minimum: 1, description: 'Syncs of this migration running at once.' })),
    perSourceHost: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Syncs of this migration running at once against one source host.' }),
    ),
    perDestinationHost: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Syncs of this migration running at once against one destination host.',
      }),
    ),
    auto: Type.Optional({
      ...AutoConcurrency,
      description:
        'Per host, AIMD: one more running sync after each window in which the limit was reached and the ' +
        "host's throughput rose, half as many after a run ended ServerBusy or ConnectFailed against it " +
        '(status.concurrency shows the numbers chosen).',
    }),
  },
  { additionalProperties: false },
);
export type Concurrency = Static<typeof Concurrency>;

export const MailMigrationSpec = Type.Object(
  {
    template: { ...MailSyncTemplate, description: 'The MailSync spec fields shared by every account.' },
    accounts: Type.Optional(
      Type.Array(InlineAccount, {
        maxItems: MAX_INLINE_ACCOUNTS,
        description: 'The account pairs, inline (or use accountsFrom).',
      }),
    ),
    accountsFrom: Type.Optional({
      ...AccountsFrom,
      description: 'The account pairs from a file in a Secret (or use accounts).',
    }),
    schedule: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Cron schedule of the delta passes after the presync pass (5 fields, as a CronJob). ' +
          'A time reached while a pass runs is skipped.',
      }),
    ),
    timeZone: Type.Optional(
      Type.String({ minLength: 1, description: 'IANA time zone of the schedule (default UTC), e.g. Europe/Paris.' }),
    ),
    finalPass: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'true: once the running pass ends, one more pass over every account, then the migration ends.',
      }),
    ),
    concurrency: Type.Optional({ ...Concurrency, description: 'Caps on the running syncs of this migration.' }),
    accountsPerWorker: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 1,
        description:
          'Accounts one worker pod syncs at once, one engine each (default 1: a pod per account). More saves ' +
          "a pod's start per account (about one CPU-second of the node's); spec.template.resources are then " +
          "the pod's, shared by its accounts. Caps still count accounts. A pod starts when it has that many " +
          "admitted accounts, or the controller's --batch-window-seconds (default 5) after its first one.",
      }),
    ),
    suspend: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'true: no new pass starts and running syncs are aborted; false resumes.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MailMigrationSpec = Static<typeof MailMigrationSpec>;
