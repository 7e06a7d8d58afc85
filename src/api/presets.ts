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
 * - gmail (imapsync 2.229, subs gmail1, gmail2, gmail12; FAQ.Gmail.txt): on
 *   the source (--gmail1) skipCrossDuplicates, identity headers
 *   X-Gmail-Received and Message-Id, `s,\[Gmail\].,,` as a rename rule,
 *   `[Gmail]/All Mail` last, 40,000 bytes/s after the first 3 GB; on the
 *   destination (--gmail2) `\[Gmail\]$` excluded, Message-Id, the `[Gmail]/`
 *   rule and imapsync's folder-name clean-up, All Mail last, 20,000 bytes/s
 *   after the first 1 GB; on both sides (--gmail12, which replaces the two:
 *   imapsync's easyany returns there) syncLabels and resyncLabels instead of
 *   skipCrossDuplicates. Each with implicit TLS and automap. Not taken over:
 *   maxsleep (throttling sleeps as long as the rate needs), gmail2's expunge1
 *   (mailsync never expunges what it did not delete) and addheader (messages
 *   without the identity headers always get a fallback identity).
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

/** Gmail's IMAP host (imapsync's --gmail1/--gmail2 default for --host1/--host2). */
export const GMAIL_HOST = 'imap.gmail.com';

/** Gmail's folder that holds every message once; synced last so that the labels come first. */
export const GMAIL_ALL_MAIL = '[Gmail]/All Mail';

/** imapsync `s,\[Gmail\].,,`: "[Gmail]/" (any delimiter) removed from the destination name, once. */
const STRIP_GMAIL_PREFIX = { from: '\\[Gmail\\].', to: '' };

/** The parent "[Gmail]" folder itself (`\Noselect` on Gmail): imapsync `push @exclude, '\[Gmail\]$'`. */
const EXCLUDE_GMAIL_PARENT = '\\[Gmail\\]$';

/** Exchange and Office 365 refuse longer lines; imapsync's presets cut them at this many bytes. */
export const EXCHANGE_LINE_WRAP = 10239;

type Fragment = Omit<Partial<MailSyncSpec>, 'source' | 'destination'> & {
  source?: Partial<MailSyncSpec['source']>;
  destination?: Partial<MailSyncSpec['destination']>;
};

/** Identity headers of gmail1 and gmail12 (imapsync: `push @useheader, 'X-Gmail-Received', 'Message-Id'`). */
const GMAIL_IDENTITY = ['X-Gmail-Received', 'Message-Id'];

/** gmail12: Gmail on both sides; replaces the gmail fragments of the two sides. */
const GMAIL12: Fragment = {
  source: { tls: 'implicit' },
  destination: { tls: 'implicit' },
  skipCrossDuplicates: false,
  syncLabels: true,
  resyncLabels: true,
  identityHeaders: GMAIL_IDENTITY,
  folders: { automap: true, exclude: [EXCLUDE_GMAIL_PARENT], last: [GMAIL_ALL_MAIL] },
  throttle: { maxBytesPerSecond: 20_000, unthrottledBytes: 1_000_000_000 },
};

const PRESETS: Record<Preset, Record<Side, Fragment>> = {
  gmail: {
    // sub gmail1: Gmail at host1.
    source: {
      source: { tls: 'implicit' },
      skipCrossDuplicates: true,
      identityHeaders: GMAIL_IDENTITY,
      folders: { automap: true, rename: [STRIP_GMAIL_PREFIX], last: [GMAIL_ALL_MAIL] },
      throttle: { maxBytesPerSecond: 40_000, unthrottledBytes: 3_000_000_000 },
    },
    // sub gmail2: Gmail at host2. The clean-up: blanks around a level removed, ' ^ " become _
    // (imapsync `s,^ +| +$,,g`, `s,/ +| +/,/,g`, `s/['\\^"]/_/g`).
    destination: {
      destination: { tls: 'implicit' },
      identityHeaders: ['Message-Id'],
      folders: {
        automap: true,
        exclude: [EXCLUDE_GMAIL_PARENT],
        rename: [
          STRIP_GMAIL_PREFIX,
          { from: '^ +| +$', to: '', flags: 'g' },
          { from: '/ +| +/', to: '/', flags: 'g' },
          { from: '[\'\\^"]', to: '_', flags: 'g' },
        ],
        last: [GMAIL_ALL_MAIL],
      },
      throttle: { maxBytesPerSecond: 20_000, unthrottledBytes: 1_000_000_000 },
    },
  },
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

/** Gmail on both sides is gmail12, not gmail1 and gmail2 together. */
function gmailOnBothSides(spec: Pick<MailSyncSpec, 'source' | 'destination'>): boolean {
  return spec.source.preset === 'gmail' && spec.destination.preset === 'gmail';
}

/** What a preset on one side fills in (for docs and tests); `both`: the same preset is on the other side too. */
export function presetFragment(preset: Preset, side: Side, both = false): Fragment {
  return structuredClone(preset === 'gmail' && both ? GMAIL12 : PRESETS[preset][side]);
}

/** The spec with the presets of both sides filled in under it (the spec's own fields win). */
export function withPresets(spec: MailSyncSpec): MailSyncSpec {
  if (gmailOnBothSides(spec)) return deepMerge(GMAIL12 as MailSyncSpec, spec);
  let filled = spec;
  for (const side of ['source', 'destination'] as const) {
    const preset = spec[side].preset;
    if (preset !== undefined) filled = deepMerge(PRESETS[preset][side] as MailSyncSpec, filled);
  }
  return filled;
}
