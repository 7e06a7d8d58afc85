/**
 * Free TCP ports on loopback addresses. A port is "free" when we can bind it
 * on every address that will listen on it; the probe sockets are all held
 * until every port of the batch is chosen, so one batch never repeats a port.
 * Between closing the probes and Dovecot binding there is a small race with
 * other processes: startDovecot retries with fresh ports when a bind fails.
 */
import net from 'node:net';

function listen(host: string, port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

async function closeAll(servers: net.Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

/** One port per entry of `hostSets`, each bindable on all the hosts of its set. */
export async function freePorts(hostSets: string[][]): Promise<number[]> {
  const held: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (const hosts of hostSets) {
      const [first, ...others] = hosts;
      if (first === undefined) throw new Error('freePorts: empty host set');
      for (let attempt = 0; ; attempt++) {
        if (attempt > 50) throw new Error(`freePorts: no free port on ${hosts.join(', ')}`);
        const probe = await listen(first, 0);
        if (!probe) continue;
        const port = (probe.address() as net.AddressInfo).port;
        const extra: net.Server[] = [];
        let ok = true;
        for (const host of others) {
          const s = await listen(host, port);
          if (!s) {
            ok = false;
            break;
          }
          extra.push(s);
        }
        held.push(probe, ...extra);
        if (ok) {
          ports.push(port);
          break;
        }
      }
    }
    return ports;
  } finally {
    await closeAll(held);
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts([[host]]);
  return port!;
}
