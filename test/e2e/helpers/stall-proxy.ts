/**
 * A TCP proxy on 127.0.0.1 that can freeze every connection (nothing flows
 * either way, nothing is closed): a server that hangs mid-command, so a
 * worker cannot finish within its grace period whatever it does.
 */
import net from 'node:net';

export interface StallProxy {
  readonly port: number;
  /** Stop forwarding on every open and future connection. */
  stall(): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  let stalled = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (stalled) return; // swallowed: the other side waits forever
        if (!to.write(chunk)) from.pause();
      });
    forward(client, upstream);
    forward(upstream, client);
    upstream.on('drain', () => client.resume());
    client.on('drain', () => upstream.resume());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall: () => {
      stalled = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
