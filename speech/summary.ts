// The rolling summary of a call for the human who may take it over (the summarizeCall activity):
// a short summary and the entities the caller gave, from an OpenAI-compatible chat completion.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { loadConfig } from '../lib/config';
import { complete } from './llm';

export interface SummaryRequest {
  callType: string;
  previousSummary?: string;
  entities: Record<string, string>;
  turns: { speaker: string; text: string }[];
}

export interface SummaryReply {
  summary: string;
  entities: Record<string, string>;
}

const ReplySchema = z.object({
  summary: z.string().min(1).max(2000),
  entities: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
});

const INSTRUCTIONS = [
  'You keep the running summary of a phone call for a human agent who may take it over.',
  'Reply with one JSON object and nothing else: {"summary": string, "entities": object of strings}.',
  '"summary": two or three plain sentences: who is calling, what they want, what has been done, what is still open.',
  '"entities": facts the caller gave (name, city, order id, budget, date...), snake_case keys, string values.',
].join('\n');

export async function summarize(request: SummaryRequest, signal?: AbortSignal): Promise<SummaryReply> {
  const config = loadConfig();
  if (!config.LLM_URL) throw ApplicationFailure.nonRetryable('LLM_URL is not configured', 'LlmNotConfigured');
  const transcript = request.turns.map((t) => `${t.speaker}: ${t.text}`).join('\n');
  const user = [
    `Call type: ${request.callType}`,
    request.previousSummary ? `Summary so far: ${request.previousSummary}` : '',
    Object.keys(request.entities).length ? `Known entities: ${JSON.stringify(request.entities)}` : '',
    `Latest turns:\n${transcript}`,
  ].filter(Boolean).join('\n\n');
  const content = await complete(config.LLM_URL, config.LLM_MODEL, config.LLM_API_KEY, config.LLM_TIMEOUT_SECONDS, [
    { role: 'system', content: INSTRUCTIONS },
    { role: 'user', content: user },
  ], signal);
  let json: unknown;
  try {
    json = JSON.parse(content.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch {
    json = undefined;
  }
  const parsed = ReplySchema.safeParse(json);
  // The workflow keeps its deterministic summary instead; retrying the same prompt would not help.
  if (!parsed.success) throw ApplicationFailure.nonRetryable('summary reply is not the expected JSON', 'LlmBadReply');
  const entities: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.data.entities)) {
    if (value !== null && String(value).trim() !== '') entities[key] = String(value).trim();
  }
  return { summary: parsed.data.summary.trim(), entities };
}
