// The one ops login in front of the ops and developer pages (the dashboard, the phone
// simulator): HTTP Basic with OPS_USER / OPS_PASSWORD, which a browser asks for once, or the
// password as a bearer token for programs. A Basic login also gets an 8-hour session cookie:
// it is what a page's EventSource and WebSocket requests carry (a browser cannot set headers
// on those), and it never holds the password itself. Never Jupiter's token.
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { sameSecret } from './same-secret';

export interface OpsLogin {
  user: string;
  password: string;
}

export const OPS_REALM = 'nerve ops';
const SESSION_COOKIE = 'nerve_ops';
export const SESSION_SECONDS = 8 * 3600; // one working shift

/** The user and password a Basic header carries, or undefined when it carries none. */
export function basicCredentials(header: string | undefined): OpsLogin | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** How the request proved it is ops: a header (Basic or bearer), the session cookie, or not at all. */
export function opsCredential(request: IncomingMessage, login: OpsLogin): 'basic' | 'bearer' | 'cookie' | undefined {
  const authorization = request.headers.authorization;
  if (authorization) {
    const bearer = /^Bearer (.+)$/.exec(authorization)?.[1];
    if (bearer !== undefined) return sameSecret(bearer, login.password) ? 'bearer' : undefined;
    const given = basicCredentials(authorization);
    return given && sameSecret(`${given.user}:${given.password}`, `${login.user}:${login.password}`) ? 'basic' : undefined;
  }
  return validSession(cookieOf(request, SESSION_COOKIE), login) ? 'cookie' : undefined;
}

/**
 * A browser's WebSocket and EventSource requests carry cookies whichever page opened them; one
 * from another site's page must not ride on the ops cookie (cross-site WebSocket hijacking).
 * Requests without an Origin come from programs, which authenticate by header.
 */
export function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * Express guard for ops pages and their APIs: 401 with a Basic challenge, and a JSON error body
 * for API-style paths (data, streams) that scripts read; pages get a line of text.
 */
export function requireOps(login: () => OpsLogin, isApiPath: (path: string) => boolean = () => true) {
  return (req: Request, res: Response, next: NextFunction) => {
    const how = opsCredential(req, login());
    if (how && sameOrigin(req)) {
      if (how === 'basic') res.cookie(SESSION_COOKIE, session(login()), { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: SESSION_SECONDS * 1000 });
      return next();
    }
    res.status(401).set('WWW-Authenticate', `Basic realm="${OPS_REALM}", charset="UTF-8"`).set('Cache-Control', 'no-store');
    if (isApiPath(req.path)) res.json({ error: 'unauthorized', message: 'ops login required (HTTP Basic, or the ops password as a bearer token)' });
    else res.type('text/plain').send('Ops login required.');
  };
}

/** `expiry.mac` keyed by a secret: lapses on its own, never holds the secret, and changing it ends every session. */
export function signedSession(key: string, label: string, expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS): string {
  return `${expires}.${createHmac('sha256', key).update(`${label}:${expires}`).digest('base64url')}`;
}

export function validSignedSession(value: string | undefined, key: string, label: string): boolean {
  const expires = Number(value?.split('.')[0]);
  return !!value && Number.isInteger(expires) && expires > Date.now() / 1000 && sameSecret(value, signedSession(key, label, expires));
}

const session = (login: OpsLogin) => signedSession(login.password, `ops-session:${login.user}`);
const validSession = (value: string | undefined, login: OpsLogin) => validSignedSession(value, login.password, `ops-session:${login.user}`);

export function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
