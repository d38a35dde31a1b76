// Jupiter's REST API: ask for a call, read its state, list live calls, inspect the TTS cache.
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import express, { type Response, Router } from 'express';
import { TTS_AUDIO_PREFIX, ttsStatsKey } from '../../lib/keys';
import type { Cache } from '../../lib/cache';
import { type Config } from '../../lib/config';
import { liveCalls } from '../live-calls';
import { requireBearer } from '../require-bearer';
import { BusinessKeyKey, callIdFor, CallStatusKey, CallTypeKey, DirectionKey, OrderIdKey, RiderIdKey, VendorIdKey } from '../../workflows/messages';
import type { CallMode, CallPolicy, CallType, TelephonyProvider } from '../../workflows/types';
import type * as workflows from '../../workflows';
import { LeadQualificationSchema, QuestionnaireSchema, RiderAssignmentSchema, VendorOrderConfirmationSchema } from '../schemas';
import { withTransfer } from '../transfer-settings';
import { QUESTIONNAIRE_MAX_REPROMPTS, questionnaireScripts } from '../questionnaire-script';
import { lifecycleApi } from './lifecycle-api';

export function callPolicy(config: Config): CallPolicy {
  return {
    maxAttempts: config.CALL_MAX_ATTEMPTS,
    redialGapSeconds: config.CALL_REDIAL_GAP_SECONDS,
    ringTimeoutSeconds: config.CALL_RING_TIMEOUT_SECONDS,
    inputTimeoutSeconds: config.CALL_INPUT_TIMEOUT_SECONDS,
    maxReprompts: config.CALL_MAX_REPROMPTS,
    timeLimitSeconds: config.CALL_TIME_LIMIT_SECONDS,
    riderCallBufferMinutes: config.RIDER_CALL_BUFFER_MINUTES,
    defaultPrepTimeMinutes: config.DEFAULT_PREP_TIME_MINUTES,
    reportRetryInitialSeconds: config.REPORT_RETRY_INITIAL_SECONDS,
    reportRetryMaxSeconds: config.REPORT_RETRY_MAX_SECONDS,
  };
}

