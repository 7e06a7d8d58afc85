/**
 * `mailsync sync` arguments: imapsync's option names (so a migration script
 * switches by changing the command name) plus mailsync's own options. Pure:
 * the environment and the file system are passed in, nothing is read here.
 *
 * Like imapsync (Perl's Getopt::Long): `--opt value`, `--opt=value`, a single
 * leading dash works too, option names are case-insensitive.
 *
 * The options are tables (global-options.ts, sided-options.ts,
 * compat-options.ts), found by lookup.ts; what depends on several options is
 * decided at the end (resolve.ts).
 */
import { ConfigError } from '../sync/errors.js';
import { lookupOption, suggestion } from './lookup.js';
import type { ValueKind } from './option-def.js';
import { newParseState, type ParseContext, type SyncArgs, syncArgsOf } from './parse-state.js';
import { resolveOptions } from './resolve.js';

function checkValue(kind: ValueKind, name: string, value: string): void {
  if (kind === 'int' && !/^\d+$/.test(value)) {
    throw new ConfigError(`--${name} needs a whole number, got '${value}'`);
  }
  if (kind === 'number' && !/^\d+(\.\d+)?$/.test(value)) {
    throw new ConfigError(`--${name} needs a number, got '${value}'`);
  }
}

/** Whether a command-line word is a known option (then it cannot be the value of the one before). */
function isKnownOption(word: string | undefined): boolean {
  return word !== undefined && /^--?[A-Za-z]/.test(word) && lookupOption(word.replace(/^--?|=.*$/gs, '')) !== undefined;
}

export function parseSyncArgs(argv: readonly string[], ctx: ParseContext): SyncArgs {
  const s = newParseState(ctx);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      if (i + 1 < argv.length) throw new ConfigError(`unexpected argument '${argv[i + 1]}'`);
      break;
    }
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(token);
    if (!m) throw new ConfigError(`unexpected argument '${token}' (options start with --)`);
    const rawName = m[1] ?? '';
    const inline = m[2];
    const resolved = lookupOption(rawName);
    if (!resolved) throw new ConfigError(`unknown option --${rawName}${suggestion(rawName)}`);
    const { def, name } = resolved;
    let value = '';
    if (def.value === 'none') {
      if (inline !== undefined) throw new ConfigError(`--${name} takes no value`);
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || isKnownOption(next)) throw new ConfigError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (def.value !== 'none') checkValue(def.value, name, value);
    def.apply(s, value, name);
  }
  resolveOptions(s);
  return syncArgsOf(s);
}
