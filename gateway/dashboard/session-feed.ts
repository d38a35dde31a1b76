// A media session's activity (speaking, listening, caller speaking) as a call_updated event, so
// the dashboard shows who holds the line as it changes.
import { publishCallEvent } from '../../lib/call-events';
import { speakingOf } from './speaking';

export function publishSessionState(callId: string, state: Record<string, unknown> | undefined): void {
  const speaking = speakingOf(state);
  if (!state || !speaking || !state.call_id) return; // before the call is known, or the session closing
  const prompt = typeof state.prompt === 'string' ? { prompt: state.prompt } : {};
  void publishCallEvent({ type: 'call_updated', data: { call_id: callId, speaking, ...prompt } });
}
