/**
 * What to create, update and delete so that the children (and per-account
 * Secrets) of a migration match its accounts. Pure; the reconcile carries it
 * out. Two rules keep mistakes cheap:
 * - while any account is invalid (or the account file unreadable), nothing is
 *   deleted: a typo in the file must not abort a hundred running syncs;
 * - an object with the child's name that this migration does not control is
 *   never touched; its account is reported instead.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { MailSync } from '../../api/mailsync.js';
import type { DesiredAccount } from '../../api/migration-accounts.js';
import type { MailMigration } from '../../api/migration-object.js';
import type { InvalidAccount } from '../../api/migration-status.js';
import {
  accountSecret,
  childIsCurrent,
  controllerUid,
  newChild,
  secretIsCurrent,
  updatedChild,
} from './child-objects.js';

export interface ChildPlanInput {
  migration: MailMigration;
  accounts: readonly DesiredAccount[];
  /** Every account could be read and is valid: children of removed accounts may be deleted. */
  complete: boolean;
  /** Existing MailSyncs named like children or labelled with the migration. */
  children: ReadonlyMap<string, MailSync>;
  /** Existing Secrets named like per-account Secrets or labelled with the migration. */
  secrets: ReadonlyMap<string, V1Secret>;
  /** The pass a new child's first run belongs to. */
  passId: string;
  suspend: boolean;
}

export interface ChildPlan {
  createSecrets: V1Secret[];
  updateSecrets: { secret: V1Secret; existing: V1Secret }[];
  deleteSecrets: string[];
  createChildren: MailSync[];
  updateChildren: { child: MailSync; existing: MailSync }[];
  deleteChildren: string[];
  /** Accounts whose name is taken by an object the migration does not control. */
  conflicts: InvalidAccount[];
}

export function planChildren(input: ChildPlanInput): ChildPlan {
  const { migration, passId, suspend } = input;
  const uid = migration.metadata.uid;
  const plan: ChildPlan = {
    createSecrets: [],
    updateSecrets: [],
    deleteSecrets: [],
    createChildren: [],
    updateChildren: [],
    deleteChildren: [],
    conflicts: [],
  };
  const wanted = new Set<string>();
  const wantedSecrets = new Set<string>();
  for (const account of input.accounts) {
    wanted.add(account.name);
    const child = input.children.get(account.name);
    if (child && controllerUid(child) !== uid) {
      plan.conflicts.push({
        line: account.line,
        message: `a MailSync named ${account.name} exists and does not belong to this migration`,
      });
      continue;
    }
    const secret = accountSecret(migration, account);
    if (secret) {
      wantedSecrets.add(account.name);
      const existing = input.secrets.get(account.name);
      if (existing && controllerUid(existing) !== uid) {
        plan.conflicts.push({
          line: account.line,
          message: `a Secret named ${account.name} exists and does not belong to this migration`,
        });
        continue;
      }
      if (!existing) plan.createSecrets.push(secret);
      else if (!secretIsCurrent(existing, secret)) plan.updateSecrets.push({ secret, existing });
    }
    if (!child) plan.createChildren.push(newChild(migration, account, passId, suspend));
    else if (!childIsCurrent(child, account, suspend)) {
      plan.updateChildren.push({ child: updatedChild(child, account, suspend), existing: child });
    }
  }
  if (input.complete) {
    for (const [name, child] of input.children) {
      if (!wanted.has(name) && controllerUid(child) === uid) plan.deleteChildren.push(name);
    }
    for (const [name, secret] of input.secrets) {
      if (!wantedSecrets.has(name) && controllerUid(secret) === uid) plan.deleteSecrets.push(name);
    }
  }
  return plan;
}
