/**
 * What the console does on its own: when a self-service run has ended, its
 * Secret (the two passwords) is deleted at once; finished MailSyncs are
 * deleted `keepFinishedMinutes` after their completion (their page shows the
 * final statistics until then).
 */
import type { Logger } from 'pino';
import type { MailSync } from '../api/mailsync.js';
import type { MailSyncSource } from './live-hub.js';
import type { SyncStore } from './sync-store.js';
import { syncView } from './sync-view.js';

/** Finished syncs older than the limit (pure: the caller deletes them). */
export function expiredSyncs(list: readonly MailSync[], keepMs: number, now: number): string[] {
  return list
    .filter((ms) => {
      if (!syncView(ms).finished) return false;
      const ended = Date.parse(ms.status?.completionTime ?? ms.metadata.creationTimestamp?.toString() ?? '');
      return Number.isFinite(ended) && now - ended > keepMs;
    })
    .map((ms) => ms.metadata.name ?? '');
}

export function startHousekeeping(
  source: MailSyncSource,
  store: SyncStore,
  options: { keepFinishedMinutes: number; log: Logger },
): () => void {
  const forgotten = new Set<string>();
  source.onChange((ms, type) => {
    const name = ms.metadata.name ?? '';
    if (type === 'delete') {
      forgotten.delete(name);
      return;
    }
    if (forgotten.has(name) || !syncView(ms).finished) return;
    forgotten.add(name);
    store.forgetPasswords(name).then(
      () => options.log.info({ sync: name }, 'run ended: its Secret with the passwords is deleted'),
      (error: unknown) => {
        forgotten.delete(name);
        options.log.warn({ sync: name, reason: (error as { reason?: string }).reason }, 'could not delete the Secret');
      },
    );
  });
  const timer = setInterval(() => {
    for (const name of expiredSyncs(source.list(), options.keepFinishedMinutes * 60_000, Date.now())) {
      store.abort(name).catch(() => {});
    }
  }, 5 * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
