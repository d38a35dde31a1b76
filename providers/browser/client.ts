// Placing a call "through" the simulator: the callee is a browser tab open on /simulator for
// the dialled number. The ring goes out on the ring bus to whichever gateway holds such a tab;
// with no tab open the call is not answered, and that comes back as a carrier would say it (a
// no-answer status), so the workflow's usual redial policy applies.
import { ApplicationFailure } from '@temporalio/common';
import { cache } from '../../lib/cache';
import { browserPhoneKey } from '../../lib/keys';
import { normalisePhone } from '../../lib/phone';
import type { PlaceCallRequest, ProviderCallStatus, TelephonyClient } from '../types';
import { readCallRecord, saveCallRecord, statusOf } from './call-record';
import { ringBus } from './ring-bus';
import { newBrowserCallSid } from './stream';

export class BrowserClient implements TelephonyClient {
  async placeCall(request: PlaceCallRequest): Promise<{ callSid: string }> {
    const to = normalisePhone(request.to);
    if (!to) throw ApplicationFailure.nonRetryable('the simulator rings E.164 numbers only', 'ProviderRejected');
    // A keypad (ivr) call rings the same way: the tab has no IVR of its own, its keys travel on the stream as DTMF.
    const callSid = newBrowserCallSid();
    const tabOpen = (await cache().get(browserPhoneKey(to))) !== null;
    const ringingUntil = Date.now() + request.ringTimeoutSeconds * 1000;
    await saveCallRecord(cache(), callSid, { callId: request.callId, to, ringingUntil, status: tabOpen ? 'ringing' : 'no-answer' });
    await ringBus().publish(
      tabOpen
        ? { kind: 'ring', callSid, callId: request.callId, to, ringingUntil }
        : { kind: 'status', callSid, callId: request.callId, status: 'no-answer' },
    );
    return { callSid };
  }

  async getCallStatus(callSid: string): Promise<ProviderCallStatus> {
    return statusOf(await readCallRecord(cache(), callSid));
  }
}
