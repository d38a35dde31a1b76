// Real speech recognition for end-to-end tests: the speech host (speech-host/, faster-whisper with
// the bundled tiny.en model) instead of the scripted FakeSpeechHost. English only.
//
//   const asr = await startOfflineAsr();   // sets up the virtualenv if needed, loads the model
//   ... ASR_URL = asr.url ...               // OpenAI-compatible /v1/audio/transcriptions
//   asr.requests                            // the host's request log ("POST /v1/audio/transcriptions 200 412 ms")
//   await asr.stop();
//
// The Harness starts one with `useHarness({ asr: 'offline' })`.
import { requestLogLine, startSpeechHost, SpeechHostUnavailable } from '../../scripts/speech-host';

export interface OfflineAsr {
  url: string;
  /** The host's log line per request: method, path, status, milliseconds (never transcripts). */
  requests: string[];
  stop(): Promise<void>;
}

export async function startOfflineAsr(): Promise<OfflineAsr> {
  const requests: string[] = [];
  try {
    const host = await startSpeechHost({
      log: (line) => {
        const request = requestLogLine(line);
        if (request) requests.push(request);
        else if (!line.startsWith('speech-host: model')) console.error(line); // setup progress, errors
      },
    });
    return { url: host.url, requests, stop: host.stop };
  } catch (err) {
    if (err instanceof SpeechHostUnavailable) {
      throw new Error(`${err.message}\nThis test runs real speech recognition; .ci/run installs what it needs on Debian.`);
    }
    throw err;
  }
}
