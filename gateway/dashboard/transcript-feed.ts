// Live transcript lines for the dashboard, published where the gateway hears them: the caller's
// transcribed utterances and keys on a media stream, the prompts the call answers with, and both
// sides of a speech-to-speech conversation. (The journal stores the same lines, but saves a
// voice call's transcript only at status changes and at the end: too late for a live view.)
// Each line's id is stable across retries (the update id, the prompt's seq, the model's item
// id), so a line published twice is shown once.
import type { AgentControl, CallControl } from '../../providers/types';
import { publishCallEvent } from '../../lib/call-events';
import type { NextPrompt } from '../../workflows/types';

type Speaker = 'bot' | 'caller';

function publishLine(callId: string, lineId: string, speaker: Speaker, text: string, promptId?: string): void {
  if (!text.trim()) return;
  const line = { call_id: callId, line_id: `${callId}/${lineId}`, speaker, text, at: new Date().toISOString(), ...(promptId ? { prompt_id: promptId } : {}) };
  void publishCallEvent({ type: 'transcript', data: line });
}

const botSaid = (callId: string, prompt: NextPrompt) => {
  publishLine(callId, `prompt/${prompt.seq}`, 'bot', prompt.text, prompt.id);
  return prompt;
};

/** The same control, with every line that passes through it published to the call event feed. */
export function withLiveTranscript<C extends CallControl & AgentControl>(control: C): C {
  const overrides: Partial<CallControl & AgentControl> = {
    async submitUtterance(callId, input, requestId) {
      publishLine(callId, `said/${requestId}`, 'caller', input.text);
      return botSaid(callId, await control.submitUtterance(callId, input, requestId));
    },
    async submitDigits(callId, input, requestId) {
      publishLine(callId, `said/${requestId}`, 'caller', `[keys] ${input.digits}`);
      return botSaid(callId, await control.submitDigits(callId, input, requestId));
    },
    async watchPrompt(callId, watch) {
      return botSaid(callId, await control.watchPrompt(callId, watch));
    },
    async recordTranscript(callId, line) {
      publishLine(callId, `item/${line.itemId}`, line.speaker === 'agent' ? 'bot' : 'caller', line.text);
      return control.recordTranscript(callId, line);
    },
  };
  // Everything else is the control's own (its methods keep their state through the prototype).
  return Object.assign(Object.create(control) as C, overrides);
}
