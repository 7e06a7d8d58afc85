/**
 * The status of a MailMigration from one reconcile's findings (pure): the
 * pass decision, the unusable accounts and why the accounts could not be read.
 */
import { MAX_INVALID_ACCOUNTS, MigrationCondition } from '../../api/migration.js';
import type { InvalidAccount, MailMigrationStatus } from '../../api/migration-status.js';
import type { Condition } from '../../api/status.js';
import { setCondition } from '../../kube/conditions.js';
import type { PassDecision } from './pass-machine.js';

export interface StatusInput {
  previous: MailMigrationStatus | undefined;
  generation: number;
  now: Date;
  decision: PassDecision;
  /** Valid accounts. */
  total: number;
  invalid: readonly InvalidAccount[];
  /** The accounts could not be read at all (missing Secret, key...). */
  unreadable?: { reason: string; message: string };
  /** spec.schedule or spec.timeZone cannot be used. */
  scheduleError?: string;
  /** The limits concurrency: auto chose (absent: auto is off). */
  concurrency?: MailMigrationStatus['concurrency'];
}

/** "line 3: ..., line 7: ..." for a condition message (the first few; status.invalidAccounts lists more). */
function describeInvalid(invalid: readonly InvalidAccount[]): string {
  const shown = invalid.slice(0, 5).map((i) => (i.line === undefined ? i.message : `line ${i.line}: ${i.message}`));
  const more = invalid.length > shown.length ? `; and ${invalid.length - shown.length} more` : '';
  return `${invalid.length} account(s) cannot be used (no child is deleted until all are valid): ${shown.join('; ')}${more}`;
}

export function buildStatus(input: StatusInput): MailMigrationStatus {
  const { decision, now } = input;
  const at = now.toISOString();
  // The schema's Static type widens the literal unions; the values are conditions.
  let conditions = (input.previous?.conditions ?? []) as Condition[];
  const accountsCondition = input.unreadable
    ? { status: 'False' as const, reason: input.unreadable.reason, message: input.unreadable.message }
    : input.scheduleError
      ? { status: 'False' as const, reason: 'InvalidSchedule', message: input.scheduleError }
      : input.invalid.length > 0
        ? { status: 'False' as const, reason: 'InvalidAccounts', message: describeInvalid(input.invalid) }
        : { status: 'True' as const, reason: 'AccountsRead', message: `${input.total} account(s)` };
  conditions = setCondition(
    conditions,
    { type: MigrationCondition.AccountsValid, ...accountsCondition },
    input.generation,
    at,
  );
  conditions = setCondition(
    conditions,
    decision.phase === 'Completed'
      ? {
          type: MigrationCondition.Completed,
          status: 'True',
          reason: 'FinalPassEnded',
          message: 'the final pass ended',
        }
      : {
          type: MigrationCondition.Completed,
          status: 'False',
          reason: decision.phase,
          message: decision.current ? `pass ${decision.current.id}` : 'no pass yet',
        },
    input.generation,
    at,
  );
  const current = decision.current;
  const counts = decision.accounts;
  const status: MailMigrationStatus = {
    phase: decision.phase,
    observedGeneration: input.generation,
    conditions,
    accounts: {
      total: input.total,
      invalid: input.invalid.length,
      succeeded: counts.succeeded,
      failed: counts.failed,
      running: counts.running,
      queued: counts.queued,
      display: `${counts.succeeded}/${input.total}`,
    },
  };
  if (current) status.pass = current;
  if (decision.passes.length > 0) status.passes = decision.passes;
  if (decision.nextPassTime) status.nextPassTime = decision.nextPassTime.toISOString();
  if (decision.lastRequestedAt !== undefined) status.lastRequestedAt = decision.lastRequestedAt;
  if (decision.failureReasons.length > 0) status.failureReasons = decision.failureReasons;
  if (input.concurrency) status.concurrency = input.concurrency;
  if (input.invalid.length > 0) status.invalidAccounts = input.invalid.slice(0, MAX_INVALID_ACCOUNTS);
  return status;
}
