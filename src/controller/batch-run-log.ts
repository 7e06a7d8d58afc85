/**
 * The log of a batch worker pod (worker/batch.ts, docs/worker.md "Several
 * accounts in one process"): one pod, many accounts, so one RunLog per
 * account, each with its own tail, progress, summary and resume position.
 * Every line an account writes names it (`"account": "<id>"`); the batch's
 * own lines name none and belong to no account, except a summary without an
 * account: the batch could not read its account list, and that one summary
 * is the outcome of every member. Pure: fed line by line by the log follower.
 *
 * Resuming: each member's RunLog skips its own lines up to its own position
 * (it only ever sees its own lines, so its count of lines at one timestamp
 * holds), so the log is requested from the earliest position of all members.
 */
import { parseWorkerLine, splitTimestamp, timestampNanos } from './log-lines.js';
import { RunLog, type RunLogInit } from './run-log.js';

export interface BatchMember {
  id: string;
  resume?: RunLogInit;
}

export class BatchRunLog {
  readonly #members = new Map<string, RunLog>();
  readonly #changed = new Set<string>();

  constructor(members: ReadonlyArray<BatchMember>) {
    // Without members the log would never begin a pod nor be done: the follower would spin.
    if (members.length === 0) throw new Error('a batch has at least one account');
    for (const { id, resume } of members) this.#members.set(id, new RunLog(resume));
  }

  get accounts(): number {
    return this.#members.size;
  }

  get ids(): string[] {
    return [...this.#members.keys()];
  }

  member(id: string): RunLog | undefined {
    return this.#members.get(id);
  }

  /** Every member begins the same pod (beginPod), so any member's pod is the batch's. */
  get pod(): string | undefined {
    return this.#members.values().next().value?.pod;
  }

  get done(): boolean {
    return [...this.#members.values()].every((log) => log.done);
  }

  /** Begin `pod` for every member; the sinceTime is the earliest of theirs (undefined: one needs all of it). */
  beginPod(pod: string): string | undefined {
    let earliest: { sinceTime: string; nanos: bigint } | undefined;
    let fromStart = false;
    for (const log of this.#members.values()) {
      const sinceTime = log.beginPod(pod);
      // Every member must begin (each prepares its own skipping), so no early return.
      const nanos = sinceTime === undefined ? undefined : timestampNanos(sinceTime);
      if (sinceTime === undefined || nanos === undefined) fromStart = true;
      else if (!earliest || nanos < earliest.nanos) earliest = { sinceTime, nanos };
    }
    return fromStart ? undefined : earliest?.sinceTime;
  }

  /** Apply one raw log line to the member it names. Returns whether anything changed. */
  apply(rawLine: string): boolean {
    const line = splitTimestamp(rawLine);
    if (!line) return false;
    const parsed = parseWorkerLine(line.text);
    if (parsed.kind === 'raw') return false;
    const account = parsed.record.account;
    if (typeof account === 'string') {
      const log = this.#members.get(account);
      return log ? this.#applyTo(account, log, rawLine) : false;
    }
    // Only a line without any account is the batch's own (an `account` that is no id names no member).
    if (account !== undefined || parsed.kind !== 'event' || parsed.event.event !== 'summary') return false;
    let changed = false;
    for (const [id, log] of this.#members) changed = this.#applyTo(id, log, rawLine) || changed;
    return changed;
  }

  #applyTo(id: string, log: RunLog, rawLine: string): boolean {
    if (!log.apply(rawLine)) return false;
    this.#changed.add(id);
    return true;
  }

  hasLinesOf(pod: string): boolean {
    return [...this.#members.values()].some((log) => log.hasLinesOf(pod));
  }

  markDone(): void {
    for (const [id, log] of this.#members) {
      log.markDone();
      this.#changed.add(id);
    }
  }

  note(text: string): void {
    for (const [id, log] of this.#members) {
      log.note(text);
      this.#changed.add(id);
    }
  }

  /** The members whose RunLog changed since the last call (each one's status is written). */
  takeChanged(): string[] {
    const ids = [...this.#changed];
    this.#changed.clear();
    return ids;
  }
}
