/**
 * The fault proxy itself (test/harness/fault-proxy.ts), against a real TCP
 * server on 127.0.0.1 that records what it receives: a fault fires at the
 * exact byte, a pattern is found across chunk boundaries, `skip` and `times`
 * count matches, and stall, slow and answer do what the matrix relies on.
 */
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.js';

interface Sink {
  port: number;
  /** Bytes received per connection, in order of connection. */
  received: Buffer[][];
  /** Sends to every connected client. */
  send(data: string): void;
  close(): Promise<void>;
}

async function startSink(greeting = ''): Promise<Sink> {
  const received: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (greeting) socket.write(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    send: (data) => {
      for (const socket of sockets) socket.write(data);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Client {
  socket: net.Socket;
  data: () => string;
  closed: Promise<string>;
}

async function connect(proxy: FaultProxy): Promise<Client> {
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.on('close', () => resolve('close'));
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, data: () => Buffer.concat(chunks).toString('latin1'), closed };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
const receivedText = (sink: Sink, connection = 0) => Buffer.concat(sink.received[connection] ?? []).toString('latin1');

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setup(greeting = '') {
  const sink = await startSink(greeting);
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: sink.port });
  cleanup.push(
    () => sink.close(),
    () => proxy.close(),
  );
  return { sink, proxy };
}

describe('fault proxy', () => {
  test('a reset after N bytes forwards exactly N bytes, then resets the client', async () => {
    const { sink, proxy } = await setup();
    const fault = proxy.arm({ direction: 'toServer', afterBytes: 10, action: { kind: 'reset' } });
    const client = await connect(proxy);
    client.socket.write('0123456789abcdefghij');
    await fault.fired;
    expect(await client.closed).toBe('ECONNRESET');
    await until(() => receivedText(sink) === '0123456789');
    expect(fault.hits).toBe(1);
    // Only forwarded bytes count.
    expect(proxy.bytesFromClients).toBe(10);
  });

  test('a pattern split across chunks is found; skip and offset place the cut', async () => {
    const { sink, proxy } = await setup();
    const fault = proxy.arm({
      direction: 'toServer',
      pattern: 'APPEND',
      skip: 1,
      offset: 3,
      action: { kind: 'close' },
    });
    const client = await connect(proxy);
    client.socket.write('a1 APP');
    await settle();
    client.socket.write('END x\r\na2 AP');
    await settle();
    client.socket.write('PEND 123456');
    await fault.fired;
    await client.closed;
    await until(() => receivedText(sink) === 'a1 APPEND x\r\na2 APPEND 12');
  });

  test('stall holds every byte both ways, for a while', async () => {
    const { sink, proxy } = await setup();
    proxy.arm({ direction: 'toClient', pattern: 'GO', action: { kind: 'stall', ms: 300 } });
    const client = await connect(proxy);
    await until(() => sink.received.length === 1);
    sink.send('GO then more');
    client.socket.write('ping');
    await settle();
    expect(client.data()).toBe('GO');
    expect(receivedText(sink)).toBe('');
    await until(() => client.data() === 'GO then more' && receivedText(sink) === 'ping');
  });

  test('stallAll freezes open and new connections', async () => {
    const { sink, proxy } = await setup('hello');
    proxy.stallAll();
    const client = await connect(proxy);
    client.socket.write('x');
    await settle();
    expect(client.data()).toBe('');
    expect(proxy.open).toBe(1);
    expect(receivedText(sink)).toBe('');
  });

  test('slow trickles one direction at its rate without losing or reordering bytes', async () => {
    const { sink, proxy } = await setup();
    proxy.arm({ direction: 'toClient', afterBytes: 0, action: { kind: 'slow', bytesPerSecond: 2000 } });
    const client = await connect(proxy);
    await until(() => sink.received.length === 1);
    const payload = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
    sink.send(payload);
    await settle();
    // 100 bytes per 50 ms tick at most: far from all of it yet (timers can only be late, never early).
    expect(client.data().length).toBeLessThan(payload.length);
    expect(payload.startsWith(client.data())).toBe(true);
    await until(() => client.data().length === payload.length);
    expect(client.data()).toBe(payload);
  });

  test('answer speaks in the server’s place with the tag of the matched command, then closes', async () => {
    const { sink, proxy } = await setup('* OK ready\r\n');
    const fault = proxy.arm({
      direction: 'toServer',
      pattern: ' LOGIN ',
      action: { kind: 'answer', text: (line) => `${line.split(' ')[0]} NO [UNAVAILABLE] busy\r\n` },
    });
    const client = await connect(proxy);
    await until(() => client.data() === '* OK ready\r\n');
    client.socket.write('A7 LOGIN "joe" "secret"\r\n');
    await fault.fired;
    expect(await client.closed).toBe('close');
    expect(client.data()).toBe('* OK ready\r\nA7 NO [UNAVAILABLE] busy\r\n');
    // The server never saw the password.
    expect(receivedText(sink)).not.toContain('secret');
  });
});
