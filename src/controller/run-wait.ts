/**
 * Another MailSync holds the account pair: this one waits (phase Waiting,
 * reason AccountPairBusy). Within a namespace its logTail mirrors the running
 * sync's log; a holder in another namespace stays anonymous (pair-wait.ts).
 * It is enqueued again when the holder's Job changes.
 */
import type { ReconcileResult } from '../kube/workqueue.js';
import type { StepInput } from './context.js';
import { waitView } from './pair-wait.js';
import type { JobView } from './run-plan.js';
import { commitStatus } from './status-commit.js';
import { runWaiting, stepContext } from './transitions.js';

export async function waitForPair(input: StepInput, holder: JobView): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key } = input;
  // Kept for another namespace too: the holder's Job events enqueue this waiter (the log is not mirrored).
  ctx.mirrors.set(key, holder.uid);
  const view = waitView(mailSync.metadata.namespace ?? '', holder);
  const mirrored = view.mirror ? ctx.streams.get(holder.uid)?.snapshot().logTail : undefined;
  const next = runWaiting(status, stepContext(mailSync, ctx.now()), {
    ...(view.holder && view.holderJob ? { holder: view.holder, holderJob: view.holderJob } : {}),
    pairHash: input.pairHash,
    logTail: mirrored,
  });
  await commitStatus(input, next);
  // Job events enqueue waiters; the periodic look is a safety net.
  return { requeueAfter: 10_000 };
}
