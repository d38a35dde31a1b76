// A stand-in for the GPU host on loopback: OpenAI-compatible /v1/audio/transcriptions and
// /v1/chat/completions, plus Deepgram's /v1/listen, answering from scripted queues.
// It checks what real servers would reject (a broken WAV, a missing model) so client bugs surface here.
import http from 'node:http';
import { parseWav } from '../../lib/audio';
import { closeServer, listenOnLoopback } from './loopback';

export interface TranscriptionRequest {
  model: string;
  language?: string;
  prompt?: string;
  responseFormat?: string;
  temperature?: string;
  sampleRate: number;
  durationMs: number;
}

export interface DeepgramRequest {
  query: Record<string, string>;
  authorization?: string;
  bytes: number;
}

export interface ScriptedTranscript {
  text: string;
  language?: string;
  /** Per-segment values; one segment unless `segments` says otherwise. */
  avgLogprob?: number;
  noSpeechProb?: number;
  segments?: number;
  /** Answer with `{text}` only, as a server in plain-json mode would. */
  plain?: boolean;
  /** Deepgram's confidence (the Whisper route derives it from the two numbers above). */
  confidence?: number;
}

type Json = Record<string, any>;

export class FakeSpeechHost {
  readonly transcriptions: TranscriptionRequest[] = [];
  readonly deepgram: DeepgramRequest[] = [];
  /** Every chat request's body (messages, model, temperature, response_format) and auth header. */
  readonly chats: { body: Json; authorization?: string }[] = [];
  /** How long chat completions take, like a model thinking (for filler tests). */
  chatDelayMs = 0;
  /** Answer when the transcript queue is empty (otherwise 500). */
  defaultTranscript?: ScriptedTranscript;
  url = '';

  private transcripts: ScriptedTranscript[] = [];
  private replies: string[] = [];
  private failures: number[] = [];
  private server?: http.Server;

  enqueueTranscript(text: string, opts: Omit<ScriptedTranscript, 'text'> = {}): void {
    this.transcripts.push({ text, ...opts });
  }

  /** An object is sent as JSON text; a string is sent as-is (to script malformed replies). */
  enqueueReply(reply: Json | string): void {
    this.replies.push(typeof reply === 'string' ? reply : JSON.stringify(reply));
  }

  /** The next `times` requests, on any route, get this status. */
  failNext(status: number, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(status);
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req).then(
        ({ status, body }) => send(res, status, body),
        (err: Error) => send(res, 500, { error: err.message }),
      );
    });
    this.url = await listenOnLoopback(this.server);
    return this.url;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage): Promise<{ status: number; body: Json }> {
    const body = await readBody(req);
    const failure = this.failures.shift();
    if (failure) return { status: failure, body: { error: { message: `scripted ${failure}` } } };
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
    if (url.pathname === '/v1/audio/transcriptions') return this.transcription(req, body);
    if (url.pathname === '/v1/chat/completions') {
      if (this.chatDelayMs) await new Promise((r) => setTimeout(r, this.chatDelayMs));
      return this.chat(req, body);
    }
    if (url.pathname === '/v1/listen') return this.listen(req, url, body);
    return { status: 404, body: { error: 'no such route' } };
  }

  private async transcription(req: http.IncomingMessage, body: Buffer) {
    // Let the platform's multipart parser do the work, exactly as a real server would.
    const headers = { 'content-type': req.headers['content-type'] ?? '' };
    let form: FormData;
    try {
      form = await new Request('http://x', { method: 'POST', headers, body }).formData();
    } catch {
      return { status: 400, body: { error: 'body is not multipart/form-data' } };
    }
    const file = form.get('file');
    const model = form.get('model');
    if (!(file instanceof Blob)) return { status: 400, body: { error: 'file is required' } };
    if (typeof model !== 'string' || !model) return { status: 400, body: { error: 'model is required' } };
    let wav;
    try {
      wav = parseWav(Buffer.from(await file.arrayBuffer()));
    } catch (err) {
      return { status: 400, body: { error: `bad audio: ${(err as Error).message}` } };
    }
    const field = (name: string) => (typeof form.get(name) === 'string' ? (form.get(name) as string) : undefined);
    const durationMs = Math.round((wav.samples.length / wav.channels / wav.sampleRate) * 1000);
    this.transcriptions.push({
      model,
      language: field('language'),
      prompt: field('prompt'),
      responseFormat: field('response_format'),
      temperature: field('temperature'),
      sampleRate: wav.sampleRate,
      durationMs,
    });

    const script = this.nextTranscript();
    if (!script) return { status: 500, body: { error: 'no scripted transcript' } };
    if (script.plain) return { status: 200, body: { text: script.text } };
    const segments = Array.from({ length: script.segments ?? 1 }, () => ({
      text: script.text,
      avg_logprob: script.avgLogprob ?? -0.1,
      no_speech_prob: script.noSpeechProb ?? 0.01,
    }));
    return {
      status: 200,
      body: { task: 'transcribe', text: script.text, language: script.language ?? field('language') ?? 'en', duration: durationMs / 1000, segments },
    };
  }

  private chat(req: http.IncomingMessage, raw: Buffer) {
    let body: Json;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    if (!Array.isArray(body.messages) || !body.model) return { status: 400, body: { error: 'model and messages are required' } };
    this.chats.push({ body, authorization: req.headers.authorization });
    const content = this.replies.shift();
    if (content === undefined) return { status: 500, body: { error: 'no scripted reply' } };
    return {
      status: 200,
      body: { id: `chatcmpl-${this.chats.length}`, object: 'chat.completion', model: body.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }] },
    };
  }

  private listen(req: http.IncomingMessage, url: URL, body: Buffer) {
    this.deepgram.push({ query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, bytes: body.length });
    if (!req.headers.authorization?.startsWith('Token ')) return { status: 401, body: { err_code: 'INVALID_AUTH' } };
    const script = this.nextTranscript();
    if (!script) return { status: 500, body: { error: 'no scripted transcript' } };
    const rate = Number(url.searchParams.get('sample_rate')) || 8000;
    return {
      status: 200,
      body: {
        metadata: { duration: body.length / 2 / rate },
        results: { channels: [{ alternatives: [{ transcript: script.text, confidence: script.confidence ?? 0.9 }] }] },
      },
    };
  }

  private nextTranscript(): ScriptedTranscript | undefined {
    return this.transcripts.shift() ?? this.defaultTranscript;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: Json): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
