// Twilio's callbacks, all signed form POSTs: the voice URL (an answered call asks for TwiML:
// a media stream for voicebot calls, a <Gather> for IVR calls; a call to one of our numbers
// starts its own workflow here), the Gather action (the keys an IVR caller pressed) and the
// StatusCallback (call progress events).
import { createHash } from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import { loadConfig } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { inboundCallId, type ProviderStatusEvent } from '../../workflows/messages';
import type { NextPrompt, TerminalStatus } from '../../workflows/types';
import type { CallControl, InboundStart } from '../types';
import { requireTwilioSignature } from './signature';
import { agentDialTwiml, connectStreamTwiml, emptyTwiml, gatherTwiml, hangupTwiml, sayAndHangUpTwiml, whisperTwiml } from './twiml';
import type { AgentLegAnswer, AgentLegEvent } from '../../workflows/lifecycle-types';
import { agentLegUrls, twilioStreamUrl, twilioWebhookUrl } from './urls';

export { connectStreamTwiml } from './twiml';

const CallSid = z.string().min(1).max(64);
const CallIdHint = z.object({ callId: z.string().min(1).max(128).optional() });
/** The client sets mode=ivr on the voice URL of a keypad call; the signature covers it. */
const VoiceQuery = CallIdHint.extend({ mode: z.enum(['ivr', 'voicebot']).default('voicebot') });
/** seq: the prompt the <Gather> played, set by us on its action URL (signed like the rest). */
const GatherQuery = CallIdHint.extend({ seq: z.string().regex(/^\d{1,9}$/, 'seq must be a prompt number') });

