// The simulator tab's side of a ring, under the ops login: the tab registers its number on an
// event stream (GET /phone: rings and ring outcomes arrive there), then answers or declines a
// ring. Answering only claims it: the call goes live when the tab opens /media/browser and
// sends `start`, as a carrier's stream would. The router also passes the ring bus's status
// messages (no tab open: no-answer) to the call's workflow, like any provider's status callback.
import express, { Router } from 'express';
import { z } from 'zod';
import { cache } from '../../lib/cache';
import { loadConfig } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { logger, maskPhone } from '../../lib/logger';
import { requireOps } from '../../lib/ops-auth';
import { normalisePhone } from '../../lib/phone';
import type { CallControl } from '../types';
import { claimRing, readCallRecord, saveCallRecord, statusOf } from './call-record';
import { Phones, type Tab } from './phones';
import { type RingMessage, ringBus } from './ring-bus';
import { BrowserCallSid } from './stream';

const HEARTBEAT_MS = 15_000;

const PhoneQuery = z.object({
  number: z.string().max(32).transform((raw, ctx) => normalisePhone(raw) ?? (ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'number must be a phone number (E.164)' }), z.NEVER)),
});
const AnswerBody = z.object({ callSid: BrowserCallSid }).strict();
const DeclineBody = z.object({ callSid: BrowserCallSid, reason: z.enum(['busy', 'no-answer']).default('busy') }).strict();

export function browserWebhooks(control: CallControl): Router {
  const router = Router();
  const phones = new Phones(cache());
  const log = logger.child({ provider: 'browser' });

  ringBus().subscribe((message) => void onRingMessage(message).catch((err) => log.warn({ err: (err as Error).message, callSid: message.callSid }, 'simulator ring message not handled')));

  async function onRingMessage(message: RingMessage): Promise<void> {
    // A duration, not a time: the tab's clock need not agree with ours.
    if (message.kind === 'ring') return phones.notify(message.to, 'ring', { callSid: message.callSid, ringMs: Math.max(0, message.ringingUntil - Date.now()) });
    if (message.kind === 'ring-ended') return phones.notify(message.to, 'ring-ended', { callSid: message.callSid, reason: message.reason });
    // Every gateway hears a status; one passes it on.
    if (await claimRing(cache(), message.callSid, message.status)) {
      await control.reportStatus(message.callId, { callSid: message.callSid, event: 'terminal', status: message.status });
    }
  }

  router.use(requireOps(() => loadConfig().CODEC_AUTH_TOKEN));
  router.use(express.json({ limit: '4kb' }));

  router.get('/phone', async (req, res) => {
    const { number } = PhoneQuery.parse(req.query);
    const tab: Tab = { send: (event, data) => void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) };
    await phones.add(number, tab); // before the headers: a Redis failure is still a JSON error
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    tab.send('registered', { number });
    log.info({ line: maskPhone(number) }, 'simulator tab registered');
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      phones.remove(number, tab);
    });
  });

  router.post('/answer', async (req, res) => {
    const { callSid } = AnswerBody.parse(req.body ?? {});
    const record = await readCallRecord(cache(), callSid);
    if (!record) throw new HttpError(404, 'unknown_call', 'no simulated call with that callSid');
    if (statusOf(record) !== 'ringing') throw new HttpError(410, 'not_ringing', 'the call is no longer ringing');
    if (!(await claimRing(cache(), callSid, 'answered'))) throw new HttpError(409, 'ring_taken', 'another tab answered or declined this call');
    await saveCallRecord(cache(), callSid, { ...record, status: 'in-progress' });
    await ringBus().publish({ kind: 'ring-ended', callSid, to: record.to, reason: 'answered' });
    res.json({ callSid, callId: record.callId });
  });

  router.post('/decline', async (req, res) => {
    const { callSid, reason } = DeclineBody.parse(req.body ?? {});
    const record = await readCallRecord(cache(), callSid);
    if (!record) throw new HttpError(404, 'unknown_call', 'no simulated call with that callSid');
    if (!(await claimRing(cache(), callSid, reason))) throw new HttpError(409, 'ring_taken', 'another tab answered or declined this call');
    await saveCallRecord(cache(), callSid, { ...record, status: reason });
    await ringBus().publish({ kind: 'ring-ended', callSid, to: record.to, reason: reason === 'busy' ? 'declined' : 'no-answer' });
    await control.reportStatus(record.callId, { callSid, event: 'terminal', status: reason });
    res.json({ callSid, status: reason });
  });

  return router;
}
