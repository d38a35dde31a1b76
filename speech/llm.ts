// One conversational turn of the voicebot (the llmTurn activity calls it): the workflow passes the
// transcript so far (text only) and gets back what to say next plus any fields the caller gave.
// Talks to an OpenAI-compatible /v1/chat/completions (vLLM, llama.cpp server, OpenAI …).
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { loadConfig } from '../lib/config';
import { isFinalHttpFailure } from '../lib/http-status';
import { timeSpeech } from '../lib/metrics';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface LlmTurnInput {
  system: string;
  history: ChatTurn[];
  /** Names of the fields the bot should collect, e.g. ['prep_time_minutes', 'reason']. */
  fields: string[];
}

export interface LlmReply {
  say: string;
  collected: Record<string, string>;
  should_end: boolean;
  escalate: boolean;
}

export type Message = { role: 'system' | 'user' | 'assistant'; content: string };

// Models are sloppy about value types ("15" vs 15) and mark missing fields with null or "":
// accept scalars and clean them up afterwards rather than spend a repair round on it.
const ReplySchema = z.object({
  say: z.string().min(1),
  collected: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  should_end: z.boolean(),
  escalate: z.boolean(),
});

const REPAIR_INSTRUCTION =
  'Your previous reply was not valid. Answer again with only one JSON object with exactly the keys ' +
  '"say" (string), "collected" (object of strings), "should_end" (boolean) and "escalate" (boolean).';

/** `signal` bounds the whole turn (both completions of a repair round), e.g. by the caller's turn budget. */
export async function chatTurn(input: LlmTurnInput, signal?: AbortSignal): Promise<LlmReply> {
  const config = loadConfig();
  const url = config.LLM_URL;
  if (!url) throw ApplicationFailure.nonRetryable('LLM_URL is not configured', 'LlmNotConfigured');

  // One system message: several local chat templates reject a second or non-leading one.
  const messages: Message[] = [{ role: 'system', content: `${input.system}\n\n${replyContract(input.fields)}` }, ...input.history];

  let problem = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const content = await timeSpeech('llm', () => complete(url, config.LLM_MODEL, config.LLM_API_KEY, config.LLM_TIMEOUT_SECONDS, messages, signal));
    const result = parseReply(content, input.fields);
    if (result.ok) return result.reply;
    problem = result.problem;
    // One repair round: show the model its own reply and what was wrong with it.
    messages.push({ role: 'assistant', content }, { role: 'user', content: `${REPAIR_INSTRUCTION} Problem: ${problem}` });
  }
  // Retrying the activity would only repeat the same prompt; let the workflow fall back instead.
  throw ApplicationFailure.nonRetryable(`LLM reply is not the expected JSON after one repair: ${problem}`, 'LlmBadReply');
}

function replyContract(fields: string[]): string {
  const fieldList = fields.length ? fields.map((f) => `"${f}"`).join(', ') : '(none)';
  return [
    'Reply with a single JSON object and nothing else, with exactly these keys:',
    '- "say": string, what to say next to the caller, short and speakable (no markdown);',
    `- "collected": object mapping field name to string value, only for fields the caller has clearly given; fields: ${fieldList};`,
    '- "should_end": boolean, true when the conversation is complete and the call can end;',
    '- "escalate": boolean, true when a human should take over (caller asks for one, is upset, or you cannot help).',
  ].join('\n');
}

type Parsed = { ok: true; reply: LlmReply } | { ok: false; problem: string };

function parseReply(content: string, fields: string[]): Parsed {
  let json: unknown;
  try {
    // Some models wrap JSON in a ``` fence even in json_object mode.
    json = JSON.parse(content.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch {
    return { ok: false, problem: 'not parseable JSON' };
  }
  const parsed = ReplySchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'reply'}: ${i.message}`).join('; ') };
  }
  // Keep only the fields we asked for, as non-empty strings, so the workflow never sees surprises.
  const collected: Record<string, string> = {};
  for (const field of fields) {
    const value = parsed.data.collected[field];
    if (value !== null && value !== undefined && String(value).trim() !== '') collected[field] = String(value).trim();
  }
  const { say, should_end, escalate } = parsed.data;
  return { ok: true, reply: { say: say.trim(), collected, should_end, escalate } };
}

const CompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }) })).min(1),
});

/** Returns the assistant message's content ('' when absent, which then fails validation). */
export async function complete(baseUrl: string, model: string, apiKey: string | undefined, timeoutSeconds: number, messages: Message[], turnSignal?: AbortSignal): Promise<string> {
  const timeout = timeoutSeconds > 0 ? AbortSignal.timeout(timeoutSeconds * 1000) : undefined;
  const signals = [timeout, turnSignal].filter((s): s is AbortSignal => s !== undefined);
  let response: Response;
  try {
    response = await fetch(new URL('/v1/chat/completions', baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ model, messages, temperature: 0.2, response_format: { type: 'json_object' } }),
      signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
    });
  } catch (err) {
    throw ApplicationFailure.retryable(`LLM host unreachable: ${(err as Error).message}`, 'LlmUnavailable');
  }
  if (!response.ok) {
    const message = `LLM host answered ${response.status}: ${(await response.text().catch(() => '')).slice(0, 200)}`;
    if (isFinalHttpFailure(response.status)) throw ApplicationFailure.nonRetryable(message, 'LlmRejected');
    throw ApplicationFailure.retryable(message, 'LlmUnavailable');
  }
  const parsed = CompletionSchema.safeParse(await response.json().catch(() => undefined));
  return parsed.success ? (parsed.data.choices[0].message.content ?? '') : '';
}
