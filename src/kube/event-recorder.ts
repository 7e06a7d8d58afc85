/**
 * Kubernetes Events (core/v1, like client-go's recorder) on any object: one
 * per call. Repeats of the same reason and message on the same object within
 * a few minutes bump the count of the existing Event instead of creating
 * another.
 */
import { createHash } from 'node:crypto';
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isNamespaceTerminating, type KubeClient } from './kube-client.js';
import { paths } from './paths.js';

export type EventType = 'Normal' | 'Warning';

/** core/v1 ObjectReference of the object an Event is about (objects from a list carry no apiVersion/kind). */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

const MAX_MESSAGE = 1024;
const DEDUPE_MS = 10 * 60_000;

export class EventRecorder {
  readonly #recent = new Map<string, { name: string; count: number; at: number }>();

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    /** source.component and reportingComponent of every Event, e.g. "mailsync-controller". */
    readonly component: string,
    readonly host = process.env.HOSTNAME ?? '',
  ) {}

  /** Fire and forget: an Event that cannot be written is logged, never fails a reconcile. */
  record(object: ObjectReference, type: EventType, reason: string, message: string): void {
    void this.#record(object, type, reason, message).catch((error) =>
      // A namespace being deleted takes its objects' Events with it: not worth a warning each.
      this.log[isNamespaceTerminating(error) ? 'debug' : 'warn'](
        { namespace: object.namespace, name: object.name, reason, err: String(error) },
        'could not record event',
      ),
    );
  }

  async #record(object: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.namespace;
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    const now = new Date().toISOString();
    const dedupeKey = createHash('sha256')
      .update(`${object.uid}\n${type}\n${reason}\n${text}`)
      .digest('hex')
      .slice(0, 16);
    const previous = this.#recent.get(dedupeKey);
    if (previous && Date.now() - previous.at < DEDUPE_MS) {
      previous.count++;
      previous.at = Date.now();
      await this.client.mergePatch(paths.event(namespace, previous.name), {
        count: previous.count,
        lastTimestamp: now,
      });
      return;
    }
    const name = `${object.name}.${Date.now().toString(16)}${dedupeKey.slice(0, 4)}`.slice(-253);
    const event: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { ...object },
      reason,
      message: text,
      type,
      count: 1,
      firstTimestamp: now as unknown as Date,
      lastTimestamp: now as unknown as Date,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.host || this.component,
    };
    await this.client.create(paths.events(namespace), event);
    this.#recent.set(dedupeKey, { name, count: 1, at: Date.now() });
    if (this.#recent.size > 10_000) {
      for (const [key, value] of this.#recent) if (Date.now() - value.at > DEDUPE_MS) this.#recent.delete(key);
    }
  }
}
