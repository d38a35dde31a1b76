// Reports to Jupiter through the report_outbox: a row per report, keyed by its idempotency
// key, so a retried activity or a restarted worker never delivers a report twice.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../lib/config';
import { db } from '../lib/db';
import { isFinalHttpFailure } from '../lib/http-status';
import { logger } from '../lib/logger';
import { reportDeliveryAttempts, reportDeliveryFailures } from '../lib/metrics';

export interface JupiterDelivery {
  callId: string;
  kind: 'result' | 'order_update';
  idempotencyKey: string;
  method: 'POST' | 'PATCH';
  /** Path under JUPITER_URL. */
  path: string;
  payload: Record<string, unknown>;
}

export type DeliveryResult = 'delivered' | 'already-delivered';

export async function deliverToJupiter(delivery: JupiterDelivery): Promise<DeliveryResult> {
  const outbox = db().reportOutbox;
  const row = await outbox.upsert({
    where: { idempotencyKey: delivery.idempotencyKey },
    create: { callId: delivery.callId, kind: delivery.kind, idempotencyKey: delivery.idempotencyKey, payload: delivery.payload as object },
    update: {},
  });
  if (row.deliveredAt) return 'already-delivered';
  if (row.failedAt) throw ApplicationFailure.nonRetryable(row.lastError ?? 'Jupiter rejected the report', 'JupiterRejected');

  const { JUPITER_URL, JUPITER_TOKEN, JUPITER_TIMEOUT_SECONDS } = loadConfig();
  // Heartbeats tell Temporal this worker is alive while Jupiter takes its time; if the worker
  // dies, the attempt times out after the heartbeat timeout (seconds) and is retried elsewhere.
  const context = Context.current();
  context.heartbeat();
  const heartbeat = setInterval(() => context.heartbeat(), 1000);
  let status = 0;
  let error: string | undefined;
  reportDeliveryAttempts.inc({ kind: delivery.kind });
  try {
    const response = await fetch(new URL(delivery.path, JUPITER_URL), {
      method: delivery.method,
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': delivery.idempotencyKey,
        ...(JUPITER_TOKEN ? { Authorization: `Bearer ${JUPITER_TOKEN}` } : {}),
      },
      body: JSON.stringify(row.payload),
      signal: AbortSignal.timeout(JUPITER_TIMEOUT_SECONDS * 1000),
    });
    status = response.status;
    if (!response.ok) error = `Jupiter answered ${status}: ${(await response.text()).slice(0, 300)}`;
  } catch (err) {
    error = `Jupiter unreachable: ${(err as Error).message}`;
  } finally {
    clearInterval(heartbeat);
  }

  const delivered = status >= 200 && status < 300;
  const rejected = !delivered && isFinalHttpFailure(status);
  await outbox.update({
    where: { id: row.id },
    data: {
      attempts: { increment: 1 },
      lastStatusCode: status || null,
      lastError: error ?? null,
      deliveredAt: delivered ? new Date() : null,
      failedAt: rejected ? new Date() : null,
    },
  });
  if (delivered) return 'delivered';
  logger.warn({ callId: delivery.callId, kind: delivery.kind, status }, 'Jupiter delivery failed');
  reportDeliveryFailures.inc({ kind: delivery.kind, reason: rejected ? 'rejected' : 'unavailable' });
  if (rejected) throw ApplicationFailure.nonRetryable(error!, 'JupiterRejected');
  throw ApplicationFailure.retryable(error!, 'JupiterUnavailable');
}

