// A stand-in for OpenAI's Realtime API on loopback, over a real WebSocket at /v1/realtime?model=…
// with `Authorization: Bearer <key>` (refused upgrades get the HTTP status and JSON error body the
// real API sends). Each socket is a FakeRealtimeSession; one Script drives them all. It records
// every client event it receives so tests can assert on what the client sent, and it can misbehave
// on demand: error events, rate limits, raw frames, dropped sockets.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer, listenOnLoopback } from '../loopback';
import { Script, type ScriptTurn } from './script';
import { FakeRealtimeSession } from './session';

type Json = Record<string, any>;

export interface ReceivedEvent {
  /** 1-based: the n-th accepted connection. */
  connection: number;
  event: Json;
}

export interface UpgradeAttempt {
  model: string | null;
  authorization?: string;
  /** The beta interface's header; a GA client must not send it. */
  openaiBeta?: string;
  status: 101 | 400 | 401 | 404;
}

export class FakeRealtimeServer {
  readonly apiKey: string;
  /** ws://127.0.0.1:<port>/v1/realtime once started (REALTIME_URL for the client). */
  url = '';
  readonly upgrades: UpgradeAttempt[] = [];
  readonly received: ReceivedEvent[] = [];
  readonly sent: ReceivedEvent[] = [];
  /** Tool outputs the client returned, in order. */
  readonly functionOutputs: { callId: string; output: string }[] = [];
  /** User items committed while the script expected no speech. */
  readonly unscriptedSpeech: string[] = [];
  private readonly scripted = new Script();
  private readonly sockets: { ws: WebSocket; session: FakeRealtimeSession }[] = [];
  private readonly http = http.createServer((_req, res) => res.writeHead(426, { 'Content-Type': 'text/plain' }).end('WebSocket only'));
  private readonly wss = new WebSocketServer({ noServer: true });
  private nextId = 0;

  private readonly record: boolean;
  private readonly observe?: (direction: 'received' | 'sent', connection: number, event: Json) => void;

  /**
   * record false: keep no events (a benchmark's thousands of frames a second); observe: each event
   * as it is received or just before it is sent, for timing.
   */
  constructor(options: { apiKey?: string; record?: boolean; observe?: (direction: 'received' | 'sent', connection: number, event: Json) => void } = {}) {
    this.apiKey = options.apiKey ?? 'sk-fake-realtime-0123456789abcdef';
    this.record = options.record ?? true;
    this.observe = options.observe;
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  async start(): Promise<string> {
    const base = await listenOnLoopback(this.http);
    this.url = `${base.replace(/^http/, 'ws')}/v1/realtime`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.dropAll();
    this.wss.close();
    await closeServer(this.http);
  }

  /** Replaces the conversation the fake model follows (see script.ts). */
  script(turns: ScriptTurn[]): void {
    this.scripted.load(turns);
  }

  get scriptRemaining(): number {
    return this.scripted.remaining;
  }

  /** Sockets accepted so far (reconnections count). */
  get connectionCount(): number {
    return this.sockets.length;
  }

  get openConnections(): number {
    return this.sockets.filter(({ ws }) => ws.readyState === ws.OPEN).length;
  }

  /** The client events of one type, oldest first. */
  receivedOf(type: string): Json[] {
    return this.received.filter(({ event }) => event.type === type).map(({ event }) => event);
  }

  sentOf(type: string): Json[] {
    return this.sent.filter(({ event }) => event.type === type).map(({ event }) => event);
  }

  /** An `error` event on every open session, e.g. { type: 'server_error', message: '…' }. */
  sendError(error: { message: string; type?: string; code?: string; param?: string }): void {
    for (const { session } of this.live()) session.error(error);
  }

  sendRateLimits(limits: Json[] = [{ name: 'tokens', limit: 400000, remaining: 12, reset_seconds: 4.2 }]): void {
    for (const { session } of this.live()) session.send({ type: 'rate_limits.updated', rate_limits: limits });
  }

  /** A frame as is (malformed JSON, a bad event) on every open session. */
  sendRaw(text: string): void {
    for (const { ws } of this.live()) ws.send(text);
  }

  /** Cuts every socket without a close frame, as a network failure or a server crash would. */
  dropAll(): void {
    for (const { ws } of this.live()) ws.terminate();
  }

  async waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake Realtime server: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private live() {
    return this.sockets.filter(({ ws }) => ws.readyState === ws.OPEN);
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const attempt: UpgradeAttempt = {
      model: url.searchParams.get('model'),
      authorization: req.headers.authorization,
      openaiBeta: req.headers['openai-beta'] as string | undefined,
      status: 101,
    };
    this.upgrades.push(attempt);
    const refuse = (status: 400 | 401 | 404, error: Json) => {
      attempt.status = status;
      const body = JSON.stringify({ error: { param: null, code: null, ...error } });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== '/v1/realtime') return refuse(404, { type: 'invalid_request_error', message: `Invalid URL (GET ${url.pathname})` });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return refuse(401, { type: 'invalid_request_error', code: 'invalid_api_key', message: `Incorrect API key provided: ${masked(req.headers.authorization)}.` });
    }
    if (!attempt.model) return refuse(400, { type: 'invalid_request_error', code: 'missing_required_parameter', param: 'model', message: 'Missing required parameter: \'model\'.' });
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, attempt.model!));
  }

  private accept(ws: WebSocket, model: string): void {
    const connection = this.sockets.length + 1;
    const session = new FakeRealtimeSession(ws, {
      script: this.scripted,
      newId: (prefix) => `${prefix}_${String(++this.nextId).padStart(4, '0')}`,
      received: (event) => {
        this.observe?.('received', connection, event);
        if (this.record) this.received.push({ connection, event });
      },
      sent: (event) => {
        this.observe?.('sent', connection, event);
        if (this.record) this.sent.push({ connection, event });
      },
      functionOutput: (callId, output) => this.functionOutputs.push({ callId, output }),
      unscriptedSpeech: (itemId) => this.unscriptedSpeech.push(itemId),
    }, model);
    this.sockets.push({ ws, session });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return session.error({ code: 'invalid_json', message: 'Binary frames are not supported.' });
      try {
        session.handle(data.toString());
      } catch (err) {
        // A bug in the fake must show up in the test, as the real API's server_error would.
        session.error({ type: 'server_error', message: `fake Realtime server failed: ${(err as Error).message}` });
      }
    });
    ws.on('close', () => session.dispose());
  }
}

/** The real API quotes a wrong key with all but its last four characters hidden. */
function masked(authorization: string | undefined): string {
  const key = authorization?.replace(/^Bearer\s+/i, '') ?? '';
  return key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '<none>';
}
