/**
 * The defaults of the MailSync spec, read from the schema's `default`
 * keywords in spec.ts (the same values the CRD and the README's field table
 * show), and the spec with every engine default filled in, so the rest of the
 * code never repeats a `?? default`.
 */
import type { TSchema } from '@sinclair/typebox';
import { withPresets } from './presets.js';
import {
  type AuthMechanism,
  DEFAULT_IDENTITY_HEADERS,
  Endpoint,
  type Filters,
  type Folders,
  MailSyncSpec,
  type Mode,
  type RewriteRule,
  type TlsMode,
} from './spec.js';

/** The `default` keyword of a schema node; a missing one is a programming error caught at load time. */
function schemaDefault<T>(schema: TSchema, name: string): T {
  if (schema.default === undefined) throw new Error(`spec.ts: ${name} has no default`);
  return schema.default as T;
}

const top = MailSyncSpec.properties;
const folders = top.folders.properties;
const performance = top.performance.properties;
const endpoint = Endpoint.properties;

/** Engine defaults of the top-level fields and the nested objects. */
export const SPEC_DEFAULTS = {
  mode: schemaDefault<Mode>(top.mode, 'mode'),
  syncFlags: schemaDefault<boolean>(top.syncFlags, 'syncFlags'),
  deleteOnDestination: schemaDefault<boolean>(top.deleteOnDestination, 'deleteOnDestination'),
  deleteOnSource: schemaDefault<boolean>(top.deleteOnSource, 'deleteOnSource'),
  errorsMax: schemaDefault<number>(top.errorsMax, 'errorsMax'),
  verify: schemaDefault<boolean>(top.verify, 'verify'),
  skipCrossDuplicates: schemaDefault<boolean>(top.skipCrossDuplicates, 'skipCrossDuplicates'),
  syncLabels: schemaDefault<boolean>(top.syncLabels, 'syncLabels'),
  resyncLabels: schemaDefault<boolean>(top.resyncLabels, 'resyncLabels'),
  folders: {
    automap: schemaDefault<boolean>(folders.automap, 'folders.automap'),
    subscribe: schemaDefault<boolean>(folders.subscribe, 'folders.subscribe'),
  },
  performance: {
    folderConcurrency: schemaDefault<number>(performance.folderConcurrency, 'performance.folderConcurrency'),
    batchMessages: schemaDefault<number>(performance.batchMessages, 'performance.batchMessages'),
    batchBytes: schemaDefault<number>(performance.batchBytes, 'performance.batchBytes'),
    compress: schemaDefault<boolean>(performance.compress, 'performance.compress'),
  },
} as const;

/** Defaults of an endpoint (the port's default depends on the TLS mode: see endpoint-identity.ts). */
export const ENDPOINT_DEFAULTS = {
  tls: schemaDefault<TlsMode>(endpoint.tls, 'tls'),
  allowPlaintext: schemaDefault<boolean>(endpoint.allowPlaintext, 'allowPlaintext'),
  insecureSkipVerify: schemaDefault<boolean>(endpoint.insecureSkipVerify, 'insecureSkipVerify'),
  allowLegacyTls: schemaDefault<boolean>(endpoint.allowLegacyTls, 'allowLegacyTls'),
  timeoutSeconds: schemaDefault<number>(endpoint.timeoutSeconds, 'timeoutSeconds'),
  connectTimeoutSeconds: schemaDefault<number>(endpoint.connectTimeoutSeconds, 'connectTimeoutSeconds'),
} as const;

/** The SASL mechanism of an endpoint: XOAUTH2 for a token, PLAIN for an admin login, LOGIN otherwise. */
export function effectiveMechanism(
  endpoint: Pick<Endpoint, 'authMechanism' | 'authUser'>,
  token: boolean,
): AuthMechanism {
  return endpoint.authMechanism ?? (token ? 'XOAUTH2' : endpoint.authUser !== undefined ? 'PLAIN' : 'LOGIN');
}

/** Defaults of the fields only the controller reads. */
export const KUBE_DEFAULTS = {
  suspend: schemaDefault<boolean>(top.suspend, 'suspend'),
  gracePeriodSeconds: schemaDefault<number>(top.gracePeriodSeconds, 'gracePeriodSeconds'),
  backoffLimit: schemaDefault<number>(top.backoffLimit, 'backoffLimit'),
  startDeadlineSeconds: schemaDefault<number>(top.startDeadlineSeconds, 'startDeadlineSeconds'),
  activeDeadlineSeconds: schemaDefault<number>(top.activeDeadlineSeconds, 'activeDeadlineSeconds'),
} as const;

export interface EffectiveSpec {
  source: MailSyncSpec['source'];
  destination: MailSyncSpec['destination'];
  mode: Mode;
  folders: Folders & { automap: boolean; subscribe: boolean };
  identityHeaders: string[];
  syncFlags: boolean;
  deleteOnDestination: boolean;
  deleteOnSource: boolean;
  filters: Filters;
  messages: EffectiveMessages;
  throttle: {
    maxBytesPerSecond?: number;
    unthrottledBytes?: number;
    maxMessagesPerSecond?: number;
    maxBytesPerRun?: number;
  };
  errorsMax: number;
  verify: boolean;
  skipCrossDuplicates: boolean;
  syncLabels: boolean;
  resyncLabels: boolean;
  performance: { folderConcurrency: number; batchMessages: number; batchBytes: number; compress: boolean };
}

/** spec.messages with its defaults: nothing rewritten. */
export interface EffectiveMessages {
  rewrite: RewriteRule[];
  wrapLinesLongerThan: number;
  disarmReadReceipts: boolean;
  flagRewrite: RewriteRule[];
}

/** The spec with the presets of its endpoints filled in (presets.ts) and every engine default. */
export function applyDefaults(given: MailSyncSpec): EffectiveSpec {
  const spec = withPresets(given);
  const f = spec.folders ?? {};
  const m = spec.messages ?? {};
  const p = spec.performance ?? {};
  const d = SPEC_DEFAULTS;
  return {
    source: spec.source,
    destination: spec.destination,
    mode: spec.mode ?? d.mode,
    folders: { ...f, automap: f.automap ?? d.folders.automap, subscribe: f.subscribe ?? d.folders.subscribe },
    identityHeaders: spec.identityHeaders ?? [...DEFAULT_IDENTITY_HEADERS],
    syncFlags: spec.syncFlags ?? d.syncFlags,
    deleteOnDestination: spec.deleteOnDestination ?? d.deleteOnDestination,
    deleteOnSource: spec.deleteOnSource ?? d.deleteOnSource,
    filters: spec.filters ?? {},
    messages: {
      rewrite: m.rewrite ?? [],
      wrapLinesLongerThan: m.wrapLinesLongerThan ?? 0,
      disarmReadReceipts: m.disarmReadReceipts ?? false,
      flagRewrite: m.flagRewrite ?? [],
    },
    throttle: spec.throttle ?? {},
    errorsMax: spec.errorsMax ?? d.errorsMax,
    verify: spec.verify ?? d.verify,
    skipCrossDuplicates: spec.skipCrossDuplicates ?? d.skipCrossDuplicates,
    syncLabels: spec.syncLabels ?? d.syncLabels,
    resyncLabels: spec.resyncLabels ?? d.resyncLabels,
    performance: {
      folderConcurrency: p.folderConcurrency ?? d.performance.folderConcurrency,
      batchMessages: p.batchMessages ?? d.performance.batchMessages,
      batchBytes: p.batchBytes ?? d.performance.batchBytes,
      compress: p.compress ?? d.performance.compress,
    },
  };
}
