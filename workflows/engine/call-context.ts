// The call's context for whoever takes it over: a rolling summary, the entities captured and the
// last turns. A language model writes the summary when one is configured (an activity on the
// speech task queue, refreshed every few turns in the background); otherwise, or while it is
// down, a deterministic summary is built from the fields collected and the last turns.
import { proxyActivities } from '@temporalio/workflow';
import type * as speech from '../../activities/speech';
import type { ContextSettings, ContextSnapshot, Turn } from '../lifecycle-types';

/** Turns shown with the summary (and sent to the model). */
export const LAST_TURNS = 8;

/** The summary without a model: what the call is, what is known, and the last words of each side. */
export function fallbackSummary(callType: string, entities: Record<string, string>, turns: Turn[], turnCount: number): string {
  const parts = [`${callType} call, ${turnCount} turn${turnCount === 1 ? '' : 's'} so far.`];
  const known = Object.entries(entities);
  if (known.length) parts.push(`Known: ${known.map(([k, v]) => `${k} = ${v}`).join('; ')}.`);
  const lastOf = (speaker: Turn['speaker']) => [...turns].reverse().find((t) => t.speaker === speaker);
  const caller = lastOf('caller');
  const bot = lastOf('bot');
  if (caller) parts.push(`Caller last said: "${clip(caller.text)}".`);
  if (bot) parts.push(`Bot last said: "${clip(bot.text)}".`);
  return parts.join(' ');
}

const clip = (text: string) => (text.length > 160 ? `${text.slice(0, 157)}...` : text);

export class CallContextKeeper {
  private readonly lastTurns: Turn[] = [];
  private turnCount = 0;
  readonly entities: Record<string, string> = {};
  private model?: { summary: string; entities: Record<string, string>; turnsCovered: number };
  private refreshing?: Promise<void>;
  private readonly summarizer;

  constructor(
    private readonly callType: string,
    private readonly settings: ContextSettings | undefined,
  ) {
    this.summarizer = settings?.model
      ? proxyActivities<typeof speech>({ taskQueue: settings.speechTaskQueue, startToCloseTimeout: '20s', retry: { maximumAttempts: 2 } })
      : undefined;
  }

  addTurn(turn: Turn): void {
    this.turnCount++;
    this.lastTurns.push(turn);
    if (this.lastTurns.length > LAST_TURNS) this.lastTurns.shift();
    if (this.settings && this.turnCount - (this.model?.turnsCovered ?? 0) >= this.settings.everyTurns) void this.refresh();
  }

  /** An entity captured by the conversation (an event, a collected field). */
  note(name: string, value: string): void {
    this.entities[name] = value;
  }

  /** The context now: the model's summary when it has one, the deterministic one otherwise. */
  snapshot(): ContextSnapshot {
    const lastTurns = [...this.lastTurns];
    if (this.model) {
      return { summary: this.model.summary, entities: { ...this.model.entities, ...this.entities }, lastTurns, source: 'model', turnsCovered: this.model.turnsCovered };
    }
    return { summary: fallbackSummary(this.callType, this.entities, lastTurns, this.turnCount), entities: { ...this.entities }, lastTurns, source: 'fallback', turnsCovered: this.turnCount };
  }

  /** Brings the model's summary up to the latest turn (at a handoff); without a model, nothing to do. */
  async refreshNow(): Promise<void> {
    if (!this.summarizer || (this.model?.turnsCovered ?? 0) >= this.turnCount) return;
    await this.refreshing;
    await this.refresh();
  }

  private refresh(): Promise<void> {
    if (!this.summarizer) return Promise.resolve();
    this.refreshing ??= (async () => {
      const covered = this.turnCount;
      try {
        const result = await this.summarizer!.summarizeCall({
          callType: this.callType,
          previousSummary: this.model?.summary,
          entities: { ...this.entities },
          turns: this.lastTurns.map((t) => ({ speaker: t.speaker, text: t.text })),
        });
        this.model = { summary: result.summary, entities: result.entities, turnsCovered: covered };
      } catch {
        // The fallback summary stands in until the model answers again.
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
