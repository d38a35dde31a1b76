// Twilio's callbacks, both signed form POSTs: the voice URL (answered call asks for TwiML; we
// connect it to our media stream) and the StatusCallback (call progress events).
import express, { Router } from 'express';
import { z } from 'zod';
import { HttpError } from '../../lib/http-error';
import type { ProviderStatusEvent } from '../../workflows/messages';
import type { TerminalStatus } from '../../workflows/types';
import type { CallControl } from '../types';
import { requireTwilioSignature } from './signature';
import { twilioStreamUrl } from './urls';

const CallSid = z.string().min(1).max(64);
const CallIdHint = z.object({ callId: z.string().min(1).max(128).optional() });

const VoiceRequest = z.object({
  CallSid,
  From: z.string().max(64).optional(),
  To: z.string().max(64).optional(),
  CallStatus: z.string().max(32).optional(),
});

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
});

type Status = z.infer<typeof StatusCallback>['CallStatus'];

export function toStatusEvent(callSid: string, status: Status): ProviderStatusEvent | undefined {
  if (status === 'in-progress') return { callSid, event: 'answered' };
  const terminal = TERMINAL[status];
  return terminal ? { callSid, event: 'terminal', status: terminal } : undefined;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xmlAttr = (value: string) => value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

/** <Connect><Stream> makes the stream bidirectional and holds the call until the socket closes. */
export function connectStreamTwiml(streamUrl: string, callId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Connect><Stream url="${xmlAttr(streamUrl)}">` +
    `<Parameter name="callId" value="${xmlAttr(callId)}"/>` +
    '</Stream></Connect></Response>'
  );
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

  router.post('/voice', async (req, res) => {
    const body = VoiceRequest.parse(req.body ?? {});
    const { callId: hint } = CallIdHint.parse(req.query);
    const callId = await callIdOf(body.CallSid, hint);
    res.type('text/xml').send(connectStreamTwiml(twilioStreamUrl(), callId));
  });

  router.post('/status', async (req, res) => {
    const body = StatusCallback.parse(req.body ?? {});
    const event = toStatusEvent(body.CallSid, body.CallStatus);
    if (!event) {
      res.json({ ok: true, ignored: true });
      return;
    }
    const { callId: hint } = CallIdHint.parse(req.query);
    const callId = await callIdOf(body.CallSid, hint);
    const outcome = await control.reportStatus(callId, event);
    if (outcome === 'unknown') throw new HttpError(404, 'unknown_call', `no call ${callId}`);
    res.json({ ok: true, call_id: callId, ignored: outcome === 'finished' || undefined });
  });

  return router;
}
