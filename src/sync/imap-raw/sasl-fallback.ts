/**
 * SASL initial responses for AUTHENTICATE. Kept local to the raw client so it
 * does not wait on src/sync/sasl.ts (written in parallel); same encodings.
 */

/** RFC 4616 PLAIN: authzid NUL authcid NUL password, base64. Admin login: authzid = user, authcid = admin. */
export function saslPlainResponse(user: string, password: string, authUser?: string): string {
  const authzid = authUser ? user : '';
  const authcid = authUser ?? user;
  return Buffer.from(`${authzid}\u0000${authcid}\u0000${password}`, 'utf8').toString('base64');
}

/** Google/Microsoft XOAUTH2: `user=<user>^Aauth=Bearer <token>^A^A`, base64. */
export function xoauth2Response(user: string, accessToken: string): string {
  return Buffer.from(`user=${user}\u0001auth=Bearer ${accessToken}\u0001\u0001`, 'utf8').toString('base64');
}

/** RFC 7628 OAUTHBEARER: `n,a=<user>,^Ahost=<host>^Aport=<port>^Aauth=Bearer <token>^A^A`, base64. */
export function oauthBearerResponse(user: string, accessToken: string, host: string, port: number): string {
  const authzid = user.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const payload = `n,a=${authzid},\u0001host=${host}\u0001port=${port}\u0001auth=Bearer ${accessToken}\u0001\u0001`;
  return Buffer.from(payload, 'utf8').toString('base64');
}
