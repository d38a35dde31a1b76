// A stand-in for Twilio that speaks its documented protocol: the 2010-04-01 Calls REST API
// (Basic auth with AccountSid:AuthToken, form bodies, JSON errors { code, message, more_info,
// status }), and signed callbacks: the voice URL (answered call fetches TwiML) and the
// StatusCallback, both form POSTs carrying X-Twilio-Signature.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { twilioSignature } from '../../providers/twilio/signature';
import { closeServer, listenOnLoopback } from './loopback';

export interface CreateCallRequest {
  callSid: string;
  authorization: string;
  /** The form as sent; repeated names (StatusCallbackEvent) are kept: use getAll. */
  form: URLSearchParams;
}

export interface TwilioFailure {
  status: number;
  code: number;
  message: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export class FakeTwilio {
  readonly creates: CreateCallRequest[] = [];
  readonly statusOfCall = new Map<string, string>();
  /** Answers the next create requests with this error (e.g. 429 / 20429) instead of dialling. */
  readonly failNext: TwilioFailure[] = [];
  /**
   * Where a callback to a public URL actually lands. Twilio signs the public URL; a test
   * gateway listens on a loopback port, as it would behind a proxy or tunnel.
   */
  route: (publicUrl: string) => string = (url) => url;
  private server?: http.Server;
  private sequence = 0;
  url = '';

  constructor(
    readonly accountSid: string,
    private readonly authToken: string,
  ) {}

  async start(): Promise<string> {
    const app = express();
    app.use(express.text({ type: 'application/x-www-form-urlencoded' }));
    const expectedAuth = 'Basic ' + Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64');
    const fail = (res: express.Response, { status, code, message }: TwilioFailure) =>
      res.status(status).json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    const authenticated = (req: express.Request, res: express.Response) => {
      if (req.get('authorization') === expectedAuth && req.params.account === this.accountSid) return true;
      fail(res, { status: 401, code: 20003, message: 'Authenticate' });
      return false;
    };

    app.post('/2010-04-01/Accounts/:account/Calls.json', (req, res) => {
      if (!authenticated(req, res)) return;
      const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
      const to = form.get('To') ?? '';
      if (!to) return fail(res, { status: 400, code: 21201, message: "No 'To' number is specified" });
      if (!E164.test(to)) return fail(res, { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${to}` });
      if (!form.get('From')) return fail(res, { status: 400, code: 21213, message: "No 'From' number is specified" });
      if (!form.get('Url') && !form.get('Twiml')) return fail(res, { status: 400, code: 21205, message: 'Url parameter is required' });
      const failure = this.failNext.shift();
      if (failure) return fail(res, failure);

      const callSid = 'CA' + randomBytes(16).toString('hex');
      this.creates.push({ callSid, authorization: req.get('authorization')!, form });
      this.statusOfCall.set(callSid, 'queued');
      res.status(201).json({
        sid: callSid,
        account_sid: this.accountSid,
        to,
        from: form.get('From'),
        status: 'queued',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${this.accountSid}/Calls/${callSid}.json`,
      });
    });

    app.get('/2010-04-01/Accounts/:account/Calls/:file', (req, res) => {
      if (!authenticated(req, res)) return;
      const callSid = req.params.file.replace(/\.json$/, '');
      const status = this.statusOfCall.get(callSid);
      if (!status) return fail(res, { status: 404, code: 20404, message: `The requested resource ${req.path} was not found` });
      res.json({ sid: callSid, account_sid: this.accountSid, status });
    });

    this.server = http.createServer(app);
    this.url = await listenOnLoopback(this.server);
    return this.url;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  call(callSid: string): CreateCallRequest {
    const call = this.creates.find((c) => c.callSid === callSid);
    if (!call) throw new Error(`unknown call ${callSid}`);
    return call;
  }

  /** POSTs a status callback the way Twilio does: signed form to StatusCallback. */
  async sendStatus(callSid: string, callStatus: string, extra: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const call = this.call(callSid);
    this.statusOfCall.set(callSid, callStatus);
    const fields: Record<string, string> = {
      ...this.callFields(call, callStatus),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.sequence++),
      Timestamp: new Date().toUTCString(),
      ...(callStatus === 'completed' ? { CallDuration: '42' } : {}),
      ...extra,
    };
    const response = await this.signedPost(call.form.get('StatusCallback')!, fields);
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /** The callee answered: Twilio POSTs to the call's Url and runs the TwiML it gets back. */
  async fetchTwiml(callSid: string): Promise<string> {
    const call = this.call(callSid);
    this.statusOfCall.set(callSid, 'in-progress');
    const response = await this.signedPost(call.form.get('Url')!, this.callFields(call, 'in-progress'));
    const text = await response.text();
    if (!response.ok) throw new Error(`voice webhook answered ${response.status}: ${text}`);
    return text;
  }

  /** The parameters Twilio sends on every voice request for an outbound-api call. */
  private callFields(call: CreateCallRequest, callStatus: string): Record<string, string> {
    const from = call.form.get('From')!;
    const to = call.form.get('To')!;
    return {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.callSid,
      CallStatus: callStatus,
      Called: to,
      Caller: from,
      Direction: 'outbound-api',
      From: from,
      To: to,
    };
  }

  private signedPost(publicUrl: string, fields: Record<string, string>): Promise<Response> {
    return fetch(this.route(publicUrl), {
      method: 'POST',
      headers: { 'X-Twilio-Signature': twilioSignature(this.authToken, publicUrl, fields) },
      body: new URLSearchParams(fields),
    });
  }
}
