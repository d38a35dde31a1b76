// The call lifecycle API, part of the one call API under /api/nerve (mounted by calls-api.ts):
// register a call whose audio runs elsewhere, start and end it, post its turns and semantic
// events, ask for a handoff, record the agent's disposition, read a call and its context. Every
// write is a workflow update: the call's workflow decides (409 naming the current state when the
// request does not fit it), and a repeat with the same Idempotency-Key, turn_id or event_id gets
// the first answer, also after the call has closed.
import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure, type Client, QueryNotRegisteredError, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError,
  WorkflowUpdateFailedError, type WorkflowHandle,
} from '@temporalio/client';
import { type Request, Router } from 'express';
import type { Config } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import {
  BusinessKeyKey, callContextQuery, callStateQuery, CallStatusKey, CallTypeKey, dispositionUpdate, endCallUpdate, lifecycleQuery, lifecycleReceiptQuery,
  recordEventUpdate, recordTurnUpdate, registeredCallId, requestHandoffUpdate, startCallUpdate,
} from '../../workflows/messages';
import { LifecycleRejection, type RegisteredCallInput } from '../../workflows/lifecycle-types';
import type * as workflows from '../../workflows';
import { CallIdSchema } from '../schemas';
import { DispositionSchema, EndCallSchema, EventSchema, HandoffRequestSchema, IdempotencyKeySchema, RegisterCallSchema, TurnSchema } from '../lifecycle-schemas';
import { callAnalytics } from './analytics';

/** Who made a request, for the audit log: the API (Jupiter's token) and what the body names. */
const API_ACTOR = 'api';

