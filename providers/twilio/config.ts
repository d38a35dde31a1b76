// Twilio's settings, merged into the configuration schema (lib/config.ts) through the registry.
import { z } from 'zod';

export const twilioEnv = z.object({
  TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
  TWILIO_ACCOUNT_SID: z.string().default(''),
  /** Signs Twilio's webhooks and authenticates our REST calls. */
  TWILIO_AUTH_TOKEN: z.string().default(''),
  TWILIO_FROM_NUMBER: z.string().default(''),
});
