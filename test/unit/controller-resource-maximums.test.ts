import { describe, expect, it } from 'vitest';
import { parseResourceMaximums, resourcesOverMaximum } from '../../src/controller/resource-maximums.js';

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
