// Structured logs; phone numbers, tokens and credentials never reach them.
import pino from 'pino';
import { redactSecrets } from './redact';

const REDACT_PATHS = [
  'phone', '*.phone', '*.vendor_phone', '*.rider_phone', '*.calleePhone', '*.to', '*.from',
  '*.From', '*.To', '*.CallFrom', '*.CallTo', '*.DialWhomNumber',
  'authorization', '*.authorization', '*.headers.authorization', 'token', '*.token', '*.apiToken', '*.password',
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: process.env.NERVE_SERVICE ?? 'nerve' },
  redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  // Field redaction misses a secret inside a string (a path, a URL in an error): cut those from every line.
  hooks: { streamWrite: redactSecrets },
});

/** Masks a number for a log line (defined beside the other phone helpers, which workflows use too). */
export { maskPhone } from './phone';
