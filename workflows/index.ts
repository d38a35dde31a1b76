export { vendorOrderConfirmation } from './vendor-order-confirmation';
export { riderAssignment } from './rider-assignment';
export { questionnaire } from './questionnaire';
export { leadQualification } from './lead-qualification';
export { appointmentAgent } from './appointment-agent';
export { registeredCall } from './registered-call';
