// MediaSession on a real loopback WebSocket with a stub CallControl (no Temporal): the prompt
// rules (newest wins, a goodbye always hangs up), frames during setup, stalled updates, and the
// liveness marks of a stream bridged to a model.
process.env.NERVE_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'silent';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { HttpError } from '../../lib/http-error';
import { browserStreamCodec } from '../../providers/browser/stream';
import { exotelStreamCodec } from '../../providers/exotel/stream';
import type { MediaStreamCodec } from '../../providers/media-stream';
import type { AgentControl, CallControl } from '../../providers/types';
import { StreamCaller } from '../../test/fakes/stream-caller';
import { speak } from '../../test/speech';
import type { NextPrompt } from '../../workflows/types';
import type { AgentBridge, AgentLine } from './agent-bridge';
import { MediaSession, type SessionDeps } from './session';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const never = <T>() => new Promise<T>(() => {});

/** `ms` of a quiet tone as 8 kHz PCM16 bytes: prompt audio for the stub. */
function toneBytes(ms: number): Buffer {
  const out = Buffer.alloc(ms * 16);
  for (let i = 0; i < out.length / 2; i++) out.writeInt16LE(Math.round(300 * Math.sin((2 * Math.PI * 300 * i) / 8000)), i * 2);
  return out;
}

interface Stub {
  control: CallControl;
  /** The provider's codec; Exotel's unless a test says otherwise. */
  codec?: MediaStreamCodec;
  deps: Partial<SessionDeps>;
  digits: string[];
  spoken: string[]; // prompt ids in the order the session started speaking them
}

function stub(overrides: Partial<CallControl> = {}, deps: Partial<SessionDeps> = {}): Stub {
  const s: Stub = { digits: [], spoken: [], deps, control: undefined as unknown as CallControl };
  s.control = {
    resolveCallId: async (_sid, hint) => hint ?? 'call-1',
    reportStatus: async () => 'accepted',
    currentPrompt: async () => undefined,
    submitDigits: async (_id, input) => {
      s.digits.push(input.digits);
      return never();
    },
    submitUtterance: () => never(),
    promptInterrupted: async () => {},
    watchPrompt: () => never(),
    startInbound: async () => ({ refused: 'Sorry, not this number.', reason: 'no_route' }),
    ...overrides,
  };
  return s;
}

let server: http.Server;
let wss: WebSocketServer;
let url = '';
let current: Stub;

