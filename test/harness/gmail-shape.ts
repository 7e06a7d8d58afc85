/**
 * A Gmail-shaped Dovecot (startDovecot({ flavour: 'slash', gmail: true })):
 * what Gmail's IMAP shows, built from Dovecot parts.
 *
 * - Labels are top-level folders (`Work`, `Personal`...) of the personal
 *   namespace, next to INBOX. A message with two labels is stored in both
 *   folders (two copies of the same bytes), as Gmail shows it in both.
 * - `[Gmail]` is a namespace (prefix `[Gmail]/`, listed as `\Noselect`
 *   `\HasChildren`, like Gmail's). Its folders are Dovecot virtual mailboxes
 *   (the virtual plugin) with Gmail's special-use attributes:
 *   `[Gmail]/All Mail` (\All) shows every message of INBOX, the labels, Sent
 *   Mail, Drafts, Important and Starred (not Trash and Spam, as Gmail's);
 *   Sent Mail (\Sent), Drafts (\Drafts), Trash (\Trash), Spam (\Junk),
 *   Important (\Important) and Starred (\Flagged) each show one physical
 *   folder of a hidden namespace `GmailStore/` and take APPENDs into it.
 *   A message without a label lives in GMAIL_UNLABELLED (All Mail only).
 *
 * Unlike Gmail, a message in two labels is twice in All Mail here (Dovecot's
 * virtual mailbox has one entry per physical copy); for skipCrossDuplicates
 * that changes nothing: both carry the same identity.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The `[Gmail]/` folders: name, special-use attribute, and the physical folders they show. */
export const GMAIL_SPECIAL = {
  'All Mail': {
    use: '\\All',
    shows: ['*', ...['Sent Mail', 'Drafts', 'Important', 'Starred', 'Unlabelled'].map(store)],
  },
  'Sent Mail': { use: '\\Sent', shows: [`!${store('Sent Mail')}`] },
  Drafts: { use: '\\Drafts', shows: [`!${store('Drafts')}`] },
  Trash: { use: '\\Trash', shows: [`!${store('Trash')}`] },
  Spam: { use: '\\Junk', shows: [`!${store('Spam')}`] },
  Important: { use: '\\Important', shows: [`!${store('Important')}`] },
  Starred: { use: '\\Flagged', shows: [`!${store('Starred')}`] },
} as const;
export type GmailSpecial = keyof typeof GMAIL_SPECIAL;

/**
 * Where to APPEND a message that has no label (archived): it then shows only
 * in `[Gmail]/All Mail`. A hidden folder, not listed, selectable by name.
 */
export const GMAIL_UNLABELLED = 'GmailStore/Unlabelled';

/** `[Gmail]/All Mail` and the others, as the client sees them. */
export function gmailFolder(name: GmailSpecial): string {
  return `[Gmail]/${name}`;
}

/** The hidden physical folder behind a `[Gmail]/` folder. */
function store(name: string): string {
  return `GmailStore/${name}`;
}

function virtualRoot(dir: string): string {
  return path.join(dir, 'gmail-virtual');
}

/** The namespaces added to dovecot.conf (inside the instance directory `dir`). */
export function renderGmailNamespaces(dir: string): string {
  const physical = [...(Object.keys(GMAIL_SPECIAL) as GmailSpecial[]), 'Unlabelled']
    .filter((name) => name !== 'All Mail')
    .map((name) => `  mailbox "${name}" {\n    auto = create\n  }`)
    .join('\n');
  const virtual = (Object.keys(GMAIL_SPECIAL) as GmailSpecial[])
    .map((name) => `  mailbox "${name}" {\n    special_use = ${GMAIL_SPECIAL[name].use}\n    auto = subscribe\n  }`)
    .join('\n');
  return `namespace gmailstore {
  prefix = GmailStore/
  separator = /
  hidden = yes
  list = no
  location = maildir:~/GmailStore:LAYOUT=fs
${physical}
}
namespace gmail {
  prefix = [Gmail]/
  separator = /
  location = virtual:${virtualRoot(dir)}:INDEX=~/GmailVirtual:CONTROL=~/GmailVirtual
${virtual}
}`;
}

/** The dovecot-virtual files (one directory per `[Gmail]/` folder), readable by the mail user. */
export async function writeGmailVirtualDefinitions(dir: string): Promise<void> {
  const root = virtualRoot(dir);
  for (const [name, { shows }] of Object.entries(GMAIL_SPECIAL)) {
    const folder = path.join(root, name);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'dovecot-virtual'), `${shows.join('\n')}\n  all\n`);
    await chmod(folder, 0o755);
  }
  await chmod(root, 0o755);
}
