/**
 * `concurrency: auto` of one MailMigration, the bookkeeping: what its
 * children did against each host (source role and destination role apart)
 * during the current window, and the limit decided at the end of each window
 * (admission/aimd.ts). Fed by every reconcile of the migration with its
 * children; the limits live in status.concurrency (the MailSync controller's
 * admission reads them there), so a controller restart keeps them and only
 * starts a new window.
 *
 * What counts, per host:
 * - throughput: messages copied by the children's runs (live progress, then
 *   the summary) since the window began, per second;
 * - running: the most children in phase Running at one look;
 * - throttling: a run that ended ServerBusy or ConnectFailed against the
 *   host (the side its exit code names, else both hosts), counted once per
 *   run, and not if it started before the last decrease (a run admitted
 *   under the old, higher limit says nothing about the new one). A
 *   throttling signal ends the window at once: the back-off does not wait
 *   for the window's end.
 */
import { reasonForExitCode } from '../../api/exit-codes.js';
import type { MailSync } from '../../api/mailsync.js';
import { MAX_AUTO_HOSTS } from '../../api/migration.js';
import type { Concurrency } from '../../api/migration-spec.js';
import type { HostConcurrency } from '../../api/migration-status.js';
import { ConditionType } from '../../api/status.js';
import { type AutoSettings, autoSettings, decideLimit, type HostRole } from '../admission/aimd.js';
import { hostKey } from '../admission/hosts.js';

/** Failure reasons that mean "the server takes no more": back off. */
export const THROTTLE_REASONS: ReadonlySet<string> = new Set(['ServerBusy', 'ConnectFailed']);

export interface LimitChange {
  role: HostRole;
  host: string;
  from: number;
  to: number;
  reason: string;
}

export interface AutoStatus {
  hosts: HostConcurrency[];
  display: string;
}

export interface AutoStep {
  status: AutoStatus;
  changes: LimitChange[];
  /** The next window ends in this many ms (reconcile again then). */
  nextDecisionMs?: number;
}

interface Window {
  start: number;
  messages: number;
  running: number;
  throttled: number;
}

const ROLES: readonly HostRole[] = ['source', 'destination'];
const keyOf = (role: HostRole, host: string) => `${role}\n${host}`;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** "src a=4, dst b=6" (printer column). */
export function describeLimits(hosts: readonly HostConcurrency[]): string {
  return hosts.map((h) => `${h.role === 'source' ? 'src' : 'dst'} ${h.host}=${h.limit}`).join(', ');
}

function copiedOf(child: MailSync): number {
  const status = child.status ?? {};
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed' || status.phase === 'Aborted';
  return (terminal ? status.summary?.messagesTransferred : undefined) ?? status.progress?.messagesCopied ?? 0;
}

/** The roles a throttled run names: the side of its exit code, else both. */
function throttledRoles(child: MailSync): readonly HostRole[] {
  const exitCode = child.status?.summary?.exitCode;
  const side = typeof exitCode === 'number' ? reasonForExitCode(exitCode).side : undefined;
  return side ? [side] : ROLES;
}

export class AutoConcurrency {
  /** Runs that ended before this tracker existed are old news (a controller restart). */
  readonly #since: number;
  /** Per child: the run (its start time) and its messages at the last look. */
  readonly #runs = new Map<string, { run: string; messages: number }>();
  /** Throttled runs counted already ("child|request|retry number"). */
  readonly #counted = new Set<string>();
  readonly #windows = new Map<string, Window>();
  /** The last window's throughput and limit, per host. */
  readonly #previous = new Map<string, { throughput: number; limit: number }>();
  /** When each host's limit was last lowered (ms). */
  readonly #decreasedAt = new Map<string, number>();

  constructor(now: Date) {
    this.#since = now.getTime();
  }

