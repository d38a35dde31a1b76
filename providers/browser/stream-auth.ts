// The simulator's media socket is opened by the page itself: the ops session cookie (or, for a
// program, the ops token as bearer or Basic) authenticates it, and only from our own pages.
import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../lib/config';
import { opsCredential, sameOrigin } from '../../lib/ops-auth';

export function authorizeBrowserStream(request: IncomingMessage): boolean {
  return sameOrigin(request) && opsCredential(request, loadConfig().CODEC_AUTH_TOKEN) !== undefined;
}
