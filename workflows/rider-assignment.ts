// Ask a rider to take a pickup: 1 accepts, 0 declines.
import { IvrCall, type Decision } from './ivr-call';
import { parseAcceptReject, riderPrompts, withRetries } from './prompts';
import type { CallInput, CallOutcome, CallResult, RiderAssignmentRequest } from './types';

const ORDER_STATUS: Record<CallOutcome, string> = {
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
    },
    input,
  );

  await call.prepare();
  const decision = await talkToRider(call);
  return call.complete(decision, { reportFields: { rider_id: job.rider_id }, orderStatus: ORDER_STATUS[decision.outcome] });
}

async function talkToRider(call: IvrCall): Promise<Decision> {
  const dialled = await call.dialUntilAnswered();
  if (dialled === 'failed') return { outcome: 'FAILED' };
  if (dialled === 'no-answer') return { outcome: 'NO_ANSWER' };

  const choice = await call.ask('summary', parseAcceptReject);
  if (choice.kind !== 'answer') {
    call.finish('no_response');
    return { outcome: 'NO_RESPONSE' };
  }
  call.finish(choice.value === 'accept' ? 'accepted' : 'rejected');
  return { outcome: choice.value === 'accept' ? 'ACCEPTED' : 'REJECTED' };
}
