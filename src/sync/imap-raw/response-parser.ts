/**
 * A small IMAP response parser: enough for greetings, tagged and untagged
 * status responses, CAPABILITY, continuation requests and response codes.
 * It frames server literals (`{n}` CRLF + n bytes) so that a response that
 * carries one never desynchronises the stream, but keeps only their size.
 *
 * Bounds (limits.ts): a line longer than `maxLineBytes` (ended or not, bare
 * LFs or not) and a literal announced above `maxLiteralBytes` throw
 * LimitExceeded before anything is allocated for them.
 */
import { DEFAULT_LIMITS, LimitExceeded, type ProtocolLimits } from './limits.js';

export type Status = 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';

/** `[ATOM args]` after a status word. `name` is upper-cased. */
export interface ResponseCode {
  name: string;
  args: string;
}

export type Response =
  | { kind: 'continuation'; text: string }
  | { kind: 'tagged'; tag: string; status: Status; code?: ResponseCode; text: string }
  | { kind: 'untagged'; status: Status; code?: ResponseCode; text: string }
  /**
   * Untagged data such as `* CAPABILITY ...`, `* 3 EXISTS`; `name` upper-cased.
   * `literals`: the captured literals (see ResponseReader), undefined where skipped.
   */
  | { kind: 'data'; name: string; number?: number; text: string; literals?: (Buffer | undefined)[] };

const STATUSES = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);

/** Parse one response line (without CRLF; literal contents already removed). */
export function parseResponseLine(line: string): Response {
  if (line.startsWith('+')) return { kind: 'continuation', text: line.slice(line.startsWith('+ ') ? 2 : 1) };
  const space = line.indexOf(' ');
  const tag = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? '' : line.slice(space + 1);
  if (tag === '*') {
    const [word = '', afterWord = ''] = splitWord(rest);
    const upper = word.toUpperCase();
    if (STATUSES.has(upper)) return { kind: 'untagged', status: upper as Status, ...parseStatusText(afterWord) };
    if (/^\d+$/.test(word)) {
      const [name = '', text = ''] = splitWord(afterWord);
      return { kind: 'data', name: name.toUpperCase(), number: Number(word), text };
    }
    return { kind: 'data', name: upper, text: afterWord };
  }
  const [word = '', afterWord = ''] = splitWord(rest);
  const upper = word.toUpperCase();
  if (tag === '' || !STATUSES.has(upper)) throw new UnparsableResponse(line);
  return { kind: 'tagged', tag, status: upper as Status, ...parseStatusText(afterWord) };
}

/** `[CODE args] human text` or just `human text`. */
export function parseStatusText(text: string): { code?: ResponseCode; text: string } {
  if (!text.startsWith('[')) return { text };
  const end = text.indexOf(']');
  if (end < 0) return { text };
  const inner = text.slice(1, end);
  const [name = '', args = ''] = splitWord(inner);
  return { code: { name: name.toUpperCase(), args }, text: text.slice(end + 1).trimStart() };
}

function splitWord(text: string): [string, string] {
  const space = text.indexOf(' ');
  return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1)];
}

/** A line that is no IMAP response (an SSH or SMTP banner...): `line` is raw server text, never print it unescaped. */
export class UnparsableResponse extends SyntaxError {
  constructor(readonly line: string) {
    super('unparsable IMAP response');
    this.name = 'UnparsableResponse';
  }
}

const LITERAL_AT_END = /\{(\d+)\+?\}$/;

/**
 * Where the bytes of a server literal go: a buffer of exactly the literal's
 * size, or undefined to skip them. `prefix` is the response text before the
 * literal (e.g. `* 12 FETCH (UID 345 BODY[] `), literals before it already
 * replaced by `{literal}`.
 */
export type LiteralTarget = (prefix: string, size: number) => Buffer | undefined;

/**
 * Turns the byte stream from the server into responses. Feed it with push();
 * it calls `onResponse` for each complete response, in order. A pushed chunk
 * is not kept after push() returns (the caller may reuse it).
 *
 * Literals of untagged data are skipped unless `literalTarget` gives a buffer
 * for them; captured literals are copied straight from the incoming chunks
 * into that buffer (one copy, whatever the size) and handed over with the
 * response in `literals`, in the order of the `{literal}` placeholders of its
 * text.
 */
