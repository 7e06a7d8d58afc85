/**
 * An uploaded account file (imapsync's file.txt or a CSV) and optional
 * template, turned into the Secret and the MailMigration by the same import
 * code as `mailsync import` (src/api/migration-import.ts), for the namespace
 * chosen in the form. The file holds passwords: they go into the Secret and
 * nowhere else (the errors name lines, never values).
 */
import type { V1Secret } from '@kubernetes/client-node';
import { buildImport, ImportError } from '../../api/migration-import.js';
import type { MailMigration } from '../../api/migration-object.js';
import type { AccountFileFormat } from '../../api/migration-spec.js';
import { extraOptionsToSpec } from '../../imapsync/extra-options.js';

export interface UploadFields {
  file?: unknown;
  namespace?: unknown;
  name?: unknown;
  template?: unknown;
}

export type UploadResult =
  | { ok: true; namespace: string; secret: V1Secret; migration: MailMigration; accounts: number }
  | { ok: false; message: string; lines: string[] };

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

interface UploadedFile {
  name: string;
  size: number;
  text(): Promise<string>;
}
const isFile = (v: unknown): v is UploadedFile =>
  typeof v === 'object' && v !== null && typeof (v as UploadedFile).text === 'function';

/** csv for a .csv file (or one whose first line is the CSV header), else imapsync. */
export function formatOf(fileName: string, content: string): AccountFileFormat {
  if (/\.csv$/i.test(fileName)) return 'csv';
  const first = content.split('\n', 1)[0] ?? '';
  return /^\s*host1\s*,/.test(first) || /^\s*user1\s*,/.test(first) ? 'csv' : 'imapsync';
}

export async function readUpload(
  fields: UploadFields,
  namespaces: readonly string[],
  limitBytes: number,
): Promise<UploadResult> {
  const fail = (message: string, lines: string[] = []): UploadResult => ({ ok: false, message, lines });
  const namespace = text(fields.namespace);
  if (!namespaces.includes(namespace)) return fail('Choose one of the namespaces of the list.');
  const name = text(fields.name);
  if (name && (!NAME.test(name) || name.length > 63)) {
    return fail('The name must be a DNS label: lowercase letters, digits and dashes, at most 63 characters.');
  }
  const file = fields.file;
  if (!isFile(file) || file.size === 0) return fail('Choose a non-empty account file.');
  if (file.size > limitBytes) return fail(`The account file is larger than ${limitBytes / 1024} KiB.`);
  const content = await file.text();
  const template = text(fields.template) || '{}';
  try {
    const result = buildImport({
      accounts: content,
      format: formatOf(file.name, content),
      template,
      fileName: file.name || 'accounts',
      namespace,
      extraOptions: extraOptionsToSpec,
      ...(name ? { name } : {}),
    });
    // The namespace of the form wins over one in a MailMigration template.
    result.secret.metadata = { ...result.secret.metadata, namespace };
    result.migration.metadata = { ...result.migration.metadata, namespace };
    return { ok: true, namespace, ...result };
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    return fail(
      error.message,
      error.invalid.map((i) => `line ${i.line ?? '?'}: ${i.message}`),
    );
  }
}
