// Accepts the providers' media-stream WebSockets at /media/<provider>, authenticates the
// upgrade the provider's way, and gives each socket its own MediaSession.
import type http from 'node:http';
import { WebSocketServer } from 'ws';
import { providerModule } from '../../providers/registry';
import type { AgentControl, CallControl } from '../../providers/types';
import { clinicHours } from '../../appointments/clinic';
import { receptionistInstructions } from '../../appointments/receptionist';
import { RealtimeConnection, realtimeOptionsFromConfig } from '../../speech/realtime/client';
import { APPOINTMENT_TOOL_DEFINITIONS } from '../../workflows/appointment-tools';
import { AgentBridge, type AgentLine, type RealtimeLink } from './agent-bridge';
import { AsrError, transcribe } from '../../speech/asr';
import { audioHashOf, languageOf, synthesizeToCache } from '../../speech/tts';
import { sessionKey, ttsAudioKey } from '../../lib/keys';
import { parseWav } from '../../lib/audio';
import type { Cache } from '../../lib/cache';
import type { Config } from '../../lib/config';
import { logger } from '../../lib/logger';
import { mediaStreamsActive } from '../../lib/metrics';
import type { Language, NextPrompt } from '../../workflows/types';
import { encodeForStream, type StreamFormat } from './playback';
import { MediaSession } from './session';

const MAX_FRAME_BYTES = 256 * 1024;
const SESSION_TTL_SECONDS = 3600;
const ENCODED_CACHE_SIZE = 256;
const FILLER: Record<Language, string> = { en: 'Hmm, one moment.', hi: 'एक सेकंड।' };

export function attachMediaStreams(server: http.Server, control: CallControl, cache: Cache, config: Config, agent?: AgentControl): MediaStreams {
  const streams = new MediaStreams(control, cache, config, agent);
  server.on('upgrade', (request, socket, head) => streams.upgrade(request, socket, head));
  return streams;
}

export class MediaStreams {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  /** Prompt audio already encoded per stream format: prompts repeat across calls. */
  private readonly encoded = new Map<string, Buffer>();
  readonly sessions = new Set<MediaSession>();

  constructor(
    private readonly control: CallControl,
    private readonly cache: Cache,
    private readonly config: Config,
    private readonly agent?: AgentControl,
  ) {}

  upgrade(request: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const match = /^\/media\/([a-z]+)(\?|$)/.exec(request.url ?? '');
    const stream = match ? providerModule(match[1])?.stream : undefined;
    if (!stream) return refuse('404 Not Found');
    if (!stream.authorizeUpgrade(request)) {
      logger.warn({ provider: match![1] }, 'media stream upgrade refused');
      return refuse(match![1] === 'twilio' ? '403 Forbidden' : '401 Unauthorized');
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new MediaSession(ws, stream.codec, {
        control: this.control,
        agent: this.agent && { control: this.agent, bridge: (line) => this.bridge(this.agent!, line) },
        saveState: (id, state) => (state ? this.cache.set(sessionKey(id), JSON.stringify(state), SESSION_TTL_SECONDS) : this.cache.del(sessionKey(id))),
        transcribe: (audio, language) => this.transcribe(audio, language),
        promptAudio: (prompt, format) => this.promptAudio(prompt, format),
        fillerAudio: (language, format) => this.promptAudio({ id: 'filler', text: FILLER[language], hangup: false, seq: 0 }, format),
        vad: { minSpeechMs: this.config.VAD_MIN_SPEECH_MS, endSilenceMs: this.config.VAD_END_SILENCE_MS },
        fillerAfterMs: this.config.FILLER_AFTER_MS,
        startTimeoutMs: this.config.MEDIA_START_TIMEOUT_MS,
      });
      this.sessions.add(session);
      const open = mediaStreamsActive.labels(stream.codec.provider);
      open.inc();
      ws.once('close', () => {
        this.sessions.delete(session);
        open.dec();
      });
    });
  }

  /** Ends every stream (shutdown): sessions see the close like a dropped line. */
  closeAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  /** A speech-to-speech call's bridge to its own model session (OpenAI Realtime). */
  private bridge(agent: AgentControl, line: AgentLine): AgentBridge {
    const hours = clinicHours(this.config);
    return new AgentBridge(line, {
      agent,
      connect: () => openRealtime(line.callId),
      instructions: () => receptionistInstructions(hours, new Date()),
      voice: this.config.REALTIME_VOICE,
      tools: APPOINTMENT_TOOL_DEFINITIONS,
      log: logger.child({ callId: line.callId, component: 'agent-bridge' }),
    });
  }

  private async transcribe(audio: Int16Array, language: Language) {
    try {
      return await transcribe(audio, 8000, { language: language === 'en' ? 'en' : 'hinglish' });
    } catch (err) {
      if (err instanceof AsrError) {
        logger.warn({ err: err.message }, 'transcription failed; the utterance is dropped');
        return undefined;
      }
      throw err;
    }
  }

  /** The prompt's cached 8 kHz WAV (synthesized here if missing or evicted), encoded for the stream. */
  private async promptAudio(prompt: NextPrompt, format: StreamFormat): Promise<Buffer> {
    let hash = prompt.audioUrl ? audioHashOf(prompt.audioUrl) : undefined;
    const encodedKey = (h: string) => `${h}:${format.encoding}:${format.sampleRate}`;
    const known = hash && this.encoded.get(encodedKey(hash));
    if (known) return known;
    let wav = hash ? await this.cache.getBuffer(ttsAudioKey(hash)) : null;
    if (!wav) {
      hash = audioHashOf(await synthesizeToCache(prompt.text, prompt.language ?? languageOf(prompt.text)));
      wav = hash ? await this.cache.getBuffer(ttsAudioKey(hash)) : null;
    }
    if (!hash || !wav) throw new Error(`no audio for prompt ${prompt.id}`);
    const encoded = encodeForStream(parseWav(wav).samples, format);
    if (this.encoded.size >= ENCODED_CACHE_SIZE) this.encoded.delete(this.encoded.keys().next().value!);
    this.encoded.set(encodedKey(hash), encoded);
    return encoded;
  }
}

/** Opens a Realtime session and adapts it to what the bridge needs. */
async function openRealtime(callId: string): Promise<RealtimeLink> {
  const connection = new RealtimeConnection(realtimeOptionsFromConfig({ callId }));
  await connection.ready;
  return {
    send: (event) => void connection.send(event),
    close: () => connection.close(),
    onEvent: (listener) => connection.on('event', listener),
    onClose: (listener) => connection.once('close', () => listener()),
  };
}
