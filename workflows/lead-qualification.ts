// A conversation with a lead: greet them by name, then let the language model lead the talk
// until it has the campaign's fields, the lead declines, or asks for a person.
import { proxyActivities } from '@temporalio/workflow';
import type * as llm from '../activities/speech';
import { PhoneCall } from './engine/phone-call';
import type { CalleeInput } from './engine/spec';
import type { CallInput, CallOutcome, CallResult, Language, LeadQualificationRequest } from './types';

export interface LeadQualificationInput extends CallInput<LeadQualificationRequest> {
  maxCallSeconds: number;
  maxTurns: number;
}

const LINES: Record<Language, { greeting: (name: string, topic: string) => string; welcome: (topic: string) => string; again: string; noResponse: string; timeUp: string; trouble: string }> = {
  en: {
    greeting: (name, topic) => `Hello ${name}, this is Nerve calling about ${topic}. Do you have a minute to talk?`,
    welcome: (topic) => `Hello, thank you for calling Nerve about ${topic}. May I ask you a few quick questions?`,
    again: 'Sorry, I did not catch that. Could you say it again?',
    noResponse: 'I could not hear you, so I will call back later. Goodbye.',
    timeUp: 'We are out of time for today. Thank you, someone will follow up. Goodbye.',
    trouble: 'Sorry, I am having trouble on my side. Someone from our team will call you back. Goodbye.',
  },
  hi: {
    greeting: (name, topic) => `नमस्ते ${name}, मैं नर्व से ${topic} के बारे में बात कर रही हूँ। क्या आपके पास एक मिनट है?`,
    welcome: (topic) => `नमस्ते, ${topic} के बारे में नर्व को कॉल करने के लिए धन्यवाद। क्या मैं आपसे कुछ छोटे सवाल पूछ सकती हूँ?`,
    again: 'माफ़ कीजिए, सुनाई नहीं दिया। क्या आप फिर से बोलेंगे?',
    noResponse: 'आपकी आवाज़ नहीं आ रही, हम बाद में कॉल करेंगे। नमस्ते।',
    timeUp: 'आज का समय पूरा हुआ। धन्यवाद, हमारी टीम आपसे संपर्क करेगी। नमस्ते।',
    trouble: 'माफ़ कीजिए, हमारी तरफ़ कुछ दिक़्क़त है। हमारी टीम आपको वापस कॉल करेगी। नमस्ते।',
  },
};

/** How long a lead waits for the model's reply before hearing the apology. */
const LIVE_TURN_BUDGET = '8s';

const speech = (input: CalleeInput) => (input.kind === 'speech' && input.text.trim() ? input.text.trim() : undefined);

function systemPrompt(lead: LeadQualificationRequest): string {
  const language = lead.language === 'hi' ? 'Hindi or Hinglish, matching the lead' : 'English';
  return [
    // An inbound caller has no name yet: the call id stands in as the lead id.
    lead.name ? `You are a polite phone agent qualifying a lead named ${lead.name} about ${lead.topic}.` : `You are a polite phone agent qualifying a caller who rang us about ${lead.topic}.`,
    `Collect these fields: ${lead.fields.join(', ')}. Ask one short question at a time; replies are spoken, so keep them under 30 words, in ${language}.`,
    'Set should_end when every field is collected (then thank them and say goodbye) or when the lead is not interested (then apologise and say goodbye).',
    'Set escalate when the lead asks for a human; then say you are connecting them.',
  ].join(' ');
}

