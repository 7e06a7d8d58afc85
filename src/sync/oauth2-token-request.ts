/**
 * One RFC 6749 §6 refresh: POST `grant_type=refresh_token` (client
 * credentials in the form body, as Google and Microsoft accept) to the token
 * endpoint over verified TLS, with a deadline and a bounded response.
 *
 * Failures are typed and say "OAuth2 refresh failed" with the endpoint's
 * `error` code; they never quote a token or the client secret:
 * - the endpoint refused the grant (HTTP 400/401: invalid_grant,
 *   invalid_client...): AuthError, permanent, as a wrong password;
 * - unreachable, timed out, HTTP 5xx/429: ConnectError, retried later;
 * - certificate not trusted: TlsError;
 * - an answer that is not a token response: ServerMisbehavedError;
 * - the endpoint's address refused by the egress policy: EgressDeniedError
 *   (the endpoint comes from a Secret the MailSync author chose, so it is
 *   dialled like an IMAP server: resolved once, checked, then connected to
 *   exactly the checked addresses; see egress-dial.ts).
 */
import https from 'node:https';
import type tls from 'node:tls';
import { DEFAULT_EGRESS_POLICY, type EgressPolicy } from '../api/egress-policy.js';
import { describeNetworkError, isNetworkError } from './connect-errors.js';
import { type DialTarget, dialTarget, type Resolver } from './egress-dial.js';
import { AuthError, ConnectError, EgressDeniedError, ServerMisbehavedError, type Side, TlsError } from './errors.js';
import type { RefreshMaterial } from './oauth2-refresh-material.js';
import { SecretScrubber } from './secret-scrubber.js';
import { describeTlsError, isCertificateError, isTlsProtocolError } from './tls-errors.js';

/** What a refresh gives: the access token, its lifetime if the endpoint said, and a rotated refresh token. */
export interface TokenGrant {
  accessToken: string;
  expiresInSeconds?: number;
  refreshToken?: string;
}

export interface TokenRequestOptions {
  side: Side;
  /** Trust for the endpoint's certificate (the side's: system store plus its caFile). Always verified. */
  secureContext?: tls.SecureContext;
  timeoutMs: number;
  /** Where the request may go (default: DEFAULT_EGRESS_POLICY, which denies link-local and metadata addresses). */
  egress?: EgressPolicy;
  /** Tests: a resolver other than the system's. */
  resolve?: Resolver;
}

/** A token response is a few KiB at most; anything larger is not one. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** RFC 6749 §5.2: `error` is printable ASCII without `"` and `\`. */
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
const MAX_DESCRIPTION_CHARS = 200;

/** The endpoint for messages: no query string (it is not ours to print). */
export function endpointLabel(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function formBody(material: RefreshMaterial, refreshToken: string): string {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  form.set('client_id', material.clientId);
  if (material.clientSecret !== undefined) form.set('client_secret', material.clientSecret);
  if (material.scope !== undefined) form.set('scope', material.scope);
  return form.toString();
}

interface RawResponse {
  status: number;
  body: string;
}

function post(url: URL, body: string, options: TokenRequestOptions, target: DialTarget): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = https.request(url, {
      // Only the addresses the egress policy allowed; the Host header, SNI and certificate check keep the name.
      lookup: target.lookup,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
        accept: 'application/json',
      },
      rejectUnauthorized: true,
      ...(options.secureContext ? { secureContext: options.secureContext } : {}),
      timeout: options.timeoutMs,
      agent: false,
    });
    // One deadline for the whole exchange: a trickling answer cannot extend it.
    const deadline = setTimeout(
      () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })),
      options.timeoutMs,
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_TOKEN_RESPONSE_BYTES) {
          req.destroy(Object.assign(new Error('response too large'), { code: 'ETOOLARGE' }));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(deadline);
        reject(err);
      });
    });
    req.end(body);
  });
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(body);
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The endpoint's error code and description, scrubbed of the secrets it was sent and shortened. */
function errorText(doc: Record<string, unknown> | undefined, scrub: (text: string) => string): string {
  const code = typeof doc?.error === 'string' && ERROR_CODE.test(doc.error) ? scrub(doc.error) : undefined;
  if (code === undefined) return 'no OAuth2 error code';
  const raw = typeof doc?.error_description === 'string' ? doc.error_description : '';
  const description = scrub(raw.replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ')).slice(0, MAX_DESCRIPTION_CHARS);
  return description ? `${code} (${description})` : code;
}

/**
 * The endpoint dialled like an IMAP server: its name resolved once and each address checked against the
 * egress policy, so a MailSync author cannot aim the worker's token request at, say, a metadata service.
 */
async function tokenEndpointTarget(url: URL, side: Side, where: string, options: TokenRequestOptions) {
  const port = url.port ? Number(url.port) : 443;
  // URL keeps IPv6 literals in brackets; the resolver and the policy want the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  try {
    return await dialTarget(side, host, port, options.egress ?? DEFAULT_EGRESS_POLICY, options.resolve);
  } catch (err) {
    if (err instanceof EgressDeniedError) throw new EgressDeniedError(side, host, port, 'OAuth2 token endpoint');
    const cause = err instanceof ConnectError ? err.cause : err;
    const why = isNetworkError(cause) ? describeNetworkError(cause) : 'its name does not resolve';
    throw new ConnectError(`${where}: ${why}`, { side });
  }
}

