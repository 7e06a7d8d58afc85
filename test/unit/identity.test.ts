import { describe, expect, it } from 'vitest';
import { eightBitDigest, identityFetchHeaders, messageIdentity, parseHeaderLines } from '../../src/sync/identity.js';

const size = { size: 1234 };

describe('messageIdentity', () => {
  const base = [
    'Received: from a.example by b.example; Mon, 1 Jan 2024 10:00:00 +0000',
    'Received: from c.example by a.example; Mon, 1 Jan 2024 09:59:59 +0000',
    'Message-ID: <abc@example.com>',
    'Subject: hello',
    '',
    '',
  ].join('\r\n');

  it('is a short hex hash, stable across calls', () => {
    const id = messageIdentity(base, size);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(messageIdentity(base, size)).toBe(id);
  });

  it('depends only on Message-ID and Received by default (not size, date, subject)', () => {
    const id = messageIdentity(base, size);
    expect(messageIdentity(base.replace('hello', 'other'), { size: 1, internalDate: new Date() })).toBe(id);
    expect(messageIdentity(base.replace('<abc@', '<abd@'), size)).not.toBe(id);
    expect(messageIdentity(base.replace('09:59:59', '09:59:58'), size)).not.toBe(id);
  });

  it('normalises folding, header name case, whitespace runs and line endings', () => {
    const folded = [
      'received: from a.example\r\n\tby b.example;   Mon, 1 Jan 2024 10:00:00 +0000',
      'RECEIVED:from c.example by a.example;\r\n    Mon, 1 Jan 2024 09:59:59 +0000   ',
      'message-id:   <abc@example.com>',
      '',
    ].join('\r\n');
    expect(messageIdentity(folded, size)).toBe(messageIdentity(base, size));
    expect(messageIdentity(base.replaceAll('\r\n', '\n'), size)).toBe(messageIdentity(base, size));
  });

  it('keeps the order of Received lines significant', () => {
    const lines = base.split('\r\n');
    const swapped = [lines[1], lines[0], ...lines.slice(2)].join('\r\n');
    expect(messageIdentity(swapped, size)).not.toBe(messageIdentity(base, size));
  });

  it('handles 8-bit header bytes stably, the same as a Buffer or as a UTF-8 string', () => {
    const utf8 = 'Message-ID: <grüße@example.com>\r\nSubject: Grüße\r\n\r\n';
    const fromBuffer = messageIdentity(Buffer.from(utf8, 'utf8'), size);
    expect(messageIdentity(utf8, size)).toBe(fromBuffer);
    const latin1 = Buffer.from('Message-ID: <gr\xfc\xdfe@example.com>\r\n\r\n', 'latin1');
    expect(messageIdentity(latin1, size)).toBe(messageIdentity(Buffer.from(latin1), size));
    expect(messageIdentity(latin1, size)).not.toBe(fromBuffer);
    const broken = Buffer.from([...Buffer.from('Message-ID: <'), 0xff, 0xfe, 0x80, ...Buffer.from('>\r\n\r\n')]);
    expect(messageIdentity(broken, size)).toMatch(/^[0-9a-f]{32}$/);
    expect(messageIdentity(Buffer.from(broken), size)).toBe(messageIdentity(broken, size));
  });

  it('uses only the given header names (imapsync --useheader)', () => {
    const onlyMessageId = messageIdentity(base, size, ['Message-ID']);
    expect(messageIdentity(base.replace('09:59:59', '09:59:58'), size, ['message-id'])).toBe(onlyMessageId);
    expect(onlyMessageId).not.toBe(messageIdentity(base, size));
  });

  it('reads headers only up to the end of the header block', () => {
    const withBody = `${base}Message-ID: <other@example.com>\r\n`;
    expect(messageIdentity(withBody, size)).toBe(messageIdentity(base, size));
  });

  describe('without Message-ID and Received', () => {
    const draft =
      'Date: Tue, 2 Jan 2024 08:00:00 +0100\r\nFrom: a@example.com\r\nTo: b@example.com\r\nSubject: draft\r\n\r\n';

    it('builds the identity from Date, From, Subject, To and the size', () => {
      const id = messageIdentity(draft, { size: 100 });
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(messageIdentity(draft, { size: 100, internalDate: new Date(0) })).toBe(id);
      expect(messageIdentity(draft, { size: 101 })).not.toBe(id);
      expect(messageIdentity(draft.replace('draft', 'Draft'), { size: 100 })).not.toBe(id);
      expect(messageIdentity(draft.replace('b@', 'c@'), { size: 100 })).not.toBe(id);
    });

    it('treats empty Message-ID headers as absent', () => {
      expect(messageIdentity(`Message-ID:  \r\n${draft}`, { size: 100 })).toBe(messageIdentity(draft, { size: 100 }));
    });

    it('adds INTERNALDATE when there is no header at all', () => {
      const a = messageIdentity('', { size: 10, internalDate: new Date('2024-01-01T00:00:00Z') });
      const b = messageIdentity('', { size: 10, internalDate: new Date('2024-01-02T00:00:00Z') });
      expect(a).not.toBe(b);
      expect(messageIdentity('X-Other: 1\r\n\r\n', { size: 10, internalDate: new Date('2024-01-01T00:00:00Z') })).toBe(
        a,
      );
    });

    it('never collides with an identity made from Message-ID', () => {
      const fallback = messageIdentity('Subject: x\r\n\r\n', { size: 5 });
      expect(messageIdentity('Message-ID: x\r\n\r\n', { size: 5 })).not.toBe(fallback);
    });
  });
});

