/** What the raw client needs to know about the server's CAPABILITY list. */
export interface ServerFeatures {
  /** RFC 3502: several messages in one APPEND. */
  multiappend: boolean;
  /** RFC 7888 LITERAL+: non-synchronizing literals of any size. */
  literalPlus: boolean;
  /** RFC 7888 LITERAL-: non-synchronizing literals up to 4096 bytes. */
  literalMinus: boolean;
  /** RFC 4315: APPENDUID response code. */
  uidplus: boolean;
  /** RFC 7889 APPENDLIMIT=n (server-wide); undefined when absent or per mailbox. */
  appendLimit?: number;
  compressDeflate: boolean;
}

export function featuresOf(capabilities: ReadonlySet<string>): ServerFeatures {
  let appendLimit: number | undefined;
  for (const cap of capabilities) {
    const match = /^APPENDLIMIT=(\d+)$/.exec(cap);
    if (match) appendLimit = Number(match[1]);
  }
  return {
    multiappend: capabilities.has('MULTIAPPEND'),
    literalPlus: capabilities.has('LITERAL+'),
    literalMinus: capabilities.has('LITERAL-'),
    uidplus: capabilities.has('UIDPLUS'),
    appendLimit,
    compressDeflate: capabilities.has('COMPRESS=DEFLATE'),
  };
}

/** Largest literal that may be sent without waiting for `+` (RFC 7888). */
export function nonSyncLiteralLimit(features: ServerFeatures): number {
  if (features.literalPlus) return Number.POSITIVE_INFINITY;
  if (features.literalMinus) return 4096;
  return -1;
}
