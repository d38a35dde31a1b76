// The speech task queue: TTS (and later ASR/LLM). Run it on the GPU host in production.
import { type NativeConnection, Worker } from '@temporalio/worker';
import * as tts from '../activities/speech/tts';
import { loadConfig } from '../lib/config';

export async function createSpeechWorker(connection: NativeConnection): Promise<Worker> {
  const config = loadConfig();
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.SPEECH_TASK_QUEUE,
    activities: { synthesizePrompts: tts.synthesizePrompts },
    maxConcurrentActivityTaskExecutions: 8,
  });
}
