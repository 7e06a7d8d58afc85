/**
 * The objects a migration owns, as it wants them: one child MailSync per
 * account and, for accounts whose passwords come from the account file, one
 * Secret holding them (keys `source`, `destination`). Both carry the label
 * mailsync.io/migration and a controller ownerReference to the migration, so
 * deleting the migration deletes them (the MailSync finalizer aborts runs).
 */
import { createHash } from 'node:crypto';
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { API_VERSION, FINALIZER, KIND, type MailSync } from '../../api/mailsync.js';
import {
  ANNOTATION_ACCOUNT_LINE,
  ANNOTATION_DESIRED_HASH,
  ANNOTATION_REQUESTED_AT,
  LABEL_MIGRATION,
  MIGRATION_KIND,
} from '../../api/migration.js';
import type { DesiredAccount } from '../../api/migration-accounts.js';
import type { MailMigration } from '../../api/migration-object.js';
import type { MailSyncSpec } from '../../api/spec.js';
import { migrationOwner } from '../migration-owner.js';

export function migrationOwnerReference(mm: MailMigration): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: MIGRATION_KIND,
    name: mm.metadata.name ?? '',
    uid: mm.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The migration that controls an object (its controller ownerReference), by UID. */
export function controllerUid(obj: { metadata?: { ownerReferences?: V1OwnerReference[] } }): string | undefined {
  return migrationOwner(obj)?.uid;
}

/** JSON with sorted keys: the same value always hashes the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function desiredHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

/** The child's spec: the account's, suspended while the migration is. */
export function childSpec(account: DesiredAccount, suspend: boolean): MailSyncSpec {
  return suspend ? { ...account.spec, suspend: true } : account.spec;
}

/**
 * A new child MailSync, its first run requested for `passId`. It is created with the MailSync
 * finalizer (the one reconcile would add): one request per account fewer.
 */
export function newChild(mm: MailMigration, account: DesiredAccount, passId: string, suspend: boolean): MailSync {
  const spec = childSpec(account, suspend);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      name: account.name,
      namespace: mm.metadata.namespace,
      labels: { [LABEL_MIGRATION]: mm.metadata.name ?? '' },
      finalizers: [FINALIZER],
      annotations: {
        [ANNOTATION_REQUESTED_AT]: passId,
        [ANNOTATION_ACCOUNT_LINE]: String(account.line),
        [ANNOTATION_DESIRED_HASH]: desiredHash(spec),
      },
      ownerReferences: [migrationOwnerReference(mm)],
    },
    spec,
  };
}

/** An existing child with the spec it should have now (metadata kept, resourceVersion included). */
export function updatedChild(existing: MailSync, account: DesiredAccount, suspend: boolean): MailSync {
  const spec = childSpec(account, suspend);
  return {
    ...existing,
    metadata: {
      ...existing.metadata,
      annotations: {
        ...existing.metadata.annotations,
        [ANNOTATION_ACCOUNT_LINE]: String(account.line),
        [ANNOTATION_DESIRED_HASH]: desiredHash(spec),
      },
    },
    spec,
  };
}

export function childIsCurrent(existing: MailSync, account: DesiredAccount, suspend: boolean): boolean {
  const annotations = existing.metadata.annotations ?? {};
  return (
    annotations[ANNOTATION_DESIRED_HASH] === desiredHash(childSpec(account, suspend)) &&
    annotations[ANNOTATION_ACCOUNT_LINE] === String(account.line)
  );
}

/** The Secret holds these passwords (compared as data: no hash of a password is ever written down). */
export function secretIsCurrent(existing: V1Secret, desired: V1Secret): boolean {
  const have = existing.data ?? {};
  const want = desired.data ?? {};
  const keys = new Set([...Object.keys(have), ...Object.keys(want)]);
  return [...keys].every((k) => sameSecretValue(have[k], want[k]));
}

const DIGEST = 'sha256:';

function digestOf(value: string): string {
  return `${DIGEST}${createHash('sha256').update(value).digest('hex')}`;
}

/** `have` may be a value or its digest (a cached Secret, withDigestedData); `want` is a value. */
function sameSecretValue(have: string | undefined, want: string | undefined): boolean {
  if (have === undefined || want === undefined) return have === want;
  // A base64 value never contains ':', so a digest cannot be mistaken for one.
  return have.startsWith(DIGEST) ? have === digestOf(want) : have === want;
}

/**
 * The per-account Secret as the controller caches it: each value replaced by its SHA-256 digest, so the
 * controller's memory never holds the passwords it wrote (it only needs to tell whether they changed).
 */
export function withDigestedData(secret: V1Secret): V1Secret {
  const { stringData: _dropped, data, ...rest } = secret;
  return {
    ...rest,
    ...(data ? { data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, digestOf(value)])) } : {}),
  };
}

/** The per-account Secret of an account with passwords in the file (undefined: it needs none). */
export function accountSecret(mm: MailMigration, account: DesiredAccount): V1Secret | undefined {
  if (!account.passwords) return undefined;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(account.passwords)) data[key] = Buffer.from(value).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: account.name,
      namespace: mm.metadata.namespace,
      labels: { [LABEL_MIGRATION]: mm.metadata.name ?? '' },
      ownerReferences: [migrationOwnerReference(mm)],
    },
    data,
  };
}
