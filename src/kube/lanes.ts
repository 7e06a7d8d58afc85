/**
 * The connection settings and one keep-alive agent per lane:
 * - requests: short calls (get, create, patch...), at most 32 sockets;
 * - urgent: short calls the caller marks as news a user waits for (a status
 *   phase change), 16 sockets of their own: at a mass start the 32 request
 *   sockets are all busy with hundreds waiting, and a MailSync's `Running`
 *   waited behind every other one's start and progress;
 * - streams: watches and log follows, which hold a socket for minutes; no
 *   socket limit (the callers bound how many they open), so they never queue
 *   short calls behind them nor each other;
 * - leader: the Lease, two sockets of its own, so a renewal is never queued
 *   behind anything (a late renewal means a lost lease).
 * Settings are read again after `ttlMs` (rotated tokens) or on demand after
 * a 401; agents are kept while the TLS settings stay the same.
 */
import http from 'node:http';
import https from 'node:https';
import type { Connection, ConnectionSource } from './kube-config.js';

export type Lane = 'requests' | 'urgent' | 'streams' | 'leader';
export const LANES: readonly Lane[] = ['requests', 'urgent', 'streams', 'leader'];

const MAX_SOCKETS: Record<Lane, number> = {
  requests: 32,
  urgent: 16,
  streams: Number.POSITIVE_INFINITY,
  leader: 2,
};

export interface Live {
  connection: Connection;
  transport: typeof http | typeof https;
  agents: Record<Lane, http.Agent>;
  fetchedAt: number;
}

const sameBuffer = (a?: Buffer, b?: Buffer) => (a && b ? a.equals(b) : a === b);
const sameTls = (a: Connection, b: Connection) =>
  a.server.origin === b.server.origin &&
  sameBuffer(a.ca, b.ca) &&
  sameBuffer(a.cert, b.cert) &&
  sameBuffer(a.key, b.key) &&
  a.rejectUnauthorized === b.rejectUnauthorized &&
  a.servername === b.servername;
const sameHeaders = (a: Connection, b: Connection) => JSON.stringify(a.headers) === JSON.stringify(b.headers);

function agentsFor(connection: Connection): Record<Lane, http.Agent> {
  const make = (lane: Lane) =>
    connection.server.protocol === 'https:'
      ? new https.Agent({
          keepAlive: true,
          maxSockets: MAX_SOCKETS[lane],
          maxFreeSockets: 8,
          ca: connection.ca,
          cert: connection.cert,
          key: connection.key,
          rejectUnauthorized: connection.rejectUnauthorized,
          ...(connection.servername ? { servername: connection.servername } : {}),
        })
      : new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS[lane], maxFreeSockets: 8 });
  return Object.fromEntries(LANES.map((lane) => [lane, make(lane)])) as Record<Lane, http.Agent>;
}

export class Lanes {
  #live?: Live;
  /** One load at a time: concurrent first calls share it (and its agents). */
  #loading?: Promise<Live>;

  constructor(
    readonly source: ConnectionSource,
    readonly ttlMs: number,
  ) {}

  async current(): Promise<Live> {
    const live = this.#live;
    if (live && Date.now() - live.fetchedAt < this.ttlMs) return live;
    return this.#reload();
  }

  /** Read the settings again now; true when they changed (a retry may then succeed). */
  async refresh(): Promise<boolean> {
    const before = this.#live;
    const after = await this.#reload();
    return (
      !before || !sameHeaders(before.connection, after.connection) || !sameTls(before.connection, after.connection)
    );
  }

  #reload(): Promise<Live> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<Live> {
    const cached = this.#live;
    const connection = await this.source.connection();
    const reuse = cached && sameTls(cached.connection, connection);
    if (cached && !reuse) for (const agent of Object.values(cached.agents)) agent.destroy();
    this.#live = {
      connection,
      transport: connection.server.protocol === 'https:' ? https : http,
      agents: reuse ? cached.agents : agentsFor(connection),
      fetchedAt: Date.now(),
    };
    return this.#live;
  }

  async sockets(): Promise<Record<Lane, number>> {
    return this.#perLane((agent) => agent.sockets);
  }

  /** Requests waiting for a socket of their lane's agent (all sockets busy). */
  waiting(): Record<Lane, number> {
    return this.#perLane((agent) => agent.requests);
  }

  /** Per lane, the entries of one of its agent's lists (keyed by host). */
  #perLane(lists: (agent: http.Agent) => NodeJS.ReadOnlyDict<unknown[]>): Record<Lane, number> {
    const agents = this.#live?.agents;
    const count = (agent?: http.Agent) =>
      agent ? Object.values(lists(agent)).reduce((n, list) => n + (list?.length ?? 0), 0) : 0;
    return Object.fromEntries(LANES.map((lane) => [lane, count(agents?.[lane])])) as Record<Lane, number>;
  }

  close(): void {
    for (const agent of Object.values(this.#live?.agents ?? {})) agent.destroy();
  }
}
