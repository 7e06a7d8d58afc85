/**
 * PROXYAUTH (imapsync's --proxyauth1; Sun/iPlanet/Oracle Communications
 * Messaging Server): once the admin (authUser) is logged in as itself,
 * `PROXYAUTH user` makes the session the user's. A refusal is the user's
 * AuthError (CredentialRefusedError), naming the admin and the user, no secret.
 */
import { AuthError, CredentialRefusedError } from '../errors.js';
import type { CommandChannel, TaggedResult } from './command-channel.js';
import { isQuotable, quoteString } from './imap-syntax.js';

export async function proxyAuthenticate(connection: CommandChannel): Promise<TaggedResult> {
  const { user, authUser, side, host, port } = connection.endpoint;
  if (!isQuotable(user)) {
    throw new AuthError(`PROXYAUTH needs a user name that fits a quoted string, not "${user}"`, { side });
  }
  const tag = connection.nextTag();
  const result = connection.expectTagged(tag);
  result.catch(() => {});
  await connection.write(`${tag} PROXYAUTH ${quoteString(user)}\r\n`);
  connection.flush();
  const answer = await result;
  if (answer.status !== 'OK') {
    const code = answer.code ? `[${answer.code.name}] ` : '';
    throw new CredentialRefusedError(
      `${side} server ${host}:${port} refused PROXYAUTH of user "${user}" for admin "${authUser}": ${code}${connection.scrub(answer.text)}`,
      { side },
    );
  }
  return answer;
}
