// A stand-in for Twilio that speaks its documented protocol: the 2010-04-01 Calls REST API
// (Basic auth with AccountSid:AuthToken, form bodies, JSON errors { code, message, more_info,
// status }), and signed callbacks: the voice URL (answered call fetches TwiML), the StatusCallback
// and a <Gather>'s action, all form POSTs carrying X-Twilio-Signature. For IVR calls it runs the
// TwiML it gets back as Twilio does: plays <Play>/<Say>, waits in <Gather> until the test
// presses keys, posts them (Digits) to the action URL and runs the answer, and ends the call on
// <Hangup/> or when the document runs out of verbs. It also rings our numbers: an incoming call
// posts the number's voice URL (Direction=inbound, CallStatus=ringing, From, To) and follows the
// TwiML we answer: a <Connect><Stream> to open, a <Gather> to press keys into, or <Say> + <Hangup/>.
// A live call can be updated with new TwiML; a <Dial> (warm transfer) then rings the agent, fetches
// the whisper from its <Number url>, reports the agent leg and posts the <Dial action>; a <Dial> in
// the TwiML that answers a <Gather> (a keypad caller handed to a person) does the same.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { twilioSignature } from '../../providers/twilio/signature';
import { closeServer, listenOnLoopback } from './loopback';
import { readTwiml, type TwimlSpeech, type TwimlVerb } from './twiml-reader';

export interface CreateCallRequest {
  callSid: string;
  authorization: string;
  /** The form as sent; repeated names (StatusCallbackEvent) are kept: use getAll. */
  form: URLSearchParams;
}

/** A POST to a live call's resource (Calls/{CallSid}.json): new TwiML or Status=completed. */
export interface CallUpdate {
  callSid: string;
  form: URLSearchParams;
  /** The new TwiML's <Connect><Stream>, which the test opens as Twilio would. */
  stream?: { url: string; parameters: Record<string, string> };
  /** The new TwiML's verbs. */
  verbs: TwimlVerb[];
}

export interface TwilioFailure {
  status: number;
  code: number;
  message: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

type GatherVerb = Extract<TwimlVerb, { verb: 'Gather' }>;
type DialVerb = Extract<TwimlVerb, { verb: 'Dial' }>;

/** Where an IVR call stands after Twilio ran a TwiML document. */
export interface IvrTurn {
  /** Our HTTP status for the request that produced this document. */
  status: number;
  twiml: string;
  verbs: TwimlVerb[];
  /** What the callee heard, in order (nested in a Gather or not). */
  heard: TwimlSpeech[];
  /** The <Gather> now waiting for keys; undefined once the call has ended. */
  gather?: GatherVerb;
  hungUp: boolean;
  /** Our answer to the "completed" StatusCallback sent when the call ended. */
  completed?: { status: number; body: any };
  /** <Connect><Stream>: where Twilio would open the media stream, and its parameters. */
  stream?: { url: string; parameters: Record<string, string> };
  /** <Dial>: the call now rings the agent (agentAnswers, dialEnds go on from here). */
  dial?: DialVerb;
}

/** One call leg as Twilio describes it on every request: a call we were asked to place, or one that rang in. */
interface Leg {
  from: string;
  to: string;
  direction: 'outbound-api' | 'inbound';
  voiceUrl: string;
  statusCallback?: string;
}

interface IvrState {
  verbs: TwimlVerb[];
  /** Index of the <Gather> waiting for input. */
  at: number;
  lastAction?: { url: string; fields: Record<string, string> };
  ended: boolean;
}

/**
 * The keys a <Gather> takes from what the caller pressed, as Twilio documents it: input stops at
 * numDigits or at finishOnKey (default '#', left out of Digits and only honoured after a digit);
 * when the keys run out, the timeout submits what was collected, possibly nothing.
 */
export function gatheredDigits(keys: string, attrs: Record<string, string>): { digits: string; finishedOnKey: string } {
  const numDigits = attrs.numDigits ? Number(attrs.numDigits) : Number.POSITIVE_INFINITY;
  const finishOnKey = attrs.finishOnKey ?? '#';
  let digits = '';
  for (const key of keys) {
    if (finishOnKey && finishOnKey.includes(key)) {
      if (digits) return { digits, finishedOnKey: key };
      continue;
    }
    digits += key;
    if (digits.length >= numDigits) break;
  }
  return { digits, finishedOnKey: '' };
}

export class FakeTwilio {
  readonly creates: CreateCallRequest[] = [];
  /** Live-call updates (a re-pointed stream, a transfer's <Dial>, a hang-up), in order. */
  readonly updates: CallUpdate[] = [];
  readonly statusOfCall = new Map<string, string>();
  /** Answers the next create requests with this error (e.g. 429 / 20429) instead of dialling. */
  readonly failNext: TwilioFailure[] = [];
  /**
   * Where a callback to a public URL actually lands. Twilio signs the public URL; a test
   * gateway listens on a loopback port, as it would behind a proxy or tunnel.
   */
  route: (publicUrl: string) => string = (url) => url;
  private readonly ivr = new Map<string, IvrState>();
  /** The <Dial> each call is in, from an update of the live call or a TwiML answer. */
  private readonly dialling = new Map<string, DialVerb>();
  /** Calls that rang one of our numbers, by CallSid. */
  private readonly incoming = new Map<string, Leg>();
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