before(async () => {
  server = http.createServer();
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    const s = current;
    new MediaSession(ws, s.codec ?? exotelStreamCodec, {
      control: s.control,
      transcribe: async () => ({ text: 'hello', confidence: 0.9, language: 'en' }),
      promptAudio: async () => toneBytes(3000),
      fillerAudio: async () => undefined,
      saveState: async (_id, state) => {
        if (state?.activity === 'speaking') s.spoken.push(String(state.prompt));
      },
      vad: { minSpeechMs: 250, endSilenceMs: 600 },
      fillerAfterMs: 60_000,
      startTimeoutMs: 5_000,
      ...s.deps,
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise((r) => server.close(r));
});

async function connect(s: Stub): Promise<StreamCaller> {
  current = s;
  return StreamCaller.open(url, 'exotel');
}

const prompt = (seq: number, fields: Partial<NextPrompt> = {}): NextPrompt => ({ id: `p${seq}`, text: `Prompt ${seq}.`, hangup: false, seq, ...fields });

describe('media session', () => {
  test('a far end with a screen (the simulator) gets the conversation as text: prompts and keys', async () => {
    let watches = 0;
    const s = stub({ watchPrompt: () => (watches++ === 0 ? Promise.resolve(prompt(1, { text: 'Press 7.' })) : never()) });
    s.codec = browserStreamCodec;
    current = s;
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(url);
    const frames: any[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((r) => ws.once('open', r));
    const callSid = 'BR' + 'c'.repeat(32);
    ws.send(JSON.stringify({ event: 'start', streamSid: 'MS1', start: { streamSid: 'MS1', callSid, customParameters: { callId: 'call-1' }, mediaFormat: { encoding: 'audio/l16', sampleRate: 16000 } } }));
    const until = async (what: string, probe: () => boolean) => {
      for (let i = 0; i < 100 && !probe(); i++) await sleep(30);
      assert.ok(probe(), what);
    };
    await until('the prompt to play', () => frames.some((f) => f.event === 'media'));
    const firstMedia = frames.findIndex((f) => f.event === 'media');
    assert.deepEqual(frames.find((f) => f.event === 'transcript'), { event: 'transcript', streamSid: 'MS1', transcript: { speaker: 'bot', text: 'Press 7.' } });
    assert.ok(frames.findIndex((f) => f.event === 'transcript') < firstMedia, 'the line shows as the prompt starts');
    assert.equal(Buffer.from(frames[firstMedia].media.payload, 'base64').length % 2, 0, 'whole 16-bit samples');
    ws.send(JSON.stringify({ event: 'dtmf', streamSid: 'MS1', dtmf: { digit: '7' } }));
    await until('the key to reach the call', () => s.digits.length > 0);
    assert.deepEqual(s.digits, ['7']);
    await until('the key on screen', () => frames.some((f) => f.event === 'transcript' && f.transcript.speaker === 'caller'));
    assert.deepEqual(frames.filter((f) => f.event === 'transcript').map((f) => f.transcript), [{ speaker: 'bot', text: 'Press 7.' }, { speaker: 'caller', text: '[keys] 7' }]);
    ws.close();
  });

  test('a goodbye the caller talks over still ends the stream', async () => {
    let watches = 0;
    const s = stub({ watchPrompt: () => (watches++ === 0 ? Promise.resolve(prompt(1, { id: 'goodbye', hangup: true })) : never()) });
    const caller = await connect(s);
    caller.start('CA-goodbye', { callId: 'call-1' });
    await caller.waitFor(() => caller.received.some((m) => m.event === 'media'), 5000, 'the goodbye to start');
    caller.speak(await speak('Wait, one more thing please, I have a question', 'en'));
    caller.silence(900);
    await caller.waitFor(() => caller.clears > 0, 5000, 'the barge-in to clear the goodbye');
    await caller.waitFor(() => caller.closed !== undefined, 3000, 'the stream to close after the interrupted goodbye');
    assert.equal(caller.closed!.code, 1000);
  });

  test("a prompted call's goodbye is marked closed-by-us before the socket closes (Exotel's flow then ends the call, not resumes it)", async () => {
    const marks: string[] = [];
    let watches = 0;
    const s = stub(
      { watchPrompt: () => (watches++ === 0 ? Promise.resolve(prompt(1, { id: 'goodbye', hangup: true })) : never()) },
      { promptAudio: async () => toneBytes(200), markStream: async (_id, state) => void marks.push(state) },
    );
    const caller = await connect(s);
    caller.start('CA-goodbye-mark', { callId: 'call-1' });
    let marksAtClose: string[] | undefined;
    await caller.waitFor(() => (caller.closed !== undefined && (marksAtClose ??= [...marks]), caller.closed !== undefined), 5000, 'the close after the goodbye');
    assert.deepEqual(marksAtClose, ['closed-by-us']);
  });

  test('keys answer as the prompt expects: a menu takes one key at once, a typed number is sent whole at # or after a pause', async () => {
    for (const [promptId, presses, sent] of [
      ['accept_order', ['1'], ['1']],
      ['prep_time', ['9', '0', '#'], ['90']],
      ['prep_time_retry', ['4', '5'], ['45']], // no '#': the pause ends it
    ] as const) {
      let watches = 0;
      const s = stub(
        { watchPrompt: () => (watches++ === 0 ? Promise.resolve(prompt(1, { id: promptId })) : never()) },
        { promptAudio: async () => toneBytes(200), typedKeysPauseMs: 300 },
      );
      const caller = await connect(s);
      caller.start(`CA-keys-${promptId}`, { callId: 'call-1' });
      await caller.waitFor(() => s.spoken.includes(promptId), 5000, 'the prompt');
      for (const key of presses) caller.dtmf(key);
      await caller.waitFor(() => s.digits.length > 0, 5000, 'the keys to reach the workflow');
      await sleep(500); // past the pause: nothing more is sent
      assert.deepEqual(s.digits, sent, promptId);
      caller.close();
    }
  });

  test('an older prompt whose audio is slow never plays after a newer one', async () => {
    let watches = 0;
    const s = stub(
      {
        watchPrompt: () => (watches++ === 0 ? Promise.resolve(prompt(1)) : never()),
        submitDigits: async () => prompt(2),
      },
      { promptAudio: async (p) => (p.seq === 1 ? sleep(600).then(() => toneBytes(1000)) : toneBytes(1000)) },
    );
    const caller = await connect(s);
    caller.start('CA-race', { callId: 'call-1' });
    await sleep(150); // the watch has offered prompt 1, whose audio is still on its way
    caller.dtmf('1'); // the reply (prompt 2) arrives at once
    await sleep(1200);
    assert.deepEqual(s.spoken, ['p2'], 'only the newest prompt is spoken');
    caller.close();
  });

  test('frames that arrive before and during set-up are neither counted as bad nor lost', async () => {
    const s = stub({ resolveCallId: (_sid, hint) => sleep(400).then(() => hint) });
    const caller = await connect(s);
    caller.send({ event: 'connected' });
    caller.send({ event: 'media', stream_sid: 'MZCA-setup', media: { chunk: '0', timestamp: '0', payload: Buffer.alloc(320).toString('base64') } });
    caller.start('CA-setup', { callId: 'call-1' });
    caller.silence(600); // 30 media frames while the call id is still being looked up
    caller.send({ event: 'mark', stream_sid: 'MZCA-setup', mark: { name: '1:0' } });
    caller.dtmf('5');
    await caller.waitFor(() => s.digits.length > 0, 3000, 'the early key to reach the call');
    assert.deepEqual(s.digits, ['5']);
    assert.equal(caller.closed, undefined, 'the live call keeps its socket');
    caller.close();
  });

  test('a prompt watch that times out (503) is re-armed, and a stalled turn is retried with the same request id', async () => {
    const watched: number[] = [];
    const requestIds: string[] = [];
    const s = stub({
      watchPrompt: async (_id, w) => {
        watched.push(w.afterSeq);
        if (watched.length < 3) throw new HttpError(503, 'retry_later', 'the call did not answer in time');
        return never();
      },
      submitDigits: async (_id, _input, requestId) => {
        requestIds.push(requestId);
        if (requestIds.length === 1) throw new HttpError(503, 'retry_later', 'the call did not answer in time');
        return prompt(1);
      },
    });
    const caller = await connect(s);
    caller.start('CA-stall', { callId: 'call-1' });
    await sleep(100);
    caller.dtmf('1');
    await caller.waitFor(() => s.spoken.includes('p1'), 5000, 'the retried turn to be answered');
    assert.ok(watched.length >= 3, `the watch was re-armed (${watched.length} watches)`);
    assert.equal(requestIds.length, 2);
    assert.equal(requestIds[0], requestIds[1], 'the retry is the same update');
    caller.close();
  });

  test('a call that rang in (caller named, no callId) is started, then goes live under the id it was given', async () => {
    const asked: unknown[] = [];
    const s = stub({
      resolveCallId: async (_sid, hint) => hint,
      startInbound: async (call) => (asked.push(call), { callId: 'inbound-exotel-CA-in', mode: 'voicebot' }),
      submitDigits: async (callId, input) => (s.digits.push(`${callId}:${input.digits}`), never()),
    });
    const caller = await connect(s);
    caller.start('CA-in', {}, 8000, { from: '+919812345678', to: '+918047112233' });
    caller.dtmf('1');
    await caller.waitFor(() => s.digits.length > 0, 3000, 'the key to reach the started call');
    assert.deepEqual(asked, [{ provider: 'exotel', callSid: 'CA-in', from: '+919812345678', to: '+918047112233', mode: 'voicebot' }]);
    assert.deepEqual(s.digits, ['inbound-exotel-CA-in:1']);
    assert.equal(caller.closed, undefined);
    caller.close();
  });

  test('a refused call hears the line in full, then the stream is closed normally; nothing is reported', async () => {
    const reported: unknown[] = [];
    const spokenLines: string[] = [];
    const s = stub(
      { resolveCallId: async () => undefined, reportStatus: async (...args) => (reported.push(args), 'accepted') },
      { promptAudio: async (p) => (spokenLines.push(`${p.id}:${p.text}`), toneBytes(1200)) },
    );
    const caller = await connect(s);
    const started = Date.now();
    caller.start('CA-refused', {}, 8000, { from: '+919812345678', to: '+918000000000' });
    await caller.waitFor(() => caller.closed !== undefined, 5000, 'the stream to close after the line');
    assert.equal(caller.closed!.code, 1000);
    assert.deepEqual(spokenLines, ['refusal:Sorry, not this number.']);
    const audioBytes = caller.received.filter((m) => m.event === 'media').reduce((n, m) => n + Buffer.from(m.media.payload, 'base64').length, 0);
    assert.ok(audioBytes >= 1200 * 16, `the whole line was sent (${audioBytes} bytes)`);
    assert.ok(Date.now() - started >= 1000, 'the stream stayed open while the line played');
    assert.deepEqual(reported, []);
  });

  test('a start naming neither a call of ours nor a caller is closed as unknown (1008)', async () => {
    let asked = 0;
    const s = stub({ resolveCallId: async () => undefined, startInbound: async () => (asked++, { refused: 'x', reason: 'no_route' }) });
    const caller = await connect(s);
    caller.start('CA-nobody', {}, 8000, null);
    await caller.waitFor(() => caller.closed !== undefined, 3000, 'the close');
    assert.equal(caller.closed!.code, 1008);
    assert.equal(asked, 0);
  });

  test("the ASR hint is the call's language, not a guess from the prompt's text", async () => {
    let watches = 0;
    const hints: string[] = [];
    const s = stub(
      { watchPrompt: () => (watches++ === 0 ? Promise.resolve(prompt(1, { text: 'OK.', language: 'hi' })) : never()) },
      { transcribe: async (_audio, language) => (hints.push(language), undefined), promptAudio: async () => toneBytes(200) },
    );
    const caller = await connect(s);
    caller.start('CA-lang', { callId: 'call-1' });
    await caller.heardPrompt(5000);
    caller.speak(await speak('Yes, that is right', 'en'));
    caller.silence(900);
    await caller.waitFor(() => hints.length > 0, 5000, 'the utterance to be transcribed');
    assert.deepEqual(hints, ['hi']);
    caller.close();
  });
});

describe('a bridged stream vouches for itself', () => {
  /** A session bridged to a stub model; records the stream's marks and status reports, and keeps the line the bridge was given. */
  function bridged() {
    const marks: string[] = [];
    const reported: string[] = [];
    const lines: AgentLine[] = [];
    const s = stub(
      { reportStatus: async (_id, event) => (reported.push(event.event), 'accepted') },
      {
        markStream: async (_id, state) => void marks.push(state),
        agent: {
          control: { callType: async () => 'appointment-agent' } as unknown as AgentControl,
          bridge: (line) => (lines.push(line), { start: async () => {}, onCallerAudio: () => {}, close: () => {} }) as unknown as AgentBridge,
        },
      },
    );
    return { s, marks, reported, lines };
  }

  test('live while open; closed by the provider: marked closed and reported as the hang-up', async () => {
    const b = bridged();
    const caller = await connect(b.s);
    caller.start('CA-bridged-1', { callId: 'call-b1' });
    await caller.waitFor(() => b.marks.includes('live'), 3000, 'the live mark');
    caller.stop();
    await caller.waitFor(() => b.marks.at(-1) === 'closed' && b.reported.includes('terminal'), 3000, 'the closed mark');
  });

  test('our goodbye is marked closed-by-us before the socket closes, and is not reported as a hang-up', async () => {
    const b = bridged();
    const caller = await connect(b.s);
    caller.start('CA-bridged-2', { callId: 'call-b2' });
    await caller.waitFor(() => b.lines.length > 0 && b.marks.includes('live'), 3000, 'the bridge');
    b.lines[0].hangUp('conversation finished');
    await caller.waitFor(() => caller.closed !== undefined, 3000, 'the close');
    assert.equal(b.marks.at(-1), 'closed-by-us');
    assert.ok(!b.reported.includes('terminal'));
  });
});
