/**
 * Who is asking, as the API server knows them: the user and groups of a
 * TokenReview, or those an authenticating proxy put in its headers. The
 * admin view acts only for an identity, and only as far as that identity's
 * own RBAC allows (access-gate.ts).
 */
export interface Identity {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  /** How it was established (for the page and the logs; never the token). */
  via: 'token' | 'proxy';
}

/** What a Kubernetes RBAC rule is about: the attributes of a SubjectAccessReview. */
export interface Access {
  verb: 'get' | 'list' | 'create' | 'patch' | 'delete';
  group: string;
  resource: string;
  namespace: string;
  name?: string;
}

/** "delete mailmigrations.mailsync.io acme in mail": what a refusal names. */
export function accessText(a: Access): string {
  const resource = a.group ? `${a.resource}.${a.group}` : a.resource;
  return `${a.verb} ${resource}${a.name ? ` ${a.name}` : ''} in namespace ${a.namespace}`;
}
