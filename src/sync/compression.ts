/**
 * Whether a connection asks for COMPRESS=DEFLATE (RFC 4978).
 *
 * Compression trades CPU on both ends (the server deflates what it sends, we
 * inflate it; the reverse for APPENDs) for bandwidth. On the loopback
 * interface there is no bandwidth to save: measured on the benchmark corpus
 * (3,000 messages, 393 MB, two Dovecot servers on 127.0.0.1), a full sync took
 * 22.3 s with COMPRESS on both sides and 4.3 s without it; the machine's CPU
 * time (client and both servers) went from 43 s to 7 s. So `compress: true`
 * means "when the server offers it and the server is not on this machine".
 */
import net from 'node:net';

export function compressionWorthwhile(enabled: boolean, host: string): boolean {
  return enabled && !isLoopback(host);
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped), and `localhost` names (RFC 6761). */
export function isLoopback(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  switch (net.isIP(name)) {
    case 4:
      return name.startsWith('127.');
    case 6: {
      if (name === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(name)) return true;
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
      return mapped !== null && mapped[1]!.startsWith('127.');
    }
    default:
      return false;
  }
}
