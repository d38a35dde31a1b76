// Compares a credential someone sent with the one we expect, in constant time, so the time an
// answer takes says nothing about how much of a guess was right.
import { timingSafeEqual } from 'node:crypto';

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
  return a.length === b.length && timingSafeEqual(a, b);
}
