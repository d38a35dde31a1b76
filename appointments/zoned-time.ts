// Calendar dates and wall-clock times in a named time zone, through Intl only (no time-zone
// library): the clinic's hours are local times, the database keeps instants.

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows the zone (an IANA name such as Asia/Kolkata). */
export function isTimeZone(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** 'YYYY-MM-DD' naming a real day (not 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  const match = DATE_PATTERN.exec(date);
  if (!match) return false;
  const [y, m, d] = match.slice(1).map(Number);
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

/** 'HH:MM' (24-hour) as minutes after midnight, or undefined when it is not one. */
export function minutesOf(time: string): number | undefined {
  const match = TIME_PATTERN.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** Minutes after midnight as 'HH:MM'. */
export function timeOf(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const utcMidnight = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** The calendar date n days after (or before) a date. */
export function addDays(date: string, days: number): string {
  return new Date(utcMidnight(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday; a calendar date's weekday does not depend on any zone. */
export function weekdayOf(date: string): number {
  return new Date(utcMidnight(date)).getUTCDay();
}

/** What a clock on the wall in the zone shows at an instant. */
export function wallClock(instant: Date, timeZone: string): { date: string; minutes: number } {
  const parts = wallParts(instant.getTime(), timeZone);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/**
 * The instant a wall clock in the zone shows date and minutes. Around DST changes (never inside
 * clinic hours): a repeated time is its first occurrence, a skipped one comes out an hour early.
 */
export function instantOf(date: string, minutes: number, timeZone: string): Date {
  const asIfUtc = utcMidnight(date) + minutes * MINUTE_MS;
  // The zone's offset near the wanted instant, then once more at the candidate: the offset may
  // differ across a DST change between the two.
  const first = asIfUtc - offsetAt(asIfUtc, timeZone);
  const second = asIfUtc - offsetAt(first, timeZone);
  return new Date(second);
}

/** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
function offsetAt(epochMs: number, timeZone: string): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  const p = wallParts(whole, timeZone);
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - whole;
}

function wallParts(epochMs: number, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) parts[part.type] = part.value;
  return parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;
}