const GatherRequest = z.object({
  CallSid,
  // Absent or empty when the caller pressed nothing (actionOnEmptyResult). Twilio leaves the
  // finishOnKey out of Digits; a trailing '#' is dropped anyway, as on Exotel's Passthru.
  Digits: z
    .string()
    .max(40)
    .regex(/^[0-9*#]*$/, 'Digits must be keypad characters')
    .optional()
    .transform((d) => (d ?? '').replace(/#$/, '')),
  FinishedOnKey: z.string().max(1).optional(),
});

const VoiceRequest = z.object({
  CallSid,
  From: z.string().max(64).optional(),
  To: z.string().max(64).optional(),
  CallStatus: z.string().max(32).optional(),
  /** inbound: someone rang one of our numbers; outbound-api: a call we placed. */
  Direction: z.string().max(32).optional(),
});

/** A call to one of our numbers names the caller and the number (the voice URL carries no call id). */
const InboundVoiceRequest = VoiceRequest.extend({ From: z.string().min(1).max(64), To: z.string().min(1).max(64) });

/** Progress before the answer needs nothing from us; the rest map onto the workflow's events. */
const IGNORED = ['queued', 'initiated', 'ringing'] as const;
const TERMINAL: Record<string, TerminalStatus> = {
  completed: 'completed',
  busy: 'busy',
  failed: 'failed',
  'no-answer': 'no-answer',
  canceled: 'failed', // we cancelled it before the answer: the callee was never reached
};

const StatusCallback = z.object({
  CallSid,
  CallStatus: z.enum([...IGNORED, 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']),
  CallDuration: z.string().regex(/^\d+$/).optional(),
  AnsweredBy: z.string().max(32).optional(),
  SequenceNumber: z.string().max(8).optional(),
  Direction: z.string().max(32).optional(),
});

type Status = z.infer<typeof StatusCallback>['CallStatus'];

export function toStatusEvent(callSid: string, status: Status): ProviderStatusEvent | undefined {
  if (status === 'in-progress') return { callSid, event: 'answered' };
  const terminal = TERMINAL[status];
  return terminal ? { callSid, event: 'terminal', status: terminal } : undefined;
}

/** What Twilio plays for a prompt: the next <Gather>, the closing words and <Hangup/>, or the hand-over line and the <Dial> of the agent. */
function promptTwiml(callId: string, prompt: NextPrompt): string {
  if (prompt.transfer) return agentDialTwiml({ ...prompt.transfer, ...agentLegUrls(callId) }, prompt);
  if (prompt.hangup) return hangupTwiml(prompt);
  const action = twilioWebhookUrl('gather', { callId, seq: String(prompt.seq) });
  return gatherTwiml(prompt, action, loadConfig().TWILIO_GATHER_TIMEOUT_SECONDS);
}

/**
 * Twilio may send a Gather action again (a timeout on our side, a connection override); the
 * copy is the same request. CallSid + the prompt it answers + the keys names it exactly, and
 * a later answer to the next prompt differs in seq even when the keys are the same.
 */
export function gatherRequestId(callSid: string, seq: string, digits: string): string {
  return 'twilio-gather:' + createHash('sha1').update(`${callSid}|${seq}|${digits}`).digest('hex');
}

export function twilioWebhooks(control: CallControl): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '32kb' }));
  // After the body parser: the signature covers the form parameters.
  router.use(requireTwilioSignature());

  const callIdOf = async (callSid: string, hint?: string) => {
    const callId = await control.resolveCallId(callSid, hint);
    if (!callId) throw new HttpError(404, 'unknown_call', `no call for CallSid ${callSid}`);
    return callId;
  };

  /** The TwiML that answers a call we did not place: the stream, the first <Gather>, or the polite refusal. */
  const inboundTwiml = (started: InboundStart): string => {
    if ('refused' in started) return hangupTwiml({ id: 'refused', text: started.refused });
    if (started.mode === 'voicebot') return connectStreamTwiml(twilioStreamUrl(), started.callId, started.holdLine ? loadConfig().TWILIO_STREAM_HOLD_SECONDS : undefined);
    return promptTwiml(started.callId, started.prompt);
  };

  router.post('/voice', async (req, res) => {
    const body = VoiceRequest.parse(req.body ?? {});
    const { callId: hint, mode } = VoiceQuery.parse(req.query);
    if (!hint && body.Direction === 'inbound') {
      // Starting is idempotent (the CallSid names the call): a retried request gets the same call.
      const { CallSid: callSid, From: from, To: to } = InboundVoiceRequest.parse(body);
      const started = await control.startInbound({ provider: 'twilio', callSid, from, to });
      res.type('text/xml').send(inboundTwiml(started));
      return;
    }
    const callId = await callIdOf(body.CallSid, hint);
    if (mode === 'voicebot') {
      res.type('text/xml').send(connectStreamTwiml(twilioStreamUrl(), callId));
      return;
    }
    // The workflow readied its first prompt before dialling.
    const prompt = await control.currentPrompt(callId, body.CallSid);
    if (!prompt) throw new HttpError(404, 'no_prompt', 'the call has nothing to play');
    res.type('text/xml').send(promptTwiml(callId, prompt));
  });

  router.post('/gather', async (req, res) => {
    const body = GatherRequest.parse(req.body ?? {});
    const { callId: hint, seq } = GatherQuery.parse(req.query);
    const callId = await callIdOf(body.CallSid, hint);
    // Empty Digits is submitted too: no input is a miss the workflow reprompts for.
    const next = await control.submitDigits(callId, { callSid: body.CallSid, digits: body.Digits }, gatherRequestId(body.CallSid, seq, body.Digits));
    res.type('text/xml').send(promptTwiml(callId, next));
  });

  router.post('/status', async (req, res) => {
    const body = StatusCallback.parse(req.body ?? {});
    const event = toStatusEvent(body.CallSid, body.CallStatus);
    if (!event) {
      res.json({ ok: true, ignored: true });
      return;
    }
    const { callId: named } = CallIdHint.parse(req.query);
    // A number's status callback names no call; an inbound call's id follows from its CallSid, so
    // its end still reaches it when the CallSid map is gone (expired, or Redis lost).
    const hint = named ?? (body.Direction === 'inbound' ? inboundCallId('twilio', body.CallSid) : undefined);
    const callId = await callIdOf(body.CallSid, hint);
    const outcome = await control.reportStatus(callId, event);
    if (outcome === 'unknown') throw new HttpError(404, 'unknown_call', `no call ${callId}`);
    res.json({ ok: true, call_id: callId, ignored: outcome === 'finished' || undefined });
  });

  // A warm transfer's agent leg (the <Dial> of providers/twilio/twiml.ts agentDialTwiml).
  const handoffCallId = (req: express.Request) => {
    const { callId } = CallIdHint.parse(req.query);
    if (!callId || !control.agentLeg || !control.handoffWhisper) throw new HttpError(404, 'unknown_call', 'no handed-off call named');
    return callId;
  };

  /** The agent answered: what they hear before the caller is bridged. */
  router.post('/agent-whisper', async (req, res) => {
    const callId = handoffCallId(req);
    const summary = await control.handoffWhisper!(callId);
    res.type('text/xml').send(whisperTwiml(summary ?? 'A caller is being connected to you.'));
  });

  /** The agent leg's progress (statusCallback on the <Number>): answered, completed. */
  router.post('/agent-status', async (req, res) => {
    const callId = handoffCallId(req);
    const { CallStatus: status } = AgentStatusCallback.parse(req.body ?? {});
    const event = AGENT_LEG[status];
    if (event) await control.agentLeg!(callId, { status: event });
    res.json({ ok: true, ignored: !event || undefined });
  });

  /** How the <Dial> ended (its action URL): the caller goes on with what the workflow decides. */
  router.post('/agent-dial', async (req, res) => {
    const callId = handoffCallId(req);
    const { CallSid: callSid, CallStatus, DialCallStatus } = DialAction.parse(req.body ?? {});
    const answer = await control.agentLeg!(callId, { status: AGENT_LEG[DialCallStatus] ?? 'failed' }, callSid);
    // The parent call is over (the caller hung up, e.g. while the agent rang): nobody to take back to
    // the bot or play a message to; its hang-up is recorded now (the status callback that follows is a duplicate).
    if (CallStatus === 'completed') {
      await control.reportStatus(callId, { callSid, event: 'terminal', status: 'completed' });
      res.type('text/xml').send(emptyTwiml());
      return;
    }
    res.type('text/xml').send(afterAgentTwiml(callId, answer));
  });

  return router;
}

const AgentStatusCallback = z.object({ CallSid, CallStatus: z.string().max(32), ParentCallSid: z.string().max(64).optional() });
const DialAction = z.object({ CallSid, CallStatus: z.string().max(32).optional(), DialCallStatus: z.string().max(32), DialCallSid: z.string().max(64).optional() });

/** Twilio's agent-leg statuses onto the lifecycle's; the rest (queued, ringing, initiated) need nothing. */
const AGENT_LEG: Record<string, AgentLegEvent['status']> = {
  'in-progress': 'answered',
  answered: 'answered',
  completed: 'completed',
  'no-answer': 'no-answer',
  busy: 'busy',
  failed: 'failed',
  canceled: 'no-answer',
};

/** After the agent leg: hang up, the voicemail message, or back to the bot (a keypad caller's menu again, as a <Gather>; a stream). */
function afterAgentTwiml(callId: string, answer: AgentLegAnswer): string {
  if (answer.next === 'bot' && answer.prompt) return promptTwiml(callId, answer.prompt);
  if (answer.next === 'bot') return connectStreamTwiml(twilioStreamUrl(), callId);
  if (answer.next === 'voicemail') return sayAndHangUpTwiml(answer.text ?? 'Sorry, nobody could take your call. We will call you back.');
  return emptyTwiml();
}
