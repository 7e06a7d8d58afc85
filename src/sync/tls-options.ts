/**
 * TLS options of an endpoint, usable as they are in `tls.connect()` (the raw
 * IMAP client and the `tls: auto` probes spread them).
 *
 * Protocol: TLS 1.2 or newer, pinned here; `allowLegacyTls: true` (logged)
 * accepts TLS 1.0 and 1.1 for servers too old for 1.2.
 *
 * Trust: Node's own CA bundle plus the operating system's store plus the
 * endpoint's `caFile`. They are compiled once into a SecureContext, so each
 * connection does not parse hundreds of certificates again.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import type { Endpoint } from '../api/spec.js';
import { describeFsError } from '../api/spec-load.js';
import { ConfigError, type Side } from './errors.js';

export interface TlsLogger {
  warn(obj: object, msg: string): void;
}

let baseCertificates: string[] | undefined;
/** Node's default CAs and the system store, deduplicated (computed once per process). */
function defaultCertificates(): string[] {
  if (!baseCertificates) {
    const system = (() => {
      try {
        return tls.getCACertificates('system');
      } catch {
        return [];
      }
    })();
    baseCertificates = [...new Set([...tls.getCACertificates('default'), ...system])];
  }
  return baseCertificates;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

async function readCaFile(file: string, side: Side): Promise<string[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`spec.${side}.caFile: cannot read ${file}: ${describeFsError(err)}`, { side });
  }
  const pems = content.match(PEM_CERTIFICATE) ?? [];
  if (pems.length === 0) throw new ConfigError(`spec.${side}.caFile: ${file} holds no PEM certificate`, { side });
  return pems;
}

/** By the endpoint's extra certificates: both sides usually trust the same, and each context parses ~300 PEMs. */
const contexts = new Map<string, tls.SecureContext>();

function secureContextFor(extra: string[], legacy: boolean): tls.SecureContext {
  const key = `${legacy}\n${extra.join('\n')}`;
  let context = contexts.get(key);
  if (!context) {
    context = tls.createSecureContext({
      ca: [...defaultCertificates(), ...extra],
      // The protocol floor lives in the context (tls.connect ignores minVersion next to a secureContext).
      // Pinned, not left to Node's default, which --tls-min-v1.0 in NODE_OPTIONS would lower unseen.
      minVersion: legacy ? 'TLSv1' : 'TLSv1.2',
      // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level: lowered only with the opt-in.
      ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    });
    contexts.set(key, context);
  }
  return context;
}

export async function tlsOptionsFor(endpoint: Endpoint, side: Side, logger: TlsLogger): Promise<ConnectionOptions> {
  const extra = endpoint.caFile ? await readCaFile(endpoint.caFile, side) : [];
  const legacy = endpoint.allowLegacyTls === true;
  let secureContext: tls.SecureContext;
  try {
    secureContext = secureContextFor(extra, legacy);
  } catch (err) {
    throw new ConfigError(
      `spec.${side}.caFile: ${endpoint.caFile} is not a valid PEM CA bundle: ${(err as Error).message}`,
      {
        side,
      },
    );
  }
  const insecure = endpoint.insecureSkipVerify === true;
  if (insecure) {
    logger.warn(
      { side, host: endpoint.host },
      `${side}: insecureSkipVerify is set: the certificate of ${endpoint.host} is NOT verified (anyone on the path can read the password)`,
    );
  }
  if (legacy) {
    logger.warn(
      { side, host: endpoint.host },
      `${side}: allowLegacyTls is set: TLS 1.0 and 1.1 are accepted for ${endpoint.host} (broken protocol versions; prefer upgrading the server)`,
    );
  }
  return {
    secureContext,
    rejectUnauthorized: !insecure,
    // SNI takes a host name only; for an address Node checks the certificate's IP SANs.
    ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
  };
}
