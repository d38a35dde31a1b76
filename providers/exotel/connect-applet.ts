// The answer to the Connect applet's dynamic URL ("Programmable Connect: Working with Connect
// Applet (Dynamic URL)", support.exotel.com article 3000096873, Exotel-Version 1.0): a JSON body
// that sets who is dialled and how. What a handed-off call needs: the agent numbers, how long
// they ring, recording, and a line played to the agent ("callee") as the bridge starts, which
// is our whisper. Fields we leave out take the applet's own settings.
export interface ConnectAppletResponse {
  /** false: Exotel does not come back to this URL after an attempt that nobody answered. */
  fetch_after_attempt: false;
  destination: { numbers: string[] };
  outgoing_phone_number?: string;
  record: boolean;
  recording_channels: 'single' | 'dual';
  max_ringing_duration: number;
  start_call_playback?: { playback_to: 'callee'; type: 'text'; value: string };
}

export interface AgentConnect {
  numbers: string[];
  ringSeconds: number;
  record: boolean;
  callerId?: string;
  /** What the agent hears before the caller is bridged. */
  whisper?: string;
}

/** The ring time Exotel takes (peers cite 60 s as the cap; the article's limit was not readable here). */
export const MAX_RINGING_SECONDS = 60;
/** A spoken summary longer than this would keep the caller waiting on a ringing line. */
const MAX_WHISPER_CHARS = 400;

export function connectAppletResponse(connect: AgentConnect): ConnectAppletResponse {
  const whisper = connect.whisper?.trim().replace(/\s+/g, ' ');
  return {
    fetch_after_attempt: false,
    destination: { numbers: connect.numbers },
    ...(connect.callerId && { outgoing_phone_number: connect.callerId }),
    record: connect.record,
    recording_channels: 'dual',
    max_ringing_duration: Math.min(connect.ringSeconds, MAX_RINGING_SECONDS),
    ...(whisper && { start_call_playback: { playback_to: 'callee', type: 'text', value: whisper.slice(0, MAX_WHISPER_CHARS) } }),
  };
}
