/**
 * Running syncs per IMAP host against their caps, as the admission counts
 * them (src/controller/admission/hosts.ts: a host is its lowercased name
 * without a trailing dot, the port is not part of it; source and destination
 * are counted apart): the controller's --max-running-per-host (one cap over
 * all syncs, 0 = none) and each migration's own cap, spec.concurrency
 * perSourceHost / perDestinationHost or the limit its `auto` chose
 * (status.concurrency.hosts). Pure.
 */
import type { MailSync } from '../../api/mailsync.js';
import { LABEL_MIGRATION } from '../../api/migration.js';
import type { MailMigration } from '../../api/migration-object.js';

export type HostRole = 'source' | 'destination';

export interface MigrationHostLoad {
  /** "namespace/name". */
  migration: string;
  running: number;
  /** The migration's cap on this host, if it has one. */
  limit?: number;
  /** Where the limit comes from. */
  limitFrom?: 'spec.concurrency' | 'auto';
}

export interface HostLoad {
  role: HostRole;
  host: string;
  running: number;
  /** --max-running-per-host (undefined: no cap). */
  cap?: number;
  migrations: MigrationHostLoad[];
}

export const hostKey = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');

const isRunning = (ms: MailSync) => ms.status?.phase === 'Running';

function migrationLimit(
  mm: MailMigration | undefined,
  role: HostRole,
  host: string,
): Omit<MigrationHostLoad, 'migration' | 'running'> {
  if (!mm) return {};
  const concurrency = mm.spec.concurrency;
  if (concurrency?.auto) {
    const chosen = mm.status?.concurrency?.hosts?.find((h) => h.role === role && hostKey(h.host) === host);
    if (chosen) return { limit: chosen.limit, limitFrom: 'auto' };
  }
  const fixed = role === 'source' ? concurrency?.perSourceHost : concurrency?.perDestinationHost;
  return fixed === undefined ? {} : { limit: fixed, limitFrom: 'spec.concurrency' };
}

export function hostLoads(
  syncs: readonly MailSync[],
  migrations: readonly MailMigration[],
  maxRunningPerHost: number,
): HostLoad[] {
  const byKey = new Map<string, HostLoad>();
  const migrationsByKey = new Map(
    migrations.map((mm) => [`${mm.metadata.namespace ?? ''}/${mm.metadata.name ?? ''}`, mm]),
  );
  for (const ms of syncs.filter(isRunning)) {
    for (const role of ['source', 'destination'] as const) {
      const host = hostKey(ms.spec[role].host);
      const key = `${role}\0${host}`;
      let load = byKey.get(key);
      if (!load) {
        load = { role, host, running: 0, migrations: [], ...(maxRunningPerHost > 0 ? { cap: maxRunningPerHost } : {}) };
        byKey.set(key, load);
      }
      load.running++;
      const name = ms.metadata.labels?.[LABEL_MIGRATION];
      if (!name) continue;
      const migration = `${ms.metadata.namespace ?? ''}/${name}`;
      let mine = load.migrations.find((m) => m.migration === migration);
      if (!mine) {
        mine = { migration, running: 0, ...migrationLimit(migrationsByKey.get(migration), role, host) };
        load.migrations.push(mine);
      }
      mine.running++;
    }
  }
  return [...byKey.values()].sort(
    (a, b) => b.running - a.running || a.role.localeCompare(b.role) || a.host.localeCompare(b.host),
  );
}

/** True when the host is at (or over) a cap: the global one or one of its migrations'. */
export function atCap(load: HostLoad): boolean {
  if (load.cap !== undefined && load.running >= load.cap) return true;
  return load.migrations.some((m) => m.limit !== undefined && m.running >= m.limit);
}
