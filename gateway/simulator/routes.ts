// /simulator: the phone simulator page (static files, no build step) and the lines it can dial,
// behind the ops login. The telephone side (ringing, answering, the media stream) is the
// "browser" provider in providers/browser/.
import path from 'node:path';
import express, { Router } from 'express';
import type { Config } from '../../lib/config';
import { requireOps } from '../../lib/ops-auth';

export function simulatorRoutes(config: Config): Router {
  const router = Router();
  router.use(requireOps(() => config.CODEC_AUTH_TOKEN));
  // Only our own scripts, and never inside another site's frame (a hidden "Answer" click).
  router.use((_req, res, next) => {
    res.set({ 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'", 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' });
    next();
  });

  /** The numbers that ring in to a bot (INBOUND_ROUTES), for the dial list; never a secret. */
  router.get('/lines', (_req, res) => {
    const lines = [...config.INBOUND_ROUTES.entries()].map(([number, route]) => ({ number, ...route }));
    res.set('Cache-Control', 'no-store').json({ lines, default_route: config.INBOUND_DEFAULT_ROUTE ?? null });
  });

  router.use(express.static(path.join(__dirname, 'public'), { index: 'index.html', maxAge: 0 }));
  return router;
}
