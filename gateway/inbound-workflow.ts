// The workflow a call that rang in starts, by its route: the caller's number goes into the
// input in full (payloads are encrypted) and appears masked everywhere else (the summary);
// the search attributes hold the call id, the call type and the direction, never a number.
import type { SearchAttributePair } from '@temporalio/common';
import type { Config } from '../lib/config';
import type { InboundRoute } from '../lib/inbound-routes';
import { maskPhone } from '../lib/phone';
import type { LeadQualificationInput } from '../workflows/lead-qualification';
import { BusinessKeyKey, CallStatusKey, CallTypeKey, DirectionKey } from '../workflows/messages';
import type { QuestionnaireInput } from '../workflows/questionnaire';
import type { QuestionnaireScript } from '../workflows/questionnaire-prompts';
import { withTransfer } from './transfer-settings';
import type { AppointmentAgentInput, CallMode, CallType, InboundCall, Language, TelephonyProvider } from '../workflows/types';
import { QUESTIONNAIRE_MAX_REPROMPTS } from './questionnaire-script';
import { callPolicy } from './routes/calls-api';

export interface InboundWorkflow {
  /** The workflow type (a name exported by workflows/index.ts). */
  workflowType: 'questionnaire' | 'leadQualification' | 'appointmentAgent';
  callType: CallType;
  input: QuestionnaireInput | LeadQualificationInput | AppointmentAgentInput;
  summary: string;
  searchAttributes: SearchAttributePair[];
}

export interface InboundCallSetup {
  callId: string;
  provider: TelephonyProvider;
  mode: CallMode;
  inbound: InboundCall;
}

const LABELS: Record<InboundRoute['bot'], string> = {
  questionnaire: 'questionnaire',
  'lead-qualification': 'lead qualification',
  'appointment-agent': 'appointment',
};

export function inboundWorkflow(config: Config, scriptFor: (language: Language) => QuestionnaireScript, route: InboundRoute, call: InboundCallSetup): InboundWorkflow {
  const { callId, provider, mode, inbound } = call;
  const base = { inbound, provider, mode, policy: callPolicy(config), speechTaskQueue: config.SPEECH_TASK_QUEUE, jupiterOrderPath: config.JUPITER_ORDER_PATH };
  const { language } = route;
  // The call id is the business key: one conversation per call, and no number in an attribute.
  const described = (callType: CallType, rest: Pick<InboundWorkflow, 'workflowType' | 'input'>): InboundWorkflow => ({
    ...rest,
    callType,
    summary: `Inbound ${LABELS[route.bot]} from ${maskPhone(inbound.from)}`,
    searchAttributes: [
      { key: BusinessKeyKey, value: callId },
      { key: CallTypeKey, value: callType },
      { key: CallStatusKey, value: 'PREPARING' },
      { key: DirectionKey, value: 'inbound' },
    ],
  });

  switch (route.bot) {
    case 'questionnaire':
      return described('questionnaire', {
        workflowType: 'questionnaire',
        input: {
          ...base,
          request: { call_key: callId, phone: inbound.from, name: '', language, provider },
          script: scriptFor(language),
          maxCallSeconds: config.VOICE_MAX_CALL_SECONDS,
          // The keypad version's menus offer the person key (as the vendor's do); the spoken one's input keeps its shape.
          ...withTransfer(config, provider, mode === 'ivr' ? { promptedBot: true, keypad: mode } : { promptedBot: true }),
          policy: { ...base.policy, maxReprompts: QUESTIONNAIRE_MAX_REPROMPTS },
        },
      });
    case 'lead-qualification':
      return described('lead-qualification', {
        workflowType: 'leadQualification',
        input: {
          ...base,
          request: { lead_id: callId, phone: inbound.from, name: '', language, fields: route.fields, topic: route.topic, provider },
          maxCallSeconds: config.VOICE_MAX_CALL_SECONDS,
          maxTurns: config.LEAD_MAX_TURNS,
          ...withTransfer(config, provider, { promptedBot: true }),
        },
      });
    case 'appointment-agent':
      return described('appointment-agent', {
        workflowType: 'appointmentAgent',
        input: {
          ...base,
          request: { call_key: callId, phone: inbound.from, language },
          maxCallSeconds: config.APPOINTMENT_MAX_CALL_SECONDS,
          ...withTransfer(config, provider, { bridgedAgent: true }),
        },
      });
  }
}
