// Hands the call's context to the human agent's desktop: a signed webhook, delivered once. The
// delivery is kept in the report outbox under its idempotency key (one per call's handoff), so a
// retried activity or a worker that died after sending does not send it again once it is marked;
// the key also travels as Idempotency-Key for the one window a crash can still leave (sent, not
// yet marked), where the desk de-duplicates.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../lib/config';
import { db } from '../lib/db';
import { isFinalHttpFailure } from '../lib/http-status';
import { logger } from '../lib/logger';
import { SIGNATURE_HEADER, signWebhook } from '../lib/webhook-signature';
import { agentPageUrl } from '../lib/agent-page-link';

export interface HandoffContextDelivery {
  callId: string;
  idempotencyKey: string;
  /** The agent desktop's webhook; none configured: the context is only on the agent page. */
  url?: string;
  payload: Record<string, unknown>;
}

export async function deliverHandoffContext(delivery: HandoffContextDelivery): Promise<'delivered' | 'already-delivered' | 'no-desk'> {
  if (!delivery.url) return 'no-desk';
  const config = loadConfig();
  const payload = { ...delivery.payload, agent_page: agentPageUrl(config, delivery.callId) };
  const outbox = db().reportOutbox;
  const row = await outbox.upsert({
    where: { idempotencyKey: delivery.idempotencyKey },
    create: { callId: delivery.callId, kind: 'agent_context', idempotencyKey: delivery.idempotencyKey, payload: payload as object },
    update: {},
  });
  if (row.deliveredAt) return 'already-delivered';
  if (row.failedAt) return 'already-delivered'; // refused for good before; the agent page still has it

  const body = JSON.stringify(row.payload);
  Context.current().heartbeat();
  let status = 0;
  let error: string | undefined;
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': delivery.idempotencyKey,
        [SIGNATURE_HEADER]: signWebhook(config.AGENT_DESK_SECRET ?? config.NERVE_API_TOKEN, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    status = response.status;
    if (!response.ok) error = `agent desk answered ${status}`;
  } catch (err) {
    error = `agent desk unreachable: ${(err as Error).message}`;
  }
  const delivered = status >= 200 && status < 300;
  const refused = !delivered && isFinalHttpFailure(status);
  await outbox.update({
    where: { id: row.id },
    data: { attempts: { increment: 1 }, lastStatusCode: status || null, lastError: error ?? null, deliveredAt: delivered ? new Date() : null, failedAt: refused ? new Date() : null },
  });
  if (delivered) return 'delivered';
  logger.warn({ callId: delivery.callId, status }, 'agent desk delivery failed');
  if (refused) throw ApplicationFailure.nonRetryable(error!, 'AgentDeskRejected');
  throw ApplicationFailure.retryable(error!, 'AgentDeskUnavailable');
}
