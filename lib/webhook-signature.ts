// Signs the webhooks we send (the agent desktop's handoff context) so the receiver can tell them
// from forgeries: HMAC-SHA256 over "<unix seconds>.<body>", sent as `X-Nerve-Signature: t=...,v1=<hex>`.
// The timestamp lets a receiver refuse old replays.
import { createHmac } from 'node:crypto';
import { sameSecret } from './same-secret';

export const SIGNATURE_HEADER = 'X-Nerve-Signature';

export function signWebhook(secret: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** For receivers (and our tests): true when `header` signs `body` with `secret` within `toleranceSeconds`. */
export function verifyWebhook(secret: string, body: string, header: string, toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const t = Number(match[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  return sameSecret(signWebhook(secret, body, t), header);
}
