/**
 * A fault-injecting TCP proxy on 127.0.0.1 in front of a server: the one
 * proxy of the tests (the fault matrix in test/integration/faults, dropped
 * connections, a server that hangs during a graceful stop...). It forwards raw TCP, so TLS passes
 * through untouched: the client still sees the server's certificate, valid
 * for 127.0.0.1 / localhost, and only the bytes' timing and fate change.
 *
 * Faults are armed ahead and fire at an exact byte, in one direction:
 * - after N more bytes in that direction (counted over all connections), e.g.
 *   "half of the next APPEND literal", which works through TLS too;
 * - after a text has passed in that direction on one connection (plus an
 *   offset), e.g. "the client sent `LOGIN`", "40 bytes into the FETCH
 *   literal". Text is only visible on plaintext connections without
 *   COMPRESS=DEFLATE (tests point the engine at the server's plaintext port).
 * The proxy forwards exactly up to that byte, then: `reset` (RST both ways),
 * `close` (FIN both ways, no BYE), `stall` (the connection stays open, no byte
 * moves either way, for a while or for good), `slow` (that direction trickles
 * at a rate from then on) or `answer` (writes a server line to the client,
 * e.g. `* BYE [UNAVAILABLE] ...`, and closes).
 */
import net from 'node:net';

/** toServer: bytes the client sends; toClient: bytes the server sends. */
export type Direction = 'toServer' | 'toClient';

export type FaultAction =
  | { kind: 'reset' }
  | { kind: 'close' }
  /** No byte moves on the connection (either way) for `ms`, or until the proxy closes. */
  | { kind: 'stall'; ms?: number }
  /** From the trigger on, this direction of the connection moves at most `bytesPerSecond`. */
  | { kind: 'slow'; bytesPerSecond: number }
  /**
   * Instead of forwarding the rest, sends `text` to the client as if the server said it, then closes
   * both sides (plaintext only). A function gets the line of the stream the pattern was found in
   * (e.g. `A7 LOGIN ...`, to answer with its tag).
   */
  | { kind: 'answer'; text: string | ((line: string) => string) };

export interface FaultSpec {
  direction: Direction;
  /** Fire once this many more bytes have passed in `direction` (over all connections, counted from arming). */
  afterBytes?: number;
  /** Fire once this text (latin1) has passed in `direction` on a connection, then `offset` bytes more. */
  pattern?: string;
  offset?: number;
  /** Let this many pattern matches pass before the one that fires (default 0). */
  skip?: number;
  /** How many times the fault fires (each time on the connection that reaches it; default 1). */
  times?: number;
  action: FaultAction;
}

export interface Fault {
  /** Times it fired so far. */
  readonly hits: number;
  /** Resolves when it fired for the first time. */
  readonly fired: Promise<void>;
  disarm(): void;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now. */
  readonly open: number;
  /** Bytes forwarded from clients to the server, over all connections. */
  readonly bytesFromClients: number;
  /** Bytes forwarded from the server to clients, over all connections. */
  readonly bytesToClients: number;
  arm(spec: FaultSpec): Fault;
  /** Destroys every open connection (both sides), like a network failure (RST). */
  dropAll(): void;
  /** Cuts every open connection once `bytes` more bytes have come from clients (e.g. mid-APPEND literal). */
  dropAfterClientBytes(bytes: number): Promise<void>;
  /** Every connection, open or new, stops forwarding (both ways) and stays open: a server that hangs. */
  stallAll(): void;
  /** While refusing, new connections are reset at once (the server looks down). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

/** One direction of one connection: where bytes go, and whether they move now, later or slowly. */
class Valve {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private stalled = false;
  private rate: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
  ) {
    to.on('drain', () => from.resume());
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0 || this.to.destroyed) return;
    if (this.stalled || this.rate !== undefined || this.heldBytes > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      // Keep memory bounded while holding: stop reading the sender (TCP pushes back).
      if (this.heldBytes > 1 << 20) this.from.pause();
      this.pump();
      return;
    }
    if (!this.to.write(chunk)) this.from.pause();
  }

  stall(on: boolean): void {
    this.stalled = on;
    if (on) this.from.pause();
    else {
      this.from.resume();
      this.pump();
    }
  }

  slow(bytesPerSecond: number): void {
    this.rate = bytesPerSecond;
    this.pump();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    if (this.stalled || this.heldBytes === 0) return;
    if (this.rate === undefined) {
      for (const chunk of this.held.splice(0)) this.to.write(chunk);
      this.heldBytes = 0;
      this.from.resume();
      return;
    }
    if (this.timer) return;
    const tickMs = 50;
    const perTick = Math.max(1, Math.floor((this.rate * tickMs) / 1000));
    this.timer = setInterval(() => {
      if (this.stalled || this.to.destroyed) return;
      let budget = perTick;
      while (budget > 0 && this.held.length > 0) {
        const head = this.held[0]!;
        const part = head.subarray(0, budget);
        this.to.write(part);
        budget -= part.length;
        this.heldBytes -= part.length;
        if (part.length === head.length) this.held.shift();
        else this.held[0] = head.subarray(part.length);
      }
      if (this.heldBytes < 1 << 20) this.from.resume();
      if (this.held.length === 0) this.stop();
    }, tickMs);
  }
}

