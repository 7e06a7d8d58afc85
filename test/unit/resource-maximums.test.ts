import { describe, expect, it } from 'vitest';
import { parseResourceMaximums, resourcesOverMaximum } from '../../src/controller/resource-maximums.js';
import { compareQuantities, parseQuantity } from '../../src/kube/quantity.js';

describe('parseQuantity / compareQuantities', () => {
  it.each<[string | number, string | number, number]>([
    ['1Gi', '1073741824', 0],
    ['1Gi', '1G', 1],
    ['500m', '0.5', 0],
    ['0.5', '501m', -1],
    ['1.5Gi', '1536Mi', 0],
    ['2e3', '2k', 0],
    ['1E-3', '1m', 0],
    ['100n', '1u', -1],
    [4, '4000m', 0],
    ['.5', '0.5', 0],
    ['1Ei', '1E', 1],
    ['129Mi', '128Mi', 1],
  ])('%s vs %s: %i', (a, b, expected) => {
    expect(Math.sign(compareQuantities(parseQuantity(a), parseQuantity(b)))).toBe(expected);
    expect(Math.sign(compareQuantities(parseQuantity(b), parseQuantity(a)))).toBe(-expected || 0);
  });

  it.each(['', 'lots', '1.2.3', '1Gb', '1 Gi', '--1', 'Mi', '1e', '1e999999999', '1'.repeat(41)])(
    'refuses %j with a reason',
    (text) => {
      expect(() => parseQuantity(text)).toThrow(expect.objectContaining({ reason: 'InvalidQuantity' }));
    },
  );
});

describe('parseResourceMaximums', () => {
  it('reads NAME=QUANTITY pairs (spaces and an empty list allowed)', () => {
    expect(parseResourceMaximums('')).toEqual({});
    const max = parseResourceMaximums(' cpu=2, memory=4Gi ,ephemeral-storage=10Gi');
    expect(Object.fromEntries(Object.entries(max).map(([k, q]) => [k, q.text]))).toEqual({
      cpu: '2',
      memory: '4Gi',
      'ephemeral-storage': '10Gi',
    });
  });

  it.each([
    ['gpu=1', "--max-worker-resources: unknown resource 'gpu' (known: cpu, memory, ephemeral-storage)"],
    ['nvidia.com/gpu=1', "unknown resource 'nvidia.com/gpu'"],
    ['memory', "--max-worker-resources: expected NAME=QUANTITY, got 'memory'"],
    ['memory=4Gi=5', 'expected NAME=QUANTITY'],
    ['memory=lots', '--max-worker-resources: memory: "lots" is not a quantity'],
    [
      'memory=256Mi',
      "--max-worker-resources: memory=256Mi is below the worker's default limits 512Mi: every MailSync without resources would be refused",
    ],
    ['cpu=50m', "cpu=50m is below the worker's default requests 100m"],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseResourceMaximums(text)).toThrow(message);
  });
});

describe('resourcesOverMaximum', () => {
  const max = parseResourceMaximums('cpu=2,memory=4Gi');
  it.each<[string, Parameters<typeof resourcesOverMaximum>[0], string | undefined]>([
    ['nothing asked', undefined, undefined],
    ['below', { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 1, memory: '2Gi' } }, undefined],
    ['exactly the maximum, other units', { limits: { cpu: '2000m', memory: '4096Mi' } }, undefined],
    ['no maximum for ephemeral-storage', { limits: { 'ephemeral-storage': '1Ti' } }, undefined],
    [
      'a limit above',
      { limits: { memory: '4097Mi' } },
      'spec.resources.limits.memory 4097Mi is above the maximum 4Gi this controller allows (--max-worker-resources)',
    ],
    [
      'a request above (requests are checked first)',
      { requests: { cpu: '2001m' }, limits: { memory: '8Gi' } },
      'spec.resources.requests.cpu 2001m is above the maximum 2 this controller allows (--max-worker-resources)',
    ],
    ['decimal vs binary: 5G > 4Gi', { limits: { memory: '5G' } }, 'spec.resources.limits.memory 5G is above'],
    ['an integer', { limits: { cpu: 3 } }, 'spec.resources.limits.cpu 3 is above the maximum 2'],
    ['not a quantity', { limits: { memory: '1.2.3Gi' } }, 'spec.resources.limits.memory: "1.2.3Gi" is not a quantity'],
  ])('%s', (_name, resources, message) => {
    const found = resourcesOverMaximum(resources, max);
    if (message === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(message);
  });

  it('allows anything without maximums', () => {
    expect(resourcesOverMaximum({ limits: { memory: '1Ei' } }, undefined)).toBeUndefined();
    expect(resourcesOverMaximum({ limits: { memory: '1Ei' } }, {})).toBeUndefined();
  });
});
