// Ask a rider to take a pickup: 1 accepts, 0 declines.
import { IvrCall, keys, type Decision } from './ivr-call';
import { parseAcceptReject, riderPrompts, withRetries } from './prompts';
import type { CallInput, CallOutcome, CallResult, RiderAssignmentRequest } from './types';

const ORDER_STATUS: Partial<Record<CallOutcome, string>> = {
  ACCEPTED: 'RIDER_ASSIGNED',
  REJECTED: 'RIDER_DECLINED',
  NO_ANSWER: 'RIDER_UNREACHABLE',
  NO_RESPONSE: 'RIDER_UNREACHABLE',
  FAILED: 'RIDER_UNREACHABLE',
};

export async function riderAssignment(input: CallInput<RiderAssignmentRequest>): Promise<CallResult> {
  const job = input.request;
  const call = new IvrCall(
    {
      callType: 'rider-assignment',
      orderId: job.order_id,
      partyId: job.rider_id,
      calleePhone: job.rider_phone,
      language: job.language,
      prompts: withRetries(riderPrompts(job), job.language, ['summary']),
      mode: input.mode ?? 'ivr',
      firstPrompt: 'summary',
    },
    input,
  );

  await call.prepare();
  const decision = await talkToRider(call);
  return call.complete(decision, { reportFields: { rider_id: job.rider_id }, orderStatus: ORDER_STATUS[decision.outcome] });
}

async function talkToRider(call: IvrCall): Promise<Decision> {
  const unreachable = await call.reach();
  if (unreachable) return unreachable;

  const choice = await call.ask('summary', keys(parseAcceptReject));
  if (choice.kind !== 'answer') return call.noResponse();
  call.finish(choice.value === 'accept' ? 'accepted' : 'rejected');
  return { outcome: choice.value === 'accept' ? 'ACCEPTED' : 'REJECTED' };
}
