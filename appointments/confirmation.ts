// Confirmation numbers: short enough to read out on a call ("A P T 4 2 0 1 7"), random so one
// caller cannot guess another's; the database's unique index catches the rare repeat.
import { randomInt } from 'node:crypto';

export function randomConfirmationNumber(): string {
  return `APT-${String(randomInt(100_000)).padStart(5, '0')}`;
}

/** 'APT-04217' from what a caller or a model may say or type ('apt 04217', '04217'); undefined otherwise. */
export function normalizeConfirmation(text: string): string | undefined {
  const match = /^(?:APT)?(\d{5})$/i.exec(text.replace(/[\s-]/g, ''));
  return match ? `APT-${match[1]}` : undefined;
}
