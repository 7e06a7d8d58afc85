/**
 * An Exchange-like front for a harness Dovecot: TLS on 127.0.0.1 with the
 * harness certificate (so the engine connects with real, verified TLS), the
 * IMAP stream forwarded to Dovecot's plaintext port, and every APPEND whose
 * message has a line longer than `maxLineLength` bytes (without its CRLF)
 * refused the way Exchange and Office 365 refuse it: `<tag> BAD Command
 * Argument Error. 11`, nothing stored (imapsync FAQ.Exchange.txt, "BAD
 * Command Argument Error 11": "Some messages have some lines too long";
 * Office 365 takes about 10,500 characters, Exchange about 9,900).
 *
 * To see a whole APPEND before Dovecot does, the proxy reads the client's
 * commands: an APPEND (one message, or several with MULTIAPPEND) is held
 * until its last literal has arrived. It answers a synchronizing literal's
 * `+` itself and sends Dovecot every literal as LITERAL+ (`{N+}`), so Dovecot
 * never asks. Other commands pass through as they come. Lines the proxy
 * writes to the client wait for a line boundary of Dovecot's stream.
 */

import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';

export interface ExchangeProxyOptions {
  /** Dovecot's plaintext IMAP (DovecotServer.plainHost/plainPort). */
  upstream: { host: string; port: number };
  certFile: string;
  keyFile: string;
  /** Longest line accepted, in bytes without its line end (default 10,500, Office 365's). */
  maxLineLength?: number;
}

export interface ExchangeProxy {
  readonly host: string;
  readonly port: number;
  /** Messages refused for a long line so far. */
  readonly refusedMessages: number;
  /** APPEND commands forwarded to Dovecot so far. */
  readonly forwardedAppends: number;
  close(): Promise<void>;
}

export const EXCHANGE_LONG_LINE_ANSWER = 'BAD Command Argument Error. 11';

function longestLineContent(message: Buffer): number {
  let longest = 0;
  for (let start = 0; start < message.length; ) {
    const lf = message.indexOf(0x0a, start);
    const end = lf < 0 ? message.length : lf;
    const content = end - start - (end > start && message[end - 1] === 0x0d ? 1 : 0);
    longest = Math.max(longest, content);
    start = end + 1;
  }
  return longest;
}

/** Where a stream of IMAP lines and literals is: at a line start or not (server to client). */
class LineBoundary {
  private literal = 0;
  private tail = '';
  atStart = true;

  /** Feeds bytes that were forwarded. */
  see(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.literal > 0) {
        const take = Math.min(this.literal, chunk.length - at);
        this.literal -= take;
        at += take;
        this.atStart = false;
        continue;
      }
      const lf = chunk.indexOf(0x0a, at);
      const end = lf < 0 ? chunk.length : lf + 1;
      this.tail = (this.tail + chunk.subarray(at, end).toString('latin1')).slice(-32);
      at = end;
      if (lf < 0) {
        this.atStart = false;
        continue;
      }
      const literal = /\{(\d+)\+?\}\r\n$/.exec(this.tail);
      this.tail = '';
      if (literal) this.literal = Number(literal[1]);
      this.atStart = this.literal === 0;
    }
  }
}

interface HeldAppend {
  tag: string;
  /** The command as it goes to Dovecot (literals as LITERAL+). */
  parts: Buffer[];
  messages: Buffer[][];
}

export async function startExchangeProxy(options: ExchangeProxyOptions): Promise<ExchangeProxy> {
  const limit = options.maxLineLength ?? 10_500;
  const [cert, key] = await Promise.all([readFile(options.certFile), readFile(options.keyFile)]);
  let refusedMessages = 0;
  let forwardedAppends = 0;
  const sockets = new Set<net.Socket>();

  const server = tls.createServer({ cert, key }, (client) => {
    const upstream = net.connect(options.upstream);
    sockets.add(client);
    sockets.add(upstream);
    const boundary = new LineBoundary();
    const queued: string[] = [];
    const toClient = (line: string) => {
      if (boundary.atStart) client.write(line);
      else queued.push(line);
    };
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      boundary.see(chunk);
      if (boundary.atStart) for (const line of queued.splice(0)) client.write(line);
    });

    let pending: Buffer = Buffer.alloc(0);
    let literalLeft = 0;
    let held: HeldAppend | undefined;
    const finishAppend = (append: HeldAppend) => {
      const tooLong = append.messages.some((pieces) => longestLineContent(Buffer.concat(pieces)) > limit);
      if (tooLong) {
        // Exchange refuses the whole command: nothing of it is stored.
        refusedMessages += append.messages.length;
        toClient(`${append.tag} ${EXCHANGE_LONG_LINE_ANSWER}\r\n`);
      } else {
        forwardedAppends += 1;
        upstream.write(Buffer.concat(append.parts));
      }
    };
    client.on('data', (chunk: Buffer) => {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (literalLeft > 0) {
          if (pending.length === 0) break;
          const piece = pending.subarray(0, Math.min(literalLeft, pending.length));
          pending = pending.subarray(piece.length);
          literalLeft -= piece.length;
          if (held) {
            held.parts.push(piece);
            held.messages[held.messages.length - 1]!.push(piece);
          } else {
            upstream.write(piece);
          }
          continue;
        }
        const lf = pending.indexOf(0x0a);
        if (lf < 0) break;
        const line = pending.subarray(0, lf + 1);
        pending = pending.subarray(lf + 1);
        const text = line.toString('latin1');
        const literal = /\{(\d+)(\+?)\}\r\n$/.exec(text);
        const append = /^(\S+) APPEND /i.exec(text);
        if (!held && append) held = { tag: append[1]!, parts: [], messages: [] };
        if (!held) {
          upstream.write(line);
          if (literal) literalLeft = Number(literal[1]);
          continue;
        }
        if (literal) {
          held.parts.push(Buffer.from(`${text.slice(0, literal.index)}{${literal[1]}+}\r\n`, 'latin1'));
          held.messages.push([]);
          literalLeft = Number(literal[1]);
          if (literal[2] === '') toClient('+ Ready for additional command text.\r\n');
        } else {
          held.parts.push(line);
          const done = held;
          held = undefined;
          finishAppend(done);
        }
      }
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    get refusedMessages() {
      return refusedMessages;
    },
    get forwardedAppends() {
      return forwardedAppends;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
