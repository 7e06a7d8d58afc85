/**
 * The extra-options column of an account file (imapsync's file.txt:
 * `host1;user1;password1;host2;user2;password2;--folder INBOX ...`) as a
 * partial MailSync spec, through the same option parser as `mailsync sync`.
 * Used by the migration controller (accountsFrom) and `mailsync import`.
 *
 * In a migration, credentials come from the password columns or from Secrets:
 * options that carry a secret or name a local file are refused, and refused
 * before parsing so that no error message can quote a password.
 */
import { ConfigError } from '../sync/errors.js';
import { parseSyncArgs } from './parse.js';
import { applyOverrides } from './spec-overrides.js';

/** Options whose value is a secret: refused without looking further (an error must not quote it). */
const SECRET_OPTIONS = /^--?(password|oauthaccesstoken)[12](=|$)/i;
/** Endpoint fields that name something on the local machine (files, environment variables). */
const LOCAL_FIELDS = ['passwordFile', 'passwordEnv', 'oauth2TokenFile', 'caFile'] as const;
const LOCAL_OPTION: Record<(typeof LOCAL_FIELDS)[number], string> = {
  passwordFile: '--passfile',
  passwordEnv: '--password',
  oauth2TokenFile: '--oauthaccesstoken',
  caFile: '--cafile',
};

/**
 * Parse the tokens of an options column into the spec fields they set
 * (empty object for no options). Throws ConfigError with a message that
 * quotes no secret.
 */
export function extraOptionsToSpec(argv: readonly string[]): Record<string, unknown> {
  if (argv.length === 0) return {};
  const secret = argv.find((token) => SECRET_OPTIONS.test(token));
  if (secret) {
    const name = secret.replace(/^--?|=.*$/gs, '').toLowerCase();
    throw new ConfigError(
      `--${name} is not accepted in the options column: passwords go in the password columns (or in a Secret)`,
    );
  }
  const args = parseSyncArgs(argv, { isFile: () => false });
  const misplaced = (
    [
      ['--config', args.configFile],
      ['--state-file', args.stateFile],
      ['--log-format', args.logFormat],
    ] as const
  ).find(([, value]) => value !== undefined);
  if (misplaced) throw new ConfigError(`${misplaced[0]} is an option of the command, not of an account`);
  if (args.help || args.version || args.debug)
    throw new ConfigError('--help, --version and --debug are not options of an account');
  for (const side of ['source', 'destination'] as const) {
    const endpoint = args.overrides[side] as Record<string, unknown>;
    for (const field of LOCAL_FIELDS) {
      if (endpoint[field] !== undefined) {
        const n = side === 'source' ? '1' : '2';
        throw new ConfigError(
          `${LOCAL_OPTION[field]}${n} names a file on this machine; in a migration, use the password column or a Secret`,
        );
      }
      // Keys set to undefined mean "remove from the file's spec" for the CLI; here there is no file.
      delete endpoint[field];
    }
  }
  return applyOverrides({}, args.overrides);
}
