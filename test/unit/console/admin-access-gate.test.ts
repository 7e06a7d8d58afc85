/** The admin view's SubjectAccessReview gate: allowed, denied, API error (refused, saying so), the short cache. */
import { describe, expect, it } from 'vitest';
import { AccessGate, decisionOf, type SubjectAccessReviewStatus } from '../../../src/console/admin/access-gate.js';
import type { Access, Identity } from '../../../src/console/admin/identity.js';
import { KubeApiError } from '../../../src/kube/kube-client.js';

const alice: Identity = { username: 'alice', groups: ['ops'], via: 'token' };
const remove: Access = {
  verb: 'delete',
  group: 'mailsync.io',
  resource: 'mailmigrations',
  namespace: 'mail',
  name: 'acme',
};

describe('decisionOf', () => {
  it.each<[string, SubjectAccessReviewStatus, boolean]>([
    ['allowed', { allowed: true }, true],
    ['not allowed', { allowed: false }, false],
    ['no answer at all', {}, false],
    ['allowed but explicitly denied', { allowed: true, denied: true }, false],
    ['denied with a reason', { allowed: false, denied: true, reason: 'policy says no' }, false],
  ])('%s', (_, status, allowed) => {
    expect(decisionOf(remove, status).allowed).toBe(allowed);
  });

  it('a refusal names the verb, resource, name and namespace, and the reason', () => {
    expect(decisionOf(remove, { allowed: false, reason: 'no rule' })).toEqual({
      allowed: false,
      message:
        'Your Kubernetes permissions do not allow: delete mailmigrations.mailsync.io acme in namespace mail (no rule).',
    });
  });
});

describe('AccessGate', () => {
  function gate(answers: (SubjectAccessReviewStatus | Error)[], ttlMs = 10_000) {
    let now = 0;
    const asked: Access[] = [];
    const g = new AccessGate(
      async (_identity, access) => {
        asked.push(access);
        const answer = answers.shift() ?? { allowed: false };
        if (answer instanceof Error) throw answer;
        return answer;
      },
      { ttlMs, now: () => now },
    );
    return { g, asked, advance: (ms: number) => (now += ms) };
  }

  it('allows what the review allows and refuses what it denies', async () => {
    const { g } = gate([{ allowed: true }, { allowed: false }]);
    expect(await g.check(alice, remove)).toEqual({ allowed: true });
    expect((await g.check(alice, { ...remove, name: 'other' })).allowed).toBe(false);
  });

  it('an API error is a refusal with a clear message, and is not cached', async () => {
    const { g, asked } = gate([new KubeApiError(500, 'InternalError', 'boom'), { allowed: true }]);
    const first = await g.check(alice, remove);
    expect(first).toEqual({
      allowed: false,
      message:
        'Your permission to delete mailmigrations.mailsync.io acme in namespace mail could not be checked (SubjectAccessReview failed: InternalError); refused.',
    });
    expect(await g.check(alice, remove)).toEqual({ allowed: true });
    expect(asked).toHaveLength(2);
  });

  it('caches an answer for the TTL only, per user, groups and attributes', async () => {
    const { g, asked, advance } = gate(
      [{ allowed: true }, { allowed: true }, { allowed: true }, { allowed: false }],
      5000,
    );
    await g.check(alice, remove);
    await g.check(alice, remove);
    expect(asked).toHaveLength(1);
    await g.check({ ...alice, groups: ['ops', 'admins'] }, remove);
    await g.check({ ...alice, username: 'bob' }, remove);
    expect(asked).toHaveLength(3);
    advance(5001);
    expect((await g.check(alice, remove)).allowed).toBe(false);
    expect(asked).toHaveLength(4);
  });

  it('checkAll stops at the first refusal', async () => {
    const { g, asked } = gate([{ allowed: true }, { allowed: false }, { allowed: true }]);
    const create = { ...remove, verb: 'create' as const, name: undefined };
    const decision = await g.checkAll(alice, [create, { ...create, resource: 'secrets', group: '' }, remove]);
    expect(decision.allowed).toBe(false);
    expect(!decision.allowed && decision.message).toContain('create secrets in namespace mail');
    expect(asked).toHaveLength(2);
  });
});
