// Phone numbers: masked wherever they are shown or logged, and one canonical form (E.164) for
// matching the number a caller dialled against our routes. Pure functions: workflow code uses
// them too (the calls table keeps an inbound caller's number masked).

/** Keeps the country prefix and the last three digits, enough to tell calls apart: +91*******210. */
export function maskPhone(phone: string): string {
  return phone.length <= 5 ? '***' : phone.slice(0, 3) + '*'.repeat(phone.length - 6) + phone.slice(-3);
}

/**
 * Exotel works in India and writes numbers the Indian way in its applets' requests: a trunk 0
 * and ten digits ("08047112233"), sometimes the country code without "+". Twilio sends E.164.
 */
const INDIA = '91';

/**
 * The number in E.164 ("+918047112233"), or undefined when it is not a phone number at all
 * ("anonymous", "client:alice", a SIP address). Spaces, dashes, dots and brackets are ignored.
 */
export function normalisePhone(raw: string): string | undefined {
  const compact = raw.trim().replace(/[\s().-]/g, '');
  let match: RegExpExecArray | null;
  if ((match = /^\+([1-9]\d{6,14})$/.exec(compact))) return `+${match[1]}`;
  if ((match = /^00([1-9]\d{6,14})$/.exec(compact))) return `+${match[1]}`; // international prefix
  if ((match = /^0([1-9]\d{9})$/.exec(compact))) return `+${INDIA}${match[1]}`; // Indian trunk prefix
  if ((match = /^91([1-9]\d{9})$/.exec(compact))) return `+${INDIA}${match[1]}`; // country code without "+"
  return undefined;
}
