/**
 * The account files of a MailMigration (`accountsFrom`, `mailsync import`):
 * - imapsync: FAQ.Massive's file.txt, one account pair a line,
 *   `host1;user1;password1;host2;user2;password2;[extra imapsync options]`,
 *   lines starting with # are comments (the FAQ's Windows loop, eol=#);
 * - csv: a header line naming the columns (host1, port1, user1, password1,
 *   host2, port2, user2, password2, options, oauth2refresh1, oauth2refresh2;
 *   only user1 is required). An oauth2refresh column names a Secret and key
 *   (`name/key`) holding the account's OAuth2 refresh material: the material
 *   itself (a JSON object) stays in its own Secret, never in the file. file.txt
 *   has fixed columns and no such field (docs: use CSV or inline accounts).
 *
 * Pure: text in, rows and errors out, each with its line number. An error
 * never repeats a field of the line (a password could be anywhere in it); the
 * CSV library's own messages are not passed on for the same reason.
 */
import { parse } from 'csv-parse/sync';
import { parseArgsStringToArgv } from 'string-argv';
import type { AccountFileFormat } from './migration-spec.js';
import { PATTERNS } from './spec.js';

/** A user name without CR, LF, NUL or another control character (the CRD's pattern, the same words). */
const USER_NAME = new RegExp(PATTERNS.noControl.pattern);

export interface AccountFileSide {
  host?: string;
  port?: number;
  user: string;
  /** As written in the file (never trimmed: spaces may be part of it). */
  password?: string;
  /** CSV `oauth2refresh1`/`oauth2refresh2`: the Secret (in the migration's namespace) with the refresh material. */
  oauth2RefreshSecretRef?: { name: string; key: string };
}

export interface AccountRow {
  /** 1-based line of the account in the file. */
  line: number;
  source: AccountFileSide;
  destination: AccountFileSide;
  /** The extra imapsync options of the line, split as a shell would. */
  options: string[];
}

export interface RowError {
  line: number;
  message: string;
}

export interface ParsedAccountFile {
  rows: AccountRow[];
  errors: RowError[];
}

export const CSV_COLUMNS = [
  'host1',
  'port1',
  'user1',
  'password1',
  'host2',
  'port2',
  'user2',
  'password2',
  'options',
  'oauth2refresh1',
  'oauth2refresh2',
];

const OBJECT_NAME = new RegExp(PATTERNS.objectName.pattern);
const SECRET_KEY = new RegExp(PATTERNS.secretKey.pattern);

type Record_ = { record: string[] | Record<string, string>; info: { lines: number; error?: { code: string } } };

const COMMON = {
  comment: '#',
  comment_no_infix: true,
  skip_empty_lines: true,
  relax_column_count: true,
  info: true,
} as const;

/** What csv-parse's error codes mean, without its messages (which quote the field). */
function csvErrorMessage(code: string | undefined): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return 'a quote in the middle of a field (quote the whole field, and double the quotes inside it)';
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'not as many fields as the header has columns';
    default:
      return `unreadable CSV (${code ?? 'parse error'})`;
  }
}

function parsePort(value: string | undefined, column: string, line: number, errors: RowError[]): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    errors.push({ line, message: `${column} is not a port number (1..65535)` });
    return undefined;
  }
  return port;
}

const orUndefined = (value: string | undefined): string | undefined => {
  const text = value?.trim() ?? '';
  return text === '' ? undefined : text;
};
/** A password is kept as written, but an empty field (or one of blanks) is no password. */
const passwordOf = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value;

/**
 * An oauth2refresh column: `secret-name/key`. An error never quotes the field (a token pasted there
 * by mistake must not reach a status or a terminal).
 */
function parseSecretRef(
  value: string | undefined,
  column: string,
  line: number,
  errors: RowError[],
): { name: string; key: string } | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  const slash = text.indexOf('/');
  const name = text.slice(0, slash);
  const key = text.slice(slash + 1);
  const fits = (part: string, pattern: RegExp) => part.length >= 1 && part.length <= 253 && pattern.test(part);
  if (slash < 0 || !fits(name, OBJECT_NAME) || !fits(key, SECRET_KEY)) {
    errors.push({
      line,
      message:
        `${column} must be secret-name/key: a Secret in the migration's namespace and its key holding the ` +
        'OAuth2 refresh material (the material itself does not go in the file)',
    });
    return undefined;
  }
  return { name, key };
}