    // Updating a live call: new TwiML replaces what it does (an open stream gets `stop`), or
    // Status=completed hangs it up. A call that has ended cannot be redirected (21220).
    app.post('/2010-04-01/Accounts/:account/Calls/:file', (req, res) => {
      if (!authenticated(req, res)) return;
      const callSid = req.params.file.replace(/\.json$/, '');
      const status = this.statusOfCall.get(callSid);
      if (!status) return fail(res, { status: 404, code: 20404, message: `The requested resource ${req.path} was not found` });
      const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
      const twiml = form.get('Twiml');
      const newStatus = form.get('Status');
      if (!twiml && !form.get('Url') && !newStatus) return fail(res, { status: 400, code: 21205, message: 'Url parameter is required' });
      if (status !== 'in-progress') return fail(res, { status: 400, code: 21220, message: 'Call is not in-progress. Cannot redirect.' });
      let verbs: TwimlVerb[] = [];
      try {
        verbs = twiml ? readTwiml(twiml) : [];
      } catch (err) {
        return fail(res, { status: 400, code: 12100, message: `Document parse failure: ${(err as Error).message}` });
      }
      const connect = verbs.find((v) => v.verb === 'Connect');
      const dial = verbs.find((v): v is DialVerb => v.verb === 'Dial');
      if (dial) this.dialling.set(callSid, dial);
      else this.dialling.delete(callSid);
      this.updates.push({ callSid, form, verbs, stream: connect && { url: connect.streamUrl, parameters: connect.parameters } });
      res.json({ sid: callSid, account_sid: this.accountSid, status: newStatus ?? status });
      if (newStatus === 'completed') void this.sendStatus(callSid, 'completed').catch(() => {});
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
    const leg = this.leg(callSid);
    this.statusOfCall.set(callSid, callStatus);
    if (!leg.statusCallback) return { status: 0, body: null }; // nobody asked for progress of this call
    const fields: Record<string, string> = {
      ...this.callFields(callSid, callStatus),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.sequence++),
      Timestamp: new Date().toUTCString(),
      ...(callStatus === 'completed' ? { CallDuration: '42' } : {}),
      ...extra,
    };
    const response = await this.signedPost(leg.statusCallback, fields);
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /** The callee answered: Twilio POSTs to the call's Url and runs the TwiML it gets back. */
  async fetchTwiml(callSid: string): Promise<string> {
    this.statusOfCall.set(callSid, 'in-progress');
    const response = await this.signedPost(this.leg(callSid).voiceUrl, this.callFields(callSid, 'in-progress'));
    const text = await response.text();
    if (!response.ok) throw new Error(`voice webhook answered ${response.status}: ${text}`);
    return text;
  }

  /** Waits for an update of a live call (e.g. the workflow re-pointing it at a new stream). */
  async waitForUpdate(callSid: string, match: (update: CallUpdate) => boolean = () => true, timeoutMs = 30_000): Promise<CallUpdate> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.updates.find((u) => u.callSid === callSid && match(u));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no update of ${callSid} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The latest call placed for one of our calls (its voice Url carries our call id). */
  async waitForCall(callId: string, timeoutMs = 20_000): Promise<CreateCallRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.creates.filter((c) => new URL(c.form.get('Url') ?? 'http://x/').searchParams.get('callId') === callId).at(-1);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no Twilio call for ${callId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** An IVR call is answered: the answered status callback, then Twilio fetches and runs the voice TwiML. */
  async answerIvr(callSid: string): Promise<IvrTurn> {
    const answered = await this.sendStatus(callSid, 'in-progress');
    if (answered.status !== 200) throw new Error(`answered callback got ${answered.status}: ${JSON.stringify(answered.body)}`);
    const fields = this.callFields(callSid, 'in-progress');
    return this.run(callSid, await this.signedPost(this.leg(callSid).voiceUrl, fields));
  }

  /**
   * Someone dials one of our numbers (`to`). Returns the new CallSid; `ring` then makes the
   * first request. `statusCallback` is the number's status callback URL, if it has one.
   */
  incomingCall(call: { from: string; to: string; voiceUrl: string; statusCallback?: string }): string {
    const callSid = 'CA' + randomBytes(16).toString('hex');
    this.incoming.set(callSid, { ...call, direction: 'inbound' });
    this.statusOfCall.set(callSid, 'ringing');
    return callSid;
  }

  /**
   * Twilio asks the number's voice URL what to do with the ringing call (signed POST, the same
   * fields each time: a retried request is byte for byte the first) and runs the TwiML it gets.
   */
  async ring(callSid: string): Promise<IvrTurn> {
    const response = await this.signedPost(this.leg(callSid).voiceUrl, this.callFields(callSid, 'ringing'));
    if (response.ok) this.statusOfCall.set(callSid, 'in-progress');
    return this.run(callSid, response);
  }

  /**
   * The caller presses keys (e.g. '1', '25#') while the <Gather> waits; '' lets it time out.
   * Twilio posts the collected Digits to the action URL and runs the TwiML we answer.
   */
  async press(callSid: string, keys: string): Promise<IvrTurn> {
    const state = this.ivr.get(callSid);
    const gather = state && !state.ended ? (state.verbs[state.at] as GatherVerb | undefined) : undefined;
    if (!state || gather?.verb !== 'Gather') throw new Error(`call ${callSid} is not waiting in a <Gather>`);
    const { digits, finishedOnKey } = gatheredDigits(keys, gather.attrs);
    if (!digits && gather.attrs.actionOnEmptyResult !== 'true') {
      // No input and no action on empty result: Twilio goes on with the verbs after the <Gather>.
      return this.continueFrom(callSid, state, state.at + 1, 200, '');
    }
    const action = gather.attrs.action;
    if (!action || (gather.attrs.method ?? 'POST') !== 'POST') throw new Error('the fake posts only to an absolute action URL with method POST');
    const fields = { ...this.callFields(callSid, 'in-progress'), Digits: digits, FinishedOnKey: finishedOnKey };
    state.lastAction = { url: action, fields };
    return this.run(callSid, await this.signedPost(action, fields));
  }

  /** Sends the last Gather action again, byte for byte, as a retried webhook would arrive. */
  async resendLastAction(callSid: string): Promise<IvrTurn> {
    const last = this.ivr.get(callSid)?.lastAction;
    if (!last) throw new Error(`call ${callSid} has posted no Gather action`);
    return this.run(callSid, await this.signedPost(last.url, last.fields));
  }

  /** The <Dial> the call is in (a warm transfer: from an update of the live call, or the answer to a <Gather>). */
  dialOf(callSid: string): DialVerb {
    const dial = this.dialling.get(callSid);
    if (!dial) throw new Error(`call ${callSid} was not moved to a <Dial>`);
    return dial;
  }

  /**
   * The agent picks up: Twilio fetches the <Number url> (signed, with the agent leg's CallSid and
   * ParentCallSid) and plays its TwiML to the agent only, then reports the leg answered.
   */
  async agentAnswers(callSid: string): Promise<TwimlVerb[]> {
    const { target } = this.dialOf(callSid);
    const fields = this.agentLegFields(callSid, target.value, 'in-progress');
    const response = await this.signedPost(target.attrs.url, fields);
    const text = await response.text();
    if (!response.ok) throw new Error(`whisper url answered ${response.status}: ${text}`);
    if ((target.attrs.statusCallbackEvent ?? '').includes('answered')) {
      const status = await this.signedPost(target.attrs.statusCallback, { ...fields, CallbackSource: 'call-progress-events', SequenceNumber: String(this.sequence++) });
      if (!status.ok) throw new Error(`agent status callback answered ${status.status}`);
    }
    return readTwiml(text);
  }

  /**
   * The <Dial> ends: the agent leg's completed callback (when it was answered), then the action
   * URL with DialCallStatus, whose TwiML the caller's call runs next.
   */
  async dialEnds(callSid: string, dialCallStatus: 'completed' | 'no-answer' | 'busy' | 'failed', { callerHungUp = false } = {}): Promise<IvrTurn> {
    const dial = this.dialOf(callSid);
    const fields = this.agentLegFields(callSid, dial.target.value, dialCallStatus);
    if (dialCallStatus === 'completed' && (dial.target.attrs.statusCallbackEvent ?? '').includes('completed')) {
      await this.signedPost(dial.target.attrs.statusCallback, { ...fields, CallbackSource: 'call-progress-events', SequenceNumber: String(this.sequence++) });
    }
    // `callerHungUp`: the caller left while the agent rang; the action request carries the parent
    // call's CallStatus (completed), its TwiML plays to nobody, and the call's completed callback follows.
    const action = { ...this.callFields(callSid, callerHungUp ? 'completed' : 'in-progress'), DialCallSid: fields.CallSid, DialCallStatus: dialCallStatus, ...(dialCallStatus === 'completed' ? { DialCallDuration: '30' } : {}) };
    const response = await this.signedPost(dial.attrs.action, action);
    if (!callerHungUp) return this.run(callSid, response);
    const twiml = await response.text();
    return { status: response.status, twiml, verbs: response.ok ? readTwiml(twiml) : [], heard: [], hungUp: true, completed: await this.sendStatus(callSid, 'completed') };
  }

  private agentLegFields(callSid: string, agent: string, callStatus: string): Record<string, string> {
    const { from } = this.leg(callSid);
    return { AccountSid: this.accountSid, ApiVersion: '2010-04-01', CallSid: `CA${createHash('sha1').update(`agent:${callSid}`).digest('hex').slice(0, 32)}`, ParentCallSid: callSid, CallStatus: callStatus, Direction: 'outbound-dial', From: from, To: agent };
  }

  /** Runs a TwiML answer: speech plays, a <Gather> waits, <Hangup/> or the end of the document ends the call. */
  private async run(callSid: string, response: Response): Promise<IvrTurn> {
    const twiml = await response.text();
    if (!response.ok) {
      // Twilio would say "an application error has occurred"; the test decides what comes next.
      return { status: response.status, twiml, verbs: [], heard: [], gather: this.waitingGather(callSid), hungUp: false };
    }
    if (!/^text\/xml|^application\/xml/.test(response.headers.get('content-type') ?? '')) throw new Error(`TwiML answered as ${response.headers.get('content-type')}`);
    const state: IvrState = { verbs: readTwiml(twiml), at: 0, lastAction: this.ivr.get(callSid)?.lastAction, ended: false };
    const connect = state.verbs.find((v) => v.verb === 'Connect');
    // <Connect><Stream> holds the call on the media stream; the test opens it (stream-caller.ts).
    if (connect) return { status: response.status, twiml, verbs: state.verbs, heard: [], hungUp: false, stream: { url: connect.streamUrl, parameters: connect.parameters } };
    this.ivr.set(callSid, state);
    return this.continueFrom(callSid, state, 0, response.status, twiml);
  }

  private async continueFrom(callSid: string, state: IvrState, from: number, status: number, twiml: string): Promise<IvrTurn> {
    const heard: TwimlSpeech[] = [];
    for (let i = from; i < state.verbs.length; i++) {
      const verb = state.verbs[i];
      if (verb.verb === 'Play' || verb.verb === 'Say') heard.push(verb);
      else if (verb.verb === 'Gather') {
        if (verb.attrs.input && verb.attrs.input !== 'dtmf') throw new Error(`Gather input ${verb.attrs.input} is not keypad`);
        heard.push(...verb.nested);
        state.at = i;
        return { status, twiml, verbs: state.verbs, heard, gather: verb, hungUp: false };
      } else if (verb.verb === 'Dial') {
        // The caller waits in the <Dial>; its action URL (dialEnds) says what the call does next.
        this.dialling.set(callSid, verb);
        state.ended = true;
        return { status, twiml, verbs: state.verbs, heard, hungUp: false, dial: verb };
      } else if (verb.verb === 'Hangup') break;
      else throw new Error(`the fake does not run <${verb.verb}> in an IVR call`);
    }
    const hungUp = state.verbs.some((v, i) => i >= from && v.verb === 'Hangup');
    state.ended = true;
    const completed = await this.sendStatus(callSid, 'completed');
    return { status, twiml, verbs: state.verbs, heard, hungUp, completed };
  }

  private waitingGather(callSid: string): GatherVerb | undefined {
    const state = this.ivr.get(callSid);
    const verb = state && !state.ended ? state.verbs[state.at] : undefined;
    return verb?.verb === 'Gather' ? verb : undefined;
  }

  private leg(callSid: string): Leg {
    const incoming = this.incoming.get(callSid);
    if (incoming) return incoming;
    const { form } = this.call(callSid);
    return { from: form.get('From')!, to: form.get('To')!, direction: 'outbound-api', voiceUrl: form.get('Url')!, statusCallback: form.get('StatusCallback') ?? undefined };
  }

  /** The parameters Twilio sends on every voice request: the caller (From) and the called number (To). */
  private callFields(callSid: string, callStatus: string): Record<string, string> {
    const { from, to, direction } = this.leg(callSid);
    return {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      CallStatus: callStatus,
      Called: to,
      Caller: from,
      Direction: direction,
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