export function lifecycleApi(client: Client, config: Config): Router {
  const router = Router();
  const handle = (callId: string) => client.workflow.getHandle(callId);
  const timed = <T>(call: () => Promise<T>) => client.withDeadline(Date.now() + config.UPDATE_DEADLINE_MS, call);
  const idempotencyKey = (req: Request) => IdempotencyKeySchema.parse(req.get('idempotency-key') || undefined);
  const callIdOf = (req: Request) => CallIdSchema.parse(req.params.id);

  router.post('/calls', async (req, res) => {
    const request = RegisterCallSchema.parse(req.body);
    const key = idempotencyKey(req) ?? randomUUID();
    const callId = registeredCallId(key);
    const roomName = request.room_name ?? `nerve-${key}`;
    const input: RegisteredCallInput = {
      callType: request.call_type,
      source: request.source,
      roomName,
      metadata: request.metadata,
      createdAt: new Date().toISOString(),
      context: {
        model: !!config.LLM_URL && config.CONTEXT_SUMMARY_EVERY_TURNS > 0,
        speechTaskQueue: config.SPEECH_TASK_QUEUE,
        everyTurns: Math.max(1, config.CONTEXT_SUMMARY_EVERY_TURNS),
        misunderstandingLimit: config.HANDOFF_MISUNDERSTANDING_LIMIT,
      },
      jupiterReport: { initialSeconds: config.REPORT_RETRY_INITIAL_SECONDS, maxSeconds: config.REPORT_RETRY_MAX_SECONDS },
      agentDesk: { webhookUrl: config.AGENT_DESK_URL },
    };
    try {
      await client.workflow.start<typeof workflows.registeredCall>('registeredCall', {
        taskQueue: config.CALLS_TASK_QUEUE,
        workflowId: callId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: BusinessKeyKey, value: callId },
          { key: CallTypeKey, value: request.call_type },
          { key: CallStatusKey, value: 'PREPARING' },
        ],
        staticSummary: `${request.call_type} call from ${request.source}`,
      });
      res.status(201).json({ call_id: callId, room_name: roomName, state: 'CREATED', created: true });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const view = await handle(callId).query(lifecycleQuery);
      res.status(200).json({ call_id: callId, room_name: roomName, state: view.state, created: false });
    }
  });

  /**
   * Sends one lifecycle update and maps its refusal: 409 naming the state for a conflict, 400 for a
   * malformed command, 404 for no such call; a closed call answers a repeat from its receipts.
   */
  async function update<T>(callId: string, receiptKey: string | undefined, send: (h: WorkflowHandle) => Promise<T>): Promise<T> {
    try {
      return await timed(() => send(handle(callId)));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const { type, message, details } = err.cause;
        if (type === LifecycleRejection.conflict) throw new HttpError(409, 'lifecycle_conflict', message, undefined, { state: (details?.[0] as { state?: string } | undefined)?.state });
        if (type === LifecycleRejection.invalid) throw new HttpError(400, 'invalid_request', message);
      }
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return closedCall(callId, receiptKey);
    }
  }

  /** The workflow is gone or closed: an unknown call is 404; an ended one answers repeats, and refuses the rest. */
  async function closedCall(callId: string, receiptKey: string | undefined): Promise<never> {
    let view;
    try {
      view = await timed(() => handle(callId).query(lifecycleQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `no call ${callId}`);
      throw err;
    }
    if (receiptKey) {
      const receipt = await timed(() => handle(callId).query(lifecycleReceiptQuery, receiptKey));
      if (receipt !== undefined && receipt !== null) throw new Repeat(receipt);
    }
    throw new HttpError(409, 'lifecycle_conflict', `call ${callId} is ${view.state}: it is read-only`, undefined, { state: view.state });
  }

  /** A repeat of a request the closed call already answered: its first answer. */
  class Repeat {
    constructor(readonly result: unknown) {}
  }
  const answer = async (res: import('express').Response, work: () => Promise<unknown>) => {
    try {
      res.json(await work());
    } catch (err) {
      if (err instanceof Repeat) res.json(err.result);
      else throw err;
    }
  };

  router.post('/calls/:id/start', async (req, res) => {
    const callId = callIdOf(req);
    const requestId = idempotencyKey(req);
    await answer(res, () => update(callId, requestId && `start:${requestId}`, (h) =>
      h.executeUpdate(startCallUpdate, { args: [{ actor: API_ACTOR, requestId }], updateId: requestId && `start:${requestId}` })));
  });

  router.post('/calls/:id/end', async (req, res) => {
    const callId = callIdOf(req);
    const { reason } = EndCallSchema.parse(req.body);
    const requestId = idempotencyKey(req);
    await answer(res, () => update(callId, requestId && `end:${requestId}`, (h) =>
      h.executeUpdate(endCallUpdate, { args: [{ actor: API_ACTOR, reason, requestId }], updateId: requestId && `end:${requestId}` })));
  });

  router.post('/calls/:id/turns', async (req, res) => {
    const callId = callIdOf(req);
    const turn = TurnSchema.parse(req.body);
    const turnId = turn.turn_id ?? randomUUID();
    await answer(res, async () => {
      const receipt = await update(callId, `turn:${turnId}`, (h) =>
        h.executeUpdate(recordTurnUpdate, {
          args: [{ turnId, speaker: turn.speaker, text: turn.text, confidence: turn.confidence, language: turn.language, startedAt: turn.started_at }],
          updateId: `turn:${turnId}`,
        }));
      return { turn_id: receipt.turnId, seq: receipt.seq };
    });
  });

  router.post('/calls/:id/events', async (req, res) => {
    const callId = callIdOf(req);
    const event = EventSchema.parse(req.body);
    const eventId = event.event_id ?? randomUUID();
    await answer(res, async () => {
      const receipt = await update(callId, `event:${eventId}`, (h) =>
        h.executeUpdate(recordEventUpdate, { args: [{ eventId, type: event.type, data: event.data }], updateId: `event:${eventId}` }));
      return { event_id: receipt.eventId, seq: receipt.seq };
    });
  });

  router.post('/calls/:id/handoff/request', async (req, res) => {
    const callId = callIdOf(req);
    const request = HandoffRequestSchema.parse(req.body);
    const requestId = idempotencyKey(req);
    await answer(res, () => update(callId, requestId && `handoff:${requestId}`, (h) =>
      h.executeUpdate(requestHandoffUpdate, { args: [{ actor: `${API_ACTOR}:${request.requested_by}`, reason: request.reason, requestedBy: request.requested_by, requestId }], updateId: requestId && `handoff:${requestId}` })));
  });

  router.post('/calls/:id/disposition', async (req, res) => {
    const callId = callIdOf(req);
    const request = DispositionSchema.parse(req.body);
    const requestId = idempotencyKey(req);
    await answer(res, () => update(callId, requestId && `disposition:${requestId}`, (h) =>
      h.executeUpdate(dispositionUpdate, {
        args: [{ actor: `agent:${request.agent_id ?? 'unknown'}`, outcome: request.outcome, notes: request.notes, agentId: request.agent_id, requestId }],
        updateId: requestId && `disposition:${requestId}`,
      })));
  });

  /** A call's lifecycle; our own calls add their call state (attempts, prompt, digits, outcome). */
  router.get('/calls/:id', async (req, res) => {
    const callId = callIdOf(req);
    const h = handle(callId);
    const optional = async <T>(query: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await timed(query);
      } catch (err) {
        if (err instanceof QueryNotRegisteredError) return undefined; // a call started before lifecycles, or a registered one
        throw err;
      }
    };
    try {
      const [state, lifecycle] = await Promise.all([optional(() => h.query(callStateQuery)), optional(() => h.query(lifecycleQuery))]);
      if (!state && !lifecycle) throw new HttpError(404, 'unknown_call', `no call ${callId}`);
      res.json({ ...(state ?? { callId, callType: lifecycle!.callType }), lifecycle });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `no call ${callId}`);
      throw err;
    }
  });

  router.get('/calls/:id/context', async (req, res) => {
    const callId = callIdOf(req);
    try {
      res.json(await timed(() => handle(callId).query(callContextQuery)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `no call ${callId}`);
      if (err instanceof QueryNotRegisteredError) throw new HttpError(404, 'no_context', `call ${callId} started before calls kept a context`);
      throw err;
    }
  });

  router.get('/analytics', callAnalytics);

  return router;
}
