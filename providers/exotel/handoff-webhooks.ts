// A warm handoff through Exotel's call flow. Exotel cannot move a live call, so the bot closes its
// Voicebot stream and the flow carries on: the Passthru after the Voicebot (stream-ended, 302 for a
// handed-off call) → the Passthru `to-agent` (200: the "to agent" branch; 302: hang up) → the
// Connect applet, whose dynamic URL `agent-connect` names the agents → the Passthru `agent-dial`
// after it, which reports how the agent leg went (200: back to the Voicebot; 302: the voicemail
// Greeting, whose text is `agent-voicemail`, then Hangup). See the README's Exotel handoff section.
import { Router } from 'express';
import { z } from 'zod';
import { FlowQuery } from './flow-query';
import { loadConfig } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import type { AgentLegEvent } from '../../workflows/lifecycle-types';
import type { CallControl } from '../types';
import { connectAppletResponse } from './connect-applet';

const AFTER_AGENT_GOODBYE = 'Thank you for calling. Goodbye.';

/** The Passthru after the Connect applet: CallType says how the dial went ("completed": a conversation; "incomplete": nobody answered). */
const AgentDialQuery = FlowQuery.extend({
  CallType: z.string().max(32).optional(),
  DialCallStatus: z.string().max(32).optional(),
});

/** What the agent leg became, from the Passthru's CallType (and DialCallStatus where Exotel sends it). */
export function agentLegOf(query: z.infer<typeof AgentDialQuery>): AgentLegEvent['status'] {
  if (query.CallType === 'completed' || query.DialCallStatus === 'completed') return 'completed';
  if (query.DialCallStatus === 'busy') return 'busy';
  if (query.DialCallStatus === 'failed') return 'failed';
  // "incomplete" (no agent picked up), "client-hangup" (the caller left while it rang), or anything else: nobody took it.
  return 'no-answer';
}

export function exotelHandoffWebhooks(control: CallControl): Router {
  const router = Router({ mergeParams: true });

  const handedOffCall = async (query: z.infer<typeof FlowQuery>) => {
    const callId = await control.resolveCallId(query.CallSid, query.CustomField);
    const state = callId && control.handoffState ? await control.handoffState(callId) : undefined;
    return { callId, state };
  };

  // Passthru: 200 takes the "to agent" branch (the Connect applet); 302 hangs up.
  router.get('/to-agent', async (req, res) => {
    const { callId, state } = await handedOffCall(FlowQuery.parse(req.query));
    res.status(state?.awaitingAgent ? 200 : 302).json({ call_id: callId ?? null, to_agent: !!state?.awaitingAgent });
  });

  // The Connect applet's dynamic URL (Exotel sends the header Exotel-Version: 1.0).
  router.get('/agent-connect', async (req, res) => {
    const query = FlowQuery.parse(req.query);
    const { callId, state } = await handedOffCall(query);
    if (!callId || !state?.awaitingAgent) throw new HttpError(404, 'no_handoff', `no handed-off call waits for an agent on CallSid ${query.CallSid}`);
    const config = loadConfig();
    const numbers = config.EXOTEL_HANDOFF_NUMBERS.length ? config.EXOTEL_HANDOFF_NUMBERS : [config.HANDOFF_AGENT].filter((n): n is string => !!n && n.startsWith('+'));
    if (!numbers.length) throw new HttpError(409, 'no_agent_number', 'set EXOTEL_HANDOFF_NUMBERS or an E.164 HANDOFF_AGENT');
    const version = req.get('exotel-version');
    if (version && version !== '1.0') logger.warn({ callId, version }, 'Connect applet asks for a response version we do not write; answering 1.0');
    res.json(connectAppletResponse({
      numbers, ringSeconds: config.HANDOFF_RING_SECONDS, record: config.EXOTEL_HANDOFF_RECORD, callerId: config.EXOTEL_HANDOFF_CALLER_ID || undefined, whisper: state.summary,
    }));
  });

  // Passthru after the Connect applet: the agent leg's outcome drives the lifecycle; 200 goes back
  // to the bot (nobody answered, HANDOFF_NO_AGENT=bot: the Voicebot, or a keypad flow's Greeting,
  // which then reads the question asked again), 302 to the voicemail Greeting or Hangup.
  router.get('/agent-dial', async (req, res) => {
    const query = AgentDialQuery.parse(req.query);
    const callId = await control.resolveCallId(query.CallSid, query.CustomField);
    if (!callId || !control.agentLeg) throw new HttpError(404, 'unknown_call', `no call for CallSid ${query.CallSid}`);
    const status = agentLegOf(query);
    // A conversation means the agent answered first: the lifecycle hears both, each once.
    if (status === 'completed') await control.agentLeg(callId, { status: 'answered' });
    const next = await control.agentLeg(callId, { status }, query.CallSid);
    // Past this Passthru the flow only says goodbye and hangs up; a call that rang in has no status
    // callback to say so, so this is the call's end (a StatusCallback that follows is a duplicate).
    // "client-hangup": the caller left while the agent rang, so there is nobody to take back to the bot either.
    const back = next.next === 'bot' && query.CallType !== 'client-hangup';
    if (!back) await control.reportStatus(callId, { callSid: query.CallSid, event: 'terminal', status: 'completed' });
    res.status(back ? 200 : 302).json({ call_id: callId, agent: status, next: back ? 'bot' : next.next === 'bot' ? 'hangup' : next.next });
  });

  // The Greeting on the 302 branch, before Hangup: the voicemail message for a caller nobody
  // answered; a short goodbye for one whose agent hung up first.
  router.get('/agent-voicemail', async (req, res) => {
    const { state } = await handedOffCall(FlowQuery.parse(req.query));
    const missed = ['no-answer', 'busy', 'failed'].includes(state?.agentStatus ?? '');
    res.type('text/plain').send(missed ? loadConfig().HANDOFF_VOICEMAIL_TEXT : AFTER_AGENT_GOODBYE);
  });

  return router;
}
