// The health panel: Temporal, PostgreSQL, Redis, the speech host, and the workers as Temporal
// sees them (pollers on their task queues). Each probe has a short deadline and never throws.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Cache } from '../../lib/cache';
import type { Config } from '../../lib/config';
import { db } from '../../lib/db';

const PROBE_MS = 2_000;

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function probe(name: string, run: () => Promise<string>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in time')), PROBE_MS)));
    return { name, ok: true, detail: await Promise.race([run(), late]) };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

const { TaskQueueType, TaskQueueKind } = temporal.api.enums.v1;

/**
 * A worker is up when it polls its task queue. Temporal keeps a stopped poller listed for minutes,
 * so only pollers seen lately count (a long poll lasts about a minute before it is renewed).
 */
const POLLED_WITHIN_MS = 90_000;

async function pollers(client: Client, namespace: string, taskQueue: string, type: temporal.api.enums.v1.TaskQueueType): Promise<string> {
  const answer = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType: type });
  const seen = (answer.pollers ?? []).filter((p) => Date.now() - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < POLLED_WITHIN_MS);
  if (!seen.length) throw new Error(`no worker polled ${taskQueue} lately`);
  return `${seen.length} poller${seen.length > 1 ? 's' : ''} on ${taskQueue}`;
}

/** Any HTTP answer from the speech host counts: it is there and serving. */
async function reachable(url: string): Promise<string> {
  const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(PROBE_MS) });
  await response.body?.cancel();
  return `HTTP ${response.status}`;
}

export async function healthChecks(client: Client, cache: Cache, config: Config): Promise<Check[]> {
  const namespace = config.TEMPORAL_NAMESPACE;
  const speechHost = config.ASR_URL ?? config.TTS_URL ?? config.LLM_URL;
  return Promise.all([
    probe('temporal', async () => (await client.workflowService.getSystemInfo({}), 'ok')),
    probe('postgresql', async () => (await db().$queryRaw`SELECT 1`, 'ok')),
    probe('redis', async () => (await cache.ping(), 'ok')),
    probe('speech host', async () => (speechHost ? reachable(speechHost) : 'not configured (offline speech in process)')),
    probe('calls worker', () => pollers(client, namespace, config.CALLS_TASK_QUEUE, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)),
    probe('speech worker', () => pollers(client, namespace, config.SPEECH_TASK_QUEUE, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)),
  ]);
}
