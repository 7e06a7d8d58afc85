/**
 * Certificate and handshake failures in words, for TlsError messages: the
 * OpenSSL/Node codes say what happened but not what to do.
 */

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

const OTHER_CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The server's certificate was rejected (as opposed to a protocol or network failure). */
export function isCertificateError(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && (UNKNOWN_CA.has(code) || OTHER_CERTIFICATE_CODES.has(code));
}

/** TLS-level failures that are not about the certificate: wrong protocol on the port, handshake alert. */
export function isTlsProtocolError(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code !== undefined &&
    (code.startsWith('ERR_SSL_') || code === 'EPROTO' || (code.startsWith('ERR_TLS_') && !isCertificateError(err)))
  );
}

/** "the certificate is signed by an unknown authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE): add ..." */
export function describeTlsError(err: unknown, host: string): string {
  const code = codeOf(err) ?? 'unknown';
  if (UNKNOWN_CA.has(code)) {
    return `certificate of ${host} is signed by an unknown certificate authority (${code}); add that CA with caFile, or set insecureSkipVerify: true`;
  }
  if (code === 'CERT_HAS_EXPIRED') return `certificate of ${host} has expired (${code})`;
  if (code === 'CERT_NOT_YET_VALID') return `certificate of ${host} is not valid yet (${code}; check the clock)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    const reason = (err as { reason?: unknown }).reason;
    return `certificate is not valid for the name ${host} (hostname mismatch${typeof reason === 'string' ? `: ${reason}` : ''})`;
  }
  if (code === 'CERT_REVOKED') return `certificate of ${host} has been revoked (${code})`;
  if (isCertificateError(err)) return `certificate of ${host} was rejected (${code})`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return `TLS handshake failed: the server does not speak TLS on this port (${code}); try tls: starttls or auto`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `TLS handshake failed: ${message}`;
}
