// The ops login in front of /dashboard: HTTP Basic with the dashboard's own credentials
// (DASHBOARD_USER / DASHBOARD_PASSWORD), so a browser asks once and sends them with every page,
// fetch and EventSource request of the same origin. Never public, never Jupiter's token.
import type { NextFunction, Request, Response } from 'express';
import { sameSecret } from '../../lib/same-secret';

export const OPS_REALM = 'nerve ops';

/** The user and password a Basic header carries, or undefined when it carries none. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Refuses requests without the ops credentials: 401 with a Basic challenge, and a JSON error
 * body for API-style paths (the data API and the event stream) that scripts read.
 */
export function requireOps(credentials: { user: string; password: string }, isApiPath: (path: string) => boolean) {
  const expected = `${credentials.user}:${credentials.password}`;
  return (req: Request, res: Response, next: NextFunction) => {
    const given = basicCredentials(req.get('authorization'));
    if (given && sameSecret(`${given.user}:${given.password}`, expected)) return next();
    res.status(401).set('WWW-Authenticate', `Basic realm="${OPS_REALM}", charset="UTF-8"`).set('Cache-Control', 'no-store');
    if (isApiPath(req.path)) res.json({ error: 'unauthorized', message: 'ops credentials required (HTTP Basic)' });
    else res.type('text/plain').send('Ops login required.');
  };
}
