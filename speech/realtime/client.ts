// One WebSocket to the OpenAI Realtime API (GA interface: no OpenAI-Beta header). It opens with the
// bearer key, waits for session.created, then hands every server event it understands to its
// listeners. Once created it never throws at its owner: a send on a closed socket is dropped with a
// warning, a malformed event is reported, a drop is a 'close'. Failures before the session exists
// reject `ready` with a RealtimeConnectError instead. The key never reaches a log or an error.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { loadConfig } from '../../lib/config';
import { isFinalHttpFailure } from '../../lib/http-status';
import { logger } from '../../lib/logger';
import { realtimeConnectSeconds, realtimeResponseSeconds } from '../../lib/metrics';
import { parseServerEvent, RealtimeProtocolError, type ClientEvent, type RealtimeSession, type ServerEvent } from './protocol';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Enough of a refused upgrade's body for OpenAI's error message. */
const MAX_ERROR_BODY_BYTES = 4096;

export interface RealtimeConnectionOptions {
  url: string;
  model: string;
  apiKey: string;
  /** Bounds the upgrade and the wait for session.created together. */
  connectTimeoutMs?: number;
  /** Added to every log line (e.g. the call id). */
  logContext?: Record<string, string>;
}

/** The connection options from REALTIME_URL, REALTIME_MODEL and OPENAI_API_KEY. */
export function realtimeOptionsFromConfig(logContext?: Record<string, string>): RealtimeConnectionOptions {
  const config = loadConfig();
  if (!config.OPENAI_API_KEY) throw new RealtimeConnectError('OPENAI_API_KEY is not set', undefined, false);
  return { url: config.REALTIME_URL, model: config.REALTIME_MODEL, apiKey: config.OPENAI_API_KEY, logContext };
}

/** No session: refused upgrade (status), timeout, or the server closing or erroring first. */
export class RealtimeConnectError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'RealtimeConnectError';
  }
}

export interface RealtimeClose {
  code: number;
  reason: string;
  /** close() was called: not a drop to recover from. */
  byUs: boolean;
}

type ConnectionEvents = {
  /** Every server event of a type we know (see protocol.ts), in arrival order. */
  event: [ServerEvent];
  /** A server event we could not use; the connection carries on. */
  protocol_error: [RealtimeProtocolError];
  /** A socket-level error; a 'close' follows. Not named 'error', which would throw unheard. */
  socket_error: [Error];
  /** Only after `ready` resolved: the session is over. */
  close: [RealtimeClose];
};

export class RealtimeConnection extends EventEmitter<ConnectionEvents> {
  /** Resolves with the session from session.created; rejects with a RealtimeConnectError. */
  readonly ready: Promise<RealtimeSession>;
  private readonly ws: WebSocket;
  private readonly log;
  private opened = false;
  private closedByUs = false;
  private settle?: { resolve(session: RealtimeSession): void; reject(err: RealtimeConnectError): void };
  private readonly timer: NodeJS.Timeout;
  private droppedSends = 0;
  /** When the caller last stopped speaking, until the model's answer starts (for the latency histogram). */
  private speechStoppedAt?: number;

  constructor(options: RealtimeConnectionOptions) {
    super();
    this.log = logger.child({ component: 'realtime', ...options.logContext });
    this.ready = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.ready.catch(() => undefined); // an owner that never awaits must not crash the process
    const connecting = realtimeConnectSeconds.startTimer();
    this.ready.then(
      () => connecting({ outcome: 'ok' }),
      () => void (this.closedByUs || connecting({ outcome: 'error' })), // our own close is no failure to count
    );

    const url = new URL(options.url);
    url.searchParams.set('model', options.model);
    this.ws = new WebSocket(url, { headers: { Authorization: `Bearer ${options.apiKey}` } });
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.timer = setTimeout(() => this.fail(new RealtimeConnectError(`Realtime session not ready within ${timeoutMs} ms (${url.host})`, undefined, true)), timeoutMs);

    this.ws.on('unexpected-response', (_req, res) => {
      readBody(res).then((body) => {
        const status = res.statusCode ?? 0;
        const detail = errorMessageOf(body);
        this.fail(new RealtimeConnectError(`Realtime upgrade refused by ${url.host}: ${status}${detail ? ` ${detail}` : ''}`, status, !isFinalHttpFailure(status)));
      });
    });
    this.ws.on('open', () => this.log.debug({ host: url.host, model: options.model }, 'realtime socket open'));
    this.ws.on('message', (data, isBinary) => this.onMessage(isBinary ? undefined : data.toString()));
    this.ws.on('error', (err) => this.onSocketError(err));
    this.ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  /** Events send() refused because the socket was not open (for metrics). */
  get droppedEvents(): number {
    return this.droppedSends;
  }

  /** True while events can be sent. */
  get isOpen(): boolean {
    return this.opened && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one client event; false (and a warning on the first) when the socket is not open. */
  send(event: ClientEvent): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) {
      // Audio keeps coming 50 times a second after a drop: say so once, count the rest.
      if (this.droppedSends++ === 0) this.log.warn({ type: event.type }, 'realtime socket not open; event dropped');
      return false;
    }
    this.ws.send(JSON.stringify(event));
    return true;
  }

