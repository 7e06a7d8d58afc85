/**
 * Events on a MailSync: the generic recorder (src/kube/event-recorder.ts)
 * with the MailSync's object reference filled in.
 */
import { API_VERSION, KIND, type MailSync } from '../api/mailsync.js';
import { printableKeepingLines } from '../api/printable.js';
import type { EventRecorder, EventType, ObjectReference } from '../kube/event-recorder.js';

export function mailSyncReference(mailSync: MailSync): ObjectReference {
  return {
    // Objects from a list carry no apiVersion/kind: use ours.
    apiVersion: API_VERSION,
    kind: KIND,
    name: mailSync.metadata.name!,
    namespace: mailSync.metadata.namespace!,
    uid: mailSync.metadata.uid,
    resourceVersion: mailSync.metadata.resourceVersion,
  };
}

export class MailSyncEvents {
  constructor(readonly recorder: EventRecorder) {}

  /** Fire and forget (see EventRecorder.record). */
  record(mailSync: MailSync, type: EventType, reason: string, message: string): void {
    // Messages carry server text (error texts, folder names): never a control character in an Event.
    this.recorder.record(mailSyncReference(mailSync), type, reason, printableKeepingLines(message));
  }
}