export async function leadQualification(input: LeadQualificationInput): Promise<CallResult> {
  const lead = input.request;
  const lines = LINES[lead.language];
  // A caller who rang us is welcomed; a lead we call is greeted by name.
  const greeting = input.inbound ? lines.welcome(lead.topic) : lines.greeting(lead.name, lead.topic);
  const call = new PhoneCall(
    {
      callType: 'lead-qualification',
      businessKey: lead.lead_id,
      partyId: lead.lead_id,
      calleePhone: lead.phone,
      language: lead.language,
      prompts: { greeting, again: lines.again, no_response: lines.noResponse, time_up: lines.timeUp, trouble: lines.trouble },
      mode: 'voicebot',
      firstPrompt: 'greeting',
      maxCallSeconds: input.maxCallSeconds,
    },
    input,
  );
  // A live turn has a budget: the lead hears the gateway's filler, then an apology and a
  // hand-over within seconds, never minutes of silence behind retries.
  const model = proxyActivities<typeof llm>({
    taskQueue: input.speechTaskQueue,
    startToCloseTimeout: LIVE_TURN_BUDGET,
    scheduleToCloseTimeout: LIVE_TURN_BUDGET,
    retry: { maximumAttempts: 2, initialInterval: '200ms', nonRetryableErrorTypes: ['LlmNotConfigured', 'LlmRejected', 'LlmBadReply'] },
  });

  await call.prepare();
  const unreachable = await call.reach();
  // A report names the handoff when there was one (a call never handed off keeps its shape).
  const reportFields = (collected: Record<string, string>) => ({ lead_id: lead.lead_id, fields: collected, missing: lead.fields.filter((f) => !collected[f]), ...call.handoffReport() });
  if (unreachable) return call.complete(unreachable, { reportFields: reportFields({}) });

  // A call handed to a person is escalated unless its lead, back from nobody answering, talked with the bot again.
  const unlessHandedOff = (outcome: CallOutcome): CallOutcome => (call.escalatedByHandoff() ? 'ESCALATED' : outcome);
  const history: llm.ChatTurn[] = [{ role: 'assistant', content: greeting }];
  const collected: Record<string, string> = {};
  let line = 'greeting';
  // Handed to a person (the rules, an operator, or the model's escalate): wait for the human leg.
  const handedOff = async () => {
    if (await call.backFromHandoff()) return undefined;
    return call.complete({ outcome: 'ESCALATED' }, { reportFields: reportFields(collected) });
  };
  for (let turn = 1; turn <= input.maxTurns; turn++) {
    const heard = await call.ask(line, speech, 'again');
    if (heard.kind === 'handed-off') {
      const done = await handedOff();
      if (done) return done;
      continue; // nobody answered and the lead is back: the same line again
    }
    if (heard.kind === 'hung-up') return call.complete({ outcome: unlessHandedOff(outcomeOf(lead, collected, false)) }, { reportFields: reportFields(collected) });
    if (heard.kind !== 'answer') {
      call.finish(heard.kind === 'time-up' ? 'time_up' : 'no_response');
      return call.complete({ outcome: unlessHandedOff(heard.kind === 'time-up' ? outcomeOf(lead, collected, false) : 'NO_RESPONSE') }, { reportFields: reportFields(collected) });
    }
    history.push({ role: 'user', content: heard.value });

    let reply: llm.LlmReply;
    try {
      reply = await model.llmTurn({ system: systemPrompt(lead), history, fields: lead.fields });
    } catch {
      // The model is gone: end politely rather than leave the lead in silence, and hand over to people.
      call.finish('trouble');
      return call.complete({ outcome: 'ESCALATED' }, { reportFields: { ...reportFields(collected), reason: 'model unavailable' } });
    }
    Object.assign(collected, reply.collected);
    for (const [field, value] of Object.entries(reply.collected)) call.noteEntity(field, value);
    history.push({ role: 'assistant', content: reply.say });

    line = `turn_${turn}`;
    await call.prepareLine(line, reply.say);
    // With a person to hand to, the model's escalate hands the call over instead of ending it.
    if (reply.escalate && call.handOff('model_requested', 'model')) {
      const done = await handedOff();
      if (done) return done;
      continue;
    }
    if (reply.escalate || reply.should_end) {
      call.finish(line);
      const outcome = reply.escalate ? 'ESCALATED' : outcomeOf(lead, collected, true);
      return call.complete({ outcome }, { reportFields: reportFields(collected) });
    }
  }
  call.finish('time_up');
  return call.complete({ outcome: outcomeOf(lead, collected, false) }, { reportFields: reportFields(collected) });
}

function outcomeOf(lead: LeadQualificationRequest, collected: Record<string, string>, ended: boolean): 'QUALIFIED' | 'DECLINED' | 'NO_RESPONSE' {
  if (lead.fields.every((f) => collected[f])) return 'QUALIFIED';
  return ended ? 'DECLINED' : 'NO_RESPONSE';
}
