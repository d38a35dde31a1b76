// A stand-in for Exotel that speaks its documented protocol: the v1 Calls REST API with Basic
// auth and form bodies, StatusCallback POSTs (form), and the App Builder flow's HTTP calls:
// the Greeting applet's dynamic URL (GET) and the Passthru applet after a Gather (GET, digits
// wrapped in double quotes). Tests drive the callee by hand; `autoAnswer` scripts whole calls.
// A call can also ring in on an ExoPhone whose flow is that IVR (`incomingCall`): its Greeting
// and Passthru requests then name the caller and the ExoPhone and carry no CustomField.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { closeServer, listenOnLoopback } from './loopback';

export interface ConnectRequest {
  callSid: string;
  accountSid: string;
  authorization: string;
  form: Record<string, string>;
}

export interface FlowUrls {
  /** The Greeting applet's "read text from URL". */
  promptUrl: string;
  /** The Passthru applet's URL. */
  passthruUrl: string;
}

/** Our answer to a Passthru request, and the prompt the flow's Greeting then fetched. */
export interface PassthruAnswer {
  status: number;
  prompt?: string;
  body: any;
  retryAfter?: string;
}

/** What the simulated callee does when the phone rings; 'manual' leaves it to the test. */
export type CalleeScript = 'manual' | { ring: 'no-answer' | 'busy' } | { ring: 'answer'; keys: string[]; keyDelayMs?: number };

export class FakeExotel {
  readonly connects: ConnectRequest[] = [];
  readonly statusOfCall = new Map<string, string>();
  /** Answers the next connect requests with this HTTP status (e.g. 429) instead of dialling. */
  readonly failNext: { status: number; message: string }[] = [];
  script: (form: Record<string, string>) => CalleeScript = () => 'manual';
  /** Calls that rang in on an ExoPhone's IVR flow: the caller and the ExoPhone, as Exotel writes them. */
  private readonly incoming = new Map<string, { from: string; to: string }>();
  onScriptError: (err: unknown) => void = () => {};
  private server?: http.Server;
  url = '';

  constructor(
    readonly accountSid: string,
    private readonly apiKey: string,
    private readonly apiToken: string,
    public flow: FlowUrls,
  ) {}

