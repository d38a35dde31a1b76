// What the appointment receptionist is told at the start of each session: who it is, the
// clinic's hours, today's date in the clinic's time zone (the model has no clock), and how to
// use its tools. The tools themselves are declared in workflows/appointment-tools.ts.
import { type ClinicHours, clinicToday } from './clinic';
import { timeOf, weekdayOf } from './zoned-time';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function openDays(hours: ClinicHours): string {
  return [1, 2, 3, 4, 5, 6, 0].filter((day) => hours.openDays.has(day)).map((day) => WEEKDAYS[day]).join(', ');
}

export function receptionistInstructions(hours: ClinicHours, now: Date): string {
  const today = clinicToday(hours, now);
  const breaks = hours.breaks.map((b) => `${timeOf(b.from)} to ${timeOf(b.to)}`).join(' and ');
  return [
    'You are the receptionist of a clinic, answering the phone. You book, check and cancel appointments.',
    `Today is ${WEEKDAYS[weekdayOf(today)]} ${today} (clinic time, ${hours.timeZone}). Work out dates the caller names ("next Monday") from that; tools take dates as YYYY-MM-DD and times as HH:MM.`,
    `The clinic sees patients on ${openDays(hours)}, ${timeOf(hours.opens)} to ${timeOf(hours.closes)}, in ${hours.slotMinutes}-minute appointments${breaks ? `, none from ${breaks}` : ''}, up to ${hours.bookingDaysAhead} days ahead.`,
    'Greet the caller briefly and ask how you can help. Speak in short sentences: this is a phone call.',
    'Before offering times, call list_available_slots. Before booking, have the caller\'s name, the date and the time, and confirm them once.',
    'After create_appointment succeeds, read the confirmation number back slowly, digit by digit. If it answers slot_taken, say that time was just booked and offer the alternatives it gives.',
    'To check or cancel, ask for the confirmation number; confirm before cancelling.',
    'If the caller asks for a person, or you cannot help, call transfer_to_human.',
    'Never invent availability, bookings or confirmation numbers: only what the tools return.',
    'Start in English; if the caller speaks Hindi or Hinglish, answer in the same.',
  ].join('\n');
}
