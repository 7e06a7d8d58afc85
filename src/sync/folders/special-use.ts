/**
 * Special-use folders (RFC 6154) for automap: which folder of a tree plays
 * the role of Sent, Trash, Drafts, Junk or Archive.
 *
 * A folder's role is its special-use attribute when it has one. Only a folder
 * without any special-use attribute may have its role guessed from its name,
 * like imapsync does for servers that announce nothing: a top-level folder
 * (directly under the personal prefix) whose name is one of the well-known
 * names below, compared case-insensitively.
 *
 * \All and \Flagged are never automapped: they are virtual views (Gmail's
 * "All Mail" holds a copy of every message, "Starred" every flagged one), so
 * merging a source's All Mail into a destination's would duplicate the whole
 * mailbox. Such folders are synced by name like any other folder (exclude
 * them to skip them).
 */
import type { FolderInfo, MailboxTree } from '../types.js';
import { relativeComponents } from './translate-name.js';

export const AUTOMAP_ROLES = ['\\Sent', '\\Trash', '\\Drafts', '\\Junk', '\\Archive'] as const;
export type AutomapRole = (typeof AUTOMAP_ROLES)[number];

const KNOWN_ATTRIBUTES = [...AUTOMAP_ROLES, '\\All', '\\Flagged', '\\Important'];

/** Names clients and servers commonly give these folders, in several languages. */
const WELL_KNOWN_NAMES: Record<AutomapRole, readonly string[]> = {
  '\\Sent': [
    'Sent',
    'Sent Items',
    'Sent Messages',
    'Sent Mail',
    'Sent-Mail',
    'Gesendet',
    'Gesendete Objekte',
    'Gesendete Elemente',
    'Envoyés',
    'Éléments envoyés',
    'Elementos enviados',
    'Enviados',
    'Posta inviata',
    'Verzonden items',
    'Skickat',
    'Wysłane',
    'Отправленные',
  ],
  '\\Trash': [
    'Trash',
    'Deleted Items',
    'Deleted Messages',
    'Deleted',
    'Bin',
    'Papierkorb',
    'Gelöschte Objekte',
    'Gelöschte Elemente',
    'Corbeille',
    'Éléments supprimés',
    'Papelera',
    'Cestino',
    'Prullenbak',
    'Verwijderde items',
    'Kosz',
    'Корзина',
  ],
  '\\Drafts': ['Drafts', 'Draft', 'Entwürfe', 'Brouillons', 'Borradores', 'Bozze', 'Concepten', 'Черновики'],
  '\\Junk': [
    'Junk',
    'Spam',
    'Junk E-mail',
    'Junk Email',
    'Junk Mail',
    'Junk-E-Mail',
    'Bulk Mail',
    'Spamverdacht',
    'Courrier indésirable',
    'Indésirables',
    'Correo no deseado',
    'Posta indesiderata',
    'Ongewenste e-mail',
    'Спам',
  ],
  '\\Archive': ['Archive', 'Archives', 'Archiv', 'Archivio', 'Archivo', 'Archief', 'Архив'],
};

const GUESS_BY_NAME = new Map<string, AutomapRole>(
  AUTOMAP_ROLES.flatMap((role) => WELL_KNOWN_NAMES[role].map((name) => [name.toLowerCase(), role] as const)),
);

/** The special-use attribute the server announced (specialUse, or one of the LIST attributes). */
export function announcedSpecialUse(folder: FolderInfo): string | undefined {
  const candidates = folder.specialUse ? [folder.specialUse, ...folder.flags] : folder.flags;
  for (const candidate of candidates) {
    const known = KNOWN_ATTRIBUTES.find((attribute) => attribute.toLowerCase() === candidate.toLowerCase());
    if (known) return known;
  }
  return undefined;
}

/** A role guessed from the name of a top-level folder without any special-use attribute. */
export function guessRoleByName(folder: FolderInfo, tree: MailboxTree): AutomapRole | undefined {
  if (announcedSpecialUse(folder) !== undefined) return undefined;
  const components = relativeComponents(folder, tree);
  if (components.length !== 1) return undefined;
  return GUESS_BY_NAME.get(components[0]!.toLowerCase());
}

export function isAutomapRole(attribute: string | undefined): attribute is AutomapRole {
  return (AUTOMAP_ROLES as readonly string[]).includes(attribute ?? '');
}

export interface RoleMatch {
  role: AutomapRole;
  byName: boolean;
}

/** The automap role of a folder: its announced attribute, else a name guess. */
export function automapRole(folder: FolderInfo, tree: MailboxTree): RoleMatch | undefined {
  const announced = announcedSpecialUse(folder);
  if (announced !== undefined) return isAutomapRole(announced) ? { role: announced, byName: false } : undefined;
  const guessed = guessRoleByName(folder, tree);
  return guessed ? { role: guessed, byName: true } : undefined;
}

/**
 * For each role, the one folder of `folders` that plays it: a folder with the
 * attribute beats a name guess; among equals, the first in the given order.
 */
export function foldersByRole(folders: readonly FolderInfo[], tree: MailboxTree): Map<AutomapRole, FolderInfo> {
  const chosen = new Map<AutomapRole, { folder: FolderInfo; byName: boolean }>();
  for (const folder of folders) {
    const match = automapRole(folder, tree);
    if (!match) continue;
    const current = chosen.get(match.role);
    if (!current || (current.byName && !match.byName)) chosen.set(match.role, { folder, byName: match.byName });
  }
  return new Map([...chosen].map(([role, { folder }]) => [role, folder]));
}
