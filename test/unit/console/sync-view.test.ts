import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import { expiredSyncs } from '../../../src/console/housekeeping.js';
import { abortedView, syncView, tlsFromLog } from '../../../src/console/sync-view.js';

const ms = (status: MailSync['status'], insecure = false): MailSync => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: { name: 'x-1' },
  spec: {
    source: { host: 'old', user: 'joe', ...(insecure ? { insecureSkipVerify: true } : {}) },
    destination: { host: 'new', user: 'joe' },
  },
  status,
});

describe('syncView', () => {
  it.each([
    ['no status yet', undefined, { phase: 'Pending', finished: false }],
    [
      'running, half done',
      { phase: 'Running', progress: { messagesCopied: 40, messagesSkipped: 10, messagesTotal: 100 } },
      { percent: 50, done: 50, total: 100, finished: false },
    ],
    [
      'succeeded',
      { phase: 'Succeeded', progress: { messagesCopied: 99, messagesTotal: 100 } },
      { percent: 100, finished: true },
    ],
    ['failed with a retry to come', { phase: 'Failed', nextRetryAt: '2026-01-01T00:00:00Z' }, { finished: false }],
    [
      'failed for good',
      { phase: 'Failed', lastError: { reason: 'AuthFailed', message: 'destination: login refused' } },
      { finished: true, error: 'destination: login refused' },
    ],
    ['an empty mailbox', { phase: 'Running', progress: { messagesTotal: 0 } }, { percent: 100 }],
  ] as const)('%s', (_what, status, expected) => {
    expect(syncView(ms(status as MailSync['status']))).toMatchObject(expected);
  });

  it('no percentage while the total is unknown', () => {
    expect('percent' in syncView(ms({ phase: 'Running', progress: { messagesCopied: 3 } }))).toBe(false);
  });

  it('TLS per side from the "Connected to" lines, remembered after they leave the tail', () => {
    const first = syncView(
      ms({
        phase: 'Running',
        logTail: [
          'Connected to the source (implicit, 9 capabilities)',
          'Connected to the destination (starttls, 9 capabilities)',
        ],
      }),
    );
    expect(first.source).toEqual({ host: 'old', user: 'joe', tls: 'implicit', certificateVerified: true });
    expect(first.destination).toMatchObject({ tls: 'starttls', certificateVerified: true });
    const later = syncView(ms({ phase: 'Running', logTail: ['Folder INBOX -> INBOX (3 messages)'] }), first);
    expect(later.source.tls).toBe('implicit');
    expect(later.destination.tls).toBe('starttls');
  });

  it('says when a certificate was not verified (the visitor asked) or there was no TLS', () => {
    const view = syncView(
      ms(
        {
          phase: 'Running',
          logTail: [
            'Connected to the source (implicit, 1 capability)',
            'Connected to the destination (none, 1 capability)',
          ],
        },
        true,
      ),
    );
    expect(view.source.certificateVerified).toBe(false);
    expect(view.destination.certificateVerified).toBe(false);
  });

  it('tlsFromLog reads the lines as the controller writes them, after the worker clock', () => {
    expect(
      tlsFromLog([
        '11:48:26 Connected to the source (implicit, 12 capabilities)',
        '11:48:27 Connected to the destination (starttls, 12 capabilities)',
      ]),
    ).toEqual({ source: 'implicit', destination: 'starttls' });
  });

  it('tlsFromLog ignores other lines', () => {
    expect(
      tlsFromLog([
        'Connected to the sourcery (implicit)',
        'x Connected to the source (implicit, 1)',
        '11:48 Connected to the source (implicit, 1)',
      ]),
    ).toEqual({});
  });

  it('abortedView keeps the last figures and ends the sync', () => {
    const view = abortedView(
      syncView(ms({ phase: 'Running', progress: { messagesCopied: 5, messagesTotal: 10, etaSeconds: 3 } })),
    );
    expect(view).toMatchObject({ phase: 'Aborted', finished: true, percent: 50, etaSeconds: undefined });
  });
});

describe('expiredSyncs', () => {
  const at = (name: string, phase: 'Running' | 'Succeeded', completionTime?: string): MailSync => ({
    ...ms({ phase, ...(completionTime ? { completionTime } : {}) }),
    metadata: { name, creationTimestamp: new Date('2026-01-01T00:00:00Z') },
  });
  it('only finished syncs older than the limit', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    const list = [
      at('old-done', 'Succeeded', '2026-01-01T00:00:00Z'),
      at('new-done', 'Succeeded', '2026-01-01T23:30:00Z'),
      at('old-running', 'Running'),
    ];
    expect(expiredSyncs(list, 60 * 60_000, now)).toEqual(['old-done']);
  });
});
