// What the appointment tools and the API speak in. Dates and times are the clinic's wall clock.

export interface Slot {
  /** 'YYYY-MM-DD', clinic time. */
  date: string;
  /** 'HH:MM', clinic time. */
  time: string;
}

export type AppointmentStatus = 'BOOKED' | 'CANCELLED';

/** What the receptionist may tell a caller about an appointment. */
export interface AppointmentView {
  confirmationNumber: string;
  customerName: string;
  date: string;
  time: string;
  status: AppointmentStatus;
}

/** The whole row, for ops and Jupiter (the caller's number only ever masked). */
export interface AppointmentRecord extends AppointmentView {
  startsAt: Date;
  callId: string | null;
  callerPhoneMasked: string | null;
  createdAt: Date;
  cancelledAt: Date | null;
}

export function viewOf(record: AppointmentRecord): AppointmentView {
  const { confirmationNumber, customerName, date, time, status } = record;
  return { confirmationNumber, customerName, date, time, status };
}
