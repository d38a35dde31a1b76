// GET /analytics: how calls went over a window (default the last 7 days, UTC): counts by call type
// and outcome, the handoff rate and its reasons, the average duration of answered calls, and
// calls per day and per hour. Read from the calls table (the lifecycle's queryable copy).
import type { Request, Response } from 'express';
import { db } from '../../lib/db';
import { AnalyticsQuerySchema } from '../lifecycle-schemas';

export async function callAnalytics(req: Request, res: Response): Promise<void> {
  const { from, to, callType } = AnalyticsQuerySchema.parse(req.query);
  const type = callType ?? null;
  const sql = db();
  // A registered call has no outcome of our own: its lifecycle's last state stands for it.
  const [byOutcome, totals, reasons, byDay, byHour] = await Promise.all([
    sql.$queryRaw<{ call_type: string; outcome: string; calls: bigint }[]>`
      SELECT call_type, COALESCE(outcome, lifecycle, status) AS outcome, COUNT(*) AS calls FROM calls
      WHERE created_at >= ${from} AND created_at < ${to} AND (${type}::text IS NULL OR call_type = ${type})
      GROUP BY 1, 2 ORDER BY 1, 2`,
    sql.$queryRaw<{ calls: bigint; handed_off: bigint; avg_seconds: number | null; ended: bigint }[]>`
      SELECT COUNT(*) AS calls, COUNT(handoff_at) AS handed_off, COUNT(ended_at) AS ended,
             AVG(EXTRACT(EPOCH FROM (ended_at - answered_at)))::float8 AS avg_seconds
      FROM calls WHERE created_at >= ${from} AND created_at < ${to} AND (${type}::text IS NULL OR call_type = ${type})`,
    sql.$queryRaw<{ reason: string; calls: bigint }[]>`
      SELECT handoff_reason AS reason, COUNT(*) AS calls FROM calls
      WHERE created_at >= ${from} AND created_at < ${to} AND handoff_reason IS NOT NULL AND (${type}::text IS NULL OR call_type = ${type})
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    sql.$queryRaw<{ bucket: Date; calls: bigint; handed_off: bigint }[]>`
      SELECT date_trunc('day', created_at) AS bucket, COUNT(*) AS calls, COUNT(handoff_at) AS handed_off FROM calls
      WHERE created_at >= ${from} AND created_at < ${to} AND (${type}::text IS NULL OR call_type = ${type})
      GROUP BY 1 ORDER BY 1`,
    sql.$queryRaw<{ bucket: Date; calls: bigint; handed_off: bigint }[]>`
      SELECT date_trunc('hour', created_at) AS bucket, COUNT(*) AS calls, COUNT(handoff_at) AS handed_off FROM calls
      WHERE created_at >= ${from} AND created_at < ${to} AND (${type}::text IS NULL OR call_type = ${type})
      GROUP BY 1 ORDER BY 1`,
  ]);
  const total = totals[0];
  const calls = Number(total?.calls ?? 0);
  const handedOff = Number(total?.handed_off ?? 0);
  const series = (rows: { bucket: Date; calls: bigint; handed_off: bigint }[]) =>
    rows.map((r) => ({ start: new Date(r.bucket).toISOString(), calls: Number(r.calls), handed_off: Number(r.handed_off) }));
  res.json({
    window: { from: from.toISOString(), to: to.toISOString() },
    calls,
    ended: Number(total?.ended ?? 0),
    by_type_and_outcome: byOutcome.map((r) => ({ call_type: r.call_type, outcome: r.outcome, calls: Number(r.calls) })),
    handoff: { calls: handedOff, rate: calls ? handedOff / calls : 0, reasons: reasons.map((r) => ({ reason: r.reason, calls: Number(r.calls) })) },
    average_duration_seconds: total?.avg_seconds ?? null,
    per_day: series(byDay),
    per_hour: series(byHour),
  });
}
