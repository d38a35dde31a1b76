// /dashboard: the ops pages (static files, no build step), their JSON API and the live event
// stream, all behind the ops login.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Cache } from '../../lib/cache';
import { type CallEventLog } from '../../lib/call-events';
import { statsSnapshot } from '../../lib/call-stats';
import type { Config } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { activeCalls, callHistory, callWithTranscript, HistoryQuery } from './call-queries';
import { CallEventHub } from './event-hub';
import { eventStream } from './event-stream';
import { healthChecks } from './health';
import { requireOps } from '../../lib/ops-auth';
import { handedOffAgentPath } from './agent-link';

const PUBLIC_DIR = path.join(__dirname, 'public');
const CallIdParam = z.string().min(1).max(200);

/** Where the Temporal Web UI shows workflows; a call's page is this plus its (encoded) id. */
export function temporalWorkflowsUrl(config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): string {
  return `${config.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/`;
}

export function dashboardRoutes(client: Client, cache: Cache, config: Config, log: CallEventLog): { router: Router; hub: CallEventHub } {
  const router = Router();
  const workflowsUrl = temporalWorkflowsUrl(config);
  const temporalUiLink = (callId: string) => workflowsUrl + encodeURIComponent(callId);
  const hub = new CallEventHub(log);
  router.use(requireOps(() => ({ user: config.OPS_USER, password: config.OPS_PASSWORD }), (p) => p.startsWith('/api/') || p === '/stream'));
  router.use((_req, res, next) => {
    // Pages load only their own files (no inline script), and nothing may frame them.
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'" });
    next();
  });

  const page = (file: string) => (_req: express.Request, res: express.Response) => res.set('Cache-Control', 'no-store').sendFile(path.join(PUBLIC_DIR, file));
  router.get('/', page('index.html'));
  router.get('/calls/:id', page('call.html'));
  // A handed-off call's agent page, for ops: the signed link is made here, behind the ops login, and
  // never travels in the feed or the JSON.
  router.get('/calls/:id/agent', async (req, res) => {
    res.set('Cache-Control', 'no-store').redirect(303, await handedOffAgentPath(config, CallIdParam.parse(req.params.id)));
  });
  router.use('/assets', express.static(path.join(PUBLIC_DIR, 'assets'), { maxAge: '5m', fallthrough: false }));

  router.get('/api/active', async (_req, res) => {
    // The feed's position first: events after it are the page's updates to this snapshot.
    const after = await log.lastId();
    res.json({ after, temporal_workflows_url: workflowsUrl, calls: (await activeCalls(cache)).map((c) => ({ ...c, temporal_url: temporalUiLink(c.call_id) })) });
  });

  router.get('/api/calls', async (req, res) => {
    const history = await callHistory(HistoryQuery.parse(req.query), config.DASHBOARD_TIME_ZONE);
    res.json({ ...history, calls: history.calls.map((c) => ({ ...c, temporal_url: temporalUiLink(c.call_id) })) });
  });

  router.get('/api/calls/:id', async (req, res) => {
    const callId = CallIdParam.parse(req.params.id);
    const after = await log.lastId();
    const found = await callWithTranscript(callId);
    if (!found) throw new HttpError(404, 'unknown_call', `no call ${callId}`);
    res.json({ after, ...found, temporal_url: temporalUiLink(callId) });
  });

  router.get('/api/stats', async (_req, res) => res.json(await statsSnapshot(config.DASHBOARD_TIME_ZONE)));

  router.get('/api/health', async (_req, res) => {
    const checks = await healthChecks(client, cache, config);
    res.json({ ok: checks.every((c) => c.ok), checks });
  });

  router.get('/stream', eventStream(log, hub));
  return { router, hub };
}
