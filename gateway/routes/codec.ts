// The remote codec endpoint for the Temporal Web UI and CLI (Temporal's codec server protocol:
// POST /decode and /encode with {payloads: [{metadata: {k: base64}, data: base64}]}). Histories
// hold only ciphertext; this is where an authorised ops person's browser gets plaintext back,
// so it wants the ops token (CODEC_AUTH_TOKEN), answers CORS only for the UI's own origins, and
// logs who asked (never what came back).
//
// Two ways to present the token: `Authorization: Bearer <CODEC_AUTH_TOKEN>` (the CLI's
// --codec-auth, or a Web UI behind OIDC whose token the UI forwards with "pass access token"),
// or, for a Web UI without login such as the dev server's, a session cookie: open GET /codec/login
// once in the browser, answer the password prompt with the token, and turn on "include
// cross-origin credentials" in the UI's codec settings.
import { sameSecret } from '../../lib/same-secret';
import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import { basicCredentials, cookieOf, SESSION_SECONDS, signedSession, validSignedSession } from '../../lib/ops-auth';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const CodecBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(base64).nullish(), data: base64.nullish() })).max(10_000),
});
type JsonPayload = z.infer<typeof CodecBody>['payloads'][number];

const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';
const SESSION_COOKIE = 'nerve_codec';
const SESSION_LABEL = 'codec-session';

export function codecRoutes(codec: PayloadCodec, config: Config): Router {
  const router = Router();
  const origins = new Set(config.CODEC_CORS_ORIGINS.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean));

  // CORS comes before authentication: a browser's preflight never carries the Authorization
  // header, and a 401 must still be readable by the UI to show why decoding failed.
  router.use((req, res, next) => {
    const origin = req.get('origin');
    if (origin && origins.has(origin)) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    }
    res.vary('Origin');
    if (req.method !== 'OPTIONS') return next();
    if (origin && origins.has(origin)) {
      res.set({ 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' });
    }
    res.status(204).end(); // an unlisted origin gets no allow-* headers, so its browser refuses
  });

  // Before the bearer check: the browser proves the token once by Basic auth and gets a cookie.
  router.get('/login', (req, res) => {
    const password = basicCredentials(req.get('authorization'))?.password ?? '';
    if (!sameSecret(password, config.CODEC_AUTH_TOKEN)) {
      res.set('WWW-Authenticate', 'Basic realm="nerve codec (password: the ops codec token)", charset="UTF-8"');
      throw new HttpError(401, 'unauthorized', 'the codec endpoint needs the ops token');
    }
    // Secure contexts get SameSite=None so a UI on another site can send it; on plain http
    // (localhost, where UI and gateway differ only by port, hence are the same site) Lax suffices.
    res.cookie(SESSION_COOKIE, signedSession(config.CODEC_AUTH_TOKEN, SESSION_LABEL), {
      httpOnly: true, path: req.baseUrl || '/', maxAge: SESSION_SECONDS * 1000, ...(req.secure ? { secure: true, sameSite: 'none' } : { sameSite: 'lax' }),
    });
    logger.info({ ip: req.ip }, 'codec session opened');
    res.type('text/plain').send('Codec session open for 8 hours. The Temporal Web UI can now decrypt payloads (codec settings: include cross-origin credentials).\n');
  });

  router.use(requireOpsToken(config.CODEC_AUTH_TOKEN));
  router.use(express.json({ limit: '8mb' })); // the UI batches a whole history page

  const handle = (direction: 'encode' | 'decode') => async (req: Request, res: Response) => {
    const { payloads } = CodecBody.parse(req.body);
    logger.info({ namespace: req.get('x-namespace'), direction, payloads: payloads.length, ip: req.ip }, 'codec request');
    let result: Payload[];
    try {
      result = await codec[direction](payloads.map(fromJson));
    } catch (err) {
      // The codec's messages name a key id at most, never key material or payload contents.
      throw new HttpError(400, direction === 'decode' ? 'undecodable_payload' : 'unencodable_payload', (err as Error).message);
    }
    res.set('Cache-Control', 'no-store').json({ payloads: result.map(toJson) });
  };
  // The protocol looks only at the last path segment, so /codec/{namespace}/decode works too.
  router.post(['/decode', '/:namespace/decode'], handle('decode'));
  router.post(['/encode', '/:namespace/encode'], handle('encode'));
  return router;
}

function requireOpsToken(token: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (bearer !== undefined ? sameSecret(bearer, token) : validSignedSession(cookieOf(req, SESSION_COOKIE), token, SESSION_LABEL)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="nerve-codec"');
    next(new HttpError(401, 'unauthorized', 'the codec endpoint needs the ops bearer token'));
  };
}


function fromJson(payload: JsonPayload): Payload {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  return { metadata, data: Buffer.from(payload.data ?? '', 'base64') };
}

function toJson(payload: Payload): JsonPayload {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]));
  return { metadata, data: Buffer.from(payload.data ?? []).toString('base64') };
}
