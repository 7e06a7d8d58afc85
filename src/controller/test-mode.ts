/**
 * Settings that exist only for the repository's own test cluster (worker pods
 * on the node's network, where 127.0.0.1 is the node and its test IMAP
 * servers). In production they would weaken the pods' isolation, so they are
 * refused unless the process is started in test mode explicitly: a stray
 * value in a Helm file or an environment cannot turn them on alone.
 */

export const TEST_MODE_ENV = 'MAILSYNC_TEST_MODE';

export class TestModeRequiredError extends Error {
  readonly reason = 'TestModeRequired';
}

export const testMode = (env: Readonly<Record<string, string | undefined>>): boolean => env[TEST_MODE_ENV] === '1';

/** Throws a one-line error naming the setting unless MAILSYNC_TEST_MODE=1. */
export function requireTestMode(env: Readonly<Record<string, string | undefined>>, setting: string): void {
  if (testMode(env)) return;
  throw new TestModeRequiredError(
    `${setting} is for the repository's local test cluster only (pods on the node's network); ` +
      `it is refused unless ${TEST_MODE_ENV}=1 is set`,
  );
}