describe('parseHeaderLines', () => {
  it('ignores lines without a colon and orphan continuation lines', () => {
    expect(parseHeaderLines('  orphan\r\nnot a header\r\nA: 1\r\n\r\n')).toEqual([{ name: 'a', value: '1' }]);
  });
});

describe('identityFetchHeaders', () => {
  it('lists the identity headers and the fallback headers once, upper-case', () => {
    expect(identityFetchHeaders()).toEqual(['MESSAGE-ID', 'RECEIVED', 'DATE', 'FROM', 'SUBJECT', 'TO']);
    expect(identityFetchHeaders(['Message-Id', 'X-Uid', 'subject'])).toEqual([
      'MESSAGE-ID',
      'X-UID',
      'SUBJECT',
      'DATE',
      'FROM',
      'TO',
    ]);
  });
});

describe('identity when messages are rewritten (sizeFree)', () => {
  const date = new Date('2024-01-02T03:04:05Z');
  const noIds = 'Subject: hello\r\nFrom: a@x\r\n';
  it('a message without identity headers is known by its headers and INTERNALDATE, not its size', () => {
    const a = messageIdentity(noIds, { size: 100, internalDate: date, sizeFree: true });
    expect(messageIdentity(noIds, { size: 140, internalDate: date, sizeFree: true })).toBe(a);
    expect(
      messageIdentity(noIds, { size: 100, internalDate: new Date(date.getTime() + 1000), sizeFree: true }),
    ).not.toBe(a);
    expect(messageIdentity(noIds, { size: 100, internalDate: date })).not.toBe(a);
  });

  it('a message with Message-ID has the same identity either way', () => {
    const header = 'Message-ID: <m@x>\r\n';
    expect(messageIdentity(header, { size: 1, sizeFree: true })).toBe(messageIdentity(header, { size: 2 }));
  });
});

/** What Cyrus stores with munge8bit (its default): each 8-bit header byte becomes 'X'. */
function munge8bit(header: Buffer): Buffer {
  return Buffer.from(header.map((byte) => (byte >= 0x80 ? 0x58 : byte)));
}

describe('8-bit header bytes rewritten by a server (Cyrus munge8bit)', () => {
  const noMessageId = Buffer.from(
    'Date: Sun, 4 Jul 2021 12:34:56 +0000\r\nFrom: a@example.com\r\nSubject: Grüße\r\nTo: b@example.com\r\n\r\n',
  );
  const withMessageId = Buffer.from('Message-ID: <grüße@example.com>\r\nSubject: Grüße\r\n\r\n');

  it.each([
    ['no Message-ID (fallback identity, size kept by the byte-for-byte rewrite)', noMessageId],
    ['an 8-bit Message-ID', withMessageId],
  ])('a rewritten copy keeps the identity: %s', (_, header) => {
    const munged = munge8bit(header);
    expect(munged.equals(header)).toBe(false);
    expect(messageIdentity(munged, size)).toBe(messageIdentity(header, size));
    expect(messageIdentity(munged, { size: 1, sizeFree: true, internalDate: new Date(0) })).toBe(
      messageIdentity(header, { size: 1, sizeFree: true, internalDate: new Date(0) }),
    );
  });

  it('ASCII messages that differ still differ (only 8-bit bytes are read as X)', () => {
    const a = 'Message-ID: <aX@example.com>\r\n\r\n';
    expect(messageIdentity(a, size)).not.toBe(messageIdentity('Message-ID: <aY@example.com>\r\n\r\n', size));
  });

  it('eightBitDigest: none for an ASCII header; tells a rewritten copy from an exact one', () => {
    expect(eightBitDigest(munge8bit(noMessageId))).toBeUndefined();
    expect(eightBitDigest('Subject: plain\r\n\r\n')).toBeUndefined();
    const digest = eightBitDigest(noMessageId);
    expect(digest).toBeInstanceOf(Buffer);
    expect(eightBitDigest(Buffer.from(noMessageId))!.equals(digest!)).toBe(true);
    // Another 8-bit rewrite (not to X) differs too.
    const other = Buffer.from(noMessageId.toString('latin1').replace('\xc3\xbc', '\xc3\xbd'), 'latin1');
    expect(eightBitDigest(other)!.equals(digest!)).toBe(false);
  });

  it('eightBitDigest does not depend on the order in which a server lists the header fields', () => {
    const lines = noMessageId.toString('latin1').split('\r\n');
    const reordered = Buffer.from([lines[2], lines[0], lines[3], lines[1], '', ''].join('\r\n'), 'latin1');
    expect(eightBitDigest(reordered)!.equals(eightBitDigest(noMessageId)!)).toBe(true);
  });
});
