// The TwiML documents we answer Twilio with: a bidirectional media stream for voicebot calls,
// and for keypad IVR calls a <Gather> around the prompt, or the closing prompt and <Hangup/>.
// See twilio.com/docs/voice/twiml/gather.
import type { PreparedPrompt } from '../../workflows/types';
import { keysShape } from '../keys-shape';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Escapes for attribute values and text alike: prompt texts and URLs are never trusted as markup. */
export const xmlEscape = (value: string) => value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

const document = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

/**
 * <Connect><Stream> makes the stream bidirectional and holds the call until the socket closes;
 * then Twilio goes on with the next verb. `holdSeconds` adds a <Pause> there, so a stream lost
 * with its gateway keeps the caller on the line until the workflow re-attaches it.
 */
export function connectStreamTwiml(streamUrl: string, callId: string, holdSeconds?: number): string {
  return document(
    `<Connect><Stream url="${xmlEscape(streamUrl)}">` +
      `<Parameter name="callId" value="${xmlEscape(callId)}"/>` +
      '</Stream></Connect>' +
      (holdSeconds ? `<Pause length="${Math.round(holdSeconds)}"/>` : ''),
  );
}

/** <Play> of the prompt's synthesized audio, or <Say> of its text when it has none. */
function speak(prompt: PreparedPrompt): string {
  if (prompt.audioUrl) return `<Play>${xmlEscape(prompt.audioUrl)}</Play>`;
  // Twilio picks a voice for the language; Devanagari text is Hindi, anything else Indian English.
  const language = /[\u0900-\u097F]/.test(prompt.text) ? 'hi-IN' : 'en-IN';
  return `<Say language="${language}">${xmlEscape(prompt.text)}</Say>`;
}

/**
 * Plays the prompt inside a <Gather> whose action receives the keys. actionOnEmptyResult makes
 * Twilio post the action with empty Digits when the caller pressed nothing, instead of falling
 * through to the next verb: the workflow decides about reprompts, as with Exotel's Passthru.
 */
export function gatherTwiml(prompt: PreparedPrompt, actionUrl: string, timeoutSeconds: number): string {
  const shape = keysShape(prompt.id);
  const attributes = [
    'input="dtmf"',
    ...(shape.numDigits ? [`numDigits="${shape.numDigits}"`] : []),
    `finishOnKey="${xmlEscape(shape.finishOnKey)}"`,
    `timeout="${Math.max(1, Math.round(timeoutSeconds))}"`,
    'actionOnEmptyResult="true"',
    `action="${xmlEscape(actionUrl)}"`,
    'method="POST"',
  ];
  return document(`<Gather ${attributes.join(' ')}>${speak(prompt)}</Gather>`);
}

/** The closing prompt, then the end of the call. */
export function hangupTwiml(prompt: PreparedPrompt): string {
  return document(`${speak(prompt)}<Hangup/>`);
}

/**
 * A warm transfer: <Dial> the agent; Twilio fetches the <Number>/<Sip> url when the agent answers
 * and plays what it answers (the whisper) to the agent only, before bridging the caller. The
 * action URL hears how the dial ended (DialCallStatus); the statusCallback the agent leg's progress.
 * `lead`: what the caller hears first (a keypad call's hand-over line, answering its <Gather>).
 */
export function agentDialTwiml(transfer: { agent: string; ringSeconds: number; whisperUrl: string; actionUrl: string; statusUrl: string }, lead?: PreparedPrompt): string {
  const leg =
    `url="${xmlEscape(transfer.whisperUrl)}" method="POST" statusCallback="${xmlEscape(transfer.statusUrl)}" ` +
    'statusCallbackEvent="answered completed" statusCallbackMethod="POST"';
  const target = transfer.agent.startsWith('sip:')
    ? `<Sip ${leg}>${xmlEscape(transfer.agent)}</Sip>`
    : `<Number ${leg}>${xmlEscape(transfer.agent)}</Number>`;
  return document(`${lead ? speak(lead) : ''}<Dial action="${xmlEscape(transfer.actionUrl)}" method="POST" timeout="${Math.max(5, Math.round(transfer.ringSeconds))}">${target}</Dial>`);
}

/** What the agent hears before the caller is connected. */
export function whisperTwiml(summary: string): string {
  return document(`<Say language="en-IN">${xmlEscape(summary)}</Say>`);
}

/** Words for the caller, then the end of the call (no agent answered, voicemail configured). */
export function sayAndHangUpTwiml(text: string): string {
  return hangupTwiml({ id: 'message', text });
}

/** Nothing more to do: the agent leg is over. */
export function emptyTwiml(): string {
  return document('<Hangup/>');
}
