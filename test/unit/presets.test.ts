import { describe, expect, it } from 'vitest';
import { OFFICE365_HOST, withPresets } from '../../src/api/presets.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { applyDefaults } from '../../src/api/spec-defaults.js';
import { specProblems } from '../../src/api/spec-problems.js';
import { parseSyncArgs } from '../../src/imapsync/parse.js';
import { compileFlagRewriter } from '../../src/sync/rewrite/flag-rewrite.js';

const ep = { host: 'imap.example', user: 'joe', passwordFile: '/p' };
const spec = (extra: Partial<MailSyncSpec> = {}): MailSyncSpec => ({
  source: { ...ep },
  destination: { ...ep, host: 'imap.new.example' },
  ...extra,
});
const parse = (...argv: string[]) => parseSyncArgs(argv, { isFile: () => false });

describe('presets with imapsync meaning (sub office1/office2/exchange1/exchange2)', () => {
  it('office365 on the destination (--office2)', () => {
    const e = applyDefaults(spec({ destination: { ...ep, preset: 'office365' } }));
    expect(e.destination.tls).toBe('implicit');
    expect(e.filters).toEqual({ maxSize: 45_000_000 });
    expect(e.throttle).toEqual({ maxMessagesPerSecond: 4 });
    expect(e.messages).toEqual({ rewrite: [], wrapLinesLongerThan: 10239, disarmReadReceipts: true, flagRewrite: [] });
    expect(e.folders.map).toEqual([{ source: 'Files', destination: 'Files_renamed_by_imapsync' }]);
    expect(e.folders.exclude).toBeUndefined();
  });

  it('office365 on the source (--office1): implicit TLS, Files excluded, messages untouched', () => {
    const e = applyDefaults(spec({ source: { ...ep, preset: 'office365' } }));
    expect(e.source.tls).toBe('implicit');
    expect(e.folders.exclude).toEqual(['^Files$']);
    expect(e.messages.wrapLinesLongerThan).toBe(0);
    expect(e.filters).toEqual({});
  });

  it('exchange on the destination (--exchange2) drops \\Flagged; on the source (--exchange1) it does nothing', () => {
    const e = applyDefaults(spec({ destination: { ...ep, preset: 'exchange' } }));
    expect(e.filters).toEqual({ maxSize: 10_000_000 });
    expect(e.throttle).toEqual({ maxMessagesPerSecond: 4 });
    expect(e.messages.disarmReadReceipts).toBe(true);
    expect(e.messages.wrapLinesLongerThan).toBe(10239);
    expect(e.destination.tls).toBeUndefined();
    const rewrite = compileFlagRewriter(e.messages.flagRewrite)!;
    expect(rewrite(['\\Seen', '\\Flagged', '$Label1'])).toEqual(['\\Seen', '$Label1']);
    expect(withPresets(spec({ source: { ...ep, preset: 'exchange' } }))).toEqual(
      spec({ source: { ...ep, preset: 'exchange' } }),
    );
  });

  it('fills only what the spec leaves out: every field the spec sets wins, 0/false/[] included', () => {
    const e = applyDefaults(
      spec({
        destination: { ...ep, preset: 'exchange', tls: 'starttls' },
        filters: { maxSize: 5 },
        throttle: { maxBytesPerSecond: 100 },
        messages: { wrapLinesLongerThan: 0, disarmReadReceipts: false, flagRewrite: [] },
      }),
    );
    expect(e.destination.tls).toBe('starttls');
    expect(e.filters).toEqual({ maxSize: 5 });
    expect(e.throttle).toEqual({ maxBytesPerSecond: 100, maxMessagesPerSecond: 4 });
    expect(e.messages).toEqual({ rewrite: [], wrapLinesLongerThan: 0, disarmReadReceipts: false, flagRewrite: [] });
  });

  it('spec validation refuses a preset name it does not know, and rules that cannot run in linear time', () => {
    const bad = { ...spec(), destination: { ...ep, preset: 'yahoo' } };
    expect(specProblems(bad, 'local').map((p) => p.path)).toContain('spec.destination.preset');
    const slow = spec({
      messages: { rewrite: [{ from: '(x)\\1', to: '' }], flagRewrite: [{ from: 'a(?=b)', to: '' }] },
    });
    expect(specProblems(slow, 'local').map((p) => `${p.path}: ${p.message.split(':')[0]}`)).toEqual([
      'spec.messages.rewrite[0].from: cannot run in linear time',
      'spec.messages.flagRewrite[0].from: cannot run in linear time',
    ]);
  });
});

