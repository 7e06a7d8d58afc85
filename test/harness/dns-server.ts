/**
 * A tiny authoritative DNS server over UDP on a loopback address, port 53: A queries for the
 * names it was given get their address, every other query NXDOMAIN (AAAA of a known name: no
 * answer). Enough for a resolver that reads /etc/resolv.conf (glibc's getaddrinfo, which Node's
 * dns.lookup uses) to be proven against, where no other DNS server is reachable.
 */
import dgram from 'node:dgram';

export interface DnsServer {
  /** The loopback address it listens on (port 53), for a resolv.conf `nameserver` line. */
  readonly address: string;
  /** Query names seen, lowercased, in order. */
  readonly queries: string[];
  stop(): Promise<void>;
}

const TYPE_A = 1;

function readName(msg: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = start;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i] as number;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function answer(query: Buffer, records: ReadonlyMap<string, string>, seen: string[]): Buffer | undefined {
  if (query.length < 12) return undefined;
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  seen.push(name);
  const question = query.subarray(12, end + 4);
  const address = records.get(name);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  // QR, opcode 0, AA, RD copied; RA; rcode 3 (NXDOMAIN) when the name is unknown
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (address ? 0 : 3), 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  if (!address || qtype !== TYPE_A) return Buffer.concat([header, question]);
  header.writeUInt16BE(1, 6); // ANCOUNT
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
  rr.writeUInt16BE(TYPE_A, 2);
  rr.writeUInt16BE(1, 4); // class IN
  rr.writeUInt32BE(5, 6); // TTL
  rr.writeUInt16BE(4, 10);
  address.split('.').forEach((octet, k) => {
    rr.writeUInt8(Number(octet), 12 + k);
  });
  return Buffer.concat([header, question, rr]);
}

/** Listens on `address`:53 (root needed for port 53; any 127.x.y.z works on Linux). */
export async function startDnsServer(address: string, records: Record<string, string>): Promise<DnsServer> {
  const known = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const queries: string[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const reply = answer(msg, known, queries);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    address,
    queries,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
