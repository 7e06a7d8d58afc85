/**
 * The passes of a migration, decided from what is observed (pure, level-based):
 * a presync pass over every account first; then a delta pass at each scheduled
 * time (a time reached while a pass runs is skipped, as a CronJob with
 * concurrencyPolicy Forbid); once `finalPass` is set, one more pass over every
 * account after the running one, and the migration is Completed.
 *
 * A pass ends when every account's run for it has finished (succeeded, or
 * failed with no retry pending). While suspended no pass starts or ends (the
 * children's runs are aborted and will run again on resume).
 *
 * Run now: a new value of the migration's mailsync.io/requested-at annotation
 * (a value no pass has answered yet) starts a delta pass at once, or after the
 * running pass (the running pass started before the request, so it does not
 * answer it). The first pass, or a final pass, answers a pending request too.
 */

import { type MigrationPhase, PASS_HISTORY, type PassKind } from '../../api/migration.js';
import type { FailureReason, PassAccounts, PassStatus } from '../../api/migration-status.js';
import { formatDuration } from '../../api/units-text.js';
import type { ChildView } from './child-view.js';
import { countLatest, countPass } from './pass-count.js';
import type { Schedule } from './schedule.js';

export interface PassInput {
  now: Date;
  /** Passes so far (status.passes), oldest first; the last one is the current pass. */
  passes: readonly PassStatus[];
  /** Valid accounts of the migration (its children, created or to be created). */
  accounts: number;
  /** Views of the children of those accounts. */
  children: readonly ChildView[];
  suspend: boolean;
  finalPass: boolean;
  schedule?: Schedule;
  /** The migration's mailsync.io/requested-at annotation (run now). */
  requestedAt?: string;
  /** The request the last pass answered (status.lastRequestedAt). */
  lastRequestedAt?: string;
}

export interface PassDecision {
  phase: MigrationPhase;
  /** History to store, current pass last (at most PASS_HISTORY). */
  passes: PassStatus[];
  current?: PassStatus;
  /** A pass that starts now: every child must get its id in mailsync.io/requested-at. */
  started?: PassStatus;
  /** A pass that ended now (for an Event). */
  ended?: PassStatus;
  nextPassTime?: Date;
  failureReasons: FailureReason[];
  /** The accounts now: those of the running pass, or between passes each by its latest run. */
  accounts: PassAccounts;
  /** The run-now request answered by a pass so far (status.lastRequestedAt). */
  lastRequestedAt?: string;
}

const iso = (d: Date) => d.toISOString();

function passNumber(pass: PassStatus | undefined): number {
  const n = Number(/-(\d+)$/.exec(pass?.id ?? '')?.[1] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function newPass(kind: PassKind, number: number, now: Date, accounts: number): PassStatus {
  return {
    id: `${kind}-${number}`,
    kind,
    startTime: iso(now),
    accounts: { total: accounts, succeeded: 0, failed: 0, running: 0, queued: accounts },
  };
}

/** The pass with fresh counts, rate and ETA; ended now when every account finished (and not suspended). */
function refresh(pass: PassStatus, input: PassInput): { pass: PassStatus; failureReasons: FailureReason[] } {
  const count = countPass(pass.id, input.accounts, input.children);
  const { succeeded, failed, total } = count.accounts;
  const finished = succeeded + failed;
  const done = !input.suspend && finished >= total;
  const elapsed = Math.max(0, (input.now.getTime() - Date.parse(pass.startTime)) / 1000);
  const next: PassStatus = {
    id: pass.id,
    kind: pass.kind,
    startTime: pass.startTime,
    accounts: count.accounts,
    messages: count.messages,
    bytes: count.bytes,
  };
  if (elapsed > 0) {
    next.messagesPerSecond = Math.round((count.messages / elapsed) * 10) / 10;
    next.rate = `${next.messagesPerSecond.toFixed(1)} msg/s`;
  }
  if (done) {
    next.endTime = iso(input.now);
  } else if (finished > 0 && elapsed > 0) {
    // imapsync FAQ.Massive's rule of three, from this pass's own pace.
    next.etaSeconds = Math.round((elapsed * (total - finished)) / finished);
    next.eta = formatDuration(next.etaSeconds);
  }
  return { pass: next, failureReasons: count.failureReasons };
}

export function decidePasses(input: PassInput): PassDecision {
  const passes = [...input.passes];
  let current = passes.at(-1);
  let started: PassStatus | undefined;
  let ended: PassStatus | undefined;
  let failureReasons: FailureReason[] = [];
  let lastRequestedAt = input.lastRequestedAt;
  const requested = input.requestedAt !== undefined && input.requestedAt !== input.lastRequestedAt;

  const start = (kind: PassKind) => {
    // Counted at once: a child that already ran for this id (a restart between two writes) counts.
    const pass = refresh(newPass(kind, passNumber(current) + 1, input.now, input.accounts), input).pass;
    passes.push(pass);
    current = pass;
    started = pass;
    if (requested) lastRequestedAt = input.requestedAt;
  };
  const result = (phase: MigrationPhase, nextPassTime?: Date): PassDecision => {
    let accounts: PassAccounts;
    if (current && !current.endTime) accounts = current.accounts;
    else {
      const latest = countLatest(input.accounts, input.children);
      accounts = latest.accounts;
      failureReasons = latest.failureReasons;
    }
    const out: PassDecision = { phase, passes: passes.slice(-PASS_HISTORY), failureReasons, accounts };
    if (current) out.current = current;
    if (started) out.started = started;
    if (ended) out.ended = ended;
    if (nextPassTime) out.nextPassTime = nextPassTime;
    if (lastRequestedAt !== undefined) out.lastRequestedAt = lastRequestedAt;
    return out;
  };

  if (!current) {
    if (input.suspend) return result('Suspended');
    if (input.accounts === 0) return result('Pending');
    start('presync');
    return result('Running');
  }
  if (!current.endTime) {
    const refreshed = refresh(current, input);
    passes[passes.length - 1] = refreshed.pass;
    current = refreshed.pass;
    failureReasons = refreshed.failureReasons;
    if (!current.endTime) return result(input.suspend ? 'Suspended' : 'Running');
    ended = current;
  }
  if (current.kind === 'final') return result('Completed');
  if (input.suspend) return result('Suspended');
  if (input.finalPass) {
    start('final');
    return result('Running');
  }
  if (requested) {
    start('delta');
    return result('Running');
  }
  if (input.schedule && current.endTime) {
    const next = input.schedule.next(new Date(current.endTime));
    if (next.getTime() <= input.now.getTime()) {
      start('delta');
      return result('Running');
    }
    return result('Waiting', next);
  }
  return result('Waiting');
}
