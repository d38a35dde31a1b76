// Twilio's Programmable Voice REST API (2010-04-01): create a call whose TwiML (fetched from our
// voice webhook on answer) connects it to our media stream or plays our IVR, and read a call's
// status back.
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../lib/config';
import { basicAuth, providerFailure, providerRequest } from '../http';
import type { AgentTransferRequest, LiveCallChange, PlaceCallRequest, ProviderCallStatus, TelephonyClient } from '../types';
import { agentDialTwiml, connectStreamTwiml } from './twiml';
import { agentLegUrls, twilioStreamUrl, twilioWebhookUrl } from './urls';

/** Twilio's error body: { code, message, more_info, status }. */
interface TwilioError {
  code?: number;
  message?: string;
  more_info?: string;
}

/** Twilio's answer to an update of a call that is no longer live: "Call is not in-progress. Cannot redirect." */
const CALL_NOT_IN_PROGRESS = 21220;

/** The call progress events we subscribe to; answered and completed drive the workflow. */
const STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

export class TwilioClient implements TelephonyClient {
  private readonly config = loadConfig();

  private get callsUrl(): string {
    const base = this.config.TWILIO_API_URL.replace(/\/$/, '');
    return `${base}/2010-04-01/Accounts/${encodeURIComponent(this.config.TWILIO_ACCOUNT_SID)}/Calls`;
  }

  private send(url: string, init: RequestInit): Promise<Response> {
    return providerRequest('Twilio', url, basicAuth(this.config.TWILIO_ACCOUNT_SID, this.config.TWILIO_AUTH_TOKEN), init);
  }

  async placeCall(request: PlaceCallRequest): Promise<{ callSid: string }> {
    const { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER } = this.config;
    if (!TWILIO_ACCOUNT_SID || !TWILIO_AUTH_TOKEN || !TWILIO_FROM_NUMBER) {
      throw ApplicationFailure.nonRetryable('Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)', 'ProviderConfig');
    }
    const form = new URLSearchParams({
      To: request.to,
      From: TWILIO_FROM_NUMBER,
      // Twilio fetches TwiML here on answer; callId lets the webhook find the call before any
      // CallSid mapping exists, and mode=ivr asks for a <Gather> instead of a media stream.
      // Twilio signs this URL with its query, so neither can be forged.
      Url: twilioWebhookUrl('voice', request.mode === 'ivr' ? { callId: request.callId, mode: 'ivr' } : { callId: request.callId }),
      Method: 'POST',
      // The same hint on status callbacks, in case the CallSid → call mapping was not cached.
      StatusCallback: twilioWebhookUrl('status', { callId: request.callId }),
      StatusCallbackMethod: 'POST',
      Timeout: String(request.ringTimeoutSeconds),
      TimeLimit: String(request.timeLimitSeconds),
    });
    // A list parameter is sent by repeating its name.
    for (const event of STATUS_EVENTS) form.append('StatusCallbackEvent', event);

    const response = await this.send(`${this.callsUrl}.json`, { method: 'POST', body: form });
    const body = (await response.json().catch(() => ({}))) as { sid?: string } & TwilioError;
    if (!response.ok) throw failure(response.status, body);
    if (!body.sid) throw ApplicationFailure.retryable('Twilio create-call response has no sid', 'ProviderProtocol');
    return { callSid: body.sid };
  }

  /** Replaces what the live call is doing (its media stream ends) with a <Dial> of the agent. */
  async transferToAgent(request: AgentTransferRequest): Promise<void> {
    const twiml = agentDialTwiml({ agent: request.agent, ringSeconds: request.ringSeconds, ...agentLegUrls(request.callId) }, request.lead);
    const response = await this.send(`${this.callsUrl}/${encodeURIComponent(request.callSid)}.json`, { method: 'POST', body: new URLSearchParams({ Twiml: twiml }) });
    const body = (await response.json().catch(() => ({}))) as TwilioError;
    if (!response.ok) throw failure(response.status, body);
  }

  async getCallStatus(callSid: string): Promise<ProviderCallStatus> {
    const response = await this.send(`${this.callsUrl}/${encodeURIComponent(callSid)}.json`, { method: 'GET' });
    const body = (await response.json().catch(() => ({}))) as { status?: string } & TwilioError;
    if (!response.ok) throw failure(response.status, body);
    return toCallStatus(body.status);
  }

  /** Replaces what the live call is doing with a new <Connect><Stream> (and the hold after it). */
  reattachStream(callSid: string, callId: string): Promise<LiveCallChange> {
    return this.updateCall(callSid, { Twiml: connectStreamTwiml(twilioStreamUrl(), callId, this.config.TWILIO_STREAM_HOLD_SECONDS) });
  }

  hangUp(callSid: string): Promise<LiveCallChange> {
    return this.updateCall(callSid, { Status: 'completed' });
  }

  /** POST to the call resource; a call that has already ended (404, 21220) is an answer, not a failure. */
  private async updateCall(callSid: string, fields: Record<string, string>): Promise<LiveCallChange> {
    const response = await this.send(`${this.callsUrl}/${encodeURIComponent(callSid)}.json`, { method: 'POST', body: new URLSearchParams(fields) });
    const body = (await response.json().catch(() => ({}))) as TwilioError;
    if (response.ok) return 'done';
    if (response.status === 404 || body.code === CALL_NOT_IN_PROGRESS) return 'call_over';
    throw failure(response.status, body);
  }
}

const failure = (status: number, body: TwilioError) =>
  providerFailure(status, `Twilio answered ${status}${body.code ? ` (error ${body.code})` : ''}: ${body.message ?? 'no message'}`);

function toCallStatus(status: string | undefined): ProviderCallStatus {
  switch (status) {
    case 'queued': case 'ringing': case 'in-progress': case 'completed': case 'busy': case 'failed': case 'no-answer':
      return status;
    case 'canceled': // hung up by us before it was answered: it never reached the callee
      return 'failed';
    default:
      // Not a terminal answer we can trust: let the caller retry instead of ending a live call.
      throw ApplicationFailure.retryable(`Twilio call has unknown status ${JSON.stringify(status)}`, 'ProviderProtocol');
  }
}
