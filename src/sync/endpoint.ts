/**
 * Option resolution for one side: effective port and TLS mode, TLS options,
 * SASL mechanism and the credential getter (see ResolvedEndpoint).
 *
 * `tls: auto` follows imapsync's order, probing the server:
 *   no port:   implicit TLS on 993; if nothing listens there (or it is not
 *              TLS), port 143 with STARTTLS when announced; plaintext on 143
 *              only with allowPlaintext.
 *   port P:    implicit TLS on P; if P does not speak TLS, plaintext IMAP on P
 *              with STARTTLS when announced, else only with allowPlaintext.
 *              (Port 143 is probed for plaintext + STARTTLS directly.)
 * A certificate problem found while probing is a TlsError at once: falling
 * back to a weaker mode because a certificate is bad would defeat its purpose.
 */
import { DEFAULT_EGRESS_POLICY, type EgressPolicy } from '../api/egress-policy.js';
import { type Endpoint, IMAP_PORT, IMPLICIT_TLS_PORT } from '../api/spec.js';
import { ENDPOINT_DEFAULTS, effectiveMechanism } from '../api/spec-defaults.js';
import { endpointProblems } from '../api/spec-problems.js';
import { connectError } from './connect-errors.js';
import { credentialOf } from './credentials.js';
import { dialTarget } from './egress-dial.js';
import { configErrorFrom, ServerMisbehavedError, type Side, TlsError } from './errors.js';
import { describeTlsError } from './tls-errors.js';
import { tlsOptionsFor } from './tls-options.js';
import { type PlainProbe, probeImplicitTls, probePlaintext } from './tls-probe.js';
import type { ResolvedEndpoint } from './types.js';

export interface EndpointLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface ResolveOptions {
  logger: EndpointLogger;
  /** Where passwordEnv is looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The well-known ports `tls: auto` tries when the endpoint has no port (default 993 and 143; tests change them). */
  wellKnownPorts?: { implicitTls: number; imap: number };
  /** Where connections may go, probes included (default: DEFAULT_EGRESS_POLICY). */
  egress?: EgressPolicy;
}

type Security = ResolvedEndpoint['security'];

function tlsRequired(side: Side, host: string, port: number): TlsError {
  return new TlsError(
    `TLSRequired: ${side} server ${host}:${port} offers no TLS; set allowPlaintext: true to allow clear-text passwords`,
    { side },
  );
}

function plaintextWarning(logger: EndpointLogger, side: Side, host: string, port: number): void {
  logger.warn(
    { side, host, port },
    `${side}: connecting to ${host}:${port} WITHOUT TLS (allowPlaintext): the password travels in clear text`,
  );
}

/** Decide STARTTLS vs plaintext from a plaintext probe of `port`. */
function fromPlainProbe(
  probe: PlainProbe,
  endpoint: Endpoint,
  side: Side,
  port: number,
  logger: EndpointLogger,
): Security {
  const { host } = endpoint;
  switch (probe.kind) {
    case 'imap':
      if (probe.starttls) return 'starttls';
      if (endpoint.allowPlaintext) {
        plaintextWarning(logger, side, host, port);
        return 'none';
      }
      throw tlsRequired(side, host, port);
    case 'bye':
      throw connectError(side, host, port, undefined, `the server refused the connection: ${probe.text}`);
    case 'not-imap':
      // Something else answers there (SSH, SMTP...): a retry would meet it again.
      if (probe.greeting !== undefined) {
        throw new ServerMisbehavedError(
          `${side} server ${host}:${port} is not an IMAP server: it greeted with "${probe.greeting}"`,
          { side, cause: probe.error },
        );
      }
      throw connectError(side, host, port, probe.error, `not an IMAP server: ${probe.error.message}`);
    case 'unreachable':
      throw connectError(side, host, port, probe.error);
  }
}

