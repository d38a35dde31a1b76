// The part of an Exotel App Builder flow that follows a Voicebot applet when the bot hands the
// call to a person, played the way Exotel plays it: the Voicebot's socket closes → Passthru
// (sync, our stream-ended URL; 302 goes on) → Passthru "to agent" (200: on to the Connect applet;
// 302: Hangup) → the Connect applet fetches its dynamic URL (GET with the call's details and the
// Exotel-Version: 1.0 header) and checks the JSON against the documented fields → the agent leg
// → the Passthru after the Connect (CallType "completed" after a conversation, "incomplete" when
// nobody picked up, "client-hangup" when the caller hung up while the agent rang; 200 back to the
// Voicebot, 302 on to the voicemail Greeting and Hangup, which a caller who left never reaches).
// A keypad IVR flow reaches the same "to agent" Passthru after its Gather's Passthru answered 302
// and its closing Greeting played (`afterClosingGreeting`); its Passthru after the Connect loops
// back on 200 to the flow's first Greeting (the test plays it on: FakeExotel.fetchPrompt).
import { z } from 'zod';

/** The Connect applet's dynamic-URL answer, as the support article describes version 1.0. */
const ConnectAnswer = z.object({
  fetch_after_attempt: z.boolean().optional(),
  destination: z.object({ numbers: z.array(z.string().min(1)).min(1) }),
  outgoing_phone_number: z.string().optional(),
  record: z.boolean().optional(),
  recording_channels: z.enum(['single', 'dual']).optional(),
  max_ringing_duration: z.number().int().positive().optional(),
  max_conversation_duration: z.number().int().positive().optional(),
  music_on_hold: z.object({ type: z.string() }).optional(),
  start_call_playback: z.object({ playback_to: z.enum(['both', 'callee']), type: z.enum(['text', 'audio_url']), value: z.string().min(1) }).optional(),
}).strict();
export type ConnectAnswer = z.infer<typeof ConnectAnswer>;

export interface CallParties {
  callSid: string;
  /** The caller, as Exotel writes it ("0981..."). */
  from: string;
  /** The ExoPhone. */
  to: string;
}

/** Every applet the flow went through, and what our gateway answered. */
export interface FlowTrace {
  /** Our answer to the Passthru after the Voicebot (absent for an IVR flow). */
  streamEnded?: number;
  toAgent?: number;
  connect?: { status: number; body: any; answer?: ConnectAnswer };
  /** What the agent heard before the caller was bridged (start_call_playback to the callee). */
  agentHeard?: string;
  dialled?: string[];
  agentDial?: { status: number; body: any };
  voicemail?: string;
  /** Where the flow went last (an IVR flow's 200 after the agent goes back to its Greeting). */
  end: 'voicebot' | 'greeting' | 'hangup';
}

export class ExotelHandoffFlow {
  /** Every Connect dynamic-URL request, with its headers: a test can count them. */
  readonly connectRequests: { url: string; version: string }[] = [];

  constructor(private readonly webhookBase: string) {}

  /** The Voicebot applet's socket has closed: the flow runs on from there. */
  async afterStream(call: CallParties, agent: 'answers' | 'no-answer' | 'caller-hangs-up'): Promise<FlowTrace> {
    const streamEnded = await this.get('stream-ended', { ...this.passthruFields(call), 'Stream[Status]': 'completed', 'Stream[DisconnectedBy]': 'bot' });
    if (streamEnded.status === 200) return { streamEnded: 200, end: 'voicebot' };
    return this.toAgentBranch(call, agent, 'voicebot', streamEnded.status);
  }

  /** An IVR flow: the Passthru after the Gather answered 302 and the closing Greeting played; the "to agent" Passthru is next. */
  afterClosingGreeting(call: CallParties, agent: 'answers' | 'no-answer' | 'caller-hangs-up'): Promise<FlowTrace> {
    return this.toAgentBranch(call, agent, 'greeting');
  }

  /** `back`: where the Passthru after the Connect leads on 200 (the Voicebot, or the IVR flow's first Greeting). */
  private async toAgentBranch(call: CallParties, agent: 'answers' | 'no-answer' | 'caller-hangs-up', back: 'voicebot' | 'greeting', streamEnded?: number): Promise<FlowTrace> {
    const toAgent = await this.get('to-agent', this.passthruFields(call));
    const trace: FlowTrace = { streamEnded, toAgent: toAgent.status, end: 'hangup' };
    if (toAgent.status !== 200) return trace;

    const connect = await this.get('agent-connect', this.connectFields(call), { 'Exotel-Version': '1.0' });
    const parsed = ConnectAnswer.safeParse(connect.body);
    trace.connect = { status: connect.status, body: connect.body, answer: parsed.success ? parsed.data : undefined };
    // Exotel goes to the applet's "not answered" branch when the URL fails or answers what it cannot read.
    if (connect.status !== 200 || !parsed.success) return this.afterConnect(call, trace, back, 'incomplete', '');
    trace.dialled = parsed.data.destination.numbers;
    if (agent === 'no-answer') return this.afterConnect(call, trace, back, 'incomplete', trace.dialled[0]);
    if (agent === 'caller-hangs-up') return this.afterConnect(call, trace, back, 'client-hangup', trace.dialled[0]);
    if (parsed.data.start_call_playback && parsed.data.start_call_playback.playback_to !== 'both') trace.agentHeard = parsed.data.start_call_playback.value;
    return this.afterConnect(call, trace, back, 'completed', trace.dialled[0]);
  }

  private async afterConnect(call: CallParties, trace: FlowTrace, back: 'voicebot' | 'greeting', callType: 'completed' | 'incomplete' | 'client-hangup', dialled: string): Promise<FlowTrace> {
    const fields = { ...this.passthruFields(call), CallType: callType, DialCallDuration: callType === 'completed' ? '42' : '0', DialWhomNumber: dialled };
    const agentDial = await this.get('agent-dial', fields);
    trace.agentDial = { status: agentDial.status, body: agentDial.body };
    if (callType === 'client-hangup') return trace; // nobody left to play anything to
    if (agentDial.status === 200) return { ...trace, end: back };
    if (agentDial.status === 302) trace.voicemail = (await this.get('agent-voicemail', { CallSid: call.callSid, From: call.from, To: call.to })).text;
    return trace;
  }

  private passthruFields(call: CallParties): Record<string, string> {
    return {
      CallSid: call.callSid, CallFrom: call.from, CallTo: call.to, Direction: 'incoming', DialCallDuration: '0',
      StartTime: exotelTime(), CurrentTime: exotelTime(), EndTime: '1970-01-01 05:30:00', CallType: 'call-attempt', RecordingUrl: '',
    };
  }

  private connectFields(call: CallParties): Record<string, string> {
    return { CallSid: call.callSid, CallFrom: call.from, CallTo: call.to, Direction: 'incoming', Created: exotelTime(), DialCallDuration: '0', StartTime: exotelTime(), EndTime: '1970-01-01 05:30:00', CurrentTime: exotelTime() };
  }

  private async get(hook: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const url = `${this.webhookBase}/${hook}?${new URLSearchParams(fields)}`;
    if (hook === 'agent-connect') this.connectRequests.push({ url, version: headers['Exotel-Version'] ?? '' });
    const response = await fetch(url, { redirect: 'manual', headers });
    const text = await response.text();
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: response.status, body, text };
  }
}

function exotelTime(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}
