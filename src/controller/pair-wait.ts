/**
 * Who counts for account-pair exclusivity, and what a waiting MailSync may
 * learn of the run it waits for. Namespaces are tenants: a MailSync learns
 * nothing of another namespace beyond "the pair is busy there" (no name, no
 * Job, no log). Pure.
 */
import type { V1Job } from '@kubernetes/client-node';
import { GROUP, KIND } from '../api/mailsync.js';
import type { JobView } from './run-plan.js';

/**
 * A Job counts for its pair only when a MailSync controls it (the controller's
 * own Jobs). A Job someone labelled `mailsync.io/pair` by hand holds nothing;
 * one with a forged owner reference is deleted by the garbage collector once
 * it sees the owner does not exist.
 */
export function controlledByMailSync(job: V1Job): boolean {
  return (job.metadata?.ownerReferences ?? []).some(
    (r) => r.controller === true && r.kind === KIND && r.apiVersion.split('/')[0] === GROUP,
  );
}

export interface WaitView {
  /** "namespace/name" of the MailSync holding the pair; unset when it is in another namespace. */
  holder?: string;
  /** "namespace/name" of its Job; unset when it is in another namespace. */
  holderJob?: string;
  /** The waiter's logTail mirrors the holder's log (only within one namespace). */
  mirror: boolean;
}

/** What a MailSync of `waiterNamespace` is told of the run holding its pair. */
export function waitView(waiterNamespace: string, holder: Pick<JobView, 'namespace' | 'name' | 'ownerName'>): WaitView {
  if (!mayMirror(waiterNamespace, holder.namespace)) return { mirror: false };
  return {
    holder: `${holder.namespace}/${holder.ownerName ?? holder.name}`,
    holderJob: `${holder.namespace}/${holder.name}`,
    mirror: true,
  };
}

/** A run's log reaches a waiter's status only within its namespace. */
export function mayMirror(waiterNamespace: string, jobNamespace: string): boolean {
  return waiterNamespace !== '' && waiterNamespace === jobNamespace;
}