async function probeAuto(
  endpoint: Endpoint,
  side: Side,
  tls: ResolvedEndpoint['tls'],
  timeoutMs: number,
  logger: EndpointLogger,
  wellKnown: { implicitTls: number; imap: number },
  egress: EgressPolicy,
): Promise<{ port: number; security: Security }> {
  const { host } = endpoint;
  const tlsPort = endpoint.port ?? wellKnown.implicitTls;
  const plainPort = endpoint.port ?? wellKnown.imap;
  if (endpoint.port !== wellKnown.imap) {
    const probe = await probeImplicitTls(await dialTarget(side, host, tlsPort, egress), tls, timeoutMs);
    logger.debug({ side, host, port: tlsPort, probe: probe.kind }, `${side}: implicit TLS probe`);
    if (probe.kind === 'tls') return { port: tlsPort, security: 'implicit' };
    if (probe.kind === 'certificate') {
      throw new TlsError(`${side} server ${host}:${tlsPort}: ${describeTlsError(probe.error, host)}`, {
        side,
        cause: probe.error,
      });
    }
    // With an explicit port nothing else is tried when it does not answer at all.
    if (probe.kind === 'unreachable' && endpoint.port !== undefined)
      throw connectError(side, host, tlsPort, probe.error);
  }
  const plain = await probePlaintext(await dialTarget(side, host, plainPort, egress), timeoutMs);
  logger.debug({ side, host, port: plainPort, probe: plain.kind }, `${side}: plaintext/STARTTLS probe`);
  if (plain.kind === 'unreachable' && endpoint.port === undefined) {
    throw connectError(
      side,
      host,
      plainPort,
      plain.error,
      `nothing answers on ${tlsPort} (implicit TLS) nor on ${plainPort}: ${plain.error.message}`,
    );
  }
  return { port: plainPort, security: fromPlainProbe(plain, endpoint, side, plainPort, logger) };
}

export async function resolveEndpoint(
  endpoint: Endpoint,
  side: Side,
  options: ResolveOptions,
): Promise<ResolvedEndpoint> {
  const { logger } = options;
  const egress = options.egress ?? DEFAULT_EGRESS_POLICY;
  // The same rules and words as every other check of a spec (a Secret reference here, two credentials, ...).
  const problems = endpointProblems(endpoint, side, 'local');
  if (problems.length > 0) throw configErrorFrom(problems);
  const tls = await tlsOptionsFor(endpoint, side, logger);
  const connectTimeoutMs = (endpoint.connectTimeoutSeconds ?? ENDPOINT_DEFAULTS.connectTimeoutSeconds) * 1000;
  const credential = await credentialOf(endpoint, side, {
    ...(options.env ? { env: options.env } : {}),
    ...(tls.secureContext ? { secureContext: tls.secureContext } : {}),
    timeoutMs: connectTimeoutMs,
    egress,
    logger,
  });
  const mechanism = effectiveMechanism(endpoint, credential.kind === 'token');
  if (mechanism === 'CRAM-MD5') {
    // Only when the spec asks for it: said at every start, as insecureSkipVerify and allowLegacyTls are.
    logger.warn(
      { side, host: endpoint.host, mechanism },
      `${side}: authMechanism CRAM-MD5 is set for ${endpoint.host}: a legacy login (HMAC-MD5; the server keeps the password in clear text); prefer PLAIN over TLS`,
    );
  }
  const mode = endpoint.tls ?? ENDPOINT_DEFAULTS.tls;
  const commandTimeoutMs = (endpoint.timeoutSeconds ?? ENDPOINT_DEFAULTS.timeoutSeconds) * 1000;

  let port: number;
  let security: Security;
  switch (mode) {
    case 'implicit':
      port = endpoint.port ?? IMPLICIT_TLS_PORT;
      security = 'implicit';
      break;
    case 'starttls':
      port = endpoint.port ?? IMAP_PORT;
      security = 'starttls';
      break;
    case 'none':
      port = endpoint.port ?? IMAP_PORT;
      security = 'none';
      plaintextWarning(logger, side, endpoint.host, port);
      break;
    case 'auto':
      ({ port, security } = await probeAuto(
        endpoint,
        side,
        tls,
        connectTimeoutMs,
        logger,
        options.wellKnownPorts ?? { implicitTls: IMPLICIT_TLS_PORT, imap: IMAP_PORT },
        egress,
      ));
      break;
  }
  logger.debug(
    { side, host: endpoint.host, port, security, mechanism, credential: credential.origin },
    `${side}: endpoint resolved`,
  );
  return {
    side,
    host: endpoint.host,
    port,
    security,
    tls,
    user: endpoint.user,
    mechanism,
    ...(endpoint.authUser !== undefined ? { authUser: endpoint.authUser } : {}),
    ...(endpoint.proxyAuth === true ? { proxyAuth: true } : {}),
    secret: credential.secret,
    ...(credential.refused ? { secretRefused: credential.refused } : {}),
    connectTimeoutMs,
    commandTimeoutMs,
    egress,
  };
}