interface Connection {
  client: net.Socket;
  upstream: net.Socket;
  valves: Record<Direction, Valve>;
  /** Bytes seen so far in each direction on this connection. */
  seen: Record<Direction, number>;
  closed: boolean;
}

interface ArmedFault {
  spec: FaultSpec;
  hits: number;
  /** afterBytes: the direction's global byte count at which it fires. */
  at?: number;
  /** pattern: per connection, the last bytes (to find a match across chunks), a pending fire position, the matched line. */
  tails: WeakMap<Connection, { tail: string; pendingAt?: number; line?: string }>;
  /** pattern: matches so far, over all connections (for `skip`). */
  matches: number;
  resolve: () => void;
  fired: Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const open = new Set<Connection>();
  const faults = new Set<ArmedFault>();
  const totals: Record<Direction, number> = { toServer: 0, toClient: 0 };
  let connections = 0;
  let refusing = false;
  let hanging = false;

  const destroy = (conn: Connection, how: 'reset' | 'close') => {
    if (conn.closed) return;
    conn.closed = true;
    open.delete(conn);
    conn.valves.toServer.stop();
    conn.valves.toClient.stop();
    if (how === 'reset') {
      conn.client.resetAndDestroy();
      conn.upstream.resetAndDestroy();
    } else {
      conn.client.end();
      conn.upstream.end();
      conn.client.destroySoon();
      conn.upstream.destroySoon();
    }
  };

  /** Where in `chunk` (0..length) the fault fires on `conn`, or undefined. Updates the pattern state. */
  const firePosition = (fault: ArmedFault, conn: Connection, chunk: Buffer): number | undefined => {
    const { spec } = fault;
    if (spec.afterBytes !== undefined) {
      const position = fault.at! - totals[spec.direction];
      return position <= chunk.length ? Math.max(position, 0) : undefined;
    }
    const pattern = spec.pattern!;
    let state = fault.tails.get(conn);
    if (!state) {
      state = { tail: '' };
      fault.tails.set(conn, state);
    }
    const start = conn.seen[spec.direction];
    if (state.pendingAt === undefined) {
      const text = state.tail + chunk.toString('latin1');
      let from = 0;
      for (;;) {
        const index = text.indexOf(pattern, from);
        if (index < 0) break;
        from = index + 1;
        fault.matches += 1;
        if (fault.matches <= (spec.skip ?? 0)) continue;
        const endInChunk = index + pattern.length - state.tail.length;
        const lineEnd = text.indexOf('\r\n', index);
        state.line = text.slice(text.lastIndexOf('\n', index) + 1, lineEnd < 0 ? undefined : lineEnd);
        state.pendingAt = start + endInChunk + (spec.offset ?? 0);
        break;
      }
      state.tail = text.slice(-Math.max(0, pattern.length - 1));
    }
    if (state.pendingAt === undefined) return undefined;
    const position = state.pendingAt - start;
    if (position > chunk.length) return undefined;
    state.pendingAt = undefined;
    return Math.max(position, 0);
  };

