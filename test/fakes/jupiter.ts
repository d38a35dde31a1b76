// A stand-in for Jupiter: records call results and order updates, honours Idempotency-Key,
// and can answer 500 to the first reports to prove that delivery is retried.
import http from 'node:http';
import express from 'express';
import { closeServer, listenOnLoopback } from './loopback';

export interface ReceivedReport {
  idempotencyKey: string;
  body: Record<string, any>;
  answeredStatus: number;
  duplicate: boolean;
}

export class FakeJupiter {
  readonly reports: ReceivedReport[] = [];
  readonly orderUpdates: { orderId: string; idempotencyKey: string; body: Record<string, any> }[] = [];
  /** How many of the next result reports to answer with 500. */
  failNextReports = 0;
  /** Answer every result report with this status (e.g. 422) instead of 200. */
  rejectReportsWith?: number;
  /** Holds each result report open this long before answering (a slow Jupiter). */
  reportDelayMs = 0;
  /** Reports being held open right now. */
  pendingReports = 0;
  private server?: http.Server;
  url = '';

  async start(): Promise<string> {
    const app = express();
    app.use(express.json());
    app.post('/api/voice-calls/result', async (req, res) => {
      if (this.reportDelayMs > 0) {
        this.pendingReports++;
        let gone = false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.reportDelayMs);
          res.once('close', () => { gone = !res.writableFinished; clearTimeout(timer); resolve(); });
        });
        this.pendingReports--;
        if (gone) return; // the sender died mid-request: Jupiter never saw a complete exchange
      }
      const idempotencyKey = req.get('idempotency-key') ?? '';
      const duplicate = this.acknowledged().some((r) => r.idempotencyKey === idempotencyKey);
      let status = 200;
      if (this.rejectReportsWith) status = this.rejectReportsWith;
      else if (this.failNextReports > 0) {
        this.failNextReports--;
        status = 500;
      }
      this.reports.push({ idempotencyKey, body: req.body, answeredStatus: status, duplicate });
      res.status(status).json(status === 200 ? { ok: true, duplicate } : { error: 'try later' });
    });
    app.patch('/api/orders/:orderId', (req, res) => {
      this.orderUpdates.push({ orderId: req.params.orderId, idempotencyKey: req.get('idempotency-key') ?? '', body: req.body });
      res.json({ ok: true });
    });
    this.server = http.createServer(app);
    this.url = await listenOnLoopback(this.server);
    return this.url;
  }

  /** Reports Jupiter accepted (2xx), the ones that count. */
  acknowledged(): ReceivedReport[] {
    return this.reports.filter((r) => r.answeredStatus === 200 && !r.duplicate);
  }

  /** Reports about one order, lead or questionnaire key. */
  reportsFor(businessKey: string, callType?: string): ReceivedReport[] {
    return this.reports.filter((r) => r.body.business_key === businessKey && (!callType || r.body.call_type === callType));
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
