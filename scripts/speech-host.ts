// The offline speech host (speech-host/: faster-whisper on the CPU with the bundled tiny.en model)
// as a child process: set up its virtualenv (idempotent, instant when done), start the server on a
// port (0: any free one) and resolve with its URL once the model is loaded. Used by `npm start`
// and by the tests that run against real speech recognition (test/support/offline-asr.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { stopChild } from './temporal';

const HOST_DIR = path.resolve(__dirname, '..', 'speech-host');
const SETUP_UNAVAILABLE = 3; // speech-host/setup.sh: python3 or its venv module is missing

export interface SpeechHost {
  url: string;
  stop(): Promise<void>;
}

export interface SpeechHostOptions {
  port?: number;
  /** Where setup progress and the server's request log go (default: stderr). */
  log?: (line: string) => void;
}

/** python3 (or its venv module) is missing: the message says what to install. */
export class SpeechHostUnavailable extends Error {
  override name = 'SpeechHostUnavailable';
}

export function speechHostVenv(): string {
  return process.env.SPEECH_HOST_VENV ?? path.resolve(HOST_DIR, '..', '.cache', 'speech-host', 'venv');
}

/** Runs speech-host/setup.sh: creates the virtualenv and installs the pinned requirements when needed. */
export function setUpSpeechHost(log: (line: string) => void = console.error): Promise<void> {
  const child = spawn('bash', [path.join(HOST_DIR, 'setup.sh')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SPEECH_HOST_VENV: speechHostVenv() } });
  const messages = collectLines(child.stderr!, log);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      const said = messages().trim();
      if (code === SETUP_UNAVAILABLE) return reject(new SpeechHostUnavailable(said));
      reject(new Error(`speech host setup failed (exit ${code}): ${said}`));
    });
  });
}

export async function startSpeechHost(options: SpeechHostOptions = {}): Promise<SpeechHost> {
  const log = options.log ?? console.error;
  await setUpSpeechHost(log);
  const python = path.join(speechHostVenv(), 'bin', 'python');
  const child = spawn(python, [path.join(HOST_DIR, 'server.py'), '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--exit-with-stdin'], {
    cwd: HOST_DIR,
    stdio: ['pipe', 'pipe', 'pipe'], // our end of stdin closes when this process dies, and the host exits
  });
  const stderr = collectLines(child.stderr!, log);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`speech host did not start within 60 s: ${stderr()}`)), 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    collectLines(child.stdout!, (line) => {
      const listening = /^speech host listening on (http:\/\/\S+)/.exec(line);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`speech host exited (${code}): ${stderr()}`)));
  });
  child.removeAllListeners('exit');
  return { url, stop: () => stopChild(child) };
}

/** A request line of the host's log ("speech-host: POST /v1/audio/transcriptions 200 412 ms"), without the prefix. */
export function requestLogLine(line: string): string | undefined {
  return /^speech-host: ((?:GET|POST|PUT|DELETE) .*)/.exec(line)?.[1];
}

/**
 * `npm start`: the offline host unless ASR_URL or DEEPGRAM_API_KEY names a real one. Never throws:
 * without python3 the rest still runs, and `asr` says why speech will not be understood.
 */
export async function startOfflineSpeechUnlessConfigured(port: number): Promise<{ asr: string; host?: SpeechHost }> {
  if (process.env.ASR_URL) return { asr: process.env.ASR_URL };
  if (process.env.DEEPGRAM_API_KEY) return { asr: 'Deepgram' };
  console.error('ASR_URL unset: starting the offline speech host (faster-whisper, tiny.en; the first run installs it)...');
  try {
    const host = await startSpeechHost({ port, log: (line) => requestLogLine(line) ?? console.error(line) });
    process.env.ASR_URL = host.url;
    return { asr: `${host.url} (offline speech host: tiny.en on the CPU, English only)`, host };
  } catch (err) {
    // Setup has already said what is missing (its lines go to the log as they come).
    if (!(err instanceof SpeechHostUnavailable)) console.error(`the speech host did not start: ${(err as Error).message}`);
    console.error('Voice calls will not understand speech until ASR_URL names a Whisper-class server.');
    return { asr: 'none (voice calls cannot understand speech; see above)' };
  }
}

/** Hands each complete line to `onLine` and keeps the last few kilobytes for error messages. */
function collectLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): () => string {
  let tail = '';
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    tail = (tail + chunk).slice(-4000);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  });
  return () => tail;
}
