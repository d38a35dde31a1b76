// Exotel's settings, merged into the configuration schema (lib/config.ts) through the registry.
import { z } from 'zod';

export const exotelEnv = z.object({
  EXOTEL_API_URL: z.string().url().default('https://api.exotel.com'),
  EXOTEL_SID: z.string().default(''),
  EXOTEL_API_KEY: z.string().default(''),
  EXOTEL_API_TOKEN: z.string().default(''),
  EXOTEL_CALLER_ID: z.string().default(''),
  /** The IVR flow (Greeting → Gather → Passthru) that keypad calls connect to. */
  EXOTEL_APP_ID: z.string().default(''),
  /** The flow whose Voicebot applet streams to wss://<host>/media/exotel. */
  EXOTEL_VOICEBOT_APP_ID: z.string().default(''),
  /** In the callback URLs' path: Exotel does not sign callbacks. */
  EXOTEL_WEBHOOK_SECRET: z.string().min(8).default('dev-exotel-webhook-secret'),
  /** Basic credentials Exotel sends on the Voicebot WebSocket (user:pass@host in the applet's wss URL). */
  EXOTEL_STREAM_USER: z.string().default('exotel'),
  EXOTEL_STREAM_PASSWORD: z.string().min(8).default('dev-exotel-stream-secret'),
});
