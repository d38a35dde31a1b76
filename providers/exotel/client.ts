// Exotel's Calls API (v1): connect a number to our IVR flow, and read a call's status back.
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../lib/config';
import { basicAuth, providerFailure, providerRequest } from '../http';
import type { PlaceCallRequest, ProviderCallStatus, TelephonyClient } from '../types';
import { exotelWebhookUrl } from './urls';

/** Exotel's error body: {"RestException": {"Status": 400, "Message": "..."}}. */
type ExotelError = { RestException?: { Message?: string } };

const failure = (status: number, body: ExotelError) => providerFailure(status, `Exotel answered ${status}: ${body.RestException?.Message ?? 'no message'}`);

export class ExotelClient implements TelephonyClient {
  private readonly config = loadConfig();

  private get accountUrl(): string {
    return `${this.config.EXOTEL_API_URL.replace(/\/$/, '')}/v1/Accounts/${encodeURIComponent(this.config.EXOTEL_SID)}`;
  }

  private send(url: string, init: RequestInit): Promise<Response> {
    return providerRequest('Exotel', url, basicAuth(this.config.EXOTEL_API_KEY, this.config.EXOTEL_API_TOKEN), init);
  }

  async placeCall(request: PlaceCallRequest): Promise<{ callSid: string }> {
    const { EXOTEL_SID, EXOTEL_CALLER_ID } = this.config;
    // The IVR flow (Greeting/Gather/Passthru) or the flow with the Voicebot applet.
    const appId = request.mode === 'voicebot' ? this.config.EXOTEL_VOICEBOT_APP_ID : this.config.EXOTEL_APP_ID;
    if (!EXOTEL_SID || !EXOTEL_CALLER_ID || !appId) {
      const app = request.mode === 'voicebot' ? 'EXOTEL_VOICEBOT_APP_ID' : 'EXOTEL_APP_ID';
      throw ApplicationFailure.nonRetryable(`Exotel is not configured (EXOTEL_SID, EXOTEL_CALLER_ID, ${app})`, 'ProviderConfig');
    }
    const form = new URLSearchParams({
      From: request.to, // in connect-to-flow mode, From is the number Exotel dials
      CallerId: EXOTEL_CALLER_ID,
      Url: `http://my.exotel.com/${EXOTEL_SID}/exoml/start_voice/${appId}`,
      CallType: 'trans',
      TimeLimit: String(request.timeLimitSeconds),
      TimeOut: String(request.ringTimeoutSeconds),
      CustomField: request.callId,
      StatusCallback: exotelWebhookUrl('status'),
    });
    form.append('StatusCallbackEvents[0]', 'answered');
    form.append('StatusCallbackEvents[1]', 'terminal');
    form.append('StatusCallbackContentType', 'application/x-www-form-urlencoded');

    const response = await this.send(`${this.accountUrl}/Calls/connect.json`, { method: 'POST', body: form });
    const body = (await response.json().catch(() => ({}))) as { Call?: { Sid?: string } } & ExotelError;
    if (!response.ok) throw failure(response.status, body);
    const callSid = body.Call?.Sid;
    if (!callSid) throw ApplicationFailure.retryable('Exotel connect response has no Call.Sid', 'ProviderProtocol');
    return { callSid };
  }

  async getCallStatus(callSid: string): Promise<ProviderCallStatus> {
    const response = await this.send(`${this.accountUrl}/Calls/${encodeURIComponent(callSid)}.json`, { method: 'GET' });
    const body = (await response.json().catch(() => ({}))) as { Call?: { Status?: string } } & ExotelError;
    if (!response.ok) throw failure(response.status, body);
    return toCallStatus(body.Call?.Status);
  }
}

function toCallStatus(status: string | undefined): ProviderCallStatus {
  switch (status) {
    case 'queued': case 'ringing': case 'in-progress': case 'completed': case 'failed': case 'busy': case 'no-answer':
      return status;
    default:
      return 'failed';
  }
}
