// The ops login shared by the developer and ops pages (the phone simulator today): the static
// ops token (CODEC_AUTH_TOKEN) as a bearer token, or as the password of HTTP Basic auth, which
// a browser asks for once and then gets an 8-hour session cookie. The cookie is what the page's
// EventSource and WebSocket requests carry (a browser cannot set headers on those), and it
// never holds the token itself.
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error';
import { sameSecret } from './same-secret';

const SESSION_COOKIE = 'nerve_ops';
const SESSION_SECONDS = 8 * 3600;

/** How the request proved it is ops: a header (bearer or Basic), the session cookie, or not at all. */
export function opsCredential(request: IncomingMessage, token: string): 'header' | 'cookie' | undefined {
  const authorization = request.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/.exec(authorization)?.[1];
  if (bearer !== undefined) return sameSecret(bearer, token) ? 'header' : undefined;
  const basic = /^Basic (.+)$/i.exec(authorization)?.[1];
  if (basic !== undefined) {
    const password = Buffer.from(basic, 'base64').toString('utf8').replace(/^[^:]*:/, '');
    return sameSecret(password, token) ? 'header' : undefined;
  }
  return validSession(cookieOf(request, SESSION_COOKIE), token) ? 'cookie' : undefined;
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

/** Express guard for ops pages and their APIs; a browser is asked for the token by a Basic prompt. */
export function requireOps(token: () => string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const how = opsCredential(req, token());
    if (how && sameOrigin(req)) {
      if (how === 'header' && req.headers.authorization?.startsWith('Basic ')) {
        res.cookie(SESSION_COOKIE, session(token()), { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: SESSION_SECONDS * 1000 });
      }
      return next();
    }
    res.set('WWW-Authenticate', 'Basic realm="nerve ops (password: the ops token)", charset="UTF-8"');
    next(new HttpError(401, 'unauthorized', 'this page needs the ops token (Basic password or bearer)'));
  };
}

/** `expiry.mac`: lapses on its own, and changing the token ends every session. */
function session(token: string, expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS): string {
  return `${expires}.${createHmac('sha256', token).update(`ops-session:${expires}`).digest('base64url')}`;
}

function validSession(value: string | undefined, token: string): boolean {
  const expires = Number(value?.split('.')[0]);
  return !!value && Number.isInteger(expires) && expires > Date.now() / 1000 && sameSecret(value, session(token, expires));
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
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
