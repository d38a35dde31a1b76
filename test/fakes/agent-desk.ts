// A stand-in for the agent desktop: receives the handoff context webhook, checks its signature
// (X-Nerve-Signature over the raw body) and records every delivery, so a test can count them.
import http from 'node:http';
import express from 'express';
import { SIGNATURE_HEADER, verifyWebhook } from '../../lib/webhook-signature';
import { closeServer, listenOnLoopback } from './loopback';

export interface DeskDelivery {
  idempotencyKey: string;
  validSignature: boolean;
  body: Record<string, any>;
}

export class FakeAgentDesk {
  readonly deliveries: DeskDelivery[] = [];
  /** How many of the next deliveries to answer with 503. */
  failNext = 0;
  private server?: http.Server;
  url = '';

  constructor(private readonly secret: string) {}

  async start(): Promise<string> {
    const app = express();
    app.use(express.raw({ type: 'application/json' }));
    app.post('/handoffs', (req, res) => {
      const raw = (req.body as Buffer).toString('utf8');
      const validSignature = verifyWebhook(this.secret, raw, req.get(SIGNATURE_HEADER) ?? '');
      if (this.failNext > 0) {
        this.failNext--;
        res.status(503).json({ error: 'busy' });
        return;
      }
      this.deliveries.push({ idempotencyKey: req.get('idempotency-key') ?? '', validSignature, body: JSON.parse(raw) });
      res.status(validSignature ? 200 : 401).json({ ok: validSignature });
    });
    this.server = http.createServer(app);
    this.url = `${await listenOnLoopback(this.server)}/handoffs`;
    return this.url;
  }

  deliveriesFor(callId: string): DeskDelivery[] {
    return this.deliveries.filter((d) => d.body.call_id === callId);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