/** Exchange the refresh token for an access token. */
export async function requestAccessToken(
  material: RefreshMaterial,
  refreshToken: string,
  options: TokenRequestOptions,
): Promise<TokenGrant> {
  const { side } = options;
  const where = `${side}: OAuth2 refresh failed: token endpoint ${endpointLabel(material.tokenEndpoint)}`;
  const scrubbers = [refreshToken, material.clientSecret].map((secret) => {
    const s = new SecretScrubber();
    s.set(secret);
    return s;
  });
  const scrub = (text: string) => scrubbers.reduce((out, s) => s.scrub(out), text);
  const url = material.tokenEndpoint;
  const target = await tokenEndpointTarget(url, side, where, options);
  let response: RawResponse;
  try {
    response = await post(url, formBody(material, refreshToken), options, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isCertificateError(err) || isTlsProtocolError(err)) {
      throw new TlsError(`${where}: ${describeTlsError(err, material.tokenEndpoint.hostname)}`, { side });
    }
    if (code === 'ETOOLARGE') {
      throw new ServerMisbehavedError(`${where}: the answer is larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes`, {
        side,
      });
    }
    if (code === 'ETIMEDOUT') throw new ConnectError(`${where}: no answer within ${options.timeoutMs} ms`, { side });
    const why = isNetworkError(err) ? describeNetworkError(err) : `${code ?? 'error'}`;
    throw new ConnectError(`${where}: ${why}`, { side });
  }
  const doc = parseJson(response.body);
  if (response.status === 400 || response.status === 401) {
    throw new AuthError(`${where} refused the refresh (HTTP ${response.status}): ${errorText(doc, scrub)}`, { side });
  }
  if (response.status !== 200) {
    // 5xx, 429 (rate limited), a proxy's 502...: worth a later try.
    throw new ConnectError(`${where} answered HTTP ${response.status}: ${errorText(doc, scrub)}`, { side });
  }
  const accessToken = doc?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '' || /\s/.test(accessToken)) {
    throw new ServerMisbehavedError(`${where}: the answer holds no access_token`, { side });
  }
  const tokenType = doc?.token_type;
  if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') {
    throw new ServerMisbehavedError(`${where}: token_type is not Bearer`, { side });
  }
  const expiresIn = Number(doc?.expires_in);
  const rotated = doc?.refresh_token;
  return {
    accessToken,
    ...(doc?.expires_in !== undefined && Number.isFinite(expiresIn) && expiresIn >= 0
      ? { expiresInSeconds: expiresIn }
      : {}),
    ...(typeof rotated === 'string' && rotated !== '' ? { refreshToken: rotated } : {}),
  };
}
