// Links to the agent page (/agent/calls/:id) carry a signature of the call id, so a link handed
// to the agent's desktop opens that one call's context and nothing else, with no login.
import { createHmac } from 'node:crypto';
import type { Config } from './config';
import { sameSecret } from './same-secret';

const key = (config: Config) => config.AGENT_DESK_SECRET ?? config.NERVE_API_TOKEN;

export function agentPageSignature(config: Config, callId: string): string {
  return createHmac('sha256', key(config)).update(`agent-page:${callId}`).digest('base64url');
}

/** The signed link's path and query, for a page on the gateway itself (the ops dashboard's link). */
export function agentPagePath(config: Config, callId: string): string {
  return `/agent/calls/${encodeURIComponent(callId)}?sig=${agentPageSignature(config, callId)}`;
}

export function agentPageUrl(config: Config, callId: string): string {
  return config.PUBLIC_BASE_URL + agentPagePath(config, callId);
}

export function validAgentPageSignature(config: Config, callId: string, sig: string): boolean {
  return sameSecret(sig, agentPageSignature(config, callId));
}