  /** Ends the session (or the attempt). A 'close' with byUs follows if the session was ready. */
  close(): void {
    this.closedByUs = true;
    this.fail(new RealtimeConnectError('closed before the session was ready', undefined, false));
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'done');
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private onMessage(text: string | undefined): void {
    let event: ServerEvent | undefined;
    try {
      if (text === undefined) throw new RealtimeProtocolError('binary frame');
      event = parseServerEvent(text);
    } catch (error) {
      const err = error as RealtimeProtocolError; // the parser throws nothing else
      this.log.warn({ problem: err.message }, 'realtime server event refused');
      this.deliver('protocol_error', err);
      return;
    }
    if (!event) return; // a type we do not use
    if (!this.opened) return this.beforeReady(event);
    if (event.type === 'error') this.log.warn({ error: event.error }, 'realtime server error');
    this.timeResponse(event);
    this.deliver('event', event);
  }

  /** The caller's speech stopped → the model's first audio of its answer, into nerve_realtime_response_seconds. */
  private timeResponse(event: ServerEvent): void {
    if (event.type === 'input_audio_buffer.speech_stopped') this.speechStoppedAt = performance.now();
    else if (event.type === 'response.output_audio.delta' && this.speechStoppedAt !== undefined) {
      realtimeResponseSeconds.observe((performance.now() - this.speechStoppedAt) / 1000);
      this.speechStoppedAt = undefined;
    }
  }

  /** Only session.created opens the session; an error first means there will be none. */
  private beforeReady(event: ServerEvent): void {
    if (event.type === 'session.created') {
      this.opened = true;
      clearTimeout(this.timer);
      this.settle?.resolve(event.session);
      this.settle = undefined;
    } else if (event.type === 'error') {
      this.fail(new RealtimeConnectError(`Realtime session refused: ${event.error.message}`, undefined, event.error.type === 'server_error'));
    }
  }

  private onSocketError(err: Error): void {
    if (!this.opened) return this.fail(new RealtimeConnectError(`Realtime connection failed: ${err.message}`, undefined, true));
    this.log.warn({ err: err.message }, 'realtime socket error');
    this.deliver('socket_error', err);
  }

  private onClose(code: number, reason: string): void {
    clearTimeout(this.timer);
    if (!this.opened) {
      this.fail(new RealtimeConnectError(`Realtime socket closed before the session was ready (${code}${reason ? ` ${reason}` : ''})`, undefined, true));
      return;
    }
    this.opened = false;
    if (!this.closedByUs) this.log.warn({ code, reason }, 'realtime socket dropped');
    this.deliver('close', { code, reason, byUs: this.closedByUs });
  }

  /** A listener's bug is logged, never thrown into the socket's handlers (it would crash the process). */
  private deliver<K extends keyof ConnectionEvents>(name: K, ...args: ConnectionEvents[K]): void {
    try {
      (this.emit as (name: K, ...args: ConnectionEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error({ err, event: name }, 'realtime listener failed');
    }
  }

  /** Rejects `ready` (once) and abandons the socket; a no-op once the session is ready. */
  private fail(err: RealtimeConnectError): void {
    if (!this.settle) return;
    clearTimeout(this.timer);
    this.settle.reject(err);
    this.settle = undefined;
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }
}

function readBody(res: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_ERROR_BODY_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY_BYTES)));
    res.on('error', () => resolve(''));
  });
}

/** OpenAI answers a refused upgrade with {error: {message}}; anything else is quoted briefly. */
function errorMessageOf(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: fall through
  }
  return body.trim().slice(0, 200);
}
