// Ask a rider to take a pickup: 1 accepts, 0 declines; with a way to a person, the person key
// hands the rider to one (reported ESCALATED).
import { sleep } from '@temporalio/workflow';
import { PhoneCall } from './engine/phone-call';
import type { Decision } from './engine/spec';
import { parseAcceptReject, riderPrompts, withPersonKey, withRetries } from './prompts';
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
      prompts: withRetries(withPersonKey(riderPrompts(job), job.language, input.handoff, ['summary']), job.language, ['summary']),
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
  call.noteEntity('order_id', job.order_id);
  call.noteEntity('rider', job.rider_name);
  call.noteEntity('restaurant', job.restaurant_name);
  await call.prepare();
  const decision = await talkToRider(call);
  return call.complete(decision, { reportFields: { order_id: job.order_id, rider_id: job.rider_id, ...call.handoffReport() }, orderStatus: ORDER_STATUS[decision.outcome] });
}

async function talkToRider(call: PhoneCall): Promise<Decision> {
  const unreachable = await call.reach();
  if (unreachable) return unreachable;

  const choice = await call.askKeys('summary', parseAcceptReject, { menu: true });
  if (choice.kind === 'handed-off') return { outcome: 'ESCALATED' };
  if (choice.kind !== 'answer') return call.noResponse();
  call.finish(choice.value === 'accept' ? 'accepted' : 'rejected');
  return { outcome: choice.value === 'accept' ? 'ACCEPTED' : 'REJECTED' };
}
