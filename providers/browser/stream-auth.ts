// The simulator's media socket is opened by the page itself: the ops session cookie (or, for a
// program, the ops login as Basic or its password as bearer) authenticates it, and only from our own pages.
import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../lib/config';
import { opsCredential, sameOrigin } from '../../lib/ops-auth';

export function authorizeBrowserStream(request: IncomingMessage): boolean {
  return sameOrigin(request) && opsCredential(request, { user: loadConfig().OPS_USER, password: loadConfig().OPS_PASSWORD }) !== undefined;
}
