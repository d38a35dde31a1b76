// Call the restaurant about a new order: accept (and how long it will take) or reject (and why).
// When the vendor accepts and the order names a rider, the rider call is started at once with
// the moment it should ring; it waits on its own, so this call ends when the vendor hangs up.
import { ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { PhoneCall } from './engine/phone-call';
import { keys, type Decision } from './engine/spec';
import { BusinessKeyKey, CallStatusKey, CallTypeKey, callIdFor, DirectionKey, OrderIdKey, RiderIdKey } from './messages';
import { parseAcceptReject, parsePrepTime, parseRejectionReason, vendorPrompts, withRetries } from './prompts';
import { riderAssignment, type RiderAssignmentInput } from './rider-assignment';
import type { CallInput, CallOutcome, CallResult, VendorOrderConfirmationRequest } from './types';

const ORDER_STATUS: Partial<Record<CallOutcome, string>> = {
  ACCEPTED: 'VENDOR_ACCEPTED',
  REJECTED: 'VENDOR_REJECTED',
  NO_ANSWER: 'VENDOR_UNREACHABLE',
  NO_RESPONSE: 'VENDOR_UNREACHABLE',
  FAILED: 'VENDOR_UNREACHABLE',
};

export async function vendorOrderConfirmation(input: CallInput<VendorOrderConfirmationRequest>): Promise<CallResult> {
  const order = input.request;
  const call = new PhoneCall(
    {
      callType: 'vendor-order-confirmation',
      businessKey: order.order_id,
      partyId: order.vendor_id,
      calleePhone: order.vendor_phone,
      language: order.language,
      prompts: withRetries(vendorPrompts(order), order.language, ['summary', 'prep_time', 'reason']),
      mode: input.mode ?? 'ivr',
      firstPrompt: 'summary',
    },
    input,
  );

  await call.prepare();
  const decision = await talkToVendor(call);
  const riderCallId =
    decision.outcome === 'ACCEPTED' && order.rider
      ? await scheduleRiderCall(input, decision.prepTimeMinutes ?? input.policy.defaultPrepTimeMinutes)
      : undefined;
  return call.complete(decision, {
    reportFields: { order_id: order.order_id, vendor_id: order.vendor_id },
    orderStatus: ORDER_STATUS[decision.outcome],
    riderCallId,
  });
}

async function talkToVendor(call: PhoneCall): Promise<Decision> {
  const unreachable = await call.reach();
  if (unreachable) return unreachable;

  const choice = await call.ask('summary', keys(parseAcceptReject));
  if (choice.kind !== 'answer') return call.noResponse();
  // Once the vendor has decided, the decision stands even if the follow-up goes unanswered.
  if (choice.value === 'accept') {
    const prep = await call.ask('prep_time', keys(parsePrepTime));
    call.finish('accepted');
    return { outcome: 'ACCEPTED', prepTimeMinutes: prep.kind === 'answer' ? prep.value : undefined };
  }
  const reason = await call.ask('reason', keys(parseRejectionReason));
  call.finish('rejected');
  return { outcome: 'REJECTED', rejectionReason: reason.kind === 'answer' ? reason.value : 'UNSPECIFIED' };
}

/** Starts the rider-assignment call, due when the food is nearly ready; returns its call id. */
async function scheduleRiderCall(input: CallInput<VendorOrderConfirmationRequest>, prepTimeMinutes: number): Promise<string> {
  const { request: order, policy } = input;
  const rider = order.rider!;
  const waitMinutes = Math.max(0, prepTimeMinutes - policy.riderCallBufferMinutes);
  const riderCallId = callIdFor('rider-assignment', order.order_id);
  const riderInput: RiderAssignmentInput = {
    ...input,
    request: {
      order_id: order.order_id,
      rider_id: rider.rider_id,
      rider_phone: rider.rider_phone,
      rider_name: rider.rider_name,
      restaurant_name: order.vendor_name,
      restaurant_address: order.vendor_address ?? '',
      pickup_time_minutes: Math.round(Math.min(prepTimeMinutes, policy.riderCallBufferMinutes)),
      language: order.language,
    },
    notBefore: new Date(Date.now() + waitMinutes * 60_000).toISOString(),
  };
  try {
    await startChild(riderAssignment, {
      workflowId: riderCallId,
      args: [riderInput],
      parentClosePolicy: ParentClosePolicy.ABANDON, // the rider call outlives this one
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: BusinessKeyKey, value: order.order_id },
        { key: OrderIdKey, value: order.order_id },
        { key: CallTypeKey, value: 'rider-assignment' },
        { key: RiderIdKey, value: rider.rider_id },
        { key: CallStatusKey, value: waitMinutes > 0 ? 'SCHEDULED' : 'PREPARING' },
        { key: DirectionKey, value: 'outbound' },
      ],
      staticSummary: `Rider ${rider.rider_id} for order ${order.order_id}`,
    });
  } catch (err) {
    // Jupiter already asked for this rider call itself: that call stands.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return riderCallId;
}
