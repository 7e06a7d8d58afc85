/**
 * The MailMigration `status` (TypeBox, for the CRD; the controller imports
 * only the types). Written by the migration controller through the status
 * subresource; never holds a password nor a line of the account file.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  HOST_ROLES,
  MAX_AUTO_HOSTS,
  MAX_FAILURE_REASONS,
  MAX_INVALID_ACCOUNTS,
  MIGRATION_PHASES,
  PASS_HISTORY,
  PASS_KINDS,
} from './migration.js';
import { ConditionSchema } from './status-schema.js';

const count = (description: string) => Type.Integer({ minimum: 0, description });

export const PassAccountsSchema = Type.Object({
  total: count('Accounts in the pass.'),
  succeeded: count('Accounts whose run of this pass succeeded.'),
  failed: count('Accounts whose run of this pass failed or was aborted.'),
  running: count('Accounts whose run of this pass is running.'),
  queued: count('Accounts whose run of this pass has not started yet.'),
});
export type PassAccounts = Static<typeof PassAccountsSchema>;

export const PassStatusSchema = Type.Object({
  id: Type.String({
    maxLength: 64,
    description: 'Pass id, e.g. presync-1, delta-2, final-3 (the value of mailsync.io/requested-at).',
  }),
  kind: Type.Union(
    PASS_KINDS.map((k) => Type.Literal(k)),
    { description: 'presync, delta or final.' },
  ),
  startTime: Type.String({ format: 'date-time' }),
  endTime: Type.Optional(Type.String({ format: 'date-time' })),
  accounts: PassAccountsSchema,
  messages: Type.Optional(count('Messages copied in this pass.')),
  bytes: Type.Optional(count('Bytes copied in this pass.')),
  messagesPerSecond: Type.Optional(Type.Number({ minimum: 0, description: "The pass's own rate." })),
  etaSeconds: Type.Optional(
    count('Rule of three: elapsed time x accounts left / accounts finished (imapsync FAQ.Massive).'),
  ),
  rate: Type.Optional(Type.String({ maxLength: 64, description: 'Human rate, e.g. "35.2 msg/s" (printer column).' })),
  eta: Type.Optional(Type.String({ maxLength: 64, description: 'Human ETA, e.g. "12m" (printer column).' })),
});
export type PassStatus = Static<typeof PassStatusSchema>;

export const FailureReasonSchema = Type.Object({
  reason: Type.String({ maxLength: 1024 }),
  count: Type.Integer({ minimum: 1 }),
});
export type FailureReason = Static<typeof FailureReasonSchema>;

export const InvalidAccountSchema = Type.Object({
  line: Type.Optional(Type.Integer({ minimum: 1, description: 'Line in the account file (or index + 1 inline).' })),
  message: Type.String({ maxLength: 1024, description: 'What is wrong (never a password).' }),
});
export type InvalidAccount = Static<typeof InvalidAccountSchema>;

export const HostConcurrencySchema = Type.Object({
  role: Type.Union(
    HOST_ROLES.map((r) => Type.Literal(r)),
    { description: 'The host as source or as destination of the syncs.' },
  ),
  host: Type.String({ maxLength: 253, description: 'Host name, lowercased (the port is not part of it).' }),
  limit: Type.Integer({ minimum: 1, description: 'Syncs of this migration that may run against the host now.' }),
  throughput: Type.Optional(
    Type.Number({ minimum: 0, description: 'Messages per second copied against the host in the last window.' }),
  ),
  running: Type.Optional(count('The most syncs running against the host at once in the last window.')),
  throttled: Type.Optional(count('Throttling signals (runs ended ServerBusy or ConnectFailed) in the last window.')),
  windowEnd: Type.Optional(Type.String({ format: 'date-time', description: 'When the last window ended.' })),
  lastChange: Type.Optional(Type.String({ format: 'date-time', description: 'When the limit last changed.' })),
  reason: Type.String({ maxLength: 1024, description: 'Why the limit is what it is, in words.' }),
});
export type HostConcurrency = Static<typeof HostConcurrencySchema>;

export const MailMigrationStatusSchema = Type.Object({
  phase: Type.Optional(
    Type.Union(
      MIGRATION_PHASES.map((p) => Type.Literal(p)),
      {
        description: 'Pending, Running (a pass runs), Waiting (for the schedule or finalPass), Completed or Suspended.',
      },
    ),
  ),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(
    Type.Array(ConditionSchema, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      maxItems: 16,
    }),
  ),
  accounts: Type.Optional(
    Type.Object(
      {
        total: count('Valid accounts (children).'),
        invalid: count('Rows or accounts that could not be used (see invalidAccounts).'),
        succeeded: count('Succeeded in the current pass.'),
        failed: count('Failed in the current pass.'),
        running: count('Running in the current pass.'),
        queued: count('Not started yet in the current pass.'),
        display: Type.String({ maxLength: 64, description: 'Succeeded / total, e.g. "12/50" (printer column).' }),
      },
      { description: 'Accounts of the current (or last) pass.' },
    ),
  ),
  pass: Type.Optional({ ...PassStatusSchema, description: 'The current (or last) pass.' }),
  passes: Type.Optional(
    Type.Array(PassStatusSchema, { maxItems: PASS_HISTORY, description: 'The last passes, oldest first.' }),
  ),
  lastRequestedAt: Type.Optional(
    Type.String({
      maxLength: 256,
      description:
        "The value of the migration's mailsync.io/requested-at annotation (run now) that the last pass answered.",
    }),
  ),
  nextPassTime: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the next scheduled delta pass starts.' }),
  ),
  failureReasons: Type.Optional(
    Type.Array(FailureReasonSchema, {
      maxItems: MAX_FAILURE_REASONS,
      description: 'Reasons of the failed accounts of the current pass, most frequent first.',
    }),
  ),
  concurrency: Type.Optional(
    Type.Object(
      {
        hosts: Type.Array(HostConcurrencySchema, { maxItems: MAX_AUTO_HOSTS }),
        display: Type.String({
          maxLength: 1024,
          description: 'The limits, e.g. "src 10.0.0.5=4, dst mx.example=6" (printer column).',
        }),
      },
      { description: 'The running-sync limits spec.concurrency.auto chose, per host.' },
    ),
  ),
  invalidAccounts: Type.Optional(
    Type.Array(InvalidAccountSchema, {
      maxItems: MAX_INVALID_ACCOUNTS,
      description: `The first ${MAX_INVALID_ACCOUNTS} unusable rows or accounts, with their line.`,
    }),
  ),
});
export type MailMigrationStatus = Static<typeof MailMigrationStatusSchema>;
