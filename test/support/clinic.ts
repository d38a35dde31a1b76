// A day the clinic is open, far enough ahead that none of its slots is in the past.
import { clinicHours, daySlots } from '../../appointments/clinic';
import { addDays } from '../../appointments/zoned-time';
import { loadConfig } from '../../lib/config';

export function openDayAhead(): string {
  const hours = clinicHours(loadConfig());
  const today = new Date().toISOString().slice(0, 10);
  for (let i = 2; ; i++) if (daySlots(hours, addDays(today, i)).length > 0) return addDays(today, i);
}
