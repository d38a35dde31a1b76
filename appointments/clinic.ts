// The clinic's opening hours and the appointment slots they make, in the clinic's own time zone.
// Pure: every answer that depends on the clock takes `now`, so tests fix it.
import type { Config } from '../lib/config';
import type { Slot } from './types';
import { addDays, instantOf, isCalendarDate, isTimeZone, minutesOf, timeOf, wallClock, weekdayOf } from './zoned-time';

/** Why a date or slot cannot be booked; the receptionist turns these into words. */
export type SlotProblem = 'invalid_date' | 'invalid_time' | 'past' | 'too_far' | 'closed_day' | 'not_a_slot';

interface TimeRange {
  from: number;
  to: number;
}

export interface ClinicHours {
  timeZone: string;
  /** 0 = Sunday ... 6 = Saturday. */
  openDays: ReadonlySet<number>;
  /** Minutes after midnight. */
  opens: number;
  closes: number;
  slotMinutes: number;
  /** No slot overlaps these (lunch). */
  breaks: readonly TimeRange[];
  /** The last bookable date is today plus this many days. */
  bookingDaysAhead: number;
}

export type ClinicSettings = Pick<
  Config,
  'CLINIC_TIME_ZONE' | 'CLINIC_OPEN_DAYS' | 'CLINIC_OPENS' | 'CLINIC_CLOSES' | 'CLINIC_SLOT_MINUTES' | 'CLINIC_BREAK' | 'CLINIC_BOOKING_DAYS_AHEAD'
>;

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** A day by its name or an abbreviation of at least three letters ('Mon', 'Thurs'); -1 when none. */
function weekdayNamed(name: string): number {
  const wanted = name.trim().toLowerCase();
  return wanted.length < 3 ? -1 : WEEKDAYS.findIndex((day) => day.startsWith(wanted));
}

/** 'Mon-Fri', 'Mon,Wed,Fri' or 'Sun-Tue,Sat' (ranges may wrap past Saturday). */
export function parseOpenDays(spec: string): Set<number> {
  const days = new Set<number>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const ends = item.split('-').map(weekdayNamed);
    if (ends.length > 2 || ends.some((day) => day < 0)) throw new Error(`"${item}" is not a day or a range of days such as Mon-Fri`);
    const [first, last = first] = ends;
    for (let day = first; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === last) break;
    }
  }
  if (!days.size) throw new Error('names no day');
  return days;
}

/** '12:00-13:00', several comma-separated, or '' for none. */
export function parseBreaks(spec: string): TimeRange[] {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const [from, to] = item.split('-').map((s) => minutesOf(s.trim()) ?? NaN);
    if (!(from < to)) throw new Error(`"${item}" is not a range such as 12:00-13:00`);
    return { from, to };
  });
}

/** The hours from configuration; throws naming the setting when they do not make a day. */
export function clinicHours(settings: ClinicSettings): ClinicHours {
  const opens = minutesOf(settings.CLINIC_OPENS);
  const closes = minutesOf(settings.CLINIC_CLOSES);
  if (!isTimeZone(settings.CLINIC_TIME_ZONE)) throw new Error(`CLINIC_TIME_ZONE: unknown time zone "${settings.CLINIC_TIME_ZONE}"`);
  if (opens === undefined) throw new Error('CLINIC_OPENS: must be HH:MM');
  if (closes === undefined || closes <= opens) throw new Error('CLINIC_CLOSES: must be HH:MM after CLINIC_OPENS');
  if (closes - opens < settings.CLINIC_SLOT_MINUTES) throw new Error('CLINIC_SLOT_MINUTES: longer than the opening hours');
  const named = <T>(name: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  };
  return {
    timeZone: settings.CLINIC_TIME_ZONE,
    openDays: named('CLINIC_OPEN_DAYS', () => parseOpenDays(settings.CLINIC_OPEN_DAYS)),
    opens,
    closes,
    slotMinutes: settings.CLINIC_SLOT_MINUTES,
    breaks: named('CLINIC_BREAK', () => parseBreaks(settings.CLINIC_BREAK)),
    bookingDaysAhead: settings.CLINIC_BOOKING_DAYS_AHEAD,
  };
}

/** The date it is now at the clinic. */
export function clinicToday(hours: ClinicHours, now: Date): string {
  return wallClock(now, hours.timeZone).date;
}

/** Every slot of the day's opening hours, past or not; none on a closed day. */
export function daySlots(hours: ClinicHours, date: string): string[] {
  if (!isCalendarDate(date) || !hours.openDays.has(weekdayOf(date))) return [];
  const slots: string[] = [];
  for (let start = hours.opens; start + hours.slotMinutes <= hours.closes; start += hours.slotMinutes) {
    const end = start + hours.slotMinutes;
    if (hours.breaks.some((b) => start < b.to && end > b.from)) continue;
    slots.push(timeOf(start));
  }
  return slots;
}

/** Why nobody can book on the date, or undefined when it is open and within the horizon. */
export function dateProblem(hours: ClinicHours, date: string, now: Date): SlotProblem | undefined {
  if (!isCalendarDate(date)) return 'invalid_date';
  const today = clinicToday(hours, now);
  if (date < today) return 'past';
  if (date > addDays(today, hours.bookingDaysAhead)) return 'too_far';
  if (!hours.openDays.has(weekdayOf(date))) return 'closed_day';
  return undefined;
}

/** The slots still ahead on the date (today: only those that have not begun). */
export function bookableSlots(hours: ClinicHours, date: string, now: Date): { slots: string[] } | { problem: SlotProblem } {
  const problem = dateProblem(hours, date, now);
  if (problem) return { problem };
  const clock = wallClock(now, hours.timeZone);
  const slots = daySlots(hours, date).filter((time) => date > clock.date || minutesOf(time)! > clock.minutes);
  return { slots };
}

/** Why the slot cannot be booked, or undefined when it can. */
export function slotProblem(hours: ClinicHours, slot: Slot, now: Date): SlotProblem | undefined {
  const problem = dateProblem(hours, slot.date, now);
  if (problem) return problem;
  if (minutesOf(slot.time) === undefined) return 'invalid_time';
  if (!daySlots(hours, slot.date).includes(slot.time)) return 'not_a_slot';
  const clock = wallClock(now, hours.timeZone);
  if (slot.date === clock.date && minutesOf(slot.time)! <= clock.minutes) return 'past';
  return undefined;
}

/** The instant the slot begins. */
export function slotStartsAt(hours: ClinicHours, slot: Slot): Date {
  return instantOf(slot.date, minutesOf(slot.time)!, hours.timeZone);
}
