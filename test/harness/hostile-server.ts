/**
 * A scripted malicious IMAP server on loopback (plain TCP, or TLS with the
 * harness's test CA) that plays one attack per instance. Until its attack
 * point it is a tiny, correct IMAP server with one folder (INBOX) holding one
 * message, so a client gets as far as the attack needs: the greeting, login,
 * LIST, SELECT, the listing FETCH, the body FETCH.
 *
 * Floods are written with backpressure and stop when the client goes away
 * (or at `maxFloodBytes`), so the server itself stays small.
 *
 *   const server = await startHostileServer({ attack: 'trickle', tls: certs });
 *   // mailsync --host1 127.0.0.1 --port1 server.port --ssl1 --cafile1 certs.caFile ...
 *   await server.close();
 */
import net from 'node:net';
import tls from 'node:tls';

export const ATTACKS = [
  /** None: a well-behaved server (with `tlsMaxVersion`: one too old for TLS 1.2). */
  'none',
  /** A greeting line that never ends (no CRLF). */
  'endless-line',
  /** A greeting line of bare LFs that never ends (the old quadratic path). */
  'bare-lf-flood',
  /** The listing announces a literal of 999999999999 bytes. */
  'giant-literal',
  /** The listing says RFC822.SIZE 60; the body FETCH announces 400 MB. */
  'body-over-size',
  /** SELECT answered by millions of `* n EXISTS`, never tagged. */
  'exists-flood',
  /** The listing of a 1-message folder answered by millions of FETCH lines. */
  'fetch-flood',
  /** SELECT answered one byte every `tickMs`, forever (no idle timeout ever fires). */
  'trickle',
  /** ANSI escapes, C0/C1 controls and HTML in the greeting's ALERT and the login's NO (which echoes what the client sent). */
  'control-texts',
  /** Folder names with ESC, C1, a bidi override and HTML (raw and modified UTF-7). */
  'control-folder-names',
  /** An SSH server's banner. */
  'ssh-banner',
  /** An SMTP server's banner (with an ANSI escape in it). */
  'smtp-banner',
  /** LIST answered by 200,000 folders. */
  'huge-list',
  /** LIST answered by a folder name of 100,000 bytes. */
  'absurd-folder-name',
] as const;

export type Attack = (typeof ATTACKS)[number];

export interface HostileServerOptions {
  attack: Attack;
  /** Serve TLS from the first byte with this certificate (the harness's test CA signs it). */
  tls?: { certFile: string; keyFile: string } | { cert: string; key: string };
  /** The newest TLS version offered (TLSv1.1: a server too old for the client's floor). */
  tlsMaxVersion?: tls.SecureVersion;
  /** The trickle's pace (default 1000 ms a byte). */
  tickMs?: number;
  /** A flood stops after this many bytes (default 256 MiB): the client must give up long before. */
  maxFloodBytes?: number;
  /**
   * Behave like a Sun/iPlanet/Oracle Messaging Server admin login (imapsync's --proxyauth1): only
   * `admin` may log in (LOGIN or AUTHENTICATE PLAIN without an authorization identity); the
   * mailbox commands answer NO until `PROXYAUTH user` names one of `users`. No attack is played.
   */
  proxyAuth?: { admin: string; users: readonly string[] };
}

export interface HostileServer {
  readonly host: string;
  readonly port: number;
  readonly attack: Attack;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Bytes written to clients so far. */
  readonly bytesSent: number;
  /** Every command line received (all sessions), for tests of what the client sent. */
  readonly commands: readonly string[];
  close(): Promise<void>;
}

const CAPABILITIES = 'IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN UIDPLUS NAMESPACE';
const MESSAGE = Buffer.from('Message-ID: <hostile@example>\r\nSubject: hello\r\n\r\nHello there.\r\n');
const HEADER = Buffer.from('Message-ID: <hostile@example>\r\n\r\n');
const ESC = '\u001b';

/** Latin-1 bytes: a C1 control (U+009B CSI) goes out as the single byte 0x9B, as a server would send it. */
const bytes = (text: string) => Buffer.from(text, 'latin1');

