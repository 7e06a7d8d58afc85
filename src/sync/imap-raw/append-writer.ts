/**
 * Writes a sequence of APPEND commands on one connection, pipelined, each
 * command carrying one message or several (MULTIAPPEND), and collects the
 * server's answers.
 *
 * Abort semantics (what makes "nothing half-written" true):
 * - no new command starts after the signal fired;
 * - inside a MULTIAPPEND, no new message starts: the command is ended after
 *   the last complete literal, so the server commits exactly those messages,
 *   each whole;
 * - a literal in flight is finished when at most `finishOnAbortBytes` remain,
 *   otherwise the connection is cut: the server never completes an APPEND
 *   whose literal is incomplete, so nothing of that command is stored
 *   (a MULTIAPPEND is atomic: none of its messages);
 * - answers to commands already sent are awaited for `abortGraceMs` at most,
 *   then the connection is cut and those commands are reported as
 *   indeterminate (whole or absent, never partial).
 */
import type { TaggedResult } from './command-channel.js';
import type { RawImapConnection } from './connection.js';
import { appendableFlags, formatInternalDate } from './imap-syntax.js';

export interface AppendMessage {
  /** The message exactly as stored on the source (CRLF line ends); sent byte for byte. */
  raw: Buffer;
  /** Flags and keywords; `\Recent` and anything that is not an atom are left out. */
  flags: string[];
  internalDate: Date;
}

export type CommandOutcome =
  /** The server answered; `sent` messages of the command were on the wire (fewer than all after an abort). */
  | { kind: 'answered'; result: TaggedResult; sent: number }
  /** Never started (aborted before). */
  | { kind: 'notSent' }
  /** The connection was cut while this command was in flight. */
  | { kind: 'cut'; fullyWritten: boolean };

export interface WriterSettings {
  /** Always wait for `+` before a literal (no LITERAL+/LITERAL-), e.g. to measure or to work around a server. */
  synchronizingLiteralsOnly: boolean;
  /** Called before each chunk of literal bytes (bandwidth throttling); the command timeout is paused meanwhile. */
  throttle?: (bytes: number) => Promise<void>;
  finishOnAbortBytes: number;
  abortGraceMs: number;
}

/** Counters that show which protocol path was taken (tests and logs). */
export interface WriterStats {
  commands: number;
  messages: number;
  bytes: number;
  /** Literals that waited for `+` (a round trip each). */
  synchronizingLiterals: number;
  nonSynchronizingLiterals: number;
}

const CHUNK_BYTES = 64 * 1024;

