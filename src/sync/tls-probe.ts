/**
 * Probes for `tls: auto`: does a port speak implicit TLS, and does a plaintext
 * IMAP port announce STARTTLS? Each probe opens one short connection, never
 * authenticates and sends nothing but CAPABILITY. Each goes only where the
 * egress policy allows (`target` comes from egress-dial.ts).
 */
import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import { excerpt } from '../api/printable.js';
import type { DialTarget } from './egress-dial.js';
import { isCertificateError } from './tls-errors.js';

export type TlsProbe =
  /** Handshake done and the certificate accepted. */
  | { kind: 'tls' }
  /** The server speaks TLS but its certificate was rejected: never fall back to plaintext. */
  | { kind: 'certificate'; error: Error }
  /** Something answered, but not with TLS (a plaintext IMAP greeting, usually). */
  | { kind: 'not-tls'; error: Error }
  /** Refused, timed out, unreachable. */
  | { kind: 'unreachable'; error: Error };

export type PlainProbe =
  | { kind: 'imap'; starttls: boolean; capabilities: string[] }
  /** The server greeted with BYE (overloaded, or refusing this client). */
  | { kind: 'bye'; text: string }
  /** Connected, but what came back is not an IMAP greeting (or nothing came back in time). */
  | {
      kind: 'not-imap';
      error: Error /** What it greeted with instead (short, escaped), if anything. */;
      greeting?: string;
    }
  | { kind: 'unreachable'; error: Error };

function timeoutError(what: string, ms: number): Error {
  return Object.assign(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`), { code: 'ETIMEDOUT' });
}

export function probeImplicitTls(target: DialTarget, options: ConnectionOptions, timeoutMs: number): Promise<TlsProbe> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const socket = tls.connect({ ...options, ...target });
    const done = (result: TlsProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Let the handshake callback return before tearing the socket down.
      setImmediate(() => socket.destroy());
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        done(
          connected
            ? { kind: 'not-tls', error: timeoutError('TLS handshake', timeoutMs) }
            : { kind: 'unreachable', error: timeoutError('connect', timeoutMs) },
        ),
      timeoutMs,
    );
    // 'connect' is the TCP connection; 'secureConnect' (the callback) the finished handshake.
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => done({ kind: 'tls' }));
    socket.on('error', (error) => {
      if (isCertificateError(error)) done({ kind: 'certificate', error });
      else if (!connected) done({ kind: 'unreachable', error });
      else done({ kind: 'not-tls', error });
    });
  });
}

/** Reads the greeting and, unless it lists them, the capabilities of a plaintext IMAP port. */
export function probePlaintext(target: DialTarget, timeoutMs: number): Promise<PlainProbe> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    let buffer = '';
    let greeted = false;
    const socket = net.connect({ ...target });
    const done = (result: PlainProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        done(
          connected
            ? { kind: 'not-imap', error: timeoutError('IMAP greeting', timeoutMs) }
            : { kind: 'unreachable', error: timeoutError('connect', timeoutMs) },
        ),
      timeoutMs,
    );
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('error', (error) => {
      if (!connected) done({ kind: 'unreachable', error });
      else done({ kind: 'not-imap', error });
    });
    socket.once('close', () => {
      if (connected) done({ kind: 'not-imap', error: new Error('connection closed before an IMAP greeting') });
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 64 * 1024) {
        done({ kind: 'not-imap', error: new Error('no IMAP greeting in the first 64 KB') });
        return;
      }
      let end = buffer.indexOf('\r\n');
      while (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!greeted) {
          greeted = true;
          const bye = /^\* BYE\s*(.*)$/i.exec(line);
          // Server text: short and escaped before it can reach a message (docs/security.md).
          if (bye) return done({ kind: 'bye', text: excerpt(bye[1] ?? '', 200) });
          if (!/^\* (OK|PREAUTH)\b/i.test(line)) {
            const greeting = excerpt(line);
            return done({ kind: 'not-imap', greeting, error: new Error(`unexpected greeting "${greeting}"`) });
          }
          const inGreeting = /\[CAPABILITY ([^\]]*)\]/i.exec(line);
          if (inGreeting) return done(capabilities(inGreeting[1]!));
          socket.write('P1 CAPABILITY\r\n');
        } else {
          const listed = /^\* CAPABILITY (.*)$/i.exec(line);
          if (listed) return done(capabilities(listed[1]!));
          if (/^P1 /i.test(line)) return done({ kind: 'imap', starttls: false, capabilities: [] });
        }
        end = buffer.indexOf('\r\n');
      }
    });
  });
}

function capabilities(list: string): PlainProbe {
  const caps = list
    .trim()
    .split(/\s+/)
    .map((c) => c.toUpperCase());
  return { kind: 'imap', starttls: caps.includes('STARTTLS'), capabilities: caps };
}
