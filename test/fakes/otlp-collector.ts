// An OpenTelemetry collector's OTLP/HTTP trace receiver, as the exporter's JSON encoding sends
// to it: POST /v1/traces with an ExportTraceServiceRequest (resourceSpans → scopeSpans → spans,
// ids in hex), answered 200 with an empty ExportTraceServiceResponse. Keeps the spans it got.
import http from 'node:http';
import express from 'express';
import { closeServer, listenOnLoopback } from './loopback';

export interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}

const valueOf = (v: AnyValue) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: KeyValue[] = []) => Object.fromEntries(list.map((kv) => [kv.key, valueOf(kv.value)]));

export class FakeOtlpCollector {
  readonly spans: ReceivedSpan[] = [];
  private server?: http.Server;
  url = '';

  async start(): Promise<string> {
    const app = express();
    app.use(express.json({ limit: '10mb' }));
    app.post('/v1/traces', (req, res) => {
      if (!req.is('application/json') || !Array.isArray(req.body?.resourceSpans)) {
        res.status(400).json({ code: 3, message: 'expected an ExportTraceServiceRequest in JSON' });
        return;
      }
      for (const resourceSpans of req.body.resourceSpans) {
        const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            this.spans.push({ service, name: span.name, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, attributes: attributesOf(span.attributes) });
          }
        }
      }
      res.status(200).json({});
    });
    this.server = http.createServer(app);
    this.url = await listenOnLoopback(this.server);
    return this.url;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
