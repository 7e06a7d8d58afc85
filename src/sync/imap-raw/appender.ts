/**
 * The destination's APPEND fast path. One Appender = one authenticated
 * connection. appendBatch() sends a batch as one MULTIAPPEND (RFC 3502) with
 * LITERAL+ literals when the server offers both, else as pipelined single
 * APPENDs; synchronizing literals only where the server requires them.
 * A refused MULTIAPPEND (atomic: nothing stored) is retried one message per
 * command, so one bad message costs only itself.
 *
 * Abort: see append-writer.ts. appendBatch() resolves even when aborted; the
 * messages not stored have `{ ok: false, reason: 'Aborted' }`.
 */
import { ConnectError } from '../errors.js';
import { encodeMailboxUtf7 } from '../folders/mutf7.js';
import type { ResolvedEndpoint } from '../types.js';
import {
  type AppendFailureReason,
  type AppendResult,
  appendedUids,
  failure,
  failureFromAnswer,
} from './append-results.js';
import { type AppendMessage, type CommandOutcome, type WriterStats, writeAppendCommands } from './append-writer.js';
import type { ServerFeatures } from './capabilities.js';
import { RawImapConnection, type RawLogger } from './connection.js';
import { appendableFlags, quoteString } from './imap-syntax.js';

export { splitBatches } from './split-batches.js';
export type { AppendFailureReason, AppendMessage, AppendResult, WriterStats };

export interface AppenderOptions {
  logger: RawLogger;
  /** Use COMPRESS=DEFLATE when the server offers it. */
  compress?: boolean;
  /** Use MULTIAPPEND when offered (default true). */
  multiappend?: boolean;
  /** 'synchronizing' forces a `+` round trip before every literal (default 'auto': LITERAL+/LITERAL- when offered). */
  literals?: 'auto' | 'synchronizing';
  /** Awaited before each chunk (up to 64 KB) of message bytes: plug maxBytesPerSecond here. */
  throttle?: (bytes: number) => Promise<void>;
  /** On abort, a literal with at most this many bytes left is finished instead of cutting the connection (default 2 MiB). */
  finishOnAbortBytes?: number;
  /** On abort, how long to wait for answers to commands already sent before cutting (default 10 s). */
  abortGraceMs?: number;
}

