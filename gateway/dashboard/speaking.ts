// Who holds the line, read from a media session's published activity (gateway/media/session.ts).
import type { z } from 'zod';
import type { SpeakingSchema } from '../../lib/call-events';

const BY_ACTIVITY: Record<string, z.infer<typeof SpeakingSchema>> = {
  speaking: 'bot',
  'caller-speaking': 'caller',
  listening: 'nobody',
  bridged: 'nobody',
};

export function speakingOf(state: { activity?: unknown } | undefined): z.infer<typeof SpeakingSchema> | undefined {
  return typeof state?.activity === 'string' ? BY_ACTIVITY[state.activity] : undefined;
}
