// Confirmation numbers as callers and the model say them. Pure: the receptionist's workflow
// reads tool arguments with it too (new numbers are drawn in store.ts).

/** 'APT-04217' from what a caller or a model may say or type ('apt 04217', '04217'); undefined otherwise. */
export function normalizeConfirmation(text: string): string | undefined {
  const match = /^(?:APT)?(\d{5})$/i.exec(text.replace(/[\s-]/g, ''));
  return match ? `APT-${match[1]}` : undefined;
}
