/**
 * What commands need from a raw IMAP connection, as interfaces that
 * `RawImapConnection` implements:
 * - CommandChannel: tags, tagged answers, continuation requests and writes,
 *   for the login step (`authenticate.ts`), which so does not import the
 *   connection (no import cycle);
 * - CommandRunner: one command line and its untagged responses, for the
 *   commands after login (`store.ts`, `search.ts`, `expunge.ts`), so they
 *   can also be tested against a scripted server.
 */
import type { ResolvedEndpoint } from '../types.js';
import type { LiteralTarget, Response, ResponseCode, Status } from './response-parser.js';

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

/**
 * Untagged responses for the command in flight (FETCH data, SELECT codes...):
 * `literal` decides where a literal's bytes go (see ResponseReader).
 */
export interface UntaggedListener {
  response: (response: Response) => void;
  literal?: LiteralTarget;
  /** Untagged responses this command may cause (a listing of n messages: about n); the connection's default otherwise. */
  maxResponses?: number;
}

export interface CommandRunner {
  readonly endpoint: ResolvedEndpoint;
  /** CAPABILITY atoms, upper-cased. */
  readonly capabilities: ReadonlySet<string>;
  /** `host:port (side)`, for messages. */
  readonly where: string;
  readonly isClosed: boolean;
  /** Send a command without literals and wait for its tagged response. */
  command(line: string): Promise<TaggedResult>;
  /** Receive the untagged responses until `listen(undefined)` (one listener at a time). */
  listen(listener: UntaggedListener | undefined): void;
  /** Server text with the secret replaced. */
  scrub(text: string): string;
}
