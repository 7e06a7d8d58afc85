/**
 * imapsync's provider presets on the command line: --office1, --office2,
 * --exchange1, --exchange2 set `preset` on their side (api/presets.ts says
 * what each fills in), and what imapsync does besides, decided once every
 * option is read:
 * - --office1/--office2 without --host1/--host2 (and without --config) take
 *   outlook.office365.com as the host;
 * - a preset's list entry is appended to the same option given on the command
 *   line (--exclude '^Files$', --f1f2 Files=Files_renamed_by_imapsync,
 *   --regexflag 's/\\Flagged//g'), as imapsync pushes onto its lists, unless
 *   --noexclude, --nof1f2 or --noregexflag;
 * - --noregexmess turns the preset's line wrap off, and each --no* option
 *   turns its part off when the command line does not give that list.
 */
import { OFFICE365_HOST, presetFragment } from '../api/presets.js';
import type { Preset } from '../api/spec.js';
import type { Side } from '../sync/errors.js';
import type { SidedOptionDef } from './option-def.js';
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
};

/** The list a preset fills in on one side, and the option that turns it off. */
function presetLists(preset: Preset, side: Side) {
  const fragment = presetFragment(preset, side);
  return [
    { part: 'exclude' as OptOut, section: 'folders' as const, field: 'exclude', items: fragment.folders?.exclude },
    { part: 'f1f2' as OptOut, section: 'folders' as const, field: 'map', items: fragment.folders?.map },
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
    const option = `--${preset === 'office365' ? 'office' : 'exchange'}${n}`;
    if (preset === 'office365' && s.overrides[side].host === undefined && s.configFile === undefined) {
      s.overrides[side].host = OFFICE365_HOST;
    }
    for (const { part, section, field, items } of presetLists(preset, side)) {
      if (items === undefined) continue;
      const target = s.overrides[section] as Record<string, unknown[] | undefined>;
      const given = target[field];
      // --noexclude also forgets the config file's list (global-options.ts): [] keeps the preset from filling it.
      if (s.optOuts.has(part)) target[field] = given ?? [];
      else if (given !== undefined) target[field] = [...given, ...items];
    }
    if (s.optOuts.has('regexmess') && s.overrides.messages.wrapLinesLongerThan === undefined) {
      s.overrides.messages.wrapLinesLongerThan = 0;
    }
    s.notices.push(`${option}: ${side} preset ${preset} (what it sets: docs/servers.md)`);
  }
  if (s.presets.source === undefined && s.presets.destination === undefined) {
    for (const part of s.optOuts) s.notices.push(`--no${part} has no effect without --office1/2 or --exchange2`);
  }
}
