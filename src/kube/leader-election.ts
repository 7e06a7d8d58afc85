/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
 * the leader renews the Lease every `retryPeriod`; a standby takes it over
 * once it has seen no renewal for `leaseDuration` (measured on its own clock
 * from the moment it observed the last change, so clock skew does not
 * matter); a leader that cannot renew within `renewDeadline` steps down.
 * Every Lease request of a leader carries the time left until that deadline
 * as its timeout (and goes on the client's own 'leader' lane), so a slow or
 * hung renewal ends in stepping down before the Lease can expire for the
 * others: never two leaders. The deadline counts from when the last
 * successful renewal was sent, which is no later than the renewTime it wrote.
 * On shutdown the leader releases the Lease so the standby takes over at once.
 */
import type { V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, type RequestOptions } from './kube-client.js';
import { paths } from './paths.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/**
 * controller-runtime's defaults. A standby takes over at most leaseDuration +
 * retryPeriod after the last renewal (about 17 s). The renew deadline leaves a
 * leader whose event loop is stalled by a burst (hundreds of pods starting on
 * a busy node) time to renew: 8 s lost the lease in `npm run bench:live` at
 * 500 pods on a loaded 2-core machine.
 */
export const DEFAULT_LEASE = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };

/** Lease times are MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  #observedRecord = '';
  #observedAt = 0;
  #leading = false;
  #stopped = false;
  #lastRenew = 0;
  /** The Lease as this leader last wrote it: the next renewal replaces it without reading it first. */
  #written?: V1Lease;
  #timer?: NodeJS.Timeout;
  #wake?: () => void;
  #loop?: Promise<void>;

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly options: LeaderElectionOptions,
  ) {}

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * Campaign until elected (onStarted), then renew; calls onStopped once if
   * leadership is lost. Resolves when stopped.
   */
  run(hooks: { onStarted(): void; onStopped(): void }): Promise<void> {
    this.#loop = (async () => {
      const period = this.options.retryPeriodSeconds * 1000;
      const renewDeadline = this.options.renewDeadlineSeconds * 1000;
      while (!this.#stopped) {
        const started = Date.now();
        // A leader must have renewed by this instant; a candidate gives an attempt as long.
        const until = this.#leading ? this.#lastRenew + renewDeadline : started + renewDeadline;
        const ok =
          until > started &&
          (await this.#tryAcquireOrRenew(until).catch((error) => {
            this.log.warn({ err: String(error) }, 'lease update failed');
            return false;
          }));
        if (this.#stopped) break;
        if (ok) {
          this.#lastRenew = started;
          if (!this.#leading) {
            this.#leading = true;
            this.log.info({ lease: `${this.options.namespace}/${this.options.name}` }, 'became leader');
            hooks.onStarted();
          }
        } else if (this.#leading && Date.now() >= this.#lastRenew + renewDeadline) {
          this.#leading = false;
          this.log.error('lost the lease (could not renew within the deadline)');
          hooks.onStopped();
          return;
        }
        // A leader whose renewal failed tries again, but never sleeps past its deadline.
        const wait = this.#leading && !ok ? Math.min(period, this.#lastRenew + renewDeadline - Date.now()) : period;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = setTimeout(resolve, Math.max(0, wait));
        });
      }
    })();
    return this.#loop;
  }

  async #tryAcquireOrRenew(until: number): Promise<boolean> {
    const started = Date.now();
    try {
      return await this.#attempt(until);
    } finally {
      // A renewal that needs more than the retry period eats into the renew deadline: say so, as the
      // first sign of an overloaded API server (or of this process being starved of CPU).
      const took = Date.now() - started;
      if (took > this.options.retryPeriodSeconds * 1000) this.log.warn({ tookMs: took }, 'slow lease update');
    }
  }

  async #attempt(until: number): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = new Date();
    const call = (): RequestOptions => ({ lane: 'leader', timeoutMs: Math.max(1, until - Date.now()) });
    // Fast path, as client-go's: the leader replaces the Lease it wrote last (its resourceVersion
    // guards against anyone else's change) in one request instead of a read and a write. A conflict
    // (someone else wrote it) falls back to reading it.
    if (this.#leading && this.#written) {
      const renewed = this.#renewed(this.#written, now);
      try {
        this.#written = await this.client.replace<V1Lease>(paths.lease(namespace, name), renewed, call());
        return true;
      } catch (error) {
        this.#written = undefined;
        if (!isConflict(error)) throw error;
      }
    }
    let lease: V1Lease;
    try {
      lease = await this.client.get<V1Lease>(paths.lease(namespace, name), undefined, call());
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        this.#written = await this.client.create<V1Lease>(
          paths.leases(namespace),
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
          call(),
        );
        return true;
      } catch (createError) {
        if (isAlreadyExists(createError)) return false;
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const record = `${spec.holderIdentity ?? ''}|${String(spec.renewTime ?? '')}|${spec.leaseTransitions ?? 0}`;
    if (record !== this.#observedRecord) {
      this.#observedRecord = record;
      this.#observedAt = now.getTime();
    }
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && this.#observedAt + duration > now.getTime()) return false;

    try {
      this.#written = await this.client.replace<V1Lease>(
        paths.lease(namespace, name),
        this.#renewed(lease, now),
        call(),
      );
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** The Lease held by this identity from `now` (a new acquisition when it changes hands). */
  #renewed(lease: V1Lease, now: Date): V1Lease {
    const { identity, leaseDurationSeconds } = this.options;
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const changingHands = holder !== identity;
    return {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: microTime(now) as unknown as Date,
        acquireTime: (changingHands ? microTime(now) : spec.acquireTime) as unknown as Date,
        // As client-go: every acquisition by a new holder counts, a released (empty) Lease's included.
        leaseTransitions: (spec.leaseTransitions ?? 0) + (changingHands ? 1 : 0),
      },
    };
  }

  /**
   * Stop campaigning; a leader gives the Lease up so a standby need not wait for it to expire.
   * `timeoutMs` bounds each of the two requests of the release (shutdown has a budget).
   */
  async stop(timeoutMs?: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop?.catch(() => {});
    if (!this.#leading) return;
    this.#leading = false;
    const { namespace, name, identity } = this.options;
    try {
      const call: RequestOptions = { lane: 'leader', ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
      const lease = await this.client.get<V1Lease>(paths.lease(namespace, name), undefined, call);
      if (lease.spec?.holderIdentity !== identity) return;
      await this.client.replace(
        paths.lease(namespace, name),
        {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
        },
        call,
      );
      this.log.info('released the lease');
    } catch (error) {
      this.log.warn({ err: String(error) }, 'could not release the lease');
    }
  }
}
