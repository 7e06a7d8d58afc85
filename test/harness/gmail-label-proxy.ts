/**
 * A plaintext IMAP proxy on 127.0.0.1 that gives a Dovecot Gmail's label
 * extension (X-GM-EXT-1), for the synclabels/resynclabels tests:
 * - it adds X-GM-EXT-1 to every CAPABILITY the server announces;
 * - `UID FETCH set (... X-GM-LABELS ...)`: the item is taken out of the
 *   command, and each one-line FETCH answer gets `X-GM-LABELS (...)` from
 *   the proxy's label table (`labels`: folder and UID -> labels, set by the
 *   test; what STOREs wrote wins);
 * - `UID STORE uid X-GM-LABELS (...)` is answered by the proxy itself (OK)
 *   and recorded in `stores`, with the folder selected at the time.
 * It frames both directions by lines and `{n}` literals (a literal's bytes
 * are passed through unread). The engine must connect in plaintext without
 * compression (the test sets tls none, allowPlaintext, compress false); the
 * proxy dials the server's plaintext port.
 */
import net from 'node:net';

export interface LabelStore {
  folder: string;
  uid: number;
  labels: string[];
}

export interface GmailLabelProxy {
  readonly host: string;
  readonly port: number;
  /** Labels by folder and UID, as FETCH X-GM-LABELS answers them. */
  labels: (folder: string, uid: number) => string[];
  /** Every UID STORE X-GM-LABELS, in order. */
  readonly stores: LabelStore[];
  close(): Promise<void>;
}

/** Splits a byte stream into lines (with their CRLF) and literal bodies. */
class Framer {
  private buffer = Buffer.alloc(0);
  private literalLeft = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onRaw: (bytes: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.literalLeft > 0) {
        if (this.buffer.length === 0) return;
        const take = this.buffer.subarray(0, this.literalLeft);
        this.buffer = this.buffer.subarray(take.length);
        this.literalLeft -= take.length;
        this.onRaw(take);
        continue;
      }
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) return;
      const line = this.buffer.subarray(0, end + 2).toString('latin1');
      this.buffer = this.buffer.subarray(end + 2);
      const literal = /\{(\d+)\+?\}\r\n$/.exec(line);
      if (literal) this.literalLeft = Number(literal[1]);
      this.onLine(line);
    }
  }
}

function quote(label: string): string {
  return /^\\[A-Za-z]+$/.test(label) ? label : `"${label.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The labels of a STORE command's list: atoms and quoted strings. */
function parseLabelList(text: string): string[] {
  const labels: string[] = [];
  const token = /"((?:[^"\\]|\\.)*)"|([^\s()]+)/g;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    labels.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  }
  return labels;
}

function unquoteMailbox(arg: string): string {
  const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(arg);
  return quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : (arg.split(' ')[0] ?? '');
}

export async function startGmailLabelProxy(target: { host: string; port: number }): Promise<GmailLabelProxy> {
  const stores: LabelStore[] = [];
  const stored = new Map<string, string[]>();
  const sockets = new Set<net.Socket>();
  const proxy: GmailLabelProxy = {
    host: '127.0.0.1',
    port: 0,
    labels: () => [],
    stores,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const labelsOf = (folder: string, uid: number) => stored.get(`${folder}\u0000${uid}`) ?? proxy.labels(folder, uid);

  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    let selected = '';
    /** Tags of FETCH commands whose answers get X-GM-LABELS. */
    const labelTags = new Set<string>();
    const toServer = new Framer(
      (line) => {
        const command = /^(\S+) (?:UID )?(SELECT|EXAMINE) (.*)\r\n$/i.exec(line);
        if (command) selected = unquoteMailbox(command[3]!);
        const store = /^(\S+) UID STORE (\d+) X-GM-LABELS(?:\.SILENT)? \((.*)\)\r\n$/i.exec(line);
        if (store) {
          const uid = Number(store[2]);
          const labels = parseLabelList(store[3]!);
          stores.push({ folder: selected, uid, labels });
          stored.set(`${selected}\u0000${uid}`, labels);
          client.write(`${store[1]} OK Store completed (gmail label proxy)\r\n`);
          return;
        }
        const fetch = /^(\S+) UID FETCH (\S+) \((.*)\)\r\n$/i.exec(line);
        if (fetch && /(^| )X-GM-LABELS( |$)/i.test(fetch[3]!)) {
          labelTags.add(fetch[1]!);
          const items = fetch[3]!.replace(/(^| )X-GM-LABELS(?= |$)/gi, '').trim() || 'UID';
          upstream.write(`${fetch[1]} UID FETCH ${fetch[2]} (${items})\r\n`, 'latin1');
          return;
        }
        upstream.write(line, 'latin1');
      },
      (raw) => upstream.write(raw),
    );
    const toClient = new Framer(
      (line) => {
        let out = line.replace(/(CAPABILITY [^\]\r\n]*)/i, (cap) =>
          /X-GM-EXT-1/i.test(cap) ? cap : `${cap} X-GM-EXT-1`,
        );
        const fetch = /^\* \d+ FETCH \((.*)\)\r\n$/i.exec(out);
        const uid = fetch ? /(?:^| )UID (\d+)/i.exec(fetch[1]!) : null;
        if (fetch && uid && labelTags.size > 0) {
          const labels = labelsOf(selected, Number(uid[1])).map(quote).join(' ');
          out = out.replace(/\)\r\n$/, ` X-GM-LABELS (${labels}))\r\n`);
        }
        const tagged = /^(\S+) (OK|NO|BAD) /i.exec(out);
        if (tagged) labelTags.delete(tagged[1]!);
        client.write(out, 'latin1');
      },
      (raw) => client.write(raw),
    );
    client.on('data', (chunk: Buffer) => toServer.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (proxy as { port: number }).port = (server.address() as net.AddressInfo).port;
  return proxy;
}
