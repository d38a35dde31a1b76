// What every request of an Exotel flow applet (Greeting, Passthru, Connect) carries to name its call.
import { z } from 'zod';

export const FlowQuery = z.object({
  CallSid: z.string().min(1).max(64),
  CustomField: z.string().max(128).optional(),
});
