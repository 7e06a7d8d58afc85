/**
 * SASL responses (base64) for the raw connection's AUTHENTICATE
 * (imap-raw/authenticate.ts).
 */
import { createHmac } from 'node:crypto';

/**
 * RFC 4616 PLAIN: `authzid NUL authcid NUL password`. For an admin/proxy login
 * authzid is the mailbox user and authcid the admin (`authUser`); for a normal
 * login authzid is empty.
 */
export function saslPlainResponse(authzid: string, authcid: string, password: string): string {
  return Buffer.from(`${authzid}\u0000${authcid}\u0000${password}`, 'utf8').toString('base64');
}

/** Google/Microsoft XOAUTH2: `user=<user> ^A auth=Bearer <token> ^A ^A`. */
export function xoauth2Response(user: string, accessToken: string): string {
  return Buffer.from(`user=${user}\u0001auth=Bearer ${accessToken}\u0001\u0001`, 'utf8').toString('base64');
}

/**
 * RFC 2195 CRAM-MD5, the answer to the server's challenge (base64 as received):
 * `user SP hex(HMAC-MD5(password, challenge))`. The password never goes on the
 * wire, but MD5 is weak and the server must keep the password in clear text:
 * only for legacy servers, and only when asked for (authMechanism: CRAM-MD5).
 */
export function cramMd5Response(user: string, password: string, challengeBase64: string): string {
  const challenge = Buffer.from(challengeBase64.trim(), 'base64');
  const digest = createHmac('md5', Buffer.from(password, 'utf8')).update(challenge).digest('hex');
  return Buffer.from(`${user} ${digest}`, 'utf8').toString('base64');
}

/** RFC 7628 OAUTHBEARER: `n,a=<user>,^Ahost=<host>^Aport=<port>^Aauth=Bearer <token>^A^A`, base64. */
export function oauthBearerResponse(user: string, accessToken: string, host: string, port: number): string {
  const authzid = user.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const payload = `n,a=${authzid},\u0001host=${host}\u0001port=${port}\u0001auth=Bearer ${accessToken}\u0001\u0001`;
  return Buffer.from(payload, 'utf8').toString('base64');
}
