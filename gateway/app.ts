// The gateway: Jupiter's REST API (calls, appointments), provider webhooks, prompt audio and health.
import type { Client } from '@temporalio/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ZodError } from 'zod';
import { PROVIDERS } from '../providers/registry';
import { audioHashOf } from '../speech/tts';
import { ttsAudioKey } from '../lib/keys';
import type { Cache } from '../lib/cache';
import type { Config } from '../lib/config';
import { db } from '../lib/db';
import { HttpError } from '../lib/http-error';
import { logger } from '../lib/logger';
import { TemporalCallControl } from './call-control';
import { appointmentsApi } from './routes/appointments-api';
import { callsApi } from './routes/calls-api';
import { agentPage } from './routes/agent-page';
import { temporalRetryLater } from './temporal-errors';
import { codecRoutes } from './routes/codec';
import { metricsRoutes } from './routes/metrics';
import { simulatorRoutes } from './simulator/routes';
import { payloadCodec } from '../lib/data-converter';
import { callEventLog } from '../lib/call-events';
import { dashboardRoutes } from './dashboard/routes';

export function createGateway(client: Client, cache: Cache, config: Config, control = new TemporalCallControl(client, cache)): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);

  app.use('/api/nerve/appointments', appointmentsApi(config));
  app.use('/api/nerve', callsApi(client, cache, config));
  app.use('/agent', agentPage(client, config)); // a handed-off call's context for the human agent (signed links)
  app.use('/codec', codecRoutes(payloadCodec(), config)); // the Temporal Web UI's remote codec (ops only)
  app.use('/simulator', simulatorRoutes(config)); // the phone simulator page (ops only); its telephone is providers/browser
  app.use('/dashboard', dashboardRoutes(client, cache, config, callEventLog()).router); // ops pages and live feed (Basic login)

  for (const provider of Object.values(PROVIDERS)) app.use(`/webhooks/${provider.name}`, provider.webhooks(control));

  app.get('/audio/:file', async (req, res) => {
    const hash = audioHashOf(req.params.file);
    const audio = hash && (await cache.getBuffer(ttsAudioKey(hash)));
    if (!audio) throw new HttpError(404, 'no_audio', 'no such prompt audio');
    res.type('audio/wav').set('Cache-Control', 'public, max-age=86400, immutable').send(audio);
  });

  app.use(metricsRoutes(cache, config)); // Prometheus, behind METRICS_TOKEN

  app.get('/health', async (_req, res) => {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
        return 'ok';
      } catch (err) {
        return `down: ${(err as Error).message}`;
      }
    };
    const [temporal, database, redis] = await Promise.all([
      check(() => client.workflowService.getSystemInfo({})),
      check(() => db().$queryRaw`SELECT 1`),
      check(() => cache.ping()),
    ]);
    const healthy = [temporal, database, redis].every((s) => s === 'ok');
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', temporal, database, redis });
  });

  app.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'no such route')));
  app.use(errorHandler);
  return app;
}

/** Every error becomes a JSON answer; bad input is a 4xx and never takes the process down. */
function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  // Temporal down or slow: "try again" (503 + Retry-After), which providers and Jupiter retry.
  const retryLater = temporalRetryLater(err);
  if (retryLater) {
    logger.warn({ path: req.path, reason: retryLater.code }, 'request deferred: Temporal did not answer');
    err = retryLater;
  }
  if (err instanceof ZodError) {
    res.status(400).json({ error: 'invalid_request', message: 'request failed validation', issues: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    return;
  }
  if (err instanceof HttpError) {
    if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(err.retryAfterSeconds));
    res.status(err.status).json({ error: err.code, message: err.message, ...err.details });
    return;
  }
  const bodyError = err as { type?: string; status?: number };
  if (bodyError.type === 'entity.parse.failed') {
    res.status(400).json({ error: 'invalid_json', message: 'body is not valid JSON' });
    return;
  }
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    res.status(bodyError.status).json({ error: bodyError.type ?? 'bad_request', message: (err as Error).message });
    return;
  }
  // The path can hold Exotel's webhook secret: the logger cuts every configured secret from each line.
  logger.error({ err, path: req.path }, 'request failed');
  res.status(500).json({ error: 'internal', message: 'internal error' });
}
