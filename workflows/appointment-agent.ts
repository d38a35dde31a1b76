// The appointment line: a caller rings, the receptionist (a speech-to-speech model bridged by
// the gateway) books, checks and cancels appointments with its tools, and the call's outcome
// goes to Jupiter once. The conversation itself never passes through here; its tool calls and
// transcript do.
import { patched } from '@temporalio/workflow';
import { maskPhone } from '../lib/phone';
import { type AppointmentLedger, appointmentTools } from './appointment-tools';
import { AgentDesk, type AgentEnding } from './engine/agent-desk';
import { PhoneCall } from './engine/phone-call';
import { StreamGuard } from './engine/stream-guard';
import type { AppointmentAgentInput, CallOutcome, CallResult, Language } from './types';

/** What the receptionist says when the call's time is up, before the line is closed. */
const TIME_UP_GOODBYE: Record<Language, string> = {
  en: 'I am sorry, we have run out of time on this call. Please call again if you need anything else. Goodbye.',
  hi: 'माफ़ कीजिए, इस कॉल का समय पूरा हो गया है। और कुछ चाहिए तो दोबारा कॉल करें। नमस्ते।',
};

export async function appointmentAgent(input: AppointmentAgentInput): Promise<CallResult> {
  const { request } = input;
  const call = new PhoneCall(
    {
      callType: 'appointment-agent',
      businessKey: request.call_key,
      partyId: request.call_key,
      calleePhone: maskPhone(request.phone), // the call's row and journal keep only the masked number
      language: request.language,
      prompts: {}, // the model speaks for itself
      mode: 'voicebot',
      maxCallSeconds: input.maxCallSeconds,
    },
    input,
  );
  const ledger: AppointmentLedger = { booked: [], cancelled: [] };
  // The model asking for a person after the rules handed the call over is told the transfer is under way too.
  const desk = new AgentDesk(call, appointmentTools(call.callId, maskPhone(request.phone), ledger, (reason) => call.handOff(reason, 'model') || call.withHuman()));

  const unreachable = await call.reach();
  if (unreachable) return call.complete(unreachable, { reportFields: report(ledger) });

  // Calls that started before the guard existed carry on without it (their histories have no watch).
  const guard = patched('appointment-stream-guard') ? new StreamGuard(call, input.provider) : undefined;
  guard?.start();
  let ending = await desk.converse(TIME_UP_GOODBYE[request.language]);
  let personTookIt = false;
  let backWithBot = false;
  // Handed to a person (only when a transfer is configured): wait for the human leg; with nobody
  // answering and "back to the bot" configured, the receptionist carries on.
  while (ending === 'handed-off') {
    await guard?.stop(); // the transfer ends the stream on purpose: nothing to recover
    personTookIt = await call.humanLeg();
    if (personTookIt || call.hungUp()) break;
    guard?.start({ newStream: true }); // the stream that ended at the handoff left its mark
    const heard = desk.linesHeard;
    ending = await desk.converse(TIME_UP_GOODBYE[request.language]);
    // Back with the receptionist only if the call came back to the bot and the conversation went on
    // (a caller who left while the agent rang owes a call back). With a voicemail message there is
    // no way back: a line of the first stream transcribed late must not count as one.
    backWithBot = input.handoff?.noAgent === 'bot' && desk.linesHeard > heard;
  }
  await guard?.stop();
  // A call handed to a person is escalated, whether the person took it or a call back is owed; one
  // that nobody answered and whose caller talked with the receptionist again ends as that conversation did.
  const escalated = personTookIt || ending === 'handed-off' || (call.lifecycle.handoffInfo && !backWithBot);
  const outcome = escalated ? 'ESCALATED' : outcomeOf(ledger, desk, ending);
  return call.complete({ outcome }, { reportFields: { ...report(ledger), ...call.handoffReport() } });
}

/** Bookings made on this call and not cancelled on it. */
const standing = (ledger: AppointmentLedger) => ledger.booked.filter((confirmation) => !ledger.cancelled.includes(confirmation));

function outcomeOf(ledger: AppointmentLedger, desk: AgentDesk, ending: AgentEnding): CallOutcome {
  if (standing(ledger).length > 0) return 'BOOKED';
  if (ledger.cancelled.length > 0) return 'CANCELLED';
  if (ending === 'ended-by-tool' && ledger.transferReason) return 'ESCALATED';
  return desk.callerLines > 0 || desk.toolCalls > 0 ? 'INFO_ONLY' : 'NO_RESPONSE';
}

/** What Jupiter hears beyond every call's fields (the engine adds direction and the caller's number). */
function report(ledger: AppointmentLedger): Record<string, unknown> {
  return {
    confirmation_number: standing(ledger).at(-1) ?? null,
    booked: ledger.booked,
    cancelled: ledger.cancelled,
    transfer_reason: ledger.transferReason ?? null,
  };
}
