// Twilio signs every webhook with X-Twilio-Signature: base64(HMAC-SHA1(auth token, the full
// URL it requested + each form parameter's name and value, in name order, no delimiters)).
// See twilio.com/docs/usage/webhooks/webhooks-security.
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { loadConfig } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { sameSecret } from '../../lib/same-secret';

/** Form parameters as a body parser yields them: a repeated name arrives as an array. */
export type SignedParams = Record<string, string | readonly string[]>;

export function twilioSignature(authToken: string, url: string, params: SignedParams = {}): string {
  const hmac = createHmac('sha1', authToken).update(url);
  // Plain code-unit order is the "Unix-style case-sensitive" sort Twilio describes.
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    const values = typeof value === 'string' ? [value] : [...value].sort();
    for (const v of values) hmac.update(name + v);
  }
  return hmac.digest('base64');
}

export function isValidTwilioSignature(authToken: string, signature: string | undefined, url: string, params: SignedParams = {}): boolean {
  if (!authToken || !signature) return false;
  return sameSecret(signature, twilioSignature(authToken, url, params));
}

/**
 * Checks X-Twilio-Signature on webhook requests; mount after the urlencoded body parser.
 * Twilio signs the public URL it called. Behind a load balancer or tunnel the Host header,
 * scheme and port we see differ from that URL, so it is rebuilt from PUBLIC_BASE_URL (the
 * origin we gave Twilio) plus the original path and query, never from the request itself.
 */
export function requireTwilioSignature() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const { PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN } = loadConfig();
    const url = PUBLIC_BASE_URL + req.originalUrl;
    const params = req.method === 'POST' && isFormBody(req.body) ? req.body : {};
    if (!isValidTwilioSignature(TWILIO_AUTH_TOKEN, req.get('x-twilio-signature'), url, params)) {
      return next(new HttpError(403, 'invalid_signature', 'X-Twilio-Signature does not match this request'));
    }
    next();
  };
}

/**
 * For the Media Streams WebSocket upgrade (a GET without a body): Twilio signs the wss URL it
 * connected to, query included, with no parameters. The media gateway calls this before
 * accepting the socket.
 */
export function verifyUpgradeSignature(req: http.IncomingMessage): boolean {
  const { PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN } = loadConfig();
  const header = req.headers['x-twilio-signature'];
  const signature = Array.isArray(header) ? header[0] : header;
  return isValidTwilioSignature(TWILIO_AUTH_TOKEN, signature, toWebSocketOrigin(PUBLIC_BASE_URL) + (req.url ?? '/'), {});
}

/** http://host → ws://host, https://host → wss://host. */
export function toWebSocketOrigin(base: string): string {
  return base.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s.toLowerCase()}://`);
}

function isFormBody(body: unknown): body is SignedParams {
  if (!body || typeof body !== 'object') return false;
  return Object.values(body).every((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
}