  /**
   * Counts the hit (re-arming a byte-count fault N bytes further) and acts; a reset may be deferred a
   * tick. Returns whether `rest` (the chunk after the fault) still goes through (stall, slow).
   */
  const apply = (fault: ArmedFault, conn: Connection, rest: Buffer, defer: boolean): boolean => {
    fault.hits += 1;
    const { spec } = fault;
    if (fault.hits >= (spec.times ?? 1)) faults.delete(fault);
    else if (spec.afterBytes !== undefined) fault.at = fault.at! + spec.afterBytes;
    const action = spec.action;
    const valve = conn.valves[spec.direction];
    switch (action.kind) {
      case 'reset':
      case 'close':
        if (defer) {
          // The kept bytes leave before the cut (a reset discards data not yet sent).
          conn.client.pause();
          conn.upstream.pause();
          setImmediate(() => destroy(conn, action.kind));
        } else {
          destroy(conn, action.kind);
        }
        break;
      case 'answer':
        conn.client.write(
          typeof action.text === 'function' ? action.text(fault.tails.get(conn)?.line ?? '') : action.text,
        );
        destroy(conn, 'close');
        break;
      case 'stall':
        conn.valves.toServer.stall(true);
        conn.valves.toClient.stall(true);
        valve.write(rest);
        if (action.ms !== undefined) {
          setTimeout(() => {
            conn.valves.toServer.stall(false);
            conn.valves.toClient.stall(false);
          }, action.ms).unref();
        }
        break;
      case 'slow':
        valve.slow(action.bytesPerSecond);
        valve.write(rest);
        break;
    }
    fault.resolve();
    return action.kind === 'stall' || action.kind === 'slow';
  };

  /** Forwards one chunk; the first fault that fires inside it splits it there (one fault per chunk). */
  const forward = (conn: Connection, direction: Direction, chunk: Buffer) => {
    if (conn.closed) return;
    let first: { fault: ArmedFault; position: number } | undefined;
    for (const fault of faults) {
      if (fault.spec.direction !== direction) continue;
      const position = firePosition(fault, conn, chunk);
      if (position !== undefined && (!first || position < first.position)) first = { fault, position };
    }
    const count = (bytes: number) => {
      totals[direction] += bytes;
      conn.seen[direction] += bytes;
    };
    if (!first) {
      conn.valves[direction].write(chunk);
      count(chunk.length);
      return;
    }
    conn.valves[direction].write(chunk.subarray(0, first.position));
    count(first.position);
    const rest = chunk.subarray(first.position);
    if (apply(first.fault, conn, rest, first.position > 0)) count(rest.length);
  };

  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    connections++;
    const upstream = net.connect(target);
    const conn: Connection = {
      client,
      upstream,
      valves: { toServer: new Valve(client, upstream), toClient: new Valve(upstream, client) },
      seen: { toServer: 0, toClient: 0 },
      closed: false,
    };
    open.add(conn);
    if (hanging) {
      conn.valves.toServer.stall(true);
      conn.valves.toClient.stall(true);
    }
    const end = () => destroy(conn, 'close');
    client.on('error', () => destroy(conn, 'reset')).on('close', end);
    upstream.on('error', () => destroy(conn, 'reset')).on('close', end);
    client.on('end', end);
    upstream.on('end', end);
    client.on('data', (chunk: Buffer) => forward(conn, 'toServer', chunk));
    upstream.on('data', (chunk: Buffer) => forward(conn, 'toClient', chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  const dropAll = () => {
    for (const conn of [...open]) destroy(conn, 'reset');
  };

  const arm = (spec: FaultSpec): Fault => {
    if ((spec.afterBytes === undefined) === (spec.pattern === undefined)) {
      throw new Error('a fault needs exactly one of afterBytes and pattern');
    }
    let resolve!: () => void;
    const fired = new Promise<void>((r) => {
      resolve = r;
    });
    const fault: ArmedFault = {
      spec,
      hits: 0,
      at: spec.afterBytes === undefined ? undefined : totals[spec.direction] + spec.afterBytes,
      tails: new WeakMap(),
      matches: 0,
      resolve,
      fired,
    };
    faults.add(fault);
    return {
      get hits() {
        return fault.hits;
      },
      fired,
      disarm: () => faults.delete(fault),
    };
  };

  return {
    host: '127.0.0.1',
    port,
    get connections() {
      return connections;
    },
    get open() {
      return open.size;
    },
    get bytesFromClients() {
      return totals.toServer;
    },
    get bytesToClients() {
      return totals.toClient;
    },
    arm,
    dropAll,
    dropAfterClientBytes(bytes) {
      return arm({ direction: 'toServer', afterBytes: bytes, action: { kind: 'reset' } }).fired.then(
        () => new Promise<void>((resolve) => setImmediate(() => resolve(dropAll()))),
      );
    },
    stallAll() {
      hanging = true;
      for (const conn of open) {
        conn.valves.toServer.stall(true);
        conn.valves.toClient.stall(true);
      }
    },
    refuse(on) {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const conn of [...open]) destroy(conn, 'reset');
        server.close(() => resolve());
      }),
  };
}
