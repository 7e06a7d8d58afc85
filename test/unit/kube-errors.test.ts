/**
 * Telling API errors apart by what the API server sent: status, reason and
 * the causes in the Status details.
 */
import { describe, expect, it } from 'vitest';
import { KubeApiError, KubeTransportError } from '../../src/kube/errors.js';
import { isAlreadyExists, isNamespaceTerminating } from '../../src/kube/kube-client.js';

const terminating = { causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }] };

describe('isNamespaceTerminating', () => {
  it.each([
    {
      name: '403 with the NamespaceTerminating cause',
      error: new KubeApiError(403, 'Forbidden', 'x', terminating),
      is: true,
    },
    { name: '403 without causes (RBAC)', error: new KubeApiError(403, 'Forbidden', 'x'), is: false },
    {
      name: '403 with another cause',
      error: new KubeApiError(403, 'Forbidden', 'x', { causes: [{ reason: 'FieldValueForbidden' }] }),
      is: false,
    },
    { name: 'the cause on another status', error: new KubeApiError(409, 'Conflict', 'x', terminating), is: false },
    { name: 'no answer at all', error: new KubeTransportError('Timeout', 'x'), is: false },
    { name: 'not an API error', error: new Error('NamespaceTerminating'), is: false },
  ])('$name: $is', ({ error, is }) => {
    expect(isNamespaceTerminating(error)).toBe(is);
  });

  it('is not AlreadyExists', () => {
    expect(isAlreadyExists(new KubeApiError(403, 'Forbidden', 'x', terminating))).toBe(false);
  });
});
