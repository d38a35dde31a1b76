// Activities of the calls task queue. Speech activities (activities/speech.ts) run on the speech queue.
export { placeCall, fetchCallStatus, reattachStream, hangUpCall, transferToAgent } from './telephony';
export { watchStream } from './streams';
export { recordCall } from './persistence';
export { deliverToJupiter } from './jupiter';
export { deliverHandoffContext } from './agent-desk';
export { listAvailableSlots, createAppointment, findAppointment, cancelAppointment } from './appointments';