export function callsApi(client: Client, cache: Cache, config: Config): Router {
  const router = Router();
  router.use(requireBearer(config.NERVE_API_TOKEN));
  router.use(express.json({ limit: '64kb' }));

  type CallWorkflow = typeof workflows.vendorOrderConfirmation | typeof workflows.riderAssignment | typeof workflows.questionnaire | typeof workflows.leadQualification;

  /** Starts the call unless one exists for this business key; never dials twice. */
  async function startCall<W extends CallWorkflow>(
    res: Response,
    call: { workflowType: string; callType: CallType; businessKey: string; summary: string; attributes?: SearchAttributePair[] },
    input: Parameters<W>[0],
  ) {
    const callId = callIdFor(call.callType, call.businessKey);
    try {
      await client.workflow.start<W>(call.workflowType, {
        taskQueue: config.CALLS_TASK_QUEUE,
        workflowId: callId,
        args: [input] as Parameters<W>,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: BusinessKeyKey, value: call.businessKey },
          { key: CallTypeKey, value: call.callType },
          { key: CallStatusKey, value: 'PREPARING' },
          { key: DirectionKey, value: 'outbound' },
          ...(call.attributes ?? []),
        ],
        staticSummary: call.summary,
      });
      res.status(202).json({ call_id: callId, status: 'PREPARING', created: true });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const description = await client.workflow.getHandle(callId).describe();
      res.status(200).json({
        call_id: callId,
        status: description.typedSearchAttributes.get(CallStatusKey) ?? description.status.name,
        created: false,
      });
    }
  }

  const baseInput = () => ({ policy: callPolicy(config), provider: 'exotel' as const, speechTaskQueue: config.SPEECH_TASK_QUEUE, jupiterOrderPath: config.JUPITER_ORDER_PATH });
  /** What every voicebot call adds: its provider and its time limit (never above the configured one). */
  const voiceSettings = (request: { provider?: TelephonyProvider; max_call_seconds?: number }) => ({
    provider: request.provider ?? config.VOICE_PROVIDER,
    maxCallSeconds: Math.min(request.max_call_seconds ?? Infinity, config.VOICE_MAX_CALL_SECONDS),
  });

  /** What every keypad call adds: its provider, how it reaches the callee and its way to a person (the rider call inherits all three). */
  const keypadSettings = ({ provider = config.IVR_PROVIDER, mode }: { provider?: TelephonyProvider; mode: CallMode }) => ({
    provider, mode, ...withTransfer(config, provider, { promptedBot: true, keypad: mode }),
  });

  router.post('/vendor-order-confirmation', async (req, res) => {
    const { provider, mode, ...request } = VendorOrderConfirmationSchema.parse(req.body);
    await startCall<typeof workflows.vendorOrderConfirmation>(res, {
      workflowType: 'vendorOrderConfirmation', callType: 'vendor-order-confirmation', businessKey: request.order_id,
      summary: `Vendor ${request.vendor_id} for order ${request.order_id}`, attributes: [{ key: OrderIdKey, value: request.order_id }, { key: VendorIdKey, value: request.vendor_id }],
    }, { request, ...baseInput(), ...keypadSettings({ provider, mode }) });
  });

  router.post('/rider-assignment', async (req, res) => {
    const { provider, mode, ...request } = RiderAssignmentSchema.parse(req.body);
    await startCall<typeof workflows.riderAssignment>(res, {
      workflowType: 'riderAssignment', callType: 'rider-assignment', businessKey: request.order_id,
      summary: `Rider ${request.rider_id} for order ${request.order_id}`, attributes: [{ key: OrderIdKey, value: request.order_id }, { key: RiderIdKey, value: request.rider_id }],
    }, { request, ...baseInput(), ...keypadSettings({ provider, mode }) });
  });

  const questionnaireScript = questionnaireScripts(config);

  router.post('/questionnaire', async (req, res) => {
    const request = QuestionnaireSchema.parse(req.body);
    const script = questionnaireScript(request.language);
    const base = baseInput();
    await startCall<typeof workflows.questionnaire>(res, {
      workflowType: 'questionnaire', callType: 'questionnaire', businessKey: request.call_key, summary: `Questionnaire ${request.call_key}`,
    }, {
      request, ...base, ...voiceSettings(request), script, ...withTransfer(config, request.provider ?? config.VOICE_PROVIDER, { promptedBot: true }),
      policy: { ...base.policy, maxReprompts: QUESTIONNAIRE_MAX_REPROMPTS }, // an unclear answer is asked again once
    });
  });

  router.post('/lead-qualification', async (req, res) => {
    const request = LeadQualificationSchema.parse(req.body);
    await startCall<typeof workflows.leadQualification>(res, {
      workflowType: 'leadQualification', callType: 'lead-qualification', businessKey: request.lead_id, summary: `Lead ${request.lead_id}`,
    }, { request, ...baseInput(), ...voiceSettings(request), maxTurns: config.LEAD_MAX_TURNS, ...withTransfer(config, request.provider ?? config.VOICE_PROVIDER, { promptedBot: true }) });
  });

  // One call API: the lifecycle's routes (register, start, end, turns, events, handoff, context, GET /calls/:id, analytics).
  router.use(lifecycleApi(client, config));

  router.get('/active-calls', async (_req, res) => {
    const calls = await liveCalls(cache);
    res.json({ count: calls.length, calls });
  });

  router.get('/tts-cache', async (_req, res) => {
    const [entries, hits, misses] = await Promise.all([
      cache.keys(TTS_AUDIO_PREFIX),
      cache.get(ttsStatsKey('hits')),
      cache.get(ttsStatsKey('misses')),
    ]);
    res.json({ entries: entries.length, hits: Number(hits ?? 0), misses: Number(misses ?? 0) });
  });

  return router;
}
