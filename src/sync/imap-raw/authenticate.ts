/**
 * Authentication of the raw connection: LOGIN (quoted strings, or literals
 * for 8-bit/CR/LF values), AUTHENTICATE PLAIN (also admin login: authzid =
 * user, authcid = authUser) and XOAUTH2, with SASL-IR when offered, and
 * CRAM-MD5 (server first: the answer depends on the challenge) when asked for.
 * The secret is written to the socket only; errors carry the server text,
 * scrubbed of the secret.
 */
import { AuthError, CredentialRefusedError } from '../errors.js';
import { cramMd5Response, oauthBearerResponse, saslPlainResponse, xoauth2Response } from '../sasl.js';
import { isServerBusy, ServerBusyError } from '../server-busy.js';
import type { CommandChannel, TaggedResult } from './command-channel.js';
import { isQuotable, quoteString } from './imap-syntax.js';
import { proxyAuthenticate } from './proxy-auth.js';

export async function authenticate(connection: CommandChannel, secret: string): Promise<TaggedResult> {
  const { mechanism, user, authUser, proxyAuth, side } = connection.endpoint;
  // PROXYAUTH: the admin logs in as itself (no authorization identity), then takes the user over.
  const loginUser = proxyAuth && authUser ? authUser : user;
  const authzAdmin = proxyAuth ? undefined : authUser;
  let result: TaggedResult;
  if (mechanism === 'LOGIN') {
    if (authzAdmin) throw new AuthError('admin login (authUser) needs the PLAIN mechanism', { side });
    if (connection.capabilities.has('LOGINDISABLED')) {
      throw new AuthError(`${connection.where} does not allow LOGIN on this connection (LOGINDISABLED; use TLS)`, {
        side,
      });
    }
    result = await login(connection, loginUser, secret);
  } else if (mechanism === 'CRAM-MD5') {
    if (authzAdmin) throw new AuthError('admin login (authUser) needs the PLAIN mechanism', { side });
    requireMechanism(connection, 'CRAM-MD5', 'AUTH=CRAM-MD5');
    result = await saslAuthenticate(connection, 'CRAM-MD5', (challenge) =>
      cramMd5Response(loginUser, secret, challenge),
    );
  } else {
    // An OAuth2 token goes as XOAUTH2, or as OAUTHBEARER (RFC 7628) where only that is offered (as imapflow does).
    const sasl =
      mechanism === 'XOAUTH2' &&
      !connection.capabilities.has('AUTH=XOAUTH2') &&
      connection.capabilities.has('AUTH=OAUTHBEARER')
        ? 'OAUTHBEARER'
        : mechanism;
    requireMechanism(
      connection,
      sasl,
      mechanism === 'XOAUTH2' ? 'AUTH=XOAUTH2 or AUTH=OAUTHBEARER' : `AUTH=${mechanism}`,
    );
    const { host, port } = connection.endpoint;
    const response =
      sasl === 'PLAIN'
        ? saslPlainResponse(authzAdmin ? user : '', authzAdmin ?? loginUser, secret)
        : sasl === 'OAUTHBEARER'
          ? oauthBearerResponse(user, secret, host, port)
          : xoauth2Response(user, secret);
    result = await saslAuthenticate(connection, sasl, response);
  }
  if (result.status !== 'OK') {
    const text = connection.scrub(result.text);
    const { host, port } = connection.endpoint;
    const how = mechanism === 'LOGIN' ? 'LOGIN' : `AUTHENTICATE ${mechanism}`;
    const admin = authUser !== undefined ? ` as admin "${authUser}"` : '';
    const login = proxyAuth
      ? `the login of admin "${authUser}" for PROXYAUTH of user "${user}" (${how})`
      : `the login of user "${user}"${admin} (${how})`;
    // A temporary limit (Dovecot: NO [LIMIT] Maximum number of connections from user+IP exceeded) is not a wrong password.
    if (isServerBusy(result.code?.name, result.text)) {
      const code = result.code ? `[${result.code.name}] ` : '';
      throw new ServerBusyError(`${side} server ${host}:${port} is busy: ${login} failed temporarily: ${code}${text}`, {
        side,
      });
    }
    throw new CredentialRefusedError(`${side} server ${host}:${port} refused ${login}: ${text}`, { side });
  }
  return proxyAuth ? proxyAuthenticate(connection) : result;
}

function requireMechanism(connection: CommandChannel, sasl: string, offered: string): void {
  if (connection.capabilities.has(`AUTH=${sasl}`)) return;
  throw new AuthError(
    `${connection.where} does not offer ${offered}${connection.encrypted ? '' : ' on a plaintext connection'}`,
    { side: connection.endpoint.side },
  );
}

async function login(connection: CommandChannel, user: string, secret: string): Promise<TaggedResult> {
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

/**
 * AUTHENTICATE: the client's first response is a string (PLAIN, XOAUTH2, OAUTHBEARER: sent with
 * SASL-IR when offered), or, for a server-first mechanism (CRAM-MD5), computed from the challenge.
 */
async function saslAuthenticate(
  connection: CommandChannel,
  mechanism: 'PLAIN' | 'XOAUTH2' | 'OAUTHBEARER' | 'CRAM-MD5',
  initialResponse: string | ((challenge: string) => string),
): Promise<TaggedResult> {
  const tag = connection.nextTag();
  const result = connection.expectTagged(tag);
  result.catch(() => {});
  let pendingResponse: string | ((challenge: string) => string) | undefined = initialResponse;
  let step = connection.waitContinuation(tag);
  step.catch(() => {});
  if (typeof initialResponse === 'string' && connection.capabilities.has('SASL-IR')) {
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
      const response = typeof pendingResponse === 'string' ? pendingResponse : pendingResponse(outcome.text);
      await connection.write(`${response}\r\n`);
      pendingResponse = undefined;
    } else {
      // A further challenge: XOAUTH2 and OAUTHBEARER send their error details this way and
      // expect an empty reply (OAUTHBEARER: a single ^A); for PLAIN and CRAM-MD5 it is unexpected, so cancel.
      const reply = { XOAUTH2: '', OAUTHBEARER: 'AQ==', PLAIN: '*', 'CRAM-MD5': '*' }[mechanism];
      await connection.write(`${reply}\r\n`);
    }
    connection.flush();
  }
}
