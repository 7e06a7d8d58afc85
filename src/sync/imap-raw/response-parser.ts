/**
 * A small IMAP response parser: enough for greetings, tagged and untagged
 * status responses, CAPABILITY, continuation requests and response codes.
 * It frames server literals (`{n}` CRLF + n bytes) so that a response that
 * carries one never desynchronises the stream, but keeps only their size.
 */

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
  /** Untagged data such as `* CAPABILITY ...`, `* 3 EXISTS`; `name` upper-cased. */
  | { kind: 'data'; name: string; number?: number; text: string };

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
  if (tag === '' || !STATUSES.has(upper)) throw new SyntaxError(`unparsable IMAP response: ${truncate(line)}`);
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

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

const CRLF = Buffer.from('\r\n');
const LITERAL_AT_END = /\{(\d+)\+?\}$/;

/**
 * Turns the byte stream from the server into responses. Feed it with push();
 * it calls `onResponse` for each complete response, in order.
 */
export class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** The response being assembled across literals: its text so far. */
  private pendingText = '';
  /** Bytes of a server literal still to skip. */
  private literalLeft = 0;

  constructor(
    private readonly onResponse: (response: Response) => void,
    private readonly maxLineBytes = 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.literalLeft > 0) {
        const skip = Math.min(this.literalLeft, this.buffer.length);
        this.literalLeft -= skip;
        this.buffer = this.buffer.subarray(skip);
        if (this.literalLeft > 0) return;
      }
      const end = this.buffer.indexOf(CRLF);
      if (end < 0) {
        if (this.buffer.length + this.pendingText.length > this.maxLineBytes) {
          throw new SyntaxError('IMAP response line too long');
        }
        return;
      }
      // latin1 keeps 8-bit bytes 1:1; response text we act on is ASCII.
      const line = this.pendingText + this.buffer.subarray(0, end).toString('latin1');
      this.buffer = this.buffer.subarray(end + 2);
      // Only untagged data carries literals (FETCH, LIST...); status text never does.
      const literal = line.startsWith('* ') ? LITERAL_AT_END.exec(line) : null;
      if (literal) {
        this.literalLeft = Number(literal[1]);
        this.pendingText = `${line.slice(0, literal.index)}{literal} `;
        if (this.pendingText.length > this.maxLineBytes) throw new SyntaxError('IMAP response line too long');
        continue;
      }
      this.pendingText = '';
      this.onResponse(parseResponseLine(line));
    }
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