  /**
   * One look: account for what the children did, and decide for every host whose window is
   * over. `active`: a pass is running (between passes nothing is measured or decided).
   */
  step(input: {
    concurrency: Concurrency | undefined;
    children: readonly MailSync[];
    previous: readonly HostConcurrency[] | undefined;
    active: boolean;
    now: Date;
  }): AutoStep | undefined {
    const now = input.now.getTime();
    const settings = new Map<HostRole, AutoSettings>();
    for (const role of ROLES) {
      const s = autoSettings(input.concurrency, role);
      if (s) settings.set(role, s);
    }
    if (settings.size === 0) return undefined;

    const entries = new Map<string, HostConcurrency>();
    for (const h of input.previous ?? []) entries.set(keyOf(h.role, h.host), h);
    const seen = new Map<string, { role: HostRole; host: string; running: number }>();
    for (const child of input.children) {
      const hosts = { source: hostKey(child.spec.source.host), destination: hostKey(child.spec.destination.host) };
      const messages = this.#copiedSinceLastLook(child);
      const throttled = this.#throttleSignal(child, (role) => keyOf(role, hosts[role]));
      for (const role of ROLES) {
        const key = keyOf(role, hosts[role]);
        const host = seen.get(key) ?? { role, host: hosts[role], running: 0 };
        seen.set(key, host);
        if (child.status?.phase === 'Running') host.running++;
        const window = this.#window(key, now);
        window.messages += messages;
        if (throttled.includes(role)) window.throttled++;
      }
    }

    const hosts: HostConcurrency[] = [];
    const changes: LimitChange[] = [];
    let nextDecisionMs: number | undefined;
    for (const [key, { role, host, running }] of seen) {
      const s = settings.get(role);
      if (!s) continue;
      const window = this.#window(key, now);
      let entry = entries.get(key) ?? { role, host, limit: s.initial, reason: `initial ${s.initial}` };
      if (!input.active) {
        this.#windows.set(key, { start: now, messages: 0, running: 0, throttled: 0 });
        hosts.push(entry);
        continue;
      }
      window.running = Math.max(window.running, running);
      const elapsedMs = now - window.start;
      const windowMs = s.windowSeconds * 1000;
      if (elapsedMs >= windowMs || window.throttled > 0) {
        const throughput = elapsedMs > 0 ? (window.messages * 1000) / elapsedMs : 0;
        const decision = decideLimit({
          settings: s,
          limit: entry.limit,
          throughput,
          previous: this.#previous.get(key),
          running: window.running,
          throttled: window.throttled,
        });
        this.#previous.set(key, { throughput, limit: entry.limit });
        if (decision.change === 'decrease') this.#decreasedAt.set(key, now);
        if (decision.limit !== entry.limit) {
          changes.push({ role, host, from: entry.limit, to: decision.limit, reason: decision.reason });
        }
        entry = {
          role,
          host,
          limit: decision.limit,
          throughput: round1(throughput),
          running: window.running,
          throttled: window.throttled,
          windowEnd: input.now.toISOString(),
          ...(decision.limit !== entry.limit
            ? { lastChange: input.now.toISOString() }
            : entry.lastChange
              ? { lastChange: entry.lastChange }
              : {}),
          reason: decision.reason,
        };
        this.#windows.set(key, { start: now, messages: 0, running, throttled: 0 });
        nextDecisionMs = Math.min(nextDecisionMs ?? windowMs, windowMs);
      } else {
        nextDecisionMs = Math.min(nextDecisionMs ?? windowMs, windowMs - elapsedMs);
      }
      hosts.push(entry);
    }
    for (const key of this.#windows.keys()) if (!seen.has(key)) this.#windows.delete(key);
    hosts.sort((a, b) => a.role.localeCompare(b.role) || a.host.localeCompare(b.host));
    const kept = hosts.slice(0, MAX_AUTO_HOSTS);
    return {
      status: { hosts: kept, display: describeLimits(kept) },
      changes,
      ...(nextDecisionMs !== undefined ? { nextDecisionMs } : {}),
    };
  }

  #window(key: string, now: number): Window {
    let window = this.#windows.get(key);
    if (!window) {
      window = { start: now, messages: 0, running: 0, throttled: 0 };
      this.#windows.set(key, window);
    }
    return window;
  }

  /** Messages the child's run copied since the last look (0 at the first look: the baseline). */
  #copiedSinceLastLook(child: MailSync): number {
    const name = child.metadata.name ?? '';
    const run = child.status?.startTime ?? '';
    const messages = copiedOf(child);
    const last = this.#runs.get(name);
    this.#runs.set(name, { run, messages });
    if (!last) return 0;
    if (last.run !== run) return messages;
    return Math.max(0, messages - last.messages);
  }

  /**
   * The roles a throttled run of this child names, once per run: seen ended (phase Failed with
   * the reason), or, when its retry started before this look, through the retry (condition
   * Retrying keeps the reason it retries; the failed run was retry number `retries - 1`).
   */
  #throttleSignal(child: MailSync, key: (role: HostRole) => string): readonly HostRole[] {
    const status = child.status ?? {};
    const name = child.metadata.name ?? '';
    const request = status.lastRequestedAt ?? '';
    if (status.phase === 'Failed') {
      const reason = status.lastError?.reason;
      if (!reason || !THROTTLE_REASONS.has(reason) || !status.completionTime) return [];
      if (!this.#count(`${name}|${request}|${status.retries ?? 0}`)) return [];
      if (Date.parse(status.completionTime) < this.#since) return [];
      const started = Date.parse(status.startTime ?? status.completionTime);
      // A run admitted under the old, higher limit says nothing about the new one.
      return throttledRoles(child).filter((role) => started >= (this.#decreasedAt.get(key(role)) ?? 0));
    }
    const retrying = status.conditions?.find((c) => c.type === ConditionType.Retrying && c.status === 'True');
    const retries = status.retries ?? 0;
    if (!retrying || !THROTTLE_REASONS.has(retrying.reason) || retries < 1 || !status.startTime) return [];
    if (!this.#count(`${name}|${request}|${retries - 1}`)) return [];
    return Date.parse(status.startTime) >= this.#since ? ROLES : [];
  }

  /** True the first time `id` is seen. */
  #count(id: string): boolean {
    if (this.#counted.has(id)) return false;
    this.#counted.add(id);
    return true;
  }

  /** Forget children that are gone (their names may come back with new runs). */
  prune(children: readonly MailSync[]): void {
    const names = new Set(children.map((c) => c.metadata.name ?? ''));
    for (const name of this.#runs.keys()) if (!names.has(name)) this.#runs.delete(name);
    for (const id of this.#counted) if (!names.has(id.slice(0, id.indexOf('|')))) this.#counted.delete(id);
  }
}
