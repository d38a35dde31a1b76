// The dashboard's numbers for today and the last 24 hours, counted from the calls table.
import { db } from './db';
import { EXTERNAL_PROVIDER, type StatsSnapshot } from './call-events';

/** Outcomes where nobody took part in the conversation; every other ended call got its answer. */
const UNSUCCESSFUL = new Set(['NO_ANSWER', 'NO_RESPONSE', 'FAILED']);

/**
 * One group of calls: same outcome, ended or not, handed off or not, ours or registered from
 * outside, with their talk time. A registered call has no outcome of ours: it counts under how its
 * lifecycle ended (HANDED_OFF or ENDED, as Jupiter's report says).
 */
export interface OutcomeGroup {
  outcome: string | null;
  ended: boolean;
  /** Went through HANDED_OFF, or a bot escalated it (ESCALATED without a handoff path). */
  handedOff: boolean;
  /** Registered by an outside stack: only it knows whether the call succeeded. */
  registered: boolean;
  calls: number;
  /** Answered-to-ended seconds summed over `timed` calls. */
  talkSeconds: number;
  timed: number;
}

export type WindowStats = StatsSnapshot['today'];

const ratio = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

/** The handoff rate is a share of ended calls, the success rate of our own ended calls; the average is over answered calls. */
export function summarise(groups: readonly OutcomeGroup[]): WindowStats {
  const ended = groups.filter((g) => g.ended);
  const endedCount = ended.reduce((n, g) => n + g.calls, 0);
  const outcomes: Record<string, number> = {};
  for (const g of ended) if (g.outcome) outcomes[g.outcome] = (outcomes[g.outcome] ?? 0) + g.calls;
  const count = (pick: (g: OutcomeGroup) => boolean) => ended.reduce((n, g) => n + (pick(g) ? g.calls : 0), 0);
  const handedOff = count((g) => g.handedOff);
  const timed = groups.reduce((n, g) => n + g.timed, 0);
  const talk = groups.reduce((n, g) => n + g.talkSeconds, 0);
  return {
    calls: groups.reduce((n, g) => n + g.calls, 0),
    ended: endedCount,
    outcomes,
    success_rate: ratio(count((g) => !g.registered && !!g.outcome && !UNSUCCESSFUL.has(g.outcome)), count((g) => !g.registered)),
    average_duration_seconds: timed ? Math.round((talk / timed) * 10) / 10 : null,
    handoff_rate: ratio(handedOff, endedCount),
    handed_off: handedOff,
  };
}

async function groupsSince(since: Date): Promise<OutcomeGroup[]> {
  const rows = await db().$queryRaw<{ outcome: string | null; ended: boolean; handed_off: boolean; registered: boolean; calls: number; talk_seconds: number; timed: number }[]>`
    SELECT coalesce(outcome, CASE WHEN handoff_at IS NOT NULL THEN 'HANDED_OFF' ELSE lifecycle END) AS outcome,
      (status = 'COMPLETED') AS ended,
      (handoff_at IS NOT NULL OR outcome = 'ESCALATED') AS handed_off,
      (provider = ${EXTERNAL_PROVIDER}) AS registered,
      count(*)::int AS calls,
      coalesce(sum(extract(epoch FROM ended_at - answered_at)) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL), 0)::float8 AS talk_seconds,
      (count(*) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL))::int AS timed
    FROM calls WHERE created_at >= ${since} GROUP BY 1, 2, 3, 4`;
  return rows.map((r) => ({ outcome: r.outcome, ended: r.ended, handedOff: r.handed_off, registered: r.registered, calls: r.calls, talkSeconds: r.talk_seconds, timed: r.timed }));
}

/** Midnight today in the time zone the dashboard counts days in. */
async function startOfToday(timeZone: string): Promise<Date> {
  const [row] = await db().$queryRaw<{ start: Date }[]>`SELECT (date_trunc('day', now() AT TIME ZONE ${timeZone}) AT TIME ZONE ${timeZone}) AS start`;
  return row.start;
}

export async function statsSnapshot(timeZone: string): Promise<StatsSnapshot> {
  const now = new Date();
  const [today, day] = await Promise.all([startOfToday(timeZone).then(groupsSince), groupsSince(new Date(now.getTime() - 24 * 3600_000))]);
  return { at: now.toISOString(), today: summarise(today), last_24h: summarise(day) };
}
