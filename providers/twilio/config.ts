// Twilio's settings, merged into the configuration schema (lib/config.ts) through the registry.
import { z } from 'zod';

export const twilioEnv = z.object({
  TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
  TWILIO_ACCOUNT_SID: z.string().default(''),
  /** Signs Twilio's webhooks and authenticates our REST calls. */
  TWILIO_AUTH_TOKEN: z.string().default(''),
  TWILIO_FROM_NUMBER: z.string().default(''),
  /**
   * IVR calls: seconds <Gather> waits for a key after the prompt has played (and between keys
   * of a typed number) before posting empty Digits. Keep it well under CALL_INPUT_TIMEOUT_SECONDS,
   * which starts when the prompt starts: then Twilio, which knows when the prompt ended, drives
   * the reprompt, and the workflow's own timer stays a backstop.
   */
  TWILIO_GATHER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(6),
  /**
   * Bridged (speech-to-speech) calls: seconds of <Pause> after <Connect><Stream>, so a stream that
   * drops because its gateway died leaves the caller on the line while the workflow re-points the
   * call at a new stream (REST call update). The workflow hangs up by REST when it ends the call.
   */
  TWILIO_STREAM_HOLD_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
});
