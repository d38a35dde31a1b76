// Ask a rider to take a pickup: 1 accepts, 0 declines.
import { sleep } from '@temporalio/workflow';
import { PhoneCall } from './engine/phone-call';
import { keys, type Decision } from './engine/spec';
import { parseAcceptReject, riderPrompts, withRetries } from './prompts';
import type { CallInput, CallOutcome, CallResult, RiderAssignmentRequest } from './types';

const ORDER_STATUS: Partial<Record<CallOutcome, string>> = {
  ACCEPTED: 'RIDER_ASSIGNED',
  REJECTED: 'RIDER_DECLINED',
  NO_ANSWER: 'RIDER_UNREACHABLE',
  NO_RESPONSE: 'RIDER_UNREACHABLE',
  FAILED: 'RIDER_UNREACHABLE',
};

export interface RiderAssignmentInput extends CallInput<RiderAssignmentRequest> {
  /** When the vendor call asks for the rider ahead of pickup: not before this instant (ISO 8601). */
  notBefore?: string;
}

export async function riderAssignment(input: RiderAssignmentInput): Promise<CallResult> {
  const job = input.request;
  const call = new PhoneCall(
    {
      callType: 'rider-assignment',
      businessKey: job.order_id,
      partyId: job.rider_id,
      calleePhone: job.rider_phone,
      language: job.language,
      prompts: withRetries(riderPrompts(job), job.language, ['summary']),
      mode: input.mode ?? 'ivr',
      firstPrompt: 'summary',
    },
    input,
  );

  // This call owns its wait for the pickup window: the vendor call that started it has ended.
  const waitMs = input.notBefore ? Date.parse(input.notBefore) - Date.now() : 0;
  if (waitMs > 0) {
    call.setStatus('SCHEDULED', `calling the rider at ${input.notBefore}`);
    await sleep(waitMs);
  }
  await call.prepare();
  const decision = await talkToRider(call);
  return call.complete(decision, { reportFields: { order_id: job.order_id, rider_id: job.rider_id }, orderStatus: ORDER_STATUS[decision.outcome] });
}

async function talkToRider(call: PhoneCall): Promise<Decision> {
  const unreachable = await call.reach();
  if (unreachable) return unreachable;

  const choice = await call.ask('summary', keys(parseAcceptReject));
  if (choice.kind !== 'answer') return call.noResponse();
  call.finish(choice.value === 'accept' ? 'accepted' : 'rejected');
  return { outcome: choice.value === 'accept' ? 'ACCEPTED' : 'REJECTED' };
}
