// Every Prometheus series the product exports, declared once. Each is counted in exactly one
// place (see README "Metrics"): workflows cannot count (they replay), so calls are counted by
// the persistence activity when the call's row changes, the media path and turn round trips by
// the gateway, speech latencies by the speech clients wherever they run. Label values are
// bounded sets (call types, providers, outcomes): never a call id or a phone number.
import client from 'prom-client';
import { HotHistogram } from './hot-histogram';
import type { CallOutcome, CallStatus, CallType, TelephonyProvider } from '../workflows/types';

export const registry = client.register;

const labelsOf = <T extends string>(...names: T[]) => names;

export const callsStarted = new client.Counter({
  name: 'nerve_calls_started_total',
  help: "Calls whose row was first written (the call journal's first save)",
  labelNames: labelsOf('type', 'provider', 'direction'),
});

export const callsEnded = new client.Counter({
  name: 'nerve_calls_ended_total',
  help: 'Calls that reached COMPLETED, by outcome',
  labelNames: labelsOf('type', 'provider', 'direction', 'outcome'),
});

export const activeCalls = new client.Gauge({
  name: 'nerve_calls_active',
  help: 'Calls in progress (live presence rows), by status; the same on every gateway',
  labelNames: labelsOf('type', 'status'),
});

export const mediaStreamsActive = new client.Gauge({
  name: 'nerve_media_streams_active',
  help: 'Open media-stream WebSockets on this gateway',
  labelNames: labelsOf('provider'),
});

// The per-frame path's two histograms are lean ones (lib/hot-histogram.ts): same exposition, no allocation per frame.
export const frameHandlingSeconds = new HotHistogram(
  'nerve_media_frame_handling_seconds',
  'Time to parse and handle one inbound media frame',
  'provider',
  [0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02],
  registry,
);

export const outboundJitterSeconds = new HotHistogram(
  'nerve_media_outbound_jitter_seconds',
  'How late each outbound prompt chunk was sent against its schedule',
  'provider',
  [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
  registry,
);

export const turnRoundTripSeconds = new client.Histogram({
  name: 'nerve_turn_round_trip_seconds',
  help: "A caller's keys (digits) or transcribed words (speech) to the workflow and back as the next prompt",
  labelNames: labelsOf('input', 'outcome'),
  buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5, 10],
});

export const speechRequestSeconds = new client.Histogram({
  name: 'nerve_speech_request_seconds',
  help: 'ASR (one utterance), LLM (one completion) and TTS (one synthesis on a cache miss) requests',
  labelNames: labelsOf('service', 'outcome'),
  buckets: [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20],
});

export const realtimeConnectSeconds = new client.Histogram({
  name: 'nerve_realtime_connect_seconds',
  help: 'OpenAI Realtime: socket opened to session.created (or the failure)',
  labelNames: labelsOf('outcome'),
  buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
});

export const realtimeResponseSeconds = new client.Histogram({
  name: 'nerve_realtime_response_seconds',
  help: "OpenAI Realtime: the caller's speech stopped to the model's first audio of its answer",
  buckets: [0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
});

export const reportDeliveryAttempts = new client.Counter({
  name: 'nerve_report_delivery_attempts_total',
  help: 'HTTP requests delivering a report or order update to Jupiter',
  labelNames: labelsOf('kind'),
});

export const reportDeliveryFailures = new client.Counter({
  name: 'nerve_report_delivery_failures_total',
  help: 'Failed deliveries to Jupiter: rejected (final 4xx, not retried) or unavailable (retried)',
  labelNames: labelsOf('kind', 'reason'),
});

/**
 * Times `work` into a histogram with an `outcome` label: 'ok', or what `failure` calls the error
 * (default 'error'). The error is rethrown as it was.
 */
export async function timed<T, L extends string>(
  histogram: client.Histogram<L | 'outcome'>,
  labels: Partial<Record<L, string>>,
  work: () => Promise<T>,
  failure: (err: unknown) => string = () => 'error',
): Promise<T> {
  const end = histogram.startTimer(labels as Partial<Record<L | 'outcome', string>>);
  try {
    const result = await work();
    end({ outcome: 'ok' } as Partial<Record<L | 'outcome', string>>);
    return result;
  } catch (err) {
    end({ outcome: failure(err) } as Partial<Record<L | 'outcome', string>>);
    throw err;
  }
}

/** Times one ASR, LLM or TTS request into nerve_speech_request_seconds. */
export const timeSpeech = <T>(service: 'asr' | 'llm' | 'tts', request: () => Promise<T>): Promise<T> => timed(speechRequestSeconds, { service }, request);

/** Calls are inbound when the provider's first request started them (README: inbound call ids). */
export const directionOf = (callId: string): 'inbound' | 'outbound' => (callId.startsWith('inbound-') ? 'inbound' : 'outbound');

/**
 * Counts a call's row changing from `before` (undefined: no row yet) to `after`: started once
 * when the row is created, ended once when it first becomes COMPLETED. A retried or replayed
 * write sees the row it already wrote, so it counts nothing again.
 */
export function countCallTransition(
  callId: string,
  before: CallStatus | undefined,
  after: { callType: CallType; provider: TelephonyProvider; status: CallStatus; outcome?: CallOutcome },
): void {
  const labels = { type: after.callType, provider: after.provider, direction: directionOf(callId) };
  if (before === undefined) callsStarted.inc(labels);
  if (after.status === 'COMPLETED' && before !== 'COMPLETED') callsEnded.inc({ ...labels, outcome: after.outcome ?? 'UNKNOWN' });
}

let processMetrics = false;

/** Node's process metrics (CPU, memory, event-loop lag), once per process. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  client.collectDefaultMetrics({ register: registry });
}

/** The exposition text and its content type, for an HTTP answer. */
export async function exposition(): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}
