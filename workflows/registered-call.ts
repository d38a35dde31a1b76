// A call whose audio runs elsewhere (a LiveKit room, another voice stack): it registers through
// the API and drives its own lifecycle there (start, turns, events, handoff, end); this workflow
// keeps the lifecycle's rules, the turns and events, the context, and tells Jupiter how it
// ended, once.
import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { CallContextKeeper } from './engine/call-context';
import { HandoffRules } from './engine/handoff-rules';
import { CallJournal } from './engine/journal';
import { Lifecycle } from './engine/lifecycle';
import { Reporter } from './engine/report';
import type { CallRecord } from '../activities/persistence';
import type { LifecycleView, RegisteredCallInput } from './lifecycle-types';
import type { CallStatus } from './types';

/** What the API answers for the call's row status (the CallStatus the other calls use). */
const STATUS: Record<LifecycleView['state'], CallStatus> = { CREATED: 'PREPARING', ACTIVE: 'IN_CALL', HANDED_OFF: 'IN_CALL', ENDED: 'REPORTING' };

export async function registeredCall(input: RegisteredCallInput): Promise<LifecycleView> {
  const callId = workflowInfo().workflowId;
  let reported = false;
  let answeredAt: string | undefined;
  const journal = new CallJournal((): CallRecord => ({
    callId,
    callType: input.callType,
    businessKey: callId,
    partyId: input.source,
    calleePhone: '', // the outside stack keeps the caller's number
    language: 'en',
    provider: 'external',
    status: reported ? 'COMPLETED' : STATUS[lifecycle.state],
    digits: [],
    attempts: 0,
    answeredAt,
    endedAt: lifecycle.ended ? lifecycle.view().history.at(-1)!.at : undefined,
    lifecycle: lifecycle.record({ source: input.source, roomName: input.roomName, metadata: input.metadata }),
  }));
  const lifecycle = new Lifecycle({
    callType: input.callType,
    journal,
    context: new CallContextKeeper(input.callType, input.context),
    externallyDriven: true,
    rules: new HandoffRules(input.context.misunderstandingLimit),
    agentDesk: input.agentDesk,
    changed: () => journal.save(),
  });
  journal.save();

  await condition(() => lifecycle.state !== 'CREATED');
  answeredAt = lifecycle.view().history.find((t) => t.to === 'ACTIVE')?.at;
  await condition(() => lifecycle.ended);

  const view = lifecycle.view();
  const reporter = new Reporter(callId, { reportRetryInitialSeconds: input.jupiterReport.initialSeconds, reportRetryMaxSeconds: input.jupiterReport.maxSeconds }, journal);
  const handoff = view.handoff;
  await reporter.deliver({
    kind: 'result',
    method: 'POST',
    path: '/api/voice-calls/result',
    payload: {
      call_id: callId,
      call_type: input.callType,
      source: input.source,
      room_name: input.roomName,
      status: handoff ? 'HANDED_OFF' : 'ENDED',
      end_reason: view.endReason ?? null,
      handoff_reason: handoff?.reason ?? null,
      disposition: handoff?.disposition ?? null,
      answered_at: answeredAt ?? null,
      ended_at: view.history.at(-1)?.at ?? null,
      metadata: input.metadata,
    },
  });
  reported = true;
  await lifecycle.settled();
  await journal.flushed();
  await condition(allHandlersFinished);
  return lifecycle.view();
}
