// Activities of the speech task queue (the GPU host in production): thin calls into speech/.
import { Context } from '@temporalio/activity';
import { synthesizeToCache } from '../speech/tts';
import { chatTurn, type LlmReply, type LlmTurnInput } from '../speech/llm';
import { summarize, type SummaryReply, type SummaryRequest } from '../speech/summary';
import type { Language, PreparedPrompt } from '../workflows/types';

export type { ChatTurn, LlmReply, LlmTurnInput } from '../speech/llm';

export interface SynthesizeRequest {
  language: Language;
  /** Prompt id → text. */
  texts: Record<string, string>;
}

/** Synthesizes (or finds cached) audio for each prompt; the gateway serves it by URL. */
export async function synthesizePrompts(request: SynthesizeRequest): Promise<Record<string, PreparedPrompt>> {
  const prepared: Record<string, PreparedPrompt> = {};
  for (const [id, text] of Object.entries(request.texts)) {
    prepared[id] = { id, text, audioUrl: await synthesizeToCache(text, request.language) };
  }
  return prepared;
}

/** One conversational turn: what to say next and the fields the caller gave. */
export async function llmTurn(input: LlmTurnInput): Promise<LlmReply> {
  // A caller is waiting: the turn stops at the activity's own timeout instead of running on unseen.
  const context = Context.current();
  return chatTurn(input, AbortSignal.any([context.cancellationSignal, AbortSignal.timeout(context.info.startToCloseTimeoutMs)]));
}

/** The call's rolling summary and entities for the human agent (the lifecycle's context). */
export async function summarizeCall(request: SummaryRequest): Promise<SummaryReply> {
  const context = Context.current();
  return summarize(request, AbortSignal.any([context.cancellationSignal, AbortSignal.timeout(context.info.startToCloseTimeoutMs)]));
}
