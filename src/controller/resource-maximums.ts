/**
 * The cluster admin's ceiling on what one worker pod may ask for
 * (--max-worker-resources cpu=2,memory=4Gi,ephemeral-storage=10Gi): a MailSync
 * whose `resources` requests or limits go above it gets no Job and the
 * reason ResourcesOverMaximum, instead of a pod that eats a node or never
 * schedules. Pure.
 */
import { type MailSyncSpec, RESOURCE_NAMES } from '../api/spec.js';
import { compareQuantities, parseQuantity, type Quantity, QuantityError } from '../kube/quantity.js';
import { DEFAULT_RESOURCES } from './job-builder.js';

export type ResourceName = (typeof RESOURCE_NAMES)[number];
export type ResourceMaximums = Partial<Record<ResourceName, Quantity>>;

/**
 * `cpu=2,memory=4Gi` into maximums. Throws a one-line Error for an unknown
 * name, a bad quantity, or a maximum below the controller's own default (every
 * MailSync without `resources` would then be refused).
 */
export function parseResourceMaximums(text: string, flag = '--max-worker-resources'): ResourceMaximums {
  const maximums: ResourceMaximums = {};
  for (const item of text.split(',').map((i) => i.trim())) {
    if (item === '') continue;
    const [name = '', value, ...rest] = item.split('=').map((p) => p.trim());
    if (value === undefined || rest.length > 0) throw new Error(`${flag}: expected NAME=QUANTITY, got '${item}'`);
    if (!(RESOURCE_NAMES as readonly string[]).includes(name)) {
      throw new Error(`${flag}: unknown resource '${name}' (known: ${RESOURCE_NAMES.join(', ')})`);
    }
    let quantity: Quantity;
    try {
      quantity = parseQuantity(value);
    } catch (error) {
      if (!(error instanceof QuantityError)) throw error;
      throw new Error(`${flag}: ${name}: ${error.message}`);
    }
    for (const [kind, defaults] of Object.entries(DEFAULT_RESOURCES)) {
      const fallback = (defaults as Partial<Record<string, string>>)[name];
      if (fallback !== undefined && compareQuantities(parseQuantity(fallback), quantity) > 0) {
        throw new Error(
          `${flag}: ${name}=${value} is below the worker's default ${kind} ${fallback}: every MailSync without resources would be refused`,
        );
      }
    }
    maximums[name as ResourceName] = quantity;
  }
  return maximums;
}

/** The message of the first request or limit above its maximum (or not a quantity), else undefined. */
export function resourcesOverMaximum(
  resources: MailSyncSpec['resources'],
  maximums: ResourceMaximums | undefined,
): string | undefined {
  for (const kind of ['requests', 'limits'] as const) {
    for (const [name, value] of Object.entries(resources?.[kind] ?? {}) as [string, string | number][]) {
      const maximum = maximums?.[name as ResourceName];
      if (!maximum) continue;
      let asked: Quantity;
      try {
        asked = parseQuantity(value);
      } catch (error) {
        if (!(error instanceof QuantityError)) throw error;
        return `spec.resources.${kind}.${name}: ${error.message}`;
      }
      if (compareQuantities(asked, maximum) > 0) {
        return `spec.resources.${kind}.${name} ${asked.text} is above the maximum ${maximum.text} this controller allows (--max-worker-resources)`;
      }
    }
  }
  return undefined;
}
