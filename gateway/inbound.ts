// Calls we did not place. The provider's first request for an unknown CallSid to one of our
// numbers starts the call's workflow with signal-with-start (the "answered" status): the
// workflow id comes from the CallSid (inboundCallId), so a retried or concurrent first request
// finds the running call instead of starting another, and a call that has ended is never run
// again (reuse rejected). A number with no route is refused with a polite line, logged with
// masked numbers and counted.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { Cache } from '../lib/cache';
import type { Config } from '../lib/config';
import { routeFor, routeMode } from '../lib/inbound-routes';
import { callSidKey, INBOUND_REFUSED_KEY, inboundRefusalKey, inboundRefusedKey } from '../lib/keys';
import { logger } from '../lib/logger';
import { maskPhone, normalisePhone } from '../lib/phone';
import { PROVIDER_NAMES } from '../providers/registry';
import type { InboundCallRequest, InboundRefusal, InboundStart } from '../providers/types';
import { inboundCallId, providerStatusSignal, type ProviderStatusEvent } from '../workflows/messages';
import type { NextPrompt } from '../workflows/types';
import { inboundWorkflow } from './inbound-workflow';
import { questionnaireScripts } from './questionnaire-script';

const InboundCallSchema = z.object({
  provider: z.enum(PROVIDER_NAMES),
  callSid: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'CallSid must be 1-64 letters, digits or _ . : -'),
  from: z.string().trim().min(1).max(64),
  to: z.string().trim().min(1).max(64),
  mode: z.enum(['ivr', 'voicebot']).optional(),
});
type InboundCall = z.infer<typeof InboundCallSchema>;

/** As long as an outbound call's CallSid mapping (activities/telephony.ts). */
const CALL_SID_TTL_SECONDS = 24 * 3600;
/** A refused call's later requests (the flow's next applet, a retry) come within minutes. */
const REFUSAL_TTL_SECONDS = 3600;

export interface InboundDeps {
  client: Client;
  cache: Cache;
  config: Config;
  /** Runs a Temporal call under the webhook deadline (a 503 to retry when Temporal does not answer). */
  timed<T>(call: () => Promise<T>): Promise<T>;
  /** The first prompt a keypad call plays, once its workflow has it ready. */
  firstPrompt(callId: string, callSid: string): Promise<NextPrompt>;
}

export class InboundCalls {
  private readonly scriptFor;
  private readonly log = logger.child({ component: 'inbound' });

  constructor(private readonly deps: InboundDeps) {
    this.scriptFor = questionnaireScripts(deps.config);
  }

  async start(request: InboundCallRequest): Promise<InboundStart> {
    const call = InboundCallSchema.parse(request);
    const { config, cache } = this.deps;
    const earlier = await cache.get(inboundRefusalKey(call.callSid));
    if (earlier) return { refused: config.INBOUND_REFUSAL_TEXT, reason: earlier as InboundRefusal };

    const route = routeFor(config.INBOUND_ROUTES, config.INBOUND_DEFAULT_ROUTE, call.to);
    if (!route) return this.refuse(call, 'no_route');
    // The provider's flow may already carry the call one way (Exotel); only the questionnaire has a keypad version.
    const mode = call.mode ?? routeMode(route);
    if (mode === 'ivr' && route.bot !== 'questionnaire') return this.refuse(call, 'mode_unsupported');

    const callId = inboundCallId(call.provider, call.callSid);
    const inbound = { callSid: call.callSid, from: normalisePhone(call.from) ?? call.from, to: normalisePhone(call.to) ?? call.to };
    const workflow = inboundWorkflow(config, this.scriptFor, route, { callId, provider: call.provider, mode, inbound });
    const answered: ProviderStatusEvent = { callSid: call.callSid, event: 'answered' };
    try {
      await this.deps.timed(() =>
        this.deps.client.workflow.signalWithStart(workflow.workflowType, {
          workflowId: callId,
          taskQueue: config.CALLS_TASK_QUEUE,
          args: [workflow.input],
          signal: providerStatusSignal,
          signalArgs: [answered],
          workflowIdConflictPolicy: 'USE_EXISTING', // a retried first request joins the running call
          workflowIdReusePolicy: 'REJECT_DUPLICATE', // and a request after the call ended starts nothing
          typedSearchAttributes: workflow.searchAttributes,
          staticSummary: workflow.summary,
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return this.refuse(call, 'call_ended');
    }
    // Later webhooks and the media stream carry only the CallSid.
    await cache.set(callSidKey(call.callSid), callId, CALL_SID_TTL_SECONDS);
    this.log.info({ callId, provider: call.provider, bot: route.bot, mode, caller: maskPhone(inbound.from) }, 'inbound call');
    // A bridged call outlives its gateway: the provider holds the line while the workflow re-attaches it.
    if (mode === 'voicebot') return { callId, mode, ...(route.bot === 'appointment-agent' ? { holdLine: true } : {}) };
    return { callId, mode, prompt: await this.deps.firstPrompt(callId, call.callSid) };
  }

  /** The polite line, and for a new refusal one log line and one count, however often the provider asks again. */
  private async refuse(call: InboundCall, reason: InboundRefusal): Promise<InboundStart> {
    const { cache, config } = this.deps;
    const where = { provider: call.provider, callSid: call.callSid, caller: maskPhone(call.from), dialled: maskPhone(call.to), reason };
    if (reason === 'call_ended') {
      this.log.info(where, 'request for an inbound call that has ended: nothing started');
    } else if (await cache.setIfAbsent(inboundRefusalKey(call.callSid), reason, REFUSAL_TTL_SECONDS)) {
      await Promise.all([cache.incr(INBOUND_REFUSED_KEY), cache.incr(inboundRefusedKey(reason))]);
      this.log.warn(where, 'inbound call refused');
    }
    return { refused: config.INBOUND_REFUSAL_TEXT, reason };
  }
}
