/**
 * Kubernetes resource quantities ("500m", "1.5Gi", "2e3", 4), parsed exactly
 * and compared. A quantity is kept as an integer over a power of ten, so
 * "1Gi" equals "1073741824" and "0.5" equals "500m" without floating-point
 * rounding. The grammar is the API server's (k8s.io/apimachinery
 * resource.Quantity): a signed decimal number, then a binary suffix (Ki..Ei),
 * a decimal one (n, u, m, k, M..E) or an exponent (e3, E-2).
 */

export class QuantityError extends Error {
  readonly reason = 'InvalidQuantity';
}

/** value = digits / 10^scale. */
export interface Quantity {
  readonly digits: bigint;
  readonly scale: number;
  /** As written (for messages). */
  readonly text: string;
}

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Kubernetes quantities fit in 64 bits (about 9.2e18): anything longer is out of range anyway. */
const MAX_DIGITS = 40;
const MAX_EXPONENT = 40;
const SYNTAX = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)$/;

export function parseQuantity(value: string | number): Quantity {
  const text = String(value).trim();
  const match = SYNTAX.exec(text);
  if (!match) throw new QuantityError(`"${text.slice(0, 64)}" is not a quantity (e.g. 500m, 2, 128Mi, 1.5Gi)`);
  const [, sign, number, suffix] = match as unknown as [string, string, string, string];
  // Written by a MailSync author: "1e999999999" must not make the controller compute a billion digits.
  if (number.length > MAX_DIGITS || (/^[eE]/.test(suffix) && Math.abs(Number(suffix.slice(1))) > MAX_EXPONENT)) {
    throw new QuantityError(`"${text.slice(0, 64)}" is out of range for a quantity`);
  }
  const [whole = '', fraction = ''] = number.split('.');
  let digits = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length;
  if (suffix in BINARY) digits *= 1024n ** BigInt(BINARY[suffix]!);
  else if (suffix in DECIMAL) scale -= DECIMAL[suffix]!;
  else scale -= Number(suffix.slice(1));
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits: sign === '-' ? -digits : digits, scale, text };
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const scale = Math.max(a.scale, b.scale);
  const left = a.digits * 10n ** BigInt(scale - a.scale);
  const right = b.digits * 10n ** BigInt(scale - b.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}
