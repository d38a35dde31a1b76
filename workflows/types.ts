// Plain data shared by workflows, activities and the gateway. No runtime code here.
import type { ProviderName } from '../providers/registry';
import type { TransferSettings } from './lifecycle-types';

export type Language = 'hi' | 'en';
export type CallType = 'vendor-order-confirmation' | 'rider-assignment' | 'questionnaire' | 'lead-qualification' | 'appointment-agent';
/** A registered telephony provider (providers/registry.ts). */
export type TelephonyProvider = ProviderName;

/** Where the call is now; the CallStatus search attribute. */
export type CallStatus = 'SCHEDULED' | 'PREPARING' | 'DIALING' | 'WAITING_REDIAL' | 'IN_CALL' | 'REPORTING' | 'COMPLETED';
/** How the call ended; the Outcome search attribute and the status reported to Jupiter. */
export type CallOutcome =
  | 'ACCEPTED' | 'REJECTED' | 'ELIGIBLE' | 'NOT_ELIGIBLE' | 'QUALIFIED' | 'DECLINED' | 'ESCALATED'
  | 'BOOKED' | 'CANCELLED' | 'INFO_ONLY'
  | 'NO_ANSWER' | 'NO_RESPONSE' | 'FAILED';
export type ReportStatus = 'PENDING' | 'DELIVERED' | 'REJECTED_BY_JUPITER';

/** Exotel's terminal call statuses (Twilio's map onto the same set). */
export type TerminalStatus = 'completed' | 'failed' | 'busy' | 'no-answer';

/** Timing and retry rules, fixed when the call starts so a replay sees the same values. */
export interface CallPolicy {
  maxAttempts: number;
  redialGapSeconds: number;
  ringTimeoutSeconds: number;
  inputTimeoutSeconds: number;
  maxReprompts: number;
  timeLimitSeconds: number;
  riderCallBufferMinutes: number;
  defaultPrepTimeMinutes: number;
  reportRetryInitialSeconds: number;
  reportRetryMaxSeconds: number;
}

export interface OrderItem {
  name: string;
  quantity: number;
  price?: number;
}

export interface RiderRef {
  rider_id: string;
  rider_phone: string;
  rider_name: string;
}

export interface VendorOrderConfirmationRequest {
  order_id: string;
  vendor_id: string;
  vendor_phone: string;
  vendor_name: string;
  vendor_address?: string;
  customer_name?: string;
  order_items: OrderItem[];
  order_amount: number;
  payment_method?: string;
  language: Language;
  /** When present and the vendor accepts, the rider is called in time for pickup. */
  rider?: RiderRef;
}

export interface RiderAssignmentRequest {
  order_id: string;
  rider_id: string;
  rider_phone: string;
  rider_name: string;
  restaurant_name: string;
  restaurant_address: string;
  pickup_time_minutes: number;
  language: Language;
}

export interface QuestionnaireRequest {
  /** The business key (a lead or applicant id): one questionnaire call per key. */
  call_key: string;
  phone: string;
  name: string;
  language: Language;
  provider?: TelephonyProvider;
}

export interface LeadQualificationRequest {
  lead_id: string;
  phone: string;
  name: string;
  language: Language;
  /** What the campaign needs to know; defaults to property type, location and budget. */
  fields: string[];
  /** One line on what the call is about, for the greeting and the model. */
  topic: string;
  provider?: TelephonyProvider;
}

/** A caller who rang the appointment line; the receptionist books, checks and cancels. */
export interface AppointmentAgentRequest {
  /** The business key: the inbound call id (one conversation per call). */
  call_key: string;
  /** The caller's number in full, for the booking's masked copy and Jupiter's report. */
  phone: string;
  language: Language;
}

/** ivr: the provider's own flow plays prompts and gathers keys (Exotel IVR, Twilio <Gather>); voicebot: a bidirectional media stream to our gateway. */
export type CallMode = 'ivr' | 'voicebot';

/** A call we did not place: the provider's first request for it started the workflow. */
export interface InboundCall {
  callSid: string;
  /** The caller's number in full (payloads are encrypted); shown masked everywhere else. */
  from: string;
  /** The number they dialled (one of ours: a Twilio number or an ExoPhone). */
  to: string;
}

export interface CallInput<Request> {
  request: Request;
  /** Present on inbound calls: the call is already answered and is never dialled. */
  inbound?: InboundCall;
  policy: CallPolicy;
  provider: TelephonyProvider;
  /** How a keypad call reaches the callee; voice calls always stream. Absent: ivr. */
  mode?: CallMode;
  /** Task queue of the speech worker (TTS), on the GPU host in production. */
  speechTaskQueue: string;
  /** Jupiter's order path, e.g. /api/orders/{order_id}. */
  jupiterOrderPath: string;
  /** Present when the call can be handed to a person (voice calls, with HANDOFF_AGENT set). */
  handoff?: TransferSettings;
}

export type RejectionReason = 'ITEM_UNAVAILABLE' | 'SHOP_CLOSED' | 'TOO_BUSY' | 'OTHER' | 'UNSPECIFIED';

export interface CallResult {
  callId: string;
  outcome: CallOutcome;
  attempts: number;
  callSid?: string;
  digits: string[];
  answeredAt?: string;
  prepTimeMinutes?: number;
  rejectionReason?: RejectionReason;
  reportStatus: ReportStatus;
  riderCallId?: string;
}

/** A prompt ready to play: its text and, when synthesized, a URL of 8 kHz mono WAV audio. */
export interface PreparedPrompt {
  id: string;
  text: string;
  audioUrl?: string;
}

export interface NextPrompt extends PreparedPrompt {
  /** true when the call should end after this prompt (Passthru answers 302). */
  hangup: boolean;
  /** Increases with every prompt the call plays, so a prompt that arrives twice is played once. */
  seq: number;
  /** The call's language: the ASR hint for the reply and the voice of any filler. */
  language?: Language;
  /** A keypad call handed to a person while its input waited: after this prompt, dial the agent (Twilio answers the <Gather> with the <Dial>). */
  transfer?: { agent: string; ringSeconds: number };
}

export interface StatusTransition {
  at: string;
  callSid: string;
  event: 'answered' | 'terminal';
  status?: TerminalStatus;
}

/** What the callState query returns, and what ops see in the UI. */
export interface CallState {
  callId: string;
  callType: CallType;
  /** The order, lead or questionnaire key the call is about. */
  businessKey: string;
  status: CallStatus;
  outcome?: CallOutcome;
  attempts: number;
  currentCallSid?: string;
  answeredAt?: string;
  digits: string[];
  prompt?: NextPrompt;
  awaitingInput: boolean;
  transitions: StatusTransition[];
  reportStatus: ReportStatus;
  result?: CallResult;
}

/** The workflow input of an appointment-agent call (workflow type `appointmentAgent`). */
export interface AppointmentAgentInput extends CallInput<AppointmentAgentRequest> {
  maxCallSeconds: number;
}