describe('the presets and message options on the command line', () => {
  it('--office2 names the preset, and the host when neither --host2 nor --config gives one', () => {
    const args = parse('--office2');
    expect(args.overrides.destination).toEqual({ preset: 'office365', host: OFFICE365_HOST });
    expect(parse('--office2', '--host2', 'mx.example').overrides.destination.host).toBe('mx.example');
    expect(parse('--config', 'f.yaml', '--office2').overrides.destination.host).toBeUndefined();
    expect(parse('--exchange2').overrides.destination).toEqual({ preset: 'exchange' });
    expect(parse('--office1').overrides.source).toEqual({ preset: 'office365', host: OFFICE365_HOST });
  });

  it("appends a preset's list entry to the same option given on the command line, as imapsync does", () => {
    expect(parse('--office1', '--exclude', '^Junk$').overrides.folders.exclude).toEqual(['^Junk$', '^Files$']);
    expect(parse('--office2', '--f1f2', 'A=B').overrides.folders.map).toEqual([
      { source: 'A', destination: 'B' },
      { source: 'Files', destination: 'Files_renamed_by_imapsync' },
    ]);
    expect(parse('--exchange2', '--regexflag', 's/X//g').overrides.messages.flagRewrite).toEqual([
      { from: 'X', to: '', flags: 'g' },
      { from: '\\\\Flagged', to: '', flags: 'g' },
    ]);
  });

  it('--noexclude, --nof1f2, --noregexflag, --noregexmess and --nodisarmreadreceipts turn a part off', () => {
    const o = parse(
      '--office1',
      '--noexclude',
      '--exchange2',
      '--nof1f2',
      '--noregexflag',
      '--noregexmess',
      '--nodisarmreadreceipts',
    ).overrides;
    expect(o.folders).toEqual({ exclude: [] });
    expect(o.messages).toEqual({ flagRewrite: [], wrapLinesLongerThan: 0, disarmReadReceipts: false });
    expect(parse('--noregexmess').notices).toContain(
      '--noregexmess has no effect without --office1/2, --exchange2 or --gmail2',
    );
  });

  it('maps --regexmess, --regexflag, --maxlinelength, --disarmreadreceipts and --f1f2 onto the spec', () => {
    const o = parse(
      ...['--regexmess', 's/foo/bar/gi', '--regexflag', 's/\\\\Flagged//g', '--maxlinelength', '9900'],
      ...['--disarmreadreceipts', '--f1f2', 'Old=New'],
    ).overrides;
    expect(o.messages).toEqual({
      rewrite: [{ from: 'foo', to: 'bar', flags: 'gi' }],
      flagRewrite: [{ from: '\\\\Flagged', to: '', flags: 'g' }],
      disarmReadReceipts: true,
    });
    expect(o.filters).toEqual({ maxLineLength: 9900 });
    expect(o.folders).toEqual({ map: [{ source: 'Old', destination: 'New' }] });
  });

  it("takes imapsync's FAQ wrap rule s,(.{N}),$1\\r\\n,g as messages.wrapLinesLongerThan N", () => {
    const args = parse('--regexmess', 's,(.{9900}),$1\\r\\n,g');
    expect(args.overrides.messages).toEqual({ wrapLinesLongerThan: 9900 });
    expect(args.notices.join('\n')).toContain("imapsync's line-wrap rule");
  });
});
