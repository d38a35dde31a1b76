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
  /**
   * Handoff: the numbers the Connect applet rings for a handed-off call (E.164, comma-separated,
   * tried in order); empty: HANDOFF_AGENT.
   */
  EXOTEL_HANDOFF_NUMBERS: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((n) => n.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\+[1-9]\d{7,14}$/, 'E.164 numbers')).max(10)),
  /** Handoff: Exotel records the caller's conversation with the agent (both sides, two channels). */
  EXOTEL_HANDOFF_RECORD: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Handoff: the ExoPhone the agent sees the call come from; empty: Exotel's choice (the flow's ExoPhone). */
  EXOTEL_HANDOFF_CALLER_ID: z.string().max(20).default(''),
});
