/**
 * Order between folder workers that otherwise run in parallel:
 * - plans settle in folder order when skipCrossDuplicates is on (folder i
 *   claims its copies after folders 0..i-1 did: see cross-duplicates.ts);
 * - the `folders.last` folders start only once every earlier folder ended
 *   (imapsync --folderlast: Gmail's All Mail after the labels).
 * Every folder marks both steps exactly once, whatever happens to it (the
 * engine does it in a `finally`), so no folder waits for ever.
 */
class Gate {
  readonly promise: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  open(): void {
    this.resolve();
  }
}

export class FolderSequence {
  private readonly planned: Gate[];
  private readonly ended: Gate[];

  /** `count` folders; the last `lastCount` of them wait for all earlier ones to end. */
  constructor(
    count: number,
    private readonly lastCount: number,
    private readonly orderedPlans: boolean,
  ) {
    this.planned = Array.from({ length: count }, () => new Gate());
    this.ended = Array.from({ length: count }, () => new Gate());
  }

  /** Resolves when folder `index` may start (a `last` folder: when every folder before the last ones ended). */
  async mayStart(index: number): Promise<void> {
    const firstLast = this.planned.length - this.lastCount;
    if (index < firstLast) return;
    await Promise.all(this.ended.slice(0, firstLast).map((gate) => gate.promise));
  }

  /** Resolves when folder `index` may settle its plan (every earlier folder's plan settled). */
  async mayPlan(index: number): Promise<void> {
    if (!this.orderedPlans) return;
    await Promise.all(this.planned.slice(0, index).map((gate) => gate.promise));
  }

  /** Folder `index` settled its plan (or will never plan). */
  markPlanned(index: number): void {
    this.planned[index]?.open();
  }

  /** Folder `index` ended, whatever the outcome (also marks it planned). */
  markEnded(index: number): void {
    this.markPlanned(index);
    this.ended[index]?.open();
  }
}
