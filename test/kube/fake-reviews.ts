/**
 * TokenReview and SubjectAccessReview answers for the fake API server: a table of tokens
 * (token -> user and groups) and of what each user may do ("verb resource namespace", with `*`
 * for any one part), or a forced failure. Every review is recorded, so a test can see what was asked.
 */
import type { FakeApiServer } from './fake-api-server.js';

export interface FakeUser {
  username: string;
  groups?: string[];
}

export interface SeenAccessReview {
  user: string;
  groups: string[];
  verb: string;
  resource: string;
  group: string;
  namespace: string;
  name?: string;
}

export class FakeReviews {
  readonly tokens = new Map<string, FakeUser>();
  /** username -> rules "verb resource namespace" ("*" matches anything). */
  readonly rules = new Map<string, string[]>();
  readonly accessReviews: SeenAccessReview[] = [];
  tokenReviews = 0;
  /** A status code for the next reviews of this kind (a failing API server). */
  failAccessReviews?: number;
  failTokenReviews?: number;

  constructor(server: FakeApiServer) {
    server.handlers.push((method, path, body) => {
      if (method !== 'POST') return undefined;
      if (path === '/apis/authentication.k8s.io/v1/tokenreviews') return this.#tokenReview(body);
      if (path === '/apis/authorization.k8s.io/v1/subjectaccessreviews') return this.#accessReview(body);
      return undefined;
    });
  }

  allow(username: string, ...rules: string[]): this {
    this.rules.set(username, [...(this.rules.get(username) ?? []), ...rules]);
    return this;
  }

  #tokenReview(body: unknown) {
    this.tokenReviews++;
    if (this.failTokenReviews) return failure(this.failTokenReviews);
    const token = (body as { spec?: { token?: string } }).spec?.token ?? '';
    const user = this.tokens.get(token);
    const status = user
      ? {
          authenticated: true,
          user: { username: user.username, groups: user.groups ?? [], uid: `uid-${user.username}` },
        }
      : { authenticated: false, error: 'invalid bearer token' };
    return { code: 201, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status } };
  }

  #accessReview(body: unknown) {
    const spec = (body as { spec: { user: string; groups?: string[]; resourceAttributes: Record<string, string> } })
      .spec;
    const a = spec.resourceAttributes;
    this.accessReviews.push({
      user: spec.user,
      groups: spec.groups ?? [],
      verb: a.verb ?? '',
      resource: a.resource ?? '',
      group: a.group ?? '',
      namespace: a.namespace ?? '',
      ...(a.name ? { name: a.name } : {}),
    });
    if (this.failAccessReviews) return failure(this.failAccessReviews);
    const wanted = [a.verb, a.resource, a.namespace];
    const allowed = (this.rules.get(spec.user) ?? []).some((rule) =>
      rule.split(' ').every((part, i) => part === '*' || part === wanted[i]),
    );
    const status = allowed ? { allowed: true } : { allowed: false, reason: 'no RBAC rule allows it' };
    return { code: 201, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', status } };
  }
}

function failure(code: number) {
  return {
    code,
    body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: 'InternalError', message: 'injected' },
  };
}