  async start(): Promise<string> {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    const expectedAuth = 'Basic ' + Buffer.from(`${this.apiKey}:${this.apiToken}`).toString('base64');
    const restError = (res: express.Response, status: number, message: string) =>
      res.status(status).json({ RestException: { Status: status, Message: message } });

    app.post('/v1/Accounts/:sid/Calls/connect.json', (req, res) => {
      if (req.get('authorization') !== expectedAuth || req.params.sid !== this.accountSid) return restError(res, 401, 'Authentication failed');
      const form = req.body as Record<string, string>;
      if (!form.From || !form.CallerId || !(form.Url || form.To)) return restError(res, 400, 'From, CallerId and Url or To are required');
      const failure = this.failNext.shift();
      if (failure) return restError(res, failure.status, failure.message);
      const callSid = randomBytes(16).toString('hex');
      this.connects.push({ callSid, accountSid: req.params.sid, authorization: req.get('authorization')!, form });
      this.statusOfCall.set(callSid, 'in-progress');
      res.json({ Call: { Sid: callSid, AccountSid: this.accountSid, From: form.From, To: form.CallerId, Status: 'in-progress', Direction: 'outbound-api', DateCreated: exotelTime() } });
      const script = this.script(form);
      if (script !== 'manual') setTimeout(() => this.play(callSid, script).catch(this.onScriptError), 20);
    });

    app.get('/v1/Accounts/:sid/Calls/:file', (req, res) => {
      if (req.get('authorization') !== expectedAuth) return restError(res, 401, 'Authentication failed');
      const callSid = req.params.file.replace(/\.json$/, '');
      const status = this.statusOfCall.get(callSid);
      if (!status) return restError(res, 404, 'Call not found');
      res.json({ Call: { Sid: callSid, Status: status } });
    });

    this.server = http.createServer(app);
    this.url = await listenOnLoopback(this.server);
    return this.url;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  connectFor(phone: string): ConnectRequest[] {
    return this.connects.filter((c) => c.form.From === phone);
  }

  async waitForConnect(phone: string, count = 1, timeoutMs = 20_000): Promise<ConnectRequest> {
    const deadline = Date.now() + timeoutMs;
    while (this.connectFor(phone).length < count) {
      if (Date.now() > deadline) throw new Error(`no connect #${count} for ${phone} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.connectFor(phone)[count - 1];
  }

  /** The latest dial placed for one of our calls (CustomField carries our call id). */
  async waitForCall(callId: string, timeoutMs = 20_000): Promise<ConnectRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.connects.filter((c) => c.form.CustomField === callId).at(-1);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no dial for ${callId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private call(callSid: string): ConnectRequest {
    const call = this.connects.find((c) => c.callSid === callSid);
    if (!call) throw new Error(`unknown call ${callSid}`);
    return call;
  }

  /** POSTs a StatusCallback the way Exotel does (form-encoded). */
  async sendStatus(callSid: string, fields: { EventType?: 'answered' | 'terminal'; Status?: string }): Promise<{ status: number; body: any }> {
    const call = this.call(callSid);
    if (fields.Status) this.statusOfCall.set(callSid, fields.Status);
    const form = new URLSearchParams({
      CallSid: callSid,
      DateUpdated: exotelTime(),
      Status: fields.Status ?? 'in-progress',
      RecordingUrl: '',
      ...(fields.EventType ? { EventType: fields.EventType } : {}),
      From: call.form.From,
      To: call.form.CallerId,
      Direction: 'outbound-api',
      CustomField: call.form.CustomField ?? '',
    });
    const response = await fetch(call.form.StatusCallback, { method: 'POST', body: form });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /** The callee picks up: the answered callback, then the flow's Greeting fetches the prompt. */
  async answer(callSid: string): Promise<string> {
    await this.sendStatus(callSid, { EventType: 'answered' });
    return this.fetchPrompt(callSid);
  }

  /** Someone rings the ExoPhone `to` (e.g. "08047112233"); its flow's first Greeting is `fetchPrompt`. */
  incomingCall(from: string, to: string): string {
    const callSid = randomBytes(16).toString('hex');
    this.incoming.set(callSid, { from, to });
    this.statusOfCall.set(callSid, 'in-progress');
    return callSid;
  }

  async fetchPrompt(callSid: string): Promise<string> {
    const response = await this.requestPrompt(callSid);
    if (!response.ok) throw new Error(`prompt fetch answered ${response.status}: ${await response.text()}`);
    return response.text();
  }

  /** The Greeting applet's GET, whatever we answer. */
  requestPrompt(callSid: string): Promise<Response> {
    const incoming = this.incoming.get(callSid);
    // A call that rang in: From is the caller, To the ExoPhone; CustomField is for calls we placed only.
    const fields = incoming
      ? { CallSid: callSid, From: incoming.from, To: incoming.to, DialWhomNumber: '' }
      : this.placedPromptFields(callSid);
    return fetch(`${this.flow.promptUrl}?${new URLSearchParams(fields)}`);
  }

  private placedPromptFields(callSid: string): Record<string, string> {
    const call = this.call(callSid);
    return { CallSid: callSid, From: call.form.CallerId, To: call.form.From, DialWhomNumber: '', CustomField: call.form.CustomField ?? '' };
  }

  /** Gather collected keys; the Passthru applet reports them and the flow branches on our status. */
  press(callSid: string, digits: string): Promise<PassthruAnswer> {
    return this.sendPassthru(callSid, this.passthruUrl(callSid, digits));
  }

  /**
   * The Passthru request for one key press. Each press is a new request (its CurrentTime
   * differs: a real flow plays a prompt between two Gathers); Exotel retrying it sends this
   * very URL again, byte for byte, which is what `sendPassthru(callSid, url)` does.
   */
  passthruUrl(callSid: string, digits: string): string {
    const incoming = this.incoming.get(callSid);
    const call = incoming ? undefined : this.call(callSid);
    const parties: Record<string, string> = incoming
      ? { From: incoming.from, To: incoming.to, CallFrom: incoming.from, CallTo: incoming.to, Direction: 'incoming' }
      : { CallFrom: call!.form.From, CallTo: call!.form.CallerId, Direction: 'outbound-api' };
    const customField: Record<string, string> = call ? { CustomField: call.form.CustomField ?? '' } : {};
    const query = new URLSearchParams({
      CallSid: callSid, ...parties,
      DialCallDuration: '0', StartTime: exotelTime(), CurrentTime: `${exotelTime()}.${process.hrtime.bigint()}`,
      EndTime: '1970-01-01 05:30:00', CallType: 'call-attempt', digits: `"${digits}"`, RecordingUrl: '',
      ...customField,
    });
    return `${this.flow.passthruUrl}?${query}`;
  }

  async sendPassthru(callSid: string, url: string): Promise<PassthruAnswer> {
    const response = await fetch(url, { redirect: 'manual' });
    const body = await response.json().catch(() => null);
    const prompt = response.status === 200 || response.status === 302 ? await this.fetchPrompt(callSid) : undefined;
    return { status: response.status, prompt, body, retryAfter: response.headers.get('retry-after') ?? undefined };
  }

  async hangUp(callSid: string, status: 'completed' | 'no-answer' | 'busy' | 'failed' = 'completed') {
    return this.sendStatus(callSid, { EventType: 'terminal', Status: status });
  }

  private async play(callSid: string, script: Exclude<CalleeScript, 'manual'>): Promise<void> {
    if (script.ring !== 'answer') {
      await this.hangUp(callSid, script.ring);
      return;
    }
    await this.answer(callSid);
    for (const key of script.keys) {
      if (script.keyDelayMs) await new Promise((r) => setTimeout(r, script.keyDelayMs));
      const { status } = await this.press(callSid, key);
      if (status !== 200) break;
    }
    await this.hangUp(callSid, 'completed');
  }
}

function exotelTime(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}
