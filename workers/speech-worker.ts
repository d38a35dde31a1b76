// The speech task queue: TTS and LLM turns. Run it on the GPU host in production.
// (ASR runs in the gateway against the same host: audio never passes through Temporal.)
import { type NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../activities/speech';
import { loadConfig } from '../lib/config';
import { dataConverter } from '../lib/data-converter';
import { startTracing, tracingWorkerOptions } from '../lib/tracing';

export async function createSpeechWorker(connection: NativeConnection): Promise<Worker> {
  const config = loadConfig();
  return Worker.create({
    ...tracingWorkerOptions(startTracing('speech-worker')),
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverter(), // payloads are encrypted in histories
    taskQueue: config.SPEECH_TASK_QUEUE,
    activities,
    maxConcurrentActivityTaskExecutions: 8,
  });
}
