/**
 * Bounds against a hostile (or broken) IMAP server. Whatever a server sends,
 * the client's memory and time stay bounded: a response that breaks one of
 * these ends the connection with ServerMisbehavedError (reason
 * ServerMisbehaved), quoting the server only as a short escaped excerpt.
 * docs/security.md ("A hostile IMAP server") lists them for users.
 */

export interface ProtocolLimits {
  /** One response line (without its literals), CRLF or not yet: a line that never ends is cut here. */
  maxLineBytes: number;
  /** Any literal the server announces, kept or skipped (`{999999999999}` fails at once, nothing allocated). */
  maxLiteralBytes: number;
  /** Untagged responses between two tagged ones, unless the command in flight allows more (listings). */
  maxUntaggedPerCommand: number;
  /**
   * A command (or a run of pipelined ones) may take `commandTimeoutMs` plus one second per
   * `minBytesPerSecond` bytes moved: a server trickling a byte every few seconds cannot keep it alive.
   */
  minBytesPerSecond: number;
}

export const DEFAULT_LIMITS: ProtocolLimits = {
  maxLineBytes: 1024 * 1024,
  // Far above any real message (Gmail 25 MB, Exchange 150 MB); a literal's buffer is only ever its announced size.
  maxLiteralBytes: 1024 * 1024 * 1024,
  maxUntaggedPerCommand: 1_000_000,
  minBytesPerSecond: 8 * 1024,
};

/** A mailbox name (quoted or literal) longer than this is not a folder name. */
export const MAX_MAILBOX_NAME_BYTES = 4096;
/** LIST/LSUB responses of one command: a real account has hundreds of folders, a large one thousands. */
export const MAX_LISTED_MAILBOXES = 100_000;
/** The identity header fields of one message in a listing (Message-ID, Received...). */
export const MAX_HEADER_FIELDS_BYTES = 256 * 1024;

/**
 * The bytes of message bodies a batch may bring: twice what RFC822.SIZE announced (some servers count
 * LF line ends, the body comes with CRLF) plus 1 MiB of slack.
 */
export function bodyBytesCap(listedBytes: number): number {
  return 2 * listedBytes + 1024 * 1024;
}

/**
 * Untagged responses a FETCH over `messages` messages may cause: one FETCH each, plus unsolicited ones (flag
 * changes, EXISTS, EXPUNGE of other sessions) with room to spare. A listing keeps what each FETCH brings, so
 * this, not the connection's default, bounds its memory.
 */
export function responsesFor(messages: number): number {
  return 2 * messages + 10_000;
}

/** Thrown inside the parser or a command's listener: the connection turns it into ServerMisbehavedError. */
export class LimitExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitExceeded';
  }
}