export async function startHostileServer(options: HostileServerOptions): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let bytesSent = 0;
  const commands: string[] = [];
  const onSocket = (socket: net.Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    const session = new Session(
      socket,
      options,
      timers,
      (n) => {
        bytesSent += n;
      },
      (line) => commands.push(line),
    );
    session.start();
  };
  const server = options.tls
    ? tls.createServer(await tlsContext(options.tls, options.tlsMaxVersion), onSocket)
    : net.createServer(onSocket);
  // A TLS handshake the client aborts (it does, on purpose, in some tests) is not the server's failure.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    attack: options.attack,
    get connections() {
      return connections;
    },
    get bytesSent() {
      return bytesSent;
    },
    commands,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function tlsContext(
  options: NonNullable<HostileServerOptions['tls']>,
  maxVersion?: tls.SecureVersion,
): Promise<tls.TlsOptions> {
  // An old protocol needs OpenSSL's security level 0 on this side too.
  const versions: tls.TlsOptions = maxVersion ? { maxVersion, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } : {};
  if ('cert' in options) return { cert: options.cert, key: options.key, ...versions };
  const { readFile } = await import('node:fs/promises');
  return { cert: await readFile(options.certFile), key: await readFile(options.keyFile), ...versions };
}

/** One client connection: a minimal IMAP server that turns hostile at its attack's point. */
class Session {
  private input = '';
  private awaitingSaslResponse?: string;
  /** What the client sent to log in (its SASL initial response): `control-texts` echoes it back. */
  private loginArgs = '';
  /** proxyAuth mode: the admin is logged in / the session belongs to this user (PROXYAUTH). */
  private adminIn = false;
  private proxiedUser?: string;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: HostileServerOptions,
    private readonly timers: Set<NodeJS.Timeout>,
    private readonly counted: (bytes: number) => void,
    private readonly heard: (line: string) => void,
  ) {}

  start(): void {
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => this.received(chunk));
    switch (this.options.attack) {
      case 'endless-line':
        void this.flood(bytes('* OK '), () => Buffer.alloc(64 * 1024, 0x41));
        return;
      case 'bare-lf-flood':
        void this.flood(bytes('* OK '), () => Buffer.alloc(64 * 1024, 0x0a));
        return;
      case 'ssh-banner':
        this.send('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
        return;
      case 'smtp-banner':
        this.send(`220 mail.example.com ESMTP Postfix ${ESC}[31m(Debian/GNU)${ESC}[0m\r\n`);
        return;
      case 'control-texts':
        this.send(
          `* OK [ALERT] ${ESC}[2J${ESC}[31mYour account\u0007 is \u009b6n<script>alert(1)</script>\rforged line\r\n`,
        );
        return;
      default:
        this.send(`* OK [CAPABILITY ${CAPABILITIES}] hostile test server ready\r\n`);
    }
  }

  private received(chunk: string): void {
    this.input += chunk;
    for (;;) {
      const end = this.input.indexOf('\r\n');
      if (end < 0) return;
      const line = this.input.slice(0, end);
      this.input = this.input.slice(end + 2);
      this.command(line);
    }
  }

  private command(line: string): void {
    this.heard(line);
    if (this.awaitingSaslResponse !== undefined) {
      this.loginArgs += ` ${line}`;
      const tag = this.awaitingSaslResponse;
      this.awaitingSaslResponse = undefined;
      this.loggedIn(tag);
      return;
    }
    const [tag = '*', verb = '', ...rest] = line.split(' ');
    const args = rest.join(' ');
    const upper = verb.toUpperCase();
    const sub = upper === 'UID' ? `UID ${(rest[0] ?? '').toUpperCase()}` : upper;
    if (this.options.proxyAuth && this.proxyAuthCommand(tag, sub, args)) return;
    switch (sub) {
      case 'CAPABILITY':
        this.send(`* CAPABILITY ${CAPABILITIES}\r\n${tag} OK done\r\n`);
        return;
      case 'LOGIN':
        this.loginArgs = args;
        this.loggedIn(tag);
        return;
      case 'AUTHENTICATE':
        this.loginArgs = args;
        if (rest.length >= 2) this.loggedIn(tag);
        else {
          this.awaitingSaslResponse = tag;
          this.send('+ \r\n');
        }
        return;
      case 'NAMESPACE':
        this.send(`* NAMESPACE (("" "/")) NIL NIL\r\n${tag} OK done\r\n`);
        return;
      case 'LIST':
      case 'LSUB':
        this.list(tag, upper);
        return;
      case 'STATUS':
        this.send(`* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1 UNSEEN 0)\r\n${tag} OK done\r\n`);
        return;
      case 'SELECT':
      case 'EXAMINE':
        this.select(tag, upper);
        return;
      case 'UID FETCH':
        this.fetch(tag, args);
        return;
      case 'UID SEARCH':
        this.send(`* SEARCH\r\n${tag} OK done\r\n`);
        return;
      case 'LOGOUT':
        this.send(`* BYE bye\r\n${tag} OK done\r\n`);
        this.socket.end();
        return;
      case 'NOOP':
      case 'ENABLE':
      case 'ID':
        this.send(`${tag} OK done\r\n`);
        return;
      default:
        this.send(`${tag} BAD not here\r\n`);
    }
  }

  /** proxyAuth mode: PROXYAUTH itself, and NO to mailbox commands before it. True when answered here. */
  private proxyAuthCommand(tag: string, sub: string, args: string): boolean {
    const users: readonly string[] = this.options.proxyAuth?.users ?? [];
    if (sub === 'PROXYAUTH') {
      const user = args.replace(/^"|"$/g, '');
      if (!this.adminIn) this.send(`${tag} BAD log in first\r\n`);
      else if (!users.includes(user)) this.send(`${tag} NO [AUTHORIZATIONFAILED] no such user\r\n`);
      else {
        this.proxiedUser = user;
        this.send(`${tag} OK proxied to ${user}\r\n`);
      }
      return true;
    }
    const mailboxCommand = ['NAMESPACE', 'LIST', 'LSUB', 'STATUS', 'SELECT', 'EXAMINE', 'UID FETCH'].includes(sub);
    if (mailboxCommand && this.proxiedUser === undefined) {
      this.send(`${tag} NO the admin has no mailbox here: PROXYAUTH first\r\n`);
      return true;
    }
    return false;
  }

  /** proxyAuth mode: whether the login is the admin's own (LOGIN "admin" or PLAIN \0admin\0). */
  private isAdminLogin(): boolean {
    const admin = this.options.proxyAuth?.admin ?? '';
    const [first = '', second = ''] = this.loginArgs.split(' ');
    if (first.replace(/^"|"$/g, '') === admin) return true;
    const plain = Buffer.from(first.toUpperCase() === 'PLAIN' ? second : first, 'base64').toString('utf8');
    return plain.startsWith(`\u0000${admin}\u0000`);
  }

  private loggedIn(tag: string): void {
    if (this.options.proxyAuth) {
      this.adminIn = this.isAdminLogin();
      this.send(this.adminIn ? `${tag} OK admin logged in\r\n` : `${tag} NO [AUTHENTICATIONFAILED] admins only\r\n`);
      return;
    }
    if (this.options.attack === 'control-texts') {
      this.send(
        `${tag} NO [AUTHENTICATIONFAILED] ${ESC}]0;pwned\u0007${ESC}[31mdenied\u009b2K\u0085NO <b>html</b>\rforged; you sent: ${this.loginArgs}\r\n`,
      );
      return;
    }
    this.send(`${tag} OK [CAPABILITY ${CAPABILITIES}] logged in\r\n`);
  }

  private list(tag: string, verb: string): void {
    switch (this.options.attack) {
      case 'huge-list': {
        let i = 0;
        void this.flood(
          bytes(`* ${verb} (\\HasNoChildren) "/" "INBOX"\r\n`),
          () => {
            const lines: string[] = [];
            for (let n = 0; n < 1000 && i < 200_000; n++, i++)
              lines.push(`* ${verb} (\\HasNoChildren) "/" "f${i}"\r\n`);
            return lines.length > 0 ? bytes(lines.join('')) : undefined;
          },
          bytes(`${tag} OK done\r\n`),
        );
        return;
      }
      case 'absurd-folder-name':
        this.send(
          `* ${verb} (\\HasNoChildren) "/" "INBOX"\r\n* ${verb} () "/" "${'x'.repeat(100_000)}"\r\n${tag} OK done\r\n`,
        );
        return;
      case 'control-folder-names': {
        const names = [
          `"Red${ESC}[31mAlert${ESC}[0m"`,
          // Modified UTF-7: U+009B (CSI), U+001B (ESC), U+202E (right-to-left override).
          '"Csi&AJs-2J"',
          '"Esc&ABs-]0;title"',
          '"Bidi&Ii4-gpj.exe"',
          '"<img src=x onerror=alert(1)>"',
        ];
        const lines = names.map((name) => `* ${verb} (\\HasNoChildren) "/" ${name}\r\n`).join('');
        this.send(`* ${verb} (\\HasNoChildren) "/" "INBOX"\r\n${lines}${tag} OK done\r\n`);
        return;
      }
      default:
        this.send(`* ${verb} (\\HasNoChildren) "/" "INBOX"\r\n${tag} OK done\r\n`);
    }
  }

  private select(tag: string, verb: string): void {
    const opening = `* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT 2] ok\r\n`;
    switch (this.options.attack) {
      case 'exists-flood': {
        let n = 0;
        void this.flood(bytes(opening), () => {
          const lines: string[] = [];
          for (let i = 0; i < 4096; i++) lines.push(`* ${++n} EXISTS\r\n`);
          return bytes(lines.join(''));
        });
        return;
      }
      case 'trickle':
        this.trickle(bytes(`${opening}* 1 EXISTS\r\n`.repeat(1000)));
        return;
      default:
        this.send(`${opening}* 1 EXISTS\r\n${tag} OK [${verb === 'EXAMINE' ? 'READ-ONLY' : 'READ-WRITE'}] done\r\n`);
    }
  }

  private fetch(tag: string, args: string): void {
    const listing = /RFC822\.SIZE/i.test(args);
    const body = /BODY\.PEEK\[\]/i.test(args);
    const listingLine = (uid: number, header: Buffer) =>
      Buffer.concat([
        bytes(
          `* ${uid} FETCH (UID ${uid} FLAGS (\\Seen) INTERNALDATE "01-Jan-2020 00:00:00 +0000" RFC822.SIZE ${MESSAGE.length} BODY[HEADER.FIELDS (MESSAGE-ID)] {${header.length}}\r\n`,
        ),
        header,
        bytes(')\r\n'),
      ]);
    if (listing && this.options.attack === 'giant-literal') {
      void this.flood(
        bytes(
          `* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE ${MESSAGE.length} BODY[HEADER.FIELDS (MESSAGE-ID)] {999999999999}\r\n`,
        ),
        () => Buffer.alloc(64 * 1024, 0x78),
      );
      return;
    }
    if (listing && this.options.attack === 'fetch-flood') {
      let uid = 0;
      void this.flood(Buffer.alloc(0), () => {
        const lines: Buffer[] = [];
        for (let i = 0; i < 256; i++) lines.push(listingLine(++uid, HEADER));
        return Buffer.concat(lines);
      });
      return;
    }
    if (body && this.options.attack === 'body-over-size') {
      void this.flood(bytes('* 1 FETCH (UID 1 BODY[] {400000000}\r\n'), () => Buffer.alloc(64 * 1024, 0x78));
      return;
    }
    if (listing) {
      this.send(Buffer.concat([listingLine(1, HEADER), bytes(`${tag} OK done\r\n`)]));
      return;
    }
    if (body) {
      this.send(
        Buffer.concat([
          bytes(`* 1 FETCH (UID 1 BODY[] {${MESSAGE.length}}\r\n`),
          MESSAGE,
          bytes(`)\r\n${tag} OK done\r\n`),
        ]),
      );
      return;
    }
    this.send(`* 1 FETCH (UID 1)\r\n${tag} OK done\r\n`);
  }

  private send(data: string | Buffer): boolean {
    if (this.socket.destroyed) return false;
    const buffer = typeof data === 'string' ? bytes(data) : data;
    this.counted(buffer.length);
    return this.socket.write(buffer);
  }

  /** `head`, then `next()` chunks as fast as the client reads them, until it leaves or the cap; then `tail`. */
  private async flood(head: Buffer, next: () => Buffer | undefined, tail?: Buffer): Promise<void> {
    const max = this.options.maxFloodBytes ?? 256 * 1024 * 1024;
    let sent = head.length;
    if (head.length > 0) this.send(head);
    while (!this.socket.destroyed && sent < max) {
      const chunk = next();
      if (!chunk) break;
      sent += chunk.length;
      if (!this.send(chunk)) {
        const open = await new Promise<boolean>((resolve) => {
          const drained = () => {
            this.socket.off('close', closed);
            resolve(true);
          };
          const closed = () => {
            this.socket.off('drain', drained);
            resolve(false);
          };
          this.socket.once('drain', drained);
          this.socket.once('close', closed);
        });
        if (!open) return;
      }
    }
    if (tail) this.send(tail);
  }

  /** One byte of `data` every tickMs while the client stays. */
  private trickle(data: Buffer): void {
    let at = 0;
    const step = () => {
      if (this.socket.destroyed || at >= data.length) return;
      this.send(data.subarray(at, at + 1));
      at += 1;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        step();
      }, this.options.tickMs ?? 1000);
      this.timers.add(timer);
    };
    step();
  }
}
