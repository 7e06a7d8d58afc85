/**
 * skipCrossDuplicates (imapsync --skipcrossduplicates): a message is copied
 * once per run over all folders. Gmail shows each label as a folder, so one
 * message sits in several of them (and in "[Gmail]/All Mail"); towards a
 * server without labels, copying every folder whole would store it once per
 * label.
 *
 * imapsync's rule (2.229, the MESS loop and `%h2_folders_of_md5`): folders
 * are synced in order; each destination folder's identities, and each message
 * copied, are recorded run-wide; a source message is copied when its folder's
 * destination lacks it AND no destination folder recorded so far holds it.
 * Otherwise it is skipped ("found that msg ... is also in Host2 folders ...")
 * and counted as skipped.
 *
 * Here folders are compared in parallel, but their plans are settled in the
 * run's folder order (folder-sequence.ts): folder i records its destination
 * listing and claims its copies only after folders 0..i-1 did, so the
 * outcome is imapsync's whatever the timing, and a re-run finds each message
 * where the first run put it (the first folder, in order, that holds it).
 * A claim is made when the copy is planned: if that APPEND then fails, the
 * message is counted failed in its folder and the next run copies it.
 *
 * Memory: one Map entry per distinct identity of the run (about 70 bytes).
 */
import type { MessageList, MessageSelection } from './message-list.js';

export interface CrossDuplicateOutcome {
  /** The planned copies left to make. */
  copy: MessageSelection;
  /** Source indexes skipped because another destination folder holds (or will hold) the message. */
  skipped: Set<number>;
}

export class CrossDuplicates {
  /** Identity key -> the destination folder that first held or claimed it. */
  private readonly holders = new Map<string, string>();

  /** Records the identities of a destination folder as listed (those already held elsewhere keep their holder). */
  noteDestination(folder: string, messages: MessageList): void {
    for (let i = 0; i < messages.length; i++) {
      const key = messages.identityKey(i);
      if (!this.holders.has(key)) this.holders.set(key, folder);
    }
  }

  /**
   * The planned copies into destination `folder` without those another folder
   * holds; the others are claimed for `folder` (a retry of the same folder
   * keeps its claims).
   */
  claim(folder: string, planned: MessageSelection): CrossDuplicateOutcome {
    const source = planned.list;
    const kept: number[] = [];
    const skipped = new Set<number>();
    for (const index of planned.indexes) {
      const key = source.identityKey(index);
      const holder = this.holders.get(key);
      if (holder !== undefined && holder !== folder) {
        skipped.add(index);
        continue;
      }
      this.holders.set(key, folder);
      kept.push(index);
    }
    return { copy: source.select(Uint32Array.from(kept)), skipped };
  }

  /** The destination folder holding a message of this identity key, if any (reports, tests). */
  holderOf(key: string): string | undefined {
    return this.holders.get(key);
  }
}
