/**
 * imapsync's provider presets on the command line: --office1, --office2,
 * --exchange1, --exchange2, --gmail1, --gmail2 set `preset` on their side
 * (--gmail12 on both; api/presets.ts says what each fills in), and what
 * imapsync does besides, decided once every option is read:
 * - --office1/--office2 (--gmail1/--gmail2) without --host1/--host2 (and
 *   without --config) take outlook.office365.com (imap.gmail.com) as the host;
 * - a preset's list entry is appended to the same option given on the command
 *   line (--exclude '^Files$', --f1f2 Files=Files_renamed_by_imapsync,
 *   --regexflag 's/\\Flagged//g'), as imapsync pushes onto its lists, unless
 *   --noexclude, --nof1f2 or --noregexflag;
 * - --noregexmess turns the preset's line wrap off, and each --no* option
 *   turns its part off when the command line does not give that list.
 */
import { GMAIL_HOST, OFFICE365_HOST, presetFragment } from '../api/presets.js';
import type { Preset } from '../api/spec.js';
import type { Side } from '../sync/errors.js';
import type { OptionDef, SidedOptionDef } from './option-def.js';
import type { OptOut, ParseState } from './parse-state.js';

function presetFlag(preset: Preset): SidedOptionDef {
  return {
    value: 'none',
    apply: (s, _v, _n, side) => {
      s.presets[side] = preset;
      s.overrides[side].preset = preset;
    },
  };
}

export const PRESET_OPTIONS: Readonly<Record<string, SidedOptionDef>> = {
  office: presetFlag('office365'),
  exchange: presetFlag('exchange'),
  gmail: presetFlag('gmail'),
};

/** --gmail12: Gmail on both sides (imapsync's gmail12, the same as --gmail1 --gmail2). */
export const GMAIL12_OPTION: OptionDef = {
  value: 'none',
  apply: (s, v, n) => {
    for (const side of ['source', 'destination'] as const) presetFlag('gmail').apply(s, v, n, side);
  },
};

const HOSTS: Partial<Record<Preset, string>> = { office365: OFFICE365_HOST, gmail: GMAIL_HOST };
const OPTION_NAMES: Record<Preset, string> = { office365: 'office', exchange: 'exchange', gmail: 'gmail' };

/** The list a preset fills in on one side, and the option that turns it off (if any). */
function presetLists(preset: Preset, side: Side, both: boolean) {
  const fragment = presetFragment(preset, side, both);
  return [
    { part: 'exclude' as OptOut, section: 'folders' as const, field: 'exclude', items: fragment.folders?.exclude },
    { part: 'f1f2' as OptOut, section: 'folders' as const, field: 'map', items: fragment.folders?.map },
    { part: undefined, section: 'folders' as const, field: 'rename', items: fragment.folders?.rename },
    { part: undefined, section: 'folders' as const, field: 'last', items: fragment.folders?.last },
    { part: undefined, section: 'top' as const, field: 'identityHeaders', items: fragment.identityHeaders },
    {
      part: 'regexflag' as OptOut,
      section: 'messages' as const,
      field: 'flagRewrite',
      items: fragment.messages?.flagRewrite,
    },
  ];
}

export function resolvePresets(s: ParseState): void {
  for (const side of ['source', 'destination'] as const) {
    const preset = s.presets[side];
    if (preset === undefined) continue;
    const n = side === 'source' ? '1' : '2';
    const option = `--${OPTION_NAMES[preset]}${n}`;
    const host = HOSTS[preset];
    if (host !== undefined && s.overrides[side].host === undefined && s.configFile === undefined) {
      s.overrides[side].host = host;
    }
    // Gmail on both sides is one preset (gmail12): its lists are added once.
    const both = preset === 'gmail' && s.presets.source === 'gmail' && s.presets.destination === 'gmail';
    const lists = both && side === 'destination' ? [] : presetLists(preset, side, both);
    for (const { part, section, field, items } of lists) {
      if (items === undefined) continue;
      const target = s.overrides[section] as Record<string, unknown[] | undefined>;
      const given = target[field];
      // --noexclude also forgets the config file's list (global-options.ts): [] keeps the preset from filling it.
      if (part !== undefined && s.optOuts.has(part)) target[field] = given ?? [];
      else if (given !== undefined) target[field] = [...given, ...items];
    }
    if (s.optOuts.has('regexmess') && s.overrides.messages.wrapLinesLongerThan === undefined) {
      s.overrides.messages.wrapLinesLongerThan = 0;
    }
    s.notices.push(`${option}: ${side} preset ${preset} (what it sets: docs/servers.md)`);
  }
  if (s.presets.source === undefined && s.presets.destination === undefined) {
    for (const part of s.optOuts) {
      s.notices.push(`--no${part} has no effect without --office1/2, --exchange2 or --gmail2`);
    }
  }
}
