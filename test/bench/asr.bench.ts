/**
 * Offline speech recognition latency: eSpeak-NG utterances of 2–4 s, as the gateway sends them
 * (8 kHz WAV, through speech/asr.ts), transcribed by the speech host (faster-whisper, tiny.en on
 * the CPU). Prints the host's start time and, per utterance, the median and worst round trip
 * and the real-time factor. Run: npx tsx test/bench/asr.bench.ts   (or npm run bench:asr)
 *   ASR_BENCH_ROUNDS=5   transcriptions of each utterance
 * The machine may be shared with other work: figures are noisy.
 */
import { performance } from 'node:perf_hooks';
import { startSpeechHost } from '../../scripts/speech-host';
import { speak } from '../speech';

const ROUNDS = Number(process.env.ASR_BENCH_ROUNDS ?? 5);
const UTTERANCES = [
  'Yes, I am above eighteen years of age.',
  'No, I do not have a two-wheeler licence yet.',
  'Yes, I can work on weekends, Saturdays and Sundays both.',
];

async function main(): Promise<void> {
  Object.assign(process.env, { NERVE_ENV: 'test', LOG_LEVEL: 'error' });
  delete process.env.DEEPGRAM_API_KEY;
  const started = performance.now();
  const host = await startSpeechHost({ log: () => {} });
  const startMs = performance.now() - started;
  try {
    process.env.ASR_URL = host.url;
    const { transcribe } = await import('../../speech/asr');
    await transcribe(await speak('Warm up.', 'en', 8000), 8000, { language: 'en' });
    console.log(`speech host ready in ${Math.round(startMs)} ms (setup check, model load); ${ROUNDS} rounds per utterance, 8 kHz WAV\n`);
    console.log(['audio s', 'median ms', 'max ms', 'real-time factor', 'heard'].join('  '));
    for (const text of UTTERANCES) {
      const samples = await speak(text, 'en', 8000);
      const times: number[] = [];
      let heard = '';
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = performance.now();
        heard = (await transcribe(samples, 8000, { language: 'en' })).text;
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const seconds = samples.length / 8000;
      const median = times[Math.floor(times.length / 2)];
      console.log([seconds.toFixed(2).padStart(7), median.toFixed(0).padStart(9), times.at(-1)!.toFixed(0).padStart(6), (median / 1000 / seconds).toFixed(2).padStart(16), JSON.stringify(heard)].join('  '));
    }
  } finally {
    await host.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
