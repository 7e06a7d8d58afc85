/**
 * A TCP proxy on 127.0.0.1 in front of a server, able to cut connections on
 * demand: for "connection dropped mid-run" tests. TLS passes through
 * untouched (the proxy listens on 127.0.0.1, which the test certificate
 * covers), so the client sees a real TLS session that suddenly breaks.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now. */
  readonly open: number;
  /** Bytes forwarded from clients to the server, over all connections. */
  readonly bytesFromClients: number;
  /** Destroys every open connection (both sides), like a network failure (RST). */
  dropAll(): void;
  /**
   * Cuts every open connection once `bytes` more bytes have come from clients
   * (counted from now, over all connections), e.g. in the middle of an APPEND
   * literal. Resolves when the cut happened.
   */
  dropAfterClientBytes(bytes: number): Promise<void>;
  /** While refusing, new connections are closed at once (the server looks down). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let connections = 0;
  let bytesFromClients = 0;
  let refusing = false;
  let trigger: { at: number; resolve: () => void } | undefined;

  const dropAll = () => {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
  };

  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    connections++;
    const upstream = net.connect(target);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (trigger && bytesFromClients + chunk.length >= trigger.at) {
        // Forward exactly up to the trigger point, then cut: the server sees a truncated command.
        const keep = trigger.at - bytesFromClients;
        if (keep > 0) upstream.write(chunk.subarray(0, keep));
        bytesFromClients += Math.max(keep, 0);
        const { resolve } = trigger;
        trigger = undefined;
        // Give the kept bytes a moment to leave before the reset.
        setImmediate(() => {
          dropAll();
          resolve();
        });
        return;
      }
      bytesFromClients += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    get connections() {
      return connections;
    },
    get open() {
      return pairs.size;
    },
    get bytesFromClients() {
      return bytesFromClients;
    },
    dropAll,
    dropAfterClientBytes(bytes) {
      return new Promise<void>((resolve) => {
        trigger = { at: bytesFromClients + bytes, resolve };
      });
    },
    refuse(on) {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
