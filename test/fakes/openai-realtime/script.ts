// What the fake "model" hears and says, written per test as a list of turns. One script serves the
// whole server, across reconnections, because it stands for one conversation: a session that
// resumes after a drop carries on from the turn it had reached.
//
//   server.script([
//     { expectSpeech: false, respond: { say: 'Hello, this is Nerve. How can I help?', audioMs: 1200 } }, // greeting on response.create
//     { transcript: 'I want to book for Monday', respond: { toolCall: { name: 'book_appointment', arguments: { day: 'Monday' } }, then: { say: 'Booked for Monday.' } } },
//     { transcript: 'Thanks, bye' }, // transcribed, no answer
//   ]);

export interface SayResponse {
  /** The assistant's words: the audio transcript. */
  say: string;
  /** Length of the synthetic voice; default 60 ms per character of `say` (at least 200 ms). */
  audioMs?: number;
  /** Real samples to send instead of the synthetic voice, at `sampleRate` (default 24000). */
  pcm?: Int16Array;
  sampleRate?: number;
  /** Deltas in real time (one per chunk); default all at once, faster than real time like the real API. */
  paced?: boolean;
  /** Audio per delta; default 100 ms. */
  chunkMs?: number;
  /** Paced: time between deltas; default chunkMs (real time). Longer leaves gaps, as a model slower than real time would. */
  intervalMs?: number;
}

export interface ToolCallResponse {
  /** `arguments` as an object is sent as its JSON text; a string is sent as is (e.g. malformed JSON). */
  toolCall: { name: string; arguments: Record<string, unknown> | string };
  /** The response to the client's response.create once it has the tool's output. */
  then?: ScriptedResponse;
}

export type ScriptedResponse = SayResponse | ToolCallResponse;

export interface ScriptTurn {
  /** Default true: the turn starts when the fake's VAD hears the caller stop. False: on response.create. */
  expectSpeech?: boolean;
  /** The caller's words, reported as the input transcription (only for speech turns). */
  transcript?: string;
  /** What the model does next; none: it stays quiet. */
  respond?: ScriptedResponse;
}

export function isToolCall(response: ScriptedResponse): response is ToolCallResponse {
  return 'toolCall' in response;
}

export class Script {
  private turns: ScriptTurn[] = [];
  private next = 0;
  /** A response owed to the next response.create (after a tool call, or when create_response is off). */
  private owed: ScriptedResponse | undefined;

  load(turns: ScriptTurn[]): void {
    this.turns = [...turns];
    this.next = 0;
    this.owed = undefined;
  }

  /** Turns not reached yet. */
  get remaining(): number {
    return this.turns.length - this.next;
  }

  /** The caller finished a turn; undefined when the script expects no speech now. */
  onSpeech(): { transcript: string; respond?: ScriptedResponse } | undefined {
    const turn = this.turns[this.next];
    if (!turn || turn.expectSpeech === false) return undefined;
    this.next++;
    return { transcript: turn.transcript ?? '', respond: turn.respond };
  }

  /** The client asked for a response: what is owed first, else a turn that waits for one. */
  onResponseCreate(): ScriptedResponse | undefined {
    if (this.owed) {
      const owed = this.owed;
      this.owed = undefined;
      return owed;
    }
    const turn = this.turns[this.next];
    if (!turn || turn.expectSpeech !== false) return undefined;
    this.next++;
    return turn.respond;
  }

  /** Keeps a response for the next response.create. */
  owe(response: ScriptedResponse | undefined): void {
    this.owed = response;
  }
}
