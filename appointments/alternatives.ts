// What to offer when the caller's slot is taken: the nearest free slots, the same day first
// (closest in time, the earlier on a tie), then the following open days from their first slot.
import { bookableSlots, type ClinicHours } from './clinic';
import type { Slot } from './types';
import { addDays, minutesOf } from './zoned-time';

/** How far past the wanted date to look; two weeks always crosses a weekend or a holiday run. */
const SCAN_DAYS = 14;

/** The dates whose booked times nearestFreeSlots needs. */
export function scanRange(wanted: Slot): { from: string; to: string } {
  return { from: wanted.date, to: addDays(wanted.date, SCAN_DAYS) };
}

/** Up to `limit` free slots near the wanted one (never the wanted one itself). */
export function nearestFreeSlots(hours: ClinicHours, wanted: Slot, booked: Map<string, Set<string>>, now: Date, limit = 3): Slot[] {
  const found: Slot[] = [];
  const wantedMinutes = minutesOf(wanted.time) ?? 0;
  const distance = (time: string) => Math.abs(minutesOf(time)! - wantedMinutes);
  for (let day = 0; day <= SCAN_DAYS && found.length < limit; day++) {
    const date = addDays(wanted.date, day);
    const open = bookableSlots(hours, date, now);
    if ('problem' in open) {
      if (open.problem === 'too_far') break;
      continue; // closed or past
    }
    const free = open.slots.filter((time) => !booked.get(date)?.has(time) && !(date === wanted.date && time === wanted.time));
    // Array sort is stable: equal distances keep slot order, so the earlier slot comes first.
    if (date === wanted.date) free.sort((a, b) => distance(a) - distance(b));
    for (const time of free.slice(0, limit - found.length)) found.push({ date, time });
  }
  return found;
}

/** How an alternative reads in a tool's answer: 'YYYY-MM-DD HH:MM'. */
export function slotText(slot: Slot): string {
  return `${slot.date} ${slot.time}`;
}
