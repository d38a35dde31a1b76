// Exotel's callbacks: the StatusCallback (POST, form), the Passthru applet after a Gather
// (GET, query) and the Greeting applet's dynamic-text URL (GET/HEAD, text/plain). On an
// ExoPhone's own flow (a call that rang in) the first Greeting or Passthru for an unknown
// CallSid starts the call: Exotel sends the caller and the ExoPhone, and no CustomField.
import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { loadConfig } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { sameSecret } from '../../lib/same-secret';
import type { ProviderStatusEvent } from '../../workflows/messages';
import type { CallControl, InboundStart } from '../types';
import { FlowQuery } from './flow-query';
import { exotelHandoffWebhooks } from './handoff-webhooks';

const TERMINAL = ['completed', 'failed', 'busy', 'no-answer'] as const;

const StatusCallback = z.object({
  CallSid: z.string().min(1).max(64),
  Status: z.string().max(32).optional(),
  EventType: z.enum(['answered', 'terminal']).optional(),
  CustomField: z.string().max(128).optional(),
  DateUpdated: z.string().optional(),
  RecordingUrl: z.string().optional(),
});

const PassthruQuery = z.object({
  CallSid: z.string().min(1).max(64),
  // Exotel wraps the keys in double quotes ("1"); no input arrives as "" or nothing.
  digits: z
    .string()
    .max(40)
    .optional()
    .transform((d) => (d ?? '').replace(/^"|"$/g, ''))
    .refine((d) => /^[0-9*#]*$/.test(d), 'digits must be keypad characters')
    .transform((d) => d.replace(/#$/, '')),
  CustomField: z.string().max(128).optional(),
  CurrentTime: z.string().max(40).optional(),
  CallType: z.string().max(32).optional(),
});

/** The Passthru after the Voicebot applet: Exotel adds the stream's own fields (Stream[Status], Stream[DisconnectedBy], ...), not needed here. */
const StreamEndedQuery = z.object({
  CallSid: z.string().min(1).max(64),
  CustomField: z.string().max(128).optional(),
});

/**
 * Who rang which ExoPhone: the Greeting sends From (the caller) and To (the ExoPhone); the
 * Passthru also CallFrom and CallTo. Numbers come in Exotel's local form ("0804...").
 */
const Caller = z.object({
  From: z.string().max(64).optional(),
  To: z.string().max(64).optional(),
  CallFrom: z.string().max(64).optional(),
  CallTo: z.string().max(64).optional(),
});

function inboundParties(query: unknown): { from: string; to: string } | undefined {
  const parties = Caller.parse(query);
  const from = parties.CallFrom || parties.From;
  const to = parties.CallTo || parties.To;
  return from && to ? { from, to } : undefined;
}

function toStatusEvent(body: z.infer<typeof StatusCallback>): ProviderStatusEvent {
  if (body.EventType === 'answered') return { callSid: body.CallSid, event: 'answered' };
  const status = TERMINAL.find((s) => s === body.Status);
  if (!status) throw new HttpError(400, 'invalid_status', `Status must be one of ${TERMINAL.join(', ')}`);
  return { callSid: body.CallSid, event: 'terminal', status };
}

function requireSecret(req: Request, _res: Response, next: NextFunction): void {
  if (!sameSecret(String(req.params.secret ?? ''), loadConfig().EXOTEL_WEBHOOK_SECRET)) {
    return next(new HttpError(401, 'unauthorized', 'unknown webhook secret'));
  }
  next();
}

export function exotelWebhooks(control: CallControl): Router {
  const router = Router({ mergeParams: true });
  router.use('/:secret', requireSecret);
  router.use(express.urlencoded({ extended: false, limit: '32kb' }));
  router.use('/:secret', exotelHandoffWebhooks(control));

  const callIdOf = async (callSid: string, customField?: string) => {
    const callId = await control.resolveCallId(callSid, customField);
    if (!callId) throw new HttpError(404, 'unknown_call', `no call for CallSid ${callSid}`);
    return callId;
  };

  /**
   * A CallSid we do not know, without our CustomField, from a caller to an ExoPhone: a call
   * that rang in on a keypad flow. Starting it is idempotent (the CallSid names the call).
   */
  const startInbound = async (callSid: string, customField: string | undefined, query: unknown): Promise<InboundStart | undefined> => {
    const parties = customField ? undefined : inboundParties(query);
    if (!parties || (await control.resolveCallId(callSid))) return undefined;
    return control.startInbound({ provider: 'exotel', callSid, ...parties, mode: 'ivr' });
  };

  router.post('/:secret/status', async (req, res) => {
    const body = StatusCallback.parse(req.body);
    const event = toStatusEvent(body);
    const callId = await callIdOf(body.CallSid, body.CustomField);
    const outcome = await control.reportStatus(callId, event);
    if (outcome === 'unknown') throw new HttpError(404, 'unknown_call', `no call ${callId}`);
    res.json({ ok: true, call_id: callId, ignored: outcome === 'finished' || undefined });
  });

  router.get('/:secret/passthru', async (req, res) => {
    const query = PassthruQuery.parse(req.query);
    const inbound = await startInbound(query.CallSid, query.CustomField, req.query);
    if (inbound) {
      // The caller has heard no question yet: keys gathered before this are not an answer. 200
      // goes on to the Greeting, which plays the first prompt; 302 to the hang-up branch.
      if ('refused' in inbound) return void res.status(302).json({ refused: inbound.reason });
      return void res.status(200).json({ call_id: inbound.callId, prompt: inbound.mode === 'ivr' ? inbound.prompt.id : undefined, hangup: false });
    }
    const callId = await callIdOf(query.CallSid, query.CustomField);
    // Exotel retries an unanswered callback with the same parameters: the same request id
    // makes Temporal deliver the update once and hand the retry the first answer.
    const requestId = createHash('sha1')
      .update(`${query.CallSid}|${query.digits}|${query.CurrentTime ?? ''}`)
      .digest('hex');
    const next = await control.submitDigits(callId, { callSid: query.CallSid, digits: query.digits }, requestId);
    // The flow branches on our status: 200 loops back to the Greeting for the next prompt,
    // 302 goes to the closing Greeting and hangs up.
    res.status(next.hangup ? 302 : 200).json({ call_id: callId, prompt: next.id, hangup: next.hangup });
  });

  // A bridged call's Voicebot applet ended and the flow asks what next: 200 goes back to the
  // Voicebot applet (the stream was lost with its gateway: the new session resumes the call),
  // 302 to the hang-up branch (our goodbye, or a call that is over or unknown).
  router.get('/:secret/stream-ended', async (req, res) => {
    const query = StreamEndedQuery.parse(req.query);
    const callId = await control.resolveCallId(query.CallSid, query.CustomField);
    const next = callId && control.streamEnded ? await control.streamEnded(callId) : 'end';
    res.status(next === 'resume' ? 200 : 302).json({ call_id: callId ?? null, resume: next === 'resume' });
  });

  // Exotel also sends HEAD to this URL and expects the same headers; Express answers HEAD with the GET route.
  router.get('/:secret/prompt', async (req, res) => {
    const query = FlowQuery.parse(req.query);
    const inbound = await startInbound(query.CallSid, query.CustomField, req.query);
    if (inbound) {
      // A refused call hears the line; the flow's next applet ends it.
      const text = 'refused' in inbound ? inbound.refused : inbound.mode === 'ivr' ? (inbound.prompt.audioUrl ?? inbound.prompt.text) : undefined;
      if (text === undefined) throw new HttpError(409, 'not_ivr', 'this call is carried by a media stream, not the keypad flow');
      return void res.type('text/plain').send(text);
    }
    const callId = await callIdOf(query.CallSid, query.CustomField);
    const prompt = await control.currentPrompt(callId, query.CallSid);
    if (!prompt) throw new HttpError(404, 'no_prompt', 'the call has nothing to play');
    res.type('text/plain').send(prompt.audioUrl ?? prompt.text);
  });

  return router;
}
