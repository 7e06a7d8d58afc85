/**
 * Gmail labels (imapsync --synclabels, --resynclabels): Gmail's IMAP
 * extension X-GM-EXT-1 gives each message's labels as the FETCH item
 * X-GM-LABELS and sets them with STORE X-GM-LABELS
 * (https://developers.google.com/gmail/imap/imap-extensions).
 */
import type { Reporter } from './reporter.js';

export const GMAIL_EXTENSION = 'X-GM-EXT-1';

/**
 * Whether labels can be synced between these two servers: both must announce
 * X-GM-EXT-1. Otherwise a notice says which side lacks it, and the run goes
 * on without labels (imapsync would fail each FETCH X-GM-LABELS instead).
 */
export function labelsAvailable(
  wanted: boolean,
  source: ReadonlySet<string>,
  destination: ReadonlySet<string>,
  reporter: Reporter,
): boolean {
  if (!wanted) return false;
  const missing = [
    ...(source.has(GMAIL_EXTENSION) ? [] : ['source']),
    ...(destination.has(GMAIL_EXTENSION) ? [] : ['destination']),
  ];
  if (missing.length === 0) {
    // Storing X-GM-LABELS comes in a later step; until then say so instead of doing nothing quietly.
    reporter.note('syncLabels/resyncLabels: both servers announce X-GM-EXT-1, but labels are not synced yet');
    return false;
  }
  reporter.note(
    `syncLabels/resyncLabels: the ${missing.join(' and the ')} server does not announce ${GMAIL_EXTENSION}; ` +
      'Gmail labels are not synced (each label folder is synced as a folder)',
  );
  return false;
}
