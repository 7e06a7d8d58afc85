/**
 * A worker's JSON event lines (src/api/events.ts, docs/events.md) read back from its stdout:
 * `mailsync worker`, `mailsync sync --log-format json`, the engine in a child process.
 */
import type { Summary, SyncEvent } from '../../src/api/events.js';

/** The event lines of `stdout`: lines starting with `{`, parsed; JSON lines without `event` (plain log lines) left out. */
export function eventLines(stdout: string): SyncEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e): e is Record<string, unknown> & SyncEvent => 'event' in e);
}

/** The summary of the run: a run logs one `summary` event; as in the controller's log parser, the last one counts. */
export function summaryOf(events: readonly SyncEvent[]): Summary | undefined {
  const last = events.findLast((e) => e.event === 'summary');
  return last?.event === 'summary' ? last.summary : undefined;
}

/** `summaryOf(eventLines(stdout))`. */
export function summaryFromStdout(stdout: string): Summary | undefined {
  return summaryOf(eventLines(stdout));
}
