// GET /metrics: the gateway's Prometheus series. The gateway faces the internet (provider
// webhooks), so the endpoint wants its own bearer token (METRICS_TOKEN, the scraper's, not
// Jupiter's) and is not served at all while none is set.
import { type Request, type Response, Router } from 'express';
import type { Cache } from '../../lib/cache';
import type { Config } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import { activeCalls, collectProcessMetrics, exposition } from '../../lib/metrics';
import { liveCalls } from '../live-calls';
import { requireBearer } from '../require-bearer';

export function metricsRoutes(cache: Cache, config: Config): Router {
  const router = Router();
  const token = config.METRICS_TOKEN;
  if (!token) {
    router.get('/metrics', () => {
      throw new HttpError(404, 'not_found', 'metrics are off: set METRICS_TOKEN');
    });
    return router;
  }
  collectProcessMetrics();
  router.get('/metrics', requireBearer(token), async (_req: Request, res: Response) => {
    await refreshActiveCalls(cache);
    const { contentType, text } = await exposition();
    res.type(contentType).set('Cache-Control', 'no-store').send(text);
  });
  return router;
}

/** Sets nerve_calls_active from the live presence rows; Redis down leaves the last figures (and a warning). */
async function refreshActiveCalls(cache: Cache): Promise<void> {
  let calls;
  try {
    calls = await liveCalls(cache);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'active calls not counted: Redis did not answer');
    return;
  }
  activeCalls.reset();
  for (const call of calls) activeCalls.inc({ type: call.call_type, status: call.status });
}
