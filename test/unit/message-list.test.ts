import { describe, expect, it } from 'vitest';
import { messageDigest, messageIdentity } from '../../src/sync/identity.js';
import { DIGEST_BYTES, identityDigest, MessageList } from '../../src/sync/message-list.js';
import type { MessageMeta } from '../../src/sync/types.js';

const meta = (uid: number, identity: string, extra: Partial<MessageMeta> = {}): MessageMeta => ({
  uid,
  identity,
  size: 100 + uid,
  internalDate: new Date(Date.UTC(2024, 0, uid)),
  flags: uid % 2 === 0 ? ['\\Seen'] : [],
  ...extra,
});

describe('MessageList', () => {
  it('gives back every field of every message, the identity as the same 32 hex digits', () => {
    const header = 'Message-ID: <a@example.org>\r\n\r\n';
    const identity = messageIdentity(header, { size: 10 });
    const messages = [meta(1, identity), meta(2, 'text identity', { flags: ['\\Seen', '$Label1'] }), meta(7, identity)];
    const list = MessageList.of(messages);
    expect(list.length).toBe(3);
    expect(list.at(0)).toEqual(messages[0]);
    expect(list.at(1)).toEqual({ ...messages[1], identity: identityDigest('text identity').toString('hex') });
    expect([...list].map((m) => m.uid)).toEqual([1, 2, 7]);
    expect(list.identity(2)).toBe(identity);
    expect(messageDigest(header, { size: 10 }).toString('hex')).toBe(identity);
  });

  it('keeps a flag set once however many messages carry it, and a message cannot change another one', () => {
    const list = new MessageList();
    for (let uid = 1; uid <= 1000; uid++) {
      list.push(uid, 10, 0, uid % 2 ? ['\\Seen'] : ['\\Seen', '\\Flagged'], Buffer.alloc(DIGEST_BYTES, uid % 251));
    }
    expect(list.flags(0)).toBe(list.flags(2));
    const copy = list.at(0);
    copy.flags.push('\\Deleted');
    expect(list.flags(2)).toEqual(['\\Seen']);
  });

  it('costs 30 bytes a message once trimmed, for a list sized up front or grown', () => {
    for (const capacity of [0, 100_000]) {
      const list = new MessageList(capacity);
      const digest = Buffer.alloc(DIGEST_BYTES);
      for (let uid = 1; uid <= 100_000; uid++) {
        digest.writeUInt32BE(uid, 0);
        list.push(uid, 500, 1_700_000_000_000, [], digest);
      }
      expect(list.trim().capacityBytes / list.length).toBeLessThanOrEqual(30.01);
    }
  });

  it('orders by identity then UID, so equal identities form runs in UID order', () => {
    const list = MessageList.of([meta(5, 'b'), meta(3, 'a'), meta(9, 'b'), meta(1, 'b'), meta(4, 'a')]);
    const runs = [...list.identityOrder()].map((i) => `${list.identity(i).slice(0, 4)}:${list.uid(i)}`);
    const a = identityDigest('a').toString('hex').slice(0, 4);
    const b = identityDigest('b').toString('hex').slice(0, 4);
    const expected = [`${a}:3`, `${a}:4`, `${b}:1`, `${b}:5`, `${b}:9`];
    expect(runs).toEqual(a < b ? expected : [...expected.slice(2), ...expected.slice(0, 2)]);
  });

  it('byUid sorts and keeps each UID once (an unsolicited FETCH never adds a second entry)', () => {
    const list = MessageList.of([meta(5, 'x'), meta(2, 'y'), meta(5, 'z'), meta(1, 'w')]);
    const sorted = list.byUid();
    expect([...sorted].map((m) => m.uid)).toEqual([1, 2, 5]);
    expect(sorted.identity(2)).toBe(identityDigest('x').toString('hex'));
    const ordered = sorted.byUid();
    expect(ordered).toBe(sorted);
  });

  it('a selection reads the messages of its list by index without copying them', () => {
    const list = MessageList.of([meta(1, 'a'), meta(2, 'b'), meta(3, 'c')]);
    const selection = list.select(Uint32Array.of(2, 0));
    expect(selection.length).toBe(2);
    expect([selection.uid(0), selection.size(1)]).toEqual([3, 101]);
    expect([...selection].map((m) => m.uid)).toEqual([3, 1]);
  });

  it('keeps values that do not fit a 32-bit column exactly', () => {
    const odd = [
      meta(1, 'a', { internalDate: new Date('1965-03-01T00:00:00Z') }),
      meta(2, 'b', { internalDate: new Date('2200-01-01T00:00:00Z'), size: 5 * 2 ** 32 }),
      meta(3, 'c', { internalDate: new Date('2024-01-01T00:00:00.250Z'), size: 0xffffffff }),
      meta(4, 'd', { internalDate: new Date(0), size: 0 }),
    ];
    const list = MessageList.of(odd);
    expect([...list].map((m) => [m.internalDate.toISOString(), m.size])).toEqual(
      odd.map((m) => [m.internalDate.toISOString(), m.size]),
    );
    expect([...list.byUid()].map((m) => m.size)).toEqual(odd.map((m) => m.size));
  });

  it('counts past 65,535 flag sets (the column widens)', () => {
    const list = new MessageList();
    for (let uid = 1; uid <= 70_000; uid++) list.push(uid, 1, 0, [`k${uid}`], Buffer.alloc(DIGEST_BYTES));
    expect(list.flags(69_999)).toEqual(['k70000']);
    expect(list.flags(65_536)).toEqual(['k65537']);
  });

  it('refuses a digest of the wrong size', () => {
    expect(() => new MessageList().push(1, 1, 0, [], Buffer.alloc(8))).toThrow(RangeError);
  });
});
