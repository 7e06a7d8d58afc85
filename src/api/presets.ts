/**
 * imapsync's provider presets, with imapsync's meaning (imapsync 2.x, subs
 * office1, office2, exchange1 and exchange2; FAQ.Office365.txt and
 * FAQ.Exchange.txt):
 *
 * - office365 on the source (--office1): implicit TLS, and the folder `Files`
 *   (an Office 365 system folder) is not synced (`--exclude '^Files$'`).
 * - office365 on the destination (--office2): implicit TLS, messages over
 *   45,000,000 bytes skipped, at most 4 messages a second, read receipts
 *   disarmed, lines longer than 10,239 bytes wrapped, and a source folder
 *   `Files` synced into `Files_renamed_by_imapsync` (Office 365 refuses to
 *   create `Files`).
 * - exchange on the source (--exchange1): nothing ("does nothing" in imapsync).
 * - exchange on the destination (--exchange2): messages over 10,000,000 bytes
 *   skipped, at most 4 messages a second, read receipts disarmed, \Flagged
 *   removed from the flags (`--regexflag 's/\\Flagged//g'`), lines longer
 *   than 10,239 bytes wrapped.
 *
 * A preset only fills in what the spec leaves out: any field the spec sets
 * wins, lists included (imapsync appends a preset's --exclude, --f1f2 and
 * --regexflag to the user's; in a spec, list them in the field you set).
 * `wrapLinesLongerThan: 0`, `disarmReadReceipts: false`, `flagRewrite: []`,
 * `folders.map: []` or `folders.exclude: []` turn one part off, as imapsync's
 * --noregexmess, --nodisarmreadreceipts, --noregexflag, --nof1f2 and
 * --noexclude do.
 */
import { deepMerge } from './deep-merge.js';
import type { MailSyncSpec, Preset, Side } from './spec.js';

/** Office 365's IMAP host (imapsync's --office1/--office2 default for --host1/--host2). */
export const OFFICE365_HOST = 'outlook.office365.com';

/** Exchange and Office 365 refuse longer lines; imapsync's presets cut them at this many bytes. */
export const EXCHANGE_LINE_WRAP = 10239;

type Fragment = Omit<Partial<MailSyncSpec>, 'source' | 'destination'> & {
  source?: Partial<MailSyncSpec['source']>;
  destination?: Partial<MailSyncSpec['destination']>;
};

const PRESETS: Record<Preset, Record<Side, Fragment>> = {
  office365: {
    source: { source: { tls: 'implicit' }, folders: { exclude: ['^Files$'] } },
    destination: {
      destination: { tls: 'implicit' },
      filters: { maxSize: 45_000_000 },
      throttle: { maxMessagesPerSecond: 4 },
      messages: { disarmReadReceipts: true, wrapLinesLongerThan: EXCHANGE_LINE_WRAP },
      folders: { map: [{ source: 'Files', destination: 'Files_renamed_by_imapsync' }] },
    },
  },
  exchange: {
    source: {},
    destination: {
      filters: { maxSize: 10_000_000 },
      throttle: { maxMessagesPerSecond: 4 },
      messages: {
        disarmReadReceipts: true,
        flagRewrite: [{ from: '\\\\Flagged', to: '', flags: 'g' }],
        wrapLinesLongerThan: EXCHANGE_LINE_WRAP,
      },
    },
  },
};

/** What a preset on one side fills in (for docs and tests). */
export function presetFragment(preset: Preset, side: Side): Fragment {
  return structuredClone(PRESETS[preset][side]);
}

/** The spec with the presets of both sides filled in under it (the spec's own fields win). */
export function withPresets(spec: MailSyncSpec): MailSyncSpec {
  let filled = spec;
  for (const side of ['source', 'destination'] as const) {
    const preset = spec[side].preset;
    if (preset !== undefined) filled = deepMerge(PRESETS[preset][side] as MailSyncSpec, filled);
  }
  return filled;
}