export class ResponseReader {
  /** The start of a line that the previous chunks did not complete. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The response being assembled across literals: its text so far. */
  private pendingText = '';
  private pendingLiterals: (Buffer | undefined)[] = [];
  /** The literal being received: its target (undefined: skipped), bytes still to come, where they go. */
  private literalTarget?: Buffer;
  private literalLeft = 0;
  private literalOffset = 0;

  literalTargetFor?: LiteralTarget;

  constructor(
    private readonly onResponse: (response: Response) => void,
    private readonly limits: Pick<ProtocolLimits, 'maxLineBytes' | 'maxLiteralBytes'> = DEFAULT_LIMITS,
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, chunk.length - offset);
        if (this.literalTarget) chunk.copy(this.literalTarget, this.literalOffset, offset, offset + take);
        this.literalOffset += take;
        this.literalLeft -= take;
        offset += take;
        if (this.literalLeft > 0) return;
        this.pendingLiterals.push(this.literalTarget);
        this.literalTarget = undefined;
        continue;
      }
      offset = this.takeLine(chunk, offset);
    }
  }

  /**
   * Find the end of the line that starts at `start` (CRLF: a bare LF is part of the line) and complete it;
   * keep the rest when the chunk ends first. Linear in the bytes, whatever their mix of LFs: the chunk is
   * scanned once and the line copied once. Returns where the next line (or literal) starts.
   */
  private takeLine(chunk: Buffer, start: number): number {
    let from = start;
    for (;;) {
      const lf = chunk.indexOf(0x0a, from);
      const end = lf < 0 ? chunk.length : lf + 1;
      this.checkLineLength(this.partialBytes + (end - start));
      if (lf < 0) {
        // A copy: the caller may reuse `chunk` for its next read.
        this.partial.push(Buffer.from(chunk.subarray(start)));
        this.partialBytes += chunk.length - start;
        return chunk.length;
      }
      const before = lf > start ? chunk[lf - 1] : this.partial.at(-1)?.at(-1);
      if (before !== 0x0d) {
        from = lf + 1;
        if (from < chunk.length) continue;
        this.partial.push(Buffer.from(chunk.subarray(start)));
        this.partialBytes += chunk.length - start;
        return chunk.length;
      }
      let lineBytes = chunk.subarray(start, end);
      if (this.partial.length > 0) {
        this.partial.push(lineBytes);
        lineBytes = Buffer.concat(this.partial);
        this.partial = [];
        this.partialBytes = 0;
      }
      // latin1 keeps 8-bit bytes 1:1; response text we act on is ASCII.
      this.completeLine(this.pendingText + lineBytes.toString('latin1', 0, lineBytes.length - 2));
      return end;
    }
  }

  private checkLineLength(bytes: number): void {
    if (bytes + this.pendingText.length > this.limits.maxLineBytes) {
      throw new LimitExceeded(`a response line longer than ${this.limits.maxLineBytes} bytes`);
    }
  }

  private completeLine(line: string): void {
    // Only untagged data carries literals (FETCH, LIST...); status text never does.
    const literal = line.startsWith('* ') ? LITERAL_AT_END.exec(line) : null;
    if (literal) {
      const size = Number(literal[1]);
      if (!(size <= this.limits.maxLiteralBytes)) {
        throw new LimitExceeded(`a literal of ${literal[1]} bytes (at most ${this.limits.maxLiteralBytes} are taken)`);
      }
      const prefix = line.slice(0, literal.index);
      this.pendingText = `${prefix}{literal} `;
      this.checkLineLength(0);
      const target = this.literalTargetFor?.(prefix, size);
      if (target && target.length !== size) throw new RangeError('literal target of the wrong size');
      this.literalTarget = target;
      this.literalLeft = size;
      this.literalOffset = 0;
      if (size === 0) {
        this.pendingLiterals.push(target);
        this.literalTarget = undefined;
      }
      return;
    }
    const literals = this.pendingLiterals;
    this.pendingText = '';
    this.pendingLiterals = [];
    const response = parseResponseLine(line);
    if (literals.length > 0 && response.kind === 'data') response.literals = literals;
    this.onResponse(response);
  }
}

/** CAPABILITY atoms, upper-cased, from `* CAPABILITY ...` text or a `[CAPABILITY ...]` code. */
export function parseCapabilities(text: string): Set<string> {
  return new Set(
    text
      .split(' ')
      .filter((atom) => atom.length > 0)
      .map((atom) => atom.toUpperCase()),
  );
}
