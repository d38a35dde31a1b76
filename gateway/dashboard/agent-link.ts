// The dashboard's way to a handed-off call's agent page (/agent/calls/:id?sig=...). The agent
// page opens with a signed link instead of a login; ops reach it through their own login here, so
// the signature is made on request and never sits in the feed, the JSON or the page's markup.
import type { Config } from '../../lib/config';
import { db } from '../../lib/db';
import { HttpError } from '../../lib/http-error';
import { agentPagePath } from '../../lib/agent-page-link';
import { CallIdSchema } from '../schemas';

/**
 * The signed path (relative: this gateway serves the agent page too, and PUBLIC_BASE_URL is the
 * providers' way in, not necessarily ops') of a call that was handed off; 404 for an unknown
 * call, 409 for one never handed off.
 */
export async function handedOffAgentPath(config: Config, id: string): Promise<string> {
  const callId = CallIdSchema.safeParse(id);
  const row = callId.success ? await db().call.findUnique({ where: { id: callId.data }, select: { handoffAt: true, lifecycle: true } }) : null;
  if (!callId.success || !row) throw new HttpError(404, 'unknown_call', `no call ${id}`);
  if (!row.handoffAt) throw new HttpError(409, 'not_handed_off', `call ${callId.data} is ${row.lifecycle ?? 'not in a lifecycle'}: it was never handed off, so it has no agent page`);
  return agentPagePath(config, callId.data);
}
