/**
 * Another MailSync holds the account pair: this one waits (phase Waiting,
 * reason AccountPairBusy) and its logTail mirrors the running sync's log.
 * It is enqueued again when the holder's Job changes.
 */
import { objectKey } from '../api/mailsync.js';
import type { ReconcileResult } from '../kube/workqueue.js';
import type { StepInput } from './context.js';
import type { JobView } from './run-plan.js';
import { commitStatus } from './status-commit.js';
import { runWaiting, stepContext } from './transitions.js';

export async function waitForPair(input: StepInput, holder: JobView): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key } = input;
  ctx.mirrors.set(key, holder.uid);
  const holderKey = holder.ownerName ? `${holder.namespace}/${holder.ownerName}` : objectKey(holder.job);
  const mirrored = ctx.streams.get(holder.uid)?.snapshot().logTail;
  const next = runWaiting(status, stepContext(mailSync, ctx.now()), {
    holder: holderKey,
    holderJob: `${holder.namespace}/${holder.name}`,
    pairHash: input.pairHash,
    logTail: mirrored,
  });
  await commitStatus(input, next);
  // Job events enqueue waiters; the periodic look is a safety net.
  return { requeueAfter: 10_000 };
}
