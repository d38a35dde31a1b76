// The URLs Twilio calls back on. Unlike Exotel's they carry no secret: Twilio signs each
// request (signature.ts), and the signature covers the exact URL, query included.
import { loadConfig } from '../../lib/config';
import { toWebSocketOrigin } from './signature';

/**
 * voice: TwiML on answer; status: call progress; gather: the keys a <Gather> collected;
 * agent-whisper, agent-dial, agent-status: a warm transfer's agent leg.
 */
export type TwilioWebhook = 'voice' | 'status' | 'gather' | 'agent-whisper' | 'agent-dial' | 'agent-status';

export function twilioWebhookUrl(hook: TwilioWebhook, query?: Record<string, string>): string {
  const url = `${loadConfig().PUBLIC_BASE_URL}/webhooks/twilio/${hook}`;
  const search = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query)}` : '';
  return url + search;
}

/** A warm transfer's agent-leg URLs for one call (the whisper, the <Dial> action, the leg's progress). */
export function agentLegUrls(callId: string): { whisperUrl: string; actionUrl: string; statusUrl: string } {
  const query = { callId };
  return { whisperUrl: twilioWebhookUrl('agent-whisper', query), actionUrl: twilioWebhookUrl('agent-dial', query), statusUrl: twilioWebhookUrl('agent-status', query) };
}

/** Where <Connect><Stream> opens the bidirectional media WebSocket. */
export function twilioStreamUrl(): string {
  return `${toWebSocketOrigin(loadConfig().PUBLIC_BASE_URL)}/media/twilio`;
}
