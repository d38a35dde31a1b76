// Telephony activities: each a thin call into the provider's REST client.
import { ApplicationFailure } from '@temporalio/common';
import { cache } from '../lib/cache';
import { callSidKey } from '../lib/keys';
import { logger, maskPhone } from '../lib/logger';
import { providerModule } from '../providers/registry';
import type { AgentTransferRequest, LiveCallChange, PlaceCallRequest, ProviderCallStatus, TelephonyClient } from '../providers/types';
import type { TelephonyProvider } from '../workflows/types';

function clientOf(name: TelephonyProvider): TelephonyClient {
  const module = providerModule(name);
  if (!module) throw ApplicationFailure.nonRetryable(`unknown telephony provider ${name}`, 'ProviderConfig');
  return module.client();
}

export async function placeCall(provider: TelephonyProvider, request: PlaceCallRequest): Promise<{ callSid: string }> {
  const placed = await clientOf(provider).placeCall(request);
  // The callee only masked (never the whole number in a log): enough to tell two calls apart.
  logger.info({ callId: request.callId, provider, attempt: request.attempt, callee: maskPhone(request.to), callSid: placed.callSid }, 'call placed');
  // Best effort: failing here must not make Temporal retry a dial that already rang the phone.
  await cache()
    .set(callSidKey(placed.callSid), request.callId, 24 * 3600)
    .catch((err) => logger.warn({ err, callId: request.callId }, 'could not cache CallSid mapping'));
  return placed;
}

export async function fetchCallStatus(provider: TelephonyProvider, callSid: string): Promise<ProviderCallStatus> {
  return clientOf(provider).getCallStatus(callSid);
}

/** Points a live call at a new media stream; 'unsupported' where the provider cannot (its flow must come back by itself). */
export async function reattachStream(provider: TelephonyProvider, call: { callSid: string; callId: string }): Promise<LiveCallChange | 'unsupported'> {
  const client = clientOf(provider);
  if (!client.reattachStream) return 'unsupported';
  const changed = await client.reattachStream(call.callSid, call.callId);
  logger.info({ callId: call.callId, provider, callSid: call.callSid, changed }, 'call re-pointed at a new media stream');
  return changed;
}

/** Hangs up a live call; 'unsupported' where closing the stream already ends it. */
export async function hangUpCall(provider: TelephonyProvider, callSid: string): Promise<LiveCallChange | 'unsupported'> {
  const client = clientOf(provider);
  return client.hangUp ? client.hangUp(callSid) : 'unsupported';
}

/** A warm handoff: the provider moves the live call to the agent (Twilio: a call update to <Dial>). */
export async function transferToAgent(provider: TelephonyProvider, request: AgentTransferRequest): Promise<void> {
  const client = clientOf(provider);
  if (!client.transferToAgent) throw ApplicationFailure.nonRetryable(`${provider} cannot move a live call; its flow must hand the call over`, 'ProviderConfig');
  await client.transferToAgent(request);
  logger.info({ callId: request.callId, provider, callSid: request.callSid }, 'call moved to an agent');
}
