/**
 * OAuth2 refresh material of an endpoint (spec `oauth2RefreshFile`, or the
 * mounted `oauth2RefreshSecretRef`): one JSON object
 *
 *   {"tokenEndpoint": "https://oauth2.googleapis.com/token", "clientId": "...",
 *    "clientSecret": "...", "refreshToken": "...", "scope": "..."}
 *
 * (clientSecret and scope optional: public clients have no secret). Errors
 * name the file and the field, never a value: the file holds secrets.
 */
import { ConfigError, type Side } from './errors.js';

export interface RefreshMaterial {
  tokenEndpoint: URL;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  scope?: string;
}

const KNOWN = new Set(['tokenEndpoint', 'clientId', 'clientSecret', 'refreshToken', 'scope']);

/** Parse the file's content (pure). `where` is "spec.source.oauth2RefreshFile /path" for messages. */
export function parseRefreshMaterial(content: string, where: string, side: Side): RefreshMaterial {
  const fail = (why: string) => new ConfigError(`${where}: ${why}`, { side });
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    // JSON.parse's message quotes the text near the error: it could be a secret.
    throw fail('is not a JSON object (tokenEndpoint, clientId, clientSecret, refreshToken)');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw fail('is not a JSON object (tokenEndpoint, clientId, clientSecret, refreshToken)');
  }
  const o = doc as Record<string, unknown>;
  const unknown = Object.keys(o).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw fail(`unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  const text = (key: string, required: boolean): string | undefined => {
    const value = o[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw fail(`${key} must be a non-empty string`);
    return value.trim();
  };
  const endpointText = text('tokenEndpoint', true) as string;
  let tokenEndpoint: URL;
  try {
    tokenEndpoint = new URL(endpointText);
  } catch {
    throw fail('tokenEndpoint is not a URL');
  }
  // The client secret and the refresh token travel in the request body: never over plain HTTP.
  if (tokenEndpoint.protocol !== 'https:') throw fail('tokenEndpoint must be an https:// URL');
  if (tokenEndpoint.username || tokenEndpoint.password) throw fail('tokenEndpoint must not hold credentials');
  const clientSecret = text('clientSecret', false);
  const scope = text('scope', false);
  return {
    tokenEndpoint,
    clientId: text('clientId', true) as string,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    refreshToken: text('refreshToken', true) as string,
    ...(scope !== undefined ? { scope } : {}),
  };
}
