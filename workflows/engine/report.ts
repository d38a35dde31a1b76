// Reporting the outcome to Jupiter: the call's result, and for order calls the order's new
// status, each exactly once (the activity keeps an outbox keyed by the idempotency key).
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type * as jupiter from '../../activities/jupiter';
import type { CallPolicy, ReportStatus } from '../types';
import type { CallJournal } from './journal';
import { errorMessage } from './spec';

export interface Delivery {
  kind: 'result' | 'order_update';
  method: 'POST' | 'PATCH';
  path: string;
  payload: Record<string, unknown>;
}

export class Reporter {
  private readonly jupiter;

  constructor(
    private readonly callId: string,
    policy: Pick<CallPolicy, 'reportRetryInitialSeconds' | 'reportRetryMaxSeconds'>,
    private readonly journal: CallJournal,
  ) {
    this.jupiter = proxyActivities<typeof jupiter>({
      // The activity heartbeats while Jupiter is answering, so a worker that dies mid-delivery is
      // noticed in seconds rather than at the end of a long start-to-close timeout.
      startToCloseTimeout: '60s',
      heartbeatTimeout: '5s',
      retry: {
        initialInterval: policy.reportRetryInitialSeconds * 1000,
        maximumInterval: policy.reportRetryMaxSeconds * 1000,
        backoffCoefficient: 2, // no attempt limit: until Jupiter answers 2xx, or rejects with a 4xx
      },
    });
  }

  /** Delivers once; a 4xx from Jupiter will not change on retry, so it is recorded, not thrown. */
  async deliver(delivery: Delivery): Promise<ReportStatus> {
    const { runId } = workflowInfo();
    const idempotencyKey = `${this.callId}/${runId}/${delivery.kind === 'result' ? 'result' : 'order'}`;
    try {
      await this.jupiter.deliverToJupiter({ callId: this.callId, idempotencyKey, ...delivery });
      return 'DELIVERED';
    } catch (err) {
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'JupiterRejected')) throw err;
      this.journal.event(`${delivery.kind}_rejected`, { error: errorMessage(err) });
      return 'REJECTED_BY_JUPITER';
    }
  }
}
