// Call the restaurant about a new order: accept (and how long it will take) or reject (and why).
// When the vendor accepts and the order names a rider, the rider call is started at once with
// the moment it should ring; it waits on its own, so this call ends when the vendor hangs up.
// With a way to a person, the menus offer the person key; a vendor handed to a person before
// deciding is reported ESCALATED (the agent's disposition says what was agreed).
import { ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { PhoneCall } from './engine/phone-call';
import type { Decision } from './engine/spec';
import { BusinessKeyKey, CallStatusKey, CallTypeKey, callIdFor, DirectionKey, OrderIdKey, RiderIdKey } from './messages';
import { parseAcceptReject, parsePrepTime, parseRejectionReason, vendorPrompts, withPersonKey, withRetries } from './prompts';
import { riderAssignment, type RiderAssignmentInput } from './rider-assignment';
import type { CallInput, CallOutcome, CallResult, VendorOrderConfirmationRequest } from './types';

/** The menus whose prompt offers the person key (the prep time takes typed minutes). */
const MENUS = ['summary', 'reason'];

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
      prompts: withRetries(withPersonKey(vendorPrompts(order), order.language, input.handoff, MENUS), order.language, ['summary', 'prep_time', 'reason']),
      mode: input.mode ?? 'ivr',
      firstPrompt: 'summary',
    },
    input,
  );

  // What a person taking the call over sees first.
  call.noteEntity('order_id', order.order_id);
  call.noteEntity('vendor', order.vendor_name);
  call.noteEntity('order_amount', String(order.order_amount));
  await call.prepare();
  const decision = await talkToVendor(call);
  const riderCallId =
    decision.outcome === 'ACCEPTED' && order.rider
      ? await scheduleRiderCall(input, decision.prepTimeMinutes ?? input.policy.defaultPrepTimeMinutes)
      : undefined;
  return call.complete(decision, {
    reportFields: { order_id: order.order_id, vendor_id: order.vendor_id, ...call.handoffReport() },
    orderStatus: ORDER_STATUS[decision.outcome],
    riderCallId,
  });
}

async function talkToVendor(call: PhoneCall): Promise<Decision> {
  const unreachable = await call.reach();
  if (unreachable) return unreachable;

  const choice = await call.askKeys('summary', parseAcceptReject, { menu: true });
  if (choice.kind === 'handed-off') return { outcome: 'ESCALATED' };
  if (choice.kind !== 'answer') return call.noResponse();
  // Once the vendor has decided, the decision stands even if the follow-up goes unanswered (or to a
  // person, who has the call by then: no closing line from the bot).
  if (choice.value === 'accept') {
    const prep = await call.askKeys('prep_time', parsePrepTime);
    if (prep.kind !== 'handed-off') call.finish('accepted');
    return { outcome: 'ACCEPTED', prepTimeMinutes: prep.kind === 'answer' ? prep.value : undefined };
  }
  const reason = await call.askKeys('reason', parseRejectionReason, { menu: true });
  if (reason.kind !== 'handed-off') call.finish('rejected');
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