function buildRow(
  line: number,
  get: (column: string) => string | undefined,
  options: string,
  errors: RowError[],
): AccountRow | undefined {
  const before = errors.length;
  const user1 = orUndefined(get('user1'));
  if (!user1) errors.push({ line, message: 'user1 (the source user) is empty' });
  for (const column of ['user1', 'user2']) {
    // A user name goes into IMAP commands and messages: CR, LF or NUL in it is refused here, named by its column.
    const user = orUndefined(get(column));
    if (user !== undefined && !USER_NAME.test(user)) {
      errors.push({ line, message: `${column} ${PATTERNS.noControl.meaning}` });
    }
  }
  const port1 = parsePort(get('port1'), 'port1', line, errors);
  const port2 = parsePort(get('port2'), 'port2', line, errors);
  const refresh1 = parseSecretRef(get('oauth2refresh1'), 'oauth2refresh1', line, errors);
  const refresh2 = parseSecretRef(get('oauth2refresh2'), 'oauth2refresh2', line, errors);
  for (const [n, refresh] of [
    ['1', refresh1],
    ['2', refresh2],
  ] as const) {
    if (refresh && passwordOf(get(`password${n}`)) !== undefined) {
      errors.push({ line, message: `password${n} and oauth2refresh${n} are both given: one credential per side` });
    }
  }
  let argv: string[] = [];
  if (options.trim() !== '') argv = parseArgsStringToArgv(options);
  if (errors.length > before || !user1) return undefined;
  const side = (
    host: string | undefined,
    port: number | undefined,
    user: string,
    password: string | undefined,
    refresh: AccountFileSide['oauth2RefreshSecretRef'],
  ) => {
    const out: AccountFileSide = { user };
    const h = orUndefined(host);
    if (h) out.host = h;
    if (port !== undefined) out.port = port;
    if (password !== undefined) out.password = password;
    if (refresh) out.oauth2RefreshSecretRef = refresh;
    return out;
  };
  return {
    line,
    source: side(get('host1'), port1, user1, passwordOf(get('password1')), refresh1),
    destination: side(get('host2'), port2, orUndefined(get('user2')) ?? user1, passwordOf(get('password2')), refresh2),
    options: argv,
  };
}

function parseImapsync(text: string): ParsedAccountFile {
  const rows: AccountRow[] = [];
  const errors: RowError[] = [];
  // No quoting in file.txt: a field is everything between two separators, as in the FAQ's shell loop.
  const records = parse(text, { ...COMMON, delimiter: ';', quote: false }) as unknown as Record_[];
  for (const { record, info } of records) {
    const fields = record as string[];
    const line = info.lines;
    if (fields.length < 6) {
      errors.push({
        line,
        message: `expected host1;user1;password1;host2;user2;password2[;options], found ${fields.length} field(s)`,
      });
      continue;
    }
    const names = ['host1', 'user1', 'password1', 'host2', 'user2', 'password2'];
    const get = (column: string) => fields[names.indexOf(column)];
    // The options may themselves hold ';' (inside a regex): the rest of the line, as `read ... extra` gives it.
    const row = buildRow(line, get, fields.slice(6).join(';'), errors);
    if (row) rows.push(row);
  }
  return { rows, errors };
}

function parseCsv(text: string): ParsedAccountFile {
  const rows: AccountRow[] = [];
  const errors: RowError[] = [];
  let columns: string[] | undefined;
  const records = parse(text, { ...COMMON, quote: '"' }) as unknown as Record_[];
  for (const { record, info } of records) {
    const fields = record as string[];
    // csv-parse counts lines up to the record's end; a quoted field may span lines: name the first.
    const line = info.lines - fields.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    if (!columns) {
      columns = fields.map((f) => f.trim().toLowerCase());
      const unknown = columns.filter((c) => !CSV_COLUMNS.includes(c));
      if (unknown.length === columns.length) {
        // Not a header at all, most likely a first account: its fields (a password) are not repeated.
        errors.push({
          line,
          message: `the first line is not a header: it names none of the columns ${CSV_COLUMNS.join(', ')}`,
        });
        return { rows, errors };
      }
      if (unknown.length > 0) {
        errors.push({ line, message: `unknown column(s) ${unknown.join(', ')} (known: ${CSV_COLUMNS.join(', ')})` });
        return { rows, errors };
      }
      if (!columns.includes('user1')) {
        errors.push({ line, message: 'the header has no user1 column' });
        return { rows, errors };
      }
      continue;
    }
    if (fields.length > columns.length) {
      errors.push({ line, message: csvErrorMessage('CSV_RECORD_INCONSISTENT_COLUMNS') });
      continue;
    }
    const header = columns;
    const get = (column: string) => {
      const i = header.indexOf(column);
      return i < 0 ? undefined : fields[i];
    };
    const row = buildRow(line, get, get('options') ?? '', errors);
    if (row) rows.push(row);
  }
  if (!columns) errors.push({ line: 1, message: 'the file is empty (a CSV file starts with a header line)' });
  return { rows, errors };
}

/** Parse an account file. Never throws for bad content: every problem is a RowError with its line. */
export function parseAccountFile(text: string, format: AccountFileFormat): ParsedAccountFile {
  // One line ending for all (a file.txt edited on Windows); lines stay where they were.
  const normalised = text.replace(/\r\n?/g, '\n');
  try {
    return format === 'csv' ? parseCsv(normalised) : parseImapsync(normalised);
  } catch (error) {
    const e = error as { code?: string; lines?: number };
    return { rows: [], errors: [{ line: e.lines ?? 1, message: csvErrorMessage(e.code) }] };
  }
}