export async function writeAppendCommands(
  connection: RawImapConnection,
  mailboxArgument: string,
  commands: readonly (readonly AppendMessage[])[],
  signal: AbortSignal | undefined,
  settings: WriterSettings,
  stats: WriterStats,
): Promise<CommandOutcome[]> {
  const outcomes: (CommandOutcome | undefined)[] = commands.map(() => undefined);
  const answers: { index: number; sent: number; answer: Promise<TaggedResult> }[] = [];
  let cut = false;
  let current = -1;
  const cutConnection = (why: string) => {
    if (cut) return;
    cut = true;
    connection.destroy(why);
  };

  // After an abort, whatever is still pending gets abortGraceMs, then the connection is cut.
  let graceTimer: NodeJS.Timeout | undefined;
  const startGrace = () => {
    graceTimer ??= setTimeout(() => cutConnection('abort grace period over'), settings.abortGraceMs);
  };
  signal?.addEventListener('abort', startGrace, { once: true });
  if (signal?.aborted) startGrace();
  const cleanup = () => {
    clearTimeout(graceTimer);
    signal?.removeEventListener('abort', startGrace);
  };

  try {
    for (let index = 0; index < commands.length; index++) {
      if (signal?.aborted) break;
      current = index;
      const messages = commands[index]!;
      const tag = connection.nextTag();
      const answer = connection.expectTagged(tag);
      answer.catch(() => {});
      stats.commands += 1;
      // Text not written yet: it goes out with the next literal's first bytes (one TLS record, not three).
      let pending = `${tag} APPEND ${mailboxArgument}`;
      let sent = 0;
      let refused: TaggedResult | undefined;
      for (const message of messages) {
        // Ending the command here commits the messages already sent, each whole.
        if (sent > 0 && signal?.aborted) break;
        pending += messagePrefix(message);
        const size = message.raw.length;
        const nonSync = !settings.synchronizingLiteralsOnly && connection.mayUseNonSyncLiteral(size);
        if (nonSync) {
          stats.nonSynchronizingLiterals += 1;
          pending += `{${size}+}\r\n`;
        } else {
          stats.synchronizingLiterals += 1;
          await connection.write(pending);
          pending = '';
          refused = await connection.beginLiteral(tag, size, false);
          if (refused) break;
        }
        const complete = await writeLiteral(connection, message.raw, signal, settings, pending);
        pending = '';
        if (!complete) {
          outcomes[index] = { kind: 'cut', fullyWritten: false };
          cutConnection('aborted with a large literal in flight');
          return finish();
        }
        sent += 1;
        stats.messages += 1;
        stats.bytes += size;
      }
      if (refused) {
        // The server refused the command at a literal prefix: the command is over.
        outcomes[index] = { kind: 'answered', result: refused, sent };
        continue;
      }
      await connection.write(`${pending}\r\n`);
      connection.flush();
      answers.push({ index, sent, answer });
      current = -1;
    }
  } catch (error) {
    if (!cut) {
      cleanup();
      throw error;
    }
    if (current >= 0 && outcomes[current] === undefined) outcomes[current] = { kind: 'cut', fullyWritten: false };
  }
  return finish();

  async function finish(): Promise<CommandOutcome[]> {
    try {
      for (const { index, sent, answer } of answers) {
        try {
          outcomes[index] = { kind: 'answered', result: await answer, sent };
        } catch (error) {
          if (!cut) throw error;
          outcomes[index] = { kind: 'cut', fullyWritten: true };
        }
      }
    } finally {
      cleanup();
    }
    return outcomes.map((outcome) => outcome ?? { kind: 'notSent' });
  }
}

/** ` (\Seen $Label1) "01-Jan-2024 10:00:00 +0000" ` before the literal. */
function messagePrefix(message: AppendMessage): string {
  const { flags } = appendableFlags(message.flags);
  const flagList = flags.length > 0 ? `(${flags.join(' ')}) ` : '';
  return ` ${flagList}"${formatInternalDate(message.internalDate)}" `;
}

/**
 * Write the literal bytes unchanged, in chunks (backpressure, throttling,
 * abort checks), `head` (command text before the literal) with the first
 * chunk. Returns false when the abort asks to cut instead of finishing.
 */
async function writeLiteral(
  connection: RawImapConnection,
  raw: Buffer,
  signal: AbortSignal | undefined,
  settings: WriterSettings,
  head = '',
): Promise<boolean> {
  let offset = 0;
  let throttled = false;
  if (raw.length === 0 && head) await connection.write(head);
  while (offset < raw.length) {
    const end = Math.min(offset + CHUNK_BYTES, raw.length);
    if (signal?.aborted) {
      if (raw.length - offset > settings.finishOnAbortBytes) return false;
    } else if (settings.throttle && !throttled) {
      const throttle = settings.throttle;
      await connection.withoutTimeout(() => untilAborted(throttle(end - offset), signal));
      throttled = true;
      continue; // re-check the signal before writing
    }
    if (offset === 0 && head) await connection.writeAll([head, raw.subarray(offset, end)]);
    else await connection.write(raw.subarray(offset, end));
    offset = end;
    throttled = false;
  }
  return true;
}

/** Wait for `work`, or less if the signal fires (a throttle must not hold up an abort). */
async function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work, aborted]);
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
