/**
 * Authentication of the raw connection: LOGIN (quoted strings, or literals
 * for 8-bit/CR/LF values), AUTHENTICATE PLAIN (also admin login: authzid =
 * user, authcid = authUser) and XOAUTH2, with SASL-IR when offered.
 * The secret is written to the socket only; errors carry the server text,
 * scrubbed of the secret.
 */
import { AuthError } from '../errors.js';
import type { RawImapConnection, TaggedResult } from './connection.js';
import { isQuotable, quoteString } from './imap-syntax.js';
import { saslPlainResponse, xoauth2Response } from './sasl-fallback.js';

export async function authenticate(connection: RawImapConnection, secret: string): Promise<TaggedResult> {
  const { mechanism, user, authUser, side } = connection.endpoint;
  const who = authUser ? `${authUser} (for ${user})` : user;
  let result: TaggedResult;
  if (mechanism === 'LOGIN') {
    if (authUser) throw new AuthError('admin login (authUser) needs the PLAIN mechanism', { side });
    if (connection.capabilities.has('LOGINDISABLED')) {
      throw new AuthError(`${connection.where} does not allow LOGIN on this connection (LOGINDISABLED; use TLS)`, {
        side,
      });
    }
    result = await login(connection, user, secret);
  } else {
    if (!connection.capabilities.has(`AUTH=${mechanism}`)) {
      throw new AuthError(
        `${connection.where} does not offer AUTH=${mechanism}${connection.encrypted ? '' : ' on a plaintext connection'}`,
        { side },
      );
    }
    const response = mechanism === 'PLAIN' ? saslPlainResponse(user, secret, authUser) : xoauth2Response(user, secret);
    result = await saslAuthenticate(connection, mechanism, response);
  }
  if (result.status !== 'OK') {
    const text = connection.scrub(result.text);
    throw new AuthError(`authentication of ${who} at ${connection.where} failed: ${text}`, { side });
  }
  return result;
}

async function login(connection: RawImapConnection, user: string, secret: string): Promise<TaggedResult> {
  const tag = connection.nextTag();
  const result = connection.expectTagged(tag);
  result.catch(() => {});
  await connection.write(`${tag} LOGIN`);
  for (const value of [user, secret]) {
    await connection.write(' ');
    if (isQuotable(value)) {
      await connection.write(quoteString(value));
      continue;
    }
    const bytes = Buffer.from(value, 'utf8');
    const refused = await connection.beginLiteral(tag, bytes.length, connection.mayUseNonSyncLiteral(bytes.length));
    if (refused) return refused;
    await connection.write(bytes);
  }
  await connection.write('\r\n');
  connection.flush();
  return result;
}

async function saslAuthenticate(
  connection: RawImapConnection,
  mechanism: 'PLAIN' | 'XOAUTH2',
  initialResponse: string,
): Promise<TaggedResult> {
  const tag = connection.nextTag();
  const result = connection.expectTagged(tag);
  result.catch(() => {});
  const saslIr = connection.capabilities.has('SASL-IR');
  let pendingResponse: string | undefined = initialResponse;
  let step = connection.waitContinuation(tag);
  step.catch(() => {});
  if (saslIr) {
    await connection.write(`${tag} AUTHENTICATE ${mechanism} ${initialResponse || '='}\r\n`);
    pendingResponse = undefined;
  } else {
    await connection.write(`${tag} AUTHENTICATE ${mechanism}\r\n`);
  }
  connection.flush();
  for (;;) {
    const outcome = await step;
    if (outcome.kind === 'done') return outcome.result;
    step = connection.waitContinuation(tag);
    step.catch(() => {});
    if (pendingResponse !== undefined) {
      await connection.write(`${pendingResponse}\r\n`);
      pendingResponse = undefined;
    } else {
      // A further challenge: XOAUTH2 sends its error details this way and
      // expects an empty reply; for PLAIN it is unexpected, so cancel.
      await connection.write(mechanism === 'XOAUTH2' ? '\r\n' : '*\r\n');
    }
    connection.flush();
  }
}
