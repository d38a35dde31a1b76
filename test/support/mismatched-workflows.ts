// Test-only workflows for the replay test's negative check: each call type's name, but a script
// that issues other commands (a timer where the real one schedules activities), so replaying a
// recorded history against it must be reported as nondeterministic.
import { sleep } from '@temporalio/workflow';

async function differentScript(): Promise<void> {
  await sleep('1 day');
}

export const vendorOrderConfirmation = differentScript;
export const riderAssignment = differentScript;
export const questionnaire = differentScript;
export const leadQualification = differentScript;
export const appointmentAgent = differentScript;
export const registeredCall = differentScript;