export class Appender {
  /** Which protocol paths were used so far. */
  readonly stats: WriterStats = {
    commands: 0,
    messages: 0,
    bytes: 0,
    synchronizingLiterals: 0,
    nonSynchronizingLiterals: 0,
  };
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly connection: RawImapConnection,
    private readonly options: AppenderOptions,
  ) {}

  static async open(resolved: ResolvedEndpoint, options: AppenderOptions): Promise<Appender> {
    const connection = await RawImapConnection.open(resolved, { logger: options.logger, compress: options.compress });
    return new Appender(connection, options);
  }

  /** An Appender on a connection opened by the caller (shared with a FolderReader; close() logs it out). */
  static attach(connection: RawImapConnection, options: AppenderOptions): Appender {
    return new Appender(connection, options);
  }

  get features(): ServerFeatures {
    return this.connection.features;
  }

  get compressed(): boolean {
    return this.connection.compressed;
  }

  /** False once the connection is gone (cut by an abort, dropped by the server): open a new Appender. */
  get usable(): boolean {
    return !this.connection.isClosed;
  }

  /**
   * Append `messages` to `mailbox` (UTF-8 name, full path with the server's
   * delimiter). Resolves with one result per message, in order. Rejects with
   * ConnectError when the connection fails (not by abort): messages of that
   * batch may or may not be stored (each whole), so the caller re-plans.
   * Calls are serialized.
   */
  appendBatch(mailbox: string, messages: readonly AppendMessage[], signal?: AbortSignal): Promise<AppendResult[]> {
    const run = this.queue.then(() => this.appendNow(mailbox, messages, signal));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Finish pending work, LOGOUT and close. Never throws. */
  async close(): Promise<void> {
    await this.queue;
    await this.connection.logout();
  }

  private async appendNow(
    mailbox: string,
    messages: readonly AppendMessage[],
    signal: AbortSignal | undefined,
  ): Promise<AppendResult[]> {
    const results: (AppendResult | undefined)[] = messages.map(() => undefined);
    const limit = this.features.appendLimit;
    const sendable: number[] = [];
    messages.forEach((message, index) => {
      if (limit !== undefined && message.raw.length > limit) {
        results[index] = failure('TooBig', `${message.raw.length} bytes exceeds the server's APPENDLIMIT of ${limit}`);
      } else {
        sendable.push(index);
      }
    });
    this.warnDroppedFlags(messages);
    if (sendable.length > 0) {
      if (this.connection.isClosed && !signal?.aborted) {
        throw new ConnectError(`connection to ${this.connection.where} is closed`, {
          side: this.connection.endpoint.side,
        });
      }
      const mailboxArgument = quoteString(encodeMailboxUtf7(mailbox));
      const multi = this.options.multiappend !== false && this.features.multiappend && sendable.length > 1;
      const groups = multi ? [sendable] : sendable.map((index) => [index]);
      const outcomes = await this.send(mailboxArgument, groups, messages, signal);
      for (const [position, group] of groups.entries()) {
        const outcome = outcomes[position]!;
        if (multi && this.shouldIsolate(outcome, group.length, signal)) {
          this.options.logger.debug({ mailbox, messages: group.length }, 'MULTIAPPEND refused; appending one by one');
          const singles = group.map((index) => [index]);
          const singleOutcomes = await this.send(mailboxArgument, singles, messages, signal);
          for (const [i, single] of singles.entries()) this.record(results, single, singleOutcomes[i]!);
        } else {
          this.record(results, group, outcome);
        }
      }
    }
    return results.map((result) => result ?? failure('Aborted', 'not sent: the run was aborted'));
  }

  private send(
    mailboxArgument: string,
    groups: number[][],
    messages: readonly AppendMessage[],
    signal: AbortSignal | undefined,
  ): Promise<CommandOutcome[]> {
    const commands = groups.map((group) => group.map((index) => messages[index]!));
    return writeAppendCommands(
      this.connection,
      mailboxArgument,
      commands,
      signal,
      {
        synchronizingLiteralsOnly: this.options.literals === 'synchronizing',
        throttle: this.options.throttle,
        finishOnAbortBytes: this.options.finishOnAbortBytes ?? 2 * 1024 * 1024,
        abortGraceMs: this.options.abortGraceMs ?? 10_000,
      },
      this.stats,
    );
  }

  /** A refused MULTIAPPEND stored nothing; retry per message unless the refusal concerns the mailbox itself. */
  private shouldIsolate(outcome: CommandOutcome, size: number, signal: AbortSignal | undefined): boolean {
    if (outcome.kind !== 'answered' || outcome.result.status === 'OK') return false;
    if (outcome.result.code?.name === 'TRYCREATE') return false;
    return size > 1 && !signal?.aborted;
  }

  private record(results: (AppendResult | undefined)[], group: number[], outcome: CommandOutcome): void {
    switch (outcome.kind) {
      case 'notSent':
        return; // reported as Aborted
      case 'cut':
        for (const index of group) {
          results[index] = outcome.fullyWritten
            ? failure('Indeterminate', 'connection cut after the abort before the server answered: whole or absent')
            : failure('Aborted', 'connection cut mid-literal on abort: the server discards the incomplete APPEND');
        }
        return;
      case 'answered': {
        if (outcome.result.status !== 'OK') {
          const refused = failureFromAnswer(outcome.result);
          for (const index of group) results[index] = refused;
          return;
        }
        const uids = appendedUids(outcome.result, outcome.sent);
        group.forEach((index, i) => {
          if (i < outcome.sent) results[index] = { ok: true, uid: uids[i] };
        });
        return;
      }
    }
  }

  private warnDroppedFlags(messages: readonly AppendMessage[]): void {
    const dropped = new Set<string>();
    for (const message of messages) for (const flag of appendableFlags(message.flags).dropped) dropped.add(flag);
    if (dropped.size > 0) {
      this.options.logger.warn({ flags: [...dropped] }, 'flags that APPEND cannot carry were left out');
    }
  }
}
