/**
 * A TCP proxy on 127.0.0.1 in front of an IMAP port with a plaintext greeting
 * (the STARTTLS port) that takes at most `limit` connections at once, as a
 * server with a connection limit does: a connection beyond it gets
 * `* BYE [UNAVAILABLE] Too many connections` as its greeting and is closed.
 */
import net from 'node:net';

export interface BusyProxy {
  readonly port: number;
  /** The most connections forwarded at once. */
  readonly maxOpen: number;
  /** Connections answered with BYE. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startBusyProxy(target: { host: string; port: number }, limit: number): Promise<BusyProxy> {
  const sockets = new Set<net.Socket>();
  let open = 0;
  let maxOpen = 0;
  let refused = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    if (open >= limit) {
      refused++;
      client.end('* BYE [UNAVAILABLE] Too many connections, try again later\r\n');
      return;
    }
    open++;
    maxOpen = Math.max(maxOpen, open);
    const upstream = net.connect(target);
    sockets.add(upstream);
    let closed = false;
    const end = () => {
      if (closed) return;
      closed = true;
      open--;
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    client.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get maxOpen() {
      return maxOpen;
    },
    get refused() {
      return refused;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
