/**
 * What a command needs from a raw IMAP connection: tags, tagged answers,
 * continuation requests and writes. `RawImapConnection` implements it; the
 * login step (`authenticate.ts`) depends on this interface only, so the
 * connection can run the login without the two files importing each other.
 */
import type { ResolvedEndpoint } from '../types.js';
import type { ResponseCode, Status } from './response-parser.js';

export interface TaggedResult {
  status: Status;
  code?: ResponseCode;
  text: string;
}

/** What came back while waiting for `+`: the go-ahead, or the command's final answer (the server refused it early). */
export type ContinuationOutcome = { kind: 'continue'; text: string } | { kind: 'done'; result: TaggedResult };

export interface CommandChannel {
  readonly endpoint: ResolvedEndpoint;
  /** CAPABILITY atoms, upper-cased. */
  readonly capabilities: ReadonlySet<string>;
  /** `host:port (side)`, for messages. */
  readonly where: string;
  readonly encrypted: boolean;
  nextTag(): string;
  /** Register interest in the tagged response of `tag` (register before writing the command). */
  expectTagged(tag: string): Promise<TaggedResult>;
  /** Wait for `+` after a synchronizing literal prefix or an AUTHENTICATE step of command `tag`. */
  waitContinuation(tag: string): Promise<ContinuationOutcome>;
  write(data: Buffer | string): Promise<void>;
  /** End of a command line or literal prefix: push compressed bytes out. */
  flush(): void;
  /** Write `{n}` / `{n+}`; the tagged result when the server refused the command before taking the literal. */
  beginLiteral(tag: string, size: number, nonSynchronizing: boolean): Promise<TaggedResult | undefined>;
  mayUseNonSyncLiteral(size: number): boolean;
  /** Server text with the secret replaced, before it goes into an error or a log line. */
  scrub(text: string): string;
}
