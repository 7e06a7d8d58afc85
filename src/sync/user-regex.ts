/**
 * Regular expressions written by users (folders.include/exclude, rename
 * rules) run on names a server chose: a hostile server can pick a name that
 * makes a backtracking pattern such as `^(a+)+$` take hours (ReDoS). Node's
 * V8 has a linear-time engine; with the flag below, a regex that backtracks
 * more than V8's limit (50,000 backtracks by default) is re-run on it,
 * with the same result. Patterns that engine cannot run (backreferences,
 * lookbehind) keep backtracking; their input is bounded by the client's
 * mailbox name cap (imap-raw/limits.ts, 4 KiB).
 */
import v8 from 'node:v8';

let linearFallback = false;

/** Compile a user's pattern with the linear-time fallback on (set once per process, before the first compile). */
export function userRegex(pattern: string, flags?: string): RegExp {
  if (!linearFallback) {
    v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
    linearFallback = true;
  }
  return new RegExp(pattern, flags);
}
