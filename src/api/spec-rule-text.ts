/**
 * The words of the spec's cross-field rules, shared by specProblems
 * (spec-problems.ts) and the CRD's CEL rules (spec.ts, crd.ts), so that the
 * API server, the controller, the worker and the CLI say the same. No values:
 * CEL messages are fixed texts.
 */
export const RULE_TEXT = {
  tlsNone: 'none needs allowPlaintext: true (the password would travel in clear text)',
  noCredential: (fields: readonly string[]) =>
    `no credential: set ${fields.slice(0, -1).join(', ')} or ${fields.at(-1)}`,
  oneCredential: (fields: readonly string[]) => `set only one of ${fields.join(', ')}`,
  xoauth2NeedsToken: (tokenField: string) => `XOAUTH2 needs an OAuth2 token (${tokenField}), not a password`,
  sameAccount: 'the same account as source: a mailbox cannot be synced onto itself',
  minSizeAboveMax: 'bigger than maxSize: no message would match',
  resourceNames: 'only cpu, memory and ephemeral-storage may be requested or limited',
  deleteNeedsVerify: 'needs verify: true (a source message is only deleted once verified on the destination)',
} as const;
